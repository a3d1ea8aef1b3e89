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

export function loggerOptions (level: string): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' }
  }
}
