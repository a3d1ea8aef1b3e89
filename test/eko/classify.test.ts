import { test } from 'tap'
import { classifyReply, scrub } from '../../src/eko/classify.ts'

const envelope = (o: Record<string, unknown>) => JSON.stringify({ response_status_id: 1, response_type_id: -1, data: {}, ...o })

// One row per contract §4 outcome that depends on Eko's reply (upstream-facts §2–§3).
const rows: Array<[string, number, string, string]> = [
  ['collection success', 200, JSON.stringify({ status: 0, response_status_id: 0, response_type_id: 1600, message: 'OTP request has been sent', data: { otp_ref_id: '2465238', reference_tid: 'EKYKF4719702240123152147525I' } }), 'OK'],
  ['customer success', 200, JSON.stringify({ status: 0, response_type_id: 1388, message: 'OTP sent', data: { otp_ref_id: 'OTPREF1', mobile_hint: '******7890' } }), 'OK'],
  ['numeric otp_ref_id', 200, JSON.stringify({ status: 0, data: { otp_ref_id: 2465238 } }), 'OK'],
  ['status as a string', 200, JSON.stringify({ status: '0', data: { otp_ref_id: '1' } }), 'OK'],
  ['user not found (463)', 200, envelope({ status: 463, message: 'User not found' }), 'AGENT_NOT_FOUND'],
  ['not onboarded (1297)', 200, envelope({ status: 1297, message: 'not onboarded' }), 'AGENT_NOT_FOUND'],
  ['not activated (346)', 200, envelope({ status: 346, response_type_id: 346, message: 'Agent not allowed to this transaction' }), 'AGENT_NOT_ACTIVATED'],
  ['OTP already sent', 200, envelope({ status: 1, message: 'OTP already sent. Please try after some time' }), 'OTP_RATE_LIMITED'],
  ['too many requests', 200, envelope({ status: 17, message: 'Too many requests' }), 'OTP_RATE_LIMITED'],
  ['reason 461', 200, envelope({ status: 461, message: 'Failed', data: { reason: 'Merchant is Inactive or Invalid Details' } }), 'EKYC_REJECTED'],
  ['already approved (585)', 200, envelope({ status: 585, message: 'KYC already approved' }), 'EKYC_REJECTED'],
  ['unknown business status', 200, envelope({ status: 999, message: 'Something else' }), 'EKYC_REJECTED'],
  ['other invalid param (97)', 200, envelope({ status: 97, message: 'Invalid params', invalid_params: { latlong: 'Invalid latlong' } }), 'EKYC_REJECTED'],
  ['unreadable Aadhaar (97 aadhar)', 200, envelope({ status: 97, invalid_params: { aadhar: 'Invalid aadhar' } }), 'UPSTREAM_ERROR'],
  ['invalid initiator (319)', 200, envelope({ status: 319, message: 'Invalid initiator' }), 'UPSTREAM_ERROR'],
  ['success without otp_ref_id', 200, JSON.stringify({ status: 0, data: {} }), 'UPSTREAM_ERROR'],
  ['not JSON', 200, '<html>oops</html>', 'UPSTREAM_ERROR'],
  ['JSON without status', 200, '{"message":"hi"}', 'UPSTREAM_ERROR'],
  ['JSON array', 200, '[]', 'UPSTREAM_ERROR'],
  ['403 signature or clock', 403, '{"message":"Forbidden"}', 'UPSTREAM_AUTH_FAILED'],
  ['404 wrong URL', 404, 'Not found', 'UPSTREAM_ERROR'],
  ['405 wrong method', 405, '', 'UPSTREAM_ERROR'],
  ['415 wrong content type', 415, '', 'UPSTREAM_ERROR'],
  ['500', 500, 'Internal Server Error', 'UPSTREAM_ERROR'],
  ['502 HTML page', 502, '<html><body>Bad Gateway</body></html>', 'UPSTREAM_ERROR']
]

test('every Eko reply is classified into its contract outcome', async (t) => {
  for (const [name, status, body, expected] of rows) {
    const outcome = classifyReply(status, body)
    t.equal(outcome.ok ? 'OK' : outcome.code, expected, name)
  }
})

test('a success keeps only what the client needs', async (t) => {
  const outcome = classifyReply(200, JSON.stringify({ status: 0, message: 'OTP request has been sent', data: { otp_ref_id: '2465238', reference_tid: 'T1', extra: 'x' }, secret: 'y' }))
  t.same(outcome, { ok: true, ekoStatus: 0, otpRefId: '2465238', referenceTid: 'T1', message: 'OTP request has been sent' })
})

test('Eko\'s reason reaches the caller, scrubbed of numbers and ciphertext', async (t) => {
  const outcome = classifyReply(200, envelope({ status: 461, data: { reason: 'Aadhaar 2341 2341 2346 linked to 9876543210 is inactive' } }))
  t.notOk(outcome.ok)
  if (!outcome.ok) {
    t.equal(outcome.code, 'EKYC_REJECTED')
    t.equal(outcome.detail, 'Aadhaar [redacted] linked to [redacted] is inactive')
  }
  t.equal(scrub('x'.repeat(500)), '[redacted]')
  t.equal(scrub('ok ' + 'y '.repeat(400)).length, 300)
})
