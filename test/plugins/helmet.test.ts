import { test } from 'tap'
import { request } from 'undici'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { DOCS_CSP } from '../../src/plugins/helmet.ts'

const API_CSP = "default-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'none'"

test('API answers, errors included, carry the strict CSP and helmet\'s headers; no-store stays', async (t) => {
  const s = await build(t)
  const ok = await s.post('20810200', s.body())
  const bad = await s.post('20810200', { aadhaar: '1' })
  const missing = await request(`${s.url}/nowhere`)
  await missing.body.dump()
  const health = await request(`${s.url}/health/live`)
  await health.body.dump()
  for (const [name, res] of [['200', ok], ['400', bad], ['404', missing], ['/health/live', health]] as const) {
    const { headers } = res
    t.equal(headers['content-security-policy'], API_CSP, `${name}: strict CSP`)
    t.equal(headers['x-frame-options'], 'DENY', `${name}: not framed`)
    t.equal(headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(headers['referrer-policy'], 'no-referrer', `${name}: no referrer`)
    t.match(headers['strict-transport-security'], /max-age=\d+/, `${name}: HSTS`)
  }
  t.equal(ok.headers['cache-control'], 'no-store', 'the OTP answer is not cached')
  t.equal(bad.headers['cache-control'], 'no-store', 'nor a problem')
  t.match(bad.headers['content-type'], /^application\/problem\+json/, 'problem+json still serialized as such')
  t.same(Object.keys(bad.json).sort(), ['code', 'detail', 'requestId', 'status', 'title', 'type'], 'every problem field survives the response schema')
})

test('Swagger UI pages get their own CSP: scripts and styles from this origin only, nothing inline', async (t) => {
  const s = await build(t)
  for (const path of ['/docs', '/docs/', '/docs/static/swagger-ui-bundle.js', '/docs/static/swagger-initializer.js', '/docs/json']) {
    const res = await request(`${s.url}${path}`)
    await res.body.dump()
    t.equal(res.statusCode, 200, `${path} answers`)
    t.equal(res.headers['content-security-policy'], DOCS_CSP, `${path}: the docs CSP`)
  }
  t.notMatch(DOCS_CSP, /unsafe-inline|unsafe-eval|upgrade-insecure-requests|https:/, 'no inline code, eval, third party or forced https')
  t.match(DOCS_CSP, /script-src 'self'(;|$)/)
  t.match(DOCS_CSP, /frame-ancestors 'none'/)
})

test('no key, token, signature or number in any log line of this file', async (t) => {
  assertNoLeaks(t)
})
