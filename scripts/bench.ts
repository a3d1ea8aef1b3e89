/**
 * Benchmark: this service next to a minimal Fastify pass-through and the upstream alone, in one
 * run on loopback, so its cost is read as ratios that hold from one machine to the next.
 *
 *   npm run bench                          # 3 rounds of 10 s per target, 32 connections
 *   npm run bench -- --rounds=5 --profile  # and a CPU profile of the service, summarised
 *
 * Three targets, each a child process: (a) the service, `node src/server.ts` in production mode
 * with the V8 flags of the image (the Dockerfile's NODE_OPTIONS), (b) the reference, a Fastify
 * app that forwards the same route with @fastify/reply-from (scripts/bench/pass-through.ts), and
 * (c) the upstream alone (scripts/bench/upstream.ts): a plain node:http stand-in for Eko that
 * answers its success envelope without checks, the ceiling of the setup. Each is started twice,
 * as the image runs it with a compile cache: the first (cold) start fills the cache and its time
 * is reported beside the second's. The load generator, autocannon, runs in this process. Every
 * request is for another agent with that agent's own
 * token, so no per-agent state or token cache answers for the service; its OTP cooldown is off and
 * its rate limit out of reach (the output says so). Rounds alternate the targets so that other
 * work on the machine falls on all of them alike. Reported per target: requests/s, p50 and p99
 * latency over every round, non-2xx answers, peak RSS (VmHWM), CPU time per request (from /proc,
 * which other work on the machine hardly changes), start-to-ready time, and the ratios
 * service / pass-through, pooled and round by round (the spread of the latter is the machine's noise).
 *
 * Options, defaults in brackets: --rounds [3] --duration s per target per round [10]
 * --warmup s per target [3] --connections [32] --agents distinct agents [10000]
 * --node-options "…" (V8 flags for the service and the pass-through instead of the image's)
 * --profile (service and pass-through under --cpu-prof; their top functions and packages are printed)
 * --json (one `BENCH_RESULT {...}` line as well). Loopback only.
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes, randomInt } from 'node:crypto'
import { mkdtempSync, openSync, readdirSync, readFileSync } from 'node:fs'
import { loadavg, cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { createSigner } from 'fast-jwt'
import { verhoeffDigit } from '../src/aadhaar/verhoeff.ts'
import { summariseProfile } from './bench/profile.ts'
import { cpuSeconds, imageNodeOptions as imageFlags, serviceEnv, spawnReady as spawnLogged } from './bench/process.ts'

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    agents: { type: 'string', default: '10000' },
    'node-options': { type: 'string' },
    profile: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false }
  }
})
const int = (name: keyof typeof args, min: number, max: number): number => {
  const value = Number(args[name])
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be an integer from ${min} to ${max}`)
  return value
}
const rounds = int('rounds', 1, 50)
const durationS = int('duration', 1, 600)
const warmupS = int('warmup', 0, 600)
const connections = int('connections', 1, 1024)
const agents = int('agents', 1, 1_000_000)

const root = new URL('..', import.meta.url)
const EKO_PATH = '/ekoicici/v3/user/collection/aeps-fingpay/kyc/otp'
/** The image's V8 flags, so the service is measured as it is deployed (the pass-through gets the same). */
const imageNodeOptions = args['node-options'] ?? imageFlags()

interface Target {
  name: 'service' | 'pass-through' | 'upstream'
  origin: string
  path: (userCode: string) => string
  child: ChildProcess
  exited: Promise<unknown>
  stderr: string[]
  readyMs: number
  coldReadyMs: number
  latencies: number[]
  statuses: Map<number, number>
  requests: number
  seconds: number
  errors: number
  peakRssKiB: number
  cpuSeconds: number
  /** Requests per second in each recorded round, in order. */
  roundRps: number[]
}

const workDir = mkdtempSync(join(tmpdir(), 'eko-bench-'))

/**
 * Spawns `node file` with only the given environment; its log goes to a file, never through this
 * process. Like the image, it runs with a compile cache; the cache is filled by a first start
 * (timed: the cold start) that is stopped once ready, then the target is started again.
 */
async function start (name: Target['name'], file: string, env: Record<string, string>, nodeArgs: string[], path: Target['path']): Promise<Target> {
  const cache = { NODE_COMPILE_CACHE: join(workDir, 'compile-cache', name) }
  const cold = await spawnReady(name, file, { ...env, ...cache }, nodeArgs.filter(a => !a.startsWith('--cpu-prof')))
  cold.child.kill('SIGTERM')
  await cold.exited
  const target = await spawnReady(name, file, { ...env, ...cache }, nodeArgs)
  return { ...target, name, path, coldReadyMs: cold.readyMs, latencies: [], statuses: new Map(), requests: 0, seconds: 0, errors: 0, peakRssKiB: 0, cpuSeconds: 0, roundRps: [] }
}

/** One start (scripts/bench/process.ts), its log appended to `<name>.log` in the work directory. */
async function spawnReady (name: string, file: string, env: Record<string, string>, nodeArgs: string[]) {
  const log = openSync(join(workDir, `${name}.log`), 'a')
  return await spawnLogged(file, { cwd: root, env: { PATH: process.env.PATH ?? '', ...env }, nodeArgs, stdout: log })
}

function peakRssKiB (pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? NaN)
}

// --- the fixture: keys, agents and their tokens ---------------------------------------------

const jwtSecret = randomBytes(32).toString('base64url')
const sign = createSigner({ key: jwtSecret, algorithm: 'HS256', expiresIn: 3_600_000 })
const fixtures = Array.from({ length: agents }, (_, i) => {
  const userCode = String(20_000_000 + i)
  let aadhaar = String(randomInt(2, 10))
  while (aadhaar.length < 11) aadhaar += String(randomInt(10))
  return {
    userCode,
    headers: { authorization: `Bearer ${sign({ sub: `agent-${userCode}`, user_code: userCode })}`, 'content-type': 'application/json' },
    body: JSON.stringify({ aadhaar: aadhaar + verhoeffDigit(aadhaar), mobile: String(randomInt(6_000_000_000, 10_000_000_000)), latlong: '28.6139,77.2090' })
  }
})

// --- the targets ------------------------------------------------------------------------------

const load = { before: loadavg(), cores: cpus().length }
const upstream = await start('upstream', 'scripts/bench/upstream.ts', {}, [], () => EKO_PATH)
const profileDir = join(workDir, 'profile')
const profiled = (name: string) => args.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : []
const passThrough = await start('pass-through', 'scripts/bench/pass-through.ts', {
  LOG_LEVEL: 'info', UPSTREAM: upstream.origin, UPSTREAM_PATH: EKO_PATH
}, [...imageNodeOptions.split(' ').filter(Boolean), ...profiled('pass-through')], (code) => `/agents/${code}/ekyc/otp`)
const serviceSettings = {
  OTP_COOLDOWN_SECONDS: '0',
  RATE_LIMIT_MAX: '1000000'
}
const service = await start('service', 'src/server.ts', {
  ...serviceEnv(upstream.origin, jwtSecret),
  ...serviceSettings
}, [...imageNodeOptions.split(' ').filter(Boolean), ...profiled('service')],
(code) => `/agents/${code}/ekyc/otp`)
const targets = [service, passThrough, upstream]

async function round (target: Target, seconds: number, record: boolean): Promise<void> {
  let next = randomInt(agents)
  let finished!: (value: autocannon.Result) => void
  let failed!: (err: Error) => void
  const done = new Promise<autocannon.Result>((resolve, reject) => { finished = resolve; failed = reject })
  const instance = autocannon({
    url: target.origin,
    connections,
    pipelining: 1,
    duration: seconds,
    timeout: 10,
    requests: [{
      method: 'POST',
      setupRequest (request) {
        const agent = fixtures[next]!
        next = (next + 1) % agents
        return { ...request, path: target.path(agent.userCode), headers: agent.headers, body: agent.body }
      }
    }]
  }, (err, result) => { if (err !== null && err !== undefined) failed(err); else finished(result) })
  if (record) {
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      target.latencies.push(ms)
      target.statuses.set(status, (target.statuses.get(status) ?? 0) + 1)
    })
  }
  const cpuBefore = cpuSeconds(target.child.pid)
  const result = await done
  if (!record) return
  target.cpuSeconds += cpuSeconds(target.child.pid) - cpuBefore
  target.requests += result.requests.total
  target.seconds += result.duration
  target.errors += result.errors
  target.roundRps.push(result.requests.total / result.duration)
}

const started = Date.now()
if (warmupS > 0) for (const target of targets) await round(target, warmupS, false)
for (let r = 0; r < rounds; r++) {
  // Each round starts with another target, so none is always measured first or last.
  for (let i = 0; i < targets.length; i++) await round(targets[(r + i) % targets.length]!, durationS, true)
}
const elapsedS = (Date.now() - started) / 1000
for (const target of targets) target.peakRssKiB = peakRssKiB(target.child.pid)
load.before = load.before.map(n => Math.round(n * 100) / 100)
const loadAfter = loadavg().map(n => Math.round(n * 100) / 100)

for (const target of targets) target.child.kill('SIGTERM')
await Promise.all(targets.map(t => Promise.race([t.exited, sleep(10_000).then(() => t.child.kill('SIGKILL'))])))

// --- the report -------------------------------------------------------------------------------

function percentile (sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]!
}
const figures = Object.fromEntries(targets.map(t => {
  const sorted = Float64Array.from(t.latencies).sort()
  const non2xx = [...t.statuses].filter(([s]) => s < 200 || s > 299).reduce((n, [, c]) => n + c, 0)
  return [t.name, {
    rps: Math.round(t.requests / t.seconds),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    non2xx,
    statuses: Object.fromEntries(t.statuses),
    errors: t.errors,
    peakRssMiB: Math.round(t.peakRssKiB / 1024),
    cpuUsPerRequest: Math.round(t.cpuSeconds / t.requests * 1e6),
    readyMs: Math.round(t.readyMs),
    coldReadyMs: Math.round(t.coldReadyMs)
  }]
})) as Record<Target['name'], { rps: number, p50: number, p99: number, non2xx: number, statuses: Record<string, number>, errors: number, peakRssMiB: number, cpuUsPerRequest: number, readyMs: number, coldReadyMs: number }>
const ratio = (a: number, b: number) => Math.round(a / b * 100) / 100
const ratios = {
  throughput: ratio(figures.service.rps, figures['pass-through'].rps),
  p50: ratio(figures.service.p50, figures['pass-through'].p50),
  p99: ratio(figures.service.p99, figures['pass-through'].p99),
  cpuPerRequest: ratio(figures.service.cpuUsPerRequest, figures['pass-through'].cpuUsPerRequest)
}
// Round r's service and pass-through ran within seconds of each other: their ratio, round by round,
// shows how far the machine's own drift moves the pooled figure above.
const roundRatios = service.roundRps.map((rps, r) => ratio(rps, passThrough.roundRps[r]!))
const targetsMet = {
  'throughput ≥ 0.6× pass-through': ratios.throughput >= 0.6,
  'p99 ≤ 1.5× pass-through': ratios.p99 <= 1.5,
  'service peak RSS ≤ 200 MiB': figures.service.peakRssMiB <= 200,
  'service start to ready < 1 s (compile cache filled, as in the image)': figures.service.readyMs < 1000
}

const pad = (s: string | number, n: number) => String(s).padStart(n)
const lines = [
  `bench: ${rounds} round(s) × ${durationS} s per target after ${warmupS} s warm-up each, ${connections} connections, ${agents} agents each with its own token; ${Math.round(elapsedS)} s in all`,
  `machine: ${load.cores} cores (${cpus()[0]?.model.trim() ?? 'unknown'}), Node ${process.version}; load average before ${load.before.join(' ')}, after ${loadAfter.join(' ')}` +
    (load.before[0]! > load.cores / 2 ? ' — other work was running: figures are less reliable, rerun when the machine is idle' : ''),
  `service: NODE_ENV=production, LOG_LEVEL=info, OTP_COOLDOWN_SECONDS=${serviceSettings.OTP_COOLDOWN_SECONDS} (cooldown off), RATE_LIMIT_MAX=${serviceSettings.RATE_LIMIT_MAX} (out of reach); node flags ${imageNodeOptions || '(none)'}${args['node-options'] === undefined ? ' (the image\'s)' : ''}`,
  '',
  `${'target'.padEnd(13)}${pad('req/s', 8)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('non-2xx', 9)}${pad('errors', 8)}${pad('peak RSS MiB', 14)}${pad('CPU µs/req', 12)}${pad('ready ms', 10)}${pad('cold', 7)}`,
  ...targets.map(t => {
    const f = figures[t.name]
    return `${t.name.padEnd(13)}${pad(f.rps, 8)}${pad(f.p50.toFixed(1), 9)}${pad(f.p99.toFixed(1), 9)}${pad(f.non2xx, 9)}${pad(f.errors, 8)}${pad(f.peakRssMiB, 14)}${pad(f.cpuUsPerRequest, 12)}${pad(f.readyMs, 10)}${pad(f.coldReadyMs, 7)}`
  }),
  '',
  `service / pass-through: throughput ${ratios.throughput}×, p50 ${ratios.p50}×, p99 ${ratios.p99}×, CPU per request ${ratios.cpuPerRequest}×`,
  `  throughput round by round: ${roundRatios.map(r => `${r}×`).join(', ')}`,
  ...Object.entries(targetsMet).map(([name, ok]) => `  ${ok ? 'met    ' : 'NOT MET'}  ${name}`),
  `statuses: ${targets.map(t => `${t.name} ${JSON.stringify(figures[t.name].statuses)}`).join(', ')}`,
  `logs: ${workDir}`
]
if (args.profile) {
  for (const name of ['service', 'pass-through']) {
    const dir = join(profileDir, name)
    const file = readdirSync(dir).find(f => f.endsWith('.cpuprofile'))
    if (file !== undefined) lines.push('', `${name} CPU profile (start-up included): ${join(dir, file)}`, ...summariseProfile(join(dir, file), 25))
  }
}
process.stdout.write(lines.join('\n') + '\n')
if (args.json) process.stdout.write(`BENCH_RESULT ${JSON.stringify({ rounds, durationS, connections, agents, load: { before: load.before, after: loadAfter, cores: load.cores }, figures, ratios, roundRatios, targetsMet })}\n`)
for (const t of targets) if (t.stderr.length > 0) process.stderr.write(`${t.name} stderr:\n${t.stderr.join('').slice(-2000)}\n`)
