/**
 * Start-up time: spawn → first successful GET /health/ready of `node src/server.ts` in production
 * mode, with the image's V8 flags (the Dockerfile's NODE_OPTIONS), cold (an empty compile cache)
 * and warm (the cache the cold start filled, as the image ships it), with the CPU time used by
 * then and the number of modules loaded. `npm run bench` times one start of each kind; this
 * repeats them for a median.
 *
 *   npm run bench:startup                                  # 10 cold and 10 warm starts of this checkout
 *   npm run bench:startup -- --runs=20 . /tmp/before       # checkouts side by side, starts alternating
 *   npm run bench:startup -- --pass-through --modules      # beside the bench's minimal Fastify app; modules by package
 *
 * Within each run every target is started in turn, so other work on the machine falls on all of
 * them alike; CPU time moves less with that work than wall time does. Each checkout named needs
 * its own node_modules (a symbolic link to this one's will do). No Eko and no Redis are needed:
 * the start calls neither. Loopback only.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { cpuSeconds, imageNodeOptions, serviceEnv, spawnReady } from './bench/process.ts'

const { values: args, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    'pass-through': { type: 'boolean', default: false },
    modules: { type: 'boolean', default: false }
  },
  allowPositionals: true
})
const runs = Number(args.runs)
if (!Number.isInteger(runs) || runs < 1 || runs > 1000) throw new Error('--runs must be an integer from 1 to 1000')
const here = resolve(new URL('..', import.meta.url).pathname)
const nodeOptions = imageNodeOptions()
const workDir = mkdtempSync(join(tmpdir(), 'eko-startup-'))

interface Target { name: string, root: string, file: string }
const targets: Target[] = (positionals.length > 0 ? positionals : ['.']).map(p => ({ name: resolve(p), root: resolve(p), file: 'src/server.ts' }))
if (args['pass-through']) targets.push({ name: 'pass-through (scripts/bench)', root: here, file: 'scripts/bench/pass-through.ts' })

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
  NODE_OPTIONS: nodeOptions,
  // A start calls no Eko: an address nobody answers on will do.
  ...serviceEnv('http://127.0.0.1:9'),
  // For the pass-through: an upstream it never calls here.
  UPSTREAM: 'http://127.0.0.1:9'
}

interface Start { readyMs: number, cpuMs: number }

/** One start: ms from spawn to the first ready answer, and the CPU used by then; then SIGTERM, and wait for the exit. */
async function start (target: Target, extra: Record<string, string>, nodeArgs: string[] = []): Promise<Start> {
  const { child, exited, readyMs } = await spawnReady(target.file, { cwd: target.root, env: { ...env, ...extra }, nodeArgs })
  const cpuMs = Math.round(cpuSeconds(child.pid) * 1000)
  child.kill('SIGTERM')
  await exited
  return { readyMs, cpuMs }
}

/** The files one start loads, by package (`.` for the checkout's own). */
async function modules (target: Target): Promise<Map<string, number>> {
  const file = join(workDir, 'modules.json')
  await start(target, { MODULE_COUNT_FILE: file }, ['--import', countHook])
  const byPackage = new Map<string, number>()
  for (const url of JSON.parse(readFileSync(file, 'utf8')) as string[]) {
    const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1] ?? '.'
    byPackage.set(name, (byPackage.get(name) ?? 0) + 1)
  }
  return byPackage
}

const load = loadavg()
const times = targets.map(() => ({ cold: [] as Start[], warm: [] as Start[] }))
for (let run = 0; run < runs; run++) {
  // Each run starts with another target, so none is always first.
  for (let i = 0; i < targets.length; i++) {
    const k = (run + i) % targets.length
    const cache = join(workDir, `cache-${run}-${k}`)
    times[k]!.cold.push(await start(targets[k]!, { NODE_COMPILE_CACHE: cache }))
    times[k]!.warm.push(await start(targets[k]!, { NODE_COMPILE_CACHE: cache }))
    rmSync(cache, { recursive: true, force: true })
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}
const summary = (starts: Start[]) => {
  const ready = starts.map(s => s.readyMs)
  const range = `${Math.round(median(ready))} (${Math.round(Math.min(...ready))}–${Math.round(Math.max(...ready))})`
  const cpu = starts.map(s => s.cpuMs)
  return `${range.padStart(20)}${`${Math.round(median(cpu))} (${Math.min(...cpu)})`.padStart(12)}`
}
const round2 = (xs: number[]) => xs.map(n => n.toFixed(2)).join(' ')
console.log(`${runs} runs, NODE_OPTIONS="${nodeOptions}", load average ${round2(load)} before, ${round2(loadavg())} after (${cpus().length} cores)`)
console.log('ms from spawn to ready, median (min–max), and CPU ms used by then, median (min); cold: an empty compile cache, warm: the one it filled')
console.log(`${'target'.padEnd(32)}${'cold ready'.padStart(20)}${'CPU'.padStart(12)}${'warm ready'.padStart(20)}${'CPU'.padStart(12)}${'modules'.padStart(9)}`)
for (const [k, target] of targets.entries()) {
  const byPackage = await modules(target)
  const count = [...byPackage.values()].reduce((a, b) => a + b, 0)
  console.log(`${target.name.slice(-32).padEnd(32)}${summary(times[k]!.cold)}${summary(times[k]!.warm)}${String(count).padStart(9)}`)
  if (args.modules) {
    const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15)
    console.log(`  ${top.map(([name, n]) => `${name} ${n}`).join(', ')}`)
  }
}
rmSync(workDir, { recursive: true, force: true })
