import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto'

/** Every key this service writes starts with this, so operators can find (and scan) them. */
export const KEY_PREFIX = 'ekyc:'

/**
 * A 32-byte key for one purpose, derived from STORE_SECRET or else EKO_ACCESS_KEY: every instance
 * already has that secret, so they all derive the same keys, and one purpose's key says nothing
 * about another's or about the secret.
 */
export function deriveKey (secret: string, info: string): KeyObject {
  // A KeyObject made once: an HMAC keyed with one costs a quarter of one keyed with bytes.
  return createSecretKey(Buffer.from(hkdfSync('sha256', secret, '', info, 32)))
}

/**
 * Keyed hashes: store key names (callers' ids, addresses and Idempotency-Keys never appear in plain
 * form) and request fingerprints (never the Aadhaar number itself).
 */
export interface Keyspace {
  cooldown (userCode: string): string
  rateLimit (bucket: string): string
  idempotency (callerId: string, route: string, idempotencyKey: string): string
  /** Wrong OTPs counted for one OTP reference Eko issued to one agent. */
  otpAttempts (userCode: string, otpRefId: string): string
  /** The agent's eKYC journal: `events` (a capped list), `step` and `daily` (numbers that only grow). */
  journal (userCode: string, part: 'events' | 'step' | 'daily'): string
  /** HMAC-SHA256 of the parts under a key derived with info `idempotency-fingerprint`. */
  fingerprint (parts: unknown[]): string
}

export function createKeyspace (secret: string): Keyspace {
  const key = deriveKey(secret, 'store-key-names')
  const fingerprintKey = deriveKey(secret, 'idempotency-fingerprint')
  // HMAC, not a bare hash: a phone number used as a token subject has too few digits to hide in SHA-256.
  const name = (...parts: string[]) => createHmac('sha256', key).update(JSON.stringify(parts)).digest('base64url').slice(0, 32)
  let journalOf: string | undefined
  let journalHash = ''
  return {
    cooldown: (userCode) => `${KEY_PREFIX}cooldown:${name('cooldown', userCode)}`,
    rateLimit: (bucket) => `${KEY_PREFIX}rate:${name('rate', bucket)}`,
    idempotency: (callerId, route, idempotencyKey) => `${KEY_PREFIX}idem:${name('idempotency', callerId, route, idempotencyKey)}`,
    otpAttempts: (userCode, otpRefId) => `${KEY_PREFIX}otp-attempts:${name('otp-attempts', userCode, otpRefId)}`,
    journal (userCode, part) {
      // The three parts share one hash, and the journal asks for all three in a row: hashed once.
      if (userCode !== journalOf) {
        journalHash = name('journal', userCode)
        journalOf = userCode
      }
      return `${KEY_PREFIX}journal:${part}:${journalHash}`
    },
    fingerprint: (parts) => createHmac('sha256', fingerprintKey).update(JSON.stringify(parts)).digest('base64url')
  }
}
