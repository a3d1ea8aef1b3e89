import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto'

/**
 * Parses Eko's RSA public key once: base64 DER SubjectPublicKeyInfo, as Eko publishes it, or PEM.
 * Throws a plain message (no key material) when the value is not an RSA public key.
 */
export function parsePublicKey (value: string): KeyObject {
  const text = value.trim()
  let key: KeyObject
  try {
    key = text.startsWith('-----BEGIN')
      ? createPublicKey({ key: text, format: 'pem' })
      : createPublicKey({ key: Buffer.from(text.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' })
  } catch {
    throw new Error('is not a base64 DER or PEM public key')
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('is not an RSA public key')
  return key
}

/** RSA PKCS#1 v1.5 over the 12 digits, base64: what Eko's Java sample (`Cipher.getInstance("RSA")`) does. */
export function encryptAadhaar (key: KeyObject, digits: string): string {
  // Given `{ key, padding }` (the only way to ask for PKCS#1 v1.5), Node first tries it as a
  // KeyObject and as a CryptoKey, by throwing and catching two errors; their stack traces cost as
  // much as the encryption. None is thrown to us, so none needs a stack trace while this runs.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 0
  try {
    return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(digits, 'utf8')).toString('base64')
  } finally {
    Error.stackTraceLimit = limit
  }
}
