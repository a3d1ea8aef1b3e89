import type { EndpointName, SimVariant } from './endpoints.ts'
import type { Fault } from './fault-schema.ts'

export interface SimulatorOptions {
  /** Default 127.0.0.1: the simulator never listens wider unless told to. */
  host?: string
  /** Default 0: a free port. */
  port?: number
  /** Default: fresh random hex, 32 characters. */
  developerKey?: string
  /** Default: a fresh random UUID. */
  accessKey?: string
  /** Default '9962981729', Eko's public UAT initiator. */
  initiatorId?: string
  /** Default: a fresh 1024-bit RSA pair, like Eko's keys. */
  privateKeyPem?: string
  /** How far `secret-key-timestamp` may be from the simulated clock. Default 30 000. */
  timestampToleranceMs?: number
  /** The simulated Eko clock is Date.now() + this; it drives the timestamp check and `Date`. */
  clockOffsetMs?: number
  /** The one OTP Verify OTP accepts. Default '123456'. */
  otp?: string
  /** How long an issued OTP may be verified, in milliseconds. Default 600 000. */
  otpTtlMs?: number
  /** Gets one line per API call: never Aadhaar, keys or signatures. */
  logger?: { info (obj: object, msg?: string): void } | undefined
}

export interface SimulatorCall {
  /** Real time (Date.now()) the request arrived. */
  at: number
  method: string
  path: string
  variant?: SimVariant
  /** Which of Eko's calls the path named. */
  operation?: EndpointName
  userCode?: string
  clientRefId?: string
  /** The status sent; 0 when the connection was reset before any header. */
  httpStatus: number
  /** Eko's `status` when the reply was an envelope. */
  ekoStatus?: number
  aadhaarLast4?: string
  /** The fault applied to this call, global or from a scenario user code. */
  fault?: Fault['kind']
  /** The check that refused the call (path, method, content-type, developer_key, secret-key, ...). */
  refusedBy?: string
}

export interface Simulator {
  /** e.g. http://127.0.0.1:PORT/ekoapi/v3: the service's EKO_BASE_URL. */
  baseUrl: string
  origin: string
  developerKey: string
  accessKey: string
  initiatorId: string
  /** base64 DER SubjectPublicKeyInfo, exactly as Eko publishes its keys. */
  publicKeyDer: string
  /** The OTP Verify OTP accepts. */
  otp: string
  /** The service's settings (environment variables) that point it at this simulator. */
  ekoSettings: {
    EKO_BASE_URL: string
    EKO_DEVELOPER_KEY: string
    EKO_ACCESS_KEY: string
    EKO_INITIATOR_ID: string
    EKO_AADHAAR_PUBLIC_KEY: string
  }
  /** Every request that reached /ekoapi/, in order. The same array for the simulator's lifetime. */
  calls: SimulatorCall[]
  setFault (fault: Fault | undefined): void
  setClockOffset (ms: number): void
  /** Clears the calls and the fault. */
  reset (): void
  /** Closes the server and destroys open sockets, pending slow replies included. */
  close (): Promise<void>
}
