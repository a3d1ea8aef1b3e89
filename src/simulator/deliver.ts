import type { ServerResponse } from 'node:http'
import type { Fault } from './fault-schema.ts'
import { forbiddenReply, htmlReply, textReply, type Reply } from './replies.ts'

const MAINTENANCE_PAGE = '<!DOCTYPE html><html><head><title>Maintenance</title></head><body><h1>We will be back soon</h1></body></html>'
const TRUNCATED_JSON = '{"status":0,"response_status_id":0,"response_type_id":1600,"message":"OTP req'

/** The reply a fault puts in place of the normal one; faults that only change timing keep it. */
export function faultReply (reply: Reply, fault: Fault | undefined): Reply {
  switch (fault?.kind) {
    case 'status':
      return textReply(fault.code, fault.body ?? `${fault.code} ${fault.code >= 500 ? 'Server Error' : 'Error'}`,
        fault.contentType ?? 'text/plain; charset=utf-8')
    case 'html-error': return htmlReply(fault.code ?? 502)
    case 'forbidden': return forbiddenReply()
    case 'non-json': {
      const contentType = fault.contentType ?? 'text/html; charset=utf-8'
      return textReply(200, fault.body ?? (contentType.includes('json') ? TRUNCATED_JSON : MAINTENANCE_PAGE), contentType)
    }
    case 'huge': return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(0) }
    case 'reset-before-headers': return { ...reply, status: 0 }
    default: return reply
  }
}

/** Runs `fn` later unless the client has gone; a closed socket cancels it, so close() leaves no timers. */
function later (res: ServerResponse, ms: number, fn: () => void): void {
  const timer = setTimeout(fn, ms)
  res.once('close', () => clearTimeout(timer))
}

function head (res: ServerResponse, reply: Reply, date: string, length?: number): void {
  const headers: Record<string, string> = { ...reply.headers, date }
  if (length !== undefined) headers['content-length'] = String(length)
  res.writeHead(reply.status, headers)
}

/** Sends `reply` (already passed through faultReply) the way the fault says. */
export function deliver (res: ServerResponse, reply: Reply, fault: Fault | undefined, date: () => string): void {
  switch (fault?.kind) {
    case 'reset-before-headers':
      res.socket?.resetAndDestroy() // an RST, as a crashing upstream or a middlebox sends
      return
    case 'latency':
      later(res, fault.ms, () => deliver(res, reply, undefined, date))
      return
    case 'reset-mid-body': {
      head(res, reply, date(), reply.body.length)
      // Only once the first half has left do we cut, so the client sees headers and a torn body.
      res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => res.destroy())
      return
    }
    case 'trickle': {
      head(res, reply, date(), reply.body.length)
      let sent = 0
      const timer = setInterval(() => {
        const chunk = reply.body.subarray(sent, sent + fault.bytesPerChunk)
        sent += chunk.length
        if (sent >= reply.body.length) {
          clearInterval(timer)
          res.end(chunk)
        } else {
          res.write(chunk)
        }
      }, fault.intervalMs)
      res.once('close', () => clearInterval(timer))
      return
    }
    case 'huge':
      head(res, reply, date())
      streamHuge(res, fault.bytes).catch(() => res.destroy())
      return
    default:
      head(res, reply, date(), reply.body.length)
      res.end(reply.body)
  }
}

/** A JSON-looking body of `bytes` bytes, chunked, honouring back-pressure so memory stays flat. */
async function streamHuge (res: ServerResponse, bytes: number): Promise<void> {
  const open = Buffer.from('{"status":0,"response_status_id":0,"response_type_id":1600,"message":"OTP request has been sent","data":{"padding":"')
  const close = Buffer.from('"}}')
  const filler = Buffer.alloc(64 * 1024, 'x')
  let left = bytes - open.length - close.length // the schema keeps bytes above the two ends
  if (!res.write(open)) await drained(res)
  while (left > 0 && !res.destroyed) {
    const chunk = filler.subarray(0, Math.min(filler.length, left))
    left -= chunk.length
    if (!res.write(chunk)) await drained(res)
  }
  if (!res.destroyed) res.end(close)
}

function drained (res: ServerResponse): Promise<void> {
  return new Promise(resolve => {
    const done = () => { res.off('drain', done); res.off('close', done); resolve() }
    res.on('drain', done)
    res.on('close', done)
  })
}
