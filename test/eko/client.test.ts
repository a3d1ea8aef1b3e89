import { test, type Test } from 'tap'
import { createHmac, generateKeyPairSync } from 'node:crypto'
import { pino } from 'pino'
import { MockAgent } from 'undici'
import { createEkoClient, MAX_REPLY_BYTES, type EkoSettings } from '../../src/eko/client.ts'
import { operations } from '../../src/eko/operations.ts'
import { captureLogs } from '../helpers/leaks.ts'

const ORIGIN = 'http://eko.test'
const PATH = '/ekoapi/v3/user/collection/aeps-fingpay/kyc/otp'
const settings: EkoSettings = {
  EKO_BASE_URL: `${ORIGIN}/ekoapi/v3/`,
  EKO_API_VARIANT: 'collection',
  EKO_DEVELOPER_KEY: 'dev-key-0001',
  EKO_ACCESS_KEY: 'access-key-0001',
  EKO_INITIATOR_ID: '9962981729',
  EKO_TIMEOUT_MS: 1000
}
const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
const input = { userCode: '20810200', aadhaar: '234123412346', clientRefId: 'REF1', mobile: '9876543210', latlong: '28.6139,77.2090' }
const sendOtp = operations.collection.sendOtp!
const success = { status: 0, message: 'OTP request has been sent', data: { otp_ref_id: '1', reference_tid: 'T' } }

function setup (t: Test) {
  const agent = new MockAgent()
  agent.disableNetConnect()
  const logs = captureLogs()
  const client = createEkoClient({ settings, publicKey, dispatcher: agent })
  t.teardown(() => agent.close())
  return { agent, pool: agent.get(ORIGIN), client, log: pino(logs.stream), logs }
}

test('signs each request freshly and sends the variant\'s fields as JSON', async (t) => {
  const { pool, client, log } = setup(t)
  const seen: Array<{ headers: Record<string, string>, body: Record<string, string> }> = []
  pool.intercept({ path: PATH, method: 'POST' }).reply(200, (opts) => {
    seen.push({ headers: opts.headers as Record<string, string>, body: JSON.parse(String(opts.body)) })
    return success
  }).times(2)
  const before = Date.now()
  const first = await client.call(sendOtp, input, log)
  await new Promise(resolve => setTimeout(resolve, 5))
  await client.call(sendOtp, input, log)
  t.ok(first.outcome.ok)
  const [a, b] = seen
  t.equal(a!.headers['content-type'], 'application/json')
  t.equal(a!.headers.developer_key, 'dev-key-0001')
  const ts = Number(a!.headers['secret-key-timestamp'])
  t.ok(ts >= before && ts <= Date.now(), 'timestamp is now, in milliseconds')
  // Written out here rather than calling src/eko/sign.ts; wire.test.ts pins it to the known answer.
  const expected = createHmac('sha256', Buffer.from('access-key-0001').toString('base64')).update(String(ts)).digest('base64')
  t.equal(a!.headers['secret-key'], expected, 'the signature of this request\'s own timestamp (docs/eko.md §3)')
  t.not(a!.headers['secret-key-timestamp'], b!.headers['secret-key-timestamp'], 'a fresh timestamp per request')
  t.not(a!.body.aadhar, b!.body.aadhar, 'a fresh ciphertext per request')
  t.match(a!.body, { initiator_id: '9962981729', user_code: '20810200', client_ref_id: 'REF1', customer_id: '9876543210', latlong: '28.6139,77.2090', aadhar: /^[A-Za-z0-9+/]{171}=$/ })
  t.notOk('access_key' in a!.headers, 'the access key is never sent')
})

test('requests in one millisecond share its signature; the next millisecond gets its own', async (t) => {
  const agent = new MockAgent()
  agent.disableNetConnect()
  t.teardown(() => agent.close())
  let now = 1_796_083_000_000
  const clock = { now: () => now, offsetMs: () => 0, correct: () => undefined }
  const client = createEkoClient({ settings, publicKey, dispatcher: agent, clock })
  const seen: Array<Record<string, string>> = []
  agent.get(ORIGIN).intercept({ path: PATH, method: 'POST' }).reply(200, (opts) => {
    seen.push(opts.headers as Record<string, string>)
    return success
  }).times(3)
  const log = pino({ level: 'silent' })
  await Promise.all([client.call(sendOtp, input, log), client.call(sendOtp, input, log)])
  now += 1
  await client.call(sendOtp, input, log)
  const hmac = (ms: number) => createHmac('sha256', Buffer.from('access-key-0001').toString('base64')).update(String(ms)).digest('base64')
  t.same(seen.map(h => [h['secret-key-timestamp'], h['secret-key']]), [
    [String(now - 1), hmac(now - 1)],
    [String(now - 1), hmac(now - 1)],
    [String(now), hmac(now)]
  ], 'each request carries the HMAC of the timestamp it is sent with')
})

test('a reply over 64 KiB is refused, by Content-Length or by counting', async (t) => {
  const { pool, client, log } = setup(t)
  const big = JSON.stringify({ ...success, pad: 'x'.repeat(MAX_REPLY_BYTES) })
  pool.intercept({ path: PATH, method: 'POST' }).reply(200, big, { headers: { 'content-length': String(big.length) } })
  pool.intercept({ path: PATH, method: 'POST' }).reply(200, big)
  for (const name of ['declared', 'counted']) {
    const { outcome } = await client.call(sendOtp, input, log)
    t.match(outcome, { ok: false, code: 'UPSTREAM_ERROR', logHint: /reply over/ }, name)
  }
})

test('retries once only when the connection failed before anything was sent', async (t) => {
  const { agent, pool, client, log, logs } = setup(t)
  pool.intercept({ path: PATH, method: 'POST' }).replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
  pool.intercept({ path: PATH, method: 'POST' }).reply(200, success)
  const retried = await client.call(sendOtp, input, log)
  t.ok(retried.outcome.ok, 'second attempt succeeded')
  t.ok(logs.lines.some(l => l.includes('retrying once')))

  pool.intercept({ path: PATH, method: 'POST' }).replyWithError(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }))
  const notRetried = await client.call(sendOtp, input, log)
  t.match(notRetried.outcome, { ok: false, code: 'UPSTREAM_ERROR' }, 'a socket error after sending is not retried')
  pool.intercept({ path: PATH, method: 'POST' }).reply(500, 'boom')
  t.match((await client.call(sendOtp, input, log)).outcome, { ok: false, code: 'UPSTREAM_ERROR' }, 'a 500 is not retried')
  t.same(agent.pendingInterceptors(), [], 'every expected call was made, none twice')
})

test('the whole-call deadline gives UPSTREAM_TIMEOUT', async (t) => {
  const { pool, client, log } = setup(t)
  pool.intercept({ path: PATH, method: 'POST' }).reply(200, success).delay(3000)
  const started = Date.now()
  const { outcome } = await client.call(sendOtp, input, log)
  t.match(outcome, { ok: false, code: 'UPSTREAM_TIMEOUT' })
  t.ok(Date.now() - started < 1500, 'within the 1 s deadline plus a margin')
})
