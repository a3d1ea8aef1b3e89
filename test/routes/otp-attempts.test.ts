import { test, type Test } from 'tap'
import { pino } from 'pino'
import { setTimeout as sleep } from 'node:timers/promises'
import type { EkoCallResult } from '../../src/eko/client.ts'
import type { ProblemCode } from '../../src/errors.ts'
import { createOtpAttempts } from '../../src/routes/agents/otp-attempts.ts'
import { createKeyspace, createStore } from '../../src/store/index.ts'

const log = pino({ level: 'silent' })
const refused = (code: ProblemCode): EkoCallResult => ({ outcome: { ok: false, code, detail: code }, latencyMs: 1 })
const ok: EkoCallResult = { outcome: { ok: true, ekoStatus: 0, value: {}, message: 'ok' }, latencyMs: 1 }

async function setup (t: Test, max = 3) {
  const store = await createStore({})
  t.teardown(() => store.close())
  let calls = 0
  const attempts = createOtpAttempts({ store, keys: createKeyspace('attempts-test-secret'), max })
  const verify = async (result: EkoCallResult, ref = 'REF1', delayMs = 0) =>
    await attempts.verify('20810200', ref, log, async () => { calls++; if (delayMs > 0) await sleep(delayMs); return result })
  return { verify, calls: () => calls }
}

test('wrong OTPs and timeouts count; successes and Eko\'s failures give the attempt back', async (t) => {
  const s = await setup(t)
  await s.verify(ok)
  await s.verify(refused('UPSTREAM_ERROR'))
  await s.verify(refused('UPSTREAM_UNAVAILABLE'))
  await s.verify(refused('OTP_INVALID'))
  await s.verify(refused('UPSTREAM_TIMEOUT'))
  await s.verify(refused('OTP_INVALID'))
  t.equal(s.calls(), 6, 'all six reached Eko: only three counted')
  await t.rejects(s.verify(ok), { code: 'OTP_ATTEMPTS_EXCEEDED' }, 'the fourth is refused')
  t.equal(s.calls(), 6, 'without calling Eko')
  await t.resolves(s.verify(ok, 'REF2'), 'another OTP reference has its own count')
})

test('a call that throws (circuit open, store down) gives its attempt back', async (t) => {
  const store = await createStore({})
  t.teardown(() => store.close())
  const attempts = createOtpAttempts({ store, keys: createKeyspace('attempts-test-secret'), max: 1 })
  await t.rejects(attempts.verify('20810200', 'R', log, async () => { throw new Error('breaker open') }))
  await t.resolves(attempts.verify('20810200', 'R', log, async () => refused('OTP_INVALID')), 'the one attempt is still there')
  await t.rejects(attempts.verify('20810200', 'R', log, async () => ok), { code: 'OTP_ATTEMPTS_EXCEEDED' })
})

test('ten concurrent guesses: at most three reach Eko', async (t) => {
  const s = await setup(t)
  const results = await Promise.allSettled(Array.from({ length: 10 }, () => s.verify(refused('OTP_INVALID'), 'REF1', 30)))
  t.equal(s.calls(), 3, 'three calls to Eko')
  t.equal(results.filter(r => r.status === 'rejected').length, 7, 'seven refused at once')
})
