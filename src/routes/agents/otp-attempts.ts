import type { FastifyBaseLogger } from 'fastify'
import { problem } from '../../errors.ts'
import type { EkoCallResult } from '../../eko/client.ts'
import type { Keyspace, Store } from '../../store/index.ts'

/** Eko's OTPs live for minutes; a day outlives any OTP reference it could still honour. */
export const OTP_ATTEMPTS_TTL_MS = 24 * 60 * 60 * 1000

export interface OtpAttempts {
  /**
   * Runs `call` (one Verify OTP) unless `max` wrong OTPs were already sent for this OTP reference:
   * then 422 OTP_ATTEMPTS_EXCEEDED and Eko is not called. The attempt is counted in the shared
   * store before the call, so concurrent guesses on any instance cannot get past the limit, and
   * given back unless Eko refused the OTP (or may have: a timeout keeps it counted).
   */
  verify<T extends EkoCallResult> (userCode: string, otpRefId: string, log: FastifyBaseLogger, call: () => Promise<T>): Promise<T>
}

export function createOtpAttempts (options: { store: Store, keys: Keyspace, max: number }): OtpAttempts {
  const { store, keys, max } = options

  async function giveBack (key: string, log: FastifyBaseLogger): Promise<void> {
    await store.decrement(key).catch((err: Error) => log.warn({ store: { error: err.message } }, 'otp attempts: could not give back an attempt'))
  }

  return {
    async verify (userCode, otpRefId, log, call) {
      // `0012` and `12` may well be one reference to Eko: one count for both.
      const key = keys.otpAttempts(userCode, /^[0-9]+$/.test(otpRefId) ? otpRefId.replace(/^0+(?=.)/, '') : otpRefId)
      const { count } = await store.increment(key, OTP_ATTEMPTS_TTL_MS)
      if (count > max) {
        await giveBack(key, log)
        throw problem('OTP_ATTEMPTS_EXCEEDED', `the ${max} OTP attempts allowed for this OTP reference are used up (or still being checked); send a new OTP`)
      }
      let counted = false
      try {
        const result = await call()
        counted = !result.outcome.ok && (result.outcome.code === 'OTP_INVALID' || result.outcome.code === 'UPSTREAM_TIMEOUT')
        return result
      } finally {
        if (!counted) await giveBack(key, log)
      }
    }
  }
}
