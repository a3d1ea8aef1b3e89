import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { normaliseAadhaar } from '../../aadhaar/aadhaar.ts'
import { variants, type VariantName } from '../../eko/variants.ts'
import { problem } from '../../errors.ts'
import { maskMobile, newClientRefId } from './client-ref.ts'
import { OtpSent, Problem, SendOtpBody, UserCodeParams } from './schemas.ts'

export interface EkycOtpRouteOptions {
  variant: VariantName
  /** Seconds a caller is told to wait when Eko says an OTP was already sent. */
  ekoRetryAfterSeconds: number
}

const problemResponse = (description: string) => ({ ...Problem, description })

/**
 * POST /agents/{userCode}/ekyc/otp — reads top to bottom: authenticate → authorise → validate →
 * encrypt, sign and call Eko → classify → trim → reply.
 */
const ekycOtpRoute: FastifyPluginAsyncTypebox<EkycOtpRouteOptions> = async (app, options) => {
  const variant = variants[options.variant]

  app.post('/agents/:userCode/ekyc/otp', {
    onRequest: [app.authenticate, app.authorizeAgent],
    schema: {
      tags: ['eKYC'],
      summary: 'Send the eKYC OTP to an agent',
      description: 'Starts the agent\'s one-time AePS eKYC: Eko sends an OTP to the agent\'s Aadhaar-linked mobile.',
      security: [{ bearerAuth: [] }],
      params: UserCodeParams,
      body: SendOtpBody,
      response: {
        200: { ...OtpSent, description: 'Eko accepted the request and sent the OTP' },
        400: problemResponse('VALIDATION_FAILED or INVALID_AADHAAR'),
        401: problemResponse('UNAUTHENTICATED'),
        403: problemResponse('FORBIDDEN'),
        404: problemResponse('AGENT_NOT_FOUND'),
        409: problemResponse('IDEMPOTENCY_IN_PROGRESS'),
        413: problemResponse('PAYLOAD_TOO_LARGE'),
        415: problemResponse('UNSUPPORTED_MEDIA_TYPE'),
        422: problemResponse('IDEMPOTENCY_KEY_REUSED, AGENT_NOT_ACTIVATED or EKYC_REJECTED'),
        429: problemResponse('OTP_RATE_LIMITED'),
        502: problemResponse('UPSTREAM_AUTH_FAILED or UPSTREAM_ERROR'),
        503: problemResponse('UPSTREAM_UNAVAILABLE'),
        504: problemResponse('UPSTREAM_TIMEOUT')
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

    const { outcome, latencyMs } = await app.eko.sendOtp({ userCode, aadhaar, clientRefId, mobile: body.mobile, latlong: body.latlong }, request.log)
    app.metrics.ekoCall(options.variant, outcome.ok ? 'OK' : outcome.code, latencyMs / 1000)
    if (!outcome.ok) {
      if (outcome.code === 'OTP_RATE_LIMITED') app.metrics.rateLimited('eko')
      throw problem(outcome.code, outcome.detail, outcome.code === 'OTP_RATE_LIMITED' ? { retryAfter: options.ekoRetryAfterSeconds } : {})
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
