import { test } from 'tap'
import { SignJWT } from 'jose'
import { build } from '../helpers/build.ts'
import { breakCheckDigit, grouped, testAadhaar } from '../helpers/aadhaar.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { isProblem } from '../helpers/problem.ts'
import { scenarios } from '../../src/simulator/index.ts'

const AGENT = '20810200'

test('collection variant: the agent gets an OTP reference and nothing else of Eko\'s reply', async (t) => {
  const s = await build(t)
  const body = s.body()
  const res = await s.post(AGENT, body)
  t.equal(res.status, 200)
  t.equal(res.headers['cache-control'], 'no-store')
  t.match(res.headers['content-type'], /^application\/json/)
  t.match(res.json, { otpRefId: /^[0-9]+$/, referenceTid: /^EKYK/, clientRefId: /^[A-Z0-9]{20}$/, message: 'OTP request has been sent' })
  t.equal(res.json.mobileHint, '******' + String(body.mobile).slice(-4), 'mobile masked to its last four digits')
  t.same(Object.keys(res.json).sort(), ['clientRefId', 'message', 'mobileHint', 'otpRefId', 'referenceTid'])
  t.equal(s.sim.calls.length, 1, 'Eko was called once')
  t.match(s.sim.calls[0], { variant: 'collection', userCode: AGENT, httpStatus: 200, ekoStatus: 0, clientRefId: res.json.clientRefId })
  t.equal(s.sim.calls[0]!.aadhaarLast4, String(body.aadhaar).slice(-4), 'Eko decrypted the right Aadhaar number')
})

test('customer variant: Eko\'s mobile hint is passed on; mobile and latlong are optional', async (t) => {
  const s = await build(t, { config: { EKO_API_VARIANT: 'customer' } })
  const { aadhaar } = s.body()
  const res = await s.post(AGENT, { aadhaar, clientRefId: 'MYREF123' })
  t.equal(res.status, 200)
  t.match(res.json, { otpRefId: String, mobileHint: /^\*{6}[0-9]{4}$/, clientRefId: 'MYREF123' })
  t.notOk('referenceTid' in res.json, 'no referenceTid when Eko sends none')
  t.match(s.sim.calls[0], { variant: 'customer', clientRefId: 'MYREF123' })
})

test('Aadhaar with spaces or hyphens is accepted; generated clientRefIds are unique', async (t) => {
  const s = await build(t)
  const seen = new Set()
  for (const sep of [' ', '-']) {
    const body = s.body()
    const res = await s.post(AGENT, { ...body, aadhaar: grouped(String(body.aadhaar), sep) })
    t.equal(res.status, 200, `separator ${JSON.stringify(sep)}`)
    seen.add(res.json.clientRefId)
  }
  t.equal(seen.size, 2)
})

test('ops may act for any agent; another agent may not', async (t) => {
  const s = await build(t)
  const ok = await s.post('20819999', s.body(), { authorization: `Bearer ${s.tokens.ops}` })
  t.equal(ok.status, 200)
  const denied = await s.post(AGENT, s.body(), { authorization: `Bearer ${s.tokens.other}` })
  isProblem(t, denied, 403, 'FORBIDDEN')
  t.equal(s.sim.calls.length, 1, 'Eko not called for the forbidden request')
})

test('401 for a missing, malformed, forged, expired or unsigned token', async (t) => {
  const s = await build(t, { config: { AUTH_JWT_ISSUER: 'https://id.example', AUTH_JWT_AUDIENCE: 'eko-ekyc-bff' } })
  const key = new TextEncoder().encode(s.config.AUTH_JWT_SECRET)
  const good = (jwt: SignJWT) => jwt.setProtectedHeader({ alg: 'HS256' }).setIssuer('https://id.example').setAudience('eko-ekyc-bff')
  const valid = await good(new SignJWT({ user_code: AGENT })).setExpirationTime('5m').sign(key)
  const cases: Record<string, string | undefined> = {
    'no header': undefined,
    'not bearer': 'Basic dXNlcjpwYXNz',
    'garbage token': 'Bearer not.a.jwt',
    // Right in every claim (issuer, audience, expiry), so only the signature can refuse it.
    'another secret': `Bearer ${await good(new SignJWT({ user_code: AGENT })).setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(40)))}`,
    expired: `Bearer ${await good(new SignJWT({ user_code: AGENT })).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(key)}`,
    'no exp': `Bearer ${await good(new SignJWT({ user_code: AGENT })).sign(key)}`,
    'wrong issuer': `Bearer ${await new SignJWT({ user_code: AGENT }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://evil.example').setAudience('eko-ekyc-bff').setExpirationTime('5m').sign(key)}`,
    'wrong audience': `Bearer ${await new SignJWT({ user_code: AGENT }).setProtectedHeader({ alg: 'HS256' }).setIssuer('https://id.example').setAudience('other').setExpirationTime('5m').sign(key)}`,
    'alg none': `Bearer ${valid.split('.')[0]!.replace(/^.*$/, Buffer.from('{"alg":"none"}').toString('base64url'))}.${valid.split('.')[1]}.`
  }
  for (const [name, authorization] of Object.entries(cases)) {
    const headers: Record<string, string> = authorization === undefined ? { authorization: '' } : { authorization }
    const res = await s.post(AGENT, s.body(), headers)
    isProblem(t, res, 401, 'UNAUTHENTICATED', name)
    t.match(res.headers['www-authenticate'], /^Bearer realm=/, `${name}: WWW-Authenticate`)
  }
  t.equal((await s.post(AGENT, s.body(), { authorization: `Bearer ${valid}` })).status, 200, 'the well-formed token works')
  t.equal(s.sim.calls.length, 1, 'Eko called only for the valid token')
})

test('400 VALIDATION_FAILED before Eko is called', async (t) => {
  const s = await build(t)
  const b = () => s.body()
  const cases: Array<[string, string, unknown]> = [
    ['user code not 8 digits', '2081020', b()],
    ['user code with letters', '2081020A', b()],
    ['unknown field', AGENT, { ...b(), pin: '1234' }],
    ['missing aadhaar', AGENT, { mobile: '9876543210', latlong: '28.6139,77.2090' }],
    ['aadhaar not a string', AGENT, { ...b(), aadhaar: 234123412346 }],
    ['malformed JSON', AGENT, '{"aadhaar": '],
    ['malformed JSON holding an Aadhaar number (JSON.parse quotes its input)', AGENT, `{"aadhaar": ${String(b().aadhaar)}x}`],
    ['empty body', AGENT, ''],
    ['array body', AGENT, '[]'],
    ['bad mobile', AGENT, { ...b(), mobile: '12345' }],
    ['missing mobile (collection)', AGENT, { ...b(), mobile: undefined }],
    ['missing latlong (collection)', AGENT, { ...b(), latlong: undefined }],
    ['latlong with a space', AGENT, { ...b(), latlong: '28.6139, 77.2090' }],
    ['latitude out of range', AGENT, { ...b(), latlong: '91.0,77.2' }],
    ['clientRefId too long', AGENT, { ...b(), clientRefId: 'A'.repeat(21) }],
    ['clientRefId with a dot', AGENT, { ...b(), clientRefId: 'REQ.1' }],
    ['clientRefId with a space', AGENT, { ...b(), clientRefId: 'REQ 1' }],
    ['empty clientRefId', AGENT, { ...b(), clientRefId: '' }]
  ]
  for (const [name, userCode, payload] of cases) {
    const res = await s.post(userCode, payload, userCode === AGENT ? {} : { authorization: `Bearer ${s.tokens.ops}` })
    t.equal(res.status, 400, name)
    t.equal(res.json.code, 'VALIDATION_FAILED', `${name}: code`)
  }
  t.equal(s.sim.calls.length, 0, 'Eko never called')
})

test('400 INVALID_AADHAAR, and the number is not echoed', async (t) => {
  const s = await build(t)
  const good = testAadhaar()
  const cases: Record<string, string> = {
    'wrong check digit': breakCheckDigit(good),
    'starts with 1': '1' + good.slice(1),
    'starts with 0': '0' + good.slice(1),
    '11 digits': good.slice(0, 11),
    'separator inside a group': `${good.slice(0, 3)} ${good.slice(3)}`,
    letters: 'ABCD EFGH IJKL'
  }
  for (const [name, aadhaar] of Object.entries(cases)) {
    s.secrets.add(aadhaar.replace(/\D/g, ''))
    const res = await s.post(AGENT, { ...s.body(), aadhaar })
    isProblem(t, res, 400, 'INVALID_AADHAAR')
    t.notOk(res.text.includes(aadhaar), `${name}: not echoed`)
  }
  t.equal(s.sim.calls.length, 0)
})

test('413 over 16 KiB and 415 for a non-JSON body', async (t) => {
  const s = await build(t)
  const big = await s.post(AGENT, { ...s.body(), clientRefId: 'x'.repeat(17 * 1024) })
  isProblem(t, big, 413, 'PAYLOAD_TOO_LARGE')
  const form = await s.post(AGENT, 'aadhaar=1', { 'content-type': 'application/x-www-form-urlencoded' })
  isProblem(t, form, 415, 'UNSUPPORTED_MEDIA_TYPE')
  const text = await s.post(AGENT, JSON.stringify(s.body()), { 'content-type': 'text/plain' })
  isProblem(t, text, 415, 'UNSUPPORTED_MEDIA_TYPE')
  t.equal(s.sim.calls.length, 0)
})

test('each of Eko\'s business and transport outcomes has its contract answer (simulator scenarios)', async (t) => {
  // Every scenario is its own question, so the breaker must not answer any of them: more
  // failures allowed than there are scenarios, whatever their order (test/resilience/breaker.test.ts
  // is where it opens).
  const s = await build(t, { config: { EKO_TIMEOUT_MS: 1000, EKO_BREAKER_FAILURES: scenarios.length + 1 } })
  for (const scenario of scenarios.filter(sc => sc.variants === undefined || sc.variants.includes('collection'))) {
    const [status, code] = scenario.service.split(' ') as [string, string]
    const before = s.sim.calls.length
    const started = Date.now()
    const res = await s.post(scenario.userCode, s.body(), { authorization: `Bearer ${s.tokens.ops}` })
    isProblem(t, res, Number(status), code)
    t.equal(s.sim.calls.length - before, 1, `${scenario.userCode}: Eko called exactly once (no retry)`)
    t.ok(Date.now() - started < 2500, `${scenario.userCode}: answered within the deadline`)
    if (code === 'OTP_RATE_LIMITED') t.ok(Number(res.headers['retry-after']) > 0, 'Retry-After')
    if (scenario.userCode === '99990461') t.match(res.json.detail, /Merchant is Inactive or Invalid Details/, 'detail carries Eko\'s reason')
  }
  t.same(s.logs.records().filter(r => /^eko circuit/.test(String(r.msg))), [], 'the circuit never left closed')
})

test('customer variant: Aadhaar not eligible is an EKYC_REJECTED with Eko\'s reason', async (t) => {
  const s = await build(t, { config: { EKO_API_VARIANT: 'customer' } })
  const res = await s.post('99990422', { aadhaar: s.body().aadhaar }, { authorization: `Bearer ${s.tokens.ops}` })
  isProblem(t, res, 422, 'EKYC_REJECTED')
  t.match(res.json.detail, /not eligible/)
})

test('502 UPSTREAM_AUTH_FAILED when Eko refuses the signature; the key never shows', async (t) => {
  const s = await build(t, { config: { EKO_ACCESS_KEY: 'wrong-access-key-0000' } })
  s.secrets.add('wrong-access-key-0000')
  const res = await s.post(AGENT, s.body())
  isProblem(t, res, 502, 'UPSTREAM_AUTH_FAILED')
  t.match(s.sim.calls[0], { httpStatus: 403, refusedBy: String })
})

test('502 UPSTREAM_ERROR when the public key is not Eko\'s (Eko cannot decrypt)', async (t) => {
  const { generateKeyPairSync } = await import('node:crypto')
  const other = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  const s = await build(t, { config: { EKO_AADHAAR_PUBLIC_KEY: other } })
  const res = await s.post(AGENT, s.body())
  isProblem(t, res, 502, 'UPSTREAM_ERROR')
  t.match(s.sim.calls[0], { ekoStatus: 97 })
  t.ok(s.logs.records().some(r => /EKO_AADHAAR_PUBLIC_KEY/.test(JSON.stringify(r))), 'the log tells the operator which setting to check')
})

test('504 UPSTREAM_TIMEOUT within the deadline when Eko is slow', async (t) => {
  const s = await build(t, { config: { EKO_TIMEOUT_MS: 400 } })
  s.sim.setFault({ kind: 'latency', ms: 3000 })
  const started = Date.now()
  const res = await s.post(AGENT, s.body())
  const took = Date.now() - started
  isProblem(t, res, 504, 'UPSTREAM_TIMEOUT')
  t.ok(took >= 380 && took < 1200, `answered after ${took} ms`)
  t.equal(s.sim.calls.length, 1)
})

test('request ids: a well-formed X-Request-Id is kept, anything else replaced', async (t) => {
  const s = await build(t)
  const kept = await s.post(AGENT, s.body(), { 'x-request-id': 'retail-app-1234abcd' })
  t.equal(kept.headers['x-request-id'], 'retail-app-1234abcd')
  t.ok(s.logs.records().some(r => r.requestId === 'retail-app-1234abcd' && (r.eko as { outcome?: string } | undefined)?.outcome === 'OK'), 'the Eko call log line carries the request id')
  const replaced = await s.post(AGENT, {}, { 'x-request-id': 'bad id with spaces' })
  t.match(replaced.headers['x-request-id'], /^[0-9a-f-]{36}$/)
  t.equal(replaced.json.requestId, replaced.headers['x-request-id'])
})

test('Eko accepted but sent no reference: 502, and the cooldown still starts so a retry cannot send again', async (t) => {
  const s = await build(t, { config: { OTP_COOLDOWN_SECONDS: 60 } })
  s.sim.setFault({ kind: 'status', code: 200, contentType: 'application/json', body: '{"status":0,"message":"OTP request has been sent","data":{}}', times: 1 })
  const first = await s.post(AGENT, s.body(), { 'idempotency-key': 'accepted-no-ref-1' })
  isProblem(t, first, 502, 'UPSTREAM_ERROR')
  const retry = await s.post(AGENT, s.body(), { 'idempotency-key': 'accepted-no-ref-2' })
  isProblem(t, retry, 429, 'OTP_RATE_LIMITED')
  t.equal(s.sim.calls.length, 1, 'Eko called once')
})

test('after a timeout the outcome is unknown: the OTP counts as sent for the whole cooldown, and the Idempotency-Key is released', async (t) => {
  const s = await build(t, { config: { OTP_COOLDOWN_SECONDS: 60, EKO_TIMEOUT_MS: 300 } })
  s.sim.setFault({ kind: 'latency', ms: 2000, times: 1 })
  const key = { 'idempotency-key': 'timeout-then-retry-1' }
  isProblem(t, await s.post(AGENT, s.body(), key), 504, 'UPSTREAM_TIMEOUT')
  // Well past the old in-flight hold (deadline + 5 s) would need a sleep; the Retry-After says it all.
  const retry = await s.post(AGENT, s.body(), key)
  isProblem(t, retry, 429, 'OTP_RATE_LIMITED')
  t.notOk(retry.headers['idempotent-replayed'], 'the 504 was not kept: the same key runs again, and meets the cooldown')
  const wait = Number(retry.headers['retry-after'])
  t.ok(wait > 55 && wait <= 60, `Retry-After ${wait} s: the full OTP_COOLDOWN_SECONDS, as if the OTP went out`)
  t.equal(s.sim.calls.length, 1, 'Eko was not called a second time')
})

test('Eko\'s own example client_ref_id (REQ-20260101-001) is accepted and sent as it is', async (t) => {
  const s = await build(t)
  const res = await s.post(AGENT, s.body({ clientRefId: 'REQ-20260101-001' }))
  t.equal(res.status, 200)
  t.equal(res.json.clientRefId, 'REQ-20260101-001')
  t.equal(s.sim.calls[0]!.clientRefId, 'REQ-20260101-001', 'Eko got it unchanged')
  t.equal((await s.post(AGENT, s.body({ clientRefId: 'under_score_1' }))).status, 200, 'underscores too')
})

test('one log line per Eko call with variant, outcome, status, latency and clientRefId', async (t) => {
  const s = await build(t)
  await s.post(AGENT, s.body({ clientRefId: 'LOGLINE1' }))
  const line = s.logs.records().find(r => r.msg === 'eko call')
  t.match(line, { eko: { variant: 'collection', outcome: 'OK', ekoStatus: 0, httpStatus: 200, latencyMs: Number, clientRefId: 'LOGLINE1' } })
})

test('unknown routes answer problem+json 404', async (t) => {
  const s = await build(t)
  const res = await fetch(`${s.url}/nope`)
  t.equal(res.status, 404)
  t.match(await res.json(), { code: 'NOT_FOUND', status: 404 })
})

test('an Aadhaar number put in the URL by mistake reaches neither the log nor the answer', async (t) => {
  const s = await build(t)
  const digits = String(s.body().aadhaar)
  const misplaced = await s.post(digits, s.body(), { authorization: `Bearer ${s.tokens.ops}` })
  t.equal(misplaced.status, 400)
  const plus = `${digits.slice(0, 4)}+${digits.slice(4, 8)}+${digits.slice(8)}`
  for (const path of [`/nope/${digits}`, `/agents/${digits.slice(0, 4)}%20${digits.slice(4, 8)}%20${digits.slice(8)}/x?aadhaar=${digits}`, `/nope/${plus}?aadhaar=${plus}`, `/agents/%ZZ/ekyc/otp?aadhaar=${digits}`]) {
    const res = await fetch(`${s.url}${path}`)
    const text = await res.text()
    t.ok(res.status === 404 || res.status === 400, `${res.status} for a bad path`)
    t.match(res.headers.get('content-type'), /^application\/problem\+json/, 'problem+json, even for a URL Fastify cannot decode')
    t.match(res.headers.get('x-request-id'), /./)
    s.secrets.assertClean(t, text, `the ${res.status} answer`)
  }
  t.ok(s.logs.lines.some(l => l.includes('[redacted]')), 'the logged URL is scrubbed, not dropped')
})

test('a token or key put in the path by mistake reaches neither the 404 answer nor the log', async (t) => {
  const s = await build(t)
  for (const [what, value] of [['a caller token', s.tokens.ops], ['the Eko access key', s.config.EKO_ACCESS_KEY], ['the Eko developer key', s.config.EKO_DEVELOPER_KEY]] as const) {
    const res = await fetch(`${s.url}/x/${value}`)
    const text = await res.text()
    t.equal(res.status, 404, `${what}: 404`)
    t.match(JSON.parse(text), { code: 'NOT_FOUND', detail: 'no route for GET /x/[redacted]' }, `${what}: masked in the detail`)
    s.secrets.assertClean(t, text, `the 404 answer for ${what}`)
  }
  s.secrets.assertClean(t, s.logs.text(), 'the log')
  t.ok(s.logs.records().some(r => (r.req as { url?: string } | undefined)?.url === '/x/[redacted]'), 'the request log keeps the path, masked')
})

test('no Aadhaar number, mobile, key, signature, ciphertext or token in any log line or response', async (t) => {
  assertNoLeaks(t)
})
