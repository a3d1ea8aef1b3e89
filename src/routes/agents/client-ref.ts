import { randomBytes } from 'node:crypto'

/**
 * A 20-character reference for Eko's `client_ref_id` (its limit): a millisecond time prefix so
 * references sort by time in Eko's reports, then random characters (about 62 bits) for uniqueness.
 */
export function newClientRefId (now = Date.now()): string {
  const time = now.toString(36).toUpperCase().padStart(9, '0')
  // One draw of 64 random bits, written in base 36: the last 11 digits (36^11 is 0.7 % of 2^64, so nearly uniform).
  const random = randomBytes(8).readBigUInt64BE().toString(36).toUpperCase().padStart(11, '0').slice(-11)
  return time + random
}

/** `9876543210` → `******3210` */
export function maskMobile (mobile: string): string {
  return '******' + mobile.slice(-4)
}
