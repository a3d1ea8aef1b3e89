import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { requireAadhaar } from '../../aadhaar/aadhaar.ts'
import { operations, type VariantName } from '../../eko/operations.ts'
import { problemResponses } from '../../problem-schema.ts'
import { withRateLimitHeaders } from '../../plugins/rate-limit.ts'
import { newClientRefId } from './client-ref.ts'
import { IdempotencyHeaders } from './idempotency.ts'
import type { OtpAttempts } from './otp-attempts.ts'
import { OtpVerified, replayableHeaders, UserCodeParams, VerifyOtpBody } from './schemas.ts'
import { requireOperation, type RunStep } from './step.ts'

export interface VerifyOtpRouteOptions {
  variant: VariantName
  run: RunStep
  attempts: OtpAttempts
  maxAttempts: number
}

/** POST /agents/{userCode}/ekyc/otp/verify: the OTP the agent received, with Send OTP's references. */
const verifyOtpRoute: FastifyPluginAsyncTypebox<VerifyOtpRouteOptions> = async (app, { variant, run, attempts, maxAttempts }) => {
  const operation = operations[variant].verifyOtp

  app.post('/agents/:userCode/ekyc/otp/verify', {
    onRequest: [app.authenticateAndLimit, app.authorizeAgent, requireOperation(operation, variant)],
    schema: {
      tags: ['eKYC'],
      operationId: 'verifyEkycOtp',
      summary: 'Step 2 of 3: verify the OTP the agent received',
      description: 'Sends the OTP with the `otpRefId` and `referenceTid` that Send OTP returned. ' +
        `At most ${maxAttempts} wrong OTPs per \`otpRefId\` (\`OTP_VERIFY_MAX_ATTEMPTS\`), each answered \`OTP_INVALID\`; after that every attempt on that \`otpRefId\` is refused with \`OTP_ATTEMPTS_EXCEEDED\` without calling Eko: send a new OTP. ` +
        'Next: the biometric step with the NEW `referenceTid` returned here.',
      security: [{ bearerAuth: [] }],
      params: UserCodeParams,
      headers: IdempotencyHeaders,
      body: VerifyOtpBody,
      response: withRateLimitHeaders({
        200: { ...OtpVerified, description: 'Eko accepted the OTP', headers: replayableHeaders },
        ...problemResponses('VALIDATION_FAILED', 'INVALID_AADHAAR', 'UNAUTHENTICATED', 'FORBIDDEN', 'AGENT_NOT_FOUND',
          'IDEMPOTENCY_IN_PROGRESS', 'EKYC_ALREADY_COMPLETED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'IDEMPOTENCY_KEY_REUSED',
          'AGENT_NOT_ACTIVATED', 'EKYC_REJECTED', 'OTP_INVALID', 'OTP_ATTEMPTS_EXCEEDED', 'OTP_RATE_LIMITED', 'NOT_IMPLEMENTED',
          'UPSTREAM_AUTH_FAILED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'INTERNAL_ERROR')
      })
    }
  }, async function verifyOtp (request, reply) {
    const { userCode } = request.params
    const body = request.body
    const aadhaar = requireAadhaar(body.aadhaar)
    const clientRefId = body.clientRefId ?? newClientRefId()
    const { otp, otpRefId, referenceTid, mobile, latlong } = body

    return await run(request, reply, {
      action: 'verify_otp',
      operation: operation!,
      input: { userCode, aadhaar, clientRefId, mobile, latlong, otp, otpRefId, referenceTid },
      givenClientRefId: body.clientRefId,
      guard: (call) => attempts.verify(userCode, otpRefId, request.log, call),
      advances: { step: 'otp_verified' },
      answer: (value, message) => ({ otpRefId: value.otpRefId ?? otpRefId, referenceTid: value.referenceTid, clientRefId, message })
    })
  })
}

export default verifyOtpRoute
