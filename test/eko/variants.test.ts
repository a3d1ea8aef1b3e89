import { test } from 'tap'
import { otpBody, variants } from '../../src/eko/variants.ts'

const fields = { initiatorId: '9962981729', userCode: '20810200', clientRefId: 'REF1', encryptedAadhaar: 'CIPHER', mobile: '9876543210', latlong: '28.6139,77.2090' }

test('collection: the path Eko serves today, with aadhar (sic), customer_id and latlong', async (t) => {
  t.match(variants.collection, { method: 'POST', path: '/user/collection/aeps-fingpay/kyc/otp' })
  t.same(otpBody(variants.collection, fields), {
    initiator_id: '9962981729', user_code: '20810200', client_ref_id: 'REF1', aadhar: 'CIPHER', customer_id: '9876543210', latlong: '28.6139,77.2090'
  })
})

test('customer: the page\'s path and fields, nothing more', async (t) => {
  t.match(variants.customer, { method: 'POST', path: '/customer/aeps/fingpay/kyc/otp' })
  t.same(otpBody(variants.customer, fields), { initiator_id: '9962981729', user_code: '20810200', client_ref_id: 'REF1', aadhaar: 'CIPHER' })
})
