import { requireAadhaar } from '../../aadhaar/aadhaar.ts'
import { problem } from '../../errors.ts'
import { checkPidData } from '../../pid/pid-data.ts'

/** Bodies with a PID document may be up to 64 KiB on the biometric routes (16 KiB elsewhere). */
export const PID_BODY_LIMIT = 64 * 1024

/** The checks the schema cannot make on a body with a PID document: the Aadhaar check digit and the document itself. */
export function validatePidBody (body: { aadhaar: string, pidData: string }): string {
  const aadhaar = requireAadhaar(body.aadhaar)
  const pid = checkPidData(body.pidData)
  if (!pid.ok) throw problem('INVALID_PID_DATA', pid.detail)
  return aadhaar
}
