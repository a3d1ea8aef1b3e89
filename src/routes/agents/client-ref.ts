import { randomInt } from 'node:crypto'

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

/**
 * A 20-character reference for Eko's `client_ref_id` (its limit): a millisecond time prefix so
 * references sort by time in Eko's reports, then random characters (about 62 bits) for uniqueness.
 */
export function newClientRefId (now = Date.now()): string {
  const time = now.toString(36).toUpperCase().padStart(9, '0')
  let random = ''
  while (random.length < 20 - time.length) random += ALPHABET[randomInt(ALPHABET.length)]
  return time + random
}

/** `9876543210` → `******3210` */
export function maskMobile (mobile: string): string {
  return '******' + mobile.slice(-4)
}
