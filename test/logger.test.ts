import { test, type Test } from 'tap'
import { randomBytes, randomUUID } from 'node:crypto'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'
import { SignJWT } from 'jose'
import { loggableUrl, scrubUrl, usePrettyLogs } from '../src/logger.ts'
import { startSimulator } from '../src/simulator/index.ts'

const secret = new TextEncoder().encode('s'.repeat(32))
const jwt = await new SignJWT({ user_code: '20810200', roles: ['ops'] }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(secret)
const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"x"}').toString('base64url')}.`

test('what a logged or echoed URL loses: tokens, keys and long numbers', async (t) => {
  const masked: Array<[string, string]> = [
    [`/x/${jwt}`, 'a signed JWT'],
    [`/x/${unsigned}`, 'an unsigned JWT (empty signature)'],
    [`/x/${jwt}.${randomBytes(16).toString('base64url')}.${randomBytes(16).toString('base64url')}`, 'a five-part JWE'],
    [`/agents/${randomBytes(24).toString('base64url')}/ekyc/otp`, '32 characters of base64url'],
    [`/keys/${encodeURIComponent('q+Zx/9KpL2mN+aB/7cD8eF0gHh==')}`, 'base64 with +, / and = percent-encoded'],
    [`/x/${randomBytes(12).toString('hex')}`, '24 hex digits'],
    [`/x/${randomBytes(16).toString('hex').toUpperCase()}`, '32 capital hex digits'],
    ['/x/d2fe1d99-6298-4af2-8cc5-d97dcf46df30', 'a UUID-shaped access key'],
    ['/x/becbbce45f79c6f5109f848acd540567', 'a 32-character developer key'],
    ['/agents/234123412346/ekyc/otp', 'an Aadhaar number'],
    ['/agents/2341 2341 2346/x', 'an Aadhaar number with spaces'],
    ['/agents/2341%202341%202346/x', 'an Aadhaar number with encoded spaces'],
    ['/x/98765-43210', 'a mobile number']
  ]
  for (const [url, what] of masked) {
    const scrubbed = scrubUrl(url)
    t.match(scrubbed, /\[redacted\]/, `${what}: masked`)
    const secretPart = url.split('/').find(part => part.length >= 10 && !['ekyc', 'agents'].includes(part)) ?? ''
    t.notOk(scrubbed.includes(secretPart), `${what}: nothing of it left (${scrubbed})`)
  }
  t.equal(scrubUrl(`/x/${jwt}/y`), '/x/[redacted]/y', 'the segments around it stay')
})

test('what stays readable: user codes, route words, asset names, short ids', async (t) => {
  for (const url of [
    '/agents/20810200/ekyc/otp',
    '/docs/static/swagger-ui-standalone-preset.js',
    '/docs/static/swagger-ui-bundle.js.map',
    '/docs/json',
    '/health/ready',
    '/openapi/openapi.json',
    '/x/eyJshort.a.b'
  ]) t.equal(scrubUrl(url), url, url)
})

test('a logged URL keeps its scrubbed path and drops the query', async (t) => {
  t.equal(loggableUrl(`/x/${jwt}?token=${jwt}`), '/x/[redacted]?[query dropped]')
  t.equal(loggableUrl(`/nope/${randomUUID()}`), '/nope/[redacted]')
})

const server = fileURLToPath(new URL('../src/server.ts', import.meta.url))
/** A 12-digit number in a path is scrubbed by the request serializer, pretty or not. */
const MISPLACED = '234123412346'

test('pretty logs only in development at a terminal', async (t) => {
  t.equal(usePrettyLogs('development', true), true, 'development, terminal')
  t.equal(usePrettyLogs('development', false), false, 'development, piped')
  t.equal(usePrettyLogs('test', true), true, 'any non-production mode at a terminal')
  t.equal(usePrettyLogs('production', true), false, 'production, terminal: still JSON')
  t.equal(usePrettyLogs('production', false), false, 'production, piped')
})

/**
 * `node src/server.ts` with stdout a pipe that claims to be a terminal when `tty` is set (isTTY is
 * set before server.ts reads it). Sends one request with a number in its path, then SIGTERM;
 * resolves with everything the process wrote to stdout.
 */
async function run (t: Test, env: Record<string, string>, tty: boolean): Promise<string> {
  // A preload, not `-e`: pino's transport worker inherits the flags, and `-e` would be run there.
  const child = spawn(process.execPath, ['--import', `data:text/javascript,process.stdout.isTTY=${tty}`, server], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { out += d.toString() })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not listen: ${out}`)), 20_000)
    const check = () => {
      const match = /Server listening at (http:\/\/127\.0\.0\.1:[0-9]+)/.exec(out)
      if (match !== null) { clearTimeout(timer); resolve(match[1]!) }
    }
    child.stdout.on('data', check)
  })
  await fetch(`${url}/nope/${MISPLACED}`)
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0, 'exits cleanly')
  return stripVTControlCharacters(out)
}

function logLines (out: string): string[] {
  return out.split('\n').filter(l => /Server listening at|request completed/.test(l))
}

/** The start line and the request's one access line (written when it is answered). */
function startAndRequest (lines: string[]): boolean {
  return lines.some(l => l.includes('Server listening at')) && lines.some(l => l.includes('request completed'))
}

test('development at a terminal: pino-pretty lines, redacted as JSON would be', async (t) => {
  const out = await run(t, {}, true)
  const lines = logLines(out)
  t.ok(startAndRequest(lines), 'the start and the request were logged')
  for (const line of lines) t.notMatch(line, /^\{"level"/, `not JSON: ${line.slice(0, 60)}`)
  t.match(out, /\] INFO.*: Server listening at/, 'pino-pretty\'s level and message')
  t.match(out, /\/nope\/\[redacted\]/, 'the serializer scrubbed the URL')
  t.notOk(out.includes(MISPLACED), 'the number is nowhere')
})

test('development, piped: JSON lines', async (t) => {
  const out = await run(t, {}, false)
  const lines = logLines(out)
  t.ok(startAndRequest(lines), 'the start and the request were logged')
  for (const line of lines) t.match(JSON.parse(line), { level: Number, msg: String }, 'one JSON object per line')
})

test('production at a terminal: still JSON lines', async (t) => {
  const sim = await startSimulator()
  t.teardown(() => sim.close())
  const out = await run(t, { ...sim.ekoSettings, NODE_ENV: 'production', AUTH_JWT_SECRET: randomBytes(32).toString('base64url') }, true)
  const lines = logLines(out)
  t.ok(startAndRequest(lines), 'the start and the request were logged')
  for (const line of lines) t.match(JSON.parse(line), { level: Number, msg: String }, 'one JSON object per line')
  t.notOk(out.includes(MISPLACED), 'the number is nowhere')
})

test('the JSON log destination: every line whole and in order, multi-byte text too', async (t) => {
  // Bursts of lines with no pause between them, so lines queue behind the write in flight; the
  // child then ends on its own once every write is done.
  const script = `
    import pino from 'pino'
    import { logDestination, loggerOptions } from ${JSON.stringify(fileURLToPath(new URL('../src/logger.ts', import.meta.url)))}
    const log = pino(loggerOptions('info'), logDestination())
    for (let burst = 0; burst < 40; burst++) {
      for (let i = 0; i < 500; i++) log.info({ n: burst * 500 + i, text: 'नमस्ते ₹ ok' }, 'line')
      await new Promise(resolve => setImmediate(resolve))
    }
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] })
  const out: Buffer[] = []
  const err: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
  const [code] = await once(child, 'close') as [number]
  t.equal(code, 0, `the child exited cleanly ${Buffer.concat(err).toString('utf8')}`)
  const lines = Buffer.concat(out).toString('utf8').trimEnd().split('\n')
  t.equal(lines.length, 20_000, 'every line was written')
  const broken = lines.findIndex((line, i) => {
    const record = JSON.parse(line) as { n: number, text: string, msg: string }
    return record.n !== i || record.text !== 'नमस्ते ₹ ok' || record.msg !== 'line'
  })
  t.equal(broken, -1, 'each line parses, in the order logged, its multi-byte text intact')
})
