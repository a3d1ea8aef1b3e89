import type { IncomingMessage } from 'node:http'

/**
 * Eko's requests are a few hundred bytes, or a few kilobytes with a PID document (at most 32 KiB
 * from the service, which JSON escaping may grow); anything near this is a client bug or an attack.
 */
export const BODY_LIMIT = 128 * 1024

/**
 * The whole request body, or 'too-large' as soon as it passes the limit. Events rather than
 * `for await`, because leaving the iterator early destroys the socket before we can answer 413.
 */
export function readBody (req: IncomingMessage, limit = BODY_LIMIT): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length']) > limit) {
      resolve('too-large')
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size <= limit) {
        chunks.push(chunk)
        return
      }
      req.off('data', onData)
      req.pause()
      resolve('too-large')
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(chunks)))
    req.once('error', reject)
  })
}

/** The body as a JSON object, or undefined when it is not one. */
export function parseObject (body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'))
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}
