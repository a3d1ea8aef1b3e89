import { test } from 'tap'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { createClock, measureOffset } from '../../src/eko/clock.ts'
import { isProblem, logged, TIMEOUT_MS, timedPost } from './helpers.ts'

test('the offset is read from Date, truncated to the second, against the middle of the round trip', async (t) => {
  const sent = Date.UTC(2025, 0, 1, 12, 0, 0, 100)
  t.equal(measureOffset('Wed, 01 Jan 2025 12:01:00 GMT', sent, sent + 200), 60_000 + 500 - 200)
  t.equal(measureOffset('Wed, 01 Jan 2025 11:59:00 GMT', sent, sent + 200), -60_000 + 500 - 200)
  t.equal(measureOffset(undefined, sent, sent), undefined, 'no Date, no estimate')
  t.equal(measureOffset('yesterday-ish', sent, sent), undefined, 'an unreadable Date, no estimate')

  const clock = createClock()
  const now = Date.now()
  t.equal(clock.correct(new Date(now + 3000).toUTCString(), now, now), undefined, 'within 5 s: not a skew')
  t.equal(clock.offsetMs(), 0)
  t.match(clock.correct(new Date(now + 60_000).toUTCString(), now, now), { previousMs: 0, offsetMs: Number })
  t.ok(Math.abs(clock.offsetMs() - 60_000) <= 1000, 'adopted Eko\'s clock')
  t.ok(Math.abs(clock.now() - (Date.now() + 60_000)) <= 1000, 'and signs with it')
  t.match(clock.correct(new Date(now + 1000).toUTCString(), now, now), { offsetMs: 0 }, 'back in step: the offset returns to 0')
})

test('a skew met by several requests at once: every one is retried and succeeds, no false "check the keys"', async (t) => {
  const s = await build(t, { config: { EKO_TIMEOUT_MS: 2000 } })
  s.sim.setClockOffset(60_000)
  s.sim.setFault({ kind: 'latency', ms: 150 })
  const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => s.post(`2081030${i}`, s.body(), { authorization: `Bearer ${s.tokens.ops}` })))
  t.same(answers.map(a => a.status), Array(8).fill(200), 'all eight get their OTP')
  t.equal(s.sim.calls.filter(c => c.httpStatus === 200).length, 8, 'Eko accepted each once')
  t.equal(logged(s, /check EKO_DEVELOPER_KEY/).length, 0, 'no misleading key error')
})

for (const [name, offset, word] of [['ahead', 60_000, 'ahead of'], ['behind', -60_000, 'behind']] as const) {
  test(`Eko's clock 60 s ${name}: one 403, one re-signed retry, 200, and the offset kept`, async (t) => {
    const s = await build(t, { config: { EKO_TIMEOUT_MS: TIMEOUT_MS } })
    s.sim.setClockOffset(offset)
    const res = await timedPost(s)
    t.equal(res.status, 200, 'the caller never sees the skew')
    t.match(s.sim.calls.map(c => c.httpStatus), [403, 200], 'refused once, then accepted')
    t.ok(s.sim.calls[0]?.refusedBy, `the first was refused by the ${s.sim.calls[0]?.refusedBy} check`)
    const [warning] = logged(s, /^Eko's clock is/)
    t.ok(warning, 'a warning names the skew')
    t.equal(warning?.level, 40, 'at warn level')
    t.match(warning?.msg, new RegExp(`(59|60)\\.\\d s ${word} this host.s`))
    const skew = (warning?.eko as { clockSkewMs: number }).clockSkewMs
    t.ok(Math.abs(skew - offset) <= 1500, `clockSkewMs ${skew} is about ${offset}`)

    s.sim.calls.length = 0
    t.equal((await timedPost(s)).status, 200, 'later calls')
    t.equal(s.sim.calls.length, 1, 'are signed with the learnt offset: no 403 first')

    s.sim.setClockOffset(0)
    s.sim.calls.length = 0
    t.equal((await timedPost(s)).status, 200, 'when Eko\'s clock returns')
    t.match(s.sim.calls.map(c => c.httpStatus), [403, 200], 'the service follows it back')
  })
}

test('a 403 without skew is a configuration problem: 502 UPSTREAM_AUTH_FAILED, no retry, an error log', async (t) => {
  const s = await build(t, { config: { EKO_TIMEOUT_MS: TIMEOUT_MS } })
  s.sim.setFault({ kind: 'forbidden' })
  const res = await timedPost(s)
  isProblem(t, res, 502, 'UPSTREAM_AUTH_FAILED')
  t.equal(s.sim.calls.length, 1, 'not retried')
  t.match(logged(s, /clock agrees with ours/), [{ level: 50, msg: /check EKO_DEVELOPER_KEY and EKO_ACCESS_KEY/ }])
  t.notOk(res.text.includes('EKO_'), 'the caller is told nothing about the service\'s settings')
})

test('skewed and refused again: one retry only, then 502', async (t) => {
  const s = await build(t, { config: { EKO_TIMEOUT_MS: TIMEOUT_MS } })
  s.sim.setClockOffset(45_000)
  s.sim.setFault({ kind: 'forbidden' })
  const res = await timedPost(s)
  isProblem(t, res, 502, 'UPSTREAM_AUTH_FAILED')
  t.equal(s.sim.calls.length, 2, 'exactly one retry')
  t.equal(logged(s, /still refused the credentials after the clock correction/).length, 1)
})

test('nothing in the log or any answer leaks', async (t) => assertNoLeaks(t))
