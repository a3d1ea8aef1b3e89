import t from 'tap'
import { randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { build, type Built } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { redisAvailable, startRedis } from '../helpers/redis.ts'
import { AGENT, assertRedisClean, isProblem, retryAfter } from './helpers.ts'

const DEADLINE_MS = 2000

async function ready (s: Built): Promise<{ status: number, json: { checks?: Record<string, string> }, ms: number }> {
  const started = Date.now()
  const res = await fetch(`${s.url}/health/ready`)
  return { status: res.status, json: await res.json() as { checks?: Record<string, string> }, ms: Date.now() - started }
}

async function timed (s: Built, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const started = Date.now()
  const res = await s.post(AGENT, body, headers)
  return { ...res, ms: Date.now() - started }
}

async function waitReady (s: Built): Promise<number> {
  const started = Date.now()
  while ((await ready(s)).status !== 200) {
    if (Date.now() - started > 10_000) throw new Error('not ready 10 s after Redis came back')
    await sleep(100)
  }
  return Date.now() - started
}

if (redisAvailable(t)) {
  const redis = await startRedis(t)

  t.test('Redis down: the OTP route fails closed with 503 and /health/ready says not ready; both recover by themselves', async (t) => {
    const s = await build(t, { config: { REDIS_URL: redis.url, EKO_TIMEOUT_MS: DEADLINE_MS, OTP_COOLDOWN_SECONDS: 60 } })
    t.equal((await timed(s, s.body())).status, 200, 'served while Redis is up')
    t.match(await ready(s), { status: 200, json: { checks: { store: 'ok' } } })

    await redis.kill()
    for (const [what, headers] of [['plain', {}], ['with an Idempotency-Key', { 'idempotency-key': randomUUID() }]] as const) {
      const res = await timed(s, s.body(), headers)
      isProblem(t, res, 503, 'UPSTREAM_UNAVAILABLE', what)
      t.ok(retryAfter(res) > 0, `${what}: Retry-After ${retryAfter(res)}`)
      t.ok(res.ms < DEADLINE_MS, `${what}: answered in ${res.ms} ms, inside the Eko deadline`)
    }
    const down = await ready(s)
    t.match(down, { status: 503, json: { status: 'unavailable', checks: { store: 'failing' } } }, '/health/ready 503')
    t.ok(down.ms < 1500, `readiness answered in ${down.ms} ms`)
    t.equal(s.sim.calls.length, 1, 'Eko never called while the store is down')
    t.ok(s.logs.records().some(r => /store: lost the Redis connection/.test(String(r.msg))), 'the log tells the operator')

    await redis.start()
    const took = await waitReady(s)
    t.pass(`ready again ${took} ms after Redis restarted`)
    // This Redis keeps nothing on disk: the restart lost the agent's cooldown, so the send goes through.
    t.equal((await timed(s, s.body())).status, 200, 'served again')
    t.equal(s.sim.calls.length, 2)
  })

  t.test('Redis hanging (SIGSTOP): no request waits past the Eko deadline', async (t) => {
    const s = await build(t, { config: { REDIS_URL: redis.url, EKO_TIMEOUT_MS: DEADLINE_MS, OTP_COOLDOWN_SECONDS: 0 } })
    t.equal((await timed(s, s.body())).status, 200)
    redis.pause()
    t.teardown(() => redis.resume())
    const answers = await Promise.all(Array.from({ length: 3 }, () => timed(s, s.body(), { 'idempotency-key': randomUUID() })))
    for (const res of answers) {
      isProblem(t, res, 503, 'UPSTREAM_UNAVAILABLE', 'Redis not answering')
      t.ok(res.ms < DEADLINE_MS, `answered in ${res.ms} ms`)
    }
    const down = await ready(s)
    t.equal(down.status, 503, '/health/ready 503')
    t.ok(down.ms < 1500, `readiness answered in ${down.ms} ms`)
    redis.resume()
    await waitReady(s)
    t.equal((await timed(s, s.body())).status, 200, 'served once Redis answers again')
    t.equal(s.sim.calls.length, 2)
  })

  t.test('nothing secret is stored in Redis', t => assertRedisClean(t, redis))
  t.test('no Aadhaar number, mobile, key or token in any log line or response', async (t) => { assertNoLeaks(t) })
}
