import { randomFillSync } from 'node:crypto'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'
/** Random bytes drawn 4 KiB at a time: one call into OpenSSL per few hundred references, not one each. */
const entropy = Buffer.alloc(4096)
let used = entropy.length

/**
 * A 20-character reference for Eko's `client_ref_id` (its limit): a millisecond time prefix so
 * references sort by time in Eko's reports, then 11 random characters of 36 (about 57 bits) for uniqueness.
 */
export function newClientRefId (now = Date.now()): string {
  let id = now.toString(36).toUpperCase().padStart(9, '0')
  while (id.length < 20) {
    if (used === entropy.length) {
      randomFillSync(entropy)
      used = 0
    }
    const byte = entropy[used++]!
    // 252 is 7 × 36: below it every character is equally likely; the 4 values above are drawn again.
    if (byte < 252) id += ALPHABET[byte % 36]
  }
  return id
}

/** `9876543210` → `******3210` */
export function maskMobile (mobile: string): string {
  return '******' + mobile.slice(-4)
}
