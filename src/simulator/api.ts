import type { KeyObject } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { variants, type VariantName } from '../eko/variants.ts'
import { parseObject, readBody } from './body.ts'
import { checkCredentials, isJsonContentType, type Credentials } from './checks.ts'
import { decryptField } from './crypto.ts'
import { failure, invalidParams, success } from './envelopes.ts'
import type { Fault } from './fault-schema.ts'
import { checkFields } from './fields.ts'
import { envelopeReply, forbiddenReply, htmlReply, jsonReply, methodNotAllowedReply, textReply, type Reply } from './replies.ts'
import { findScenario } from './scenarios.ts'

export const API_PREFIX = '/ekoapi/v3'

const routes = new Map<string, VariantName>(
  (Object.keys(variants) as VariantName[]).map(name => [API_PREFIX + variants[name].path, name])
)

export interface ApiContext extends Credentials {
  initiatorId: string
  privateKey: KeyObject
  /** The simulated Eko clock, in epoch milliseconds. */
  now: () => number
}

/** What one API request came to, for the reply and for the call log. */
export interface Outcome {
  reply: Reply
  /** A scenario's fault, applied to the reply unless a global fault overrides it. */
  fault?: Fault
  variant?: VariantName
  userCode?: string
  clientRefId?: string
  aadhaarLast4?: string
  /** Which check refused the request, when one did. */
  refusedBy?: string
}

function str (value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** Eko's checks in Eko's order: path, method, content type, credentials, body, fields, initiator, Aadhaar. */
export async function handleApi (req: IncomingMessage, path: string, ctx: ApiContext): Promise<Outcome> {
  const variant = routes.get(path)
  if (variant === undefined) return { reply: htmlReply(404), refusedBy: 'path' }
  const out: Outcome = { variant, reply: htmlReply(500) }
  if (req.method !== variants[variant].method) return { ...out, reply: methodNotAllowedReply(variants[variant].method), refusedBy: 'method' }
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

  const checked = checkFields(variant, body)
  if ('invalid' in checked) return { ...out, reply: envelopeReply(invalidParams(checked.invalid)), refusedBy: 'fields' }
  const { fields } = checked
  if (fields.initiatorId !== ctx.initiatorId) {
    return { ...out, reply: envelopeReply(failure(319, 'Invalid initiator')), refusedBy: 'initiator' }
  }
  const aadhaarField = variants[variant].aadhaarField
  const aadhaar = decryptField(ctx.privateKey, fields.encryptedAadhaar)
  if (aadhaar === undefined || !/^[0-9]{12}$/.test(aadhaar)) {
    return { ...out, reply: envelopeReply(invalidParams({ [aadhaarField]: 'Please provide a valid Aadhaar number' })), refusedBy: 'aadhaar' }
  }
  out.aadhaarLast4 = aadhaar.slice(-4) // the digits go no further than this

  const scenario = findScenario(fields.userCode, variant)
  if (scenario?.envelope !== undefined) return { ...out, reply: envelopeReply(scenario.envelope()) }
  const reply = envelopeReply(success(variant, fields.userCode))
  return scenario?.fault === undefined ? { ...out, reply } : { ...out, reply, fault: scenario.fault }
}
