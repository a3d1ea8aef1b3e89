import { constants, createPrivateKey, createPublicKey, generateKeyPair, privateDecrypt, type KeyObject } from 'node:crypto'
import { promisify } from 'node:util'

const generateKeyPairAsync = promisify(generateKeyPair)

export interface SimulatorKeys {
  privateKey: KeyObject
  /** base64 DER SubjectPublicKeyInfo: the form Eko publishes its keys in (docs/eko.md §4). */
  publicKeyDer: string
}

/** Uses the given PEM, or makes a fresh 1024-bit pair like Eko's own keys. */
export async function loadKeys (privateKeyPem?: string): Promise<SimulatorKeys> {
  const privateKey = privateKeyPem === undefined
    ? (await generateKeyPairAsync('rsa', { modulusLength: 1024, publicExponent: 0x10001 })).privateKey
    : parsePrivateKey(privateKeyPem)
  const der = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  return { privateKey, publicKeyDer: der.toString('base64') }
}

/** Throws a plain message (never the key) when the PEM is not an RSA private key. */
export function parsePrivateKey (pem: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey({ key: pem, format: 'pem' })
  } catch {
    throw new Error('is not a PEM private key')
  }
  if (key.asymmetricKeyType !== 'rsa') throw new Error('is not an RSA private key')
  return key
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/**
 * The Aadhaar field back to its plain text, or undefined when it is not base64 RSA PKCS#1 v1.5
 * under this key. Node 20 refuses PKCS#1 v1.5 in privateDecrypt (CVE-2023-46809), so we decrypt
 * raw and strip `00 02 <at least 8 non-zero bytes> 00` ourselves; the simulator holds no secret
 * worth a padding-oracle defence.
 */
export function decryptField (privateKey: KeyObject, field: string): string | undefined {
  if (field.length === 0 || !BASE64.test(field)) return undefined
  let block: Buffer
  try {
    block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, Buffer.from(field, 'base64'))
  } catch {
    return undefined // wrong length for the modulus, or a value above it
  }
  if (block[0] !== 0x00 || block[1] !== 0x02) return undefined
  const separator = block.indexOf(0x00, 2)
  if (separator < 10) return undefined // missing, or fewer than 8 padding bytes
  return block.subarray(separator + 1).toString('utf8')
}
