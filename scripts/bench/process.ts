/**
 * What the benchmark scripts (scripts/bench.ts, scripts/startup.ts) need to start and watch the
 * service: a port, the image's V8 flags, a production environment, and the CPU a process has used.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** A loopback port nobody listens on right now, for a target to be started on: bound, then released. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

/** The image's V8 flags (the Dockerfile's NODE_OPTIONS), so the service is measured as it is deployed. */
export function imageNodeOptions (): string {
  return /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8'))?.[1] ?? ''
}

/**
 * `node src/server.ts` in production mode with fresh keys, calling Eko at `ekoOrigin`; the caller
 * adds PORT. Eko publishes a 1024-bit RSA key, and encryption cost depends on the size: so here too.
 */
export function serviceEnv (ekoOrigin: string, jwtSecret = randomBytes(32).toString('base64url')): Record<string, string> {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    METRICS_PORT: '0',
    EKO_BASE_URL: `${ekoOrigin}/ekoicici/v3`,
    EKO_DEVELOPER_KEY: randomBytes(16).toString('hex'),
    EKO_ACCESS_KEY: randomBytes(16).toString('hex'),
    EKO_INITIATOR_ID: '9962981729',
    EKO_AADHAAR_PUBLIC_KEY: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    AUTH_JWT_SECRET: jwtSecret
  }
}

/** CPU time (user + system) the process has used, in seconds, from /proc: what its work cost, whatever else runs. */
export function cpuSeconds (pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}
