import { test } from 'tap'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError, loadConfig } from '../src/config.ts'

const key = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
const production = {
  NODE_ENV: 'production',
  EKO_BASE_URL: 'https://staging.eko.in/ekoapi/v3',
  EKO_DEVELOPER_KEY: 'becbbce45f79c6f5109f848acd540567',
  EKO_ACCESS_KEY: 'd2fe1d99-6298-4af2-8cc5-d97dcf46df30',
  EKO_INITIATOR_ID: '9962981729',
  EKO_AADHAAR_PUBLIC_KEY: key,
  AUTH_JWT_SECRET: 'a'.repeat(32)
}

function problems (env: Record<string, string>): string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  return []
}

test('defaults: development with nothing set embeds the simulator', async (t) => {
  const { config, embeddedEko } = loadConfig({})
  t.ok(embeddedEko)
  t.match(config, { HOST: '127.0.0.1', PORT: 3000, LOG_LEVEL: 'info', EKO_API_VARIANT: 'collection', EKO_TIMEOUT_MS: 10000, AUTH_AGENT_CLAIM: 'user_code', AUTH_OPS_ROLE: 'ops', OTP_COOLDOWN_SECONDS: 60, RATE_LIMIT_MAX: 30, RATE_LIMIT_WINDOW_SECONDS: 60 })
})

test('a complete production environment loads, with numbers converted', async (t) => {
  const { config, embeddedEko } = loadConfig({ ...production, PORT: '8080', OTP_COOLDOWN_SECONDS: '0', EKO_API_VARIANT: 'customer' })
  t.notOk(embeddedEko)
  t.match(config, { PORT: 8080, OTP_COOLDOWN_SECONDS: 0, EKO_API_VARIANT: 'customer' })
})

test('production with nothing set: one line per missing variable, never a value', async (t) => {
  const lines = problems({ NODE_ENV: 'production' })
  for (const name of ['EKO_BASE_URL', 'EKO_DEVELOPER_KEY', 'EKO_ACCESS_KEY', 'EKO_INITIATOR_ID', 'EKO_AADHAAR_PUBLIC_KEY', 'AUTH_JWT_SECRET']) {
    t.equal(lines.filter(l => l.startsWith(`${name}:`)).length, 1, `${name} named once`)
  }
})

test('malformed values are named, and the secret values are not echoed', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: '70000' }, /^PORT: /],
    [{ PORT: 'eighty' }, /^PORT: /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL: /],
    [{ EKO_API_VARIANT: 'v2' }, /^EKO_API_VARIANT: /],
    [{ EKO_BASE_URL: 'staging.eko.in' }, /^EKO_BASE_URL: /],
    [{ EKO_INITIATOR_ID: '12345' }, /^EKO_INITIATOR_ID: /],
    [{ EKO_TIMEOUT_MS: '7' }, /^EKO_TIMEOUT_MS: /],
    [{ EKO_BREAKER_FAILURES: '2.5' }, /^EKO_BREAKER_FAILURES: must be integer$/],
    [{ ALLOW_INSECURE_HTTP: 'yes' }, /^ALLOW_INSECURE_HTTP: must be boolean$/],
    [{ AUTH_JWT_SECRET: 'short-secret' }, /^AUTH_JWT_SECRET: /],
    [{ EKO_AADHAAR_PUBLIC_KEY: 'bm90IGEga2V5' }, /^EKO_AADHAAR_PUBLIC_KEY: is not a base64 DER or PEM public key$/],
    [{ REDIS_URL: 'http://localhost' }, /^REDIS_URL: /],
    [{ AUTH_JWKS_URL: 'https://id.example/jwks', AUTH_JWT_ISSUER: 'https://id.example/', AUTH_JWT_AUDIENCE: 'eko-ekyc-bff' }, /^AUTH_JWT_SECRET: set either/]
  ]
  for (const [override, expected] of cases) {
    const lines = problems({ ...production, ...override })
    t.equal(lines.length, 1, `${Object.keys(override)[0]}: exactly one problem`)
    t.match(lines[0], expected)
    for (const value of Object.values(override)) t.notOk(lines[0]!.includes(value), 'value not echoed')
  }
})

test('every malformed variable is named, however many, and a union as a whole', async (t) => {
  const malformed = {
    PORT: '70000',
    METRICS_PORT: 'eighty',
    LOG_LEVEL: 'loud',
    EKO_API_VARIANT: 'v2',
    EKO_INITIATOR_ID: '12345',
    EKO_TIMEOUT_MS: '7',
    EKO_BREAKER_FAILURES: '0',
    AUTH_JWT_SECRET: 'short-secret',
    OTP_VERIFY_MAX_ATTEMPTS: '11',
    RATE_LIMIT_MAX: '0',
    REDIS_URL: 'http://localhost',
    ALLOW_INSECURE_HTTP: 'yes'
  }
  const lines = problems({ ...production, ...malformed })
  t.same(lines.map(l => l.split(':')[0]).sort(), Object.keys(malformed).sort(), 'each named once')
  t.ok(lines.includes('LOG_LEVEL: is not one of the allowed values'))
  t.ok(lines.includes('EKO_API_VARIANT: is not one of the allowed values'))
})

test('secrets may come from NAME_FILE; an unreadable file or both forms is a problem', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'config-'))
  writeFileSync(join(dir, 'access'), 'from-a-file-0001\n')
  writeFileSync(join(dir, 'key'), key)
  const env = { ...production, EKO_ACCESS_KEY: '', EKO_ACCESS_KEY_FILE: join(dir, 'access'), EKO_AADHAAR_PUBLIC_KEY: '', EKO_AADHAAR_PUBLIC_KEY_FILE: join(dir, 'key') }
  t.equal(loadConfig(env).config.EKO_ACCESS_KEY, 'from-a-file-0001', 'trimmed file contents')
  t.match(problems({ ...env, EKO_ACCESS_KEY_FILE: join(dir, 'missing') }), [/^EKO_ACCESS_KEY_FILE: cannot read .* \(ENOENT\)$/])
  t.match(problems({ ...env, EKO_ACCESS_KEY: 'x' }), [/^EKO_ACCESS_KEY: set both/])
})

test('production with a JWKS: the issuer and the audience are required, one line each', async (t) => {
  const jwks = { ...production, AUTH_JWT_SECRET: '', AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json' }
  t.same(problems(jwks), [
    'AUTH_JWT_ISSUER: required in production with AUTH_JWKS_URL',
    'AUTH_JWT_AUDIENCE: required in production with AUTH_JWKS_URL'
  ], 'neither set: both named')
  t.same(problems({ ...jwks, AUTH_JWT_ISSUER: 'https://id.example/' }), ['AUTH_JWT_AUDIENCE: required in production with AUTH_JWKS_URL'])
  t.same(problems({ ...jwks, AUTH_JWT_AUDIENCE: 'eko-ekyc-bff' }), ['AUTH_JWT_ISSUER: required in production with AUTH_JWKS_URL'])
  t.same(problems({ ...jwks, AUTH_JWT_ISSUER: 'https://id.example/', AUTH_JWT_AUDIENCE: 'eko-ekyc-bff' }), [], 'both set: loads')
  t.same(problems({ ...production }), [], 'an HS256 secret needs neither: its tokens are this service\'s own')
  t.same(problems({ AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json' }), [], 'outside production neither is required')
})

test('the shutdown bound must outlast the drain plus one Eko deadline: one line with the numbers', async (t) => {
  t.same(problems({ ...production, SHUTDOWN_TIMEOUT_MS: '10000' }), [
    'SHUTDOWN_TIMEOUT_MS: must be greater than SHUTDOWN_DRAIN_MS + EKO_TIMEOUT_MS (0 + 10000 = 10000), is 10000'
  ], 'the default Eko deadline exactly: refused')
  t.same(problems({ ...production, SHUTDOWN_TIMEOUT_MS: '20000', SHUTDOWN_DRAIN_MS: '5000', EKO_TIMEOUT_MS: '15000' }), [
    'SHUTDOWN_TIMEOUT_MS: must be greater than SHUTDOWN_DRAIN_MS + EKO_TIMEOUT_MS (5000 + 15000 = 20000), is 20000'
  ], 'the drain counts too')
  t.same(problems({ ...production, SHUTDOWN_TIMEOUT_MS: '20001', SHUTDOWN_DRAIN_MS: '5000', EKO_TIMEOUT_MS: '15000' }), [], 'one millisecond more: loads')
  t.same(problems({ ...production, SHUTDOWN_TIMEOUT_MS: '5000', EKO_TIMEOUT_MS: '4000' }), [], 'a shorter Eko deadline allows a shorter bound')
  const { config } = loadConfig(production)
  t.ok(config.SHUTDOWN_TIMEOUT_MS > config.SHUTDOWN_DRAIN_MS + config.EKO_TIMEOUT_MS, 'the defaults pass (15000 > 0 + 10000)')
  t.same(problems({ SHUTDOWN_TIMEOUT_MS: '12000', EKO_TIMEOUT_MS: '11000', SHUTDOWN_DRAIN_MS: '2000' }), [
    'SHUTDOWN_TIMEOUT_MS: must be greater than SHUTDOWN_DRAIN_MS + EKO_TIMEOUT_MS (2000 + 11000 = 13000), is 12000'
  ], 'in development as well')
  t.same(problems({ ...production, EKO_TIMEOUT_MS: 'soon' }).map(l => l.split(':')[0]), ['EKO_TIMEOUT_MS'], 'a malformed number is named once, not again here')
})

test('production: Eko and the JWKS over https://, plain http:// only to loopback or with ALLOW_INSECURE_HTTP=true', async (t) => {
  const jwks = { ...production, AUTH_JWT_SECRET: '', AUTH_JWT_ISSUER: 'https://id.example/', AUTH_JWT_AUDIENCE: 'eko-ekyc-bff' }
  const refused: Array<[Record<string, string>, string]> = [
    [{ EKO_BASE_URL: 'http://staging.eko.in/ekoapi/v3' }, 'EKO_BASE_URL'],
    [{ EKO_BASE_URL: 'http://10.0.0.7:4010/ekoapi/v3' }, 'EKO_BASE_URL'],
    [{ EKO_BASE_URL: 'http://128.0.0.1/ekoapi/v3' }, 'EKO_BASE_URL'],
    [{ EKO_BASE_URL: 'http://localhost.example/ekoapi/v3' }, 'EKO_BASE_URL'],
    [{ EKO_BASE_URL: 'http://simulator:4010/ekoapi/v3', ALLOW_INSECURE_HTTP: 'false' }, 'EKO_BASE_URL'],
    [{ ...jwks, AUTH_JWKS_URL: 'http://id.example/.well-known/jwks.json' }, 'AUTH_JWKS_URL']
  ]
  for (const [override, name] of refused) {
    t.same(problems({ ...production, ...override }), [`${name}: must be https:// in production (http:// only to a loopback address, or with ALLOW_INSECURE_HTTP=true)`], `${name}=${override[name]}${override.ALLOW_INSECURE_HTTP === undefined ? '' : ` with ALLOW_INSECURE_HTTP=${override.ALLOW_INSECURE_HTTP}`}: refused`)
  }
  const accepted: Array<Record<string, string>> = [
    { EKO_BASE_URL: 'https://staging.eko.in/ekoapi/v3' },
    { EKO_BASE_URL: 'http://127.0.0.1:4010/ekoapi/v3' },
    { EKO_BASE_URL: 'http://127.8.9.10:4010/ekoapi/v3' },
    { EKO_BASE_URL: 'http://localhost:4010/ekoapi/v3' },
    { EKO_BASE_URL: 'http://[::1]:4010/ekoapi/v3' },
    { EKO_BASE_URL: 'http://simulator:4010/ekoapi/v3', ALLOW_INSECURE_HTTP: 'true' },
    { ...jwks, AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json' },
    { ...jwks, AUTH_JWKS_URL: 'http://127.0.0.1:8443/jwks.json' },
    { ...jwks, AUTH_JWKS_URL: 'http://id.example/.well-known/jwks.json', ALLOW_INSECURE_HTTP: 'true' }
  ]
  for (const override of accepted) {
    const name = override.AUTH_JWKS_URL === undefined ? 'EKO_BASE_URL' : 'AUTH_JWKS_URL'
    t.same(problems({ ...production, ...override }), [], `${name}=${override[name]}${override.ALLOW_INSECURE_HTTP === undefined ? '' : ' with ALLOW_INSECURE_HTTP=true'}: accepted`)
  }
  t.same(problems({ EKO_BASE_URL: 'http://staging.eko.in/ekoapi/v3', EKO_DEVELOPER_KEY: 'k', EKO_ACCESS_KEY: 'k', EKO_INITIATOR_ID: '9962981729', EKO_AADHAAR_PUBLIC_KEY: key, AUTH_JWT_SECRET: 'a'.repeat(32) }), [], 'outside production http:// is allowed')
  t.equal(loadConfig(production).config.ALLOW_INSECURE_HTTP, false, 'off by default')
})

test('METRICS_PORT: 9464 by default, 0 allowed, never the API port', async (t) => {
  t.equal(loadConfig(production).config.METRICS_PORT, 9464)
  t.equal(loadConfig({ ...production, METRICS_PORT: '0', PORT: '0' }).config.METRICS_PORT, 0, '0: a free port, even beside PORT=0')
  t.same(problems({ ...production, PORT: '8080', METRICS_PORT: '8080' }), ['METRICS_PORT: must differ from PORT: metrics have a listener of their own'])
  t.match(problems({ ...production, METRICS_PORT: '70000' }), [/^METRICS_PORT: /])
})

test('development with only some Eko settings is refused rather than half-simulated', async (t) => {
  const lines = problems({ EKO_BASE_URL: 'https://staging.eko.in/ekoapi/v3' })
  t.ok(lines.some(l => l.startsWith('EKO_ACCESS_KEY: required once any EKO_ setting is given')))
})

test('.env.example and the README list every variable the service reads', async (t) => {
  const { readFileSync } = await import('node:fs')
  const { ConfigSchema } = await import('../src/config.ts')
  const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8')
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  for (const name of Object.keys(ConfigSchema.properties)) {
    t.match(example, new RegExp(`^#? ?${name}=`, 'm'), `.env.example: ${name}`)
    t.match(readme, new RegExp('`' + name + '`'), `README: ${name}`)
  }
})
