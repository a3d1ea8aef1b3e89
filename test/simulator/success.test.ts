import { test } from 'tap'
import { build, sendOtp, TEST_AADHAAR } from './helpers.ts'

test('collection: a signed request with an encrypted Aadhaar gets Eko\'s success envelope', async (t) => {
  const sim = await build(t)
  const res = await sendOtp(sim, 'collection')
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^application\/json/)
  const body = res.json()
  t.same(Object.keys(body), ['status', 'response_status_id', 'response_type_id', 'message', 'data'])
  t.match(body, { status: 0, response_status_id: 0, response_type_id: 1600, message: 'OTP request has been sent' })
  t.match(body.data.otp_ref_id, /^[0-9]+$/)
  t.match(body.data.reference_tid, /^EKYKF[0-9]{22}I$/)
  t.equal(body.data.reference_tid.length, 28)
  t.notOk('mobile_hint' in body.data, 'the collection API has no mobile hint')
})

test('customer: the page\'s envelope, with a masked mobile hint', async (t) => {
  const sim = await build(t)
  const body = (await sendOtp(sim, 'customer')).json()
  t.match(body, { status: 0, response_status_id: 0, response_type_id: 1388, data: { mobile_hint: /^\*{6}[0-9]{4}$/ } })
  t.type(body.data.otp_ref_id, 'string')
})

test('every call gets fresh ids', async (t) => {
  const sim = await build(t)
  const a = (await sendOtp(sim, 'collection')).json()
  const b = (await sendOtp(sim, 'collection')).json()
  t.not(a.data.reference_tid, b.data.reference_tid)
})

test('calls are recorded in order with what a test needs, and reset() clears them', async (t) => {
  const sim = await build(t)
  await sendOtp(sim, 'collection', { user_code: '12345678', client_ref_id: 'REF1' })
  await sendOtp(sim, 'customer', { user_code: '99990463' })
  t.equal(sim.calls.length, 2)
  t.match(sim.calls[0], {
    method: 'POST',
    path: '/ekoapi/v3/user/collection/aeps-fingpay/kyc/otp',
    variant: 'collection',
    userCode: '12345678',
    clientRefId: 'REF1',
    httpStatus: 200,
    ekoStatus: 0,
    aadhaarLast4: TEST_AADHAAR.slice(-4)
  })
  t.type(sim.calls[0]?.at, 'number')
  t.match(sim.calls[1], { variant: 'customer', ekoStatus: 463 })
  const calls = sim.calls
  sim.reset()
  t.equal(calls.length, 0, 'the same array is emptied')
})

test('the logger gets one line per call, with no Aadhaar, key or signature', async (t) => {
  const lines: string[] = []
  const sim = await build(t, { logger: { info: (obj, msg) => { lines.push(JSON.stringify(obj) + String(msg)) } } })
  const res = await sendOtp(sim, 'collection')
  t.equal(res.status, 200)
  t.equal(lines.length, 1)
  const log = lines.join('\n')
  t.notMatch(log, TEST_AADHAAR)
  t.notMatch(log, sim.accessKey)
  t.notMatch(log, sim.developerKey)
  t.notMatch(log, /secret/)
})

test('the Date header follows the simulated clock', async (t) => {
  const sim = await build(t, { clockOffsetMs: -3_600_000 })
  const res = await sendOtp(sim, 'collection', {}, { headers: {} })
  t.equal(res.status, 403, 'our real-time timestamp is an hour ahead of Eko\'s clock')
  const skew = Date.parse(String(res.headers.date)) - Date.now()
  t.ok(Math.abs(skew + 3_600_000) < 5_000, `Date is an hour behind (${skew} ms)`)
  sim.setClockOffset(0)
  t.equal((await sendOtp(sim, 'collection')).status, 200)
})
