import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { VariantName } from '../../eko/operations.ts'
import { createCooldown } from './cooldown.ts'
import dailyAuthRoute from './daily-auth.ts'
import biometricRoute from './ekyc-biometric.ts'
import journalRoute from './ekyc-journal.ts'
import ekycOtpRoute from './ekyc-otp.ts'
import verifyOtpRoute from './ekyc-otp-verify.ts'
import { createIdempotency } from './idempotency.ts'
import { createJournal } from './journal.ts'
import { createOtpAttempts } from './otp-attempts.ts'
import { createStepRunner } from './step.ts'

export interface AgentRoutesOptions {
  variant: VariantName
  /** OTP_COOLDOWN_SECONDS: least time between two sends for one agent; 0 turns it off. */
  cooldownSeconds: number
  /** EKO_TIMEOUT_MS: an in-flight claim (cooldown, Idempotency-Key) must outlive one whole Eko call. */
  ekoTimeoutMs: number
  /** OTP_VERIFY_MAX_ATTEMPTS: wrong OTPs per OTP reference. */
  maxOtpAttempts: number
  /** EKYC_JOURNAL_DAYS. */
  journalDays: number
}

/** Added to the Eko deadline for in-flight claims: the call's own overhead, the store's round trips. */
const IN_FLIGHT_MARGIN_MS = 5000

/**
 * The agent's eKYC: Send OTP → Verify OTP → Biometric, the daily authentication, and the journal.
 * One Idempotency-Key store (scoped per caller and route), one journal, one step runner; each
 * route file holds only its schema and how its body becomes an Eko call.
 */
const agentRoutes: FastifyPluginAsyncTypebox<AgentRoutesOptions> = async (app, options) => {
  const { variant } = options
  const store = app.store
  const keys = app.keyspace
  const inFlightMs = options.ekoTimeoutMs + IN_FLIGHT_MARGIN_MS
  const idempotency = createIdempotency({ store, keys, inFlightMs })
  app.addHook('onSend', idempotency.onSend)
  const journal = createJournal({ store, keys, days: options.journalDays })
  // Eko publishes no window for "OTP already sent": our own cooldown, or a minute.
  const ekoRetryAfterSeconds = options.cooldownSeconds > 0 ? options.cooldownSeconds : 60
  const run = createStepRunner({ app, variant, idempotency, journal, ekoRetryAfterSeconds })

  const cooldown = createCooldown({ store, keys, metrics: app.metrics, seconds: options.cooldownSeconds, holdMs: inFlightMs })
  await app.register(ekycOtpRoute, { variant, run, cooldown })
  const attempts = createOtpAttempts({ store, keys, max: options.maxOtpAttempts })
  await app.register(verifyOtpRoute, { variant, run, attempts, maxAttempts: options.maxOtpAttempts })
  await app.register(biometricRoute, { variant, run })
  await app.register(dailyAuthRoute, { variant, run })
  await app.register(journalRoute, { journal, days: options.journalDays })
}

export default agentRoutes
