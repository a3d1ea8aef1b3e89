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
/** Contract §4's error table: every row must be documented on the OTP route. */
const CONTRACT_ERRORS: Array<[number, ProblemCode]> = [
  [400, 'VALIDATION_FAILED'], [400, 'INVALID_AADHAAR'], [401, 'UNAUTHENTICATED'], [403, 'FORBIDDEN'],
  [404, 'AGENT_NOT_FOUND'], [409, 'IDEMPOTENCY_IN_PROGRESS'], [413, 'PAYLOAD_TOO_LARGE'],
  [415, 'UNSUPPORTED_MEDIA_TYPE'], [422, 'IDEMPOTENCY_KEY_REUSED'], [422, 'AGENT_NOT_ACTIVATED'],
  [422, 'EKYC_REJECTED'], [429, 'OTP_RATE_LIMITED'], [502, 'UPSTREAM_AUTH_FAILED'], [502, 'UPSTREAM_ERROR'],
  [503, 'UPSTREAM_UNAVAILABLE'], [504, 'UPSTREAM_TIMEOUT']
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

test('GET /docs/json serves the committed document, whatever the configuration', async (t) => {
  // The test app runs on random ports against the simulator, with another cooldown: none of it may show.
  const s = await build(t, { config: { EKO_API_VARIANT: 'customer', OTP_COOLDOWN_SECONDS: 5 } })
  const res = await request(`${s.url}/docs/json`)
  t.equal(res.statusCode, 200)
  t.same(await res.body.json(), doc)
  t.notOk(committed.includes(new URL(s.sim.baseUrl).host), 'no simulator address in the document')
  t.notOk(/127\.0\.0\.1|localhost/.test(committed), 'no host in the document')
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

test('the OTP route: bearer auth, body with an example, and every error of contract §4 as problem+json', async (t) => {
  const op = doc.paths[OTP_PATH].post as Json
  t.same(op.security, [{ bearerAuth: [] }])
  t.same(op.tags, ['eKYC'])
  const body = op.requestBody.content['application/json']
  t.match(body.example, { aadhaar: String, mobile: String, latlong: String }, 'a body example Try it out can send')
  t.equal(body.schema.additionalProperties, false)
  t.match(op.responses['200'], { headers: { 'cache-control': Object }, content: { 'application/json': { schema: { required: ['otpRefId', 'clientRefId', 'message'] } } } })

  const statuses = new Set(CONTRACT_ERRORS.map(([status]) => String(status)))
  t.same(Object.keys(op.responses).filter(s => s !== '200').sort(), [...statuses].sort(), 'exactly the contract\'s error statuses')
  for (const [status, code] of CONTRACT_ERRORS) {
    const res = op.responses[String(status)] as Json
    t.same(Object.keys(res.content), ['application/problem+json'], `${status}: problem+json only`)
    const media = res.content['application/problem+json']
    t.same(media.schema, { $ref: '#/components/schemas/Problem' }, `${status}: the shared Problem schema`)
    t.match(media.examples[code], { value: { code, status, title: PROBLEMS[code].title } }, `${status}: an example for ${code}`)
    t.ok(res.description.includes(`\`${code}\``), `${status}: description names ${code}`)
    t.ok(res.headers['x-request-id'], `${status}: x-request-id header documented`)
  }
  t.ok(op.responses['429'].headers['retry-after'], '429 documents Retry-After')
  t.ok(op.responses['503'].headers['retry-after'], '503 documents Retry-After')
  t.ok(op.responses['401'].headers['www-authenticate'], '401 documents WWW-Authenticate')

  const problem = doc.components.schemas.Problem as Json
  t.same(problem.required, ['type', 'title', 'status', 'detail', 'code', 'requestId'])
  t.same(problem.properties.code.enum, Object.keys(PROBLEMS), 'code lists every problem code')
})

test('no key, token, signature or number in any log line of this file', async (t) => {
  assertNoLeaks(t)
})
