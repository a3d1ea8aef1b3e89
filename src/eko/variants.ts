/**
 * The two shapes of Eko's Send OTP call (upstream-facts §2): the path Eko serves today
 * (`collection`) and the one on the page the project was specified from (`customer`).
 */
export interface Variant {
  method: 'POST'
  path: `/${string}`
  /** Eko spells the field `aadhar` on the current API and `aadhaar` on the page's. */
  aadhaarField: 'aadhar' | 'aadhaar'
  /** Request fields this variant needs beyond the Aadhaar number. */
  requires: ReadonlyArray<'mobile' | 'latlong'>
}

export type VariantName = 'collection' | 'customer'

export const variants: Readonly<Record<VariantName, Variant>> = {
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
}

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
