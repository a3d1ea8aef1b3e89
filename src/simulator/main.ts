import { renameSync, writeFileSync } from 'node:fs'
import { pino } from 'pino'
import { startSimulator } from './app.ts'
import { SAMPLE_USER_CODE } from './scenarios.ts'
import { loadSimulatorSettings, UAT_CREDENTIALS } from './settings.ts'

/*
 * `npm run simulator`: the simulator alone, for docker-compose and front-end work. The only
 * place in src/simulator that reads process.env.
 */
const result = loadSimulatorSettings(process.env)
if (!result.ok) {
  for (const line of result.errors) process.stderr.write(`${line}\n`)
  process.exit(1)
}
const settings = result.settings
const logger = pino({ name: 'eko-simulator' })
const simulator = await startSimulator({ ...settings, logger }).catch((err: NodeJS.ErrnoException) => {
  process.stderr.write(`SIMULATOR_PORT: cannot listen on ${settings.host}:${settings.port} (${err.code ?? err.message})\n`)
  process.exit(1)
})

if (settings.publicKeyOut !== undefined) {
  try {
    // Write then rename, so a service polling for the file never reads half a key.
    const partial = `${settings.publicKeyOut}.${process.pid}.tmp`
    writeFileSync(partial, simulator.publicKeyDer + '\n')
    renameSync(partial, settings.publicKeyOut)
  } catch (err) {
    process.stderr.write(`SIMULATOR_PUBLIC_KEY_OUT: cannot write ${settings.publicKeyOut} (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`)
    await simulator.close()
    process.exit(1)
  }
}

const accessKeyNote = settings.accessKey === UAT_CREDENTIALS.accessKey ? "Eko's public UAT access key" : 'from SIMULATOR_ACCESS_KEY'
process.stdout.write([
  'Eko simulator (a test tool, not Eko)',
  `  EKO_BASE_URL=${simulator.baseUrl}`,
  `  EKO_DEVELOPER_KEY=${simulator.developerKey}`,
  `  EKO_INITIATOR_ID=${simulator.initiatorId}`,
  `  EKO_ACCESS_KEY: ${accessKeyNote}`,
  `  EKO_AADHAAR_PUBLIC_KEY=${simulator.publicKeyDer}`,
  ...(settings.publicKeyOut === undefined ? [] : [`  public key written to ${settings.publicKeyOut}`]),
  `  any valid user code succeeds (e.g. ${SAMPLE_USER_CODE}); scenario user codes and faults: src/simulator/README.md`,
  `  Verify OTP accepts the OTP ${simulator.otp} within ${settings.otpTtlMs / 1000} s of Send OTP (SIMULATOR_OTP, SIMULATOR_OTP_TTL_SECONDS)`,
  `  control API: ${simulator.origin}/__simulator/{fault,clock,calls}, health: ${simulator.origin}/health`,
  ''
].join('\n'))

let closing = false
async function shutdown (signal: string): Promise<void> {
  if (closing) return
  closing = true
  logger.info({ signal }, 'eko simulator closing')
  await simulator.close()
  process.exit(0)
}
process.once('SIGINT', () => { shutdown('SIGINT').catch(() => process.exit(1)) })
process.once('SIGTERM', () => { shutdown('SIGTERM').catch(() => process.exit(1)) })
