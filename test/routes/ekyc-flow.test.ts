import { test } from 'tap'
import { build, type Built, type Reply } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { grouped } from '../helpers/aadhaar.ts'
import { testPidData } from '../helpers/pid.ts'
import { isProblem } from '../helpers/problem.ts'

// The whole eKYC through the service, over real HTTP, against the simulator following each agent.
const AGENT = '20810200'
const A = `/agents/${AGENT}`

/** One agent's fixed identity for a whole flow (Eko checks the same Aadhaar number each step). */
function agent (s: Built) {
  const who = s.body()
  return {
    who,
    send: (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => s.call('POST', `${A}/ekyc/otp`, { ...who, ...extra }, headers),
    verify: (refs: Record<string, unknown>, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      s.call('POST', `${A}/ekyc/otp/verify`, { ...who, otp: s.otp, otpRefId: refs.otpRefId, referenceTid: refs.referenceTid, ...extra }, headers),
    biometric: (refs: Record<string, unknown>, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      s.call('POST', `${A}/ekyc/biometric`, { ...who, pidData: testPidData(s.secrets), bankCode: 'HDFC', otpRefId: refs.otpRefId, referenceTid: refs.referenceTid, ...extra }, headers),
    daily: (extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
      s.call('POST', `${A}/daily-auth`, { ...who, pidData: testPidData(s.secrets), bankCode: 'HDFC', ...extra }, headers),
    journal: (headers: Record<string, string> = {}) => s.call('GET', `${A}/ekyc`, undefined, headers)
  }
}

test('an agent completes eKYC and the daily authentication through the service; the journal follows', async (t) => {
  const s = await build(t)
  const a = agent(s)

  const sent = await a.send()
  t.equal(sent.status, 200, 'Send OTP')
  const verified = await a.verify(sent.json)
  t.equal(verified.status, 200, 'Verify OTP')
  t.equal(verified.headers['cache-control'], 'no-store')
  t.match(verified.json, { otpRefId: sent.json.otpRefId, referenceTid: /^EKYK/, clientRefId: /^[A-Z0-9]{20}$/, message: 'Validation successful' })
  t.not(verified.json.referenceTid, sent.json.referenceTid, 'Eko issued a new referenceTid for the biometric step')
  t.same(Object.keys(verified.json).sort(), ['clientRefId', 'message', 'otpRefId', 'referenceTid'], 'nothing else of Eko\'s reply')

  const done = await a.biometric(verified.json, { clientRefId: 'BIO-1' })
  t.equal(done.status, 200, 'Biometric')
  t.same(done.json, { status: 'completed', clientRefId: 'BIO-1', message: 'Congratulations! eKYC successful' })
  const daily = await a.daily()
  t.equal(daily.status, 200, 'daily authentication')
  t.match(daily.json, { status: 'authenticated', clientRefId: String, message: String })
  t.equal(daily.headers['cache-control'], 'no-store')

  t.same(s.sim.calls.map(c => [c.method, c.operation, c.httpStatus, c.ekoStatus]), [
    ['POST', 'sendOtp', 200, 0], ['PUT', 'verifyOtp', 200, 0], ['PUT', 'biometric', 200, 0], ['PUT', 'dailyAuth', 200, 0]
  ], 'Eko saw the four calls in order, each accepted')
  t.ok(s.sim.calls.every(c => c.aadhaarLast4 === String(a.who.aadhaar).slice(-4)), 'each carried the agent\'s Aadhaar number, encrypted')

  const journal = await a.journal()
  t.equal(journal.status, 200)
  t.equal(journal.headers['cache-control'], 'no-store')
  t.match(journal.json, { userCode: AGENT, step: 'completed', dailyAuthDate: /^\d{4}-\d{2}-\d{2}$/ })
  const india = new Date(Date.now() + 5.5 * 3600_000).toISOString().slice(0, 10)
  t.equal(journal.json.dailyAuthDate, india, 'the India-time date')
  const events = journal.json.events as Array<Record<string, string>>
  t.same(events.map(e => [e.action, e.outcome]), [['daily_auth', 'OK'], ['biometric', 'OK'], ['verify_otp', 'OK'], ['send_otp', 'OK']], 'newest first')
  t.same(events.map(e => e.requestId), [daily, done, verified, sent].map(r => String(r.headers['x-request-id'])), 'each event names its request')
  t.ok(events.every(e => e.caller === 'agent-20810200' && !Number.isNaN(Date.parse(String(e.at)))), 'caller is the token\'s sub; at is a time')
  for (const ref of [sent.json.otpRefId, sent.json.referenceTid, verified.json.referenceTid, a.who.mobile, s.otp]) {
    t.notOk(journal.text.includes(String(ref)), 'no Eko reference, mobile or OTP in the journal')
  }
})

test('Verify OTP: a wrong OTP is OTP_INVALID with Eko\'s reason; the right one after two wrong ones still works', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const sent = await a.send()
  for (const wrong of ['11112222', '33334444']) {
    s.secrets.add(wrong)
    const res = await a.verify(sent.json, { otp: wrong })
    isProblem(t, res, 422, 'OTP_INVALID')
    t.match(res.json.detail, /Invalid OTP/, 'detail carries Eko\'s reason')
  }
  t.equal((await a.verify(sent.json)).status, 200, 'the third attempt, right, succeeds')
})

test('Verify OTP: after OTP_VERIFY_MAX_ATTEMPTS wrong OTPs, any attempt on that otpRefId is refused without calling Eko', async (t) => {
  const s = await build(t, { config: { OTP_VERIFY_MAX_ATTEMPTS: 3 } })
  const a = agent(s)
  const sent = await a.send()
  for (let i = 0; i < 3; i++) {
    const wrong = `9${i}${i}${i}5555`
    s.secrets.add(wrong)
    isProblem(t, await a.verify(sent.json, { otp: wrong }), 422, 'OTP_INVALID')
  }
  const before = s.sim.calls.length
  const right = await a.verify(sent.json)
  isProblem(t, right, 422, 'OTP_ATTEMPTS_EXCEEDED')
  t.match(right.json.detail, /send a new OTP/)
  isProblem(t, await a.verify(sent.json, { otp: '90909090' }), 422, 'OTP_ATTEMPTS_EXCEEDED')
  t.equal(s.sim.calls.length, before, 'Eko not called once the attempts are used up')

  const fresh = await a.send()
  t.equal(fresh.status, 200, 'a new OTP')
  t.equal((await a.verify(fresh.json)).status, 200, 'its own attempts: the right OTP works')
})

test('out of order: verify before any OTP, biometric before verify, daily before eKYC, a second eKYC', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const early = await a.verify({ otpRefId: '1234567', referenceTid: 'EKYKF0000000000000000000000I' })
  isProblem(t, early, 422, 'OTP_INVALID')
  t.match(early.json.detail, /OTP reference/, 'Eko says the reference is not one it issued')
  isProblem(t, await a.daily(), 422, 'DAILY_AUTH_FAILED')

  const sent = await a.send()
  const skipped = await a.biometric(sent.json)
  isProblem(t, skipped, 422, 'EKYC_REJECTED')
  t.match(skipped.json.detail, /Merchant is Inactive or Invalid Details/)
  const verified = await a.verify(sent.json)
  isProblem(t, await a.biometric({ otpRefId: sent.json.otpRefId, referenceTid: sent.json.referenceTid }), 422, 'EKYC_REJECTED')
  t.equal((await a.biometric(verified.json)).status, 200, 'with Verify OTP\'s new referenceTid it completes')

  isProblem(t, await a.send(), 409, 'EKYC_ALREADY_COMPLETED')
  isProblem(t, await a.verify(sent.json), 409, 'EKYC_ALREADY_COMPLETED')

  const journal = await a.journal()
  t.equal(journal.json.step, 'completed', 'failures after completion do not move the step back')
  t.same((journal.json.events as Array<Record<string, string>>).map(e => `${e.action} ${e.outcome}`), [
    'verify_otp EKYC_ALREADY_COMPLETED', 'send_otp EKYC_ALREADY_COMPLETED', 'biometric OK', 'biometric EKYC_REJECTED', 'verify_otp OK',
    'biometric EKYC_REJECTED', 'send_otp OK', 'daily_auth DAILY_AUTH_FAILED', 'verify_otp OTP_INVALID'
  ], 'every request that passed validation, whatever its outcome')
  t.equal(journal.json.dailyAuthDate, null, 'no successful daily authentication yet')
})

test('the PID document: refused before Eko unless it is a capture the device reported as good', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const sent = await a.send()
  const verified = await a.verify(sent.json)
  const before = s.sim.calls.length
  const cases: Array<[string, string, RegExp]> = [
    ['not XML', 'fingerprint please', /not well-formed XML/],
    ['truncated', testPidData(s.secrets).slice(0, 200), /not well-formed XML/],
    ['another root', '<Pid><Resp errCode="0"/></Pid>', /root element must be PidData/],
    ['no Resp', '<PidData><Data type="X">QUJD</Data></PidData>', /no Resp element/],
    ['a capture error', testPidData(s.secrets, '<Resp errCode="720" errInfo="Capture timed out" fCount="0"/>'), /errCode 720: Capture timed out/],
    ['a number in the device\'s words', testPidData(s.secrets, `<Resp errCode="${grouped(String(a.who.aadhaar))}" errInfo="Aadhaar ${grouped(String(a.who.aadhaar))} / ${String(a.who.mobile)} rejected"/>`), /^the fingerprint device reported a capture error \(errCode not a number: Aadhaar rejected\)/],
    ['an entity bomb', '<?xml version="1.0"?><!DOCTYPE PidData [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><PidData><Resp errCode="0"/>&b;</PidData>', /DOCTYPE/],
    ['an external entity', '<!DOCTYPE PidData [<!ENTITY x SYSTEM "file:///etc/passwd">]><PidData><Resp errCode="0"/>&x;</PidData>', /DOCTYPE/],
    ['an undeclared entity', '<PidData><Resp errCode="0"/>&x;</PidData>', /not well-formed XML/],
    ['too deep', `<PidData><Resp errCode="0"/>${'<a>'.repeat(20)}${'</a>'.repeat(20)}</PidData>`, /nested too deeply/]
  ]
  for (const [name, pidData, detail] of cases) {
    const res = await a.biometric(verified.json, { pidData })
    isProblem(t, res, 400, 'INVALID_PID_DATA')
    t.match(res.json.detail, detail, `${name}: the detail says what is wrong`)
    t.notMatch(res.json.detail, /[0-9]{3} ?[0-9]{3}/, `${name}: no number of the caller's in the detail`)
    const daily = await a.daily({ pidData })
    isProblem(t, daily, 400, 'INVALID_PID_DATA')
  }
  t.equal(s.sim.calls.length, before, 'Eko never called')
  const journal = await a.journal()
  t.equal((journal.json.events as unknown[]).length, 2, 'refused at validation: not in the journal')
  t.equal((await a.biometric(verified.json)).status, 200, 'a good capture still completes the eKYC')
})

test('400 VALIDATION_FAILED on the new routes, before Eko is called', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const refs = { otpRefId: '2465238', referenceTid: 'EKYKF4719702240123152147525I' }
  const cases: Array<[string, () => Promise<Reply>]> = [
    ['otp with letters', () => a.verify(refs, { otp: '12a456' })],
    ['otp of 3 digits', () => a.verify(refs, { otp: '123' })],
    ['otp of 9 digits', () => a.verify(refs, { otp: '123456789' })],
    ['otp as a number', () => a.verify(refs, { otp: 123456 })],
    ['otpRefId with a space', () => a.verify({ ...refs, otpRefId: '24 65' })],
    ['referenceTid too long', () => a.verify({ ...refs, referenceTid: 'T'.repeat(65) })],
    ['verify without mobile', () => a.verify(refs, { mobile: undefined })],
    ['verify without latlong', () => a.verify(refs, { latlong: undefined })],
    ['verify with an unknown field', () => a.verify(refs, { pin: '1234' })],
    ['bankCode in lower case', () => a.biometric(refs, { bankCode: 'hdfc' })],
    ['biometric without pidData', () => a.biometric(refs, { pidData: undefined })],
    ['biometric without referenceTid', () => a.biometric({ otpRefId: refs.otpRefId })],
    ['pidData over 32 KiB', () => a.biometric(refs, { pidData: `<PidData><Resp errCode="0"/><Data>${'QUJD'.repeat(8300)}</Data></PidData>` })],
    ['daily without bankCode', () => a.daily({ bankCode: undefined })],
    ['daily with otpRefId', () => a.daily({ otpRefId: '1' })],
    ['clientRefId with a dot', () => a.daily({ clientRefId: 'A.1' })]
  ]
  for (const [name, call] of cases) {
    const res = await call()
    t.equal(res.status, 400, name)
    t.equal(res.json.code, 'VALIDATION_FAILED', `${name}: code`)
  }
  const bad = await a.verify(refs, { aadhaar: '2341 2341 2345' })
  isProblem(t, bad, 400, 'INVALID_AADHAAR')
  isProblem(t, await a.daily({ aadhaar: '1234 5678 9012' }), 400, 'INVALID_AADHAAR')
  t.equal(s.sim.calls.length, 0, 'Eko never called')
})

test('body limits: 64 KiB on the biometric routes, 16 KiB elsewhere', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const refs = { otpRefId: '2465238', referenceTid: 'EKYKF4719702240123152147525I' }
  // 20 KiB of padding: over the general limit, under the biometric one (it then fails validation, not size).
  const pad = 'x'.repeat(20 * 1024)
  isProblem(t, await a.verify(refs, { pad }), 413, 'PAYLOAD_TOO_LARGE')
  t.equal((await a.biometric(refs, { pad })).json.code, 'VALIDATION_FAILED', 'biometric: 20 KiB is parsed')
  t.equal((await a.daily({ pad })).json.code, 'VALIDATION_FAILED', 'daily: 20 KiB is parsed')
  const huge = 'x'.repeat(65 * 1024)
  isProblem(t, await a.biometric(refs, { pad: huge }), 413, 'PAYLOAD_TOO_LARGE')
  isProblem(t, await a.daily({ pad: huge }), 413, 'PAYLOAD_TOO_LARGE')
  t.equal(s.sim.calls.length, 0)
})

test('who may call: the agent itself or ops; 401 without a token; 403 for another agent, before any 501 or 400', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const ops = { authorization: `Bearer ${s.tokens.ops}` }
  const other = { authorization: `Bearer ${s.tokens.other}` }
  const none = { authorization: '' }
  for (const [name, call] of [
    ['verify', (h: Record<string, string>) => a.verify({ otpRefId: '1', referenceTid: '2' }, {}, h)],
    ['biometric', (h: Record<string, string>) => a.biometric({ otpRefId: '1', referenceTid: '2' }, {}, h)],
    ['daily', (h: Record<string, string>) => a.daily({}, h)],
    ['journal', (h: Record<string, string>) => a.journal(h)]
  ] as const) {
    const unauthenticated = await call(none)
    isProblem(t, unauthenticated, 401, 'UNAUTHENTICATED')
    t.match(unauthenticated.headers['www-authenticate'], /^Bearer/, `${name}: WWW-Authenticate`)
    isProblem(t, await call(other), 403, 'FORBIDDEN')
  }
  const asOps = await a.send({}, ops)
  t.equal(asOps.status, 200, 'ops may act for the agent')
  t.equal((await a.verify(asOps.json, {}, ops)).status, 200)
  const journal = await a.journal(ops)
  t.equal(journal.status, 200, 'ops read the journal')
  t.same((journal.json.events as Array<Record<string, string>>).map(e => e.caller), ['ops-1', 'ops-1'], 'the journal names ops as the caller')
})

test('customer variant: the later steps answer 501 NOT_IMPLEMENTED without calling Eko; the journal still answers', async (t) => {
  const s = await build(t, { config: { EKO_API_VARIANT: 'customer' } })
  const a = agent(s)
  for (const res of [await a.verify({ otpRefId: '1', referenceTid: '2' }), await a.biometric({ otpRefId: '1', referenceTid: '2' }), await a.daily()]) {
    isProblem(t, res, 501, 'NOT_IMPLEMENTED')
    t.match(res.json.detail, /EKO_API_VARIANT=collection/)
  }
  isProblem(t, await s.call('POST', `${A}/ekyc/otp/verify`, {}), 501, 'NOT_IMPLEMENTED')
  isProblem(t, await s.call('POST', `${A}/ekyc/otp/verify`, 'not json', { 'content-type': 'text/plain' }), 501, 'NOT_IMPLEMENTED')
  isProblem(t, await s.call('POST', `${A}/daily-auth`, { pad: 'x'.repeat(70 * 1024) }), 501, 'NOT_IMPLEMENTED')
  isProblem(t, await a.daily({}, { authorization: `Bearer ${s.tokens.other}` }), 403, 'FORBIDDEN')
  t.equal((await s.post(AGENT, { aadhaar: a.who.aadhaar })).status, 200, 'Send OTP works')
  const journal = await a.journal()
  t.same((journal.json.events as Array<Record<string, string>>).map(e => `${e.action} ${e.outcome}`), ['send_otp OK'])
  t.equal(s.sim.calls.length, 1, 'Eko called for Send OTP only')
})

test('Idempotency-Key per route: a verify retry replays; one key on two routes is two requests', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const key = { 'idempotency-key': 'same-key-everywhere-1' }
  const sent = await a.send({}, key)
  t.equal(sent.status, 200)
  const verified = await a.verify(sent.json, {}, key)
  t.equal(verified.status, 200, 'the same key on another route is not a reuse')
  const replay = await a.verify(sent.json, {}, key)
  t.equal(replay.status, 200)
  t.equal(replay.headers['idempotent-replayed'], 'true')
  t.equal(replay.text, verified.text, 'the first answer, byte for byte')
  isProblem(t, await a.verify(sent.json, { otp: '01010101' }, key), 422, 'IDEMPOTENCY_KEY_REUSED')
  t.same(s.sim.calls.map(c => c.operation), ['sendOtp', 'verifyOtp'], 'Eko called once per route')
  const events = (await a.journal()).json.events as Array<Record<string, string>>
  t.same(events.map(e => `${e.action} ${e.outcome}`), ['verify_otp IDEMPOTENCY_KEY_REUSED', 'verify_otp OK', 'verify_otp OK', 'send_otp OK'], 'a replay is an event with the replayed outcome')
})

test('a 409 EKYC_ALREADY_COMPLETED is final: a retry with the same Idempotency-Key replays it', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const sent = await a.send()
  const verified = await a.verify(sent.json)
  t.equal((await a.biometric(verified.json)).status, 200)
  const key = { 'idempotency-key': 'after-completion-1' }
  const first = await a.send({}, key)
  isProblem(t, first, 409, 'EKYC_ALREADY_COMPLETED')
  const again = await a.send({}, key)
  t.equal(again.headers['idempotent-replayed'], 'true', 'replayed')
  t.equal(again.text, first.text)
  t.equal(s.sim.calls.length, 4, 'Eko not asked twice')
})

test('wrong OTPs for 0012345 and 12345 are one count: leading zeros do not buy more guesses', async (t) => {
  const s = await build(t, { config: { OTP_VERIFY_MAX_ATTEMPTS: 2 } })
  const a = agent(s)
  const sent = await a.send()
  const ref = String(sent.json.otpRefId)
  for (const otpRefId of [ref, `0${ref}`]) isProblem(t, await a.verify({ ...sent.json, otpRefId }, { otp: '70707070' }), 422, 'OTP_INVALID')
  isProblem(t, await a.verify({ ...sent.json, otpRefId: `00${ref}` }), 422, 'OTP_ATTEMPTS_EXCEEDED')
  s.secrets.add('70707070')
})

test('the rate limit counts each route on its own', async (t) => {
  const s = await build(t, { config: { RATE_LIMIT_MAX: 2 } })
  const a = agent(s)
  const sent = await a.send()
  await a.send()
  isProblem(t, await a.send(), 429, 'OTP_RATE_LIMITED')
  const verified = await a.verify(sent.json)
  t.equal(verified.status, 200, 'Verify OTP has its own count')
  t.equal((await a.journal()).status, 200, 'so does the journal')
})

test('the journal: 20 newest events, an agent never seen, no personal data', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const empty = await a.journal()
  t.same(empty.json, { userCode: AGENT, step: 'none', dailyAuthDate: null, events: [] }, 'nothing recorded yet')
  for (let i = 0; i < 22; i++) await a.verify({ otpRefId: `REF${i}`, referenceTid: 'T1' })
  const journal = await a.journal()
  const events = journal.json.events as Array<Record<string, string>>
  t.equal(events.length, 20, 'capped at the 20 newest')
  t.ok(events.every(e => e.action === 'verify_otp' && e.outcome === 'OTP_INVALID'))
  t.notOk(/REF2[01]|REF0\b/.test(journal.text), 'no otpRefId in the journal')
  t.equal(journal.json.step, 'none', 'failures do not move the step')
  isProblem(t, await s.call('GET', '/agents/2081020/ekyc', undefined, { authorization: `Bearer ${s.tokens.ops}` }), 400, 'VALIDATION_FAILED')
})

test('logs: one line per Eko call with its operation and otpRefId, never the OTP or the PID document', async (t) => {
  const s = await build(t)
  const a = agent(s)
  const sent = await a.send()
  await a.verify(sent.json)
  const lines = s.logs.records().filter(r => r.msg === 'eko call').map(r => r.eko as Record<string, unknown>)
  t.match(lines, [{ operation: 'sendOtp', outcome: 'OK', otpRefId: sent.json.otpRefId }, { operation: 'verifyOtp', outcome: 'OK', otpRefId: sent.json.otpRefId }])
  t.notOk(s.logs.text().includes(s.otp), 'the OTP is in no log line')
})

test('no Aadhaar number, mobile, OTP, PID document, key, signature, ciphertext or token in any log line or response', async (t) => {
  assertNoLeaks(t)
})
