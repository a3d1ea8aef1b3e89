import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import { problem } from '../../errors.ts'
import type { EkoCallResult } from '../../eko/client.ts'
import type { Outcome } from '../../eko/operations.ts'
import type { Metrics } from '../../plugins/metrics.ts'
import type { Keyspace, Store } from '../../store/index.ts'

export interface CooldownOptions {
  store: Store
  keys: Keyspace
  metrics: Pick<Metrics, 'rateLimited'>
  /** OTP_COOLDOWN_SECONDS; 0 turns the cooldown off. */
  seconds: number
  /** How long a send may be in flight: longer than the whole Eko call, so a reservation cannot lapse under it. */
  holdMs: number
}

export interface Cooldown {
  /**
   * Runs `call` (one OTP send to Eko) unless the agent's cooldown is running (429 with the seconds
   * left). The slot is reserved atomically before the call, so concurrent sends for one agent, on
   * any instance, cannot both reach Eko; it becomes the full cooldown when Eko accepted or may
   * have (a timeout: the OTP may well have gone out), and is released otherwise.
   */
  send<T extends EkoCallResult> (userCode: string, log: FastifyBaseLogger, call: () => Promise<T>): Promise<T>
}

/**
 * Eko accepted the send, or may have: a success, a status 0 whose reply lacked the reference (the
 * OTP went out), or no answer in time (nobody knows; a second OTP is the worse mistake).
 */
function maybeSent (outcome: Outcome<unknown>): boolean {
  return outcome.ok || outcome.ekoStatus === 0 || outcome.code === 'UPSTREAM_TIMEOUT'
}

export function createCooldown (options: CooldownOptions): Cooldown {
  const { store, keys, metrics, seconds, holdMs } = options
  const cooldownMs = seconds * 1000

  /** The OTP is out (or not) whatever the store says now: a failure here is logged, never answered. */
  async function settle (key: string, hold: string, sent: boolean, log: FastifyBaseLogger): Promise<void> {
    const settled = sent ? store.replaceIf(key, hold, 'sent', cooldownMs) : store.deleteIf(key, hold)
    await settled.then(
      (done) => { if (sent && !done) log.warn({ store: store.backend }, 'cooldown: the reservation was gone (store restarted?); this agent\'s cooldown did not start') },
      (err: Error) => log.warn({ store: { error: err.message } }, `cooldown: could not ${sent ? 'start' : 'release'} the agent's cooldown`))
  }

  return {
    async send (userCode, log, call) {
      if (seconds === 0) return await call()
      const key = keys.cooldown(userCode)
      const hold = `sending:${randomUUID()}`
      const running = await store.putIfAbsent(key, hold, holdMs)
      if (running !== undefined) {
        metrics.rateLimited('cooldown')
        const wait = Math.min(running.ttlMs, cooldownMs) / 1000
        throw problem('OTP_RATE_LIMITED', `an OTP was sent to this agent recently; at most one every ${seconds} s`, { retryAfter: wait })
      }
      let sent = false
      try {
        const result = await call()
        sent = maybeSent(result.outcome)
        return result
      } finally {
        await settle(key, hold, sent, log)
      }
    }
  }
}
