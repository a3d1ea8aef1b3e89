import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { scrubUrl } from '../logger.ts'
import { isProblem, problem, problemDocument, PROBLEMS, type ProblemCode, type ProblemError } from '../errors.ts'
import { Problem } from '../problem-schema.ts'

/** Fastify's own errors, by code, onto the contract's codes. */
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED'
}

interface Validation { instancePath?: string, params?: Record<string, unknown>, message?: string, keyword?: string }

/** A schema failure as words that name the field but never repeat its value. */
function describeValidation (err: FastifyError): ProblemError {
  const items = (err.validation ?? []) as Validation[]
  const context = err.validationContext ?? 'request'
  if (context === 'body' && items.some(v => v.instancePath === '/aadhaar' && v.keyword === 'pattern')) {
    return problem('INVALID_AADHAAR', 'aadhaar must be 12 digits, optionally grouped in fours by spaces or hyphens')
  }
  const parts = items.map(v => {
    const extra = v.params?.additionalProperty ?? v.params?.missingProperty
    const where = `${context}${v.instancePath ?? ''}`.replace(/\//g, '.')
    return extra === undefined ? `${where} ${v.message ?? 'is invalid'}` : `${where}.${String(extra)} ${v.keyword === 'required' ? 'is required' : 'is not allowed'}`
  })
  // A property name is the caller's text too (`{"234123412346": …}`): scrubbed like a URL.
  return problem('VALIDATION_FAILED', scrubUrl(parts.join('; ')).slice(0, 500) || 'the request is not valid')
}

/** Any thrown value → a ProblemError; unknown failures become a generic 500 whose detail says nothing. */
export function toProblem (err: FastifyError | Error): ProblemError {
  if (isProblem(err)) return err
  const fe = err as FastifyError
  if (fe.validation !== undefined) return describeValidation(fe)
  const mapped = fe.code === undefined ? undefined : FASTIFY_CODES[fe.code]
  if (mapped === 'VALIDATION_FAILED') return problem(mapped, fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? 'the body is not valid JSON' : fe.message)
  if (mapped !== undefined) return problem(mapped, PROBLEMS[mapped].title)
  const status = fe.statusCode ?? 500
  if (status === 404) return problem('NOT_FOUND', 'no such resource')
  if (status === 405) return problem('METHOD_NOT_ALLOWED', 'method not allowed')
  if (status >= 400 && status < 500) return problem('VALIDATION_FAILED', 'the request is not valid')
  return problem('INTERNAL_ERROR', 'an unexpected error occurred; quote the requestId to support', { cause: err })
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, p: ProblemError): FastifyReply {
  if (p.retryAfter !== undefined) reply.header('retry-after', String(Math.max(1, Math.ceil(p.retryAfter))))
  for (const [name, value] of Object.entries(p.headers)) reply.header(name, value)
  return reply
    .code(p.statusCode)
    .header('x-request-id', request.id)
    .header('content-type', 'application/problem+json; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(problemDocument(p, request.id))
}

/**
 * For Fastify's errors raised before routing (a malformed URL, an over-long parameter), which
 * skip the error handler: `frameworkErrors` in app.ts sends them here.
 */
export function frameworkError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const p = toProblem(err)
  request.log.info({ problem: p.code, status: p.statusCode, fastify: err.code }, p.message)
  return sendProblem(request, reply, p)
}

/** One error handler for every failure, Fastify's own included (style: routes throw, never build bodies). */
export default fp(async function problemPlugin (app) {
  // Routes reference it as `Problem` in their error responses; the OpenAPI document holds it once.
  app.addSchema(Problem)
  app.setErrorHandler(function (err: FastifyError, request, reply) {
    const p = toProblem(err)
    if (p.statusCode >= 500 && p.code === 'INTERNAL_ERROR') request.log.error({ err }, 'unhandled error')
    else request.log.info({ problem: p.code, status: p.statusCode }, p.message)
    return sendProblem(request, reply, p)
  })
  app.setNotFoundHandler(function (request, reply) {
    return sendProblem(request, reply, problem('NOT_FOUND', `no route for ${request.method} ${scrubUrl(request.url.split('?')[0] ?? '')}`))
  })
}, { name: 'problem' })
