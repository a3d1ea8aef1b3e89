import { test } from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))

/** The environment a fresh shell would have: none of this test run's settings. */
function cleanEnv (extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...extra }
}

test('a production start with missing settings exits 1 before listening, one line per problem, no stack', async (t) => {
  const child = spawn(process.execPath, [server], { env: cleanEnv({ NODE_ENV: 'production', PORT: '0', EKO_TIMEOUT_MS: 'soon' }) })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const [code] = await once(child, 'exit')
  t.equal(code, 1)
  const lines = out.trim().split('\n')
  t.same(lines.map(l => l.split(':')[1]?.trim()).sort(), ['AUTH_JWT_SECRET', 'EKO_AADHAAR_PUBLIC_KEY', 'EKO_ACCESS_KEY', 'EKO_BASE_URL', 'EKO_DEVELOPER_KEY', 'EKO_INITIATOR_ID', 'EKO_TIMEOUT_MS'])
  t.ok(lines.every(l => l.startsWith('config: ')), 'every line names the problem')
  t.notMatch(out, /at .*\.ts:\d+/, 'no stack trace')
  t.notMatch(out, /listening/i)
})

test('npm start on a fresh clone: the printed curl sends an OTP', async (t) => {
  const child = spawn(process.execPath, [server], { env: cleanEnv({ PORT: '0' }) })
  t.teardown(() => { child.kill('SIGKILL') })
  let out = ''
  child.stderr.on('data', (d) => { out += d })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15_000)
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes("-d '")) { clearTimeout(timer); resolve() }
    })
  })
  const curl = out.slice(out.indexOf('curl '))
  const url = /curl -sS -X POST (\S+)/.exec(curl)![1]!
  const auth = /-H '(Authorization: Bearer [^']+)'/.exec(curl)![1]!
  const body = /-d '([^']+)'/.exec(curl)![1]!
  t.match(out, /Swagger UI: +http:\/\/127\.0\.0\.1:\d+\/docs/)
  t.match(out, /Ops token/)
  const res = await fetch(url, { method: 'POST', headers: { authorization: auth.slice('Authorization: '.length), 'content-type': 'application/json' }, body })
  t.equal(res.status, 200)
  t.match(await res.json(), { otpRefId: /^[0-9]+$/, message: 'OTP request has been sent' })
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'SIGTERM exits cleanly')
})
