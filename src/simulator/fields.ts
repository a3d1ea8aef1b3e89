import type { Endpoint } from './endpoints.ts'

/** The fields Eko reads from one request body, once they have the right form. */
export interface CheckedFields {
  initiatorId: string
  userCode: string
  clientRefId?: string
  encryptedAadhaar: string
  /** Every other required field, by Eko's name (otp, otp_ref_id, piddata, ...). */
  rest: Record<string, string>
}

interface Rule { test: (v: string) => boolean, message: string }

const TEN_DIGITS = /^[0-9]{10}$/

function validLatlong (value: string): boolean {
  const m = /^(-?[0-9]{1,2}(?:\.[0-9]+)?),(-?[0-9]{1,3}(?:\.[0-9]+)?)$/.exec(value)
  return m !== null && Math.abs(Number(m[1])) <= 90 && Math.abs(Number(m[2])) <= 180
}

/** A PID document as a fingerprint device's RD service returns it: an XML document whose root is PidData. */
function looksLikePidData (value: string): boolean {
  return /^\s*(<\?xml[^>]*\?>\s*)?<PidData[\s>/]/.test(value) && /<\/PidData>\s*$|<PidData[^>]*\/>\s*$/.test(value)
}

/** Eko's field formats (docs/eko.md §7). */
const RULES: Record<string, Rule> = {
  initiator_id: { test: s => TEN_DIGITS.test(s), message: 'initiator_id must be a 10-digit mobile number' },
  user_code: { test: s => /^[0-9]{8}$/.test(s), message: 'user_code must be 8 digits' },
  customer_id: { test: s => TEN_DIGITS.test(s), message: 'customer_id must be a 10-digit mobile number' },
  latlong: { test: validLatlong, message: 'latlong must be "<lat>,<long>" in decimal degrees' },
  otp: { test: s => /^[0-9]{4,8}$/.test(s), message: 'otp must be 4 to 8 digits' },
  otp_ref_id: { test: s => s.length <= 64, message: 'otp_ref_id is invalid' },
  reference_tid: { test: s => s.length <= 64, message: 'reference_tid is invalid' },
  piddata: { test: looksLikePidData, message: 'piddata must be a PidData XML document' },
  bank_code: { test: s => /^[A-Z0-9]{2,12}$/.test(s), message: 'bank_code is invalid' },
  // Decrypted later; here only present.
  aadhar: { test: s => s.length > 0, message: 'Please provide a valid Aadhaar number' },
  aadhaar: { test: s => s.length > 0, message: 'Please provide a valid Aadhaar number' }
}

/**
 * Eko's parameter check: every problem at once, as `invalid_params` (field → message), or the
 * fields when all are well formed. Values must be JSON strings, as Eko's samples send them.
 */
export function checkFields (endpoint: Endpoint, body: Record<string, unknown>): { fields: CheckedFields } | { invalid: Record<string, string> } {
  const invalid: Record<string, string> = {}
  const rest: Record<string, string> = {}
  const required = ['initiator_id', 'user_code', ...endpoint.requires]
  for (const field of [...required, endpoint.aadhaarField]) {
    const value = body[field]
    const rule = RULES[field] ?? { test: (s: string) => s.length > 0, message: `${field} is invalid` }
    if (value === undefined || value === null || value === '') invalid[field] = `${field} is required`
    else if (typeof value !== 'string' || !rule.test(value)) invalid[field] = rule.message
    else rest[field] = value
  }
  const ref = body.client_ref_id
  if (ref !== undefined && (typeof ref !== 'string' || !/^[A-Za-z0-9_-]{1,20}$/.test(ref))) {
    invalid.client_ref_id = 'client_ref_id must be 1 to 20 letters, digits, hyphens or underscores'
  }
  if (Object.keys(invalid).length > 0) return { invalid }
  const { initiator_id: initiatorId, user_code: userCode, [endpoint.aadhaarField]: encryptedAadhaar, ...others } = rest
  return {
    fields: {
      initiatorId: initiatorId!,
      userCode: userCode!,
      encryptedAadhaar: encryptedAadhaar!,
      rest: others,
      ...(typeof ref === 'string' ? { clientRefId: ref } : {})
    }
  }
}
