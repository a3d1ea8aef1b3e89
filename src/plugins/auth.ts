import fp from 'fastify-plugin'
import type { FastifyRequest } from 'fastify'
import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import type { Config } from '../config.ts'
import { problem } from '../errors.ts'

export interface Caller {
  /** Stable id for rate limits and idempotency scopes: the token's `sub`, else its agent code. */
  id: string
  agentCode: string | undefined
  isOps: boolean
}

declare module 'fastify' {
  interface FastifyRequest {
    caller?: Caller
  }
  interface FastifyInstance {
    /** onRequest hook: verifies the bearer token and sets `request.caller`, or throws 401. */
    authenticate (request: FastifyRequest): Promise<void>
    /** onRequest hook, after `authenticate`: the caller must be the agent in `params.userCode` or hold the ops role. */
    authorizeAgent (request: FastifyRequest): Promise<void>
  }
}

export type AuthSettings = Pick<Config, 'AUTH_JWT_SECRET' | 'AUTH_JWKS_URL' | 'AUTH_JWT_ISSUER' | 'AUTH_JWT_AUDIENCE' | 'AUTH_AGENT_CLAIM' | 'AUTH_OPS_ROLE'>

const unauthenticated = (detail: string, error?: string) => problem('UNAUTHENTICATED', detail, {
  headers: { 'www-authenticate': error === undefined ? 'Bearer realm="eko-ekyc-bff"' : `Bearer realm="eko-ekyc-bff", error="${error}"` }
})

/** A verifier for caller tokens: HS256 with a shared secret, or RS256/ES256 from the identity provider's JWKS. */
export function createVerifier (settings: AuthSettings): (token: string) => Promise<Caller> {
  const secret = settings.AUTH_JWT_SECRET
  if (secret === undefined && settings.AUTH_JWKS_URL === undefined) throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL is required')
  const key: Uint8Array | JWTVerifyGetKey = secret !== undefined
    ? new TextEncoder().encode(secret)
    : createRemoteJWKSet(new URL(settings.AUTH_JWKS_URL!), { timeoutDuration: 5000, cooldownDuration: 30_000 })
  const options = {
    algorithms: secret !== undefined ? ['HS256'] : ['RS256', 'ES256'],
    requiredClaims: ['exp'],
    ...(settings.AUTH_JWT_ISSUER === undefined ? {} : { issuer: settings.AUTH_JWT_ISSUER }),
    ...(settings.AUTH_JWT_AUDIENCE === undefined ? {} : { audience: settings.AUTH_JWT_AUDIENCE })
  }
  return async function verify (token) {
    let payload: JWTPayload
    try {
      // jose's overloads differ only in the key type; both are valid here.
      payload = (typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options)).payload
    } catch (err) {
      const code = (err as { code?: string }).code
      throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'the token has expired' : 'the token is not valid', 'invalid_token')
    }
    const claim = payload[settings.AUTH_AGENT_CLAIM]
    const agentCode = typeof claim === 'string' || typeof claim === 'number' ? String(claim) : undefined
    const roles = Array.isArray(payload.roles) ? payload.roles : []
    const isOps = roles.includes(settings.AUTH_OPS_ROLE)
    // jose checks `sub`'s presence only when asked, never its type: a rate-limit bucket needs text.
    const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined
    if (payload.sub !== undefined && sub === undefined) throw unauthenticated('the token\'s subject is not a string', 'invalid_token')
    const id = sub ?? (agentCode === undefined ? undefined : `agent:${agentCode}`)
    if (id === undefined) throw unauthenticated('the token names neither a subject nor an agent', 'invalid_token')
    return { id, agentCode, isOps }
  }
}

export default fp<{ settings: AuthSettings }>(async function authPlugin (app, { settings }) {
  const verify = createVerifier(settings)

  app.decorate('authenticate', async function (request: FastifyRequest) {
    const header = request.headers.authorization
    const match = header === undefined ? null : /^Bearer ([A-Za-z0-9_.-]+)$/i.exec(header.trim())
    if (match === null) throw unauthenticated('send an `Authorization: Bearer <token>` header')
    request.caller = await verify(match[1]!)
  })

  app.decorate('authorizeAgent', async function (request: FastifyRequest) {
    const caller = request.caller
    const userCode = (request.params as { userCode?: string }).userCode
    if (caller === undefined) throw unauthenticated('not authenticated')
    if (caller.isOps || (caller.agentCode !== undefined && caller.agentCode === userCode)) return
    throw problem('FORBIDDEN', 'the token does not allow acting for this agent')
  })
}, { name: 'auth' })
