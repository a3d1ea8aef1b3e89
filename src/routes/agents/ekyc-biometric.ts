import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { operations, type VariantName } from '../../eko/operations.ts'
import { problemResponses } from '../../problem-schema.ts'
import { withRateLimitHeaders } from '../../plugins/rate-limit.ts'
import { newClientRefId } from './client-ref.ts'
import { IdempotencyHeaders } from './idempotency.ts'
import { PID_BODY_LIMIT, validatePidBody } from './pid-body.ts'
import { BiometricBody, EkycCompleted, replayableHeaders, UserCodeParams } from './schemas.ts'
import { requireOperation, type RunStep } from './step.ts'

export interface BiometricRouteOptions {
  variant: VariantName
  run: RunStep
}

/** POST /agents/{userCode}/ekyc/biometric: the fingerprint capture that completes the one-time eKYC. */
const biometricRoute: FastifyPluginAsyncTypebox<BiometricRouteOptions> = async (app, { variant, run }) => {
  const operation = operations[variant].biometric

  app.post('/agents/:userCode/ekyc/biometric', {
    onRequest: [app.authenticateAndLimit, app.authorizeAgent, requireOperation(operation, variant)],
    bodyLimit: PID_BODY_LIMIT,
    schema: {
      tags: ['eKYC'],
      operationId: 'completeEkycBiometric',
      summary: 'Step 3 of 3: complete the eKYC with the agent\'s fingerprint',
      description: 'Sends the PID document from the agent\'s fingerprint device with the `otpRefId` and the `referenceTid` that **Verify OTP** returned. ' +
        'The PID document is checked (well-formed XML, root `PidData`, `Resp errCode="0"`) but never decrypted, logged or stored. Bodies up to 64 KiB.',
      security: [{ bearerAuth: [] }],
      params: UserCodeParams,
      headers: IdempotencyHeaders,
      body: BiometricBody,
      response: withRateLimitHeaders({
        200: { ...EkycCompleted, description: 'Eko completed the agent\'s eKYC', headers: replayableHeaders },
        ...problemResponses('VALIDATION_FAILED', 'INVALID_AADHAAR', 'INVALID_PID_DATA', 'UNAUTHENTICATED', 'FORBIDDEN', 'AGENT_NOT_FOUND',
          'IDEMPOTENCY_IN_PROGRESS', 'EKYC_ALREADY_COMPLETED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'IDEMPOTENCY_KEY_REUSED',
          'AGENT_NOT_ACTIVATED', 'EKYC_REJECTED', 'OTP_RATE_LIMITED', 'NOT_IMPLEMENTED',
          'UPSTREAM_AUTH_FAILED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'INTERNAL_ERROR')
      })
    }
  }, async function completeBiometric (request, reply) {
    const { userCode } = request.params
    const body = request.body
    const aadhaar = validatePidBody(body)
    const clientRefId = body.clientRefId ?? newClientRefId()
    const { mobile, latlong, pidData, bankCode, otpRefId, referenceTid } = body

    return await run(request, reply, {
      action: 'biometric',
      operation: operation!,
      input: { userCode, aadhaar, clientRefId, mobile, latlong, pidData, bankCode, otpRefId, referenceTid },
      givenClientRefId: body.clientRefId,
      advances: { step: 'completed' },
      answer: (_value, message) => ({ status: 'completed' as const, clientRefId, message })
    })
  })
}

export default biometricRoute
