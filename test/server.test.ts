import { test } from 'tap'
import { spawn } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { once } from 'node:events'
import { createServer } from 'node:net'
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

/** `node src/server.ts` with `env`; resolves once it exits, with its code and everything it printed. */
async function run (env: Record<string, string>): Promise<{ code: number | null, out: string }> {
  const child = spawn(process.execPath, [server], { env: cleanEnv(env) })
  let out = ''
  child.stdout.on('data', (d) => { out += d })
  child.stderr.on('data', (d) => { out += d })
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
  const [code] = await once(child, 'exit')
  clearTimeout(timer)
  return { code, out }
}

const publicKey = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64')
/** Everything production needs but the caller-token settings, which each test supplies. */
const production = {
  NODE_ENV: 'production',
  PORT: '0',
  EKO_BASE_URL: 'https://staging.eko.in/ekoapi/v3',
  EKO_DEVELOPER_KEY: 'becbbce45f79c6f5109f848acd540567',
  EKO_ACCESS_KEY: 'd2fe1d99-6298-4af2-8cc5-d97dcf46df30',
  EKO_INITIATOR_ID: '9962981729',
  EKO_AADHAAR_PUBLIC_KEY: publicKey
}

test('production with a JWKS but no issuer or audience is refused, one line naming each', async (t) => {
  const { code, out } = await run({ ...production, AUTH_JWKS_URL: 'https://id.example/.well-known/jwks.json' })
  t.equal(code, 1)
  t.same(out.trim().split('\n'), [
    'config: AUTH_JWT_ISSUER: required in production with AUTH_JWKS_URL',
    'config: AUTH_JWT_AUDIENCE: required in production with AUTH_JWKS_URL'
  ])
})

test('npm start on a fresh clone: the printed curl lines carry an agent through eKYC and the daily authentication', async (t) => {
  const child = spawn(process.execPath, [server], { env: cleanEnv({ PORT: '0', METRICS_PORT: '0' }) })
  t.teardown(() => { child.kill('SIGKILL') })
  let out = ''
  child.stderr.on('data', (d) => { out += d })
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15_000)
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('see the README')) { clearTimeout(timer); resolve() }
    })
  })
  t.match(out, /Swagger UI: +http:\/\/127\.0\.0\.1:\d+\/docs/)
  t.match(out, /Ops token/)
  const token = /^ {2}TOKEN='([^']+)'$/m.exec(out)![1]!
  // Each step as printed: its URL and its body, with the placeholders a newcomer fills in from the previous answer.
  const steps = [...out.matchAll(/curl -sS -X POST (\S+) .*\n {4}-d '([^']+)'/g)].map(m => ({ url: m[1]!, body: m[2]! }))
  t.same(steps.map(s => new URL(s.url).pathname), ['/agents/20810200/ekyc/otp', '/agents/20810200/ekyc/otp/verify', '/agents/20810200/ekyc/biometric', '/agents/20810200/daily-auth'], 'the whole flow is printed')
  const journal = /curl -sS (\S+\/ekyc) -H "Authorization: Bearer \$TOKEN"/.exec(out)![1]!
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }

  let refs: Record<string, string> = {}
  const expected = [{ otpRefId: /^[0-9]+$/, referenceTid: /^EKYK/, message: 'OTP request has been sent' }, { message: 'Validation successful' }, { status: 'completed' }, { status: 'authenticated' }]
  for (const [i, step] of steps.entries()) {
    const body = step.body
      .replace('<otpRefId>', refs.otpRefId ?? '').replace('<referenceTid from step 2>', refs.referenceTid ?? '').replace('<referenceTid>', refs.referenceTid ?? '')
    const res = await fetch(step.url, { method: 'POST', headers, body })
    const answer = await res.json() as Record<string, string>
    t.equal(res.status, 200, `step ${i + 1} answers 200`)
    t.match(answer, expected[i], `step ${i + 1}: ${JSON.stringify(answer)}`)
    refs = { ...refs, ...answer }
  }
  const seen = await (await fetch(journal, { headers })).json() as { step: string, dailyAuthDate: string, events: unknown[] }
  t.match(seen, { step: 'completed', dailyAuthDate: /^\d{4}-\d{2}-\d{2}$/ }, 'the journal shows the agent done for today')
  t.equal(seen.events.length, 4)
  const api = /Swagger UI: +(http:\/\/127\.0\.0\.1:\d+)\/docs/.exec(out)![1]!
  const metrics = /Metrics: +(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(out)?.[1]
  t.ok(metrics, 'the banner names the metrics listener, on the port METRICS_PORT=0 picked')
  if (metrics !== undefined) {
    t.not(new URL(metrics).port, new URL(api).port, 'not the API port')
    const scrape = await fetch(metrics)
    t.equal(scrape.status, 200)
    t.match(await scrape.text(), /process_cpu_user_seconds_total/)
  }
  t.equal((await fetch(`${api}/metrics`)).status, 404, 'the API port serves no metrics')
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'SIGTERM exits cleanly')
})

test('a METRICS_PORT already taken: one line naming it, exit 1, the API never listens', async (t) => {
  const taken = createServer()
  await new Promise<void>(resolve => taken.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => taken.close(resolve)))
  const port = String((taken.address() as { port: number }).port)
  const { code, out } = await run({ ...production, HOST: '127.0.0.1', METRICS_PORT: port, AUTH_JWT_SECRET: 'x'.repeat(32) })
  t.equal(code, 1)
  t.match(out, new RegExp(`METRICS_PORT: cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`))
  t.notMatch(out, /Server listening/)
})
