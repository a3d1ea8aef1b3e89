import { randomBytes } from 'node:crypto'
import type { Config } from '../config.ts'
import type { AppConfig } from '../app.ts'
import { startSimulator, type Simulator } from '../simulator/index.ts'
import { mintToken } from './tokens.ts'

/** A made-up number that passes the Verhoeff check, for the printed curl line only. */
export const DEMO_AADHAAR = '2341 2341 2346'
export const DEMO_AGENT = '20810200'

export interface Embedded {
  config: AppConfig
  simulator: Simulator
  banner (listeningAt: string): Promise<string>
  close (): Promise<void>
}

/**
 * Development mode (contract §2): the Eko simulator in-process with fresh keys and credentials,
 * and a generated JWT secret, so `npm start` works on a fresh clone with nothing configured.
 */
export async function startEmbedded (config: Config): Promise<Embedded> {
  const simulator = await startSimulator({ host: '127.0.0.1', port: 0 })
  const secret = config.AUTH_JWT_SECRET ?? (config.AUTH_JWKS_URL === undefined ? randomBytes(32).toString('base64url') : undefined)
  const full: AppConfig = {
    ...config,
    ...simulator.ekoSettings,
    ...(secret === undefined ? {} : { AUTH_JWT_SECRET: secret })
  }

  async function banner (listeningAt: string): Promise<string> {
    const lines = [
      '',
      'eko-ekyc-bff is running in DEVELOPMENT mode against the built-in Eko simulator',
      `  Eko simulator:  ${simulator.baseUrl}`,
      `  Swagger UI:     ${listeningAt}/docs`
    ]
    if (secret !== undefined) {
      const agent = await mintToken(secret, { sub: `agent-${DEMO_AGENT}`, userCode: DEMO_AGENT }, { agentClaim: config.AUTH_AGENT_CLAIM })
      const ops = await mintToken(secret, { sub: 'ops-console', roles: [config.AUTH_OPS_ROLE] })
      const body = JSON.stringify({ aadhaar: DEMO_AADHAAR, mobile: '9876543210', latlong: '28.6139,77.2090' })
      lines.push(
        `  Agent token (${DEMO_AGENT}, 12 h):`, `    ${agent}`,
        '  Ops token (any agent, 12 h):', `    ${ops}`,
        '', 'Send an OTP:',
        `  curl -sS -X POST ${listeningAt}/agents/${DEMO_AGENT}/ekyc/otp \\`,
        `    -H 'Authorization: Bearer ${agent}' \\`,
        "    -H 'Content-Type: application/json' \\",
        `    -d '${body}'`,
        '',
        ...(config.OTP_COOLDOWN_SECONDS > 0 ? [`Run it again within ${config.OTP_COOLDOWN_SECONDS} s and the per-agent cooldown answers 429 OTP_RATE_LIMITED (OTP_COOLDOWN_SECONDS).`] : []),
        'Simulator user codes such as 99990463 (not onboarded) or 99990346 (not activated) show each error: see the README.'
      )
    }
    lines.push('')
    return lines.join('\n')
  }

  return { config: full, simulator, banner, close: () => simulator.close() }
}
