import t from 'tap'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { AGENT } from './helpers.ts'

const APP = 'https://retail.example.in'

async function preflight (url: string, origin: string): Promise<Response> {
  return await fetch(`${url}/agents/${AGENT}/ekyc/otp`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,idempotency-key' }
  })
}

t.test('without CORS_ORIGINS no answer carries CORS headers', async (t) => {
  const s = await build(t)
  const pre = await preflight(s.url, APP)
  t.equal(pre.headers.get('access-control-allow-origin'), null, 'preflight: no Access-Control-Allow-Origin')
  const res = await s.post(AGENT, s.body(), { origin: APP })
  t.equal(res.status, 200)
  t.equal(res.headers['access-control-allow-origin'], undefined, 'response: no Access-Control-Allow-Origin')
})

t.test('a listed origin may call with Authorization and Idempotency-Key, and read Retry-After on a 429', async (t) => {
  const s = await build(t, { config: { CORS_ORIGINS: `${APP}, https://ops.example.in`, OTP_COOLDOWN_SECONDS: 60 } })
  const pre = await preflight(s.url, APP)
  t.ok(pre.status === 204 || pre.status === 200, `preflight answered ${pre.status}`)
  t.equal(pre.headers.get('access-control-allow-origin'), APP)
  t.match(pre.headers.get('access-control-allow-headers'), /Idempotency-Key/i)
  t.match(pre.headers.get('access-control-allow-headers'), /Authorization/i)
  t.match(pre.headers.get('access-control-allow-methods'), /POST/)
  const sent = await s.post(AGENT, s.body(), { origin: APP, 'idempotency-key': 'browser-1' })
  t.equal(sent.status, 200)
  t.equal(sent.headers['access-control-allow-origin'], APP)
  const exposed = String(sent.headers['access-control-expose-headers']).toLowerCase()
  for (const h of ['retry-after', 'x-request-id', 'idempotent-replayed']) t.match(exposed, h, `exposes ${h}`)
  const limited = await s.post(AGENT, s.body(), { origin: APP })
  t.equal(limited.status, 429)
  t.equal(limited.headers['access-control-allow-origin'], APP, 'the 429 is readable by the browser app')
  t.ok(Number(limited.headers['retry-after']) > 0, 'with its Retry-After')
})

t.test('an origin not listed gets no CORS headers', async (t) => {
  const s = await build(t, { config: { CORS_ORIGINS: APP } })
  const pre = await preflight(s.url, 'https://evil.example')
  t.equal(pre.headers.get('access-control-allow-origin'), null)
  const res = await s.post(AGENT, s.body(), { origin: 'https://evil.example' })
  t.equal(res.headers['access-control-allow-origin'], undefined)
})

t.test('no Aadhaar number, mobile, key or token in any log line or response', async (t) => { assertNoLeaks(t) })
