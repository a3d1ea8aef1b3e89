import { randomInt } from 'node:crypto'
import type { VariantName } from '../eko/variants.ts'

/** Eko's reply shape for every business outcome, success or not (upstream-facts §3). */
export interface Envelope {
  status: number
  response_status_id: number
  response_type_id: number
  message: string
  data: Record<string, string>
  invalid_params?: Record<string, string>
}

/** A business failure: Eko still answers HTTP 200 and puts the outcome in `status`. */
export function failure (status: number, message: string, opts: { typeId?: number, data?: Record<string, string> } = {}): Envelope {
  return { status, response_status_id: 1, response_type_id: opts.typeId ?? status, message, data: opts.data ?? {} }
}

/** Status 97: a missing or unreadable parameter, named in `invalid_params`. */
export function invalidParams (params: Record<string, string>): Envelope {
  const first = Object.values(params)[0] ?? 'Invalid parameters'
  return { status: 97, response_status_id: -1, response_type_id: -1, message: first, data: {}, invalid_params: params }
}

function digits (n: number): string {
  let out = ''
  for (let i = 0; i < n; i++) out += String(randomInt(10))
  return out
}

/** Like `EKYKF4719702240123152147525I`: the prefix, 22 digits and a letter, 28 characters. */
function referenceTid (): string {
  return `EKYKF${digits(22)}I`
}

function otpRefId (): string {
  return String(randomInt(1_000_000, 10_000_000))
}

/**
 * The success envelope each variant documents, with fresh ids. The customer page's variant has
 * no mobile in the request, so the hint is made from the user code: stable per agent.
 */
export function success (variant: VariantName, userCode: string): Envelope {
  if (variant === 'collection') {
    return {
      status: 0,
      response_status_id: 0,
      response_type_id: 1600,
      message: 'OTP request has been sent',
      data: { otp_ref_id: otpRefId(), reference_tid: referenceTid() }
    }
  }
  return {
    status: 0,
    response_status_id: 0,
    response_type_id: 1388,
    message: 'OTP sent successfully to Aadhaar-linked mobile number.',
    data: { otp_ref_id: `OTPREF${digits(11)}`, mobile_hint: `******${userCode.slice(-4)}` }
  }
}
