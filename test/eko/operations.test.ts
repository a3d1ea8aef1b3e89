import { test } from 'tap'
import { operations } from '../../src/eko/operations.ts'

// Eko's side, written out by hand from docs/eko.md §5: each call's method, path and exact JSON body.
// A change to the operation table that Eko would not accept fails here, whatever the simulator says.
const agent = { userCode: '20810200', aadhaar: '234123412346', clientRefId: 'REF1', mobile: '9876543210', latlong: '28.6139,77.2090' }
const INITIATOR = '9962981729'
const CIPHER = 'CIPHER'

test('collection Send OTP: POST …/user/collection/aeps-fingpay/kyc/otp with aadhar (sic), customer_id and latlong', async (t) => {
  const op = operations.collection.sendOtp!
  t.match(op, { method: 'POST', path: '/user/collection/aeps-fingpay/kyc/otp' })
  t.same(op.body(agent, INITIATOR, CIPHER), {
    initiator_id: '9962981729', user_code: '20810200', client_ref_id: 'REF1', aadhar: 'CIPHER', customer_id: '9876543210', latlong: '28.6139,77.2090'
  })
})

test('customer Send OTP: the older page\'s path and fields, nothing more', async (t) => {
  const op = operations.customer.sendOtp!
  t.match(op, { method: 'POST', path: '/customer/aeps/fingpay/kyc/otp' })
  t.same(op.body(agent, INITIATOR, CIPHER), { initiator_id: '9962981729', user_code: '20810200', client_ref_id: 'REF1', aadhaar: 'CIPHER' })
})

test('Verify OTP: PUT …/kyc/otp/verify with the OTP as a string and both references', async (t) => {
  const op = operations.collection.verifyOtp!
  t.match(op, { method: 'PUT', path: '/user/collection/aeps-fingpay/kyc/otp/verify' })
  t.same(op.body({ ...agent, otp: '012345', otpRefId: '2465238', referenceTid: 'EKYKF1' }, INITIATOR, CIPHER), {
    initiator_id: '9962981729',
    user_code: '20810200',
    client_ref_id: 'REF1',
    aadhar: 'CIPHER',
    customer_id: '9876543210',
    latlong: '28.6139,77.2090',
    otp: '012345',
    otp_ref_id: '2465238',
    reference_tid: 'EKYKF1'
  })
})

test('Biometric eKYC: PUT …/kyc/biometric with piddata, bank_code and verify\'s references', async (t) => {
  const op = operations.collection.biometric!
  t.match(op, { method: 'PUT', path: '/user/collection/aeps-fingpay/kyc/biometric' })
  t.same(op.body({ ...agent, pidData: '<PidData/>', bankCode: 'HDFC', otpRefId: '2465238', referenceTid: 'EKYKF2' }, INITIATOR, CIPHER), {
    initiator_id: '9962981729',
    user_code: '20810200',
    client_ref_id: 'REF1',
    aadhar: 'CIPHER',
    customer_id: '9876543210',
    latlong: '28.6139,77.2090',
    piddata: '<PidData/>',
    bank_code: 'HDFC',
    otp_ref_id: '2465238',
    reference_tid: 'EKYKF2'
  })
})

test('daily authentication: PUT …/kyc/biometric/daily with piddata and bank_code, no references', async (t) => {
  const op = operations.collection.dailyAuth!
  t.match(op, { method: 'PUT', path: '/user/collection/aeps-fingpay/kyc/biometric/daily' })
  t.same(op.body({ ...agent, pidData: '<PidData/>', bankCode: 'HDFC' }, INITIATOR, CIPHER), {
    initiator_id: '9962981729', user_code: '20810200', client_ref_id: 'REF1', aadhar: 'CIPHER', customer_id: '9876543210', latlong: '28.6139,77.2090', piddata: '<PidData/>', bank_code: 'HDFC'
  })
})

test('the customer variant has Send OTP only: the other steps answer 501 there', async (t) => {
  t.same(Object.keys(operations.customer), ['sendOtp'])
  t.same(Object.keys(operations.collection).sort(), ['biometric', 'dailyAuth', 'sendOtp', 'verifyOtp'])
})
