import { constants, createPublicKey, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto'
import { test } from 'tap'
import { pino } from 'pino'
import { MockAgent, request } from 'undici'
import { createEkoClient, type EkoCallResult, type EkoClient, type EkoSettings } from '../../src/eko/client.ts'
import type { EkoClock } from '../../src/eko/clock.ts'
import { operations } from '../../src/eko/operations.ts'
import { startSimulator } from '../../src/simulator/index.ts'
import { captureLogs } from '../helpers/leaks.ts'

/*
 * Eko's side of every call on the wire, written out here by hand from docs/eko.md (§3 signing,
 * §5 the calls) and shared with nothing in src/: the client must send exactly this, signed with
 * the known answer, and the simulator must accept exactly this. Both use src/eko/sign.ts, so
 * without the known answer a mistake there would be made on both sides and every integration
 * test would still agree. (test/eko/operations.test.ts checks the operation table's body
 * builders on their own; this checks what actually leaves the client.)
 *
 * One entry per Eko call and variant; a new call is one more entry.
 */

/** The known answer of docs/eko.md §3. */
const SIGNING = { accessKey: 'test-access-key-123', timestamp: 1_700_000_000_000, secretKey: '88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo=' }
const DEVELOPER_KEY = 'wire-developer-key-0001'
const INITIATOR_ID = '9962981729'
const AADHAAR = '234123412346'
const OTP = '012345'
const PID = '<PidData><Resp errCode="0" errInfo="Capture Success" fCount="1" fType="2" nmPoints="32" qScore="72"/><Data type="X">AAAA</Data></PidData>'
/** Stands for the encrypted Aadhaar number in a vector's body; checked by decrypting it. */
const CIPHERTEXT = '<RSA PKCS#1 v1.5, base64, 172 characters>'

const agent = { userCode: '20810200', aadhaar: AADHAAR, mobile: '9876543210', latlong: '28.6139,77.2090' }

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
  /** Fields whose values come from the previous step's reply, when run against the simulator. */
  carried: string[]
  /** A success reply as Eko sends it, for the client to read ... */
  reply: Record<string, unknown>
  /** ... and what the client must make of it. */
  outcome: Record<string, unknown>
  /** The simulator's success reply: fresh ids, the same shape. */
  simulatorReply: Record<string, unknown>
  call (client: EkoClient, log: pino.Logger): Promise<EkoCallResult>
}

const vectors: Vector[] = [
  {
    name: 'Send OTP, customer',
    variant: 'customer',
    method: 'POST',
    path: '/customer/aeps/fingpay/kyc/otp',
    body: { initiator_id: '9962981729', user_code: '20810200', client_ref_id: 'WIRE20231114B2', aadhaar: CIPHERTEXT },
    optional: ['client_ref_id'],
    carried: [],
    reply: { status: 0, response_status_id: 0, response_type_id: 1388, message: 'OTP sent successfully to Aadhaar-linked mobile number.', data: { otp_ref_id: 'OTPREF20240101001', mobile_hint: '******7890' } },
    outcome: { ok: true, value: { otpRefId: 'OTPREF20240101001', mobileHint: '******7890' } },
    simulatorReply: { status: 0, response_type_id: 1388, data: { otp_ref_id: /^OTPREF[0-9]+$/, mobile_hint: /^\*{6}[0-9]{4}$/ } },
    call: (client, log) => client.call(operations.customer.sendOtp!, { ...agent, mobile: undefined, latlong: undefined, clientRefId: 'WIRE20231114B2' }, log)
  },
  // The `collection` calls, in the order of the flow: against the simulator each carries the
  // references the previous one returned.
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
    carried: [],
    reply: { status: 0, response_status_id: 0, response_type_id: 1600, message: 'OTP request has been sent', data: { otp_ref_id: '2465238', reference_tid: 'EKYKF4719702240123152147525I' } },
    outcome: { ok: true, value: { otpRefId: '2465238', referenceTid: 'EKYKF4719702240123152147525I' }, message: 'OTP request has been sent' },
    simulatorReply: { status: 0, response_type_id: 1600, message: 'OTP request has been sent', data: { otp_ref_id: /^[0-9]+$/, reference_tid: /^EKYKF[0-9]+I$/ } },
    call: (client, log) => client.call(operations.collection.sendOtp!, { ...agent, clientRefId: 'WIRE20231114A1' }, log)
  },
  {
    name: 'Verify OTP',
    variant: 'collection',
    method: 'PUT',
    path: '/user/collection/aeps-fingpay/kyc/otp/verify',
    body: {
      initiator_id: '9962981729',
      user_code: '20810200',
      client_ref_id: 'WIRE20231114C3',
      aadhar: CIPHERTEXT,
      customer_id: '9876543210',
      latlong: '28.6139,77.2090',
      otp: '012345',
      otp_ref_id: '2465238',
      reference_tid: 'EKYKF4719702240123152147525I'
    },
    optional: ['client_ref_id'],
    carried: ['otp_ref_id', 'reference_tid'],
    reply: { status: 0, response_status_id: 0, response_type_id: 1604, message: 'Validation successful', data: { otp_ref_id: '2465238', reference_tid: 'EKYKF4719702240123152199999I' } },
    outcome: { ok: true, value: { otpRefId: '2465238', referenceTid: 'EKYKF4719702240123152199999I' }, message: 'Validation successful' },
    simulatorReply: { status: 0, response_type_id: 1604, data: { reference_tid: String } },
    call: (client, log) => client.call(operations.collection.verifyOtp!, { ...agent, clientRefId: 'WIRE20231114C3', otp: OTP, otpRefId: '2465238', referenceTid: 'EKYKF4719702240123152147525I' }, log)
  },
  {
    name: 'Biometric eKYC',
    variant: 'collection',
    method: 'PUT',
    path: '/user/collection/aeps-fingpay/kyc/biometric',
    body: {
      initiator_id: '9962981729',
      user_code: '20810200',
      client_ref_id: 'WIRE20231114D4',
      aadhar: CIPHERTEXT,
      customer_id: '9876543210',
      latlong: '28.6139,77.2090',
      piddata: PID,
      bank_code: 'HDFC',
      otp_ref_id: '2465238',
      reference_tid: 'EKYKF4719702240123152199999I'
    },
    optional: ['client_ref_id'],
    carried: ['otp_ref_id', 'reference_tid'],
    reply: { status: 0, response_status_id: 0, response_type_id: 1605, message: 'Congratulations! eKYC successful', data: {} },
    outcome: { ok: true, message: 'Congratulations! eKYC successful' },
    simulatorReply: { status: 0, response_type_id: 1605 },
    call: (client, log) => client.call(operations.collection.biometric!, { ...agent, clientRefId: 'WIRE20231114D4', pidData: PID, bankCode: 'HDFC', otpRefId: '2465238', referenceTid: 'EKYKF4719702240123152199999I' }, log)
  },
  {
    name: 'daily authentication',
    variant: 'collection',
    method: 'PUT',
    path: '/user/collection/aeps-fingpay/kyc/biometric/daily',
    body: {
      initiator_id: '9962981729',
      user_code: '20810200',
      client_ref_id: 'WIRE20231114E5',
      aadhar: CIPHERTEXT,
      customer_id: '9876543210',
      latlong: '28.6139,77.2090',
      piddata: PID,
      bank_code: 'HDFC'
    },
    optional: ['client_ref_id'],
    carried: [],
    reply: { status: 0, response_status_id: 0, response_type_id: 1713, message: 'Daily authentication successful', data: {} },
    outcome: { ok: true },
    simulatorReply: { status: 0, response_type_id: 1713 },
    call: (client, log) => client.call(operations.collection.dailyAuth!, { ...agent, clientRefId: 'WIRE20231114E5', pidData: PID, bankCode: 'HDFC' }, log)
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

for (const vector of vectors) {
  test(`client: ${vector.name} sends Eko exactly the vector's method, path, headers and body`, async (t) => {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const mock = new MockAgent()
    mock.disableNetConnect()
    t.teardown(() => mock.close())
    const settings: EkoSettings = {
      EKO_BASE_URL: 'http://eko.test/ekoapi/v3',
      EKO_API_VARIANT: vector.variant,
      EKO_DEVELOPER_KEY: DEVELOPER_KEY,
      EKO_ACCESS_KEY: SIGNING.accessKey,
      EKO_INITIATOR_ID: INITIATOR_ID,
      EKO_TIMEOUT_MS: 2000
    }
    const client = createEkoClient({ settings, publicKey, dispatcher: mock, clock: stoppedClock })
    let seen: { headers: Record<string, string>, body: string } | undefined
    mock.get('http://eko.test').intercept({ path: `/ekoapi/v3${vector.path}`, method: vector.method }).reply(200, (opts) => {
      seen = { headers: opts.headers as Record<string, string>, body: String(opts.body) }
      return vector.reply
    })

    const result = await vector.call(client, pino(captureLogs().stream))
    t.same(mock.pendingInterceptors(), [], `${vector.method} ${vector.path} was called`)
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
}

test('simulator: accepts exactly the vectors, signed with the known answer, in the order of the flow, and refuses them changed', async (t) => {
  const sim = await startSimulator({
    developerKey: DEVELOPER_KEY,
    accessKey: SIGNING.accessKey,
    initiatorId: INITIATOR_ID,
    otp: OTP,
    // Eko's clock at the known answer's timestamp, so the literal signature is current.
    clockOffsetMs: SIGNING.timestamp - Date.now()
  })
  t.teardown(() => sim.close())
  const key = createPublicKey({ key: Buffer.from(sim.publicKeyDer, 'base64'), format: 'der', type: 'spki' })
  const encrypted = () => publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(AADHAAR, 'utf8')).toString('base64')
  let previous: Record<string, string> = {}

  for (const vector of vectors) {
    const field = aadhaarField(vector.body)
    const send = async (body: Record<string, string>, headers: Record<string, string> = SIGNED_HEADERS, method: string = vector.method) => {
      const res = await request(`${sim.origin}/ekoapi/v3${vector.path}`, { method: method as 'POST', headers, body: JSON.stringify(body) })
      const text = await res.body.text()
      let json: Record<string, unknown> | undefined
      try { json = JSON.parse(text) } catch {}
      return { status: res.statusCode, json }
    }
    const carried = Object.fromEntries(vector.carried.map(name => [name, previous[name] ?? '']))
    const body = () => ({ ...vector.body, ...carried, [field]: encrypted() })

    // Refusals first: none of them moves the agent along the flow.
    t.equal((await send(body(), { ...SIGNED_HEADERS, 'secret-key': SIGNING.secretKey.replace('88', '89') })).status, 403, `${vector.name}: another signature: 403`)
    t.equal((await send(body(), { ...SIGNED_HEADERS, 'secret-key-timestamp': String(SIGNING.timestamp + 1) })).status, 403, `${vector.name}: the known answer with another timestamp: 403`)
    t.equal((await send(body(), SIGNED_HEADERS, vector.method === 'POST' ? 'PUT' : 'POST')).status, 405, `${vector.name}: only ${vector.method}`)
    for (const name of Object.keys(vector.body).filter(k => !vector.optional.includes(k))) {
      const without: Record<string, string> = body()
      delete without[name]
      t.match((await send(without)).json, { status: 97, invalid_params: { [name]: String } }, `${vector.name}: without ${name}, status 97 naming it`)
    }

    const ok = await send(body())
    t.equal(ok.status, 200, `${vector.name}: HTTP 200`)
    t.match(ok.json, vector.simulatorReply, `${vector.name}: Eko's success envelope`)
    t.match(sim.calls.at(-1), { userCode: '20810200', clientRefId: vector.body.client_ref_id, aadhaarLast4: AADHAAR.slice(-4), ekoStatus: 0 }, `${vector.name}: the simulator decrypted the Aadhaar number`)
    const data = (ok.json?.data ?? {}) as Record<string, string>
    previous = { ...previous, ...data }
  }
})
