import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { createKeyspace, createStore, type Store } from '../../src/store/index.ts'
import { isProblem } from '../../src/errors.ts'
import { freePort } from '../helpers/net.ts'
import { redisAvailable, startRedis } from '../helpers/redis.ts'
import { build } from '../helpers/build.ts'
import { Redis } from 'ioredis'

const redis = redisAvailable(t) ? await startRedis(t) : undefined
const silent = { info () {}, warn () {} }
const backends: Array<[string, () => Promise<Store>]> = [['memory', () => createStore({}, { log: silent })]]
if (redis !== undefined) backends.push(['redis', () => createStore({ REDIS_URL: redis.url }, { log: silent })])

async function open (t: Test, make: () => Promise<Store>): Promise<Store> {
  const store = await make()
  t.teardown(() => store.close())
  t.ok(await store.ping(2000), 'reachable')
  return store
}

let n = 0
const fresh = (what: string) => `ekyc:test:${what}:${process.pid}:${++n}`

for (const [name, make] of backends) {
  t.test(`${name}: putIfAbsent is SET NX PX — only the first caller gets the key, until it expires`, async (t) => {
    const store = await open(t, make)
    const key = fresh('put')
    t.equal(await store.putIfAbsent(key, 'first', 150), undefined, 'the first put wins')
    const found = await store.putIfAbsent(key, 'second', 10_000)
    t.equal(found?.value, 'first', 'a later put sees the first value')
    t.ok(found!.ttlMs > 0 && found!.ttlMs <= 150, `with its time left (${found?.ttlMs} ms)`)
    await sleep(200)
    t.equal(await store.putIfAbsent(key, 'third', 1000), undefined, 'free again once expired')
  })

  t.test(`${name}: 50 concurrent puts on one key: exactly one wins`, async (t) => {
    const store = await open(t, make)
    const key = fresh('race')
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.putIfAbsent(key, `v${i}`, 5000)))
    t.equal(results.filter(r => r === undefined).length, 1)
  })

  t.test(`${name}: replaceIf and deleteIf act only while the key holds the expected value`, async (t) => {
    const store = await open(t, make)
    const key = fresh('cas')
    await store.putIfAbsent(key, 'mine', 5000)
    t.equal(await store.replaceIf(key, 'theirs', 'x', 5000), false, 'no replace on a mismatch')
    t.equal(await store.deleteIf(key, 'theirs'), false, 'no delete on a mismatch')
    t.equal(await store.replaceIf(key, 'mine', 'done', 60_000), true, 'replaced')
    const found = await store.putIfAbsent(key, 'x', 1)
    t.equal(found?.value, 'done')
    t.ok(found!.ttlMs > 50_000, 'with the new TTL')
    t.equal(await store.deleteIf(key, 'mine'), false, 'the old value no longer deletes it')
    t.equal(await store.deleteIf(key, 'done'), true, 'deleted')
    t.equal(await store.replaceIf(key, 'done', 'y', 1000), false, 'nothing to replace once gone')
    t.equal(await store.putIfAbsent(key, 'again', 1000), undefined)
  })

  t.test(`${name}: increment counts within a fixed window that starts at the first hit`, async (t) => {
    const store = await open(t, make)
    const key = fresh('count')
    const counts = await Promise.all(Array.from({ length: 5 }, () => store.increment(key, 200)))
    t.same(counts.map(c => c.count).sort(), [1, 2, 3, 4, 5], 'atomic: every hit counted once')
    t.ok(counts.every(c => c.ttlMs > 0 && c.ttlMs <= 200), 'each with the window\'s time left')
    await sleep(250)
    t.match(await store.increment(key, 200), { count: 1 }, 'a new window')
  })

  t.test(`${name}: decrement gives one back, never below zero, keeps the window, creates nothing`, async (t) => {
    const store = await open(t, make)
    const key = fresh('dec')
    await store.decrement(key)
    t.equal(await store.get(key), undefined, 'nothing created')
    await store.increment(key, 5000)
    await store.increment(key, 5000)
    await store.decrement(key)
    t.equal(await store.get(key), '1')
    await store.decrement(key)
    await store.decrement(key)
    t.equal(await store.get(key), '0', 'not below zero')
    const { count, ttlMs } = await store.increment(key, 60_000)
    t.equal(count, 1)
    t.ok(ttlMs <= 5000, 'still the first window')
  })

  t.test(`${name}: pushAndRaise keeps the larger number of each key and renews every TTL; get reads it`, async (t) => {
    const store = await open(t, make)
    const list = fresh('list')
    const [a, b] = [fresh('raise'), fresh('raise')]
    t.equal(await store.get(a), undefined)
    await store.pushAndRaise(list, 'e1', 5, [[a, 2], [b, 0]], 150)
    t.same([await store.get(a), await store.get(b)], ['2', '0'], 'absent counts as lower')
    await store.pushAndRaise(list, 'e2', 5, [[a, 1], [b, 20261130]], 150)
    t.same([await store.get(a), await store.get(b)], ['2', '20261130'], 'never lowered; large numbers (a date) kept exactly')
    await store.pushAndRaise(list, 'e3', 5, [[a, 0], [b, 0]], 10_000)
    await sleep(200)
    t.same([await store.get(a), await store.get(b)], ['2', '20261130'], 'raising by 0 keeps the number and renews its TTL')
    t.same(await store.list(list), ['e3', 'e2', 'e1'], 'and the list\'s TTL with it')
    const c = fresh('raise')
    await Promise.all([3, 9, 5, 7].map(n => store.pushAndRaise(list, `n${n}`, 5, [[c, n]], 1000)))
    t.equal(await store.get(c), '9', 'concurrent raises keep the largest')
    await store.pushAndRaise(list, 'e4', 5, [], 1000)
    t.equal((await store.list(list))[0], 'e4', 'no number to raise: the list alone')
  })

  t.test(`${name}: pushAndRaise keeps the newest first, at most max, with a TTL; list reads it`, async (t) => {
    const store = await open(t, make)
    const key = fresh('list')
    const step = fresh('raise')
    t.same(await store.list(key), [], 'empty when absent')
    for (let i = 1; i <= 5; i++) await store.pushAndRaise(key, `e${i}`, 3, [[step, i]], 150)
    t.same(await store.list(key), ['e5', 'e4', 'e3'])
    await store.pushAndRaise(key, 'e6', 3, [], 150)
    t.same(await store.list(key), ['e6', 'e5', 'e4'], 'the oldest gives way, again and again')
    await store.pushAndRaise(key, 'e7', 2, [], 150)
    t.same(await store.list(key), ['e7', 'e6'], 'a smaller cap keeps only the newest')
    await store.pushAndRaise(key, 'e8', 4, [], 150)
    t.same(await store.list(key), ['e8', 'e7', 'e6'], 'a larger one lets the list grow again')
    const wrapped = fresh('list')
    for (let i = 1; i <= 4; i++) await store.pushAndRaise(wrapped, `w${i}`, 3, [], 150)
    await store.pushAndRaise(wrapped, 'w5', 5, [], 150)
    t.same(await store.list(wrapped), ['w5', 'w4', 'w3', 'w2'], 'a list that has wrapped round grows again in order')
    const read = await store.list(key)
    read.push('changed by the caller')
    t.same(await store.list(key), ['e8', 'e7', 'e6'], 'what list returns is a copy')
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.pushAndRaise(key, `c${i}`, 3, [[step, 0]], 150)))
    t.equal((await store.list(key)).length, 3, 'concurrent pushes stay capped')
    await sleep(200)
    t.same(await store.list(key), [], 'gone after the TTL')
    t.equal(await store.get(step), undefined, 'with the numbers written beside it')
  })
}

if (redis !== undefined) {
  t.test('redis: scripts run by SHA-1, and are sent again when Redis has lost them (SCRIPT FLUSH, a restart)', async (t) => {
    const store = await open(t, backends[1]![1])
    const admin = new Redis(redis.url)
    t.teardown(() => admin.quit())
    const key = fresh('flush')
    await admin.call('CONFIG', 'RESETSTAT')
    for (let i = 0; i < 5; i++) await store.increment(key, 5000)
    const stats = String(await admin.call('INFO', 'commandstats'))
    const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
    t.equal(calls('eval') + calls('evalsha'), 5, 'one script call per operation')
    t.ok(calls('eval') <= 1, `the script text sent at most once (${calls('eval')} EVAL, ${calls('evalsha')} EVALSHA)`)
    await admin.call('SCRIPT', 'FLUSH')
    t.match(await store.increment(key, 5000), { count: 6 }, 'after SCRIPT FLUSH the next call still works')
    await store.pushAndRaise(fresh('list'), 'e', 3, [[fresh('n'), 1]], 5000)
    t.pass('and the script with a variable number of keys too')
  })
}

t.test('createStore: memory without REDIS_URL, Redis with it', async (t) => {
  const memory = await createStore({}, { log: silent })
  t.equal(memory.backend, 'memory')
  await memory.close()
  const remote = await createStore({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, { log: silent })
  t.equal(remote.backend, 'redis')
  await remote.close()
})

t.test('redis: nobody listening — every operation fails fast with UPSTREAM_UNAVAILABLE, ping says false', async (t) => {
  const warnings: string[] = []
  const store = await createStore({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, { log: { info () {}, warn (_o, msg) { warnings.push(msg) } } })
  t.teardown(() => store.close())
  const started = Date.now()
  t.equal(await store.ping(300), false, 'not reachable')
  for (const op of [() => store.putIfAbsent('ekyc:x', 'v', 1000), () => store.increment('ekyc:y', 1000), () => store.deleteIf('ekyc:x', 'v'),
    () => store.pushAndRaise('ekyc:l', 'v', 3, [['ekyc:r', 1]], 1000), () => store.list('ekyc:l'), () => store.get('ekyc:r'), () => store.decrement('ekyc:y')]) {
    const err = await op().then(() => undefined, (e: unknown) => e)
    t.ok(isProblem(err) && err.code === 'UPSTREAM_UNAVAILABLE' && err.retryAfter !== undefined, 'UPSTREAM_UNAVAILABLE with a Retry-After')
  }
  t.ok(Date.now() - started < 1000, `all within ${Date.now() - started} ms`)
  t.ok(warnings.some(w => /unreachable/.test(w)), 'the operator is told, once')
})

t.test('the service starts without Redis: it says so once, and is not ready until Redis answers', async (t) => {
  const s = await build(t, { config: { REDIS_URL: `redis://127.0.0.1:${await freePort()}` } })
  t.ok(s.logs.records().some(r => /Redis not reachable at start/.test(String(r.msg))), 'a warning at start')
  const ready = await fetch(`${s.url}/health/ready`)
  t.equal(ready.status, 503, 'readiness fails')
  t.match(await ready.json(), { checks: { store: 'failing' } })
})

t.test('keyspace: key names and fingerprints are keyed hashes, the same on every instance', async (t) => {
  const a = createKeyspace('access-key-one')
  const b = createKeyspace('access-key-one')
  const other = createKeyspace('access-key-two')
  const name = a.idempotency('agent:9876543210', 'POST /x', 'my-key')
  t.match(name, /^ekyc:idem:[A-Za-z0-9_-]{32}$/)
  t.notOk(name.includes('9876543210') || name.includes('my-key'), 'no caller id or key in plain form')
  t.equal(name, b.idempotency('agent:9876543210', 'POST /x', 'my-key'), 'instances sharing EKO_ACCESS_KEY agree')
  t.not(name, other.idempotency('agent:9876543210', 'POST /x', 'my-key'), 'another secret, other names')
  t.not(a.rateLimit('caller:x'), a.rateLimit('ip:x'))
  t.not(a.cooldown('20810200'), a.cooldown('20810201'))
  t.not(a.journal('20810200', 'events'), a.journal('20810200', 'step'), 'one key per part of the journal')
  t.notOk(a.journal('20810200', 'events').includes('20810200') || a.otpAttempts('20810200', '2465238').includes('2465238'), 'no user code or OTP reference in plain form')
  t.not(a.otpAttempts('20810200', '2465238'), a.otpAttempts('20810201', '2465238'), 'attempts are per agent and reference')
  const facts = ['20810200', '234123412346', '9876543210', '28.6,77.2', null]
  t.equal(a.fingerprint(facts), b.fingerprint(facts))
  t.not(a.fingerprint(facts), a.fingerprint([...facts.slice(0, 4), 'REF1']), 'any field changes it')
  t.notOk(a.fingerprint(facts).includes('234123412346'))
})

t.test('STORE_SECRET, when set, keys the store instead of EKO_ACCESS_KEY (so the Eko key can rotate)', async (t) => {
  const shared = 'a-store-secret-shared-by-every-instance-0001'
  const a = await build(t, { config: { STORE_SECRET: shared } })
  const b = await build(t, { config: { STORE_SECRET: shared } })
  t.not(a.config.EKO_ACCESS_KEY, b.config.EKO_ACCESS_KEY, 'two instances with different Eko keys')
  t.equal(a.app.keyspace.cooldown('20810200'), b.app.keyspace.cooldown('20810200'), 'agree on key names')
  t.equal(a.app.keyspace.fingerprint(['x']), createKeyspace(shared).fingerprint(['x']))
  const c = await build(t)
  t.equal(c.app.keyspace.cooldown('20810200'), createKeyspace(c.config.EKO_ACCESS_KEY).cooldown('20810200'), 'without it: derived from EKO_ACCESS_KEY')
})
