import { test } from 'tap'
import { request } from 'undici'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'

async function get (url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers })
  return { status: res.statusCode, headers: res.headers, json: await res.body.json() as Record<string, unknown> }
}

test('live and ready: 200 without a token, no-store, and Eko is never called', async (t) => {
  const s = await build(t)
  const live = await get(`${s.url}/health/live`)
  t.equal(live.status, 200)
  t.same(live.json, { status: 'ok' })
  t.equal(live.headers['cache-control'], 'no-store')
  t.match(live.headers['content-type'], /^application\/json/)

  const ready = await get(`${s.url}/health/ready`)
  t.equal(ready.status, 200)
  t.same(ready.json, { status: 'ok', checks: { store: 'ok' } }, 'the in-memory store is always ready')
  t.equal(ready.headers['cache-control'], 'no-store')

  const badToken = await get(`${s.url}/health/ready`, { authorization: 'Bearer not-a-token' })
  t.equal(badToken.status, 200, 'a bad token does not matter: no auth on probes')
  t.equal(s.sim.calls.length, 0, 'no probe called Eko')
})

test('ready stays 200 while Eko is unreachable: readiness never depends on Eko', async (t) => {
  const s = await build(t, { config: { EKO_BASE_URL: 'http://127.0.0.1:9/ekoapi/v3' } })
  t.equal((await get(`${s.url}/health/ready`)).status, 200)
  t.equal((await get(`${s.url}/health/live`)).status, 200)
})

test('ready is 503 while draining; live stays 200 so the instance is not restarted', async (t) => {
  const s = await build(t)
  s.app.draining = true
  const ready = await get(`${s.url}/health/ready`)
  t.equal(ready.status, 503)
  t.same(ready.json, { status: 'unavailable', checks: { store: 'ok', shutdown: 'failing' } })
  t.equal(ready.headers['cache-control'], 'no-store')
  t.equal((await get(`${s.url}/health/live`)).status, 200)
  s.app.draining = false
  t.equal((await get(`${s.url}/health/ready`)).status, 200, 'ready again when draining is cleared')
})

test('ready is 503 when a check fails, throws or hangs, naming the check', async (t) => {
  const s = await build(t)
  const cases: Array<[string, () => Promise<boolean>]> = [
    ['returns false', async () => false],
    ['throws', async () => { throw new Error('down') }],
    ['hangs', () => new Promise<boolean>(() => {})]
  ]
  for (const [label, check] of cases) {
    s.app.readinessChecks.set('dependency', check)
    const started = Date.now()
    const ready = await get(`${s.url}/health/ready`)
    t.equal(ready.status, 503, `a check that ${label}`)
    t.same(ready.json, { status: 'unavailable', checks: { store: 'ok', dependency: 'failing' } })
    t.ok(Date.now() - started < 2000, `answered in ${Date.now() - started} ms`)
  }
  s.app.readinessChecks.set('dependency', async () => true)
  t.same((await get(`${s.url}/health/ready`)).json, { status: 'ok', checks: { store: 'ok', dependency: 'ok' } })
})

test('no key, token, signature or number in any log line of this file', async (t) => {
  assertNoLeaks(t)
})
