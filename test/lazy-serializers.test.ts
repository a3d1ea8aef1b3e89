import { test } from 'tap'
import { lazySerializers } from '../src/lazy-serializers.ts'
import { build, type Built, type Reply } from './helpers/build.ts'
import { assertNoLeaks } from './helpers/leaks.ts'

const route = (schema: unknown) => ({ method: 'GET', url: '/x', httpStatus: '200', schema })

test('a serializer is compiled at its first use, and writes only what the schema allows', async (t) => {
  const compileFor = lazySerializers()(undefined, undefined)
  const serialize = compileFor(route({ type: 'object', properties: { status: { type: 'string' } } }))
  t.equal(serialize({ status: 'ok', secret: 'dropped' }), '{"status":"ok"}', 'properties outside the schema are never written')
  t.equal(serialize({ status: 'again' }), '{"status":"again"}')

  const broken = compileFor(route({ type: 'object', properties: { status: { type: 'no-such-type' } } }))
  t.throws(() => broken({ status: 'ok' }), 'a schema fast-json-stringify refuses fails at its first use, not before')
})

/** An answer with what differs from one request to the next (ids, references, the mobile's last digits) set aside. */
function comparable (reply: Reply): unknown {
  const { requestId, otpRefId, referenceTid, clientRefId, mobileHint, ...rest } = reply.json
  return { status: reply.status, body: rest, fields: Object.keys(reply.json).sort(), contentType: reply.headers['content-type'] }
}

async function answers (s: Built): Promise<unknown[]> {
  return [
    await s.call('GET', '/health/ready'),
    await s.call('GET', '/health/live'),
    await s.post('20810200', s.body()),
    await s.post('20810200', s.body({ aadhaar: '1234' })),
    await s.post('20810200', s.body(), { authorization: '' }),
    await s.call('GET', '/no-such-route')
  ].map(comparable)
}

test('production (serializers compiled on first use) answers as development and tests do (compiled at start)', async (t) => {
  const atStart = await answers(await build(t))
  const onFirstUse = await answers(await build(t, { config: { NODE_ENV: 'production' } }))
  t.same(onFirstUse, atStart)
  t.match(atStart[2], { status: 200, body: { message: 'OTP request has been sent' } }, 'an OTP was sent, so the success schema was used')
})

test('no secret in any log line', async (t) => assertNoLeaks(t))
