/**
 * The two shapes of Eko's Send OTP call (upstream-facts §2): the path Eko serves today
 * (`collection`) and the one on the page the project was specified from (`customer`).
 */
export const variants = {
  collection: {
    method: 'POST',
    path: '/user/collection/aeps-fingpay/kyc/otp',
    aadhaarField: 'aadhar',
    requires: ['mobile', 'latlong']
  },
  customer: {
    method: 'POST',
    path: '/customer/aeps/fingpay/kyc/otp',
    aadhaarField: 'aadhaar',
    requires: []
  }
} as const satisfies Record<string, {
  method: 'POST'
  path: `/${string}`
  aadhaarField: string
  requires: ReadonlyArray<'mobile' | 'latlong'>
}>

export type VariantName = keyof typeof variants
export type Variant = (typeof variants)[VariantName]

export interface OtpRequestFields {
  initiatorId: string
  userCode: string
  clientRefId: string
  encryptedAadhaar: string
  mobile?: string | undefined
  latlong?: string | undefined
}

/** Eko's JSON body for one Send OTP call, in the variant's field names. */
export function otpBody (variant: Variant, f: OtpRequestFields): Record<string, string> {
  const body: Record<string, string> = {
    initiator_id: f.initiatorId,
    user_code: f.userCode,
    client_ref_id: f.clientRefId,
    [variant.aadhaarField]: f.encryptedAadhaar
  }
  if (variant.requires.length > 0) {
    body.customer_id = f.mobile ?? ''
    body.latlong = f.latlong ?? ''
  }
  return body
}
