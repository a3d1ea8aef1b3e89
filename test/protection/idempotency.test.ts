import t from 'tap'
import { randomUUID } from 'node:crypto'
import { until } from '../helpers/wait.ts'
import { build } from '../helpers/build.ts'
import { grouped } from '../helpers/aadhaar.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { AGENT, assertRedisClean, isProblem, retryAfter, storeBackends } from './helpers.ts'

const { backends, redis } = await storeBackends(t)
const key = () => ({ 'idempotency-key': randomUUID() })

for (const { name, config } of backends) {
  // The cooldown is on: a replay must not be refused by the cooldown its first answer started.
  const settings = { ...config, OTP_COOLDOWN_SECONDS: 60 }

  t.test(`${name}: a retry with the same key and body replays the first answer without calling Eko`, async (t) => {
    const s = await build(t, { config: settings })
    const k = key()
    const body = s.body()
    const first = await s.post(AGENT, body, k)
    t.equal(first.status, 200)
    t.equal(first.headers['idempotent-replayed'], undefined, 'the first answer is not a replay')
    const retry = await s.post(AGENT, { ...body, aadhaar: grouped(String(body.aadhaar), '-') }, k)
    t.equal(retry.status, 200, 'the retry (Aadhaar spelt another way) is answered 200, not 429')
    t.equal(retry.headers['idempotent-replayed'], 'true', 'Idempotent-Replayed: true')
    t.equal(retry.text, first.text, 'the same body: same otpRefId and generated clientRefId')
    t.match(retry.headers['content-type'], /^application\/json/)
    t.equal(retry.headers['cache-control'], 'no-store')
    t.equal(s.sim.calls.length, 1, 'Eko called once')
    isProblem(t, await s.post(AGENT, body, key()), 429, 'OTP_RATE_LIMITED', 'a new key is a new send, and the cooldown applies')
  })

  t.test(`${name}: the same key with a different request is a 422 IDEMPOTENCY_KEY_REUSED`, async (t) => {
    const s = await build(t, { config: settings })
    const k = key()
    const body = s.body()
    t.equal((await s.post(AGENT, body, k)).status, 200)
    const variants: Record<string, Record<string, unknown>> = {
      'another Aadhaar number': { ...s.body(), mobile: body.mobile },
      'another mobile': { ...body, mobile: s.body().mobile },
      'another location': { ...body, latlong: '19.0760,72.8777' },
      'a clientRefId': { ...body, clientRefId: 'REF12345' }
    }
    for (const [what, changed] of Object.entries(variants)) isProblem(t, await s.post(AGENT, changed, k), 422, 'IDEMPOTENCY_KEY_REUSED', what)
    t.equal(s.sim.calls.length, 1, 'Eko called once')
  })

  t.test(`${name}: a key belongs to its caller: another caller's same key is a request of its own`, async (t) => {
    const s = await build(t, { config: { ...settings, OTP_COOLDOWN_SECONDS: 0 } })
    const k = key()
    const body = s.body()
    const mine = await s.post(AGENT, body, k)
    const theirs = await s.post(AGENT, body, { ...k, authorization: `Bearer ${s.tokens.ops}` })
    t.equal(theirs.status, 200)
    t.equal(theirs.headers['idempotent-replayed'], undefined, 'not a replay of another caller\'s answer')
    t.not(theirs.json.otpRefId, mine.json.otpRefId)
    t.equal(s.sim.calls.length, 2)
  })

  t.test(`${name}: while the first request runs, a retry gets 409 IDEMPOTENCY_IN_PROGRESS; afterwards the replay`, async (t) => {
    const s = await build(t, { config: settings })
    const k = key()
    const body = s.body()
    // Long enough that the two requests below surely arrive while the first is still at Eko.
    s.sim.setFault({ kind: 'latency', ms: 3000 })
    const first = s.post(AGENT, body, k)
    t.ok(await until(() => s.sim.calls.length === 1), 'the first request reached Eko')
    const during = await s.post(AGENT, body, k)
    isProblem(t, during, 409, 'IDEMPOTENCY_IN_PROGRESS', 'during')
    t.ok(retryAfter(during) >= 1, 'with Retry-After')
    isProblem(t, await s.post(AGENT, s.body(), k), 422, 'IDEMPOTENCY_KEY_REUSED', 'another body, even in flight')
    t.equal((await first).status, 200, 'the first completes')
    const after = await s.post(AGENT, body, k)
    t.equal(after.status, 200)
    t.equal(after.headers['idempotent-replayed'], 'true')
    t.equal(s.sim.calls.length, 1)
  })

  t.test(`${name}: a 504 (outcome unknown) releases the key: the retry reaches Eko`, async (t) => {
    // The cooldown's in-flight hold also outlives a timeout by a few seconds (a tight retry waits:
    // test/routes/ekyc-otp.test.ts); here only the key is under test.
    const s = await build(t, { config: { ...settings, EKO_TIMEOUT_MS: 300, OTP_COOLDOWN_SECONDS: 0 } })
    const k = key()
    const body = s.body()
    s.sim.setFault({ kind: 'latency', ms: 1000, times: 1 })
    isProblem(t, await s.post(AGENT, body, k), 504, 'UPSTREAM_TIMEOUT', 'Eko too slow')
    const retry = await s.post(AGENT, body, k)
    t.equal(retry.status, 200, 'the retry with the same key is sent')
    t.equal(retry.headers['idempotent-replayed'], undefined, 'and is not a replay')
    t.equal(s.sim.calls.length, 2)
    t.equal((await s.post(AGENT, body, k)).headers['idempotent-replayed'], 'true', 'now the 200 is kept')
  })

  t.test(`${name}: a 502 and a 429 release the key; a business rejection is kept and replayed`, async (t) => {
    const s = await build(t, { config: settings })
    const ops = { authorization: `Bearer ${s.tokens.ops}` }
    const k = { ...key(), ...ops }
    const body = s.body()
    s.sim.setFault({ kind: 'status', code: 503, times: 1 })
    isProblem(t, await s.post('20815555', body, k), 502, 'UPSTREAM_ERROR')
    const k429 = { ...key(), ...ops }
    const body429 = s.body()
    isProblem(t, await s.post('99990429', body429, k429), 429, 'OTP_RATE_LIMITED', 'Eko: OTP already sent')
    const again429 = await s.post('99990429', body429, k429)
    isProblem(t, again429, 429, 'OTP_RATE_LIMITED', 'asked again with the same key')
    t.equal(again429.headers['idempotent-replayed'], undefined, 'Eko was asked again, not a replay')
    t.equal((await s.post('20815555', body, k)).status, 200, 'after the 502 the same key sends')
    const k2 = { ...key(), ...ops }
    const rejectedBody = s.body()
    const rejected = await s.post('99990461', rejectedBody, k2)
    isProblem(t, rejected, 422, 'EKYC_REJECTED')
    const again = await s.post('99990461', rejectedBody, k2)
    t.equal(again.status, 422)
    t.equal(again.headers['idempotent-replayed'], 'true', 'the rejection is replayed')
    t.equal(again.text, rejected.text, 'with the same body')
    t.match(again.headers['content-type'], /^application\/problem\+json/)
    t.equal(s.sim.calls.length, 5, 'Eko not asked again for the kept rejection')
  })

  t.test(`${name}: twenty concurrent requests with one key reach Eko once`, async (t) => {
    const s = await build(t, { config: { ...settings, OTP_COOLDOWN_SECONDS: 0 } })
    s.sim.setFault({ kind: 'latency', ms: 200 })
    const k = key()
    const body = s.body()
    const answers = await Promise.all(Array.from({ length: 20 }, () => s.post(AGENT, body, k)))
    const fresh = answers.filter(a => a.status === 200 && a.headers['idempotent-replayed'] === undefined)
    t.equal(fresh.length, 1, 'one answer from Eko')
    t.ok(answers.every(a => a.status === 409 || (a.status === 200 && a.text === fresh[0]!.text)), 'the rest 409 or the same answer')
    t.equal(s.sim.calls.length, 1)
  })
}

t.test('an Idempotency-Key must be 1–255 visible ASCII characters', async (t) => {
  const s = await build(t)
  const cases: Record<string, string> = { empty: '', 'too long': 'k'.repeat(256), 'with a space': 'my key', 'non-ASCII': 'cl\u00e9' }
  for (const [what, value] of Object.entries(cases)) {
    const res = await s.post(AGENT, s.body(), { 'idempotency-key': value })
    isProblem(t, res, 400, 'VALIDATION_FAILED', what)
    t.match(res.json.detail, /idempotency-key/, `${what}: the detail names the header`)
  }
  t.equal((await s.post(AGENT, s.body(), { 'idempotency-key': '"' + 'k'.repeat(253) + '"' })).status, 200, '255 characters, quotes included, are fine')
  t.equal(s.sim.calls.length, 1)
})

if (redis !== undefined) {
  t.test('nothing secret is stored in Redis; records hold the answer, never the request', async (t) => {
    await assertRedisClean(t, redis)
    const records = (await redis.dump()).filter(k => k.key.startsWith('ekyc:idem:')).map(k => JSON.parse(k.value) as Record<string, unknown>)
    t.ok(records.length > 0)
    t.ok(records.every(r => Object.keys(r).every(f => ['state', 'fingerprint', 'token', 'status', 'type', 'body'].includes(f))), 'only state, fingerprint, status, type and body')
    const completed = (await redis.dump()).filter(k => k.key.startsWith('ekyc:idem:') && k.value.includes('"completed"'))
    t.ok(completed.every(k => k.ttlMs > 23 * 3600_000), 'answers kept for 24 h')
  })
}
t.test('no Aadhaar number, mobile, key or token in any log line or response', async (t) => { assertNoLeaks(t) })
