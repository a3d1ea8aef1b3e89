import { test } from 'tap'
import { request } from 'undici'
import { build, collectionBody, headers, PATHS, sendOtp } from './helpers.ts'
import type { Simulator } from '../../src/simulator/index.ts'

async function raw (sim: Simulator) {
  return request(sim.baseUrl + PATHS.collection, { method: 'POST', headers: headers(sim), body: JSON.stringify(collectionBody(sim)) })
}

test('latency delays a normal answer', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'latency', ms: 300 })
  const started = Date.now()
  const res = await sendOtp(sim, 'collection')
  t.ok(Date.now() - started >= 280, 'waited')
  t.match(res.json(), { status: 0 })
})

test('status replaces the answer, with the given body and type', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'status', code: 503, body: '{"message":"down"}', contentType: 'application/json' })
  const res = await sendOtp(sim, 'collection')
  t.equal(res.status, 503)
  t.equal(res.text, '{"message":"down"}')
  t.match(res.headers['content-type'], 'application/json')
  sim.setFault({ kind: 'status', code: 500 })
  t.equal((await sendOtp(sim, 'collection')).status, 500)
})

test('html-error, forbidden and non-json', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'html-error', code: 500 })
  const html = await sendOtp(sim, 'collection')
  t.equal(html.status, 500)
  t.match(html.text, /<title>500 Internal Server Error<\/title>/)
  sim.setFault({ kind: 'forbidden' })
  t.equal((await sendOtp(sim, 'collection')).status, 403)
  sim.setFault({ kind: 'non-json' })
  const page = await sendOtp(sim, 'collection')
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /text\/html/)
  sim.setFault({ kind: 'non-json', contentType: 'application/json' })
  const torn = await sendOtp(sim, 'collection')
  t.match(torn.headers['content-type'], /application\/json/)
  t.throws(() => torn.json(), 'labelled JSON, but not JSON')
})

test('reset-before-headers fails the request; reset-mid-body fails the body after a 200', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'reset-before-headers' })
  await t.rejects(raw(sim), { code: /ECONNRESET|UND_ERR_SOCKET/ })
  sim.setFault({ kind: 'reset-mid-body' })
  const res = await raw(sim)
  t.equal(res.statusCode, 200)
  await t.rejects(res.body.text(), 'the body never completes')
  t.match(sim.calls.map(c => c.httpStatus), [0, 200])
})

test('trickle sends a valid body slowly', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'trickle', bytesPerChunk: 40, intervalMs: 50 })
  const started = Date.now()
  const res = await sendOtp(sim, 'collection')
  const chunks = Math.ceil(Buffer.byteLength(res.text) / 40)
  t.ok(Date.now() - started >= chunks * 50 - 30, `took about ${chunks} intervals`)
  t.match(res.json(), { status: 0, response_type_id: 1600 })
})

test('huge streams a body of the asked size', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'huge', bytes: 10 * 1024 * 1024 })
  const res = await raw(sim)
  t.equal(res.statusCode, 200)
  let size = 0
  for await (const chunk of res.body) size += (chunk as Buffer).length
  t.equal(size, 10 * 1024 * 1024)
})

test('times limits a fault to the next N requests; probability 0 never fires', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'status', code: 500, times: 2 })
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await sendOtp(sim, 'collection')).status)
  t.same(statuses, [500, 500, 200])
  sim.setFault({ kind: 'status', code: 500, probability: 0 })
  t.equal((await sendOtp(sim, 'collection')).status, 200)
})

test('a global fault applies even to requests the checks refuse, and reset() clears it', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'html-error' })
  const res = await request(sim.baseUrl + '/nowhere', { method: 'POST' })
  await res.body.dump()
  t.equal(res.statusCode, 502)
  sim.reset()
  t.equal((await sendOtp(sim, 'collection')).status, 200)
})

test('close() ends a pending slow reply at once', async (t) => {
  const sim = await build(t)
  sim.setFault({ kind: 'latency', ms: 60_000 })
  const pending = raw(sim)
  await new Promise(resolve => setTimeout(resolve, 50))
  const started = Date.now()
  await sim.close()
  t.ok(Date.now() - started < 1_000)
  await t.rejects(pending)
})
