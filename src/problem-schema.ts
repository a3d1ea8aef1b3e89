import Type from 'typebox'
import { PROBLEMS, problemType, type ProblemCode } from './errors.ts'

export const PROBLEM_MEDIA_TYPE = 'application/problem+json'

const CODES = Object.keys(PROBLEMS) as ProblemCode[]
const EXAMPLE_REQUEST_ID = '8c1f0e52-3a5d-4d0f-9a3e-1b2c3d4e5f60'

/**
 * The body of every error (RFC 9457). Added once to the app (`plugins/problem.ts`) and referenced
 * by `$ref`, so the OpenAPI document holds it once as `#/components/schemas/Problem`.
 */
export const Problem = Type.Object({
  type: Type.String({ format: 'uri', description: 'A URN naming the kind of problem, one per `code`', examples: [problemType('INVALID_AADHAAR')] }),
  title: Type.String({ description: 'Short, fixed summary of the kind of problem', examples: [PROBLEMS.INVALID_AADHAAR.title] }),
  status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status, repeated', examples: [PROBLEMS.INVALID_AADHAAR.status] }),
  detail: Type.String({ description: 'What went wrong with this request, in words safe to show; never contains the Aadhaar number', examples: ['aadhaar is not a valid Aadhaar number (first digit 2–9, Verhoeff check digit)'] }),
  code: Type.Enum(CODES, { type: 'string', description: 'Stable machine-readable code; branch on this, not on `title` or `detail`', examples: ['INVALID_AADHAAR'] }),
  requestId: Type.String({ description: 'This request\'s id (also the `x-request-id` response header); quote it to support', examples: [EXAMPLE_REQUEST_ID] })
}, { $id: 'Problem', description: 'RFC 9457 problem details' })

export const RequestIdHeader = { type: 'string', description: 'The request\'s id: the caller\'s `x-request-id` when it is 8–128 safe characters, else a generated UUID' }

/** Headers the error handler sets beside the body, by status (see `sendProblem`). */
const EXTRA_HEADERS: Record<number, Record<string, { type: string, description: string }>> = {
  401: { 'www-authenticate': { type: 'string', description: '`Bearer realm="eko-ekyc-bff"`, with `error="invalid_token"` when a token was sent' } },
  429: { 'retry-after': { type: 'integer', description: 'Seconds to wait before asking again' } },
  503: { 'retry-after': { type: 'integer', description: 'Seconds to wait before trying again' } }
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
    headers: { 'x-request-id': RequestIdHeader, ...EXTRA_HEADERS[status] },
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
