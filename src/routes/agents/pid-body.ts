import { normaliseAadhaar } from '../../aadhaar/aadhaar.ts'
import { problem } from '../../errors.ts'
import { checkPidData } from '../../pid/pid-data.ts'
import { INVALID_AADHAAR_DETAIL } from './ekyc-otp.ts'

/** Bodies with a PID document may be up to 64 KiB on the biometric routes (16 KiB elsewhere). */
export const PID_BODY_LIMIT = 64 * 1024

/** The checks the schema cannot make on a body with a PID document: the Aadhaar check digit and the document itself. */
export function validatePidBody (body: { aadhaar: string, pidData: string }): string {
  const aadhaar = normaliseAadhaar(body.aadhaar)
  if (aadhaar === undefined) throw problem('INVALID_AADHAAR', INVALID_AADHAAR_DETAIL)
  const pid = checkPidData(body.pidData)
  if (!pid.ok) throw problem('INVALID_PID_DATA', pid.detail)
  return aadhaar
}
