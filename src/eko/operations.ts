import type { ProblemCode } from '../errors.ts'

/**
 * Every call the service makes to Eko, as data: method, path, the body in Eko's field names, and
 * how to read Eko's answer. The transport (signing, deadline, retries, breaker, the status codes
 * every call shares) is `client.ts`; a new Eko call is one entry here, one schema and one route.
 * What Eko expects of each call is written down in docs/eko.md §5.
 */

export type VariantName = 'collection' | 'customer'
export type OperationName = 'sendOtp' | 'verifyOtp' | 'biometric' | 'dailyAuth'

/** Who the call is for; `aadhaar` is the agent's 12 digits, encrypted by the client just before sending. */
export interface AgentInput {
  userCode: string
  aadhaar: string
  clientRefId: string
  mobile?: string | undefined
  latlong?: string | undefined
}

export interface VerifyOtpInput extends AgentInput { otp: string, otpRefId: string, referenceTid: string }
export interface BiometricInput extends AgentInput { pidData: string, bankCode: string, otpRefId: string, referenceTid: string }
export interface DailyAuthInput extends AgentInput { pidData: string, bankCode: string }

export interface OtpSentValue { otpRefId: string, referenceTid?: string, mobileHint?: string }
/** `otpRefId` when Eko repeats it; the route falls back to the caller's. */
export interface OtpVerifiedValue { otpRefId?: string, referenceTid: string }
export type NoValue = Record<never, never>

export interface Accepted<V> {
  ok: true
  ekoStatus: 0
  value: V
  /** Eko's message, scrubbed, or the operation's own words. */
  message: string
}

export interface Refused {
  ok: false
  code: ProblemCode
  /** Safe to show the caller: Eko's human-readable reason, scrubbed, or our own words. */
  detail: string
  ekoStatus?: number
  /** For operators only; goes to the log, never to the caller. */
  logHint?: string
}

export type Outcome<V> = Accepted<V> | Refused

/** Eko's answer as the operation sees it: the numbers and words of the envelope, already read defensively. */
export interface Answer {
  status: number
  typeId: number | undefined
  message: string
  data: Record<string, unknown>
  /** `reason` from `data`, when Eko gave one. */
  reason: string | undefined
  /** message and reason, lower case, for matching Eko's words. */
  words: string
}

export interface Operation<I extends AgentInput, V> {
  name: OperationName
  method: 'POST' | 'PUT'
  /** Below EKO_BASE_URL. */
  path: `/${string}`
  /** Eko's JSON body; the Aadhaar field arrives encrypted. */
  body (input: I, initiatorId: string, encryptedAadhaar: string): Record<string, string>
  /** A refusal only this call knows, read before the shared rules (and before success, where Eko says so). */
  refusal? (answer: Answer): Refused | undefined
  /** Eko said `status` 0: what the caller gets, or a refusal when the answer lacks what the next step needs. */
  accept (answer: Answer): { value: V } | Refused
  /** Words for a success whose message is empty. */
  defaultMessage: string
}

/** An opaque id or a line of text, if the value is one: a non-empty string or a number. */
export function fromText (value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * An OTP reference or transaction id from Eko, if it has the form the next step accepts from the
 * caller; anything else would leave the agent stuck one step later, so it is refused now.
 */
function reference (value: unknown): string | undefined {
  const text = fromText(value)
  return text !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(text) ? text : undefined
}

/** Eko's hint only when it is masked; a full number from Eko is never passed on. */
const MASKED_MOBILE = /^[*xX]{6}[0-9]{4}$/

/** The fields every `collection` call carries: the agent, where they are, and the encrypted Aadhaar (spelt `aadhar`). */
function agentFields (input: AgentInput, initiatorId: string, encryptedAadhaar: string): Record<string, string> {
  return {
    initiator_id: initiatorId,
    user_code: input.userCode,
    client_ref_id: input.clientRefId,
    aadhar: encryptedAadhaar,
    customer_id: input.mobile ?? '',
    latlong: input.latlong ?? ''
  }
}

/** Eko accepted but left out what the caller needs next: not the caller's fault, and nothing to retry blindly. */
function missing (what: string, detail: string): Refused {
  return { ok: false, code: 'UPSTREAM_ERROR', detail, ekoStatus: 0, logHint: `success envelope without a usable data.${what}` }
}

const sendOtpCollection: Operation<AgentInput, OtpSentValue> = {
  name: 'sendOtp',
  method: 'POST',
  path: '/user/collection/aeps-fingpay/kyc/otp',
  body: agentFields,
  accept (answer) {
    const otpRefId = reference(answer.data.otp_ref_id)
    // Eko accepted (the OTP has probably gone out) but gave no reference: the caller cannot go
    // on, and the route still starts the agent's cooldown so a retry cannot send a second one.
    if (otpRefId === undefined) return missing('otp_ref_id', 'Eko accepted the request but its reply had no OTP reference; try again after the cooldown')
    const referenceTid = reference(answer.data.reference_tid)
    return { value: { otpRefId, ...(referenceTid === undefined ? {} : { referenceTid }) } }
  },
  defaultMessage: 'OTP request has been sent'
}

/** The variant on the API page the project was specified from: another path, `aadhaar` spelt out, no mobile or location. */
const sendOtpCustomer: Operation<AgentInput, OtpSentValue> = {
  ...sendOtpCollection,
  path: '/customer/aeps/fingpay/kyc/otp',
  body: (input, initiatorId, encryptedAadhaar) => ({
    initiator_id: initiatorId,
    user_code: input.userCode,
    client_ref_id: input.clientRefId,
    aadhaar: encryptedAadhaar
  }),
  accept (answer) {
    const sent = sendOtpCollection.accept(answer)
    if (!('value' in sent)) return sent
    const mobileHint = fromText(answer.data.mobile_hint)
    return mobileHint !== undefined && MASKED_MOBILE.test(mobileHint) ? { value: { ...sent.value, mobileHint } } : sent
  }
}

/** Wrong or expired OTP: 461 with a reason, or 302 / 303 (docs/eko.md §5.2, §6). */
const OTP_REFUSED = new Set([461, 302, 303])

const verifyOtp: Operation<VerifyOtpInput, OtpVerifiedValue> = {
  name: 'verifyOtp',
  method: 'PUT',
  path: '/user/collection/aeps-fingpay/kyc/otp/verify',
  body: (input, initiatorId, encryptedAadhaar) => ({
    ...agentFields(input, initiatorId, encryptedAadhaar),
    otp: input.otp,
    otp_ref_id: input.otpRefId,
    reference_tid: input.referenceTid
  }),
  refusal (answer) {
    if (!OTP_REFUSED.has(answer.status)) return undefined
    return { ok: false, code: 'OTP_INVALID', detail: answer.reason ?? (answer.message || 'Eko refused the OTP: wrong or expired'), ekoStatus: answer.status }
  },
  accept (answer) {
    // The biometric step needs the new reference_tid: without it the agent cannot go on.
    const referenceTid = reference(answer.data.reference_tid)
    if (referenceTid === undefined) return missing('reference_tid', 'Eko accepted the OTP but its reply had no new reference; send a new OTP')
    const otpRefId = reference(answer.data.otp_ref_id)
    return { value: { referenceTid, ...(otpRefId === undefined ? {} : { otpRefId }) } }
  },
  defaultMessage: 'Validation successful'
}

const biometric: Operation<BiometricInput, NoValue> = {
  name: 'biometric',
  method: 'PUT',
  path: '/user/collection/aeps-fingpay/kyc/biometric',
  body: (input, initiatorId, encryptedAadhaar) => ({
    ...agentFields(input, initiatorId, encryptedAadhaar),
    piddata: input.pidData,
    bank_code: input.bankCode,
    otp_ref_id: input.otpRefId,
    reference_tid: input.referenceTid
  }),
  accept: () => ({ value: {} }),
  defaultMessage: 'eKYC successful'
}

/** Eko's "daily authentication failed", whatever `status` comes with it. */
const DAILY_AUTH_FAILED_TYPE = 1714

const dailyAuth: Operation<DailyAuthInput, NoValue> = {
  name: 'dailyAuth',
  method: 'PUT',
  path: '/user/collection/aeps-fingpay/kyc/biometric/daily',
  body: (input, initiatorId, encryptedAadhaar) => ({
    ...agentFields(input, initiatorId, encryptedAadhaar),
    piddata: input.pidData,
    bank_code: input.bankCode
  }),
  refusal (answer) {
    if (answer.typeId !== DAILY_AUTH_FAILED_TYPE) return undefined
    return { ok: false, code: 'DAILY_AUTH_FAILED', detail: answer.reason ?? (answer.message || 'Eko refused the daily authentication'), ekoStatus: answer.status }
  },
  accept: () => ({ value: {} }),
  defaultMessage: 'Daily authentication successful'
}

export interface OperationTable {
  sendOtp: Operation<AgentInput, OtpSentValue>
  verifyOtp: Operation<VerifyOtpInput, OtpVerifiedValue>
  biometric: Operation<BiometricInput, NoValue>
  dailyAuth: Operation<DailyAuthInput, NoValue>
}

/**
 * What each API variant serves. `collection` is what Eko serves today; `customer` is the Send OTP
 * of the page the project was specified from, which has no other step: those routes answer 501.
 */
export const operations: Readonly<Record<VariantName, Readonly<Partial<OperationTable>>>> = {
  collection: { sendOtp: sendOtpCollection, verifyOtp, biometric, dailyAuth },
  customer: { sendOtp: sendOtpCustomer }
}
