import { constants, createPublicKey, generateKeyPairSync, privateEncrypt, publicEncrypt } from 'node:crypto'
import { test } from 'tap'
import { decryptField, loadKeys } from '../../src/simulator/crypto.ts'
import { startSimulator } from '../../src/simulator/index.ts'
import { encrypt, TEST_AADHAAR } from './helpers.ts'

test('a fresh key is 1024-bit RSA, published as base64 DER SPKI like Eko\'s', async (t) => {
  const { publicKeyDer } = await loadKeys()
  const key = createPublicKey({ key: Buffer.from(publicKeyDer, 'base64'), format: 'der', type: 'spki' })
  t.equal(key.asymmetricKeyDetails?.modulusLength, 1024)
  t.equal(key.asymmetricKeyDetails?.publicExponent, 65537n)
  t.match(publicKeyDer, /^MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ/, 'the same prefix as Eko\'s published keys')
})

test('PKCS#1 v1.5 ciphertext decrypts, padding stripped by hand', async (t) => {
  const { privateKey, publicKeyDer } = await loadKeys()
  const field = encrypt(publicKeyDer)
  t.equal(field.length, 172, '128 bytes in base64, as docs/eko.md §4 says')
  t.equal(decryptField(privateKey, field), TEST_AADHAAR)
  t.not(encrypt(publicKeyDer), field, 'different every call')
})

test('anything else is refused', async (t) => {
  const { privateKey, publicKeyDer } = await loadKeys()
  const pub = createPublicKey({ key: Buffer.from(publicKeyDer, 'base64'), format: 'der', type: 'spki' })
  const oaep = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING }, Buffer.from(TEST_AADHAAR)).toString('base64')
  t.equal(decryptField(privateKey, oaep), undefined, 'OAEP is not what Eko expects')
  const big = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const wrongSize = publicEncrypt({ key: big.publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(TEST_AADHAAR)).toString('base64')
  t.equal(decryptField(privateKey, wrongSize), undefined, 'a 2048-bit ciphertext')
  // Type-1 (signature) padding, 00 01 ff.. 00: well-formed RSA, wrong block type.
  const signed = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(TEST_AADHAAR)).toString('base64')
  t.equal(decryptField(privateKey, signed), undefined, 'block type 1')
  t.equal(decryptField(privateKey, ''), undefined)
  t.equal(decryptField(privateKey, 'abc'), undefined, 'not base64')
})

test('a given PEM is used, so a restarted simulator keeps its public key', async (t) => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString()
  const a = await startSimulator({ privateKeyPem: pem })
  const b = await startSimulator({ privateKeyPem: pem, developerKey: 'dk', accessKey: 'ak', initiatorId: '9000000001' })
  t.teardown(async () => { await a.close(); await b.close() })
  t.equal(a.publicKeyDer, b.publicKeyDer)
  t.match(a, { developerKey: /^[0-9a-f]{32}$/, accessKey: /^[0-9a-f-]{36}$/, initiatorId: '9962981729', baseUrl: /^http:\/\/127\.0\.0\.1:[0-9]+\/ekoapi\/v3$/ })
  t.match(b, { developerKey: 'dk', accessKey: 'ak', initiatorId: '9000000001' })
})
