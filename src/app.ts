import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Dispatcher } from 'undici'
import { list, type Config } from './config.ts'
import { logDestination, loggerOptions } from './logger.ts'
import { createClientErrorHandler } from './client-error.ts'
import { AccessLog } from './access-log.ts'
import { lazySerializers } from './lazy-serializers.ts'
import problemPlugin, { frameworkError } from './plugins/problem.ts'
import metricsPlugin from './plugins/metrics.ts'
import helmetPlugin from './plugins/helmet.ts'
import swaggerPlugin from './plugins/swagger.ts'
import shutdownPlugin from './plugins/shutdown.ts'
import loadSheddingPlugin from './plugins/under-pressure.ts'
import authPlugin from './plugins/auth.ts'
import corsPlugin from './plugins/cors.ts'
import storePlugin from './plugins/store.ts'
import rateLimitPlugin from './plugins/rate-limit.ts'
import ekoPlugin from './plugins/eko.ts'
import healthRoutes from './routes/health.ts'
import agentRoutes from './routes/agents/index.ts'
import { REQUEST_ID_PATTERN } from './problem-schema.ts'

/** Bodies over 16 KiB are refused with 413 before they are parsed (64 KiB on the routes that carry a PID document). */
export const BODY_LIMIT = 16 * 1024
/** Node's default, stated: a bearer token and ordinary headers fit several times; more is refused with 431. */
export const HEADER_LIMIT = 16 * 1024
/** The whole request, headers and body, must arrive within this; a slow-loris client is cut off. */
export const REQUEST_TIMEOUT_MS = 10_000
/** Longer than proxies' idle timeouts (nginx, AWS ALB: 60 s), so the proxy closes an idle connection first and never reuses one we just closed. */
export const KEEP_ALIVE_TIMEOUT_MS = 72_000
const REQUEST_ID = new RegExp(REQUEST_ID_PATTERN)

/** What `buildApp` needs: a validated configuration whose Eko and auth settings are all present. */
export type AppConfig = Config & {
  EKO_BASE_URL: string
  EKO_DEVELOPER_KEY: string
  EKO_ACCESS_KEY: string
  EKO_INITIATOR_ID: string
  EKO_AADHAAR_PUBLIC_KEY: string
}

export interface AppOptions {
  config: AppConfig
  /** A pino logger (tests pass one writing to a captured stream); otherwise one is made from LOG_LEVEL. */
  logger?: FastifyBaseLogger
  /** An undici dispatcher for Eko calls (tests: MockAgent); otherwise a Pool for Eko's origin. */
  dispatcher?: Dispatcher
  /** Without `logger`: pino-pretty instead of JSON lines (server.ts decides, see `usePrettyLogs`). */
  prettyLogs?: boolean
}

export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const production = config.NODE_ENV === 'production'
  const trusted = list(config.TRUST_PROXY)
  const limits = { headerBytes: HEADER_LIMIT, requestTimeoutMs: REQUEST_TIMEOUT_MS }
  const app = Fastify({
    ...(options.logger !== undefined
      ? { loggerInstance: options.logger }
      : { logger: { ...loggerOptions(config.LOG_LEVEL, { pretty: options.prettyLogs }), ...(options.prettyLogs === true ? {} : { stream: logDestination() }) } }),
    bodyLimit: BODY_LIMIT,
    http: { maxHeaderSize: HEADER_LIMIT, headersTimeout: REQUEST_TIMEOUT_MS, connectionsCheckingInterval: 1000 },
    requestTimeout: REQUEST_TIMEOUT_MS,
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // A socket silent for longer than an idle keep-alive or a whole Eko call is dead: drop it.
    connectionTimeout: Math.max(KEEP_ALIVE_TIMEOUT_MS, config.EKO_TIMEOUT_MS) + 10_000,
    // plugins/shutdown.ts answers requests that arrive while closing with a problem+json 503.
    return503OnClosing: false,
    // Never `true`: only named proxies may set the client address (X-Forwarded-For).
    trustProxy: trusted.length > 0 ? trusted : false,
    requestIdHeader: false,
    logController: new AccessLog(),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    // Response serializers compiled on first use in production; at start elsewhere (src/lazy-serializers.ts).
    ...(production ? { schemaController: { compilersFactory: { buildSerializer: lazySerializers() } } } : {}),
    // Route schemas are checked against JSON Schema's meta-schema in development and tests, where a
    // mistake fails the suite; production skips that check, whose compilation costs some 30 ms of
    // every start, and runs the same fixed schemas.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false, validateSchema: !production } },
    // A malformed URL or an over-long parameter fails before routing, past the error handler.
    frameworkErrors: frameworkError,
    // What Node's HTTP parser refuses never reaches Fastify at all: answered as problem+json too.
    clientErrorHandler: createClientErrorHandler(limits)
  }).withTypeProvider<TypeBoxTypeProvider>()

  if (config.ALLOW_INSECURE_HTTP) {
    app.log.warn({ setting: 'ALLOW_INSECURE_HTTP' }, 'ALLOW_INSECURE_HTTP=true: EKO_BASE_URL and AUTH_JWKS_URL may use plain http:// beyond this host, so Eko\'s developer key and the token keys can cross the network unencrypted; for a demo stack only')
  }
  // JSON only: Fastify also parses text/plain by default, which would turn a 415 into a 400.
  app.removeContentTypeParser('text/plain')
  app.decorate('readinessChecks', new Map())
  app.decorate('draining', false)
  app.addHook('onRequest', function requestIdHeader (request, reply, done) {
    reply.header('x-request-id', request.id)
    done()
  })

  await app.register(problemPlugin)
  // First, so a browser's preflight is answered and every answer (errors too) carries CORS headers.
  await app.register(corsPlugin, { origins: list(config.CORS_ORIGINS) })
  await app.register(helmetPlugin)
  // Before every route: @fastify/swagger collects them as they are added.
  await app.register(swaggerPlugin)
  // Collects on this app; serves GET /metrics on its own listener (METRICS_PORT), never here.
  await app.register(metricsPlugin, { host: config.HOST, port: config.METRICS_PORT, limits })
  // Before authentication, so refused requests cost nothing.
  await app.register(shutdownPlugin)
  await app.register(loadSheddingPlugin, { maxEventLoopDelayMs: config.LOAD_SHED_EVENT_LOOP_DELAY_MS, maxHeapUsedMb: config.LOAD_SHED_HEAP_USED_MB })
  await app.register(authPlugin, { settings: config })
  await app.register(storePlugin, { settings: config })
  await app.register(rateLimitPlugin, { settings: config })
  await app.register(ekoPlugin, { settings: config, dispatcher: options.dispatcher })

  await app.register(healthRoutes)
  await app.register(agentRoutes, {
    variant: config.EKO_API_VARIANT,
    cooldownSeconds: config.OTP_COOLDOWN_SECONDS,
    ekoTimeoutMs: config.EKO_TIMEOUT_MS,
    maxOtpAttempts: config.OTP_VERIFY_MAX_ATTEMPTS,
    journalDays: config.EKYC_JOURNAL_DAYS
  })
  return app
}
