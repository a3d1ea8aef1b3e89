import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { sign } from '../eko/sign.ts'

export interface Credentials {
  developerKey: string
  accessKey: string
  timestampToleranceMs: number
}

/** Which gateway check refused the request; Eko never says, but the call log does. */
export type AuthFailure = 'developer_key' | 'secret-key' | 'secret-key-timestamp'

/** Hashing first gives equal lengths, so the comparison leaks neither content nor length. */
function sameSecret (a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest()
  return timingSafeEqual(digest(a), digest(b))
}

function header (headers: IncomingHttpHeaders, name: string): string {
  const value = headers[name]
  return typeof value === 'string' ? value : ''
}

/**
 * Eko's gateway checks (docs/eko.md §3): the developer key, the HMAC of the timestamp, and the
 * timestamp against Eko's clock. All three end in the same HTTP 403.
 */
export function checkCredentials (headers: IncomingHttpHeaders, creds: Credentials, nowMs: number): AuthFailure | undefined {
  if (!sameSecret(header(headers, 'developer_key'), creds.developerKey)) return 'developer_key'
  const timestamp = header(headers, 'secret-key-timestamp')
  // No leading zeros: the signed text must be exactly the number, as sign() writes it.
  if (!/^[1-9][0-9]{0,15}$/.test(timestamp)) return 'secret-key-timestamp'
  const expected = sign(creds.accessKey, Number(timestamp))['secret-key']
  if (!sameSecret(header(headers, 'secret-key'), expected)) return 'secret-key'
  if (Math.abs(nowMs - Number(timestamp)) > creds.timestampToleranceMs) return 'secret-key-timestamp'
  return undefined
}

/** `application/json`, with or without parameters such as charset, in any case. */
export function isJsonContentType (value: string | undefined): boolean {
  return value?.split(';')[0]?.trim().toLowerCase() === 'application/json'
}
