import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto'
import { test } from 'tap'
import { pino } from 'pino'
import { MockAgent, request } from 'undici'
import { createEkoClient, type EkoCallResult, type EkoClient, type EkoSettings } from '../../src/eko/client.ts'
import type { EkoClock } from '../../src/eko/clock.ts'
import { startSimulator } from '../../src/simulator/index.ts'
import { captureLogs } from '../helpers/leaks.ts'

/*
 * Eko's side of every call, written out here by hand from docs/eko.md (§3 signing, §5 the calls)
 * and shared with nothing in src/: the client must send exactly this, and the simulator must
 * accept exactly this. Both reuse src/eko (sign, the variant table), so without these vectors a
 * mistake there would be made identically on both sides and every integration test would pass.
 *
 * One entry per Eko operation and variant. To add an operation: its literal method, path, body
 * and a success reply, and `call` to run it through the client.
 */

/** The known answer of docs/eko.md §3. */
const SIGNING = { accessKey: 'test-access-key-123', timestamp: 1_700_000_000_000, secretKey: '88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo=' }
const DEVELOPER_KEY = 'wire-developer-key-0001'
const INITIATOR_ID = '9962981729'
const AADHAAR = '234123412346'
/** Stands for the encrypted Aadhaar number in a vector's body; checked by decrypting it. */
const CIPHERTEXT = '<RSA PKCS#1 v1.5, base64, 172 characters>'

interface Vector {
  name: string
  variant: 'collection' | 'customer'
  method: 'POST' | 'PUT'
  /** Eko's path below the base URL (`…/ekoapi/v3`). */
  path: string
  /** The body Eko expects, field for field; every value a JSON string. */
  body: Record<string, string>
  /** Fields Eko accepts without; every other field of `body` is required. */
  optional: string[]
  /** A success reply as Eko sends it, for the client to read. */
  reply: Record<string, unknown>
  /** What the client must make of `reply`. */
  outcome: Record<string, unknown>
  /** The simulator's success reply: fresh ids, the same shape. */
  simulatorReply: Record<string, unknown>
  call (client: EkoClient, log: pino.Logger): Promise<EkoCallResult>
}

const vectors: Vector[] = [
  {
    name: 'Send OTP, collection',
    variant: 'collection',
    method: 'POST',
    path: '/user/collection/aeps-fingpay/kyc/otp',
    body: {
      initiator_id: '9962981729',
      user_code: '20810200',
      client_ref_id: 'WIRE20231114A1',
      aadhar: CIPHERTEXT,
      customer_id: '9876543210',
      latlong: '28.6139,77.2090'
    },
    optional: ['client_ref_id'],
    reply: { status: 0, response_status_id: 0, response_type_id: 1600, message: 'OTP request has been sent', data: { otp_ref_id: '2465238', reference_tid: 'EKYKF4719702240123152147525I' } },
    outcome: { ok: true, otpRefId: '2465238', referenceTid: 'EKYKF4719702240123152147525I', message: 'OTP request has been sent' },
    simulatorReply: { status: 0, response_type_id: 1600, message: 'OTP request has been sent', data: { otp_ref_id: /^[0-9]+$/, reference_tid: /^EKYKF[0-9]+I$/ } },
    call: (client, log) => client.sendOtp({ userCode: '20810200', aadhaar: AADHAAR, clientRefId: 'WIRE20231114A1', mobile: '9876543210', latlong: '28.6139,77.2090' }, log)
  },
  {
    name: 'Send OTP, customer',
    variant: 'customer',
    method: 'POST',
    path: '/customer/aeps/fingpay/kyc/otp',
    body: {
      initiator_id: '9962981729',
      user_code: '20810200',
      client_ref_id: 'WIRE20231114B2',
      aadhaar: CIPHERTEXT
    },
    optional: ['client_ref_id'],
    reply: { status: 0, response_status_id: 0, response_type_id: 1388, message: 'OTP sent successfully to Aadhaar-linked mobile number.', data: { otp_ref_id: 'OTPREF20240101001', mobile_hint: '******7890' } },
    outcome: { ok: true, otpRefId: 'OTPREF20240101001', mobileHint: '******7890' },
    simulatorReply: { status: 0, response_type_id: 1388, data: { otp_ref_id: /^OTPREF[0-9]+$/, mobile_hint: /^\*{6}[0-9]{4}$/ } },
    call: (client, log) => client.sendOtp({ userCode: '20810200', aadhaar: AADHAAR, clientRefId: 'WIRE20231114B2' }, log)
  }
]

/** The headers every call must carry, signed with the known answer. */
const SIGNED_HEADERS = {
  developer_key: DEVELOPER_KEY,
  'secret-key': SIGNING.secretKey,
  'secret-key-timestamp': String(SIGNING.timestamp),
  'content-type': 'application/json'
}

/** The client's clock, stopped at the known answer's timestamp. */
const stoppedClock: EkoClock = { now: () => SIGNING.timestamp, offsetMs: () => 0, correct: () => undefined }

function aadhaarField (body: Record<string, string>): string {
  return Object.keys(body).find(k => body[k] === CIPHERTEXT) ?? ''
}

function logger (): pino.Logger {
  return pino(captureLogs().stream)
}

for (const vector of vectors) {
  test(`client: ${vector.name} sends Eko exactly the vector's method, path, headers and body`, async (t) => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const agent = new MockAgent()
    agent.disableNetConnect()
    t.teardown(() => agent.close())
    const settings: EkoSettings = {
      EKO_BASE_URL: 'http://eko.test/ekoapi/v3',
      EKO_API_VARIANT: vector.variant,
      EKO_DEVELOPER_KEY: DEVELOPER_KEY,
      EKO_ACCESS_KEY: SIGNING.accessKey,
      EKO_INITIATOR_ID: INITIATOR_ID,
      EKO_TIMEOUT_MS: 2000
    }
    const client = createEkoClient({ settings, publicKey, dispatcher: agent, clock: stoppedClock })
    let seen: { headers: Record<string, string>, body: string } | undefined
    agent.get('http://eko.test').intercept({ path: `/ekoapi/v3${vector.path}`, method: vector.method }).reply(200, (opts) => {
      seen = { headers: opts.headers as Record<string, string>, body: String(opts.body) }
      return vector.reply
    })

    const result = await vector.call(client, logger())
    t.same(agent.pendingInterceptors(), [], `${vector.method} ${vector.path} was called`)
    t.match(seen?.headers, SIGNED_HEADERS, 'the known-answer signature and Eko\'s headers')
    t.notOk(Object.values(seen?.headers ?? {}).includes(SIGNING.accessKey), 'the access key itself is never sent')

    const sent = JSON.parse(seen?.body ?? '{}') as Record<string, unknown>
    const field = aadhaarField(vector.body)
    const ciphertext = String(sent[field])
    t.match(ciphertext, /^[A-Za-z0-9+/]{171}=$/, `${field}: 172 characters of base64`)
    const plain = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(ciphertext, 'base64')).toString('utf8')
    t.equal(plain, AADHAAR, `${field}: the Aadhaar digits under RSA PKCS#1 v1.5`)
    t.same({ ...sent, [field]: CIPHERTEXT }, vector.body, 'the body is the vector\'s, field for field, nothing more')
    t.match(result.outcome, vector.outcome, 'and Eko\'s success reply is read as success')
  })

  test(`simulator: ${vector.name} accepts exactly the vector, signed with the known answer, and refuses it changed`, async (t) => {
    const sim = await startSimulator({
      developerKey: DEVELOPER_KEY,
      accessKey: SIGNING.accessKey,
      initiatorId: INITIATOR_ID,
      // Eko's clock at the known answer's timestamp, so the literal signature is current.
      clockOffsetMs: SIGNING.timestamp - Date.now()
    })
    t.teardown(() => sim.close())
    const key = createPublicKey({ key: Buffer.from(sim.publicKeyDer, 'base64'), format: 'der', type: 'spki' })
    const encrypted = () => publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(AADHAAR, 'utf8')).toString('base64')
    const field = aadhaarField(vector.body)
    const send = async (body: Record<string, string>, headers: Record<string, string> = SIGNED_HEADERS, method: string = vector.method) => {
      const res = await request(`${sim.origin}/ekoapi/v3${vector.path}`, { method: method as 'POST', headers, body: JSON.stringify(body) })
      const text = await res.body.text()
      return { status: res.statusCode, text, json: (() => { try { return JSON.parse(text) } catch { return undefined } })() }
    }
    const body = () => ({ ...vector.body, [field]: encrypted() })

    const ok = await send(body())
    t.equal(ok.status, 200, 'HTTP 200')
    t.match(ok.json, vector.simulatorReply, 'Eko\'s success envelope')
    t.match(sim.calls.at(-1), { userCode: '20810200', clientRefId: vector.body.client_ref_id, aadhaarLast4: AADHAAR.slice(-4), ekoStatus: 0 }, 'the simulator decrypted the Aadhaar number')

    const wrongSignature = await send(body(), { ...SIGNED_HEADERS, 'secret-key': SIGNING.secretKey.replace('88', '89') })
    t.equal(wrongSignature.status, 403, 'a signature other than the known answer: 403')
    const wrongTimestamp = await send(body(), { ...SIGNED_HEADERS, 'secret-key-timestamp': String(SIGNING.timestamp + 1) })
    t.equal(wrongTimestamp.status, 403, 'the known answer with another timestamp: 403')
    const otherMethod = await send(body(), SIGNED_HEADERS, vector.method === 'POST' ? 'PUT' : 'POST')
    t.equal(otherMethod.status, 405, `only ${vector.method}`)

    for (const name of Object.keys(vector.body).filter(k => !vector.optional.includes(k))) {
      const without: Record<string, string> = body()
      delete without[name]
      const res = await send(without)
      t.match(res.json, { status: 97, invalid_params: { [name]: String } }, `without ${name}: status 97 naming it`)
    }
    for (const name of vector.optional) {
      const without: Record<string, string> = body()
      delete without[name]
      t.match((await send(without)).json, { status: 0 }, `without ${name}: still accepted`)
    }
  })
}
