/**
 * The image without Docker: the Dockerfile's stages are replayed into temporary folders (its
 * WORKDIR, COPY and `npm ci` instructions, read from the file, with .dockerignore applied),
 * then the final stage's CMD runs with its ENV against the simulator. The folder sits outside
 * the repository, so a devDependency needed at run time would make the service fail here.
 * Reaches the npm registry (or npm's cache) for `npm ci`.
 */
import { t } from 'tap'
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { once } from 'node:events'
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { freePort } from '../helpers/net.ts'
import { redisServer, requireTool } from '../helpers/tools.ts'
import { dirname, join, posix, relative, sep } from 'node:path'
import { SignJWT } from 'jose'
import { startSimulator } from '../../src/simulator/index.ts'
import {
  instructions, isIgnored, parseDockerfile, parseDockerignore, readRepoFile, root, shellWords, stageEnv
} from './helpers.ts'
import type { Stage } from './helpers.ts'

// npm ci takes about 30 s on a cold cache; the rest takes seconds.
t.setTimeout(300_000)

const stages = parseDockerfile(readRepoFile('Dockerfile'))
const ignoreRules = parseDockerignore(readRepoFile('.dockerignore'))

/**
 * Verhoeff check digit, computed here rather than taken from src/: d is the dihedral group D5's
 * multiplication table, and the position permutation p(i) is p(1) applied i times.
 */
function verhoeffDigit (digits: string): number {
  const d = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5], [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7], [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3], [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
  ]
  const p1 = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]
  const p = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]
  for (let i = 1; i < 8; i++) p.push((p[i - 1] as number[]).map((x) => p1[x] as number))
  const inverse = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]
  let c = 0
  ;[...digits].reverse().forEach((digit, i) => { c = d[c]![p[(i + 1) % 8]![Number(digit)]!]! })
  return inverse[c]!
}

function madeUpAadhaar (): string {
  let body = String(randomInt(2, 10))
  while (body.length < 11) body += String(randomInt(10))
  return body + verhoeffDigit(body)
}

/**
 * What a child process gets: PATH without the repository's node_modules/.bin, HOME (npm's
 * config and cache), proxy and registry settings. Not tap's NODE_OPTIONS, nor npm's
 * npm_config_local_prefix, which would point `npm ci` back at the repository.
 */
function cleanEnv (extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const name of ['HOME', 'TMPDIR', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy',
    'npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']) {
    const value = process.env[name]
    if (value !== undefined) env[name] = value
  }
  env.PATH = (process.env.PATH ?? '').split(':').filter((p) => p && !p.startsWith(root)).join(':')
  return { ...env, ...extra }
}

async function run (cmd: string, args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const [code] = await once(child, 'close')
  return { code, output }
}

interface Built { dir: string, workdir: string }

/** Replays one stage: WORKDIR maps to `dir`; COPY from the context or an earlier stage; RUN npm ci. */
async function replay (stage: Stage, dir: string, built: Map<string, Built>): Promise<Built> {
  let workdir = '/'
  const inDir = (from: Built, path: string) => {
    const rel = posix.relative(from.workdir, posix.resolve(from.workdir, path))
    if (rel.startsWith('..')) throw new Error(`${path} is outside WORKDIR ${from.workdir}; this replay cannot map it`)
    return join(from.dir, rel)
  }
  await mkdir(dir, { recursive: true })
  for (const i of stage.instructions) {
    if (i.keyword === 'WORKDIR') {
      workdir = posix.resolve(workdir, i.args)
    } else if (i.keyword === 'COPY') {
      const words = i.json ?? shellWords(i.args)
      const dest = words.pop() as string
      const from = i.flags.from === undefined ? undefined : built.get(i.flags.from)
      if (i.flags.from !== undefined && from === undefined) throw new Error(`COPY --from=${i.flags.from}: no such stage`)
      for (const source of words) {
        if (/[*?[]/.test(source)) throw new Error(`COPY ${source}: wildcards are not replayed`)
        const src = from ? inDir(from, source) : join(root, source)
        let target = inDir({ dir, workdir }, dest)
        const isDir = statSync(src).isDirectory()
        if (!isDir && (dest.endsWith('/') || words.length > 1)) target = join(target, posix.basename(source))
        await mkdir(isDir ? target : dirname(target), { recursive: true })
        await cp(src, target, {
          recursive: true,
          verbatimSymlinks: true,
          // The build context is the repository less what .dockerignore excludes.
          filter: (path) => from !== undefined || !isIgnored(ignoreRules, relative(root, path).split(sep).join('/'))
        })
      }
    } else if (i.keyword === 'RUN' && /^npm ci\b/.test(i.args)) {
      // The Dockerfile's own command, run by a shell as the image would; prefer-offline only
      // lets npm use its cache (the lockfile's integrity hashes are still checked).
      const result = await run('sh', ['-c', i.args], dir, cleanEnv({ npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' }))
      if (result.code !== 0) throw new Error(`${i.args} failed:\n${result.output}`)
    }
    // Other RUNs change the base image (removing npm); they have no counterpart here.
  }
  return { dir, workdir }
}

interface Service {
  origin: string
  /** The metrics listener, from its "Metrics listening at" line. */
  metrics: string
  output (): string
  /** SIGTERM, then the exit code and how long the drain took. */
  stop (): Promise<{ code: number | null, ms: number }>
}

/** Starts the image's CMD with its ENV (and `env` on top) in the image folder. */
async function startService (t: Test, image: Built, final: Stage, env: Record<string, string>): Promise<Service> {
  const [cmd, ...args] = instructions(final, 'CMD').at(-1)?.json ?? []
  t.equal(cmd, 'node', 'CMD runs node, started here as this Node 24')
  const child = spawn(process.execPath, args, { cwd: image.dir, env: cleanEnv({ ...stageEnv(final), ...env }), stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk) => { output += chunk })
  child.stderr.on('data', (chunk) => { output += chunk })
  const exited = once(child, 'exit')
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL') })
  // The service logs its address as pino JSON: "msg":"Server listening at http://…".
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening after 30 s\n${output}`)), 30_000)
    child.stdout.on('data', () => {
      const match = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(output)
      if (match) { clearTimeout(timer); resolve(match[1] as string) }
    })
    exited.then(([code]) => { clearTimeout(timer); reject(new Error(`exited with ${code}\n${output}`)) }, reject)
  })
  const metrics = /"msg":"Metrics listening at (http:\/\/127\.0\.0\.1:\d+\/metrics)"/.exec(output)?.[1]
  if (metrics === undefined) throw new Error(`no "Metrics listening at" line\n${output}`)
  return {
    origin,
    metrics,
    output: () => output,
    async stop () {
      const started = Date.now()
      child.kill('SIGTERM')
      const [code] = await exited
      return { code, ms: Date.now() - started }
    }
  }
}

function otpRequest (origin: string, token: string, aadhaar: string): Promise<Response> {
  return fetch(`${origin}/agents/20810200/ekyc/otp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ aadhaar, mobile: '9876543210', latlong: '28.6139,77.2090' })
  })
}

// --- the image, built once -------------------------------------------------------------------

t.ok(existsSync(join(root, 'src/server.ts')), 'src/server.ts exists')
for (const parent of [join(tmpdir(), 'node_modules'), '/node_modules']) {
  t.notOk(existsSync(parent), `${parent} does not exist, so nothing outside the image folder can be resolved`)
}
const tmp = await mkdtemp(join(tmpdir(), 'eko-ekyc-bff-image-'))
t.teardown(() => rm(tmp, { recursive: true, force: true }))

const built = new Map<string, Built>()
for (const [index, stage] of stages.entries()) {
  const result = await replay(stage, join(tmp, `stage-${index}`), built)
  built.set(stage.name ?? String(index), result)
  built.set(String(index), result)
}
const final = stages.at(-1) as Stage
const image = built.get(String(stages.length - 1)) as Built

const simulator = await startSimulator()
t.teardown(() => simulator.close())

// Secrets as files, the way the Kubernetes manifests pass them (NAME_FILE).
const jwtSecret = randomBytes(32).toString('base64url')
const secretFiles: Record<string, string> = {}
await mkdir(join(tmp, 'secrets'))
for (const [name, value] of Object.entries({
  EKO_DEVELOPER_KEY_FILE: simulator.developerKey,
  EKO_ACCESS_KEY_FILE: simulator.accessKey,
  AUTH_JWT_SECRET_FILE: jwtSecret,
  EKO_AADHAAR_PUBLIC_KEY_FILE: simulator.publicKeyDer
})) {
  secretFiles[name] = join(tmp, 'secrets', name.toLowerCase())
  await writeFile(secretFiles[name], value + '\n', { mode: 0o400 })
}
const serviceEnv = {
  // Loopback and any free ports instead of the image's 0.0.0.0:3000 and 9464.
  HOST: '127.0.0.1',
  PORT: '0',
  METRICS_PORT: '0',
  EKO_BASE_URL: simulator.baseUrl,
  EKO_INITIATOR_ID: simulator.initiatorId,
  ...secretFiles
}
const token = await new SignJWT({ user_code: '20810200' })
  .setProtectedHeader({ alg: 'HS256' })
  .setExpirationTime('5m')
  .sign(new TextEncoder().encode(jwtSecret))

t.test('the image holds production dependencies only', async (t) => {
  const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, { dev?: boolean }> }
  const devOnly = Object.entries(lock.packages).filter(([path, p]) => p.dev && path.startsWith('node_modules/'))
  t.ok(devOnly.some(([path]) => path === 'node_modules/node'), 'the lockfile marks dev-only packages')
  t.same(devOnly.map(([path]) => path).filter((path) => existsSync(join(image.dir, path))), [],
    `none of the ${devOnly.length} dev-only packages is in the image (the Node 24 binary package among them)`)
  t.ok(existsSync(join(image.dir, 'node_modules/fastify')), 'production dependencies are')
  t.equal(stageEnv(final).NODE_ENV, 'production')
})

t.test('the image\'s CMD sends an OTP, passes its HEALTHCHECK and stops on SIGTERM', async (t) => {
  simulator.reset()
  const service = await startService(t, image, final, serviceEnv)
  t.equal((await fetch(`${service.origin}/health/live`)).status, 200, '/health/live')
  t.equal((await fetch(`${service.origin}/health/ready`)).status, 200, '/health/ready')

  // The image's HEALTHCHECK, run as Docker would inside the container.
  const healthcheck = instructions(final, 'HEALTHCHECK')[0]?.args ?? ''
  t.match(healthcheck, /^CMD\s+\[/, 'HEALTHCHECK is exec form')
  const [hcCmd, ...hcArgs] = JSON.parse(healthcheck.replace(/^CMD\s+/, '')) as string[]
  t.equal(hcCmd, 'node', 'HEALTHCHECK runs node')
  const probe = await run(process.execPath, hcArgs, image.dir, cleanEnv({ ...stageEnv(final), PORT: new URL(service.origin).port }))
  t.equal(probe.code, 0, 'the HEALTHCHECK passes against the running service')

  const aadhaar = madeUpAadhaar()
  const res = await otpRequest(service.origin, token, aadhaar)
  const body = await res.json() as Record<string, unknown>
  t.equal(res.status, 200, `POST /agents/20810200/ekyc/otp: ${JSON.stringify(body)}`)
  t.type(body.otpRefId, 'string', 'otpRefId')
  t.same(simulator.calls.map((c) => [c.method, c.httpStatus, c.refusedBy]), [['POST', 200, undefined]], 'the simulator accepted one signed call')

  const scrape = await fetch(service.metrics)
  t.equal(scrape.status, 200, 'metrics on their own listener')
  t.match(await scrape.text(), /ekyc_otp_sent_total\{variant="collection"\} 1/, 'counting the OTP just sent')
  const onApi = await fetch(`${service.origin}/metrics`)
  t.equal(onApi.status, 404, 'not on the API port')
  await onApi.body?.cancel()

  // The manifests give 30 s for preStop (5 s) and this drain.
  const { code, ms } = await service.stop()
  t.equal(code, 0, 'SIGTERM: exits with 0')
  t.ok(ms < 10_000, `stopped in ${ms} ms`)
  for (const [what, secret] of Object.entries({ aadhaar, jwtSecret, accessKey: simulator.accessKey, developerKey: simulator.developerKey })) {
    t.notOk(service.output().includes(secret), `the log never holds the ${what}`)
  }
})

// What docker-compose.yml and the Kubernetes manifests rely on: replicas agree through Redis.
t.test('two replicas sharing Redis keep one OTP cooldown', { skip: redisServer.skip }, async (t) => {
  const binary = requireTool(t, redisServer)
  if (binary === undefined) return
  simulator.reset()
  const port = await freePort()
  const redis = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { redis.kill('SIGKILL') })
  await new Promise<void>((resolve, reject) => {
    let log = ''
    redis.stdout.on('data', (chunk) => { log += chunk; if (/Ready to accept connections/.test(log)) resolve() })
    redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${log}`)))
  })
  const env = { ...serviceEnv, REDIS_URL: `redis://127.0.0.1:${port}` }
  const [a, b] = await Promise.all([startService(t, image, final, env), startService(t, image, final, env)]) as [Service, Service]
  t.equal((await fetch(`${a.origin}/health/ready`)).status, 200, 'replica A is ready with Redis')
  t.equal((await fetch(`${b.origin}/health/ready`)).status, 200, 'replica B is ready with Redis')

  const first = await otpRequest(a.origin, token, madeUpAadhaar())
  t.equal(first.status, 200, `replica A sends the OTP: ${await first.text()}`)
  const second = await otpRequest(b.origin, token, madeUpAadhaar())
  const problem = await second.json() as Record<string, unknown>
  t.equal(second.status, 429, `replica B refuses a second send within the cooldown: ${JSON.stringify(problem)}`)
  t.equal(problem.code, 'OTP_RATE_LIMITED')
  t.ok(second.headers.get('retry-after'), 'with Retry-After')
  t.equal(simulator.calls.length, 1, 'Eko was called once')
  await Promise.all([a.stop(), b.stop()])
})
