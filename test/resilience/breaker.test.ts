import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'tap'
import { request } from 'undici'
import { build, type Built } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { until } from '../helpers/wait.ts'
import { isProblem, logged, sample, TIMEOUT_MS, timedPost } from './helpers.ts'

// Many requests from one caller: the per-caller rate limit is not what these tests are about.
const config = { EKO_TIMEOUT_MS: TIMEOUT_MS, EKO_BREAKER_FAILURES: 3, EKO_BREAKER_COOLDOWN_SECONDS: 1, RATE_LIMIT_MAX: 1000 }
const COOLDOWN_MS = 1000

async function circuit (s: Built): Promise<Record<string, number | undefined>> {
  const text = await (await request(`${s.metricsUrl}/metrics`)).body.text()
  const states = ['closed', 'open', 'half_open'] as const
  return Object.fromEntries(states.map(state => [state, sample(text, 'eko_circuit_state', `state="${state}"`)]))
}

async function fail (s: Built, times: number): Promise<number[]> {
  const statuses: number[] = []
  for (let i = 0; i < times; i++) statuses.push((await timedPost(s)).status)
  return statuses
}

test('three 5xx in a row open the circuit: 503 with Retry-After and no call to Eko, until a probe succeeds', async (t) => {
  const s = await build(t, { config })
  t.same(await circuit(s), { closed: 1, open: 0, half_open: 0 }, 'closed at start')
  s.sim.setFault({ kind: 'status', code: 500 })
  t.same(await fail(s, 3), [502, 502, 502], 'each failure answered 502')
  t.same(await circuit(s), { closed: 0, open: 1, half_open: 0 }, 'the gauge says open')
  t.match(logged(s, /^eko circuit open/), [{ level: 40, eko: { circuit: 'open', lastFailure: { outcome: 'UPSTREAM_ERROR', httpStatus: 500 } } }], 'the change is logged')

  const refused = await timedPost(s)
  isProblem(t, refused, 503, 'UPSTREAM_UNAVAILABLE')
  t.equal(refused.headers['retry-after'], '1', 'Retry-After: the rest of the 1 s cooldown, rounded up')
  t.ok(refused.ms < 1000, `refused at once (${refused.ms} ms)`)
  t.equal(s.sim.calls.length, 3, 'Eko was not called while open')

  s.sim.setFault(undefined)
  await sleep(COOLDOWN_MS + 100)
  t.equal((await timedPost(s)).status, 200, 'after the cooldown a probe goes through')
  t.equal(s.sim.calls.length, 4)
  t.same(await circuit(s), { closed: 1, open: 0, half_open: 0 }, 'and closes the circuit')
  t.equal(logged(s, /^eko circuit half-open/).length, 1, 'half-open logged')
  t.equal(logged(s, /^eko circuit closed/).length, 1, 'closed logged')
})

test('timeouts open it too; a failed probe opens it again at once', async (t) => {
  const s = await build(t, { config })
  s.sim.setFault({ kind: 'latency', ms: 5000 })
  t.same(await fail(s, 3), [504, 504, 504], 'three timeouts')
  isProblem(t, await timedPost(s), 503, 'UPSTREAM_UNAVAILABLE')

  s.sim.setFault({ kind: 'reset-before-headers' })
  await sleep(COOLDOWN_MS + 100)
  t.equal((await timedPost(s)).status, 502, 'the probe meets a reset')
  const again = await timedPost(s)
  isProblem(t, again, 503, 'UPSTREAM_UNAVAILABLE')
  t.equal(again.headers['retry-after'], '1')
  t.equal(s.sim.calls.length, 4, 'three failures and one probe reached Eko')
  t.same(await circuit(s), { closed: 0, open: 1, half_open: 0 })
})

test('while a probe is in flight, other callers are turned away at once instead of queueing behind it', async (t) => {
  // A probe that takes 2 s within a 3 s deadline: "at once" and "behind the probe" lie seconds apart.
  const s = await build(t, { config: { ...config, EKO_TIMEOUT_MS: 3000 } })
  s.sim.setFault({ kind: 'status', code: 502 })
  await fail(s, 3)
  s.sim.setFault({ kind: 'latency', ms: 2000 })
  await sleep(COOLDOWN_MS + 100)
  const probe = timedPost(s)
  t.ok(await until(() => s.sim.calls.length === 4), 'the probe reached Eko')
  t.same(await circuit(s), { closed: 0, open: 0, half_open: 1 }, 'the gauge says half-open')
  const other = await timedPost(s)
  isProblem(t, other, 503, 'UPSTREAM_UNAVAILABLE')
  t.ok(other.ms < 1000, `turned away in ${other.ms} ms, not after the probe's 2 s`)
  t.equal(other.headers['retry-after'], '3', 'told to come back once the probe is decided: the 3 s deadline')
  t.equal((await probe).status, 200, 'the probe itself succeeds')
  t.equal((await timedPost(s)).status, 200, 'and traffic flows again')
})

test('business rejections, 4xx and 403 never open it', async (t) => {
  const s = await build(t, { config })
  const ops = { authorization: `Bearer ${s.tokens.ops}` }
  for (const [userCode, status] of [['99990461', 422], ['99990463', 404], ['99990346', 422], ['99990429', 429]] as const) {
    for (let i = 0; i < 4; i++) t.equal((await s.post(userCode, s.body(), ops)).status, status, `${userCode} → ${status}`)
  }
  s.sim.setFault({ kind: 'status', code: 404 })
  t.same(await fail(s, 4), [502, 502, 502, 502], 'Eko 404 (our URL): 502 each time')
  s.sim.setFault({ kind: 'forbidden' })
  t.same(await fail(s, 4), [502, 502, 502, 502], 'Eko 403 (our keys): 502 each time')
  s.sim.setFault(undefined)
  t.equal((await timedPost(s)).status, 200)
  t.same(await circuit(s), { closed: 1, open: 0, half_open: 0 }, 'still closed')
  t.equal(logged(s, /^eko circuit/).length, 0, 'no state change')
})

test('nothing in the log or any answer leaks', async (t) => assertNoLeaks(t))
