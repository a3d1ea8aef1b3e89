import { readFileSync } from 'node:fs'
import { test } from 'tap'
import { scenarios } from '../../src/simulator/index.ts'
import { build, sendOtp } from './helpers.ts'

test('business scenarios answer HTTP 200 with Eko\'s envelope', async (t) => {
  const sim = await build(t)
  const expected: Record<string, object> = {
    99990463: { status: 463, message: 'User not found' },
    99991297: { status: 1297 },
    99990346: { status: 346, response_type_id: 346, message: 'Agent not allowed to this transaction' },
    99990429: { status: 1, message: 'OTP already sent. Please try after some time' },
    99990461: { status: 461, data: { reason: 'Merchant is Inactive or Invalid Details' } },
    99990585: { status: 585 },
    99990999: { status: 999, message: String }
  }
  for (const [userCode, envelope] of Object.entries(expected)) {
    for (const variant of ['collection', 'customer'] as const) {
      const res = await sendOtp(sim, variant, { user_code: userCode })
      t.equal(res.status, 200, `${userCode} ${variant}: HTTP 200`)
      t.match(res.json(), { response_status_id: Number, response_type_id: Number, data: Object, ...envelope }, `${userCode} ${variant}`)
    }
  }
})

test('"Aadhaar not eligible" is the customer variant\'s; the collection variant succeeds', async (t) => {
  const sim = await build(t)
  t.match((await sendOtp(sim, 'customer', { user_code: '99990422' })).json(), { status: 1390, message: 'Aadhaar not eligible for eKYC' })
  t.match((await sendOtp(sim, 'collection', { user_code: '99990422' })).json(), { status: 0 })
})

test('fault scenarios misbehave as their table row says', async (t) => {
  const sim = await build(t)
  const http = async (userCode: string) => sendOtp(sim, 'collection', { user_code: userCode })
  t.equal((await http('99995000')).status, 500)
  const badGateway = await http('99995020')
  t.equal(badGateway.status, 502)
  t.match(badGateway.headers['content-type'], /text\/html/)
  t.equal((await http('99995030')).status, 503)
  t.equal((await http('99990403')).status, 403)
  const notJson = await http('99995999')
  t.equal(notJson.status, 200)
  t.throws(() => notJson.json(), 'the body is not JSON')
  await t.rejects(http('99995100'), 'reset before headers')
  await t.rejects(http('99995101'), 'reset mid body')
  const started = Date.now()
  await t.rejects(sendOtp(sim, 'collection', { user_code: '99990408' }, { headersTimeout: 300 }), { code: 'UND_ERR_HEADERS_TIMEOUT' },
    'no answer within a service timeout')
  t.ok(Date.now() - started < 2_000)
  t.match(sim.calls.map(c => c.fault), ['status', 'html-error', 'status', 'forbidden', 'non-json', 'reset-before-headers', 'reset-mid-body', 'latency'])
})

test('the scenario checks come after Eko\'s own: a scenario code with a bad signature is still a 403', async (t) => {
  const sim = await build(t)
  t.equal((await sendOtp(sim, 'collection', { user_code: '99995000' }, { headers: { developer_key: 'nope' } })).status, 403)
  t.match((await sendOtp(sim, 'collection', { user_code: '99990463', latlong: '' })).json(), { status: 97 })
})

test('every scenario is in the README table, and the codes are unique 8-digit codes', async (t) => {
  const readme = readFileSync(new URL('../../src/simulator/README.md', import.meta.url), 'utf8')
  for (const s of scenarios) {
    t.match(s.userCode, /^[0-9]{8}$/)
    t.match(readme, new RegExp(`\\| \`${s.userCode}\` \\|[^\\n]*${s.service.replace(/ /g, '.*')}`), `${s.userCode} documented with ${s.service}`)
  }
  t.equal(new Set(scenarios.map(s => s.userCode)).size, scenarios.length)
})
