import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleWhenResult, IsolatedCircuitError } from 'cockatiel'
import { problem } from '../errors.ts'
import type { BreakerState } from '../plugins/metrics.ts'
import type { EkoCallResult } from './client.ts'

export interface EkoBreakerOptions {
  /** Consecutive failures that open the circuit (EKO_BREAKER_FAILURES). */
  failures: number
  /** How long it stays open before one probe may pass (EKO_BREAKER_COOLDOWN_SECONDS). */
  cooldownMs: number
  /** The longest a probe can take (EKO_TIMEOUT_MS): what a caller turned away during it should wait. */
  probeMs: number
  onStateChange (state: BreakerState, last: EkoCallResult | undefined): void
}

export interface EkoBreaker {
  /** Runs the call unless the circuit is open; then throws 503 UPSTREAM_UNAVAILABLE with Retry-After. */
  run<T extends EkoCallResult> (call: () => Promise<T>): Promise<T>
  state (): BreakerState
}

const NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open'
}

/**
 * Whether a call says Eko (or the way to it) is unwell: no answer in time, no connection, a 5xx,
 * or a 200 that is not an envelope (a maintenance page, a torn or oversized body). Eko's business
 * answers (a 200 with a non-zero `status`) are Eko working. 4xx are deterministic (our keys, URL
 * or request), and 403 in particular has its own code and log line; pausing traffic would not
 * heal them and a 503 would hide what is wrong.
 */
export function isEkoFailure ({ outcome, httpStatus }: EkoCallResult): boolean {
  if (outcome.ok) return false
  if (outcome.code === 'UPSTREAM_TIMEOUT') return true
  if (outcome.code !== 'UPSTREAM_ERROR') return false
  if (httpStatus === undefined || httpStatus >= 500) return true
  return httpStatus === 200 && (outcome.ekoStatus === undefined || outcome.ekoStatus === 0)
}

/** @see https://github.com/connor4312/cockatiel#circuitbreakerpolicy */
export function createEkoBreaker (options: EkoBreakerOptions): EkoBreaker {
  const policy = circuitBreaker(handleWhenResult(r => isEkoFailure(r as EkoCallResult)), {
    halfOpenAfter: options.cooldownMs,
    breaker: new ConsecutiveBreaker(options.failures)
  })
  let openedAt = 0
  policy.onStateChange(state => {
    if (state === CircuitState.Open) openedAt = Date.now()
    const last = policy.lastFailure
    options.onStateChange(NAMES[state], last !== undefined && 'value' in last ? last.value as EkoCallResult : undefined)
  })

  function unavailable (retryAfterMs: number) {
    return problem('UPSTREAM_UNAVAILABLE', 'Eko is failing, so calls to it are paused for a short while; try again later',
      { retryAfter: retryAfterMs / 1000 })
  }

  return {
    async run (call) {
      // Cockatiel queues callers behind the half-open probe; a caller should not wait a whole
      // deadline for someone else's probe, so it is turned away at once instead.
      if (policy.state === CircuitState.HalfOpen) throw unavailable(options.probeMs)
      try {
        return await policy.execute(call) as Awaited<ReturnType<typeof call>>
      } catch (err) {
        if (err instanceof BrokenCircuitError || err instanceof IsolatedCircuitError) {
          throw unavailable(openedAt + options.cooldownMs - Date.now())
        }
        /* c8 ignore next 2: the client's call resolves for every Eko and network failure; only a bug would reject it. */
        throw err
      }
    },
    state: () => NAMES[policy.state]
  }
}
