import Type, { type Static } from 'typebox'
import { AADHAAR_INPUT_PATTERN } from '../../aadhaar/aadhaar.ts'
import type { VariantName } from '../../eko/operations.ts'
import { PID_DATA_MAX_CHARS } from '../../pid/pid-data.ts'
import { SAMPLE_PID_DATA } from '../../pid/sample.ts'
import { REQUEST_ID_PATTERN, RequestIdHeader } from '../../problem-schema.ts'
import { JOURNAL_EVENTS, STEPS } from './journal.ts'

export const UserCodeParams = Type.Object({
  userCode: Type.String({ pattern: '^[0-9]{8}$', minLength: 8, maxLength: 8, description: 'The agent\'s 8-digit Eko user code', examples: ['20810200'] })
})

const EXAMPLE = { aadhaar: '2341 2341 2346', mobile: '9876543210', latlong: '28.6139,77.2090' }
const EXAMPLE_OTP_REF = '2465238'
const EXAMPLE_TID = 'EKYKF4719702240123152147525I'
const EXAMPLE_CLIENT_REF = 'REQ-20260101-001'

const Aadhaar = Type.String({
  pattern: AADHAAR_INPUT_PATTERN,
  maxLength: 14,
  description: 'The agent\'s 12-digit Aadhaar number; spaces or hyphens between groups of four are accepted. Must start with 2–9 and pass the Verhoeff check. Encrypted before it leaves the service; never logged, stored or returned.',
  examples: [EXAMPLE.aadhaar]
})
const Mobile = Type.String({
  pattern: '^[6-9][0-9]{9}$',
  maxLength: 10,
  description: 'The agent\'s 10-digit registered mobile (Eko\'s `customer_id`); the OTP goes there. Never logged or stored.',
  examples: [EXAMPLE.mobile]
})
const Latlong = Type.String({
  pattern: '^-?(90(\\.0+)?|[1-8]?[0-9](\\.[0-9]+)?),-?(180(\\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\\.[0-9]+)?)$',
  maxLength: 40,
  description: 'The agent\'s location as `<lat>,<long>` in decimal degrees, no space.',
  examples: [EXAMPLE.latlong]
})
const ClientRefId = Type.String({
  pattern: '^[A-Za-z0-9_-]{1,20}$',
  maxLength: 20,
  description: 'Your unique reference for this request, sent to Eko as `client_ref_id`: 1–20 letters, digits, hyphens or underscores. Generated (20 letters and digits) when absent.',
  examples: [EXAMPLE_CLIENT_REF]
})
const OtpRefId = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', maxLength: 64, description: 'Eko\'s OTP reference, as Send OTP returned it', examples: [EXAMPLE_OTP_REF] })
const ReferenceTid = (from: string) => Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$', maxLength: 64, description: `Eko's transaction reference, as ${from} returned it`, examples: [EXAMPLE_TID] })
const PidData = Type.String({
  minLength: 1,
  maxLength: PID_DATA_MAX_CHARS,
  description: 'The PID XML document the agent\'s UIDAI-registered fingerprint device (its RD service) returned from a capture, unchanged: root `PidData`, with `Resp errCode="0"`. Passed to Eko as it is; never logged, stored or returned. DOCTYPEs and entities are refused.',
  examples: [SAMPLE_PID_DATA]
})
const BankCode = Type.String({ pattern: '^[A-Z0-9]{2,12}$', maxLength: 12, description: 'Eko\'s short code for the agent\'s bank, e.g. `HDFC`', examples: ['HDFC'] })
const Message = Type.String({ maxLength: 300, description: 'Eko\'s message', examples: ['OTP request has been sent'] })
const ClientRefIdOut = Type.String({ pattern: '^[A-Za-z0-9_-]{1,20}$', maxLength: 20, description: 'The reference sent to Eko: yours, or the one generated', examples: [EXAMPLE_CLIENT_REF] })

/**
 * Send OTP's body. The `collection` variant needs the agent's mobile and location, so the schema
 * (and the OpenAPI document generated from it) says so; the `customer` variant takes neither.
 */
export function sendOtpBody (variant: VariantName) {
  const located = variant === 'collection'
  return Type.Object({
    aadhaar: Aadhaar,
    mobile: located ? Mobile : Type.Optional(Mobile),
    latlong: located ? Latlong : Type.Optional(Latlong),
    clientRefId: Type.Optional(ClientRefId)
  }, {
    additionalProperties: false,
    // Without `clientRefId`, so Swagger UI's Try it out can be executed again and again.
    examples: [located ? EXAMPLE : { aadhaar: EXAMPLE.aadhaar }]
  })
}

/** Send OTP's body as the handler sees it, either variant. */
export type SendOtpBody = Static<ReturnType<typeof sendOtpBody>> & { mobile?: string, latlong?: string }

const agentFields = { aadhaar: Aadhaar, mobile: Mobile, latlong: Latlong, clientRefId: Type.Optional(ClientRefId) }

export const VerifyOtpBody = Type.Object({
  ...agentFields,
  otp: Type.String({ pattern: '^[0-9]{4,8}$', maxLength: 8, description: 'The OTP the agent received, as typed (leading zeros kept). Never logged or stored.', examples: ['123456'] }),
  otpRefId: OtpRefId,
  referenceTid: ReferenceTid('Send OTP')
}, {
  additionalProperties: false,
  examples: [{ ...EXAMPLE, otp: '123456', otpRefId: EXAMPLE_OTP_REF, referenceTid: EXAMPLE_TID }]
})

export const BiometricBody = Type.Object({
  ...agentFields,
  pidData: PidData,
  bankCode: BankCode,
  otpRefId: OtpRefId,
  referenceTid: ReferenceTid('Verify OTP (not Send OTP)')
}, {
  additionalProperties: false,
  examples: [{ ...EXAMPLE, pidData: SAMPLE_PID_DATA, bankCode: 'HDFC', otpRefId: EXAMPLE_OTP_REF, referenceTid: EXAMPLE_TID }]
})

export const DailyAuthBody = Type.Object({
  ...agentFields,
  pidData: PidData,
  bankCode: BankCode
}, {
  additionalProperties: false,
  examples: [{ ...EXAMPLE, pidData: SAMPLE_PID_DATA, bankCode: 'HDFC' }]
})

export const OtpSent = Type.Object({
  otpRefId: Type.String({ maxLength: 64, description: 'Eko\'s OTP reference; needed by Verify OTP', examples: [EXAMPLE_OTP_REF] }),
  referenceTid: Type.Optional(Type.String({ maxLength: 64, description: 'Eko\'s transaction reference, when Eko returns one; needed by Verify OTP', examples: [EXAMPLE_TID] })),
  mobileHint: Type.Optional(Type.String({ pattern: '^[*xX]{6}[0-9]{4}$', maxLength: 10, description: 'The masked mobile the OTP was sent to', examples: ['******3210'] })),
  clientRefId: ClientRefIdOut,
  message: Message
})

export const OtpVerified = Type.Object({
  otpRefId: Type.String({ maxLength: 64, description: 'Eko\'s OTP reference; needed by the biometric step', examples: [EXAMPLE_OTP_REF] }),
  referenceTid: Type.String({ maxLength: 64, description: 'The NEW transaction reference Eko returned; the biometric step needs this one, not Send OTP\'s', examples: ['EKYKF5829702240123152147525I'] }),
  clientRefId: ClientRefIdOut,
  message: { ...Message, examples: ['Validation successful'] }
})

export const EkycCompleted = Type.Object({
  status: Type.Enum(['completed'] as const, { type: 'string', description: 'The agent\'s one-time eKYC is done' }),
  clientRefId: ClientRefIdOut,
  message: { ...Message, examples: ['Congratulations! eKYC successful'] }
})

export const DailyAuthenticated = Type.Object({
  status: Type.Enum(['authenticated'] as const, { type: 'string', description: 'The agent may transact today (India time)' }),
  clientRefId: ClientRefIdOut,
  message: { ...Message, examples: ['Daily authentication successful'] }
})

export const JournalEventSchema = Type.Object({
  at: Type.String({ format: 'date-time', maxLength: 40, description: 'When the request was answered (RFC 3339, UTC)', examples: ['2026-11-30T09:15:02.113Z'] }),
  action: Type.Enum(['send_otp', 'verify_otp', 'biometric', 'daily_auth'] as const, { type: 'string', description: 'Which step was asked for' }),
  outcome: Type.String({ maxLength: 40, description: '`OK`, or the problem `code` the request was answered with', examples: ['OTP_INVALID'] }),
  requestId: Type.String({ pattern: REQUEST_ID_PATTERN, maxLength: 128, description: 'The request\'s id: find its log lines with it', examples: ['8c1f0e52-3a5d-4d0f-9a3e-1b2c3d4e5f60'] }),
  caller: Type.String({ maxLength: 256, description: 'Who asked: the token\'s `sub`, or `agent:<user code>` when it has none', examples: ['ops-console'] })
})

export const JournalSchema = Type.Object({
  userCode: Type.String({ pattern: '^[0-9]{8}$', maxLength: 8, description: 'The agent', examples: ['20810200'] }),
  step: Type.Enum(STEPS, { type: 'string', description: 'The furthest eKYC step this service saw succeed: `none`, `otp_sent`, `otp_verified` or `completed`; it never moves back' }),
  // `nullable`, not a union with null: the document is OpenAPI 3.0.
  dailyAuthDate: Type.Unsafe<string | null>({ type: 'string', format: 'date', maxLength: 10, nullable: true, description: 'India-time date of the last successful daily authentication, or null', examples: ['2026-11-30'] }),
  events: Type.Array(JournalEventSchema, { maxItems: JOURNAL_EVENTS, description: `The newest ${JOURNAL_EVENTS} requests on the four eKYC routes that passed authentication and validation, newest first` })
})

/** Headers on every success of the eKYC routes. */
export const successHeaders = {
  'Cache-Control': { type: 'string', enum: ['no-store'], description: 'Always `no-store`' },
  'X-Request-Id': RequestIdHeader
}

export const replayableHeaders = {
  ...successHeaders,
  'Idempotent-Replayed': { type: 'string', enum: ['true'], description: '`true` when this is the stored answer to an earlier request with the same `Idempotency-Key`; Eko was not called again' }
}
