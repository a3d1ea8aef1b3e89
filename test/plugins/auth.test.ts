import { test, type Test } from 'tap'
import { createServer } from 'node:http'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT } from 'jose'
import { createVerifier, type AuthSettings } from '../../src/plugins/auth.ts'

const base: AuthSettings = { AUTH_AGENT_CLAIM: 'user_code', AUTH_OPS_ROLE: 'ops', AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: undefined, AUTH_JWT_ISSUER: undefined, AUTH_JWT_AUDIENCE: undefined }

/** The identity provider's JWKS endpoint, on loopback. */
async function jwksServer (t: Test, keys: object[]): Promise<string> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => new Promise<void>(resolve => server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`
}

test('JWKS mode: RS256 and ES256 tokens from the identity provider are accepted', async (t) => {
  const rs = await generateKeyPair('RS256')
  const es = await generateKeyPair('ES256')
  const url = await jwksServer(t, [
    { ...await exportJWK(rs.publicKey), kid: 'rs', alg: 'RS256' },
    { ...await exportJWK(es.publicKey), kid: 'es', alg: 'ES256' }
  ])
  const verify = createVerifier({ ...base, AUTH_JWKS_URL: url, AUTH_AGENT_CLAIM: 'agent' })
  const rsToken = await new SignJWT({ agent: '20810200' }).setProtectedHeader({ alg: 'RS256', kid: 'rs' }).setSubject('u1').setExpirationTime('5m').sign(rs.privateKey)
  const esToken = await new SignJWT({ roles: ['ops'] }).setProtectedHeader({ alg: 'ES256', kid: 'es' }).setSubject('u2').setExpirationTime('5m').sign(es.privateKey)
  t.same(await verify(rsToken), { id: 'u1', agentCode: '20810200', isOps: false })
  t.same(await verify(esToken), { id: 'u2', agentCode: undefined, isOps: true })
})

test('JWKS mode refuses HS256 (no algorithm confusion) and keys it does not publish', async (t) => {
  const rs = await generateKeyPair('RS256')
  const stranger = await generateKeyPair('RS256')
  const url = await jwksServer(t, [{ ...await exportJWK(rs.publicKey), kid: 'rs', alg: 'RS256' }])
  const verify = createVerifier({ ...base, AUTH_JWKS_URL: url })
  const hs = await new SignJWT({ user_code: '20810200' }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setExpirationTime('5m').sign(new TextEncoder().encode('k'.repeat(32)))
  const foreign = await new SignJWT({ user_code: '20810200' }).setProtectedHeader({ alg: 'RS256', kid: 'rs' }).setSubject('x').setExpirationTime('5m').sign(stranger.privateKey)
  await t.rejects(verify(hs), { code: 'UNAUTHENTICATED', statusCode: 401 })
  await t.rejects(verify(foreign), { code: 'UNAUTHENTICATED', statusCode: 401 })
})

test('a token naming neither a subject nor an agent is refused', async (t) => {
  const secret = 's'.repeat(32)
  const verify = createVerifier({ ...base, AUTH_JWT_SECRET: secret })
  const token = await new SignJWT({ roles: ['ops'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(secret))
  await t.rejects(verify(token), { code: 'UNAUTHENTICATED' })
})

test('a numeric agent claim is compared as text; roles must be an array', async (t) => {
  const secret = 's'.repeat(32)
  const key = new TextEncoder().encode(secret)
  const verify = createVerifier({ ...base, AUTH_JWT_SECRET: secret })
  const numeric = await new SignJWT({ user_code: 20810200, roles: 'ops' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key)
  t.same(await verify(numeric), { id: 'agent:20810200', agentCode: '20810200', isOps: false })
})

test('a subject that is not a non-empty string is refused, not turned into a shared bucket', async (t) => {
  const secret = 's'.repeat(32)
  const key = new TextEncoder().encode(secret)
  const verify = createVerifier({ ...base, AUTH_JWT_SECRET: secret })
  for (const sub of [{}, [], '', 42]) {
    const token = await new SignJWT({ user_code: '20810200', sub } as Record<string, unknown>).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(key)
    await t.rejects(verify(token), { code: 'UNAUTHENTICATED' }, `sub ${JSON.stringify(sub)}`)
  }
})
