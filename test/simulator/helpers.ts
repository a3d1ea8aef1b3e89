import { constants, createPublicKey, generateKeyPairSync, publicEncrypt } from 'node:crypto'
import { request } from 'undici'
import { sign } from '../../src/eko/sign.ts'
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts'

interface Tap { teardown (fn: () => unknown): void }

export async function build (t: Tap, opts: SimulatorOptions = {}): Promise<Simulator> {
  const sim = await startSimulator(opts)
  t.teardown(() => sim.close())
  return sim
}

// Verhoeff tables, to make up a test Aadhaar number that is well formed but belongs to no one.
const D = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1], [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]
const P = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4], [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7], [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1], [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]]
const INV = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]

export function withVerhoeff (base: string): string {
  let c = 0
  const digits = [...base].reverse().map(Number)
  digits.forEach((d, i) => { c = D[c]![P[(i + 1) % 8]![d]!]! })
  return base + String(INV[c])
}

export const TEST_AADHAAR = withVerhoeff('23456789012')

export function encrypt (publicKeyDer: string, digits = TEST_AADHAAR): string {
  const key = createPublicKey({ key: Buffer.from(publicKeyDer, 'base64'), format: 'der', type: 'spki' })
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(digits)).toString('base64')
}

export function foreignKeyDer (): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
  return publicKey.export({ format: 'der', type: 'spki' }).toString('base64')
}

export function headers (sim: Simulator, over: { timestampMs?: number, accessKey?: string, developerKey?: string } = {}): Record<string, string> {
  return {
    developer_key: over.developerKey ?? sim.developerKey,
    ...sign(over.accessKey ?? sim.accessKey, over.timestampMs ?? Date.now()),
    'content-type': 'application/json'
  }
}

export function collectionBody (sim: Simulator, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    initiator_id: sim.initiatorId,
    user_code: '20810200',
    aadhar: encrypt(sim.publicKeyDer),
    customer_id: '6111111111',
    latlong: '28.6139,77.2090',
    client_ref_id: 'A1B2C3D4E5F6G7H8J9K0',
    ...over
  }
}

export function customerBody (sim: Simulator, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { initiator_id: sim.initiatorId, user_code: '20810200', client_ref_id: 'REQ-20260101-001', aadhaar: encrypt(sim.publicKeyDer), ...over }
}

export const PATHS = { collection: '/user/collection/aeps-fingpay/kyc/otp', customer: '/customer/aeps/fingpay/kyc/otp' } as const

/** A correctly signed Send OTP call; `over` replaces body fields, `headers` replaces headers. */
export async function sendOtp (sim: Simulator, variant: keyof typeof PATHS, over: Record<string, unknown> = {}, extra: { headers?: Record<string, string>, headersTimeout?: number } = {}) {
  const body = variant === 'collection' ? collectionBody(sim, over) : customerBody(sim, over)
  const res = await request(sim.baseUrl + PATHS[variant], {
    method: 'POST',
    headers: { ...headers(sim), ...extra.headers },
    body: JSON.stringify(body),
    ...(extra.headersTimeout === undefined ? {} : { headersTimeout: extra.headersTimeout })
  })
  const text = await res.body.text()
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) }
}
