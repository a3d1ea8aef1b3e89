import pino, { type DestinationStream, type LoggerOptions } from 'pino'

/** Names that must never reach a log line with their value. */
const SECRET_FIELDS = ['aadhaar', 'aadhar', 'mobile', 'customer_id', 'authorization', 'developer_key', '["secret-key"]', 'EKO_ACCESS_KEY', 'EKO_DEVELOPER_KEY', 'AUTH_JWT_SECRET', 'STORE_SECRET']
/**
 * Objects that could carry foreign data into a log line: an error (its own properties), and a
 * body, headers or configuration should one ever be logged whole.
 */
const CONTAINERS = ['err', 'body', 'headers', 'config']

/**
 * Belt and braces: the request serializer below logs no headers or bodies, and nothing logs the
 * Aadhaar number, but should any of these ever reach a log line they are censored. Explicit paths,
 * not `*.aadhaar`: pino runs a leading wildcard over every object of every line, which cost more
 * than the rest of logging together on the OTP route; the lines it logs on every request (`req`,
 * `res`, `eko`) are built field by field and hold none of these names (and a path under `req`
 * could never match: pino redacts what the serializer returns).
 */
export const REDACT_PATHS = CONTAINERS.flatMap(container => SECRET_FIELDS.map(field => field.startsWith('[') ? `${container}${field}` : `${container}.${field}`))

/** A JWT or JWE: a base64url JOSE header, which begins `ey` (`{"`), then two or more dot-separated parts. */
const JWT = /ey[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){2,}/g
/** 24 or more characters of base64, base64url or hex (`+`, `/` and `=` also percent-encoded): a key, token, signature or session id. */
const OPAQUE = /(?:[A-Za-z0-9_+=-]|%2[BbFf]|%3[Dd]){24,}/g
/** Ten or more digits, in any grouping: an Aadhaar (12) or mobile (10) number. */
const DIGIT_RUN = /\d(?:(?:[\s+._/-]|%[0-9A-Fa-f]{2})*\d){9,}/g

/**
 * A URL (or other caller text) as it may be logged or echoed: a caller who puts a token, a key,
 * an Aadhaar or a phone number in a path by mistake must not get it into the logs or an answer.
 * User codes (8 digits) stay readable, and so do long words (`swagger-ui-standalone-preset`): an
 * opaque run is one with a capital letter or a digit in it, as any random 24 characters have.
 */
export function scrubUrl (url: string): string {
  return url
    .replace(JWT, '[redacted]')
    .replace(OPAQUE, (run) => /[A-Z0-9]/.test(run) ? '[redacted]' : run)
    .replace(DIGIT_RUN, '[redacted]')
}

/** What of a URL is logged: the path, scrubbed; no route takes a query string, so it is dropped. */
export function loggableUrl (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? scrubUrl(url) : `${scrubUrl(url.slice(0, q))}?[query dropped]`
}

interface RawRequest { method?: string, url?: string, ip?: string, socket?: { remotePort?: number } }

/**
 * Readable logs for a person at a terminal in development; JSON lines everywhere else (pipes, log
 * collectors, tests) and always in production, where a log pipeline parses them.
 */
export function usePrettyLogs (nodeEnv: string, stdoutIsTty: boolean): boolean {
  return nodeEnv !== 'production' && stdoutIsTty
}

/**
 * pino-pretty runs in pino's transport worker, so it is loaded only when asked for; redaction and
 * the serializers below run before it, in this thread, exactly as for JSON.
 * @see https://github.com/pinojs/pino-pretty
 */
const PRETTY = { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } }

/**
 * Where JSON lines go: pino's own asynchronous destination (sonic-boom: lines written off the main
 * thread, and whatever is still buffered written synchronously when the process exits), holding
 * each line as bytes. In its default text mode sonic-boom appends every line to the text waiting
 * behind the write in flight and then measures that text's byte length, which copies all of it:
 * the longer a write takes, the more every new line copies. Under the benchmark's load that was a
 * quarter of what the service allocated per request (56 KB before, 42 KB after, by heap sampling).
 * @see https://github.com/pinojs/sonic-boom#api
 */
export function logDestination (): DestinationStream {
  // pino.destination() also registers the stream to be written out synchronously at exit.
  const boom = pino.destination({ fd: 1, sync: false, contentMode: 'buffer' })
  // In buffer mode sonic-boom takes Buffers, whatever its string-typed signature says.
  return { write: (line: string) => { boom.write(Buffer.from(line) as unknown as string) } }
}

export function loggerOptions (level: string, { pretty = false }: { pretty?: boolean } = {}): LoggerOptions {
  return {
    level,
    ...(pretty ? { transport: PRETTY } : {}),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // Fastify's default, with the URL scrubbed; still no headers and no body.
      req: (req: RawRequest) => ({ method: req.method, url: loggableUrl(req.url ?? ''), remoteAddress: req.ip, remotePort: req.socket?.remotePort })
    }
  }
}
