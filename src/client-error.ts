import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { problem, problemDocument, type ProblemCode, type ProblemError } from './errors.ts'
import { API_CSP_HEADER } from './plugins/helmet.ts'

export interface ClientErrorLimits {
  /** Node's `maxHeaderSize`. */
  headerBytes: number
  /** Node's `requestTimeout`. */
  requestTimeoutMs: number
}

/** How long an answered connection may still drain what the client is sending before it is destroyed. */
export const CLIENT_ERROR_LINGER_MS = 1000

/** Headers of a problem answer that Fastify does not write: what its error handler and helmet would have set. */
export function problemHeaders (requestId: string): Record<string, string> {
  return {
    'content-type': 'application/problem+json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': API_CSP_HEADER,
    'x-request-id': requestId
  }
}

/** A whole HTTP/1.1 answer, for a socket no request or reply object exists for. */
function rawProblem (p: ProblemError, requestId: string): string {
  const body = JSON.stringify(problemDocument(p, requestId))
  const headers = { ...problemHeaders(requestId), 'content-length': String(Buffer.byteLength(body)), connection: 'close' }
  return [`HTTP/1.1 ${p.statusCode} ${STATUS_CODES[p.statusCode] ?? ''}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', body].join('\r\n')
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (headers over the limit, a
 * malformed request line or header, a request that does not arrive in time) never becomes a
 * request, so neither Fastify's error handler nor its hooks see it. Answered here as problem+json
 * with a fresh request id, written to the socket, and the connection closed.
 * @see https://fastify.dev/docs/latest/Reference/Server/#clienterrorhandler
 */
export function createClientErrorHandler (limits: ClientErrorLimits) {
  // Node's parser errors (llhttp `HPE_*` codes and its request timeout) onto the contract's codes; any other is BAD_REQUEST.
  const known: Record<string, [ProblemCode, string]> = {
    HPE_HEADER_OVERFLOW: ['HEADERS_TOO_LARGE', `the request headers are larger than ${limits.headerBytes / 1024} KiB`],
    HPE_CHUNK_EXTENSIONS_OVERFLOW: ['PAYLOAD_TOO_LARGE', 'the chunk extensions are too large'],
    ERR_HTTP_REQUEST_TIMEOUT: ['REQUEST_TIMEOUT', `the whole request must arrive within ${limits.requestTimeoutMs / 1000} s`]
  }

  return function clientError (this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
    // Reset by the client, or already answered: the parser reports every later chunk again.
    if (err.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return
    const [code, detail] = known[err.code ?? ''] ?? ['BAD_REQUEST', 'the request is not valid HTTP/1.1']
    const p = problem(code, detail)
    const requestId = randomUUID()
    // The parser's code only: the error object also carries the raw bytes it stopped at, a bearer token among them.
    this.log.info({ requestId, problem: p.code, status: p.statusCode, clientError: err.code }, p.message)
    const answer = () => {
      /* c8 ignore next 4: a socket that closed between the parser's error and this answer; there is no one left to answer. */
      if (!socket.writable) {
        socket.destroy()
        return
      }
      socket.end(rawProblem(p, requestId))
      // Not destroyed at once: the rest of an oversized request may still be on its way, and
      // closing with unread data sends a TCP reset that can make the client discard the answer.
      setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref()
    }
    // A pipelined request before this one is still being answered: answers must keep the order of
    // the requests, so this one follows it (Node's own handler would write into it, or before it).
    const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
    if (inFlight != null && !inFlight.writableFinished) inFlight.once('finish', answer)
    else answer()
  }
}
