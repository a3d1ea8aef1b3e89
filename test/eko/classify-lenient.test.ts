import { test } from 'tap'
import { classifyReply } from '../../src/eko/classify.ts'
import { operations } from '../../src/eko/operations.ts'
import { isEkoFailure } from '../../src/eko/breaker.ts'

const sendOtp = operations.customer.sendOtp!
const reply = (o: Record<string, unknown>) => classifyReply(sendOtp, 200, JSON.stringify(o))

// A business answer with odd optional fields is still that business answer: it must neither turn
// into a 502 nor count towards opening the circuit.
test('null or empty optional fields do not hide a business answer', async (t) => {
  const rows: Array<[string, Record<string, unknown>, string]> = [
    ['not activated, reason null', { status: 346, message: 'Agent not allowed to this transaction', data: { reason: null } }, 'AGENT_NOT_ACTIVATED'],
    ['not found, message null', { status: 463, message: null, data: null }, 'AGENT_NOT_FOUND'],
    ['461, empty otp_ref_id', { status: 461, message: 'Failed', data: { otp_ref_id: '', reason: 'Merchant is Inactive' } }, 'EKYC_REJECTED'],
    ['unknown status, data an array', { status: 999, message: 'x'.repeat(5000), data: [] }, 'EKYC_REJECTED'],
    ['unknown status, invalid_params a string', { status: 98, message: 'bad', invalid_params: 'oops' }, 'EKYC_REJECTED']
  ]
  for (const [name, body, code] of rows) {
    const outcome = reply(body)
    t.match(outcome, { ok: false, code }, name)
    t.notOk(isEkoFailure({ outcome, httpStatus: 200, latencyMs: 1 }), `${name}: not an Eko failure`)
  }
})

test('status 0 without an OTP reference: a 502 that says Eko accepted', async (t) => {
  for (const data of [{}, { otp_ref_id: '' }, { otp_ref_id: null }]) {
    t.match(reply({ status: 0, data }), { ok: false, code: 'UPSTREAM_ERROR', ekoStatus: 0 })
  }
})

test('Eko\'s mobile hint is passed on only when masked', async (t) => {
  t.match(reply({ status: 0, data: { otp_ref_id: '1', mobile_hint: '******7890' } }), { ok: true, value: { mobileHint: '******7890' } })
  const unmasked = reply({ status: 0, data: { otp_ref_id: '1', mobile_hint: '9876547890' } })
  t.ok(unmasked.ok && unmasked.value.mobileHint === undefined, 'a full number is dropped')
})

test('HTTP 429 from Eko is a rate limit, not a 502', async (t) => {
  t.match(classifyReply(sendOtp, 429, 'Too Many Requests'), { ok: false, code: 'OTP_RATE_LIMITED' })
})
