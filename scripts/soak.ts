/**
 * Soak test: steady load on the service, run as in production (`node src/server.ts` in a child
 * process), against an in-process Eko simulator that mixes faults into a share of its replies.
 * Reports throughput, latency percentiles, answers by status and code, the faults Eko showed,
 * and the service's RSS after warm-up and at the end; then stops the service with SIGTERM.
 *
 *   npm run soak                                   # 3 minutes
 *   npm run soak -- --duration=20 --json           # what CI runs (test/resilience/soak.test.ts)
 *
 * Options (or SOAK_<NAME> in the environment, e.g. SOAK_DURATION=600), defaults in brackets:
 *   --duration s [180]        --warmup s [a quarter of the duration, at most 15]
 *   --rate requests/s [200]   --concurrency most in flight [32]    --fault-rate 0..1 [0.1]
 *   --timeout-ms EKO_TIMEOUT_MS [800]   --heap-mb the service's --max-old-space-size [128]
 *   --max-rss-growth-mb [32]  --log file for the service's log    --json one `SOAK_RESULT {...}` line
 *
 * It fails (exit 1) on any 500 or other unexpected status, a request without an HTTP answer, a
 * service that dies or does not stop cleanly, RSS growth after warm-up beyond the bound, a secret
 * in the service's output, or no successful answer at all. Loopback only; bounded by the duration
 * and a request cap.
 */
import { spawn } from 'node:child_process'
import { randomBytes, randomInt, randomUUID } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { Pool } from 'undici'
import { verhoeffDigit } from '../src/aadhaar/verhoeff.ts'
import { mintToken } from '../src/dev/tokens.ts'
import { startSimulator, type Fault } from '../src/simulator/index.ts'

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    rate: { type: 'string' },
    concurrency: { type: 'string' },
    'fault-rate': { type: 'string' },
    'timeout-ms': { type: 'string' },
    'max-rss-growth-mb': { type: 'string' },
    log: { type: 'string' },
    'heap-mb': { type: 'string' },
    json: { type: 'boolean', default: false }
  }
})

function option (name: keyof typeof args, fallback: number, min: number, max: number): number {
  const raw = args[name] ?? process.env[`SOAK_${name.toUpperCase().replaceAll('-', '_')}`]
  const value = raw === undefined || typeof raw === 'boolean' ? fallback : Number(raw)
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`--${name} must be a number from ${min} to ${max}`)
  return value
}

const durationS = option('duration', 180, 5, 3600)
const warmupS = option('warmup', Math.min(15, durationS / 4), 0, durationS - 1)
const rate = option('rate', 200, 1, 100_000)
const concurrency = option('concurrency', 32, 1, 256)
const faultRate = option('fault-rate', 0.1, 0, 1)
const timeoutMs = option('timeout-ms', 800, 100, 10_000)
const maxRssGrowthMb = option('max-rss-growth-mb', 32, 1, 4096)
/**
 * V8's old-space limit for the service, as the image sets it for the manifests' 256 MiB pod (with
 * an 8 MiB semi-space: a small old space alone shrinks the young generation, and latency suffers
 * from constant scavenges). Unbounded on a large machine, V8 grows its heap lazily for a
 * minute or more, which looks like a leak and is not; bounded, a real leak shows as growth or a
 * crash. 0: Node's own defaults.
 */
const heapMb = option('heap-mb', 128, 0, 65_536)
/** A hard cap next to the clock: no loop here runs unbounded. */
const MAX_REQUESTS = 5_000_000
// The service refuses a bound that does not outlast one Eko deadline (config.ts).
const SHUTDOWN_TIMEOUT_MS = Math.max(5000, timeoutMs + 2000)
const EXPECTED = new Set([200, 404, 422, 429, 502, 503, 504])

/** Eko's faults, one at a time, each for a couple of seconds, applied to `faultRate` of the calls. */
const FAULTS: Fault[] = [
  { kind: 'latency', ms: timeoutMs + 300 },
  { kind: 'latency', ms: Math.floor(timeoutMs / 4) },
  { kind: 'status', code: 500 },
  { kind: 'status', code: 503 },
  { kind: 'html-error', code: 502 },
  { kind: 'reset-before-headers' },
  { kind: 'reset-mid-body' },
  { kind: 'non-json' },
  { kind: 'non-json', contentType: 'application/json' },
  { kind: 'trickle', bytesPerChunk: 64, intervalMs: 20 },
  { kind: 'huge', bytes: 1024 * 1024 },
  { kind: 'forbidden' }
]
/** Business answers mixed into normal traffic: not found, not activated, rejected, Eko's own rate limit. */
const SCENARIO_CODES = ['99990463', '99990346', '99990461', '99990429']

function aadhaar (): string {
  let body = String(randomInt(2, 10))
  while (body.length < 11) body += String(randomInt(10))
  return body + verhoeffDigit(body)
}

function userCode (): string {
  return Math.random() < 0.05 ? SCENARIO_CODES[randomInt(SCENARIO_CODES.length)]! : String(randomInt(20_000_000, 30_000_000))
}

function percentile (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(p / 100 * sorted.length))]! * 10) / 10
}

const sim = await startSimulator()
const jwtSecret = randomBytes(32).toString('base64url')
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  METRICS_PORT: '0',
  LOG_LEVEL: 'info',
  ...sim.ekoSettings,
  EKO_TIMEOUT_MS: String(timeoutMs),
  EKO_BREAKER_COOLDOWN_SECONDS: '2',
  AUTH_JWT_SECRET: jwtSecret,
  OTP_COOLDOWN_SECONDS: '0',
  RATE_LIMIT_MAX: '1000000',
  SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
  ...(heapMb > 0 ? { NODE_OPTIONS: `--max-old-space-size=${heapMb} --max-semi-space-size=8` } : {})
}
const service = spawn(process.execPath, ['src/server.ts'], { cwd: new URL('..', import.meta.url), env, stdio: ['ignore', 'pipe', 'pipe'] })
const exited = once(service, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
let stopping = false
let crashed: string | undefined
exited.then(([code, signal]) => { if (!stopping) crashed = `the service exited during the soak (code ${code}, signal ${signal})` }, () => {})
/** `crashed` is set from the exit event, which a loop condition cannot see coming. */
const serviceAlive = () => crashed === undefined

const token = await mintToken(jwtSecret, { sub: 'soak-ops', roles: ['ops'] })
const secrets = [sim.accessKey, sim.developerKey, jwtSecret, token]
let logLines = 0
let leaks = 0
const events = { breakerOpened: 0, shed: 0, clockCorrected: 0, errorLines: 0 }
const logFile = args.log === undefined ? undefined : createWriteStream(args.log)
let tail = ''
let stderr = ''
function scan (chunk: Buffer): void {
  const text = tail + chunk.toString('utf8')
  const lines = text.split('\n')
  tail = lines.pop() ?? ''
  logLines += lines.length
  for (const line of lines) {
    if (secrets.some(s => line.includes(s))) leaks += 1
    if (line.includes('"level":50') || line.includes('"level":60')) events.errorLines += 1
    if (line.includes('eko circuit open')) events.breakerOpened += 1
    if (line.includes('under pressure')) events.shed += 1
    if (line.includes('signing with Eko\'s time')) events.clockCorrected += 1
  }
  logFile?.write(chunk)
}
service.stdout.on('data', scan)
service.stderr.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString('utf8')).slice(-4000) })

let seen = ''
const origin = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error(`the service did not listen within 20 s\n${stderr}`)), 20_000)
  service.stdout.on('data', function look (chunk: Buffer) {
    seen = (seen + chunk.toString('utf8')).slice(-8000)
    const match = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(seen)
    if (match === null) return
    clearTimeout(timer)
    service.stdout.off('data', look)
    resolve(match[1]!)
  })
  exited.then(([code]) => { clearTimeout(timer); reject(new Error(`the service exited with ${code}\n${stderr}`)) }, reject)
})

// The metrics listener opens before the API's, so its line came first.
const metricsOrigin = /"msg":"Metrics listening at (http:\/\/127\.0\.0\.1:\d+)\/metrics"/.exec(seen)?.[1]
if (metricsOrigin === undefined) throw new Error('the service logged no "Metrics listening at" line')
const client = new Pool(origin, { connections: concurrency, headersTimeout: 30_000, bodyTimeout: 30_000 })
const metricsClient = new Pool(metricsOrigin, { connections: 1 })
const memory: Array<{ at: number, rss: number, heap: number }> = []
async function sampleMemory (): Promise<void> {
  const res = await metricsClient.request({ path: '/metrics', method: 'GET' })
  const text = await res.body.text()
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN)
  memory.push({ at: Date.now(), rss: read('process_resident_memory_bytes'), heap: read('nodejs_heap_size_used_bytes') })
}

const statuses = new Map<string, number>()
const ekoFaults = new Map<string, number>()
let ekoCalls = 0
function tallyEko (): void {
  for (const call of sim.calls) {
    ekoCalls += 1
    const key = call.fault ?? 'none'
    ekoFaults.set(key, (ekoFaults.get(key) ?? 0) + 1)
  }
  sim.calls.length = 0 // the simulator keeps every call; a soak must not
}

let latencies = new Float64Array(1 << 16)
let count = 0
let sent = 0
let failed = 0
const started = Date.now()
const warmEnd = started + warmupS * 1000
const end = started + durationS * 1000
let warmCount = 0

async function worker (): Promise<void> {
  while (Date.now() < end && sent < MAX_REQUESTS && serviceAlive()) {
    // A steady rate, not as fast as possible: a soak looks for drift, not for the ceiling.
    const slot = started + sent / rate * 1000
    sent += 1
    if (slot > Date.now()) await sleep(slot - Date.now())
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
    if (Math.random() < 0.1) headers['idempotency-key'] = randomUUID()
    const body = JSON.stringify({ aadhaar: aadhaar(), mobile: String(randomInt(6_000_000_000, 9_999_999_999)), latlong: '28.6139,77.2090' })
    const t0 = performance.now()
    try {
      const res = await client.request({ path: `/agents/${userCode()}/ekyc/otp`, method: 'POST', headers, body })
      const text = await res.body.text()
      const ms = performance.now() - t0
      let code = ''
      try { code = String((JSON.parse(text) as { code?: string }).code ?? '') } catch {}
      const key = `${res.statusCode}${code === '' ? '' : ' ' + code}`
      statuses.set(key, (statuses.get(key) ?? 0) + 1)
      if (count === latencies.length) { const grown = new Float64Array(latencies.length * 2); grown.set(latencies); latencies = grown }
      latencies[count++] = ms
      if (Date.now() < warmEnd) warmCount = count
    } catch (err) {
      failed += 1
      const key = `error ${(err as { code?: string }).code ?? 'unknown'}`
      statuses.set(key, (statuses.get(key) ?? 0) + 1)
    }
  }
}

await sampleMemory()
const ticker = setInterval(() => {
  tallyEko()
  const phase = Math.floor((Date.now() - started) / 2000)
  sim.setFault(faultRate > 0 ? { ...FAULTS[phase % FAULTS.length]!, probability: faultRate } : undefined)
  sampleMemory().catch(() => {})
}, 1000)
let warmRss: { rss: number, heap: number } | undefined
const warmTimer = setTimeout(() => { sampleMemory().then(() => { warmRss = memory.at(-1) }, () => {}) }, warmupS * 1000)

await Promise.all(Array.from({ length: concurrency }, () => worker()))
const elapsedS = (Date.now() - started) / 1000
clearInterval(ticker)
clearTimeout(warmTimer)
sim.setFault(undefined)
tallyEko()
if (crashed === undefined) await sampleMemory().catch(() => {})
const finalRss = memory.at(-1)
await client.close()
await metricsClient.close()

stopping = true
const stopStarted = Date.now()
let exitCode: number | null = null
if (crashed === undefined) {
  service.kill('SIGTERM')
  const killer = setTimeout(() => service.kill('SIGKILL'), SHUTDOWN_TIMEOUT_MS + 2000)
  exitCode = (await exited)[0]
  clearTimeout(killer)
}
const shutdownMs = Date.now() - stopStarted
await sim.close()

const sorted = latencies.slice(0, count).sort()
const steady = latencies.slice(warmCount, count)
const mb = (bytes: number | undefined) => bytes === undefined || Number.isNaN(bytes) ? NaN : Math.round(bytes / 1024 / 1024 * 10) / 10
const rssGrowthMb = warmRss === undefined || finalRss === undefined ? NaN : mb(finalRss.rss - warmRss.rss)
const problems: string[] = []
if (crashed !== undefined) problems.push(crashed)
for (const [key, n] of statuses) {
  const status = Number(key.split(' ')[0])
  if (!EXPECTED.has(status)) problems.push(`${n} × ${key}`)
}
if (!((statuses.get('200') ?? 0) > 0)) problems.push('no request succeeded')
if (crashed === undefined && exitCode !== 0) problems.push(`SIGTERM: the service exited with ${exitCode}`)
if (crashed === undefined && shutdownMs > SHUTDOWN_TIMEOUT_MS) problems.push(`SIGTERM: took ${shutdownMs} ms`)
if (!(rssGrowthMb <= maxRssGrowthMb)) problems.push(`RSS grew ${rssGrowthMb} MiB after warm-up (bound ${maxRssGrowthMb} MiB)`)
if (leaks > 0) problems.push(`${leaks} log lines hold a secret`)
if (failed > 0) problems.push(`${failed} requests got no HTTP answer at all`)

const result = {
  ok: problems.length === 0,
  problems,
  settings: { durationS, warmupS, rate, concurrency, faultRate, timeoutMs, maxRssGrowthMb, heapMb },
  requests: count,
  transportErrors: failed,
  throughputRps: Math.round(count / elapsedS * 10) / 10,
  steadyThroughputRps: Math.round(steady.length / Math.max(0.001, elapsedS - warmupS) * 10) / 10,
  latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: percentile(sorted, 100) },
  statuses: Object.fromEntries([...statuses].sort((a, b) => b[1] - a[1])),
  eko: { calls: ekoCalls, faults: Object.fromEntries([...ekoFaults].sort((a, b) => b[1] - a[1])) },
  memoryMb: {
    rssStart: mb(memory[0]?.rss),
    rssAfterWarmup: mb(warmRss?.rss),
    rssEnd: mb(finalRss?.rss),
    rssMax: mb(Math.max(...memory.map(m => m.rss))),
    rssGrowthAfterWarmup: rssGrowthMb,
    heapAfterWarmup: mb(warmRss?.heap),
    heapEnd: mb(finalRss?.heap)
  },
  rssTimelineMb: memory.filter((_, i) => i % 5 === 0 || i === memory.length - 1).map(m => mb(m.rss)),
  logLines,
  serviceEvents: events,
  shutdownMs,
  exitCode
}

if (args.json) {
  process.stdout.write(`SOAK_RESULT ${JSON.stringify(result)}\n`)
} else {
  const lines = [
    `soak: ${durationS} s at ${rate} requests/s (at most ${concurrency} in flight), fault rate ${faultRate}, EKO_TIMEOUT_MS ${timeoutMs}`,
    `requests ${count} (${result.throughputRps}/s; ${result.steadyThroughputRps}/s after warm-up), transport errors ${failed}`,
    `latency ms p50 ${result.latencyMs.p50}  p90 ${result.latencyMs.p90}  p99 ${result.latencyMs.p99}  max ${result.latencyMs.max}`,
    'answers:', ...Object.entries(result.statuses).map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`),
    `eko calls ${ekoCalls}, by fault:`, ...Object.entries(result.eko.faults).map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`),
    `RSS MiB: start ${result.memoryMb.rssStart}, after warm-up ${result.memoryMb.rssAfterWarmup}, end ${result.memoryMb.rssEnd}, max ${result.memoryMb.rssMax} (growth ${rssGrowthMb}, bound ${maxRssGrowthMb}); heap MiB ${result.memoryMb.heapAfterWarmup} → ${result.memoryMb.heapEnd}`,
    `RSS MiB every 5 s: ${result.rssTimelineMb.join(' ')}`,
    `service log lines ${logLines} (error level ${events.errorLines}); circuit opened ${events.breakerOpened}×, load-shedding warnings ${events.shed}; SIGTERM → exit ${exitCode} in ${shutdownMs} ms`,
    result.ok ? 'PASS' : `FAIL:\n  ${problems.join('\n  ')}`
  ]
  process.stdout.write(lines.join('\n') + '\n')
}
process.exitCode = result.ok ? 0 : 1
