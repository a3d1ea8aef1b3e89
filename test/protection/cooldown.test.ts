import t from 'tap'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { AGENT, assertRedisClean, isProblem, retryAfter, storeBackends } from './helpers.ts'

const { backends, redis } = await storeBackends(t)

for (const { name, config } of backends) {
  t.test(`${name}: after an OTP is sent, the agent's next send within the cooldown is a 429 with the seconds left, and Eko is not called`, async (t) => {
    const s = await build(t, { config: { ...config, OTP_COOLDOWN_SECONDS: 60 } })
    t.equal((await s.post(AGENT, s.body())).status, 200, 'the first OTP is sent')
    const again = await s.post(AGENT, s.body())
    isProblem(t, again, 429, 'OTP_RATE_LIMITED', 'the second send')
    t.ok(retryAfter(again) >= 58 && retryAfter(again) <= 60, `Retry-After ${retryAfter(again)} s`)
    const byOps = await s.post(AGENT, s.body(), { authorization: `Bearer ${s.tokens.ops}` })
    isProblem(t, byOps, 429, 'OTP_RATE_LIMITED', 'ops acting for the same agent')
    t.equal(s.sim.calls.length, 1, 'Eko was called once')
    const otherAgent = await s.post('20810201', s.body(), { authorization: `Bearer ${s.tokens.other}` })
    t.equal(otherAgent.status, 200, 'another agent is not held back')
    t.match(await (await fetch(`${s.metricsUrl}/metrics`)).text(), /ekyc_otp_rate_limited_total\{reason="cooldown"\} 2/, 'counted in /metrics as cooldown')
  })

  t.test(`${name}: a send Eko rejected or that failed does not start the cooldown`, async (t) => {
    const s = await build(t, { config: { ...config, OTP_COOLDOWN_SECONDS: 60 } })
    const ops = { authorization: `Bearer ${s.tokens.ops}` }
    isProblem(t, await s.post('99990461', s.body(), ops), 422, 'EKYC_REJECTED', 'Eko rejects')
    isProblem(t, await s.post('99990461', s.body(), ops), 422, 'EKYC_REJECTED', 'Eko asked again, and rejects again')
    s.sim.setFault({ kind: 'status', code: 500, times: 1 })
    isProblem(t, await s.post(AGENT, s.body()), 502, 'UPSTREAM_ERROR', 'Eko fails')
    t.equal((await s.post(AGENT, s.body())).status, 200, 'the retry reaches Eko and is sent')
    isProblem(t, await s.post(AGENT, s.body()), 429, 'OTP_RATE_LIMITED', 'now the cooldown runs')
    t.equal(s.sim.calls.length, 4, 'Eko called for each send but the last')
  })

  t.test(`${name}: five simultaneous sends for one agent: one reaches Eko, four get 429`, async (t) => {
    const s = await build(t, { config: { ...config, OTP_COOLDOWN_SECONDS: 60 } })
    s.sim.setFault({ kind: 'latency', ms: 300 })
    const answers = await Promise.all(Array.from({ length: 5 }, () => s.post(AGENT, s.body())))
    t.same(answers.map(a => a.status).sort(), [200, 429, 429, 429, 429])
    t.ok(answers.filter(a => a.status === 429).every(a => retryAfter(a) > 0), 'each 429 has a Retry-After')
    t.equal(s.sim.calls.length, 1, 'Eko called once')
  })

  t.test(`${name}: OTP_COOLDOWN_SECONDS=0 turns the cooldown off`, async (t) => {
    const s = await build(t, { config: { ...config, OTP_COOLDOWN_SECONDS: 0 } })
    t.equal((await s.post(AGENT, s.body())).status, 200)
    t.equal((await s.post(AGENT, s.body())).status, 200)
    t.equal(s.sim.calls.length, 2)
  })
}

t.test('an agent hammering the route gets one OTP per cooldown, and 429s with Retry-After in between', async (t) => {
  const s = await build(t, { config: { ...backends.at(-1)!.config, OTP_COOLDOWN_SECONDS: 1, RATE_LIMIT_MAX: 10_000 } })
  const statuses: number[] = []
  const waits = new Set<number>()
  const sentSoFar = () => statuses.filter(x => x === 200).length
  // Until three OTPs have gone out, two whole cooldowns, however fast or slow this machine is.
  const deadline = Date.now() + 15_000
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (sentSoFar() < 3 && Date.now() < deadline) {
      const res = await s.post(AGENT, s.body())
      statuses.push(res.status)
      if (res.status === 429) waits.add(retryAfter(res))
    }
  }))
  const sent = sentSoFar()
  t.ok(sent >= 3, `${sent} OTPs sent within 15 s`)
  t.same(new Set(statuses), new Set([200, 429]), `only 200s and 429s (${statuses.length} requests)`)
  t.equal(s.sim.calls.length, sent, 'Eko called once per OTP')
  const gaps = s.sim.calls.slice(1).map((c, i) => c.at - s.sim.calls[i]!.at)
  t.ok(gaps.every(g => g >= 990), `Eko calls at least a cooldown apart (${gaps.join(', ')} ms)`)
  t.ok(gaps.every(g => g < 3000), 'and the agent is free again soon after the cooldown ends')
  t.same([...waits], [1], 'every 429 says Retry-After: 1')
})

if (redis !== undefined) t.test('nothing secret is stored in Redis', t => assertRedisClean(t, redis))
t.test('no Aadhaar number, mobile, key or token in any log line or response', async (t) => { assertNoLeaks(t) })
