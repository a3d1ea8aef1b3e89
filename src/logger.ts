import type { LoggerOptions } from 'pino'

/**
 * Belt and braces: Fastify's request serializer logs no headers or bodies, and nothing logs the
 * Aadhaar number, but should any of these ever reach a log line they are censored.
 */
export const REDACT_PATHS = [
  'req.headers.authorization', 'req.headers.cookie', 'req.headers["idempotency-key"]',
  'headers.authorization', 'headers.developer_key', 'headers["secret-key"]',
  'body.aadhaar', 'body.aadhar', 'body.mobile', 'body.customer_id',
  '*.aadhaar', '*.aadhar', '*.mobile', '*.customer_id', '*.authorization', '*.developer_key', '*["secret-key"]',
  '*.EKO_ACCESS_KEY', '*.EKO_DEVELOPER_KEY', '*.AUTH_JWT_SECRET'
]

/**
 * A URL as it may be logged or echoed: a caller who puts an Aadhaar or phone number in a path or
 * query by mistake must not get it into the logs. User codes (8 digits) stay readable.
 */
export function scrubUrl (url: string): string {
  return url.replace(/\d(?:(?:[\s+._/-]|%[0-9A-Fa-f]{2})*\d){9,}/g, '[redacted]')
}

/** What of a URL is logged: the path, scrubbed; no route takes a query string, so it is dropped. */
export function loggableUrl (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? scrubUrl(url) : `${scrubUrl(url.slice(0, q))}?[query dropped]`
}

interface RawRequest { method?: string, url?: string, ip?: string, socket?: { remotePort?: number } }

export function loggerOptions (level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Fastify's default, with the URL scrubbed; still no headers and no body.
      req: (req: RawRequest) => ({ method: req.method, url: loggableUrl(req.url ?? ''), remoteAddress: req.ip, remotePort: req.socket?.remotePort })
    }
  }
}
