/**
 * The benchmark's stand-in for Eko: plain node:http, no checks, Eko's Send OTP success envelope
 * to every POST, so it is never what limits a run. Started as a child process by scripts/bench.ts
 * with PORT; prints `ready` once it listens.
 */
import { createServer } from 'node:http'

let n = 0
const server = createServer((req, res) => {
  // The body is read (and dropped) as Eko would, so the caller's connection stays reusable.
  req.resume()
  req.on('end', () => {
    n = (n + 1) % 9_000_000
    const body = JSON.stringify({
      status: 0,
      response_status_id: 0,
      response_type_id: 1600,
      message: 'OTP request has been sent',
      data: { otp_ref_id: String(1_000_000 + n), reference_tid: `EKYKF${String(n).padStart(22, '0')}I` }
    })
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    res.end(body)
  })
})
server.keepAliveTimeout = 60_000
server.listen(Number(process.env.PORT), '127.0.0.1', () => { process.stdout.write('ready\n') })
process.on('SIGTERM', () => { server.close(); server.closeAllConnections() })
