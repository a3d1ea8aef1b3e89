import { problem } from '../errors.ts'
import { verhoeffValid } from './verhoeff.ts'

/** Accepts `XXXX XXXX XXXX`, `XXXX-XXXX-XXXX` or 12 plain digits; the separators only between groups of four. */
export const AADHAAR_INPUT_PATTERN = '^[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}$'
const INPUT = new RegExp(AADHAAR_INPUT_PATTERN)

/**
 * Returns the 12 digits when `input` is a well-formed Aadhaar number (first digit 2–9, valid
 * Verhoeff check digit), otherwise undefined. Never echo the input anywhere.
 */
export function normaliseAadhaar (input: string): string | undefined {
  if (!INPUT.test(input)) return undefined
  const digits = input.replace(/[ -]/g, '')
  if (!/^[2-9][0-9]{11}$/.test(digits)) return undefined
  return verhoeffValid(digits) ? digits : undefined
}

/** The 12 digits of a request's Aadhaar number, or 400 INVALID_AADHAAR (which never repeats it). */
export function requireAadhaar (input: string): string {
  const digits = normaliseAadhaar(input)
  if (digits === undefined) throw problem('INVALID_AADHAAR', 'aadhaar is not a valid Aadhaar number (first digit 2–9, Verhoeff check digit)')
  return digits
}
