/**
 * What the benchmark scripts (scripts/bench.ts, scripts/startup.ts) need to start and watch the
 * service: a port, a start timed to readiness, the image's V8 flags, a production environment,
 * and the CPU a process has used.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A loopback port nobody listens on right now, for a target to be started on: bound, then released. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

export interface Started {
  child: ChildProcess
  exited: Promise<unknown>
  /** What the process wrote to stderr so far, and goes on writing. */
  stderr: string[]
  origin: string
  /** From spawn to the first GET /health/ready answered below 500. */
  readyMs: number
}

/**
 * Spawns `node …nodeArgs file` in `cwd` with only `env` (and PORT, a free port) and waits until its
 * GET /health/ready answers below 500, polling every 2 ms for up to 10 s. A process that exits
 * first or is not ready by then is killed, and the error carries its stderr.
 */
export async function spawnReady (file: string, options: { cwd: string | URL, env: Record<string, string>, nodeArgs?: string[], stdout?: 'ignore' | number }): Promise<Started> {
  const port = await freePort()
  const startedAt = performance.now()
  const child = spawn(process.execPath, [...options.nodeArgs ?? [], file], {
    cwd: options.cwd,
    env: { ...options.env, PORT: String(port) },
    stdio: ['ignore', options.stdout ?? 'ignore', 'pipe']
  })
  const stderr: string[] = []
  child.stderr?.on('data', (chunk: Buffer) => { stderr.push(chunk.toString('utf8')) })
  const exited = once(child, 'exit')
  const origin = `http://127.0.0.1:${port}`
  while (child.exitCode === null && performance.now() - startedAt < 10_000) {
    if (await fetch(`${origin}/health/ready`).then(r => r.status < 500, () => false)) {
      return { child, exited, stderr, origin, readyMs: performance.now() - startedAt }
    }
    await sleep(2)
  }
  child.kill('SIGKILL')
  await exited
  throw new Error(`${file} did not become ready\n${stderr.join('')}`)
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
