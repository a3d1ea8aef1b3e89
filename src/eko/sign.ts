import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'

export interface Signature {
  'secret-key': string
  'secret-key-timestamp': string
}

/**
 * Eko's HMAC key: the ASCII text of base64(access_key). Made once per client, as a KeyObject,
 * because an HMAC keyed with a string pays for importing the key on every call.
 */
export function signingKey (accessKey: string): KeyObject {
  return createSecretKey(Buffer.from(Buffer.from(accessKey, 'utf8').toString('base64'), 'latin1'))
}

/**
 * Eko's per-request signature: the HMAC of the millisecond timestamp sent beside it, under
 * `signingKey(access_key)`. A fresh one is needed for every request.
 */
export function sign (key: KeyObject | string, timestampMs: number): Signature {
  const timestamp = String(Math.trunc(timestampMs))
  const secretKey = createHmac('sha256', typeof key === 'string' ? signingKey(key) : key).update(timestamp).digest('base64')
  return { 'secret-key': secretKey, 'secret-key-timestamp': timestamp }
}
