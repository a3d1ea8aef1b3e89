import { createSigner } from 'fast-jwt'

export interface TokenClaims {
  sub: string
  userCode?: string
  roles?: string[]
}

/** An HS256 caller token, as the retailer apps' identity provider would issue. For development and tests. */
export async function mintToken (secret: string, claims: TokenClaims, options: { ttl?: string, agentClaim?: string } = {}): Promise<string> {
  const payload: Record<string, unknown> = { sub: claims.sub }
  if (claims.userCode !== undefined) payload[options.agentClaim ?? 'user_code'] = claims.userCode
  if (claims.roles !== undefined) payload.roles = claims.roles
  // fast-jwt sets `iat` itself; `ttl` is a duration such as `12h` or `90m`.
  return createSigner({ key: secret, algorithm: 'HS256', expiresIn: options.ttl ?? '12h' })(payload)
}
