import { randomInt } from 'node:crypto'

/** Eko's reply shape for every business outcome, success or not (docs/eko.md §6). */
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
export function newReferenceTid (): string {
  return `EKYKF${digits(22)}I`
}

export function newOtpRefId (): string {
  return String(randomInt(1_000_000, 10_000_000))
}

/** Send OTP on the current API: the references Verify OTP needs. */
export function otpSent (refs: { otpRefId: string, referenceTid: string }): Envelope {
  return {
    status: 0,
    response_status_id: 0,
    response_type_id: 1600,
    message: 'OTP request has been sent',
    data: { otp_ref_id: refs.otpRefId, reference_tid: refs.referenceTid }
  }
}

/**
 * Send OTP as the older API page documents it. That variant has no mobile in the request, so the
 * hint is made from the user code: stable per agent.
 */
export function otpSentCustomer (userCode: string): Envelope {
  return {
    status: 0,
    response_status_id: 0,
    response_type_id: 1388,
    message: 'OTP sent successfully to Aadhaar-linked mobile number.',
    data: { otp_ref_id: `OTPREF${digits(11)}`, mobile_hint: `******${userCode.slice(-4)}` }
  }
}

export function otpVerified (otpRefId: string, referenceTid: string): Envelope {
  return { status: 0, response_status_id: 0, response_type_id: 1604, message: 'Validation successful', data: { otp_ref_id: otpRefId, reference_tid: referenceTid } }
}

export function ekycCompleted (): Envelope {
  return { status: 0, response_status_id: 0, response_type_id: 1605, message: 'Congratulations! eKYC successful', data: {} }
}

export function dailyAuthenticated (): Envelope {
  return { status: 0, response_status_id: 0, response_type_id: 1713, message: 'Daily authentication successful', data: {} }
}

/** Eko's refusal of a daily authentication: response_type_id 1714 with a reason. */
export function dailyAuthRefused (reason: string): Envelope {
  return failure(461, 'Daily authentication failed', { typeId: 1714, data: { reason } })
}

/** Wrong step, wrong or expired OTP: status 461 with Eko's reason. */
export function refusedWithReason (reason: string): Envelope {
  return failure(461, 'Failed', { data: { reason } })
}

export function alreadyApproved (): Envelope {
  return failure(585, 'KYC already approved')
}
