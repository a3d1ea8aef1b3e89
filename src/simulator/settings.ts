import { readFileSync } from 'node:fs'
import { parsePrivateKey } from './crypto.ts'

/** Eko's public UAT credentials (docs/eko.md §2): a service set up for UAT works against the simulator as is. */
export const UAT_CREDENTIALS = {
  developerKey: 'becbbce45f79c6f5109f848acd540567',
  accessKey: 'd2fe1d99-6298-4af2-8cc5-d97dcf46df30',
  initiatorId: '9962981729'
} as const

export interface SimulatorSettings {
  host: string
  port: number
  developerKey: string
  accessKey: string
  initiatorId: string
  /** The one OTP Verify OTP accepts. */
  otp: string
  /** How long an issued OTP may be verified. */
  otpTtlMs: number
  /** Undefined: generate a fresh pair at start. */
  privateKeyPem?: string
  /** Where to write the public key (base64 DER) at start, for the service's EKO_AADHAAR_PUBLIC_KEY_FILE. */
  publicKeyOut?: string
}

export type SettingsResult = { ok: true, settings: SimulatorSettings } | { ok: false, errors: string[] }

type ReadFile = (path: string) => string

/**
 * The standalone simulator's settings from an environment, with one message per problem, each
 * naming its variable. Pure but for reading `*_FILE` paths, and that reader can be replaced.
 */
export function loadSimulatorSettings (env: Record<string, string | undefined>, readFile: ReadFile = p => readFileSync(p, 'utf8')): SettingsResult {
  const errors: string[] = []
  const value = (name: string) => (env[name] === '' ? undefined : env[name])

  // A secret given inline or as NAME_FILE (as the service's own settings allow), never both.
  function secret (name: string): string | undefined {
    const inline = value(name)
    const file = value(`${name}_FILE`)
    if (inline !== undefined && file !== undefined) {
      errors.push(`${name}: set either ${name} or ${name}_FILE, not both`)
      return undefined
    }
    if (file === undefined) return inline
    try {
      return readFile(file).trim()
    } catch (err) {
      errors.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
      return undefined
    }
  }

  const host = value('SIMULATOR_HOST') ?? '127.0.0.1'
  const portText = value('SIMULATOR_PORT') ?? '4010'
  const port = Number(portText)
  if (!/^[0-9]{1,5}$/.test(portText) || port > 65535) errors.push(`SIMULATOR_PORT: "${portText}" is not a port number (0-65535)`)

  const developerKey = secret('SIMULATOR_DEVELOPER_KEY') ?? UAT_CREDENTIALS.developerKey
  if (!/^[\x21-\x7e]{1,200}$/.test(developerKey)) errors.push('SIMULATOR_DEVELOPER_KEY: must be 1-200 visible ASCII characters')
  const accessKey = secret('SIMULATOR_ACCESS_KEY') ?? UAT_CREDENTIALS.accessKey
  if (!/^[\x21-\x7e]{1,200}$/.test(accessKey)) errors.push('SIMULATOR_ACCESS_KEY: must be 1-200 visible ASCII characters')
  const initiatorId = value('SIMULATOR_INITIATOR_ID') ?? UAT_CREDENTIALS.initiatorId
  if (!/^[0-9]{10}$/.test(initiatorId)) errors.push(`SIMULATOR_INITIATOR_ID: "${initiatorId}" is not a 10-digit mobile number`)

  const otp = value('SIMULATOR_OTP') ?? '123456'
  if (!/^[0-9]{4,8}$/.test(otp)) errors.push('SIMULATOR_OTP: must be 4 to 8 digits')
  const ttlText = value('SIMULATOR_OTP_TTL_SECONDS') ?? '600'
  if (!/^[0-9]{1,6}$/.test(ttlText) || Number(ttlText) < 1) errors.push(`SIMULATOR_OTP_TTL_SECONDS: "${ttlText}" is not a number of seconds (1-999999)`)

  const privateKeyPem = secret('SIMULATOR_PRIVATE_KEY')?.replaceAll('\\n', '\n') // one-line .env files
  if (privateKeyPem !== undefined) {
    try {
      parsePrivateKey(privateKeyPem)
    } catch (err) {
      const name = value('SIMULATOR_PRIVATE_KEY_FILE') === undefined ? 'SIMULATOR_PRIVATE_KEY' : 'SIMULATOR_PRIVATE_KEY_FILE'
      errors.push(`${name}: ${(err as Error).message}`)
    }
  }
  const publicKeyOut = value('SIMULATOR_PUBLIC_KEY_OUT')

  if (errors.length > 0) return { ok: false, errors }
  const settings: SimulatorSettings = { host, port, developerKey, accessKey, initiatorId, otp, otpTtlMs: Number(ttlText) * 1000 }
  if (privateKeyPem !== undefined) settings.privateKeyPem = privateKeyPem
  if (publicKeyOut !== undefined) settings.publicKeyOut = publicKeyOut
  return { ok: true, settings }
}
