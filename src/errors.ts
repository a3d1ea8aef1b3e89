/**
 * Every error the service answers with, defined once: a stable `code` for clients, the HTTP
 * status, and a title. Routes and plugins throw `problem(code, detail)`; the error handler in
 * `plugins/problem.ts` turns it into `application/problem+json` (RFC 9457).
 */
export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  INVALID_AADHAAR: { status: 400, title: 'The Aadhaar number is not valid' },
  INVALID_PID_DATA: { status: 400, title: 'The fingerprint device\'s PID data is not usable' },
  BAD_REQUEST: { status: 400, title: 'The request is not valid HTTP' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  FORBIDDEN: { status: 403, title: 'Not allowed to act for this agent' },
  NOT_FOUND: { status: 404, title: 'No such resource' },
  AGENT_NOT_FOUND: { status: 404, title: 'Eko does not know this agent' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed' },
  REQUEST_TIMEOUT: { status: 408, title: 'The request did not arrive in time' },
  IDEMPOTENCY_IN_PROGRESS: { status: 409, title: 'A request with this Idempotency-Key is still in progress' },
  EKYC_ALREADY_COMPLETED: { status: 409, title: 'The agent\'s eKYC is already completed' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body must be application/json' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'This Idempotency-Key was used with a different request' },
  AGENT_NOT_ACTIVATED: { status: 422, title: 'AePS is not activated for this agent' },
  EKYC_REJECTED: { status: 422, title: 'Eko rejected the eKYC request' },
  OTP_INVALID: { status: 422, title: 'The OTP is wrong or has expired' },
  OTP_ATTEMPTS_EXCEEDED: { status: 422, title: 'Too many wrong OTPs for this OTP reference; send a new OTP' },
  DAILY_AUTH_FAILED: { status: 422, title: 'Eko refused the daily authentication' },
  OTP_RATE_LIMITED: { status: 429, title: 'Too many OTP requests' },
  HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  NOT_IMPLEMENTED: { status: 501, title: 'Not available with this Eko API variant' },
  UPSTREAM_AUTH_FAILED: { status: 502, title: 'Eko refused the service\'s credentials' },
  UPSTREAM_ERROR: { status: 502, title: 'Eko could not be used' },
  UPSTREAM_UNAVAILABLE: { status: 503, title: 'The service is temporarily unavailable' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'Eko did not answer in time' }
} as const satisfies Record<string, { status: number, title: string }>

export type ProblemCode = keyof typeof PROBLEMS

/** Problem `type` URIs: stable names, listed in the README's error table. */
export const PROBLEM_TYPE_BASE = 'urn:eko-ekyc-bff:problem:'

export function problemType (code: ProblemCode): string {
  return PROBLEM_TYPE_BASE + code.toLowerCase().replaceAll('_', '-')
}

/** `detail` is cut to this length, so no reason Eko gives can make an answer unbounded (the OpenAPI `maxLength`). */
export const PROBLEM_DETAIL_MAX = 1000

/** The body of every error answer (RFC 9457), whoever writes it. */
export function problemDocument (p: ProblemError, requestId: string): Record<string, string | number> {
  return { type: problemType(p.code), title: p.title, status: p.statusCode, detail: p.message.slice(0, PROBLEM_DETAIL_MAX), code: p.code, requestId }
}

export interface ProblemOptions {
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number
  /** Extra response headers, e.g. `WWW-Authenticate`. */
  headers?: Record<string, string>
  cause?: unknown
}

export class ProblemError extends Error {
  readonly code: ProblemCode
  readonly statusCode: number
  readonly title: string
  readonly retryAfter: number | undefined
  readonly headers: Record<string, string>

  constructor (code: ProblemCode, detail: string, options: ProblemOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'ProblemError'
    this.code = code
    this.statusCode = PROBLEMS[code].status
    this.title = PROBLEMS[code].title
    this.retryAfter = options.retryAfter
    this.headers = options.headers ?? {}
  }
}

export function problem (code: ProblemCode, detail: string, options?: ProblemOptions): ProblemError {
  return new ProblemError(code, detail, options)
}

export function isProblem (err: unknown): err is ProblemError {
  return err instanceof ProblemError
}
