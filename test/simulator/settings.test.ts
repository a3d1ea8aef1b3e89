import { generateKeyPairSync } from 'node:crypto'
import { test } from 'tap'
import { loadSimulatorSettings, UAT_CREDENTIALS } from '../../src/simulator/settings.ts'

const pem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()

test('defaults: loopback, port 4010, Eko\'s public UAT credentials, a fresh key', async (t) => {
  t.same(loadSimulatorSettings({}), { ok: true, settings: { host: '127.0.0.1', port: 4010, ...UAT_CREDENTIALS, otp: '123456', otpTtlMs: 600_000 } })
})

test('every variable is read, secrets also from *_FILE', async (t) => {
  const files: Record<string, string> = { '/run/secrets/key': pem + '\n', '/run/secrets/dev': 'devkey\n' }
  const result = loadSimulatorSettings({
    SIMULATOR_HOST: '0.0.0.0',
    SIMULATOR_PORT: '0',
    SIMULATOR_DEVELOPER_KEY_FILE: '/run/secrets/dev',
    SIMULATOR_ACCESS_KEY: 'access',
    SIMULATOR_INITIATOR_ID: '9000000001',
    SIMULATOR_PRIVATE_KEY_FILE: '/run/secrets/key',
    SIMULATOR_PUBLIC_KEY_OUT: '/shared/eko.pub',
    SIMULATOR_OTP: '0042',
    SIMULATOR_OTP_TTL_SECONDS: '30'
  }, p => { if (files[p] === undefined) throw new Error('ENOENT'); return files[p] })
  t.same(result, {
    ok: true,
    settings: { host: '0.0.0.0', port: 0, developerKey: 'devkey', accessKey: 'access', initiatorId: '9000000001', otp: '0042', otpTtlMs: 30_000, privateKeyPem: pem.trim(), publicKeyOut: '/shared/eko.pub' }
  })
})

test('a one-line PEM with \\n escapes is accepted', async (t) => {
  const result = loadSimulatorSettings({ SIMULATOR_PRIVATE_KEY: pem.trim().replaceAll('\n', '\\n') })
  t.match(result, { ok: true, settings: { privateKeyPem: pem.trim() } })
})

test('one line per problem, each naming its variable', async (t) => {
  const result = loadSimulatorSettings({
    SIMULATOR_PORT: '70000',
    SIMULATOR_INITIATOR_ID: '12345',
    SIMULATOR_DEVELOPER_KEY: 'has space',
    SIMULATOR_ACCESS_KEY: 'a',
    SIMULATOR_ACCESS_KEY_FILE: '/x',
    SIMULATOR_PRIVATE_KEY: 'not a key',
    SIMULATOR_OTP: '12',
    SIMULATOR_OTP_TTL_SECONDS: 'soon'
  })
  t.equal(result.ok, false)
  const errors = result.ok ? [] : result.errors
  t.same(errors.map(e => e.split(':')[0]), [
    'SIMULATOR_PORT', 'SIMULATOR_DEVELOPER_KEY', 'SIMULATOR_ACCESS_KEY', 'SIMULATOR_INITIATOR_ID', 'SIMULATOR_OTP', 'SIMULATOR_OTP_TTL_SECONDS', 'SIMULATOR_PRIVATE_KEY'
  ])
  t.notMatch(errors.join('\n'), 'not a key', 'key material is never echoed')
})

test('an unreadable file and a non-RSA key are reported against the _FILE variable', async (t) => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()
  const missing = loadSimulatorSettings({ SIMULATOR_PRIVATE_KEY_FILE: '/nope' }, () => { throw Object.assign(new Error('x'), { code: 'ENOENT' }) })
  t.same(missing, { ok: false, errors: ['SIMULATOR_PRIVATE_KEY_FILE: cannot read /nope (ENOENT)'] })
  const notRsa = loadSimulatorSettings({ SIMULATOR_PRIVATE_KEY_FILE: '/ec' }, () => ec)
  t.same(notRsa, { ok: false, errors: ['SIMULATOR_PRIVATE_KEY_FILE: is not an RSA private key'] })
})
