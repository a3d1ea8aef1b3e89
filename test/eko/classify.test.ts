import { test } from 'tap'
import { classifyReply, scrub } from '../../src/eko/classify.ts'
import { operations, type OperationName } from '../../src/eko/operations.ts'

const envelope = (o: Record<string, unknown>) => JSON.stringify({ response_status_id: 1, response_type_id: -1, data: {}, ...o })
const { sendOtp, verifyOtp, biometric, dailyAuth } = operations.collection
const ops = { sendOtp: sendOtp!, verifyOtp: verifyOtp!, biometric: biometric!, dailyAuth: dailyAuth! }

// One row per outcome that depends on Eko's reply (docs/eko.md §6): operation, name, HTTP status, body, the service's code.
const rows: Array<[OperationName, string, number, string, string]> = [
  ['sendOtp', 'collection success', 200, JSON.stringify({ status: 0, response_status_id: 0, response_type_id: 1600, message: 'OTP request has been sent', data: { otp_ref_id: '2465238', reference_tid: 'EKYKF4719702240123152147525I' } }), 'OK'],
  ['sendOtp', 'numeric otp_ref_id', 200, JSON.stringify({ status: 0, data: { otp_ref_id: 2465238 } }), 'OK'],
  ['sendOtp', 'status as a string', 200, JSON.stringify({ status: '0', data: { otp_ref_id: '1' } }), 'OK'],
  ['sendOtp', 'user not found (463)', 200, envelope({ status: 463, message: 'User not found' }), 'AGENT_NOT_FOUND'],
  ['sendOtp', 'not onboarded (1297)', 200, envelope({ status: 1297, message: 'not onboarded' }), 'AGENT_NOT_FOUND'],
  ['sendOtp', 'not activated (346)', 200, envelope({ status: 346, response_type_id: 346, message: 'Agent not allowed to this transaction' }), 'AGENT_NOT_ACTIVATED'],
  ['sendOtp', 'OTP already sent', 200, envelope({ status: 1, message: 'OTP already sent. Please try after some time' }), 'OTP_RATE_LIMITED'],
  ['sendOtp', 'too many requests', 200, envelope({ status: 17, message: 'Too many requests' }), 'OTP_RATE_LIMITED'],
  ['sendOtp', 'reason 461', 200, envelope({ status: 461, message: 'Failed', data: { reason: 'Merchant is Inactive or Invalid Details' } }), 'EKYC_REJECTED'],
  ['sendOtp', 'already approved (585)', 200, envelope({ status: 585, message: 'KYC already approved' }), 'EKYC_ALREADY_COMPLETED'],
  ['sendOtp', 'unknown business status', 200, envelope({ status: 999, message: 'Something else' }), 'EKYC_REJECTED'],
  ['sendOtp', 'other invalid param (97)', 200, envelope({ status: 97, message: 'Invalid params', invalid_params: { latlong: 'Invalid latlong' } }), 'EKYC_REJECTED'],
  ['sendOtp', 'unreadable Aadhaar (97 aadhar)', 200, envelope({ status: 97, invalid_params: { aadhar: 'Invalid aadhar' } }), 'UPSTREAM_ERROR'],
  ['sendOtp', 'invalid initiator (319)', 200, envelope({ status: 319, message: 'Invalid initiator' }), 'UPSTREAM_ERROR'],
  ['sendOtp', 'success without otp_ref_id', 200, JSON.stringify({ status: 0, data: {} }), 'UPSTREAM_ERROR'],
  ['sendOtp', 'not JSON', 200, '<html>oops</html>', 'UPSTREAM_ERROR'],
  ['sendOtp', 'JSON without status', 200, '{"message":"hi"}', 'UPSTREAM_ERROR'],
  ['sendOtp', 'JSON array', 200, '[]', 'UPSTREAM_ERROR'],
  ['sendOtp', 'status null', 200, envelope({ status: null }), 'UPSTREAM_ERROR'],
  ['sendOtp', 'status a fraction', 200, envelope({ status: 0.5 }), 'UPSTREAM_ERROR'],
  ['sendOtp', 'status words, not digits', 200, envelope({ status: 'ok' }), 'UPSTREAM_ERROR'],
  ['sendOtp', 'status a negative string', 200, envelope({ status: '-1', message: 'Something else' }), 'EKYC_REJECTED'],
  ['sendOtp', '403 signature or clock', 403, '{"message":"Forbidden"}', 'UPSTREAM_AUTH_FAILED'],
  ['sendOtp', '404 wrong URL', 404, 'Not found', 'UPSTREAM_ERROR'],
  ['sendOtp', '405 wrong method', 405, '', 'UPSTREAM_ERROR'],
  ['sendOtp', '415 wrong content type', 415, '', 'UPSTREAM_ERROR'],
  ['sendOtp', '500', 500, 'Internal Server Error', 'UPSTREAM_ERROR'],
  ['sendOtp', '502 HTML page', 502, '<html><body>Bad Gateway</body></html>', 'UPSTREAM_ERROR'],
  ['verifyOtp', 'validation successful (1604)', 200, JSON.stringify({ status: 0, response_type_id: 1604, message: 'Validation successful', data: { otp_ref_id: '2465238', reference_tid: 'EKYKF2' } }), 'OK'],
  ['verifyOtp', 'wrong OTP (461 with a reason)', 200, envelope({ status: 461, message: 'Failed', data: { reason: 'Invalid OTP' } }), 'OTP_INVALID'],
  ['verifyOtp', 'wrong OTP (302)', 200, envelope({ status: 302, message: 'Wrong OTP' }), 'OTP_INVALID'],
  ['verifyOtp', 'expired OTP (303)', 200, envelope({ status: 303, message: 'OTP expired' }), 'OTP_INVALID'],
  ['verifyOtp', 'already approved (585)', 200, envelope({ status: 585, message: 'KYC already approved' }), 'EKYC_ALREADY_COMPLETED'],
  ['verifyOtp', 'not found (463)', 200, envelope({ status: 463, message: 'User not found' }), 'AGENT_NOT_FOUND'],
  ['verifyOtp', 'success without the new reference_tid', 200, JSON.stringify({ status: 0, response_type_id: 1604, data: { otp_ref_id: '1' } }), 'UPSTREAM_ERROR'],
  ['verifyOtp', '500', 500, '', 'UPSTREAM_ERROR'],
  ['verifyOtp', 'a new reference_tid the next step would refuse', 200, JSON.stringify({ status: 0, data: { otp_ref_id: '1', reference_tid: 'EKY KF/2' } }), 'UPSTREAM_ERROR'],
  ['sendOtp', 'an otp_ref_id the next step would refuse', 200, JSON.stringify({ status: 0, data: { otp_ref_id: 'x'.repeat(65) } }), 'UPSTREAM_ERROR'],
  ['biometric', 'eKYC successful (1605)', 200, JSON.stringify({ status: 0, response_type_id: 1605, message: 'Congratulations! eKYC successful', data: {} }), 'OK'],
  ['biometric', 'steps skipped (461 with a reason)', 200, envelope({ status: 461, message: 'Failed', data: { reason: 'Merchant is Inactive or Invalid Details' } }), 'EKYC_REJECTED'],
  ['biometric', 'already approved (585)', 200, envelope({ status: 585, message: 'KYC already approved' }), 'EKYC_ALREADY_COMPLETED'],
  ['biometric', 'not activated (346)', 200, envelope({ status: 346, message: 'Agent not allowed to this transaction' }), 'AGENT_NOT_ACTIVATED'],
  ['dailyAuth', 'authenticated (1713)', 200, JSON.stringify({ status: 0, response_type_id: 1713, message: 'Daily authentication successful', data: {} }), 'OK'],
  ['dailyAuth', 'refused (1714) with status 461', 200, envelope({ status: 461, response_type_id: 1714, data: { reason: 'eKYC not completed' } }), 'DAILY_AUTH_FAILED'],
  ['dailyAuth', 'refused (1714) even with status 0', 200, JSON.stringify({ status: 0, response_type_id: 1714, message: 'Failed', data: { reason: 'Biometric mismatch' } }), 'DAILY_AUTH_FAILED'],
  ['dailyAuth', 'refused (1714) as a string', 200, envelope({ status: 1, response_type_id: '1714', message: 'Failed' }), 'DAILY_AUTH_FAILED'],
  ['dailyAuth', 'another refusal', 200, envelope({ status: 461, message: 'Failed', data: { reason: 'Something else' } }), 'EKYC_REJECTED'],
  ['dailyAuth', '403', 403, '', 'UPSTREAM_AUTH_FAILED']
]

test('every Eko reply is classified into the service\'s outcome, per operation', async (t) => {
  for (const [op, name, status, body, expected] of rows) {
    const outcome = classifyReply(ops[op], status, body)
    t.equal(outcome.ok ? 'OK' : outcome.code, expected, `${op}: ${name}`)
  }
})

test('a success keeps only what the client needs', async (t) => {
  const sent = classifyReply(ops.sendOtp, 200, JSON.stringify({ status: 0, message: 'OTP request has been sent', data: { otp_ref_id: '2465238', reference_tid: 'T1', extra: 'x' }, secret: 'y' }))
  t.same(sent, { ok: true, ekoStatus: 0, value: { otpRefId: '2465238', referenceTid: 'T1' }, message: 'OTP request has been sent' })
  const verified = classifyReply(ops.verifyOtp, 200, JSON.stringify({ status: 0, message: '', data: { otp_ref_id: '2465238', reference_tid: 'T2', pid: 'x' } }))
  t.same(verified, { ok: true, ekoStatus: 0, value: { otpRefId: '2465238', referenceTid: 'T2' }, message: 'Validation successful' }, 'the operation\'s words when Eko sends none')
  const done = classifyReply(ops.biometric, 200, JSON.stringify({ status: 0, message: 'Congratulations! eKYC successful', data: { aadhaar: '234123412346' } }))
  t.same(done, { ok: true, ekoStatus: 0, value: {}, message: 'Congratulations! eKYC successful' }, 'nothing of data is kept')
})

test('Eko\'s reason reaches the caller, scrubbed of numbers and ciphertext', async (t) => {
  const outcome = classifyReply(ops.sendOtp, 200, envelope({ status: 461, data: { reason: 'Aadhaar 2341 2341 2346 linked to 9876543210 is inactive' } }))
  t.notOk(outcome.ok)
  if (!outcome.ok) {
    t.equal(outcome.code, 'EKYC_REJECTED')
    t.equal(outcome.detail, 'Aadhaar [redacted] linked to [redacted] is inactive')
  }
  const otp = classifyReply(ops.verifyOtp, 200, envelope({ status: 461, data: { reason: 'OTP 482913 for 9876543210 is wrong' } }))
  t.match(otp, { ok: false, code: 'OTP_INVALID', detail: 'OTP 482913 for [redacted] is wrong' }, 'a verify refusal is scrubbed too')
  t.equal(scrub('x'.repeat(500)), '[redacted]')
  t.equal(scrub('ok ' + 'y '.repeat(400)).length, 300)
})
