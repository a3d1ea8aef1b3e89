import { test } from 'tap'
import { randomBytes, randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { loggableUrl, scrubUrl } from '../src/logger.ts'

const secret = new TextEncoder().encode('s'.repeat(32))
const jwt = await new SignJWT({ user_code: '20810200', roles: ['ops'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(secret)
const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`

test('what a logged or echoed URL loses: tokens, keys and long numbers', async (t) => {
  const masked: Array<[string, string]> = [
    [`/x/${jwt}`, 'a signed JWT'],
    [`/x/${unsigned}`, 'an unsigned JWT (empty signature)'],
    [`/x/${jwt}.${randomBytes(16).toString('base64url')}.${randomBytes(16).toString('base64url')}`, 'a five-part JWE'],
    [`/agents/${randomBytes(24).toString('base64url')}/ekyc/otp`, '32 characters of base64url'],
    [`/keys/${encodeURIComponent('q+Zx/9KpL2mN+aB/7cD8eF0gHh==')}`, 'base64 with +, / and = percent-encoded'],
    [`/x/${randomBytes(12).toString('hex')}`, '24 hex digits'],
    [`/x/${randomBytes(16).toString('hex').toUpperCase()}`, '32 capital hex digits'],
    ['/x/d2fe1d99-6298-4af2-8cc5-d97dcf46df30', 'a UUID-shaped access key'],
    ['/x/becbbce45f79c6f5109f848acd540567', 'a 32-character developer key'],
    ['/agents/234123412346/ekyc/otp', 'an Aadhaar number'],
    ['/agents/2341 2341 2346/x', 'an Aadhaar number with spaces'],
    ['/agents/2341%202341%202346/x', 'an Aadhaar number with encoded spaces'],
    ['/x/98765-43210', 'a mobile number']
  ]
  for (const [url, what] of masked) {
    const scrubbed = scrubUrl(url)
    t.match(scrubbed, /\[redacted\]/, `${what}: masked`)
    const secretPart = url.split('/').find(part => part.length >= 10 && !['ekyc', 'agents'].includes(part)) ?? ''
    t.notOk(scrubbed.includes(secretPart), `${what}: nothing of it left (${scrubbed})`)
  }
  t.equal(scrubUrl(`/x/${jwt}/y`), '/x/[redacted]/y', 'the segments around it stay')
})

test('what stays readable: user codes, route words, asset names, short ids', async (t) => {
  for (const url of [
    '/agents/20810200/ekyc/otp',
    '/docs/static/swagger-ui-standalone-preset.js',
    '/docs/static/swagger-ui-bundle.js.map',
    '/docs/json',
    '/health/ready',
    '/openapi/openapi.json',
    '/x/eyJshort.a.b'
  ]) t.equal(scrubUrl(url), url, url)
})

test('a logged URL keeps its scrubbed path and drops the query', async (t) => {
  t.equal(loggableUrl(`/x/${jwt}?token=${jwt}`), '/x/[redacted]?[query dropped]')
  t.equal(loggableUrl(`/nope/${randomUUID()}`), '/nope/[redacted]')
})
