import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createServer } from 'node:net'
import { test } from 'tap'
import { request } from 'undici'

const main = new URL('../../src/simulator/main.ts', import.meta.url).pathname

function run (env: Record<string, string>) {
  // Only the variables under test: the simulator must not depend on anything else in the environment.
  const child = spawn(process.execPath, [main], { env: { PATH: process.env.PATH ?? '', ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const exit = new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
  return { child, exit, out: () => stdout, err: () => stderr }
}

test('bad settings: one line per problem on stderr, exit 1, nothing listens', async (t) => {
  const p = run({ SIMULATOR_PORT: 'x', SIMULATOR_INITIATOR_ID: '1' })
  t.equal(await p.exit, 1)
  t.same(p.err().trim().split('\n').map(l => l.split(':')[0]), ['SIMULATOR_PORT', 'SIMULATOR_INITIATOR_ID'])
})

test('starts, prints what the service needs, writes the public key, stops on SIGTERM', async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'eko-sim-')), 'eko.pub')
  const p = run({ SIMULATOR_PORT: '0', SIMULATOR_PUBLIC_KEY_OUT: out })
  t.teardown(() => { p.child.kill('SIGKILL') })
  while (!p.out().includes('control API')) {
    if (p.child.exitCode !== null) throw new Error(p.err())
    await new Promise(resolve => setTimeout(resolve, 20))
  }
  const baseUrl = /EKO_BASE_URL=(\S+)/.exec(p.out())?.[1] ?? ''
  t.match(baseUrl, /^http:\/\/127\.0\.0\.1:[0-9]+\/ekoapi\/v3$/)
  t.match(p.out(), 'EKO_DEVELOPER_KEY=becbbce45f79c6f5109f848acd540567')
  t.match(p.out(), 'EKO_INITIATOR_ID=9962981729')
  t.match(p.out(), 'src/simulator/README.md')
  t.notMatch(p.out(), 'd2fe1d99', 'the access key is not printed')
  const publicKey = readFileSync(out, 'utf8').trim()
  t.match(p.out(), `EKO_AADHAAR_PUBLIC_KEY=${publicKey}`)
  const health = await request(new URL('/health', baseUrl))
  t.equal(health.statusCode, 200)
  await health.body.dump()
  p.child.kill('SIGTERM')
  t.equal(await p.exit, 0)
})

test('a port already taken: one line naming SIMULATOR_PORT, exit 1', async (t) => {
  const taken = createServer()
  await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => taken.close(resolve)))
  const p = run({ SIMULATOR_PORT: String((taken.address() as { port: number }).port) })
  t.equal(await p.exit, 1)
  t.match(p.err(), /^SIMULATOR_PORT: cannot listen on 127\.0\.0\.1:[0-9]+ \(EADDRINUSE\)\n$/)
})

test('a public key path that cannot be written: one line naming SIMULATOR_PUBLIC_KEY_OUT, exit 1', async (t) => {
  const p = run({ SIMULATOR_PORT: '0', SIMULATOR_PUBLIC_KEY_OUT: join(tmpdir(), 'no-such-dir-eko-sim', 'eko.pub') })
  t.equal(await p.exit, 1)
  t.match(p.err(), /^SIMULATOR_PUBLIC_KEY_OUT: cannot write .*eko\.pub \(ENOENT\)\n$/)
})
