import { createHmac } from 'node:crypto'

export interface Signature {
  'secret-key': string
  'secret-key-timestamp': string
}

/**
 * Eko's per-request signature: the HMAC key is the ASCII text of base64(access_key), the message
 * is the millisecond timestamp sent beside it. A fresh one is needed for every request.
 */
export function sign (accessKey: string, timestampMs: number): Signature {
  const timestamp = String(Math.trunc(timestampMs))
  const key = Buffer.from(accessKey, 'utf8').toString('base64')
  const secretKey = createHmac('sha256', key).update(timestamp).digest('base64')
  return { 'secret-key': secretKey, 'secret-key-timestamp': timestamp }
}
