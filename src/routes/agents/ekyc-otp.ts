import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { normaliseAadhaar } from '../../aadhaar/aadhaar.ts'
import { variants, type VariantName } from '../../eko/variants.ts'
import { problem } from '../../errors.ts'
import { maskMobile, newClientRefId } from './client-ref.ts'
import { createCooldown } from './cooldown.ts'
import { createIdempotency, IdempotencyHeaders } from './idempotency.ts'
import { problemResponses, RequestIdHeader } from '../../problem-schema.ts'
import { OtpSent, SendOtpBody, UserCodeParams } from './schemas.ts'

export interface EkycOtpRouteOptions {
  variant: VariantName
  /** OTP_COOLDOWN_SECONDS: least time between two sends for one agent; 0 turns it off. */
  cooldownSeconds: number
  /** EKO_TIMEOUT_MS: an in-flight claim (cooldown, Idempotency-Key) must outlive one whole Eko call. */
  ekoTimeoutMs: number
}

/** Added to the Eko deadline for in-flight claims: the call's own overhead, the store's round trips. */
const IN_FLIGHT_MARGIN_MS = 5000

/**
 * POST /agents/{userCode}/ekyc/otp — reads top to bottom: authenticate and rate-limit → authorise →
 * validate → Idempotency-Key (replay, or claim) → cooldown → encrypt, sign and call Eko → classify →
 * trim → reply (and the Idempotency-Key's answer stored or released, in onSend).
 */
const ekycOtpRoute: FastifyPluginAsyncTypebox<EkycOtpRouteOptions> = async (app, options) => {
  const variant = variants[options.variant]
  // Eko publishes no window for "OTP already sent": our own cooldown, or a minute.
  const ekoRetryAfterSeconds = options.cooldownSeconds > 0 ? options.cooldownSeconds : 60
  const inFlightMs = options.ekoTimeoutMs + IN_FLIGHT_MARGIN_MS
  const idempotency = createIdempotency({ store: app.store, keys: app.keyspace, inFlightMs })
  const cooldown = createCooldown({ store: app.store, keys: app.keyspace, metrics: app.metrics, seconds: options.cooldownSeconds, holdMs: inFlightMs })
  app.addHook('onSend', idempotency.onSend)

  app.post('/agents/:userCode/ekyc/otp', {
    onRequest: [app.authenticateAndLimit, app.authorizeAgent],
    schema: {
      tags: ['eKYC'],
      operationId: 'sendEkycOtp',
      summary: 'Send the eKYC OTP to an agent',
      description: 'Starts the agent\'s one-time AePS eKYC: Eko sends an OTP to the agent\'s Aadhaar-linked mobile. ' +
        'At most one OTP per agent per cooldown (`OTP_COOLDOWN_SECONDS`) and a per-caller rate limit; both answer 429 with `Retry-After`. ' +
        'Send an `Idempotency-Key` to retry safely after a network failure: the retry gets the first answer again instead of a second OTP.',
      security: [{ bearerAuth: [] }],
      params: UserCodeParams,
      headers: IdempotencyHeaders,
      body: SendOtpBody,
      response: {
        200: {
          ...OtpSent,
          description: 'Eko accepted the request and sent the OTP',
          headers: {
            'cache-control': { type: 'string', description: 'Always `no-store`' },
            'x-request-id': RequestIdHeader,
            'idempotent-replayed': { type: 'string', description: '`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`; Eko was not called again' }
          }
        },
        // Contract §4's error table, in its order.
        ...problemResponses('VALIDATION_FAILED', 'INVALID_AADHAAR', 'UNAUTHENTICATED', 'FORBIDDEN', 'AGENT_NOT_FOUND',
          'IDEMPOTENCY_IN_PROGRESS', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'IDEMPOTENCY_KEY_REUSED',
          'AGENT_NOT_ACTIVATED', 'EKYC_REJECTED', 'OTP_RATE_LIMITED', 'UPSTREAM_AUTH_FAILED', 'UPSTREAM_ERROR',
          'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT')
      }
    }
  }, async function sendOtp (request, reply) {
    const { userCode } = request.params
    const body = request.body
    const aadhaar = normaliseAadhaar(body.aadhaar)
    if (aadhaar === undefined) throw problem('INVALID_AADHAAR', 'aadhaar is not a valid Aadhaar number (first digit 2–9, Verhoeff check digit)')
    for (const field of variant.requires) {
      if (body[field] === undefined) throw problem('VALIDATION_FAILED', `body.${field} is required`)
    }
    const clientRefId = body.clientRefId ?? newClientRefId()

    const stored = await idempotency.begin(request, { userCode, aadhaar, mobile: body.mobile, latlong: body.latlong, clientRefId: body.clientRefId })
    if (stored !== undefined) return idempotency.replay(reply, stored)

    const { outcome, latencyMs } = await cooldown.send(userCode, request.log, () =>
      app.eko.sendOtp({ userCode, aadhaar, clientRefId, mobile: body.mobile, latlong: body.latlong }, request.log))
    app.metrics.ekoCall(options.variant, outcome.ok ? 'OK' : outcome.code, latencyMs / 1000)
    if (!outcome.ok) {
      if (outcome.code === 'OTP_RATE_LIMITED') app.metrics.rateLimited('eko')
      throw problem(outcome.code, outcome.detail, outcome.code === 'OTP_RATE_LIMITED' ? { retryAfter: ekoRetryAfterSeconds } : {})
    }

    app.metrics.otpSent(options.variant)
    const mobileHint = outcome.mobileHint ?? (body.mobile === undefined ? undefined : maskMobile(body.mobile))
    reply.header('cache-control', 'no-store')
    return {
      otpRefId: outcome.otpRefId,
      ...(outcome.referenceTid === undefined ? {} : { referenceTid: outcome.referenceTid }),
      ...(mobileHint === undefined ? {} : { mobileHint }),
      clientRefId,
      message: outcome.message
    }
  })
}

export default ekycOtpRoute
