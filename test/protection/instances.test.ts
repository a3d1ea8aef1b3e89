import t from 'tap'
import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { mintToken } from '../../src/dev/tokens.ts'
import { startSimulator } from '../../src/simulator/index.ts'
import { testAadhaar, testMobile } from '../helpers/aadhaar.ts'
import { assertNoLeaks, collected } from '../helpers/leaks.ts'
import { redisAvailable, startRedis } from '../helpers/redis.ts'
import { assertRedisClean, retryAfter } from './helpers.ts'
import { testOtp } from '../helpers/pid.ts'
import { call, post, startService, type Service } from '../helpers/service.ts'

// Two instances of the service behind an imaginary load balancer: one Redis, one simulated Eko.
const RATE_LIMIT_MAX = 25

function body (): Record<string, unknown> {
  const aadhaar = testAadhaar()
  const mobile = testMobile()
  collected.secrets.addAadhaar(aadhaar)
  collected.secrets.add(mobile)
  return { aadhaar, mobile, latlong: '28.6139,77.2090' }
}

if (redisAvailable(t)) {
  const redis = await startRedis(t)
  const sim = await startSimulator({ otp: testOtp(collected.secrets) })
  t.teardown(() => sim.close())
  const jwtSecret = randomBytes(32).toString('base64url')
  collected.secrets.add(sim.accessKey, sim.developerKey, jwtSecret)
  const env = {
    ...sim.ekoSettings,
    AUTH_JWT_SECRET: jwtSecret,
    REDIS_URL: redis.url,
    OTP_COOLDOWN_SECONDS: '60',
    RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
    RATE_LIMIT_WINDOW_SECONDS: '60'
  }
  const [one, two] = await Promise.all([startService(t, env), startService(t, env)]) as [Service, Service]
  const both = [one, two]
  for (const service of both) {
    for (let i = 0; (await fetch(`${service.url}/health/ready`)).status !== 200; i++) {
      if (i > 50) throw new Error('an instance never became ready')
      await sleep(100)
    }
  }
  const agentToken = async (userCode: string) => {
    const token = await mintToken(jwtSecret, { sub: `agent-${userCode}`, userCode })
    collected.secrets.add(token)
    return token
  }
  const callsFor = (userCode: string) => sim.calls.filter(c => c.userCode === userCode).length

  t.test('the cooldown holds across instances', async (t) => {
    const agent = '20810300'
    const token = await agentToken(agent)
    t.equal((await post(t, one, agent, token, body())).status, 200, 'instance one sends the OTP')
    const other = await post(t, two, agent, token, body())
    t.equal(other.status, 429, 'instance two refuses the next send')
    t.equal(other.json.code, 'OTP_RATE_LIMITED')
    t.ok(retryAfter(other) >= 58 && retryAfter(other) <= 60, `Retry-After ${retryAfter(other)}`)
    t.equal(callsFor(agent), 1, 'Eko called once')
  })

  t.test('an Idempotency-Key holds across instances', async (t) => {
    const agent = '20810301'
    const token = await agentToken(agent)
    const key = { 'idempotency-key': randomUUID() }
    const sent = body()
    const first = await post(t, one, agent, token, sent, key)
    t.equal(first.status, 200)
    const replay = await post(t, two, agent, token, sent, key)
    t.equal(replay.status, 200, 'instance two replays, despite the cooldown')
    t.equal(replay.headers['idempotent-replayed'], 'true')
    t.equal(replay.text, first.text, 'the same answer')
    const reused = await post(t, two, agent, token, body(), key)
    t.equal(reused.status, 422)
    t.equal(reused.json.code, 'IDEMPOTENCY_KEY_REUSED')
    t.equal(callsFor(agent), 1, 'Eko called once')
  })

  t.test('twenty concurrent requests with one Idempotency-Key, spread over both instances, reach Eko once', async (t) => {
    const agent = '20810302'
    const token = await agentToken(agent)
    const key = { 'idempotency-key': randomUUID() }
    const sent = body()
    sim.setFault({ kind: 'latency', ms: 300 })
    t.teardown(() => sim.setFault(undefined))
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(t, both[i % 2]!, agent, token, sent, key)))
    const fresh = answers.filter(a => a.status === 200 && a.headers['idempotent-replayed'] === undefined)
    t.equal(fresh.length, 1, 'exactly one answer from Eko')
    const rest = answers.filter(a => a !== fresh[0])
    t.ok(rest.every(a => a.status === 409 || (a.status === 200 && a.headers['idempotent-replayed'] === 'true' && a.text === fresh[0]!.text)),
      `the rest are 409s or replays (${rest.map(a => a.status).join(' ')})`)
    t.equal(callsFor(agent), 1, 'the simulator saw one call')
  })

  t.test('the rate limit counts a caller\'s requests on every instance together', async (t) => {
    const ops = await mintToken(jwtSecret, { sub: 'ops-desk-7', roles: ['ops'] })
    collected.secrets.add(ops)
    const agents = Array.from({ length: RATE_LIMIT_MAX + 5 }, (_, i) => String(20820000 + i))
    const before = sim.calls.length
    const answers = await Promise.all(agents.map((agent, i) => post(t, both[i % 2]!, agent, ops, body())))
    t.equal(answers.filter(a => a.status === 200).length, RATE_LIMIT_MAX, `${RATE_LIMIT_MAX} served in all`)
    const limited = answers.filter(a => a.status === 429)
    t.equal(limited.length, 5, 'the rest refused')
    t.ok(limited.every(a => a.json.code === 'OTP_RATE_LIMITED' && retryAfter(a) > 0), '429 OTP_RATE_LIMITED with Retry-After')
    t.equal(sim.calls.length - before, RATE_LIMIT_MAX, 'Eko called only for the served ones')
  })

  t.test('wrong OTPs are counted in Redis: the attempts run out across instances, and the journal is shared', async (t) => {
    const agent = '20810303'
    const token = await agentToken(agent)
    const who = body()
    const sent = await post(t, one, agent, token, who)
    t.equal(sent.status, 200)
    const verify = (service: Service, otp: string, refs = sent.json) =>
      call(t, service, 'POST', `/agents/${agent}/ekyc/otp/verify`, token, { ...who, otp, otpRefId: refs.otpRefId, referenceTid: refs.referenceTid })
    const verifies = () => sim.calls.filter(c => c.userCode === agent && c.operation === 'verifyOtp').length
    for (const [i, service] of [one, two, one].entries()) {
      // Random, not a pattern like 40000007, which turns up in the log's float noise ("responseTime":707.7750140000007).
      const wrong = String(randomInt(10_000_000, 100_000_000))
      collected.secrets.add(wrong)
      t.equal((await verify(service, wrong)).json.code, 'OTP_INVALID', `wrong OTP ${i + 1} on instance ${service === one ? 'one' : 'two'}`)
    }
    const right = await verify(two, sim.otp)
    t.equal(right.status, 422)
    t.equal(right.json.code, 'OTP_ATTEMPTS_EXCEEDED', 'the right OTP, on the other instance, is refused: three wrong ones were counted in Redis')
    t.equal(verifies(), 3, 'Eko saw three verifies')

    // Six simultaneous guesses on a new OTP, over both instances: three reach Eko.
    const fresh = await post(t, two, '20810304', await agentToken('20810304'), who)
    const token4 = await agentToken('20810304')
    const guesses = await Promise.all(Array.from({ length: 6 }, (_, i) =>
      call(t, both[i % 2]!, 'POST', '/agents/20810304/ekyc/otp/verify', token4, { ...who, otp: '55554444', otpRefId: fresh.json.otpRefId, referenceTid: fresh.json.referenceTid })))
    collected.secrets.add('55554444')
    t.same(guesses.map(g => g.json.code).sort(), ['OTP_ATTEMPTS_EXCEEDED', 'OTP_ATTEMPTS_EXCEEDED', 'OTP_ATTEMPTS_EXCEEDED', 'OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID'])
    t.equal(sim.calls.filter(c => c.userCode === '20810304' && c.operation === 'verifyOtp').length, 3, 'three reached Eko')

    const journal = await call(t, one, 'GET', `/agents/${agent}/ekyc`, token)
    t.same((journal.json.events as Array<{ outcome: string }>).map(e => e.outcome), ['OTP_ATTEMPTS_EXCEEDED', 'OTP_INVALID', 'OTP_INVALID', 'OTP_INVALID', 'OK'],
      'instance one reads what both recorded')
    t.equal(journal.json.step, 'otp_sent')
  })

  t.test('nothing secret is stored in Redis', t => assertRedisClean(t, redis))
  t.test('no Aadhaar number, mobile, key or token in any log line or response', async (t) => { assertNoLeaks(t) })
}
