/**
 * Start-up time: spawn → first successful GET /health/ready of `node src/server.ts` in production
 * mode, with the image's V8 flags (the Dockerfile's NODE_OPTIONS), cold (an empty compile cache)
 * and warm (the cache the cold start filled, as the image ships it). Also counts the modules a
 * start loads. `npm run bench` reports one start of each; this repeats them for a median.
 *
 *   node scripts/startup.ts                          # 10 cold and 10 warm starts of this checkout
 *   node scripts/startup.ts --runs=20 . /tmp/before  # checkouts side by side, starts alternating
 *
 * Every checkout named is started in turn within each run, so other work on the machine falls on
 * all of them alike. Each needs its own node_modules (a symbolic link to this one's will do).
 * No Eko and no Redis are needed: the start calls neither. Loopback only.
 */
import { spawn } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'

const { values: args, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, modules: { type: 'boolean', default: false } },
  allowPositionals: true
})
const runs = Number(args.runs)
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new Error('--runs must be an integer from 1 to 1000')
const roots = (positionals.length > 0 ? positionals : ['.']).map(p => resolve(p))
const nodeOptions = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8'))?.[1] ?? ''
const workDir = mkdtempSync(join(tmpdir(), 'eko-startup-'))

/** Counts the files a start loads (ESM and CommonJS alike), written out when the process exits. */
const countHook = `data:text/javascript,${encodeURIComponent(`
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'
const seen = new Set()
registerHooks({ load (url, context, next) { if (!url.startsWith('node:')) seen.add(url); return next(url, context) } })
process.on('exit', () => writeFileSync(process.env.MODULE_COUNT_FILE, JSON.stringify([...seen])))
`)}`

const env = {
  PATH: process.env.PATH ?? '',
  NODE_ENV: 'production',
  NODE_OPTIONS: nodeOptions,
  HOST: '127.0.0.1',
  METRICS_PORT: '0',
  LOG_LEVEL: 'info',
  EKO_BASE_URL: 'http://127.0.0.1:9/ekoicici/v3',
  EKO_DEVELOPER_KEY: randomBytes(16).toString('hex'),
  EKO_ACCESS_KEY: randomBytes(16).toString('hex'),
  EKO_INITIATOR_ID: '9962981729',
  EKO_AADHAAR_PUBLIC_KEY: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  AUTH_JWT_SECRET: randomBytes(32).toString('base64url')
}

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise(resolve => server.close(resolve))
  return port
}

/** One start: milliseconds from spawn to the first ready answer; then SIGTERM and wait for exit. */
async function start (root: string, extra: Record<string, string>, nodeArgs: string[] = []): Promise<number> {
  const port = await freePort()
  const startedAt = performance.now()
  const child = spawn(process.execPath, [...nodeArgs, 'src/server.ts'], { cwd: root, env: { ...env, ...extra, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] })
  const stderr: string[] = []
  child.stderr.on('data', (chunk: Buffer) => { stderr.push(chunk.toString('utf8')) })
  const exited = once(child, 'exit')
  let readyMs = NaN
  for (let i = 0; i < 4000 && child.exitCode === null; i++) {
    if (await fetch(`http://127.0.0.1:${port}/health/ready`).then(r => r.ok, () => false)) { readyMs = performance.now() - startedAt; break }
    await sleep(2)
  }
  child.kill('SIGTERM')
  await exited
  if (Number.isNaN(readyMs)) throw new Error(`${root}: the service did not become ready\n${stderr.join('')}`)
  return readyMs
}

const times = new Map(roots.map(root => [root, { cold: [] as number[], warm: [] as number[] }]))
for (let run = 0; run < runs; run++) {
  // Each run starts with another checkout, so none is always first.
  for (let i = 0; i < roots.length; i++) {
    const root = roots[(run + i) % roots.length]!
    const cache = join(workDir, `cache-${run}-${i}`)
    times.get(root)!.cold.push(await start(root, { NODE_COMPILE_CACHE: cache }))
    times.get(root)!.warm.push(await start(root, { NODE_COMPILE_CACHE: cache }))
    rmSync(cache, { recursive: true, force: true })
  }
}

/** The files one start loads, by package (`.` for this checkout's own). */
async function modules (root: string): Promise<Map<string, number>> {
  const file = join(workDir, 'modules.json')
  await start(root, { MODULE_COUNT_FILE: file }, ['--import', countHook])
  const byPackage = new Map<string, number>()
  for (const url of JSON.parse(readFileSync(file, 'utf8')) as string[]) {
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? '.'
    byPackage.set(name, (byPackage.get(name) ?? 0) + 1)
  }
  return byPackage
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2 }
const ms = (n: number) => `${Math.round(n)}`.padStart(6)
console.log(`${runs} runs, NODE_OPTIONS="${nodeOptions}", load average ${loadavg().map(n => n.toFixed(2)).join(' ')}`)
console.log(`${'checkout'.padEnd(40)}${'cold median'.padStart(12)}${'min'.padStart(7)}${'max'.padStart(7)}${'warm median'.padStart(13)}${'min'.padStart(7)}${'max'.padStart(7)}${'modules'.padStart(9)}`)
for (const root of roots) {
  const { cold, warm } = times.get(root)!
  const byPackage = await modules(root)
  const count = [...byPackage.values()].reduce((a, b) => a + b, 0)
  console.log(`${root.padEnd(40)}${ms(median(cold)).padStart(12)}${ms(Math.min(...cold))} ${ms(Math.max(...cold))}${ms(median(warm)).padStart(13)}${ms(Math.min(...warm))} ${ms(Math.max(...warm))}${String(count).padStart(9)}`)
  if (args.modules) {
    const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)
    console.log(`  ${top.map(([name, n]) => `${name} ${n}`).join(', ')}`)
  }
}
rmSync(workDir, { recursive: true, force: true })
