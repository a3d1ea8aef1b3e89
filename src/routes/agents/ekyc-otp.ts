import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAadhaar } from '../../aadhaar/aadhaar.ts'
import { operations, type VariantName } from '../../eko/operations.ts'
import { problemResponses } from '../../problem-schema.ts'
import { withRateLimitHeaders } from '../../plugins/rate-limit.ts'
import { maskMobile, newClientRefId } from './client-ref.ts'
import type { Cooldown } from './cooldown.ts'
import { IdempotencyHeaders } from './idempotency.ts'
import { OtpSent, replayableHeaders, sendOtpBody, UserCodeParams, type SendOtpBody } from './schemas.ts'
import type { RunStep } from './step.ts'

export interface EkycOtpRouteOptions {
  variant: VariantName
  run: RunStep
  cooldown: Cooldown
}

/**
 * POST /agents/{userCode}/ekyc/otp: authenticate and rate-limit → authorise → validate →
 * Idempotency-Key → the agent's cooldown → Eko's Send OTP → trim → reply.
 */
const ekycOtpRoute: FastifyPluginAsyncTypebox<EkycOtpRouteOptions> = async (app, { variant, run, cooldown }) => {
  const operation = operations[variant].sendOtp!

  app.post('/agents/:userCode/ekyc/otp', {
    onRequest: [app.authenticateAndLimit, app.authorizeAgent],
    schema: {
      tags: ['eKYC'],
      operationId: 'sendEkycOtp',
      summary: 'Step 1 of 3: send the eKYC OTP to an agent',
      description: 'Starts the agent\'s one-time AePS eKYC: Eko sends an OTP to the agent\'s Aadhaar-linked mobile. ' +
        'At most one OTP per agent per cooldown (`OTP_COOLDOWN_SECONDS`) and a per-caller rate limit; both answer 429 with `Retry-After`. ' +
        'Send an `Idempotency-Key` to retry safely after a network failure: the retry gets the first answer again instead of a second OTP. ' +
        'Next: Verify OTP with the `otpRefId` and `referenceTid` returned here.',
      security: [{ bearerAuth: [] }],
      params: UserCodeParams,
      headers: IdempotencyHeaders,
      body: sendOtpBody(variant),
      response: withRateLimitHeaders({
        200: { ...OtpSent, description: 'Eko accepted the request and sent the OTP', headers: replayableHeaders },
        ...problemResponses('VALIDATION_FAILED', 'INVALID_AADHAAR', 'UNAUTHENTICATED', 'FORBIDDEN', 'AGENT_NOT_FOUND',
          'IDEMPOTENCY_IN_PROGRESS', 'EKYC_ALREADY_COMPLETED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'IDEMPOTENCY_KEY_REUSED',
          'AGENT_NOT_ACTIVATED', 'EKYC_REJECTED', 'OTP_RATE_LIMITED', 'UPSTREAM_AUTH_FAILED', 'UPSTREAM_ERROR',
          'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'INTERNAL_ERROR')
      })
    }
  }, async function sendOtp (request, reply) {
    const { userCode } = request.params
    const body = request.body as SendOtpBody
    const aadhaar = requireAadhaar(body.aadhaar)
    const clientRefId = body.clientRefId ?? newClientRefId()
    const input = { userCode, aadhaar, clientRefId, mobile: body.mobile, latlong: body.latlong }

    return await run(request, reply, {
      action: 'send_otp',
      operation,
      input,
      givenClientRefId: body.clientRefId,
      guard: (call) => cooldown.send(userCode, request.log, call),
      advances: { step: 'otp_sent' },
      answer (value, message) {
        app.metrics.otpSent(variant)
        const mobileHint = value.mobileHint ?? (body.mobile === undefined ? undefined : maskMobile(body.mobile))
        return {
          otpRefId: value.otpRefId,
          ...(value.referenceTid === undefined ? {} : { referenceTid: value.referenceTid }),
          ...(mobileHint === undefined ? {} : { mobileHint }),
          clientRefId,
          message
        }
      }
    })
  })
}

export default ekycOtpRoute
