import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { request } from 'undici'
import { build, type Built } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { HEADER_LIMIT, KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../../src/app.ts'
import { isProblem, logged, timedPost } from './helpers.ts'

async function underPressure (s: Built, load: () => void = () => {}): Promise<boolean> {
  const until = Date.now() + 4000
  while (!s.app.isUnderPressure() && Date.now() < until) {
    load()
    await sleep(10)
  }
  return s.app.isUnderPressure()
}

async function get (s: Built, path: string) {
  const res = await request(`${s.url}${path}`)
  await res.body.dump()
  return res
}

test('heap over the bound: 503 problem+json with Retry-After before auth or Eko; probes and metrics still answer', async (t) => {
  const s = await build(t, { config: { LOAD_SHED_HEAP_USED_MB: 1 } })
  t.ok(await underPressure(s), 'the next sample sees the heap over 1 MiB')
  const res = await timedPost(s)
  isProblem(t, res, 503, 'UPSTREAM_UNAVAILABLE')
  t.equal(res.headers['retry-after'], '5', 'come back after a few samples')
  t.match(res.json.detail, /overloaded/)
  t.equal(s.sim.calls.length, 0, 'Eko was not called')
  const anonymous = await s.post('20810200', s.body(), { authorization: '' })
  t.equal(anonymous.status, 503, 'shed before authentication: no work spent on a refused request')
  t.equal((await get(s, '/nowhere')).statusCode, 503, 'unknown routes are shed too')
  for (const path of ['/health/live', '/health/ready']) {
    t.equal((await get(s, path)).statusCode, 200, `${path} is exempt`)
  }
  const scrape = await request(`${s.metricsUrl}/metrics`)
  t.equal(scrape.statusCode, 200, 'metrics, on their own listener, still answer')
  await scrape.body.dump()
  const warnings = logged(s, /^under pressure/)
  t.equal(warnings.length, 1, 'one warning per ten seconds, not one per request')
  t.match(warnings[0], { level: 40, pressure: { type: 'heapUsedBytes', value: Number } })
})

test('a lagging event loop sheds load the same way, and recovers', async (t) => {
  const s = await build(t, { config: { LOAD_SHED_EVENT_LOOP_DELAY_MS: 20 } })
  t.equal((await timedPost(s)).status, 200, 'fine at first')
  // Blocks of 80 ms with a breath between: the sampled mean delay goes far over 20 ms.
  const busy = () => { const end = Date.now() + 80; while (Date.now() < end); }
  t.ok(await underPressure(s, busy), 'the loop lags')
  const res = await timedPost(s)
  isProblem(t, res, 503, 'UPSTREAM_UNAVAILABLE')
  t.match(logged(s, /^under pressure/)[0], { pressure: { type: 'eventLoopDelay' } })
  const until = Date.now() + 4000
  while (s.app.isUnderPressure() && Date.now() < until) await sleep(50)
  t.equal((await timedPost(s)).status, 200, 'served again once the loop is idle')
})

test('defaults: nothing is shed on a healthy process', async (t) => {
  const s = await build(t)
  await sleep(1100)
  t.notOk(s.app.isUnderPressure())
  t.equal((await timedPost(s)).status, 200)
})

test('server bounds: header size, request and keep-alive timeouts are set explicitly', async (t) => {
  const s = await build(t)
  const server = s.app.server
  t.equal(server.requestTimeout, REQUEST_TIMEOUT_MS, 'requestTimeout')
  t.equal(server.headersTimeout, REQUEST_TIMEOUT_MS, 'headersTimeout')
  t.equal(server.keepAliveTimeout, KEEP_ALIVE_TIMEOUT_MS, 'keepAliveTimeout')
  t.ok(server.timeout > KEEP_ALIVE_TIMEOUT_MS && server.timeout > s.config.EKO_TIMEOUT_MS, `socket inactivity timeout ${server.timeout} ms outlasts keep-alive and the Eko deadline`)
  const fits = await request(`${s.url}/health/live`, { headers: { 'x-padding': 'x'.repeat(HEADER_LIMIT / 2) } })
  await fits.body.dump()
  t.equal(fits.statusCode, 200, 'headers of half the limit are fine')
  const tooBig = await request(`${s.url}/health/live`, { headers: { 'x-padding': 'x'.repeat(HEADER_LIMIT + 1) } })
  t.equal(tooBig.statusCode, 431, `headers over ${HEADER_LIMIT} bytes: 431`)
  t.match(await tooBig.body.json(), { code: 'HEADERS_TOO_LARGE' }, 'a problem (test/client-error.test.ts has the details)')
})

test('nothing in the log or any answer leaks', async (t) => assertNoLeaks(t))
