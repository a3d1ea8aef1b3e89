import fp from 'fastify-plugin'
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import pkg from '../../package.json' with { type: 'json' }
import { PROBLEMS, problemType, type ProblemCode } from '../errors.ts'
import { IDEMPOTENCY_TTL_SECONDS } from '../routes/agents/idempotency.ts'
import { DOCS_CSP } from './helmet.ts'

/** The error table, generated from `PROBLEMS` so the document cannot drift from the error handler. */
function errorTable (): string {
  const rows = (Object.keys(PROBLEMS) as ProblemCode[])
    .map(code => `| ${PROBLEMS[code].status} | \`${code}\` | ${PROBLEMS[code].title} | \`${problemType(code)}\` |`)
  return ['| status | code | title | type |', '|---|---|---|---|', ...rows].join('\n')
}

const description = `
Backend-for-frontend between the retailer web and mobile apps and Eko's AePS eKYC API. It starts an
agent's one-time Aadhaar eKYC: the Aadhaar number is validated (format and Verhoeff check),
encrypted with Eko's public key and sent with the service's own Eko credentials, which never reach
a client. Only the OTP reference and what is needed to verify it come back.

**Authentication.** Send \`Authorization: Bearer <JWT>\`. The token must name the agent in the path
or carry the ops role. In Swagger UI: *Authorize*, paste the token without the \`Bearer\` prefix.

**Idempotency.** Send an \`Idempotency-Key\` header (1–255 visible ASCII characters) to make retries
safe: the same key with the same body within ${IDEMPOTENCY_TTL_SECONDS / 3600} hours replays the first result without
calling Eko again; the same key with a different body is refused with \`IDEMPOTENCY_KEY_REUSED\`.

**Errors.** Every error is \`application/problem+json\` (RFC 9457) with \`type\`, \`title\`,
\`status\`, \`detail\`, a stable \`code\` to branch on, and \`requestId\` (also the \`x-request-id\`
header) to quote to support. \`429\` and \`503\` carry \`Retry-After\`.

${errorTable()}
`.trim()

/**
 * Relative, so Try it out calls whichever instance serves the page. `x-internal: false`: the apps
 * and ops call it; nothing in it is for a gateway's eyes only. (A variable, because the server
 * type has no room for `x-` extensions; the document carries them all the same.)
 */
const server = { url: '/', description: 'This service wherever it runs: local development, staging (against Eko UAT) or production', 'x-internal': false }

/** The document's fixed parts; paths and schemas come from the routes. Nothing here depends on configuration. */
export const openapiOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.0.3',
    info: { title: pkg.name, version: pkg.version, description },
    servers: [server],
    tags: [
      { name: 'eKYC', description: 'Start an agent\'s Aadhaar eKYC with Eko' },
      { name: 'Operations', description: 'Health checks for the platform; no authentication' }
    ],
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A JWT from the identity provider: the agent\'s own (claim `user_code` by default) or one with the ops role in `roles`. ' +
            'Verified as RFC8725 advises: the algorithm comes from the service\'s settings, never from the token (HS256 with a shared secret of at least 32 bytes, ' +
            'or RS256/ES256 from the identity provider\'s JWKS; never `none`), `exp` is required, and the issuer and audience are checked when configured.'
        }
      }
    }
  },
  // Shared schemas (`Problem`) keep their `$id` as the component name instead of `def-0`.
  refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => typeof json.$id === 'string' ? json.$id : `def-${i}` }
}

/**
 * The OpenAPI document from the routes' schemas, and Swagger UI at /docs with the document at
 * /docs/json. The UI's pages get their own CSP (`DOCS_CSP`) in place of the API's strict one.
 * @see https://github.com/fastify/fastify-swagger
 * @see https://github.com/fastify/fastify-swagger-ui
 */
export default fp(async function swaggerPlugin (app) {
  await app.register(swagger, openapiOptions)
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    uiConfig: {
      // No top bar: ops need no spec-URL box, and its logo SVG carries an inline <style> the CSP refuses.
      layout: 'BaseLayout',
      // Off: an ops token may act for any agent; it should not outlive the tab in localStorage.
      persistAuthorization: false,
      tryItOutEnabled: true,
      displayRequestDuration: true,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0
    },
    theme: { title: 'eko-ekyc-bff API' }
  })
}, { name: 'swagger', dependencies: ['problem'] })
