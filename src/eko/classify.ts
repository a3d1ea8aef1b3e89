import { isEkoEnvelope, type EkoEnvelope } from './envelope.ts'
import { fromText, type AgentInput, type Answer, type Operation, type Outcome, type Refused } from './operations.ts'

const NOT_FOUND = new Set([463, 1297])
const NOT_ACTIVATED = 346
const BAD_PARAMS = 97
const INVALID_INITIATOR = 319
const ALREADY_COMPLETED = 585

/** Removes anything in Eko's words that could be a phone, an Aadhaar number or ciphertext, and caps the length. */
export function scrub (text: string): string {
  return text
    .replace(/[A-Za-z0-9+/=]{40,}/g, '[redacted]')
    .replace(/\d[\d\s-]{8,}\d/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300)
}

function asRecord (value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {}
}

/** The envelope read defensively: numbers as numbers, Eko's words scrubbed for the caller and lower-cased for matching. */
function read (envelope: EkoEnvelope): Answer {
  const message = fromText(envelope.message) ?? ''
  const data = asRecord(envelope.data)
  const reason = fromText(data.reason)
  const typeId = Number(envelope.response_type_id)
  const scrubbedReason = reason === undefined ? '' : scrub(reason)
  return {
    status: Number(envelope.status),
    typeId: Number.isFinite(typeId) && envelope.response_type_id !== null && envelope.response_type_id !== '' ? typeId : undefined,
    message: scrub(message),
    data,
    reason: scrubbedReason === '' ? undefined : scrubbedReason,
    words: `${message} ${reason ?? ''}`.toLowerCase()
  }
}

/** The business refusals every Eko call shares (docs/eko.md §6). */
function sharedRefusal (answer: Answer, envelope: EkoEnvelope): Refused {
  const { status, words } = answer
  if (NOT_FOUND.has(status) || /user not found|not onboarded/.test(words)) {
    return { ok: false, code: 'AGENT_NOT_FOUND', detail: 'Eko does not know this agent; onboard the agent first', ekoStatus: status }
  }
  if (status === NOT_ACTIVATED || /not allowed to this transaction|not activated/.test(words)) {
    return { ok: false, code: 'AGENT_NOT_ACTIVATED', detail: 'AePS is not activated for this agent at Eko', ekoStatus: status }
  }
  if (status === ALREADY_COMPLETED) {
    return { ok: false, code: 'EKYC_ALREADY_COMPLETED', detail: 'Eko says this agent\'s eKYC is already completed; no further eKYC step is needed', ekoStatus: status }
  }
  if (/otp already sent|too many requests/.test(words)) {
    return { ok: false, code: 'OTP_RATE_LIMITED', detail: 'Eko has already sent an OTP to this agent; try again later', ekoStatus: status }
  }
  const invalid = asRecord(envelope.invalid_params)
  if (status === BAD_PARAMS && ('aadhar' in invalid || 'aadhaar' in invalid)) {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: 'Eko could not read the encrypted Aadhaar number', ekoStatus: status, logHint: 'Eko could not decrypt the Aadhaar field: check EKO_AADHAAR_PUBLIC_KEY is the key for this Eko environment' }
  }
  if (status === INVALID_INITIATOR) {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: 'The service is not set up correctly with Eko', ekoStatus: status, logHint: 'Eko says the initiator is invalid: check EKO_INITIATOR_ID' }
  }
  const fields = Object.keys(invalid).map(scrub).join(', ')
  const said = answer.reason ?? (answer.message || 'Eko rejected the request')
  return { ok: false, code: 'EKYC_REJECTED', detail: fields === '' ? said : `${said} (${fields})`, ekoStatus: status }
}

/**
 * Eko answers business outcomes as HTTP 200: the operation's own refusals first (a wrong OTP, a
 * failed daily authentication), then success (`status` 0), then the rules every call shares.
 */
export function classifyEnvelope<I extends AgentInput, V> (operation: Operation<I, V>, envelope: EkoEnvelope): Outcome<V> {
  const answer = read(envelope)
  const own = operation.refusal?.(answer)
  if (own !== undefined) return own
  if (answer.status === 0) {
    const accepted = operation.accept(answer)
    if (!('value' in accepted)) return accepted
    return { ok: true, ekoStatus: 0, value: accepted.value, message: answer.message || operation.defaultMessage }
  }
  return sharedRefusal(answer, envelope)
}

/** HTTP status and raw body → outcome. Everything but a 200 with the expected JSON is Eko's failure, not the caller's. */
export function classifyReply<I extends AgentInput, V> (operation: Operation<I, V>, httpStatus: number, body: string): Outcome<V> {
  if (httpStatus === 403) {
    return { ok: false, code: 'UPSTREAM_AUTH_FAILED', detail: 'Eko refused the service\'s credentials', logHint: 'Eko answered 403: wrong developer key, access key or a clock out of sync' }
  }
  if (httpStatus === 429) {
    return { ok: false, code: 'OTP_RATE_LIMITED', detail: 'Eko is refusing requests for now; try again later', logHint: 'Eko answered HTTP 429' }
  }
  if (httpStatus !== 200) {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: `Eko answered HTTP ${httpStatus}`, logHint: httpStatus === 404 || httpStatus === 405 ? 'check EKO_BASE_URL and EKO_API_VARIANT' : undefined }
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: 'Eko\'s reply was not JSON', logHint: 'non-JSON reply' }
  }
  if (!isEkoEnvelope(parsed)) {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: 'Eko\'s reply could not be understood', logHint: 'reply does not match the envelope schema' }
  }
  return classifyEnvelope(operation, parsed)
}
