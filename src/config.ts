import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import Type, { type Static } from 'typebox'
import { parsePublicKey } from './eko/aadhaar-cipher.ts'

const Optional = Type.Optional
const Text = (description: string, extra: object = {}) => Type.String({ minLength: 1, description, ...extra })

/** Every environment variable the service reads (README, "Configuration"). The only place `process.env` is interpreted. */
export const ConfigSchema = Type.Object({
  NODE_ENV: Type.String({ default: 'development', description: '`production` makes every setting without a default mandatory' }),
  HOST: Type.String({ default: '127.0.0.1', description: 'Address to listen on' }),
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000, description: 'Port to listen on' }),
  METRICS_PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 9464, description: 'Port of the separate Prometheus listener (GET /metrics), on HOST; 0 picks a free one. Never the API port' }),
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)), { default: 'info', description: 'pino level' }),
  EKO_BASE_URL: Optional(Text('Eko base URL including the version', { pattern: '^https?://[^\\s/?#]+(/[^\\s?#]*)?$' })),
  EKO_API_VARIANT: Type.Union([Type.Literal('collection'), Type.Literal('customer')], { default: 'collection', description: 'Which Send OTP API Eko serves' }),
  EKO_DEVELOPER_KEY: Optional(Text('Sent as the developer_key header')),
  EKO_ACCESS_KEY: Optional(Text('Signs every request; never sent')),
  EKO_INITIATOR_ID: Optional(Text('The API user\'s registered mobile', { pattern: '^[0-9]{10}$' })),
  EKO_AADHAAR_PUBLIC_KEY: Optional(Text('Eko\'s RSA public key, base64 DER or PEM')),
  EKO_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000, description: 'Whole-call deadline for one Eko request' }),
  EKO_BREAKER_FAILURES: Type.Integer({ minimum: 1, maximum: 1000, default: 5, description: 'Consecutive Eko failures that open the circuit' }),
  EKO_BREAKER_COOLDOWN_SECONDS: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'How long the circuit stays open before a probe' }),
  AUTH_JWT_SECRET: Optional(Text('HS256 secret for caller tokens', { minLength: 32 })),
  AUTH_JWKS_URL: Optional(Text('JWKS of the identity provider (RS256/ES256)', { pattern: '^https?://' })),
  AUTH_JWT_ISSUER: Optional(Text('Required `iss` when set; mandatory with AUTH_JWKS_URL in production')),
  AUTH_JWT_AUDIENCE: Optional(Text('Required `aud` when set; mandatory with AUTH_JWKS_URL in production')),
  AUTH_AGENT_CLAIM: Type.String({ minLength: 1, default: 'user_code', description: 'Claim holding the caller\'s agent user code' }),
  AUTH_OPS_ROLE: Type.String({ minLength: 1, default: 'ops', description: 'Role in `roles` that may act for any agent' }),
  AUTH_MAX_TOKEN_AGE_SECONDS: Type.Integer({ minimum: 60, maximum: 2_592_000, default: 86_400, description: 'Longest token lifetime accepted: `exp` no further ahead, `iat` no further back' }),
  OTP_COOLDOWN_SECONDS: Type.Integer({ minimum: 0, maximum: 86_400, default: 60, description: 'Least time between two OTP sends for one agent' }),
  OTP_VERIFY_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 3, description: 'Wrong OTPs accepted per otpRefId before a new OTP is needed' }),
  EKYC_JOURNAL_DAYS: Type.Integer({ minimum: 1, maximum: 366, default: 30, description: 'How long the per-agent eKYC journal is kept' }),
  RATE_LIMIT_MAX: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 30, description: 'Requests per caller per window' }),
  RATE_LIMIT_WINDOW_SECONDS: Type.Integer({ minimum: 1, maximum: 86_400, default: 60, description: 'Rate-limit window' }),
  REDIS_URL: Optional(Text('Shared store', { pattern: '^rediss?://' })),
  STORE_SECRET: Optional(Text('HMAC key for store key names and request fingerprints; default derived from EKO_ACCESS_KEY', { minLength: 32 })),
  CORS_ORIGINS: Optional(Text('Comma-separated browser origins allowed')),
  TRUST_PROXY: Optional(Text('Comma-separated trusted proxy addresses/CIDRs')),
  // Above the default EKO_TIMEOUT_MS (10 s) plus a margin, so a request in flight at SIGTERM finishes.
  ALLOW_INSECURE_HTTP: Type.Boolean({ default: false, description: '`true` lets production use http:// for EKO_BASE_URL and AUTH_JWKS_URL beyond loopback (a demo stack only); the start log warns' }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({ minimum: 1000, maximum: 120_000, default: 15_000, description: 'Longest graceful shutdown before exit; must exceed SHUTDOWN_DRAIN_MS + EKO_TIMEOUT_MS' }),
  SHUTDOWN_DRAIN_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 0, description: 'After a signal, how long readiness fails while requests are still served, before the listener closes' }),
  LOAD_SHED_EVENT_LOOP_DELAY_MS: Type.Integer({ minimum: 0, maximum: 60_000, default: 500, description: 'Mean event-loop delay above which requests get 503; 0 turns it off' }),
  LOAD_SHED_HEAP_USED_MB: Optional(Type.Integer({ minimum: 0, maximum: 1_048_576, description: 'Heap use above which requests get 503; default 90 % of V8\'s heap limit; 0 turns it off' }))
})

export type Config = Static<typeof ConfigSchema>

/**
 * Converts the environment's strings to the schema's numbers and booleans in place, fills in the
 * defaults, and reports every problem. Ajv, which Fastify loads anyway: TypeBox's own value
 * checker is several hundred more modules to load at every start. The schema is not checked
 * against JSON Schema's meta-schema first: compiling that costs more than the rest of the check,
 * and the schema is fixed code, which the tests load (Ajv's strict mode still refuses an unknown
 * keyword).
 * @see https://ajv.js.org/coercion.html
 */
const checkConfig = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, validateSchema: false }).compile<Config>(ConfigSchema)

/** Settings that may come from a file (`NAME_FILE`), as container secrets do. */
const SECRETS = ['EKO_DEVELOPER_KEY', 'EKO_ACCESS_KEY', 'EKO_INITIATOR_ID', 'EKO_AADHAAR_PUBLIC_KEY', 'AUTH_JWT_SECRET', 'REDIS_URL', 'STORE_SECRET'] as const
const EKO_SETTINGS = ['EKO_BASE_URL', 'EKO_DEVELOPER_KEY', 'EKO_ACCESS_KEY', 'EKO_INITIATOR_ID', 'EKO_AADHAAR_PUBLIC_KEY'] as const

/** Settings whose traffic must be encrypted in production: Eko's developer key travels to the first, the keys every token is checked with come from the second. */
const TLS_SETTINGS = ['EKO_BASE_URL', 'AUTH_JWKS_URL'] as const

/** 127.0.0.0/8, localhost and [::1]: traffic that never leaves the host. */
function isLoopback (hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
}

function isInsecure (url: string): boolean {
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'http:' && !isLoopback(parsed.hostname)
  } catch {
    return false // the schema's pattern has reported it
  }
}

export class ConfigError extends Error {
  readonly problems: string[]
  constructor (problems: string[]) {
    super(`invalid configuration:\n${problems.join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

export interface LoadedConfig {
  config: Config
  /** No Eko settings outside production: `npm start` runs the simulator in-process (README, "Quick start"). */
  embeddedEko: boolean
}

/** Validates the environment once; every problem is reported, one line each, naming the variable and never its value. */
export function loadConfig (env: Record<string, string | undefined>): LoadedConfig {
  const problems: string[] = []
  const raw: Record<string, string> = {}
  for (const name of Object.keys(ConfigSchema.properties)) {
    const value = env[name]
    if (value !== undefined && value !== '') raw[name] = value
  }
  for (const name of SECRETS) {
    const file = env[`${name}_FILE`]
    if (file === undefined || file === '') continue
    if (raw[name] !== undefined) { problems.push(`${name}: set both ${name} and ${name}_FILE; use one`); continue }
    try {
      raw[name] = readFileSync(file, 'utf8').trim()
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }

  const candidate: Record<string, unknown> = { ...raw }
  if (!checkConfig(candidate)) {
    // One line per variable: a union (LOG_LEVEL) fails once per member, then as a whole.
    const byName = Map.groupBy(checkConfig.errors ?? [], error => error.instancePath.slice(1))
    for (const [name, errors] of byName) {
      problems.push(`${name}: ${errors.some(e => e.keyword === 'anyOf') ? 'is not one of the allowed values' : errors[0]!.message}`)
    }
  }
  const config = candidate as Config
  const production = config.NODE_ENV === 'production'
  const ekoGiven = EKO_SETTINGS.filter(name => raw[name] !== undefined)
  const embeddedEko = !production && ekoGiven.length === 0

  if (!embeddedEko) {
    for (const name of EKO_SETTINGS) {
      if (raw[name] === undefined && !problems.some(p => p.startsWith(`${name}_FILE:`))) {
        problems.push(`${name}: required${production ? ' in production' : ' once any EKO_ setting is given'}`)
      }
    }
  }
  if (production && config.ALLOW_INSECURE_HTTP !== true) {
    for (const name of TLS_SETTINGS) {
      const url = config[name]
      if (typeof url === 'string' && isInsecure(url)) {
        problems.push(`${name}: must be https:// in production (http:// only to a loopback address, or with ALLOW_INSECURE_HTTP=true)`)
      }
    }
  }
  if (config.METRICS_PORT === config.PORT && config.PORT !== 0) {
    problems.push('METRICS_PORT: must differ from PORT: metrics have a listener of their own')
  }
  if (config.EKO_AADHAAR_PUBLIC_KEY !== undefined) {
    try { parsePublicKey(config.EKO_AADHAAR_PUBLIC_KEY) } catch (err) { problems.push(`EKO_AADHAAR_PUBLIC_KEY: ${(err as Error).message}`) }
  }
  // The drain runs first, then an OTP request in flight may need a whole Eko deadline: a shorter
  // bound would cut that request off and leave the caller not knowing whether the OTP went out.
  const needed = config.SHUTDOWN_DRAIN_MS + config.EKO_TIMEOUT_MS
  // Only once all three are numbers: a malformed one has its own line already.
  if (Number.isInteger(needed) && Number.isInteger(config.SHUTDOWN_TIMEOUT_MS) && config.SHUTDOWN_TIMEOUT_MS <= needed) {
    problems.push(`SHUTDOWN_TIMEOUT_MS: must be greater than SHUTDOWN_DRAIN_MS + EKO_TIMEOUT_MS (${config.SHUTDOWN_DRAIN_MS} + ${config.EKO_TIMEOUT_MS} = ${needed}), is ${config.SHUTDOWN_TIMEOUT_MS}`)
  }
  if (config.AUTH_JWT_SECRET !== undefined && config.AUTH_JWKS_URL !== undefined) {
    problems.push('AUTH_JWT_SECRET: set either AUTH_JWT_SECRET or AUTH_JWKS_URL, not both')
  }
  if (production && config.AUTH_JWKS_URL !== undefined) {
    // An identity provider signs tokens for many applications: without both checks, a token it
    // minted for another one, carrying the ops role, would be accepted here.
    for (const name of ['AUTH_JWT_ISSUER', 'AUTH_JWT_AUDIENCE'] as const) {
      if (config[name] === undefined) problems.push(`${name}: required in production with AUTH_JWKS_URL`)
    }
  }
  if (!embeddedEko && config.AUTH_JWT_SECRET === undefined && config.AUTH_JWKS_URL === undefined) {
    problems.push(`AUTH_JWT_SECRET: required${production ? ' in production' : ' when Eko is configured'} (or AUTH_JWKS_URL)`)
  }
  if (problems.length > 0) throw new ConfigError(problems)
  return { config, embeddedEko }
}

/** `a, b ,c` → ['a', 'b', 'c'] */
export function list (value: string | undefined): string[] {
  return (value ?? '').split(',').map(s => s.trim()).filter(Boolean)
}
