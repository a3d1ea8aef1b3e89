import { test } from 'tap'
import { request } from 'undici'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'

const AGENT = '20810200'
const EKO_429 = '99990429'
const OTP_ROUTE = '/agents/:userCode/ekyc/otp'

interface Sample { name: string, labels: Record<string, string>, value: number }

/** Prometheus text format, samples only: `name{a="b",c="d"} 1.5`. */
function parse (text: string): Sample[] {
  const samples: Sample[] = []
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null) throw new Error(`not a sample line: ${line}`)
    const labels: Record<string, string> = {}
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!
    samples.push({ name: m[1]!, labels, value: Number(m[3]) })
  }
  return samples
}

function value (samples: Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find(s => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value
}

test('after a 200, a 400, an Eko 429 and a 404, /metrics shows each by route pattern, and no unbounded label', async (t) => {
  const s = await build(t)
  const body = s.body()
  t.equal((await s.post(AGENT, body)).status, 200)
  t.equal((await s.post(AGENT, { ...s.body(), latlong: 'somewhere' })).status, 400)
  const limited = await s.post(EKO_429, s.body(), { authorization: `Bearer ${s.tokens.ops}` })
  t.equal(limited.status, 429)
  t.equal(limited.json.code, 'OTP_RATE_LIMITED')
  const missing = await request(`${s.url}/agents/${AGENT}/ekyc/status/${'5'.repeat(12)}`)
  t.equal(missing.statusCode, 404)
  await missing.body.dump()

  const res = await request(`${s.metricsUrl}/metrics`)
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const text = await res.body.text()
  s.secrets.assertClean(t, text, '/metrics')
  const samples = parse(text)

  const http = 'http_request_duration_seconds_count'
  t.equal(value(samples, http, { route: OTP_ROUTE, method: 'POST', status: '200' }), 1, 'the 200, by route pattern')
  t.equal(value(samples, http, { route: OTP_ROUTE, method: 'POST', status: '400' }), 1, 'the 400')
  t.equal(value(samples, http, { route: OTP_ROUTE, method: 'POST', status: '429' }), 1, 'the 429')
  t.equal(value(samples, http, { route: 'unmatched', method: 'GET', status: '404' }), 1, 'the 404 as `unmatched`, not its URL')
  t.ok(value(samples, 'http_request_duration_seconds_sum', { route: OTP_ROUTE, status: '200' })! > 0, 'durations are recorded')
  t.equal(value(samples, 'http_request_duration_seconds_bucket', { route: OTP_ROUTE, status: '200', le: '+Inf' }), 1, 'histogram buckets')

  t.equal(value(samples, 'eko_calls_total', { variant: 'collection', outcome: 'OK' }), 1, 'Eko call: OK')
  t.equal(value(samples, 'eko_calls_total', { variant: 'collection', outcome: 'OTP_RATE_LIMITED' }), 1, 'Eko call: OTP_RATE_LIMITED')
  t.equal(samples.filter(x => x.name === 'eko_calls_total').reduce((n, x) => n + x.value, 0), 2, 'the 400 never reached Eko')
  t.equal(value(samples, 'eko_call_duration_seconds_count', { variant: 'collection', outcome: 'OK' }), 1)
  const ekoSeconds = value(samples, 'eko_call_duration_seconds_sum', { variant: 'collection', outcome: 'OK' })!
  t.ok(ekoSeconds > 0 && ekoSeconds < 10, `Eko call duration in seconds (${ekoSeconds})`)

  t.equal(value(samples, 'ekyc_otp_sent_total', { variant: 'collection' }), 1, 'one OTP sent')
  t.equal(value(samples, 'ekyc_otp_rate_limited_total', { reason: 'eko' }), 1, '429 by reason: eko')
  t.equal(value(samples, 'ekyc_otp_rate_limited_total', { reason: 'cooldown' }), 0, 'cooldown exported at 0')
  t.equal(value(samples, 'ekyc_otp_rate_limited_total', { reason: 'rate_limit' }), 0, 'rate_limit exported at 0')
  t.equal(value(samples, 'eko_circuit_state', { state: 'closed' }), 1, 'circuit closed')
  t.equal(value(samples, 'eko_circuit_state', { state: 'open' }), 0)

  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    t.ok(samples.some(x => x.name === name), `default metric ${name}`)
  }

  const values = samples.flatMap(x => Object.values(x.labels))
  t.same(values.filter(v => /^[0-9]{8,}$/.test(v)), [], 'no label value is 8+ digits')
  t.same(values.filter(v => v.includes(AGENT) || v.includes(EKO_429)), [], 'no label value carries a user code')
  t.notOk(text.includes(AGENT) || text.includes(EKO_429), 'no user code anywhere in the output')
  const routes = new Set(samples.filter(x => x.name === http).map(x => x.labels.route))
  t.ok([...routes].every(r => r === 'unmatched' || r!.startsWith('/')), `route labels are patterns: ${[...routes].join(', ')}`)
})

test('GET /metrics is not served on the API port: 404 problem, no exposition', async (t) => {
  const s = await build(t)
  const res = await request(`${s.url}/metrics`)
  const text = await res.body.text()
  t.equal(res.statusCode, 404)
  t.match(res.headers['content-type'], /^application\/problem\+json/)
  t.match(JSON.parse(text), { code: 'NOT_FOUND', status: 404 })
  t.notMatch(text, /process_cpu|nodejs_|http_request_duration/, 'nothing of the metrics')
  t.notOk(s.app.printRoutes().includes('metrics'), 'no such route on the API at all')
})

test('the metrics listener: its own port on HOST, logged; GET and HEAD /metrics only, problems otherwise', async (t) => {
  const s = await build(t)
  const api = new URL(s.url)
  const metrics = new URL(s.metricsUrl)
  t.equal(metrics.hostname, api.hostname, 'on the same HOST')
  t.not(metrics.port, api.port, 'on another port (METRICS_PORT=0 picked a free one)')
  t.equal(s.app.metricsListener.url, s.metricsUrl)
  t.match(s.logs.records().find(r => typeof r.msg === 'string' && r.msg.startsWith('Metrics listening at')), { msg: `Metrics listening at ${s.metricsUrl}/metrics` }, 'the start log names it')

  const head = await request(`${s.metricsUrl}/metrics`, { method: 'HEAD' })
  t.equal(head.statusCode, 200, 'HEAD')
  t.equal(await head.body.text(), '')
  for (const [method, path, status, code] of [['GET', '/', 404, 'NOT_FOUND'], ['GET', '/health/live', 404, 'NOT_FOUND'], ['GET', '/agents/20810200/ekyc/otp', 404, 'NOT_FOUND'], ['POST', '/metrics', 405, 'METHOD_NOT_ALLOWED']] as const) {
    const res = await request(`${s.metricsUrl}${path}`, { method })
    const body = await res.body.json() as Record<string, unknown>
    t.equal(res.statusCode, status, `${method} ${path}: ${status}`)
    t.match(res.headers['content-type'], /^application\/problem\+json/)
    t.match(body, { code, status, requestId: res.headers['x-request-id'] })
    if (status === 405) t.equal(res.headers.allow, 'GET, HEAD')
  }
  const malformed = await fetch(`${s.metricsUrl}/metrics`, { headers: { 'x-padding': 'x'.repeat(20 * 1024) } })
  t.equal(malformed.status, 431, 'Node\'s client errors are problems here too')
  t.match(await malformed.json(), { code: 'HEADERS_TOO_LARGE' })
})

test('the metrics listener opens and closes with the app', async (t) => {
  const s = await build(t)
  const { port } = new URL(s.metricsUrl)
  t.equal((await request(`${s.metricsUrl}/metrics`).then(async r => { await r.body.dump(); return r.statusCode })), 200)
  await s.app.close()
  const after = await request(`http://127.0.0.1:${port}/metrics`).then(r => r.statusCode, (err: { code?: string }) => err.code)
  t.equal(after, 'ECONNREFUSED', 'closed with the app')
})

test('no secret in any log line', async (t) => assertNoLeaks(t))
