import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { test } from 'tap'

/*
 * The CI cut of `npm run soak`: 20 s of steady load with Eko faults mixed in, the service in its
 * own process. The script itself fails on any 500 or other unexpected status, a request with no
 * HTTP answer, a crash, a shutdown that is not clean, a secret in the log, or RSS growth after
 * its 5 s warm-up beyond 32 MiB (the service runs with the image's 128 MiB old space, as in a 256 MiB pod).
 */
const DURATION_S = 20

test(`soak: ${DURATION_S} s of steady load with faults mixed in`, { timeout: 90_000 }, async (t) => {
  const child = spawn(process.execPath, ['scripts/soak.ts', `--duration=${DURATION_S}`, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('utf8') })
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8') })
  const [code] = await once(child, 'exit') as [number | null]
  const line = stdout.split('\n').find(l => l.startsWith('SOAK_RESULT '))
  t.ok(line, `the soak reported a result${line === undefined ? `\n${stdout}\n${stderr}` : ''}`)
  if (line === undefined) return
  const result = JSON.parse(line.slice('SOAK_RESULT '.length))
  t.comment(JSON.stringify({ requests: result.requests, rps: result.throughputRps, latencyMs: result.latencyMs, statuses: result.statuses, memoryMb: result.memoryMb }))
  t.same(result.problems, [], 'no problem found')
  t.equal(code, 0, 'the soak passed')
  t.notOk(Object.keys(result.statuses).some(k => k.startsWith('500')), 'no 500')
  t.equal(result.transportErrors, 0, 'every request got an HTTP answer')
  t.ok(result.requests > DURATION_S * 20, `${result.requests} requests`)
  t.ok(result.statuses['200'] > result.requests / 2, 'most succeeded')
  t.ok(Object.keys(result.eko.faults).length > 3, 'several kinds of fault were met')
  t.ok(result.memoryMb.rssGrowthAfterWarmup <= result.settings.maxRssGrowthMb, `RSS grew ${result.memoryMb.rssGrowthAfterWarmup} MiB after warm-up`)
  t.equal(result.exitCode, 0, 'the service stopped cleanly on SIGTERM')
})
