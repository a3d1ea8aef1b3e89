import { test, type Test } from 'tap'
import { createServer, type IncomingMessage } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createVerifier, type AuthSettings } from '../../src/plugins/auth.ts'
import { build } from '../helpers/build.ts'
import { isProblem } from '../helpers/problem.ts'

const base: AuthSettings = { AUTH_AGENT_CLAIM: 'user_code', AUTH_OPS_ROLE: 'ops', AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: undefined, AUTH_JWT_ISSUER: undefined, AUTH_JWT_AUDIENCE: undefined, AUTH_MAX_TOKEN_AGE_SECONDS: 86_400 }
const SECRET = 's'.repeat(32)
const KEY = new TextEncoder().encode(SECRET)
const now = () => Math.floor(Date.now() / 1000)

/** The identity provider's JWKS endpoint, on loopback; `requests` counts the fetches. */
async function jwksServer (t: Test, keys: object[], answer = true): Promise<{ url: string, requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = []
  const server = createServer((req, res) => {
    requests.push(req)
    if (!answer) return
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>(resolve => { server.closeAllConnections(); server.close(() => resolve()) }))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/realms/x/jwks.json`, requests }
}

async function verifierFor (t: Test, settings: Partial<AuthSettings>, options = {}) {
  const verifier = await createVerifier({ ...base, ...settings }, options)
  t.teardown(() => verifier.close())
  return verifier.verify
}

test('JWKS mode: RS256 and ES256 tokens from the identity provider are accepted', async (t) => {
  const rs = await generateKeyPair('RS256')
  const es = await generateKeyPair('ES256')
  const { url, requests } = await jwksServer(t, [
    { ...await exportJWK(rs.publicKey), kid: 'rs', alg: 'RS256' },
    { ...await exportJWK(es.publicKey), kid: 'es', alg: 'ES256' }
  ])
  const verify = await verifierFor(t, { AUTH_JWKS_URL: url, AUTH_AGENT_CLAIM: 'agent' })
  const rsToken = await new SignJWT({ agent: '20810200' }).setProtectedHeader({ alg: 'RS256', kid: 'rs' }).setSubject('u1').setExpirationTime('5m').sign(rs.privateKey)
  const esToken = await new SignJWT({ roles: ['ops'] }).setProtectedHeader({ alg: 'ES256', kid: 'es' }).setSubject('u2').setExpirationTime('5m').sign(es.privateKey)
  t.same(await verify(rsToken), { id: 'u1', agentCode: '20810200', isOps: false })
  t.same(await verify(esToken), { id: 'u2', agentCode: undefined, isOps: true })
  t.same(await verify(rsToken), { id: 'u1', agentCode: '20810200', isOps: false }, 'again, from the cached key')
  t.equal(requests.length, 2, 'the JWKS fetched once per key, not per token')
  t.equal(requests[0]?.url, '/realms/x/jwks.json', 'at the configured path')
})

test('JWKS mode refuses HS256 (no algorithm confusion), keys it does not publish, and a key of the other type', async (t) => {
  const rs = await generateKeyPair('RS256')
  const stranger = await generateKeyPair('RS256')
  const es = await generateKeyPair('ES256')
  const rsJwk = await exportJWK(rs.publicKey)
  const { url } = await jwksServer(t, [{ ...rsJwk, kid: 'rs', alg: 'RS256' }, { ...rsJwk, kid: 'rs-no-alg' }])
  const verify = await verifierFor(t, { AUTH_JWKS_URL: url })
  const claims = { user_code: '20810200' }
  const cases = {
    'HS256 keyed with nothing': await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('5m').sign(new TextEncoder().encode('k'.repeat(32))),
    'HS256 naming the RSA key': await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'rs' }).setSubject('x').setExpirationTime('5m').sign(new TextEncoder().encode('k'.repeat(32))),
    'signed by a key it does not publish': await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rs' }).setSubject('x').setExpirationTime('5m').sign(stranger.privateKey),
    'ES256 naming an RSA key': await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'rs-no-alg' }).setSubject('x').setExpirationTime('5m').sign(es.privateKey),
    'no exp': await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'rs' }).setSubject('x').sign(rs.privateKey)
  }
  for (const [name, token] of Object.entries(cases)) {
    await t.rejects(verify(token), { code: 'UNAUTHENTICATED', statusCode: 401 }, name)
  }
})

test('JWKS mode: tokens naming unknown keys do not make the service fetch the JWKS for each', async (t) => {
  const rs = await generateKeyPair('RS256')
  const { url, requests } = await jwksServer(t, [{ ...await exportJWK(rs.publicKey), kid: 'rs', alg: 'RS256' }])
  const verify = await verifierFor(t, { AUTH_JWKS_URL: url })
  for (let i = 0; i < 20; i++) {
    const token = await new SignJWT({ user_code: '20810200' }).setProtectedHeader({ alg: 'RS256', kid: `random-${i}` }).setSubject('x').setExpirationTime('5m').sign(rs.privateKey)
    await t.rejects(verify(token), { code: 'UNAUTHENTICATED' })
  }
  t.equal(requests.length, 1, 'one fetch for twenty unknown keys')
})

test('JWKS mode: an identity provider that does not answer costs a bounded wait, then 401', async (t) => {
  const rs = await generateKeyPair('RS256')
  const { url } = await jwksServer(t, [], false)
  const verify = await verifierFor(t, { AUTH_JWKS_URL: url }, { jwksTimeoutMs: 300 })
  const token = await new SignJWT({ user_code: '20810200' }).setProtectedHeader({ alg: 'RS256', kid: 'rs' }).setSubject('x').setExpirationTime('5m').sign(rs.privateKey)
  const started = Date.now()
  await t.rejects(verify(token), { code: 'UNAUTHENTICATED' })
  t.ok(Date.now() - started < 3000, `answered after ${Date.now() - started} ms`)
})

test('a token naming neither a subject nor an agent is refused', async (t) => {
  const verify = await verifierFor(t, { AUTH_JWT_SECRET: SECRET })
  const token = await new SignJWT({ roles: ['ops'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(KEY)
  await t.rejects(verify(token), { code: 'UNAUTHENTICATED' })
})

test('a numeric agent claim is compared as text; roles must be an array', async (t) => {
  const verify = await verifierFor(t, { AUTH_JWT_SECRET: SECRET })
  const numeric = await new SignJWT({ user_code: 20810200, roles: 'ops' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(KEY)
  t.same(await verify(numeric), { id: 'agent:20810200', agentCode: '20810200', isOps: false })
})

test('a subject that is not a non-empty string is refused, not turned into a shared bucket', async (t) => {
  const verify = await verifierFor(t, { AUTH_JWT_SECRET: SECRET })
  for (const sub of [{}, [], '', 42]) {
    const token = await new SignJWT({ user_code: '20810200', sub } as Record<string, unknown>).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(KEY)
    await t.rejects(verify(token), { code: 'UNAUTHENTICATED' }, `sub ${JSON.stringify(sub)}`)
  }
})

test('a configured issuer or audience must be present in the token, not only right when present', async (t) => {
  const verify = await verifierFor(t, { AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://id.example', AUTH_JWT_AUDIENCE: 'eko-ekyc-bff' })
  const token = (iss?: string, aud?: string) => {
    const jwt = new SignJWT({ user_code: '20810200' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('5m')
    if (iss !== undefined) jwt.setIssuer(iss)
    if (aud !== undefined) jwt.setAudience(aud)
    return jwt.sign(KEY)
  }
  t.same(await verify(await token('https://id.example', 'eko-ekyc-bff')), { id: 'x', agentCode: '20810200', isOps: false })
  await t.rejects(verify(await token(undefined, 'eko-ekyc-bff')), { code: 'UNAUTHENTICATED' }, 'no iss')
  await t.rejects(verify(await token('https://id.example')), { code: 'UNAUTHENTICATED' }, 'no aud')
})

// A leaked token must not act for years: AUTH_MAX_TOKEN_AGE_SECONDS bounds how far ahead `exp`
// and how far back `iat` may lie, and `iat` may not lie in the future beyond a small skew.
test('token lifetime: AUTH_MAX_TOKEN_AGE_SECONDS bounds exp and iat', async (t) => {
  const verify = await verifierFor(t, { AUTH_JWT_SECRET: SECRET, AUTH_MAX_TOKEN_AGE_SECONDS: 3600 })
  const token = (claims: { exp: number, iat?: number }) => new SignJWT({ user_code: '20810200', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').sign(KEY)
  const accepted = {
    'exp exactly the maximum ahead': { exp: now() + 3600 },
    'exp a few seconds over, within the clock tolerance': { exp: now() + 3610, iat: now() },
    'iat a few seconds ahead (clock skew)': { exp: now() + 600, iat: now() + 10 },
    'iat just under the maximum ago': { exp: now() + 600, iat: now() - 3500 }
  }
  for (const [name, claims] of Object.entries(accepted)) t.equal((await verify(await token(claims))).id, 'x', name)
  const refused = {
    'exp in the year 5138': { exp: 99_999_999_999 },
    'exp two hours ahead': { exp: now() + 7200, iat: now() },
    'iat a year ahead': { exp: now() + 600, iat: now() + 365 * 86_400 },
    'iat two minutes ahead': { exp: now() + 600, iat: now() + 120 },
    'iat two hours ago': { exp: now() + 600, iat: now() - 7200 }
  }
  for (const [name, claims] of Object.entries(refused)) {
    await t.rejects(verify(await token(claims)), { code: 'UNAUTHENTICATED', statusCode: 401 }, name)
  }
})

test('token lifetime: the route answers 401 UNAUTHENTICATED for a token that lives too long, with the default of a day', async (t) => {
  const s = await build(t)
  t.equal(s.config.AUTH_MAX_TOKEN_AGE_SECONDS, 86_400, 'default: one day')
  const key = new TextEncoder().encode(s.config.AUTH_JWT_SECRET)
  const token = (claims: { exp: number, iat?: number }) => new SignJWT({ user_code: '20810200', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('agent-20810200').sign(key)
  const cases = {
    'exp in the year 5138': await token({ exp: 99_999_999_999, iat: now() }),
    'iat a year ahead': await token({ exp: now() + 600, iat: now() + 365 * 86_400 })
  }
  for (const [name, jwt] of Object.entries(cases)) {
    s.secrets.add(jwt)
    const res = await s.post('20810200', s.body(), { authorization: `Bearer ${jwt}` })
    isProblem(t, res, 401, 'UNAUTHENTICATED', name)
    t.match(res.headers['www-authenticate'], /error="invalid_token"/, `${name}: WWW-Authenticate names the token`)
  }
  const day = await token({ exp: now() + 86_400, iat: now() })
  s.secrets.add(day)
  t.equal((await s.post('20810200', s.body(), { authorization: `Bearer ${day}` })).status, 200, 'a token for a day is accepted')
  t.equal(s.sim.calls.length, 1, 'Eko called only for the accepted token')
})
