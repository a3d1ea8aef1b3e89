import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { operations, type VariantName } from '../../eko/operations.ts'
import { problemResponses } from '../../problem-schema.ts'
import { withRateLimitHeaders } from '../../plugins/rate-limit.ts'
import { newClientRefId } from './client-ref.ts'
import { IdempotencyHeaders } from './idempotency.ts'
import { PID_BODY_LIMIT, validatePidBody } from './pid-body.ts'
import { DailyAuthBody, DailyAuthenticated, replayableHeaders, UserCodeParams } from './schemas.ts'
import { requireOperation, type RunStep } from './step.ts'

export interface DailyAuthRouteOptions {
  variant: VariantName
  run: RunStep
}

/** POST /agents/{userCode}/daily-auth: the fingerprint authentication Eko needs once per India-time day before AePS transactions. */
const dailyAuthRoute: FastifyPluginAsyncTypebox<DailyAuthRouteOptions> = async (app, { variant, run }) => {
  const operation = operations[variant].dailyAuth

  app.post('/agents/:userCode/daily-auth', {
    onRequest: [app.authenticateAndLimit, app.authorizeAgent, requireOperation(operation, variant)],
    bodyLimit: PID_BODY_LIMIT,
    schema: {
      tags: ['eKYC'],
      operationId: 'dailyAuthentication',
      summary: 'Authenticate the agent for today',
      description: 'Once per calendar day (India time), after the one-time eKYC is completed, the agent authenticates with a fingerprint before AePS transactions. ' +
        'The PID document is checked (well-formed XML, root `PidData`, `Resp errCode="0"`) but never decrypted, logged or stored. Bodies up to 64 KiB.',
      security: [{ bearerAuth: [] }],
      params: UserCodeParams,
      headers: IdempotencyHeaders,
      body: DailyAuthBody,
      response: withRateLimitHeaders({
        200: { ...DailyAuthenticated, description: 'Eko authenticated the agent for today', headers: replayableHeaders },
        ...problemResponses('VALIDATION_FAILED', 'INVALID_AADHAAR', 'INVALID_PID_DATA', 'UNAUTHENTICATED', 'FORBIDDEN', 'AGENT_NOT_FOUND',
          'IDEMPOTENCY_IN_PROGRESS', 'EKYC_ALREADY_COMPLETED', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'IDEMPOTENCY_KEY_REUSED',
          'AGENT_NOT_ACTIVATED', 'EKYC_REJECTED', 'DAILY_AUTH_FAILED', 'OTP_RATE_LIMITED', 'NOT_IMPLEMENTED',
          'UPSTREAM_AUTH_FAILED', 'UPSTREAM_ERROR', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'INTERNAL_ERROR')
      })
    }
  }, async function dailyAuthentication (request, reply) {
    const { userCode } = request.params
    const body = request.body
    const aadhaar = validatePidBody(body)
    const clientRefId = body.clientRefId ?? newClientRefId()
    const { mobile, latlong, pidData, bankCode } = body

    return await run(request, reply, {
      action: 'daily_auth',
      operation: operation!,
      input: { userCode, aadhaar, clientRefId, mobile, latlong, pidData, bankCode },
      givenClientRefId: body.clientRefId,
      advances: { dailyAuthenticated: true },
      answer: (_value, message) => ({ status: 'authenticated' as const, clientRefId, message })
    })
  })
}

export default dailyAuthRoute
