import { connect } from 'node:net'
import { once } from 'node:events'
import { test, type Test } from 'tap'
import { build, type Built } from './helpers/build.ts'
import { assertNoLeaks } from './helpers/leaks.ts'
import { HEADER_LIMIT, REQUEST_TIMEOUT_MS } from '../src/app.ts'

interface Raw { status: number, headers: Record<string, string>, json: Record<string, unknown>, text: string }

/** Writes `chunks` to a fresh connection (one per write), then reads until the server closes it. */
async function raw (s: Built, ...chunks: string[]): Promise<Raw[]> {
  const { hostname, port } = new URL(s.url)
  const socket = connect(Number(port), hostname)
  socket.on('error', () => {}) // a reset after the answer is not what these tests look at
  await once(socket, 'connect')
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  const closed = once(socket, 'close')
  for (const chunk of chunks) socket.write(chunk)
  await closed
  return parseAnswers(text)
}

/** Answers as they came on the wire, one after another (keep-alive), each with its Content-Length body. */
function parseAnswers (text: string): Raw[] {
  const answers: Raw[] = []
  let rest = text
  while (rest.length > 0) {
    const end = rest.indexOf('\r\n\r\n')
    if (end < 0) throw new Error(`not an HTTP answer: ${JSON.stringify(rest.slice(0, 200))}`)
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n')
    const headers = Object.fromEntries(lines.map(l => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
    const length = Number(headers['content-length'] ?? 0)
    const body = rest.slice(end + 4, end + 4 + length)
    let json: Record<string, unknown> = {}
    try { json = JSON.parse(body) } catch {}
    answers.push({ status: Number(statusLine.split(' ')[1]), headers, json, text: body })
    rest = rest.slice(end + 4 + length)
  }
  return answers
}

/** What every answer Node's parser caused must be: problem+json, with an id, closing the connection, nothing secret. */
function isRawProblem (t: Test, s: Built, res: Raw | undefined, status: number, code: string): void {
  t.ok(res, 'an answer came back')
  if (res === undefined) return
  t.equal(res.status, status, `status ${status}`)
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8', 'problem+json')
  t.match(res.json, { type: `urn:eko-ekyc-bff:problem:${code.toLowerCase().replaceAll('_', '-')}`, title: String, status, detail: String, code, requestId: String }, `code ${code}`)
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'X-Request-Id')
  t.equal(res.headers['x-request-id'], res.json.requestId, 'the same id in the body')
  t.equal(res.headers.connection, 'close', 'Connection: close')
  t.equal(res.headers['cache-control'], 'no-store')
  t.equal(res.headers['x-content-type-options'], 'nosniff')
  s.secrets.assertClean(t, res.text, `the ${status} answer`)
  const logged = s.logs.records().find(r => r.requestId === res.json.requestId)
  t.match(logged, { problem: code, status }, 'one log line under the same request id')
}

const get = (s: Built, extra = '') => `GET /health/live HTTP/1.1\r\nHost: ${new URL(s.url).host}\r\nAuthorization: Bearer ${s.tokens.agent}\r\n${extra}`

test('headers over the limit: 431 HEADERS_TOO_LARGE problem+json, not Node\'s bare JSON', async (t) => {
  const s = await build(t)
  for (const size of [20 * 1024, 100 * 1024]) {
    const [res, ...more] = await raw(s, get(s, `X-Padding: ${'x'.repeat(size)}\r\n\r\n`))
    t.comment(`${size / 1024} KiB of headers`)
    isRawProblem(t, s, res, 431, 'HEADERS_TOO_LARGE')
    t.same(more, [], 'and nothing after it')
  }
  t.ok(20 * 1024 > HEADER_LIMIT, 'the test headers are over the limit')
})

test('a malformed header line or request line: 400 BAD_REQUEST problem+json', async (t) => {
  const s = await build(t)
  const cases: Array<[string, string]> = [
    ['a header line without a colon', get(s, 'This is not a header\r\n\r\n')],
    ['a space before the colon', get(s, 'X-Bad : value\r\n\r\n')],
    ['a control character in a header value', get(s, 'X-Bad: a\u0001b\r\n\r\n')],
    ['a request line that is not HTTP', 'HELLO\r\n\r\n'],
    ['two Content-Length headers that disagree', 'POST /agents/20810200/ekyc/otp HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}']
  ]
  for (const [what, request] of cases) {
    t.comment(what)
    const [res] = await raw(s, request)
    isRawProblem(t, s, res, 400, 'BAD_REQUEST')
  }
})

test('after a valid request on the same connection, kept alive or pipelined: its 200 first, then the 400 problem', async (t) => {
  const s = await build(t)
  const { hostname, port } = new URL(s.url)
  const socket = connect(Number(port), hostname)
  await once(socket, 'connect')
  let text = ''
  socket.on('data', (chunk: Buffer) => { text += chunk.toString('latin1') })
  socket.write(get(s, '\r\n'))
  while (!text.includes('{"status":"ok"}')) await once(socket, 'data')
  socket.write(get(s, 'Not a header\r\n\r\n'))
  await once(socket, 'close')
  const [first, second, ...more] = parseAnswers(text)
  t.equal(first?.status, 200, 'kept alive: the valid request is answered')
  isRawProblem(t, s, second, 400, 'BAD_REQUEST')
  t.same(more, [])

  // Both at once: the OTP request takes a round trip to Eko, and the 400 must not overtake it.
  const body = JSON.stringify(s.body())
  const post = `POST /agents/20810200/ekyc/otp HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${s.tokens.agent}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  const [otp, refused, ...rest] = await raw(s, post + get(s, 'Not a header\r\n\r\n'))
  t.equal(otp?.status, 200, 'pipelined: the OTP answer comes first')
  t.match(otp?.json, { otpRefId: String })
  isRawProblem(t, s, refused, 400, 'BAD_REQUEST')
  t.same(rest, [])
})

test(`a request that does not arrive within ${REQUEST_TIMEOUT_MS / 1000} s: 408 REQUEST_TIMEOUT problem+json`, async (t) => {
  const s = await build(t)
  const started = Date.now()
  const [res] = await raw(s, get(s, 'X-Slow: 1\r\n')) // the blank line that ends the headers never comes
  const took = Date.now() - started
  isRawProblem(t, s, res, 408, 'REQUEST_TIMEOUT')
  t.ok(took >= REQUEST_TIMEOUT_MS - 100 && took < REQUEST_TIMEOUT_MS + 5000, `after ${took} ms`)
})

test('no token in any log line: the parser\'s raw bytes are never logged', async (t) => {
  const s = await build(t)
  await raw(s, get(s, `X-Padding: ${'x'.repeat(20 * 1024)}\r\n\r\n`))
  await raw(s, get(s, 'Not a header\r\n\r\n'))
  const lines = s.logs.records().filter(r => typeof r.problem === 'string')
  t.equal(lines.length, 2, 'one line per refused request')
  for (const line of lines) t.notOk('err' in line || 'rawPacket' in line, 'no error object with the raw request in it')
  s.secrets.assertClean(t, s.logs.text(), 'the log')
})

test('nothing secret in any log line or answer of this file', async (t) => assertNoLeaks(t))
