import { randomBytes } from 'node:crypto'
import type { Test } from 'tap'
import { pino } from 'pino'
import { Agent, request, type Dispatcher } from 'undici'
import { buildApp, type AppConfig } from '../../src/app.ts'
import { loadConfig } from '../../src/config.ts'
import { loggerOptions } from '../../src/logger.ts'
import { mintToken } from '../../src/dev/tokens.ts'
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/index.ts'
import { captureLogs, collected, type Secrets, type LogCapture } from './leaks.ts'
import { testAadhaar, testMobile } from './aadhaar.ts'
import { testOtp } from './pid.ts'

export interface Built {
  app: Awaited<ReturnType<typeof buildApp>>
  sim: Simulator
  url: string
  /** Origin of the separate metrics listener: GET `${metricsUrl}/metrics`. */
  metricsUrl: string
  config: AppConfig
  logs: LogCapture
  secrets: Secrets
  tokens: { agent: string, ops: string, other: string }
  /** A fresh valid request body; its Aadhaar and mobile numbers are registered as secrets. */
  body (extra?: Record<string, unknown>): Record<string, unknown>
  /** POST /agents/{userCode}/ekyc/otp over real HTTP; the response is checked for leaks. */
  post (userCode: string, body: unknown, headers?: Record<string, string>): Promise<Reply>
  /** Any route over real HTTP, as the agent unless headers say otherwise; the response is checked for leaks. */
  call (method: 'GET' | 'POST', path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>
  /** The one OTP the simulator accepts in this build: 8 digits with a leading zero, registered as a secret. */
  otp: string
}

export interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  json: Record<string, unknown>
  text: string
}

export interface BuildOptions {
  config?: Partial<AppConfig>
  simulator?: SimulatorOptions
  /** Wraps the wire recorder, e.g. to point at a closed port. */
  dispatcher?: Dispatcher
}

/** Records what the service really sends to Eko, so the leak scan knows every signature and ciphertext. */
function wireRecorder (secrets: Secrets, base?: Dispatcher): Dispatcher {
  return (base ?? new Agent()).compose((dispatch) => (opts, handler) => {
    const headers = opts.headers as Record<string, string> | undefined
    secrets.add(headers?.['secret-key'], headers?.developer_key)
    if (typeof opts.body === 'string') {
      const sent = JSON.parse(opts.body) as Record<string, string>
      secrets.add(sent.aadhar, sent.aadhaar, sent.customer_id, sent.otp, sent.piddata)
    }
    return dispatch(opts, handler)
  })
}

/** The app against a real simulator, both on port 0, with captured logs scanned for secrets when the test ends. */
export async function build (t: Test, options: BuildOptions = {}): Promise<Built> {
  const secrets = collected.secrets
  const otp = testOtp(secrets)
  const sim = await startSimulator({ otp, ...options.simulator })
  const logs = captureLogs()
  collected.logs.push(logs)
  const jwtSecret = randomBytes(32).toString('base64url')
  const base = loadConfig({ NODE_ENV: 'test' }).config
  const config: AppConfig = {
    ...base,
    ...sim.ekoSettings,
    AUTH_JWT_SECRET: jwtSecret,
    OTP_COOLDOWN_SECONDS: 0,
    METRICS_PORT: 0,
    ...options.config
  }
  const dispatcher = wireRecorder(secrets, options.dispatcher)
  let app: Built['app']
  try {
    app = await buildApp({ config, logger: pino(loggerOptions('debug'), logs.stream), dispatcher })
  } catch (err) {
    await sim.close()
    throw err
  }
  // One teardown, everything closed before the leak check may throw: a throw must not leave a
  // server open and the test process hanging.
  t.teardown(async () => {
    try {
      await app.close()
      await dispatcher.close()
    } finally {
      await sim.close()
    }
    secrets.throwIfFound(logs.text(), 'the service log')
  })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const metricsUrl = await app.metricsListener.listen()
  const tokens = {
    agent: await mintToken(jwtSecret, { sub: 'agent-20810200', userCode: '20810200' }),
    ops: await mintToken(jwtSecret, { sub: 'ops-1', roles: ['ops'] }),
    other: await mintToken(jwtSecret, { sub: 'agent-20810201', userCode: '20810201' })
  }
  secrets.add(sim.developerKey, sim.accessKey, jwtSecret, config.EKO_ACCESS_KEY, config.EKO_DEVELOPER_KEY, ...Object.values(tokens))

  function body (extra: Record<string, unknown> = {}): Record<string, unknown> {
    const aadhaar = testAadhaar()
    const mobile = testMobile()
    secrets.addAadhaar(aadhaar)
    secrets.add(mobile)
    return { aadhaar, mobile, latlong: '28.6139,77.2090', ...extra }
  }

  async function post (userCode: string, payload: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    return await call('POST', `/agents/${userCode}/ekyc/otp`, payload, headers)
  }

  async function call (method: 'GET' | 'POST', path: string, payload?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const res = await request(`${address}${path}`, {
      method,
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), authorization: `Bearer ${tokens.agent}`, ...headers },
      ...(payload === undefined ? {} : { body: typeof payload === 'string' ? payload : JSON.stringify(payload) })
    })
    const text = await res.body.text()
    secrets.assertClean(t, text, `the ${res.statusCode} response`)
    let json: Record<string, unknown> = {}
    try { json = JSON.parse(text) } catch {}
    return { status: res.statusCode, headers: res.headers, json, text }
  }

  return { app, sim, url: address, metricsUrl, config, logs, secrets, tokens, body, post, call, otp: sim.otp }
}
