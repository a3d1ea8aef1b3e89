import type { ProblemCode } from '../errors.ts'
import { checkEnvelope, type EkoEnvelope } from './envelope.ts'

export interface OtpAccepted {
  ok: true
  ekoStatus: 0
  otpRefId: string
  referenceTid?: string
  mobileHint?: string
  message: string
}

export interface OtpRefused {
  ok: false
  code: ProblemCode
  /** Safe to show the caller: Eko's human-readable reason, scrubbed, or our own words. */
  detail: string
  ekoStatus?: number
  /** For operators only; goes to the log, never to the caller. */
  logHint?: string
}

export type OtpOutcome = OtpAccepted | OtpRefused

const NOT_FOUND = new Set([463, 1297])
const NOT_ACTIVATED = 346
const BAD_PARAMS = 97
const INVALID_INITIATOR = 319

/** Removes anything in Eko's words that could be a phone, an Aadhaar number or ciphertext, and caps the length. */
export function scrub (text: string): string {
  return text
    .replace(/[A-Za-z0-9+/=]{40,}/g, '[redacted]')
    .replace(/\d[\d\s-]{8,}\d/g, '[redacted]')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300)
}

/** An opaque id or a line of text, if the value is one: a non-empty string or a number. */
function fromText (value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value !== '' ? value : undefined
}

function asRecord (value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : {}
}

/** Eko's hint only when it is masked; a full number from Eko is never passed on. */
const MASKED_MOBILE = /^[*xX]{6}[0-9]{4}$/

/** Eko answers business outcomes as HTTP 200 (upstream-facts §3): branch on `status`, then on the message. */
export function classifyEnvelope (envelope: EkoEnvelope): OtpOutcome {
  const status = Number(envelope.status)
  const message = fromText(envelope.message) ?? ''
  const data = asRecord(envelope.data)
  const reason = fromText(data.reason)
  if (status === 0) {
    const otpRefId = fromText(data.otp_ref_id)
    if (otpRefId === undefined) {
      // Eko accepted (the OTP has probably gone out) but gave no reference: the caller cannot go
      // on, and the route still starts the agent's cooldown so a retry cannot send a second one.
      return { ok: false, code: 'UPSTREAM_ERROR', detail: 'Eko accepted the request but its reply had no OTP reference; try again after the cooldown', ekoStatus: 0, logHint: 'success envelope without data.otp_ref_id' }
    }
    const referenceTid = fromText(data.reference_tid)
    const mobileHint = fromText(data.mobile_hint)
    return {
      ok: true,
      ekoStatus: 0,
      otpRefId,
      ...(referenceTid === undefined ? {} : { referenceTid }),
      ...(mobileHint !== undefined && MASKED_MOBILE.test(mobileHint) ? { mobileHint } : {}),
      message: scrub(message) || 'OTP request has been sent'
    }
  }
  const words = `${message} ${reason ?? ''}`.toLowerCase()
  if (NOT_FOUND.has(status) || /user not found|not onboarded/.test(words)) {
    return { ok: false, code: 'AGENT_NOT_FOUND', detail: 'Eko does not know this agent; onboard the agent first', ekoStatus: status }
  }
  if (status === NOT_ACTIVATED || /not allowed to this transaction|not activated/.test(words)) {
    return { ok: false, code: 'AGENT_NOT_ACTIVATED', detail: 'AePS is not activated for this agent at Eko', ekoStatus: status }
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
  const said = scrub(reason ?? message) || 'Eko rejected the request'
  return { ok: false, code: 'EKYC_REJECTED', detail: fields === '' ? said : `${said} (${fields})`, ekoStatus: status }
}

/** HTTP status and raw body → outcome. Everything but a 200 with the expected JSON is Eko's failure, not the caller's. */
export function classifyReply (httpStatus: number, body: string): OtpOutcome {
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
  if (!checkEnvelope.Check(parsed)) {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: 'Eko\'s reply could not be understood', logHint: 'reply does not match the envelope schema' }
  }
  return classifyEnvelope(parsed)
}
