import { randomBytes } from 'node:crypto'
import type { Config } from '../config.ts'
import type { AppConfig } from '../app.ts'
import { startSimulator, type Simulator } from '../simulator/index.ts'
import { SAMPLE_PID_DATA } from '../pid/sample.ts'
import { mintToken } from './tokens.ts'

/** A made-up number that passes the Verhoeff check, for the printed curl lines only. */
export const DEMO_AADHAAR = '2341 2341 2346'
export const DEMO_AGENT = '20810200'

export interface Embedded {
  config: AppConfig
  simulator: Simulator
  banner (listeningAt: string, metricsAt: string): Promise<string>
  close (): Promise<void>
}

/**
 * Development mode (README, "Quick start"): the Eko simulator in-process with fresh keys and credentials,
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

  async function banner (listeningAt: string, metricsAt: string): Promise<string> {
    const lines = [
      '',
      'eko-ekyc-bff is running in DEVELOPMENT mode against the built-in Eko simulator',
      `  Eko simulator:  ${simulator.baseUrl}`,
      `  Swagger UI:     ${listeningAt}/docs`,
      `  Metrics:        ${metricsAt} (METRICS_PORT; not served on the API port)`
    ]
    if (secret !== undefined) {
      const agent = await mintToken(secret, { sub: `agent-${DEMO_AGENT}`, userCode: DEMO_AGENT }, { agentClaim: config.AUTH_AGENT_CLAIM })
      const ops = await mintToken(secret, { sub: 'ops-console', roles: [config.AUTH_OPS_ROLE] })
      const who = { aadhaar: DEMO_AADHAAR, mobile: '9876543210', latlong: '28.6139,77.2090' }
      const base = `${listeningAt}/agents/${DEMO_AGENT}`
      const post = (path: string, body: object) => [
        `  curl -sS -X POST ${base}${path} -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\`,
        `    -d '${JSON.stringify(body)}'`
      ]
      lines.push(
        `  Agent token (${DEMO_AGENT}, 12 h):`, `    ${agent}`,
        '  Ops token (any agent, 12 h):', `    ${ops}`,
        '',
        `Walk agent ${DEMO_AGENT} through eKYC with curl (each step needs the previous answer's references):`,
        `  TOKEN='${agent}'`,
        '1. Send the OTP:',
        ...post('/ekyc/otp', who),
        `2. Verify it: the simulator's OTP is ${simulator.otp}; put in the otpRefId and referenceTid step 1 answered:`,
        ...post('/ekyc/otp/verify', { ...who, otp: simulator.otp, otpRefId: '<otpRefId>', referenceTid: '<referenceTid>' }),
        '3. Complete the eKYC with a fingerprint (a sample PID document), the otpRefId and the NEW referenceTid step 2 answered:',
        ...post('/ekyc/biometric', { ...who, pidData: SAMPLE_PID_DATA, bankCode: 'HDFC', otpRefId: '<otpRefId>', referenceTid: '<referenceTid from step 2>' }),
        '4. Authenticate the agent for today (needed once a day, after the eKYC):',
        ...post('/daily-auth', { ...who, pidData: SAMPLE_PID_DATA, bankCode: 'HDFC' }),
        '5. What the service recorded of the agent\'s eKYC (ops use it from Swagger UI):',
        `  curl -sS ${base}/ekyc -H "Authorization: Bearer $TOKEN"`,
        '',
        ...(config.OTP_COOLDOWN_SECONDS > 0 ? [`Sending a second OTP within ${config.OTP_COOLDOWN_SECONDS} s answers 429 OTP_RATE_LIMITED (OTP_COOLDOWN_SECONDS); once the eKYC is completed, the eKYC steps answer 409 EKYC_ALREADY_COMPLETED.`] : []),
        'Any other 8-digit user code starts afresh with the ops token; codes such as 99990463 (not onboarded) or 99990346 (not activated) show each error: see the README.'
      )
    }
    lines.push('')
    return lines.join('\n')
  }

  return { config: full, simulator, banner, close: () => simulator.close() }
}
