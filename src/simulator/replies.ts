import { STATUS_CODES } from 'node:http'
import type { Envelope } from './envelopes.ts'

/** One complete HTTP answer, built before it is sent so a fault can delay, slow or cut it. */
export interface Reply {
  status: number
  headers: Record<string, string>
  body: Buffer
  /** Eko's `status` when the body is an envelope, for the call log. */
  ekoStatus?: number
}

export function jsonReply (status: number, value: unknown): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(JSON.stringify(value)) }
}

export function envelopeReply (envelope: Envelope): Reply {
  return { ...jsonReply(200, envelope), ekoStatus: envelope.status }
}

export function textReply (status: number, text: string, contentType = 'text/plain; charset=utf-8'): Reply {
  return { status, headers: { 'content-type': contentType }, body: Buffer.from(text) }
}

/** The page a front proxy such as nginx serves for its own errors: not JSON, not an envelope. */
export function htmlErrorPage (status: number): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
}

export function htmlReply (status: number): Reply {
  return textReply(status, htmlErrorPage(status), 'text/html')
}

/** Eko's gateway refuses a bad key, signature or timestamp before the API sees the request. */
export function forbiddenReply (): Reply {
  return jsonReply(403, { message: 'Forbidden' })
}

export function methodNotAllowedReply (allow: string): Reply {
  const reply = htmlReply(405)
  reply.headers.allow = allow
  return reply
}
