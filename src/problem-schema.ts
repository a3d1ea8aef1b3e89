import Type from 'typebox'
import { PROBLEM_DETAIL_MAX, PROBLEMS, problemType, type ProblemCode } from './errors.ts'

export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

const CODES = Object.keys(PROBLEMS) as ProblemCode[]
const EXAMPLE_REQUEST_ID = '8c1f0e52-3a5d-4d0f-9a3e-1b2c3d4e5f60'

/** A caller's `X-Request-Id` is kept when it matches this, else replaced by a UUID (which matches it too). */
export const REQUEST_ID_PATTERN = '^[A-Za-z0-9._:-]{8,128}$'
/** The longest Retry-After the service sends: OTP_COOLDOWN_SECONDS and RATE_LIMIT_WINDOW_SECONDS are at most a day. */
export const RETRY_AFTER_MAX_SECONDS = 86_400

/**
 * The body of every error (RFC 9457). Added once to the app (`plugins/problem.ts`) and referenced
 * by `$ref`, so the OpenAPI document holds it once as `#/components/schemas/Problem`.
 */
export const Problem = Type.Object({
  type: Type.Enum(CODES.map(problemType), { type: 'string', format: 'uri', description: 'A URN naming the kind of problem, one per `code`', examples: [problemType('INVALID_AADHAAR')] }),
  title: Type.Enum([...new Set(CODES.map(code => PROBLEMS[code].title))], { type: 'string', description: 'Short, fixed summary of the kind of problem, one per `code`', examples: [PROBLEMS.INVALID_AADHAAR.title] }),
  status: Type.Integer({ format: 'int32', minimum: 400, maximum: 599, description: 'The HTTP status, repeated', examples: [PROBLEMS.INVALID_AADHAAR.status] }),
  detail: Type.String({ maxLength: PROBLEM_DETAIL_MAX, description: 'What went wrong with this request, in words safe to show; never contains the Aadhaar number', examples: ['aadhaar is not a valid Aadhaar number (first digit 2–9, Verhoeff check digit)'] }),
  code: Type.Enum(CODES, { type: 'string', description: 'Stable machine-readable code; branch on this, not on `title` or `detail`', examples: ['INVALID_AADHAAR'] }),
  requestId: Type.String({ pattern: REQUEST_ID_PATTERN, maxLength: 128, description: 'This request\'s id (also the `X-Request-Id` response header); quote it to support', examples: [EXAMPLE_REQUEST_ID] })
}, { $id: 'Problem', description: 'RFC 9457 problem details' })

/*
 * Response headers, spelt as HTTP's documents and the OpenAPI linters spell them (names are
 * case-insensitive on the wire; Node sends them in lower case).
 */
export const RequestIdHeader = {
  type: 'string',
  pattern: REQUEST_ID_PATTERN,
  maxLength: 128,
  description: 'The request\'s id: the caller\'s `X-Request-Id` when it is 8–128 safe characters, else a generated UUID'
}

export function retryAfterHeader (description: string) {
  return { type: 'integer', format: 'int32', minimum: 1, maximum: RETRY_AFTER_MAX_SECONDS, description }
}

/** Headers the error handler sets beside the body, by status (see `sendProblem`). */
const EXTRA_HEADERS: Record<number, Record<string, object>> = {
  401: {
    'WWW-Authenticate': {
      type: 'string',
      enum: ['Bearer realm="eko-ekyc-bff"', 'Bearer realm="eko-ekyc-bff", error="invalid_token"'],
      description: '`Bearer realm="eko-ekyc-bff"`, with `error="invalid_token"` when a token was sent'
    }
  },
  429: { 'Retry-After': retryAfterHeader('Seconds to wait before asking again') },
  503: { 'Retry-After': retryAfterHeader('Seconds to wait before trying again') }
}

/**
 * Route `response` entries for the given codes, one per status, as `application/problem+json`
 * with one named example per code. Descriptions and examples come from `PROBLEMS`, so the
 * document cannot drift from what the error handler sends.
 */
export function problemResponses (...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>()
  for (const code of codes) {
    const status = PROBLEMS[code].status
    byStatus.set(status, [...(byStatus.get(status) ?? []), code])
  }
  const entries = [...byStatus].sort(([a], [b]) => a - b).map(([status, list]) => [status, {
    description: list.map(code => `\`${code}\`: ${PROBLEMS[code].title}`).join('  \n'),
    headers: { 'X-Request-Id': RequestIdHeader, ...EXTRA_HEADERS[status] },
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        schema: Type.Ref('Problem'),
        examples: Object.fromEntries(list.map(code => [code, { summary: PROBLEMS[code].title, value: problemExample(code) }]))
      }
    }
  }] as const)
  return Object.fromEntries(entries)
}

function problemExample (code: ProblemCode) {
  const { status, title } = PROBLEMS[code]
  return { type: problemType(code), title, status, detail: title, code, requestId: EXAMPLE_REQUEST_ID }
}
