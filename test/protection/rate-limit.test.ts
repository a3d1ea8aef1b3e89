import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { AGENT, assertRedisClean, isProblem, retryAfter, storeBackends } from './helpers.ts'

const { backends, redis } = await storeBackends(t)

for (const { name, config } of backends) {
  t.test(`${name}: RATE_LIMIT_MAX requests per window per caller, then 429 with Retry-After; other callers unaffected`, async (t) => {
    const s = await build(t, { config: { ...config, RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_SECONDS: 60 } })
    for (let i = 1; i <= 3; i++) {
      const res = await s.post(AGENT, s.body())
      t.equal(res.status, 200, `request ${i} is served`)
      t.equal(res.headers['x-ratelimit-remaining'], String(3 - i), `${3 - i} left`)
    }
    const over = await s.post(AGENT, s.body())
    isProblem(t, over, 429, 'OTP_RATE_LIMITED', 'the fourth')
    t.ok(retryAfter(over) >= 58 && retryAfter(over) <= 60, `Retry-After ${retryAfter(over)} s`)
    t.equal(over.json.requestId, over.headers['x-request-id'], 'rendered by the one error handler')
    isProblem(t, await s.post(AGENT, { not: 'even valid' }), 429, 'OTP_RATE_LIMITED', 'counted before validation')
    t.equal(s.sim.calls.length, 3, 'Eko not called once over the limit')
    t.equal((await s.post('20810201', s.body(), { authorization: `Bearer ${s.tokens.other}` })).status, 200, 'another caller has its own bucket')
    t.match(await (await fetch(`${s.metricsUrl}/metrics`)).text(), /ekyc_otp_rate_limited_total\{reason="rate_limit"\} 2/, 'counted in /metrics as rate_limit')
  })

  t.test(`${name}: requests that fail authentication are limited by client address`, async (t) => {
    const s = await build(t, { config: { ...config, RATE_LIMIT_MAX: 3, RATE_LIMIT_WINDOW_SECONDS: 60 } })
    for (let i = 1; i <= 3; i++) isProblem(t, await s.post(AGENT, s.body(), { authorization: 'Bearer not.a.token' }), 401, 'UNAUTHENTICATED', `bad token ${i}`)
    isProblem(t, await s.post(AGENT, s.body(), { authorization: 'Bearer not.a.token' }), 429, 'OTP_RATE_LIMITED', 'the fourth bad token')
    isProblem(t, await s.post(AGENT, s.body(), { authorization: '' }), 429, 'OTP_RATE_LIMITED', 'no token, same address')
    t.equal((await s.post(AGENT, s.body())).status, 200, 'a valid caller from that address is counted on its own')
  })

  t.test(`${name}: the window ends and the caller is served again`, async (t) => {
    const s = await build(t, { config: { ...config, RATE_LIMIT_MAX: 1, RATE_LIMIT_WINDOW_SECONDS: 1 } })
    t.equal((await s.post(AGENT, s.body())).status, 200)
    const over = await s.post(AGENT, s.body())
    isProblem(t, over, 429, 'OTP_RATE_LIMITED')
    t.equal(retryAfter(over), 1, 'Retry-After: 1')
    await sleep(1100)
    t.equal((await s.post(AGENT, s.body())).status, 200, 'served after Retry-After')
  })
}

t.test('X-Forwarded-For from an untrusted address changes nobody\'s bucket', async (t) => {
  const s = await build(t, { config: { RATE_LIMIT_MAX: 2, RATE_LIMIT_WINDOW_SECONDS: 60 } })
  const spoof = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}` })
  t.equal((await s.post(AGENT, s.body(), spoof(1))).status, 200)
  t.equal((await s.post(AGENT, s.body(), spoof(2))).status, 200)
  isProblem(t, await s.post(AGENT, s.body(), spoof(3)), 429, 'OTP_RATE_LIMITED', 'the caller, whatever address it claims')
  const anon = (n: number) => ({ authorization: '', ...spoof(n) })
  isProblem(t, await s.post(AGENT, s.body(), anon(10)), 401, 'UNAUTHENTICATED')
  isProblem(t, await s.post(AGENT, s.body(), anon(11)), 401, 'UNAUTHENTICATED')
  isProblem(t, await s.post(AGENT, s.body(), anon(12)), 429, 'OTP_RATE_LIMITED', 'unauthenticated: the real address\'s bucket')
})

t.test('X-Forwarded-For from a TRUST_PROXY address names the client; a caller\'s bucket stays the caller\'s', async (t) => {
  const s = await build(t, { config: { RATE_LIMIT_MAX: 2, RATE_LIMIT_WINDOW_SECONDS: 60, TRUST_PROXY: '127.0.0.1' } })
  const anon = (ip: string) => ({ authorization: '', 'x-forwarded-for': ip })
  isProblem(t, await s.post(AGENT, s.body(), anon('198.51.100.1')), 401, 'UNAUTHENTICATED')
  isProblem(t, await s.post(AGENT, s.body(), anon('198.51.100.1')), 401, 'UNAUTHENTICATED')
  isProblem(t, await s.post(AGENT, s.body(), anon('198.51.100.1')), 429, 'OTP_RATE_LIMITED', 'that client is limited')
  isProblem(t, await s.post(AGENT, s.body(), anon('198.51.100.2')), 401, 'UNAUTHENTICATED', 'another client behind the proxy is not')
  t.equal((await s.post(AGENT, s.body(), { 'x-forwarded-for': '198.51.100.3' })).status, 200)
  t.equal((await s.post(AGENT, s.body(), { 'x-forwarded-for': '198.51.100.4' })).status, 200)
  isProblem(t, await s.post(AGENT, s.body(), { 'x-forwarded-for': '198.51.100.5' }), 429, 'OTP_RATE_LIMITED', 'a caller cannot escape its bucket by changing address')
})

t.test('every 2XX and 4XX answer of the eKYC routes carries the X-RateLimit headers the OpenAPI document declares', async (t) => {
  const s = await build(t, { config: { OTP_COOLDOWN_SECONDS: 60, RATE_LIMIT_MAX: 100 } })
  const ops = { authorization: `Bearer ${s.tokens.ops}` }
  const answers: Array<[string, Awaited<ReturnType<typeof s.post>>]> = [
    ['200', await s.post(AGENT, s.body())],
    ['429 (cooldown)', await s.post(AGENT, s.body())],
    ['400', await s.post('20810202', { ...s.body(), aadhaar: '1234' }, ops)],
    ['401', await s.post(AGENT, s.body(), { authorization: 'Bearer not.a.token' })],
    ['403', await s.post('20810203', s.body())],
    ['404', await s.post('99990463', s.body(), ops)],
    ['409', await s.post('99990585', s.body(), ops)],
    ['413', await s.post('20810204', { ...s.body(), clientRefId: 'x'.repeat(17 * 1024) }, ops)],
    ['415', await s.post('20810205', 'aadhaar=1', { ...ops, 'content-type': 'application/x-www-form-urlencoded' })],
    ['422', await s.post('99990461', s.body(), ops)]
  ]
  for (const [what, res] of answers) {
    t.equal(String(res.status), what.split(' ')[0], `${what}: the status asked for`)
    t.match(res.headers, { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': /^[0-9]+$/, 'x-ratelimit-reset': /^[0-9]+$/ }, `${what}: X-RateLimit-Limit, -Remaining and -Reset`)
  }
  const journal = await fetch(`${s.url}/agents/${AGENT}/ekyc`, { headers: { authorization: `Bearer ${s.tokens.agent}` } })
  t.equal(journal.status, 200)
  t.equal(journal.headers.get('x-ratelimit-limit'), '100', 'the journal read too')
})

if (redis !== undefined) t.test('nothing secret is stored in Redis', t => assertRedisClean(t, redis))
t.test('no Aadhaar number, mobile, key or token in any log line or response', async (t) => { assertNoLeaks(t) })
