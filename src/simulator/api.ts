import type { KeyObject } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { parseObject, readBody } from './body.ts'
import { checkCredentials, isJsonContentType, type Credentials } from './checks.ts'
import { decryptField } from './crypto.ts'
import { endpoints, type Endpoint, type EndpointName, type SimVariant } from './endpoints.ts'
import {
  alreadyApproved, dailyAuthenticated, dailyAuthRefused, ekycCompleted, failure, invalidParams, otpSent, otpSentCustomer,
  otpVerified, refusedWithReason, type Envelope
} from './envelopes.ts'
import type { Fault } from './fault-schema.ts'
import { checkFields, type CheckedFields } from './fields.ts'
import type { Journeys } from './journeys.ts'
import { envelopeReply, forbiddenReply, htmlReply, jsonReply, methodNotAllowedReply, textReply, type Reply } from './replies.ts'
import { findScenario } from './scenarios.ts'

export const API_PREFIX = '/ekoapi/v3'

const routes = new Map<string, Endpoint>(endpoints.map(e => [API_PREFIX + e.path, e]))

export interface ApiContext extends Credentials {
  initiatorId: string
  privateKey: KeyObject
  /** The simulated Eko clock, in epoch milliseconds. */
  now: () => number
  journeys: Journeys
}

/** What one API request came to, for the reply and for the call log. */
export interface Outcome {
  reply: Reply
  /** A scenario's fault, applied to the reply unless a global fault overrides it. */
  fault?: Fault
  variant?: SimVariant
  operation?: EndpointName
  userCode?: string
  clientRefId?: string
  aadhaarLast4?: string
  /** Which check refused the request, when one did. */
  refusedBy?: string
}

function str (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** What Eko does with a well-formed, authenticated request: each agent goes Send OTP → Verify OTP → Biometric, then daily. */
function act (endpoint: Endpoint, fields: CheckedFields, journeys: Journeys): Envelope {
  const { userCode, rest } = fields
  if (endpoint.variant === 'customer') return otpSentCustomer(userCode)
  if (endpoint.name === 'dailyAuth') {
    return journeys.isCompleted(userCode) ? dailyAuthenticated() : dailyAuthRefused('eKYC is not completed for this agent')
  }
  if (journeys.isCompleted(userCode)) return alreadyApproved()
  switch (endpoint.name) {
    case 'sendOtp':
      return otpSent(journeys.issue(userCode))
    case 'verifyOtp': {
      const verified = journeys.verify(userCode, rest.otp_ref_id!, rest.reference_tid!, rest.otp!)
      return 'reason' in verified ? refusedWithReason(verified.reason) : otpVerified(rest.otp_ref_id!, verified.referenceTid)
    }
    case 'biometric': {
      const done = journeys.complete(userCode, rest.otp_ref_id!, rest.reference_tid!)
      return done === true ? ekycCompleted() : refusedWithReason(done.reason)
    }
  }
}

/** Eko's checks in Eko's order: path, method, content type, credentials, body, fields, initiator, Aadhaar. */
export async function handleApi (req: IncomingMessage, path: string, ctx: ApiContext): Promise<Outcome> {
  const endpoint = routes.get(path)
  if (endpoint === undefined) return { reply: htmlReply(404), refusedBy: 'path' }
  const out: Outcome = { variant: endpoint.variant, operation: endpoint.name, reply: htmlReply(500) }
  if (req.method !== endpoint.method) return { ...out, reply: methodNotAllowedReply(endpoint.method), refusedBy: 'method' }
  if (!isJsonContentType(req.headers['content-type'])) {
    return { ...out, reply: textReply(415, 'Unsupported Media Type'), refusedBy: 'content-type' }
  }
  const raw = await readBody(req)
  if (raw === 'too-large') {
    const reply = htmlReply(413)
    reply.headers.connection = 'close' // the rest of the body is never read
    return { ...out, reply, refusedBy: 'body-size' }
  }
  const body = parseObject(raw)
  // Read before the credential check so a refused call still shows whose it was in the log.
  out.userCode = str(body?.user_code)
  out.clientRefId = str(body?.client_ref_id)

  const authFailure = checkCredentials(req.headers, ctx, ctx.now())
  if (authFailure !== undefined) return { ...out, reply: forbiddenReply(), refusedBy: authFailure }
  if (body === undefined) return { ...out, reply: jsonReply(400, { message: 'Malformed JSON' }), refusedBy: 'json' }

  const checked = checkFields(endpoint, body)
  if ('invalid' in checked) return { ...out, reply: envelopeReply(invalidParams(checked.invalid)), refusedBy: 'fields' }
  const { fields } = checked
  if (fields.initiatorId !== ctx.initiatorId) {
    return { ...out, reply: envelopeReply(failure(319, 'Invalid initiator')), refusedBy: 'initiator' }
  }
  const aadhaar = decryptField(ctx.privateKey, fields.encryptedAadhaar)
  if (aadhaar === undefined || !/^[0-9]{12}$/.test(aadhaar)) {
    return { ...out, reply: envelopeReply(invalidParams({ [endpoint.aadhaarField]: 'Please provide a valid Aadhaar number' })), refusedBy: 'aadhaar' }
  }
  out.aadhaarLast4 = aadhaar.slice(-4) // the digits go no further than this

  // Scenario user codes fix the answer to Send OTP; the later steps follow the agent's journey.
  const scenario = endpoint.name === 'sendOtp' ? findScenario(fields.userCode, endpoint.variant) : undefined
  if (scenario?.envelope !== undefined) return { ...out, reply: envelopeReply(scenario.envelope()) }
  const reply = envelopeReply(act(endpoint, fields, ctx.journeys))
  return scenario?.fault === undefined ? { ...out, reply } : { ...out, reply, fault: scenario.fault }
}
