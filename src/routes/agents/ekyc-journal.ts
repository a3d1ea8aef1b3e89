import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { problemResponses } from '../../problem-schema.ts'
import { withRateLimitHeaders } from '../../plugins/rate-limit.ts'
import type { Journal } from './journal.ts'
import { JournalSchema, successHeaders, UserCodeParams } from './schemas.ts'

export interface JournalRouteOptions {
  journal: Journal
  days: number
}

/** GET /agents/{userCode}/ekyc: what this service saw of the agent's eKYC, for "why can't this agent finish?". */
const journalRoute: FastifyPluginAsyncTypebox<JournalRouteOptions> = async (app, { journal, days }) => {
  app.get('/agents/:userCode/ekyc', {
    onRequest: [app.authenticateAndLimit, app.authorizeAgent],
    schema: {
      tags: ['eKYC'],
      operationId: 'getEkycJournal',
      summary: 'The agent\'s eKYC journal: how far they got, and their last requests',
      description: `What this service recorded of the agent's eKYC over the last ${days} days (\`EKYC_JOURNAL_DAYS\`): the furthest step that succeeded, ` +
        'the India-time date of the last successful daily authentication, and the newest requests with their outcome codes. ' +
        'It holds no Aadhaar number, mobile, OTP, PID data or Eko reference. It is this service\'s record, not Eko\'s: an eKYC done elsewhere does not show here.',
      security: [{ bearerAuth: [] }],
      params: UserCodeParams,
      response: withRateLimitHeaders({
        200: { ...JournalSchema, description: 'The agent\'s journal; an agent never seen has step `none` and no events', headers: successHeaders },
        ...problemResponses('VALIDATION_FAILED', 'UNAUTHENTICATED', 'FORBIDDEN', 'OTP_RATE_LIMITED', 'UPSTREAM_UNAVAILABLE', 'INTERNAL_ERROR')
      })
    }
  }, async function readJournal (request, reply) {
    const view = await journal.read(request.params.userCode)
    reply.header('cache-control', 'no-store')
    return view
  })
}

export default journalRoute
