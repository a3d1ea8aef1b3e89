import { readFile } from 'node:fs/promises'
import { test } from 'tap'
import { validate, compileErrors } from '@readme/openapi-parser'
import { request } from 'undici'
import pkg from '../../package.json' with { type: 'json' }
import { generateOpenapi, OPENAPI_FILE } from '../../src/openapi.ts'
import { PROBLEMS, type ProblemCode } from '../../src/errors.ts'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'

type Json = Record<string, any>

const OTP_PATH = '/agents/{userCode}/ekyc/otp'
/** What every eKYC POST route can answer, besides its own rows below (README, "Errors"). */
const COMMON: ProblemCode[] = ['VALIDATION_FAILED', 'INVALID_AADHAAR', 'UNAUTHENTICATED', 'FORBIDDEN', 'AGENT_NOT_FOUND',
  'IDEMPOTENCY_IN_PROGRESS', 'EKYC_ALREADY_COMPLETED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'IDEMPOTENCY_KEY_REUSED',
  'AGENT_NOT_ACTIVATED', 'EKYC_REJECTED', 'OTP_RATE_LIMITED', 'INTERNAL_ERROR', 'UPSTREAM_AUTH_FAILED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT']
/** Each eKYC route: its method, the fields its body requires, what its 200 holds, and every error it can answer. */
const ROUTES: Array<{ path: string, method: string, required: string[], answer: string[], errors: ProblemCode[] }> = [
  { path: OTP_PATH, method: 'post', required: ['aadhaar', 'mobile', 'latlong'], answer: ['otpRefId', 'clientRefId', 'message'], errors: COMMON },
  {
    path: '/agents/{userCode}/ekyc/otp/verify',
    method: 'post',
    required: ['aadhaar', 'mobile', 'latlong', 'otp', 'otpRefId', 'referenceTid'],
    answer: ['otpRefId', 'referenceTid', 'clientRefId', 'message'],
    errors: [...COMMON, 'OTP_INVALID', 'OTP_ATTEMPTS_EXCEEDED', 'NOT_IMPLEMENTED']
  },
  {
    path: '/agents/{userCode}/ekyc/biometric',
    method: 'post',
    required: ['aadhaar', 'mobile', 'latlong', 'pidData', 'bankCode', 'otpRefId', 'referenceTid'],
    answer: ['status', 'clientRefId', 'message'],
    errors: [...COMMON, 'INVALID_PID_DATA', 'NOT_IMPLEMENTED']
  },
  {
    path: '/agents/{userCode}/daily-auth',
    method: 'post',
    required: ['aadhaar', 'mobile', 'latlong', 'pidData', 'bankCode'],
    answer: ['status', 'clientRefId', 'message'],
    errors: [...COMMON, 'INVALID_PID_DATA', 'DAILY_AUTH_FAILED', 'NOT_IMPLEMENTED']
  },
  {
    path: '/agents/{userCode}/ekyc',
    method: 'get',
    required: [],
    answer: ['userCode', 'step', 'dailyAuthDate', 'events'],
    errors: ['VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'OTP_RATE_LIMITED', 'INTERNAL_ERROR', 'UPSTREAM_UNAVAILABLE']
  }
]

const committed = await readFile(OPENAPI_FILE, 'utf8')
const doc = JSON.parse(committed) as Json

function operations (): Array<[string, Json]> {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    Object.entries(item as Json).map(([method, op]) => [`${method.toUpperCase()} ${path}`, op as Json] as [string, Json]))
}

/** Every schema under `root`, with where it sits, following properties, items and combinators. */
function * schemas (schema: Json | undefined, where: string): Generator<[string, Json]> {
  if (schema === undefined || typeof schema !== 'object') return
  yield [where, schema]
  for (const [name, sub] of Object.entries((schema.properties ?? {}) as Json)) yield * schemas(sub, `${where}.${name}`)
  if (typeof schema.additionalProperties === 'object') yield * schemas(schema.additionalProperties, `${where}.*`)
  if (schema.items !== undefined) yield * schemas(schema.items, `${where}[]`)
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    for (const [i, sub] of ((schema[key] ?? []) as Json[]).entries()) yield * schemas(sub, `${where}.${key}[${i}]`)
  }
}

function everySchema (): Array<[string, Json]> {
  const all: Array<[string, Json]> = []
  for (const [name, schema] of Object.entries(doc.components.schemas as Json)) all.push(...schemas(schema, `#/components/schemas/${name}`))
  for (const [id, op] of operations()) {
    for (const [type, media] of Object.entries((op.requestBody?.content ?? {}) as Json)) all.push(...schemas(media.schema, `${id} body ${type}`))
    for (const [status, res] of Object.entries(op.responses as Json)) {
      for (const [type, media] of Object.entries((res.content ?? {}) as Json)) all.push(...schemas(media.schema, `${id} ${status} ${type}`))
    }
  }
  return all
}

test('the committed openapi/openapi.json is what the code generates', async (t) => {
  const generated = await generateOpenapi()
  t.ok(generated === committed, 'openapi/openapi.json is out of date: run `npm run openapi` and commit the result')
  t.equal(await generateOpenapi(), generated, 'generation is deterministic')
})

test('the document is valid OpenAPI 3.0 (@readme/openapi-parser)', async (t) => {
  t.equal(doc.openapi, '3.0.3')
  // The parser dereferences in place: give it a copy.
  const result = await validate(structuredClone(doc) as Parameters<typeof validate>[0])
  t.ok(result.valid, result.valid ? 'valid' : compileErrors(result))
  t.same(result.warnings, [], 'no warnings')
})

test('GET /docs/json serves the committed document, whatever the configuration but the variant', async (t) => {
  // The test app runs on random ports against the simulator, with another cooldown: none of it may show.
  const s = await build(t, { config: { OTP_COOLDOWN_SECONDS: 5, OTP_VERIFY_MAX_ATTEMPTS: 3 } })
  const res = await request(`${s.url}/docs/json`)
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), doc)
  t.notOk(committed.includes(new URL(s.sim.baseUrl).host), 'no simulator address in the document')
  t.notOk(/127\.0\.0\.1|localhost/.test(committed), 'no host in the document')
})

test('the document follows the running variant: Send OTP needs mobile and latlong with collection only', async (t) => {
  const sendBody = (d: Json) => d.paths[OTP_PATH].post.requestBody.content['application/json']
  t.same(sendBody(doc).schema.required, ['aadhaar', 'mobile', 'latlong'], 'collection (the committed document): required in the schema, so generated clients send them')
  const s = await build(t, { config: { EKO_API_VARIANT: 'customer' } })
  const served = await (await request(`${s.url}/docs/json`)).body.json() as Json
  t.same(sendBody(served).schema.required, ['aadhaar'], 'customer: only the Aadhaar number is required')
  t.same(sendBody(served).example, { aadhaar: '2341 2341 2346' }, 'and the example sends nothing more')
  // Apart from that body, the two documents are the same.
  served.paths[OTP_PATH].post.requestBody = doc.paths[OTP_PATH].post.requestBody
  t.same(served, doc, 'nothing else differs')
})

test('info: title, package version, the error table from PROBLEMS, the idempotency window', async (t) => {
  t.equal(doc.info.title, 'eko-ekyc-bff')
  t.equal(doc.info.version, pkg.version)
  for (const [code, { status, title }] of Object.entries(PROBLEMS)) {
    t.ok(doc.info.description.includes(`| ${status} | \`${code}\` | ${title} |`), `error table row for ${code}`)
  }
  t.match(doc.info.description, /application\/problem\+json/)
  t.match(doc.info.description, /24 hours/)
  t.same(doc.servers.map((server: Json) => server.url), ['/'], 'one relative server, so Try it out works wherever it is served')
  t.match(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: String })
})

test('every operation: tags that exist with descriptions, operationId, summary, description, described parameters', async (t) => {
  const tags = new Map((doc.tags as Json[]).map(tag => [tag.name, tag.description]))
  for (const name of tags.keys()) t.ok(tags.get(name), `tag ${name} has a description`)
  const ids = new Set()
  for (const [id, op] of operations()) {
    t.ok(op.operationId, `${id}: operationId`)
    ids.add(op.operationId)
    t.ok(op.summary, `${id}: summary`)
    t.ok(op.description, `${id}: description`)
    t.ok(op.tags?.length > 0 && op.tags.every((tag: string) => tags.has(tag)), `${id}: declared tags`)
    for (const p of (op.parameters ?? []) as Json[]) {
      t.ok(p.description, `${id}: parameter ${p.name} described`)
      if (p.name === 'idempotency-key') {
        // Swagger UI pre-fills examples; a shared example key would make ops users collide (422).
        t.equal(p.example, undefined, `${id}: idempotency-key has no example to pre-fill`)
      } else {
        t.ok(p.example !== undefined || p.examples !== undefined, `${id}: parameter ${p.name} has an example`)
      }
    }
    for (const [status, res] of Object.entries(op.responses as Json)) {
      t.not(res.description, 'Default Response', `${id} ${status}: response described`)
    }
  }
  t.equal(ids.size, operations().length, 'operationIds are unique')
  t.notOk(Object.keys(doc.paths).some(p => p.startsWith('/docs')), 'Swagger UI\'s own routes are hidden')
})

test('every schema property has a description; no JSON Schema-only keywords left for OpenAPI 3.0', async (t) => {
  const all = everySchema()
  t.ok(all.length > 20, `${all.length} schemas walked`)
  for (const [where, schema] of all) {
    for (const [name, prop] of Object.entries((schema.properties ?? {}) as Json)) {
      t.ok(prop.description || prop.$ref, `${where}.${name} has a description`)
    }
    t.notOk(Array.isArray(schema.examples), `${where}: no examples array (3.0 uses example)`)
    t.notOk('const' in schema || '$id' in schema || '$schema' in schema, `${where}: no const/$id/$schema`)
  }
})

test('each eKYC route: bearer auth, a body with an example, its answer, and every error it can give as problem+json', async (t) => {
  t.same(Object.keys(doc.paths).filter(p => p.startsWith('/agents/')).sort(), ROUTES.map(r => r.path).sort(), 'exactly the five eKYC routes')
  for (const route of ROUTES) {
    const id = `${route.method.toUpperCase()} ${route.path}`
    const op = doc.paths[route.path][route.method] as Json
    t.same(op.security, [{ bearerAuth: [] }], `${id}: bearer auth`)
    t.same(op.tags, ['eKYC'], `${id}: tag`)
    if (route.method === 'post') {
      const body = op.requestBody.content['application/json']
      t.same(body.schema.required, route.required, `${id}: required body fields`)
      t.same(Object.keys(body.example).sort(), [...route.required].sort(), `${id}: a body example Try it out can send, without clientRefId`)
      t.equal(body.schema.additionalProperties, false, `${id}: no other properties`)
    }
    t.match(op.responses['200'], { headers: { 'Cache-Control': Object }, content: { 'application/json': { schema: { required: route.answer } } } }, `${id}: 200`)

    const statuses = new Set(route.errors.map(code => String(PROBLEMS[code].status)))
    t.same(Object.keys(op.responses).filter(s => s !== '200').sort(), [...statuses].sort(), `${id}: exactly its error statuses`)
    for (const code of route.errors) {
      const status = PROBLEMS[code].status
      const res = op.responses[String(status)] as Json
      t.same(Object.keys(res.content), ['application/problem+json'], `${id} ${status}: problem+json only`)
      const media = res.content['application/problem+json']
      t.same(media.schema, { $ref: '#/components/schemas/Problem' }, `${id} ${status}: the shared Problem schema`)
      t.match(media.examples[code], { value: { code, status, title: PROBLEMS[code].title } }, `${id} ${status}: an example for ${code}`)
      t.ok(res.description.includes(`\`${code}\``), `${id} ${status}: description names ${code}`)
      t.ok(res.headers['X-Request-Id'], `${id} ${status}: X-Request-Id header documented`)
    }
    t.ok(op.responses['429'].headers['Retry-After'], `${id}: 429 documents Retry-After`)
    t.ok(op.responses['503'].headers['Retry-After'], `${id}: 503 documents Retry-After`)
    t.ok(op.responses['401'].headers['WWW-Authenticate'], `${id}: 401 documents WWW-Authenticate`)
    for (const [status, res] of Object.entries(op.responses as Record<string, Json>)) {
      const limited = ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'].filter(h => h in res.headers)
      t.equal(limited.length, /^[24]/.test(status) ? 3 : 0, `${id} ${status}: rate-limit headers on each 2XX and 4XX answer, and only there`)
    }
  }

  const problem = doc.components.schemas.Problem as Json
  t.same(problem.required, ['type', 'title', 'status', 'detail', 'code', 'requestId'])
  t.same(problem.properties.code.enum, Object.keys(PROBLEMS), 'code lists every problem code')
})

test('no key, token, signature or number in any log line of this file', async (t) => {
  assertNoLeaks(t)
})
