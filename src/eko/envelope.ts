/**
 * What we rely on in Eko's reply envelope (docs/eko.md §6): a readable `status`, a number or a
 * string of digits. Everything else is optional and read defensively in classify.ts, so a `null`
 * message or an empty reason in a business answer is still that business answer, not "Eko is
 * broken" (which would count towards opening the circuit). Unknown fields are ignored, never
 * forwarded.
 */
export interface EkoEnvelope {
  status: number | string
  response_status_id?: unknown
  response_type_id?: unknown
  message?: unknown
  data?: unknown
  invalid_params?: unknown
}

const DIGITS = /^-?[0-9]+$/

/**
 * A check by hand rather than a compiled schema: one field to test, and TypeBox's compiler is
 * about 300 modules to load at every start.
 */
export function isEkoEnvelope (value: unknown): value is EkoEnvelope {
  if (typeof value !== 'object' || value === null) return false
  const { status } = value as { status?: unknown }
  return Number.isInteger(status) || (typeof status === 'string' && DIGITS.test(status))
}
