import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { createDecoder, createVerifier, type VerifierOptions } from 'fast-jwt'
import { Agent } from 'undici'

/** The identity provider's keys are fetched again after this, as jose's remote key set did. */
const JWKS_TTL_MS = 10 * 60_000
/** After a token named a key the JWKS did not have (or the fetch failed), unknown keys are not fetched for this long. */
const JWKS_MISS_COOLDOWN_MS = 30_000

export interface JwksCheck {
  /** The token's claims once its signature checks against a published key; throws otherwise. */
  check (token: string): Promise<Record<string, unknown>>
  close (): Promise<void>
}

/**
 * Tokens signed by the identity provider (RS256 or ES256), checked against its JWKS: fetched with
 * get-jwks and cached; each published key gets its own fast-jwt verifier, built once, for the one
 * algorithm its type allows, so neither HS256 keyed with a public key nor an ES256 token naming an
 * RSA key gets through. `claims` are the checks every token must also pass (exp, iss, aud, age).
 */
export async function createJwksCheck (jwksUrl: string, claims: Partial<VerifierOptions>, timeoutMs = 5000): Promise<JwksCheck> {
  // Loaded only in this mode: get-jwks brings an elliptic-curve library that HS256 never needs.
  const { default: buildGetJwks } = await import('get-jwks')
  const url = new URL(jwksUrl)
  const domain = `${url.origin}/`
  // Node's fetch has no timeout of its own; get-jwks passes these options to it.
  const dispatcher = new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs })
  const jwks = buildGetJwks({ jwksPath: url.pathname + url.search, ttl: JWKS_TTL_MS, max: 16, fetchOptions: { dispatcher } })
  const decodeHeader = createDecoder({ complete: true })
  const verifiers = new WeakMap<object, (token: string) => Record<string, unknown>>()
  let lastMiss = -Infinity

  function verifierFor (jwk: object): (token: string) => Record<string, unknown> {
    let verify = verifiers.get(jwk)
    if (verify === undefined) {
      const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
      const algorithm = key.asymmetricKeyType === 'rsa' ? 'RS256' : key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? 'ES256' : undefined
      if (algorithm === undefined) throw new Error('the JWKS key is neither RSA nor P-256')
      verify = createVerifier({ ...claims, key: key.export({ type: 'spki', format: 'pem' }) as string, algorithms: [algorithm] })
      verifiers.set(jwk, verify)
    }
    return verify
  }

  return {
    async check (token) {
      const { header } = decodeHeader(token) as { header: { alg?: unknown, kid?: unknown } }
      const alg = header.alg
      // HS256 with the public key as a secret is the classic confusion: refused before any key is looked up.
      if (alg !== 'RS256' && alg !== 'ES256') throw new Error('algorithm not allowed')
      const kid = typeof header.kid === 'string' ? header.kid : undefined
      // A token naming keys at random must not make this service fetch the JWKS for each one.
      const known = jwks.cache.get(jwks.generateCacheKey(alg, kid as string, domain)) !== undefined
      if (!known && Date.now() - lastMiss < JWKS_MISS_COOLDOWN_MS) throw new Error('unknown key, and the JWKS was fetched recently')
      let jwk: object
      try {
        jwk = await jwks.getJwk({ domain, alg, kid: kid as string })
      } catch (err) {
        lastMiss = Date.now()
        throw err
      }
      return verifierFor(jwk)(token)
    },
    async close () { await dispatcher.close() }
  }
}
