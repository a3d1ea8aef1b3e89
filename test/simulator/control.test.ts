import { test } from 'tap'
import { request } from 'undici'
import { build, sendOtp } from './helpers.ts'

async function call (url: string, method: 'GET' | 'PUT' | 'DELETE' | 'POST', body?: unknown) {
  const res = await request(url, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  })
  const text = await res.body.text()
  return { status: res.statusCode, body: text === '' ? undefined : JSON.parse(text) }
}

test('GET /health answers 200 for compose health checks', async (t) => {
  const sim = await build(t)
  t.same(await call(sim.origin + '/health', 'GET'), { status: 200, body: { status: 'ok' } })
})

test('faults are set, read and cleared over HTTP', async (t) => {
  const sim = await build(t)
  const url = sim.origin + '/__simulator/fault'
  t.same(await call(url, 'PUT', { kind: 'status', code: 502, times: 1 }), { status: 200, body: { fault: { kind: 'status', code: 502, times: 1 }, remaining: 1 } })
  t.equal((await sendOtp(sim, 'collection')).status, 502)
  t.same((await call(url, 'GET')).body, { fault: null }, 'spent after one use')
  await call(url, 'PUT', { kind: 'forbidden' })
  t.equal((await call(url, 'DELETE')).status, 204)
  t.equal((await sendOtp(sim, 'collection')).status, 200)
})

test('an invalid fault is refused with the reasons', async (t) => {
  const sim = await build(t)
  const url = sim.origin + '/__simulator/fault'
  const unknown = await call(url, 'PUT', { kind: 'meteor' })
  t.equal(unknown.status, 400)
  t.match(unknown.body.errors[0], /kind must be one of latency/)
  const bad = await call(url, 'PUT', { kind: 'latency', ms: -1, probability: 2, extra: true })
  t.equal(bad.status, 400)
  t.same(bad.body.errors.sort(), ['/ms must be >= 0', '/probability must be <= 1', 'unknown properties: extra'])
  t.equal((await call(url, 'PUT', undefined)).status, 400, 'no body')
})

test('the clock can be moved over HTTP, and signatures then look stale', async (t) => {
  const sim = await build(t)
  const url = sim.origin + '/__simulator/clock'
  t.same(await call(url, 'PUT', { offsetMs: 120_000 }), { status: 200, body: { offsetMs: 120_000 } })
  t.equal((await call(url, 'GET')).body.offsetMs, 120_000)
  t.equal((await sendOtp(sim, 'collection')).status, 403)
  t.equal((await call(url, 'PUT', { offsetMs: 'soon' })).status, 400)
  await call(url, 'PUT', { offsetMs: 0 })
  t.equal((await sendOtp(sim, 'collection')).status, 200)
})

test('calls are listed and cleared over HTTP; control requests are not calls', async (t) => {
  const sim = await build(t)
  const url = sim.origin + '/__simulator/calls'
  await sendOtp(sim, 'customer', { user_code: '11112222' })
  const listed = await call(url, 'GET')
  t.match(listed.body, { count: 1, calls: [{ variant: 'customer', userCode: '11112222', httpStatus: 200, ekoStatus: 0 }] })
  t.equal((await call(url, 'DELETE')).status, 204)
  t.same((await call(url, 'GET')).body, { count: 0, calls: [] })
})

test('unknown control routes 404, wrong methods 405, other paths a plain 404', async (t) => {
  const sim = await build(t)
  t.equal((await call(sim.origin + '/__simulator/nope', 'GET')).status, 404)
  t.equal((await call(sim.origin + '/__simulator/calls', 'POST', {})).status, 405)
  const res = await request(sim.origin + '/favicon.ico')
  t.equal(res.statusCode, 404)
  t.match(await res.body.text(), /404 Not Found/)
  t.equal(sim.calls.length, 0)
})
