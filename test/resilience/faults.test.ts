import { test } from 'tap'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import type { Fault } from '../../src/simulator/index.ts'
import { freePort } from '../helpers/net.ts'
import { isProblem, logged, MARGIN_MS, poolSettled, TIMEOUT_MS, timedPost } from './helpers.ts'

/*
 * Every way Eko or the network can fail, over real HTTP against the simulator: each ends in its
 * contract answer within EKO_TIMEOUT_MS plus a margin, Eko saw exactly one request (never a
 * second OTP), the pool holds nothing afterwards, and the next normal request succeeds.
 * The breaker is set out of reach here; breaker.test.ts covers it.
 */
const matrix: Array<{ name: string, fault: Fault, status: number, code: string }> = [
  { name: 'latency past the deadline', fault: { kind: 'latency', ms: 5000 }, status: 504, code: 'UPSTREAM_TIMEOUT' },
  { name: 'a body that trickles past the deadline', fault: { kind: 'trickle', bytesPerChunk: 4, intervalMs: 100 }, status: 504, code: 'UPSTREAM_TIMEOUT' },
  { name: 'reset before headers', fault: { kind: 'reset-before-headers' }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'reset mid-body', fault: { kind: 'reset-mid-body' }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'HTTP 500', fault: { kind: 'status', code: 500 }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'HTTP 502', fault: { kind: 'status', code: 502 }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'HTTP 503', fault: { kind: 'status', code: 503 }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'an nginx HTML error page (502)', fault: { kind: 'html-error', code: 502 }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'HTTP 200 with an HTML page', fault: { kind: 'non-json' }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'HTTP 200 with truncated JSON', fault: { kind: 'non-json', contentType: 'application/json' }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: 'a 10 MiB reply', fault: { kind: 'huge', bytes: 10 * 1024 * 1024 }, status: 502, code: 'UPSTREAM_ERROR' },
  { name: '403 with Eko\'s clock in step with ours', fault: { kind: 'forbidden' }, status: 502, code: 'UPSTREAM_AUTH_FAILED' }
]

test('fault matrix: a fast, correct answer, one Eko call, a clean pool, and service as usual after', async (t) => {
  const s = await build(t, { config: { EKO_TIMEOUT_MS: TIMEOUT_MS, EKO_BREAKER_FAILURES: 1000, RATE_LIMIT_MAX: 1000 } })
  for (const { name, fault, status, code } of matrix) {
    await t.test(name, async (t) => {
      s.sim.reset()
      s.sim.setFault(fault)
      const res = await timedPost(s)
      isProblem(t, res, status, code)
      t.ok(res.ms < TIMEOUT_MS + MARGIN_MS, `answered in ${res.ms} ms`)
      t.equal(s.sim.calls.length, 1, 'Eko got exactly one request')
      t.equal(s.sim.calls[0]?.fault, fault.kind, 'the fault was applied')
      t.notOk(res.text.includes('Maintenance') || res.text.includes('nginx') || res.text.includes('padding'), 'nothing of Eko\'s body reaches the caller')
      s.sim.setFault(undefined)
      t.match(await poolSettled(s), { running: 0, pending: 0, queued: 0 }, 'no request stuck in the Eko pool')
      const after = await timedPost(s)
      t.equal(after.status, 200, 'the next request succeeds')
    })
  }
})

test('connection refused: 502 UPSTREAM_ERROR after one quick retry, nothing stuck', async (t) => {
  const port = await freePort()
  const s = await build(t, { config: { EKO_TIMEOUT_MS: TIMEOUT_MS, EKO_BASE_URL: `http://127.0.0.1:${port}/ekoapi/v3` } })
  const res = await timedPost(s)
  isProblem(t, res, 502, 'UPSTREAM_ERROR')
  t.ok(res.ms < TIMEOUT_MS, `answered in ${res.ms} ms, without waiting for the deadline`)
  t.equal(logged(s, /retrying once/).length, 1, 'retried once, since nothing had been sent')
  t.match(logged(s, /^eko call$/)[0], { eko: { outcome: 'UPSTREAM_ERROR', hint: 'ECONNREFUSED' } })
  t.match(await poolSettled(s), { running: 0, pending: 0, queued: 0 })
})

test('nothing in the log or any answer leaks', async (t) => assertNoLeaks(t))
