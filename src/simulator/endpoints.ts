/**
 * Eko's side of every call, written out independently of the service's operation table
 * (src/eko/operations.ts), so a test against the simulator checks the service's paths, methods
 * and field names rather than agreeing with them by construction. docs/eko.md §5 describes each call.
 */
export type SimVariant = 'collection' | 'customer'
export type EndpointName = 'sendOtp' | 'verifyOtp' | 'biometric' | 'dailyAuth'

export interface Endpoint {
  name: EndpointName
  variant: SimVariant
  method: 'POST' | 'PUT'
  /** Below /ekoapi/v3. */
  path: string
  /** Eko spells the field `aadhar` on the current API and `aadhaar` on the older page's. */
  aadhaarField: 'aadhar' | 'aadhaar'
  /** Fields beyond initiator_id, user_code and the Aadhaar field, all required. */
  requires: readonly string[]
}

const LOCATED = ['customer_id', 'latlong'] as const

export const endpoints: readonly Endpoint[] = [
  { name: 'sendOtp', variant: 'collection', method: 'POST', path: '/user/collection/aeps-fingpay/kyc/otp', aadhaarField: 'aadhar', requires: LOCATED },
  { name: 'sendOtp', variant: 'customer', method: 'POST', path: '/customer/aeps/fingpay/kyc/otp', aadhaarField: 'aadhaar', requires: [] },
  {
    name: 'verifyOtp',
    variant: 'collection',
    method: 'PUT',
    path: '/user/collection/aeps-fingpay/kyc/otp/verify',
    aadhaarField: 'aadhar',
    requires: [...LOCATED, 'otp', 'otp_ref_id', 'reference_tid']
  },
  {
    name: 'biometric',
    variant: 'collection',
    method: 'PUT',
    path: '/user/collection/aeps-fingpay/kyc/biometric',
    aadhaarField: 'aadhar',
    requires: [...LOCATED, 'piddata', 'bank_code', 'otp_ref_id', 'reference_tid']
  },
  {
    name: 'dailyAuth',
    variant: 'collection',
    method: 'PUT',
    path: '/user/collection/aeps-fingpay/kyc/biometric/daily',
    aadhaarField: 'aadhar',
    requires: [...LOCATED, 'piddata', 'bank_code']
  }
]
