import { test } from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { loggerOptions } from '../src/logger.ts'

/**
 * Redaction is the second line of defence (nothing logs these on purpose): wherever foreign data
 * could reach a log line whole (an error's own properties, a body, headers, the configuration),
 * the secret fields are censored.
 */
test('secrets inside an error, a body, headers or the configuration are censored', async (t) => {
  let out = ''
  const log = pino(loggerOptions('info'), new Writable({ write (chunk, _enc, done) { out += String(chunk); done() } }))
  const secrets = {
    aadhaar: '234123412346',
    aadhar: '987698769876',
    mobile: '9876543210',
    customer_id: '9123456780',
    authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl',
    developer_key: 'dev-key-0123456789',
    'secret-key': 'c2lnbmVkLXRpbWVzdGFtcA==',
    EKO_ACCESS_KEY: 'access-key-0123456789',
    EKO_DEVELOPER_KEY: 'developer-key-0123456789',
    AUTH_JWT_SECRET: 'jwt-secret-0123456789-0123456789',
    STORE_SECRET: 'store-secret-0123456789-012345678'
  }
  log.error({ err: Object.assign(new Error('upstream failed'), secrets) }, 'an error carrying request data')
  log.info({ body: secrets }, 'a body')
  log.info({ headers: secrets }, 'headers')
  log.info({ config: secrets }, 'the configuration')
  log.info({ req: { method: 'POST', url: '/x', headers: { authorization: secrets.authorization, cookie: 'session=abc123def456', 'idempotency-key': 'key-0123456789' } } }, 'a raw request')
  t.equal(out.trim().split('\n').length, 5, 'every line written')
  for (const [name, value] of Object.entries({ ...secrets, cookie: 'abc123def456', 'idempotency-key': 'key-0123456789' })) {
    t.notOk(out.includes(value), `${name} censored`)
  }
  t.ok(out.includes('[redacted]'), 'replaced, not dropped')
  t.ok(out.includes('upstream failed'), 'the rest of the line stays')
})
