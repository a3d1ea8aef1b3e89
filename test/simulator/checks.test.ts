import { Readable } from 'node:stream'
import { test } from 'tap'
import { request } from 'undici'
import { build, collectionBody, encrypt, foreignKeyDer, headers, PATHS, sendOtp } from './helpers.ts'

test('the gateway refuses bad credentials with HTTP 403 and no envelope', async (t) => {
  const sim = await build(t)
  const cases: Array<[string, Record<string, string>, string]> = [
    ['wrong developer key', { developer_key: 'x'.repeat(32) }, 'developer_key'],
    ['no developer key', { developer_key: '' }, 'developer_key'],
    ['signed with another access key', headers(sim, { accessKey: 'another' }), 'secret-key'],
    ['a timestamp 31 s old', headers(sim, { timestampMs: Date.now() - 31_000 }), 'secret-key-timestamp'],
    ['a timestamp 31 s ahead', headers(sim, { timestampMs: Date.now() + 31_000 }), 'secret-key-timestamp'],
    ['a timestamp in seconds', headers(sim, { timestampMs: Math.floor(Date.now() / 1000) }), 'secret-key-timestamp'],
    ['signature of another timestamp', { 'secret-key-timestamp': String(Date.now() - 1000) }, 'secret-key']
  ]
  for (const [name, over, refusedBy] of cases) {
    sim.reset()
    const res = await sendOtp(sim, 'collection', {}, { headers: over })
    t.equal(res.status, 403, name)
    t.notMatch(res.text, /"status"/, `${name}: not an envelope`)
    t.equal(sim.calls[0]?.refusedBy, refusedBy, `${name}: refused by ${refusedBy}`)
  }
  t.equal((await sendOtp(sim, 'collection', {}, { headers: headers(sim, { timestampMs: Date.now() - 25_000 }) })).status, 200,
    'a timestamp 25 s old is within the window')
})

test('wrong path 404, wrong method 405, wrong content type 415, over 128 KiB 413', async (t) => {
  const sim = await build(t)
  const body = JSON.stringify(collectionBody(sim))
  const call = async (path: string, method: 'GET' | 'POST' | 'PUT', hdrs = headers(sim), payload: string | undefined = body) => {
    const res = await request(sim.baseUrl + path, { method, headers: hdrs, body: payload })
    return { status: res.statusCode, headers: res.headers, text: await res.body.text() }
  }
  const notFound = await call('/user/collection/aeps-fingpay/kyc/otp/', 'POST')
  t.equal(notFound.status, 404)
  t.match(notFound.text, /<html>/)
  t.equal((await call('/customer/aeps-fingpay/kyc/otp', 'POST')).status, 404, 'a path between the two variants')
  const wrongMethod = await call(PATHS.collection, 'PUT')
  t.equal(wrongMethod.status, 405)
  t.equal(wrongMethod.headers.allow, 'POST')
  t.equal((await call(PATHS.customer, 'GET', headers(sim), undefined)).status, 405)
  const form = { ...headers(sim), 'content-type': 'application/x-www-form-urlencoded' }
  t.equal((await call(PATHS.collection, 'POST', form)).status, 415)
  t.equal((await call(PATHS.collection, 'POST', { ...headers(sim), 'content-type': 'Application/JSON; charset=utf-8' })).status, 200,
    'content type parameters and case do not matter')
  t.equal((await call(PATHS.collection, 'POST', headers(sim), JSON.stringify({ pad: 'x'.repeat(135_000) }))).status, 413)
  // Chunked, so no Content-Length announces the size: counted as it arrives.
  const chunked = await request(sim.baseUrl + PATHS.collection, {
    method: 'POST',
    headers: headers(sim),
    body: Readable.from((function * () { for (let i = 0; i < 3; i++) yield Buffer.alloc(64 * 1024, 0x20) })())
  })
  t.equal(chunked.statusCode, 413, 'over 128 KiB without a Content-Length: 413 as well')
  await chunked.body.dump()
  t.equal((await call(PATHS.collection, 'POST', headers(sim), '{"user_code":')).status, 400, 'malformed JSON')
})

test('missing and malformed fields get status 97 with invalid_params', async (t) => {
  const sim = await build(t)
  const cases: Array<[string, 'collection' | 'customer', Record<string, unknown>, string]> = [
    ['no user_code', 'collection', { user_code: undefined }, 'user_code'],
    ['7-digit user_code', 'collection', { user_code: '1234567' }, 'user_code'],
    ['numeric user_code', 'collection', { user_code: 20810200 }, 'user_code'],
    ['no customer_id', 'collection', { customer_id: undefined }, 'customer_id'],
    ['9-digit customer_id', 'collection', { customer_id: '611111111' }, 'customer_id'],
    ['no latlong', 'collection', { latlong: undefined }, 'latlong'],
    ['latlong with a space', 'collection', { latlong: '28.6139, 77.2090' }, 'latlong'],
    ['latitude out of range', 'collection', { latlong: '98.6,77.2' }, 'latlong'],
    ['no aadhar', 'collection', { aadhar: undefined }, 'aadhar'],
    ['initiator not 10 digits', 'customer', { initiator_id: '99629817' }, 'initiator_id'],
    ['client_ref_id of 21 characters', 'customer', { client_ref_id: 'A'.repeat(21) }, 'client_ref_id'],
    ['customer body names the field aadhar', 'customer', { aadhaar: undefined, aadhar: encrypt(sim.publicKeyDer) }, 'aadhaar']
  ]
  for (const [name, variant, over, field] of cases) {
    const body = (await sendOtp(sim, variant, over)).json()
    t.match(body, { status: 97, response_type_id: -1, invalid_params: { [field]: String } }, name)
  }
  const many = (await sendOtp(sim, 'collection', { user_code: undefined, latlong: 'x' })).json()
  t.same(Object.keys(many.invalid_params).sort(), ['latlong', 'user_code'], 'every problem at once')
  t.match((await sendOtp(sim, 'collection', { client_ref_id: undefined })).json(), { status: 0 }, 'client_ref_id is optional')
  t.match((await sendOtp(sim, 'customer', { customer_id: undefined, latlong: undefined })).json(), { status: 0 },
    'the customer variant needs neither customer_id nor latlong')
})

test('another initiator gets status 319', async (t) => {
  const sim = await build(t)
  t.match((await sendOtp(sim, 'collection', { initiator_id: '9000000000' })).json(), { status: 319, message: 'Invalid initiator' })
})

test('an Aadhaar the private key cannot read gets status 97 on the variant\'s field', async (t) => {
  const sim = await build(t)
  const foreign = encrypt(foreignKeyDer())
  t.match((await sendOtp(sim, 'collection', { aadhar: foreign })).json(), { status: 97, invalid_params: { aadhar: String } })
  t.match((await sendOtp(sim, 'customer', { aadhaar: foreign })).json(), { status: 97, invalid_params: { aadhaar: String } })
  t.match((await sendOtp(sim, 'collection', { aadhar: 'not base64!' })).json(), { status: 97 }, 'not base64')
  t.match((await sendOtp(sim, 'collection', { aadhar: encrypt(sim.publicKeyDer, '12345') })).json(), { status: 97 }, 'not 12 digits')
  t.equal(sim.calls.at(-1)?.aadhaarLast4, undefined, 'no digits recorded for a refused Aadhaar')
})
