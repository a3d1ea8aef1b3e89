import { variants, type VariantName } from '../eko/variants.ts'

/** The fields Eko reads from one Send OTP body, once they have the right form. */
export interface OtpFields {
  initiatorId: string
  userCode: string
  clientRefId?: string
  encryptedAadhaar: string
}

interface Rule { field: string, test: (v: string) => boolean, message: string }

const TEN_DIGITS = /^[0-9]{10}$/

function validLatlong (value: string): boolean {
  const m = /^(-?[0-9]{1,2}(?:\.[0-9]+)?),(-?[0-9]{1,3}(?:\.[0-9]+)?)$/.exec(value)
  return m !== null && Math.abs(Number(m[1])) <= 90 && Math.abs(Number(m[2])) <= 180
}

/** Required fields per variant (upstream-facts §2, §6); the Aadhaar field name comes from the variant table. */
function rules (variant: VariantName): Rule[] {
  const v = variants[variant]
  const list: Rule[] = [
    { field: 'initiator_id', test: s => TEN_DIGITS.test(s), message: 'initiator_id must be a 10-digit mobile number' },
    { field: 'user_code', test: s => /^[0-9]{8}$/.test(s), message: 'user_code must be 8 digits' }
  ]
  if (v.requires.includes('mobile')) {
    list.push({ field: 'customer_id', test: s => TEN_DIGITS.test(s), message: 'customer_id must be a 10-digit mobile number' })
  }
  if (v.requires.includes('latlong')) {
    list.push({ field: 'latlong', test: validLatlong, message: 'latlong must be "<lat>,<long>" in decimal degrees' })
  }
  list.push({ field: v.aadhaarField, test: s => s.length > 0, message: 'Please provide a valid Aadhaar number' })
  return list
}

/**
 * Eko's parameter check: every problem at once, as `invalid_params` (field → message), or the
 * fields when all are well formed. Values must be JSON strings, as Eko's samples send them.
 */
export function checkFields (variant: VariantName, body: Record<string, unknown>): { fields: OtpFields } | { invalid: Record<string, string> } {
  const invalid: Record<string, string> = {}
  for (const rule of rules(variant)) {
    const value = body[rule.field]
    if (value === undefined || value === null || value === '') invalid[rule.field] = `${rule.field} is required`
    else if (typeof value !== 'string' || !rule.test(value)) invalid[rule.field] = rule.message
  }
  const ref = body.client_ref_id
  if (ref !== undefined && (typeof ref !== 'string' || ref.length < 1 || ref.length > 20)) {
    invalid.client_ref_id = 'client_ref_id must be 1 to 20 characters'
  }
  if (Object.keys(invalid).length > 0) return { invalid }
  return {
    fields: {
      initiatorId: body.initiator_id as string,
      userCode: body.user_code as string,
      encryptedAadhaar: body[variants[variant].aadhaarField] as string,
      ...(typeof ref === 'string' ? { clientRefId: ref } : {})
    }
  }
}
