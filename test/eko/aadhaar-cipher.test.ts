import { test } from 'tap'
import { constants, generateKeyPairSync, privateDecrypt } from 'node:crypto'
import { encryptAadhaar, parsePublicKey } from '../../src/eko/aadhaar-cipher.ts'

// Eko's published keys (docs/eko.md §4): both must parse, as base64 DER SPKI.
const KEY_A = 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCaFyrzeDhMaFLx+LZUNOOO14Pj9aPfr+1WOanDgDHxo9NekENYcWUftM9Y17ul2pXr3bqw0GCh4uxNoTQ5cTH4buI42LI8ibMaf7Kppq9MzdzI9/7pOffgdSn+P8J64CJAk3VrVswVgfy8lABt7fL8R6XReI9x8ewwKHhCRTwBgQIDAQAB'
const KEY_B = 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCXa63O/UXt5S0Vi8DM/PWF4yugx2OcTVbcFPLfXmLm9ClEVJcRuBr7UDHjJ6gZgG/qcVez5r6AfsYl2PtKmYP3mQdbR/BjVOjnrRooXxwyio6DFk4hTTM8fqQGWWNm6XN5XsPK5+qD5Ic/L0vGrS5nMWDwjRt59gzgNMNMpjheBQIDAQAB'

test('Eko\'s published keys parse and give 172-character ciphertexts', async (t) => {
  for (const key of [KEY_A, KEY_B]) {
    const parsed = parsePublicKey(key)
    t.equal(parsed.asymmetricKeyDetails?.modulusLength, 1024)
    const c = encryptAadhaar(parsed, '234123412346')
    t.equal(c.length, 172)
    t.match(c, /^[A-Za-z0-9+/]+=*$/)
  }
})

test('round trip: PKCS#1 v1.5, decryptable with the private key, different every call; PEM accepted', async (t) => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  for (const form of [pem, der, `  ${der}\n`]) {
    const a = encryptAadhaar(parsePublicKey(form), '234123412346')
    const b = encryptAadhaar(parsePublicKey(form), '234123412346')
    t.not(a, b, 'randomised padding')
    const plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(a, 'base64')).toString('utf8')
    t.equal(plain, '234123412346')
  }
})

test('anything that is not an RSA public key is refused without echoing it', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
  t.throws(() => parsePublicKey('not a key'), /not a base64 DER or PEM public key/)
  t.throws(() => parsePublicKey(KEY_A.slice(0, 60)), /not a base64 DER or PEM public key/)
  t.throws(() => parsePublicKey(ec), /not an RSA public key/)
})
