import { SignJWT } from 'jose'

export interface TokenClaims {
  sub: string
  userCode?: string
  roles?: string[]
}

/** An HS256 caller token, as the retailer apps' identity provider would issue. For development and tests. */
export async function mintToken (secret: string, claims: TokenClaims, options: { ttl?: string, agentClaim?: string } = {}): Promise<string> {
  const payload: Record<string, unknown> = {}
  if (claims.userCode !== undefined) payload[options.agentClaim ?? 'user_code'] = claims.userCode
  if (claims.roles !== undefined) payload.roles = claims.roles
  return await new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(options.ttl ?? '12h')
    .sign(new TextEncoder().encode(secret))
}
