import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { createVerifier as createJwtVerifier, TokenError, type VerifierOptions as JwtOptions } from 'fast-jwt'
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
    authorizeAgent (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void
  }
}

export type AuthSettings = Pick<Config, 'AUTH_JWT_SECRET' | 'AUTH_JWKS_URL' | 'AUTH_JWT_ISSUER' | 'AUTH_JWT_AUDIENCE' | 'AUTH_AGENT_CLAIM' | 'AUTH_OPS_ROLE' | 'AUTH_MAX_TOKEN_AGE_SECONDS'>

/** How far an issuer's clock may run ahead of this host's: `iat` and the lifetime bound allow this much. */
export const CLOCK_TOLERANCE_SECONDS = 30
const BEARER = /^Bearer ([A-Za-z0-9_.-]+)$/i
const REALM = 'Bearer realm="eko-ekyc-bff"'

const unauthenticated = (detail: string, error?: string) => problem('UNAUTHENTICATED', detail, {
  headers: { 'www-authenticate': error === undefined ? REALM : `${REALM}, error="${error}"` }
})
const invalidToken = (detail: string) => unauthenticated(detail, 'invalid_token')

export interface Verifier {
  /** The caller a token names, or a 401 problem. */
  verify (token: string): Promise<Caller>
  close (): Promise<void>
}

export interface VerifierOptions {
  /** How long a JWKS fetch may take (default 5 s). */
  jwksTimeoutMs?: number
}

type Payload = Record<string, unknown>

/**
 * Caller tokens, checked with fast-jwt: HS256 with a shared secret, or RS256/ES256 signed by a key
 * from the identity provider's JWKS (./jwks.ts).
 * `exp` is required, and a token may not live longer than AUTH_MAX_TOKEN_AGE_SECONDS: neither an
 * `exp` further ahead nor an `iat` further back than that, nor an `iat` in the future.
 */
export async function createVerifier (settings: AuthSettings, options: VerifierOptions = {}): Promise<Verifier> {
  const secret = settings.AUTH_JWT_SECRET
  if (secret === undefined && settings.AUTH_JWKS_URL === undefined) throw new Error('AUTH_JWT_SECRET or AUTH_JWKS_URL is required')
  const maxAgeSeconds = settings.AUTH_MAX_TOKEN_AGE_SECONDS
  const issuer = settings.AUTH_JWT_ISSUER
  const audience = settings.AUTH_JWT_AUDIENCE
  // fast-jwt checks `iss` and `aud` only when present: required here, as jose did once they were configured.
  const common: Partial<JwtOptions> = {
    requiredClaims: ['exp', ...(issuer === undefined ? [] : ['iss']), ...(audience === undefined ? [] : ['aud'])],
    maxAge: maxAgeSeconds * 1000,
    ...(issuer === undefined ? {} : { allowedIss: issuer }),
    ...(audience === undefined ? {} : { allowedAud: audience })
  }

  function toCaller (payload: Payload): Caller {
    const nowS = Date.now() / 1000
    if ((payload.exp as number) > nowS + maxAgeSeconds + CLOCK_TOLERANCE_SECONDS) throw invalidToken('the token is valid for longer than this service accepts')
    if (typeof payload.iat === 'number' && payload.iat > nowS + CLOCK_TOLERANCE_SECONDS) throw invalidToken('the token was issued in the future')
    const claim = payload[settings.AUTH_AGENT_CLAIM]
    const agentCode = typeof claim === 'string' || typeof claim === 'number' ? String(claim) : undefined
    const isOps = Array.isArray(payload.roles) && payload.roles.includes(settings.AUTH_OPS_ROLE)
    // A rate-limit bucket needs text: a subject of another type is refused, not stringified.
    const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined
    if (payload.sub !== undefined && sub === undefined) throw invalidToken('the token\'s subject is not a string')
    const id = sub ?? (agentCode === undefined ? undefined : `agent:${agentCode}`)
    if (id === undefined) throw invalidToken('the token names neither a subject nor an agent')
    return { id, agentCode, isOps }
  }

  const rejected = (err: unknown) => (err as { code?: string }).code === TokenError.codes.expired
    ? invalidToken('the token has expired')
    : invalidToken('the token is not valid')

  if (secret !== undefined) {
    // The secret becomes a KeyObject once, here; each token then costs one HMAC.
    const check = createJwtVerifier({ ...common, key: secret, algorithms: ['HS256'] })
    return {
      async verify (token) {
        let payload: Payload
        try { payload = check(token) } catch (err) { throw rejected(err) }
        return toCaller(payload)
      },
      async close () {}
    }
  }

  // get-jwks and its key conversion (some thirty modules) are loaded only in JWKS mode.
  const { createJwksCheck } = await import('./jwks.ts')
  const jwks = await createJwksCheck(settings.AUTH_JWKS_URL!, common, options.jwksTimeoutMs)
  return {
    async verify (token) {
      let payload: Payload
      try { payload = await jwks.check(token) } catch (err) { throw rejected(err) }
      return toCaller(payload)
    },
    close: jwks.close
  }
}

export default fp<{ settings: AuthSettings }>(async function authPlugin (app, { settings }) {
  const verifier = await createVerifier(settings)
  app.addHook('onClose', async () => { await verifier.close() })
  // Declared up front, so every request object keeps one shape.
  app.decorateRequest('caller', undefined)

  app.decorate('authenticate', async function (request: FastifyRequest) {
    const header = request.headers.authorization
    const match = header === undefined ? null : BEARER.exec(header.trim())
    if (match === null) throw unauthenticated('send an `Authorization: Bearer <token>` header')
    request.caller = await verifier.verify(match[1]!)
  })

  // A callback hook: it never waits for anything, so it costs no promise per request.
  app.decorate('authorizeAgent', function (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) {
    const caller = request.caller
    const userCode = (request.params as { userCode?: string }).userCode
    if (caller === undefined) done(unauthenticated('not authenticated'))
    else if (caller.isOps || (caller.agentCode !== undefined && caller.agentCode === userCode)) done()
    else done(problem('FORBIDDEN', 'the token does not allow acting for this agent'))
  })
}, { name: 'auth' })
