import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { request } from 'undici'
import { captureLogs, collected } from './leaks.ts'

const SERVER = fileURLToPath(new URL('../../src/server.ts', import.meta.url))

export interface Service {
  url: string
  /** Origin of the metrics listener, from its "Metrics listening at" line. */
  metricsUrl: string
  process: ChildProcess
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<[number | null, NodeJS.Signals | null]>
  /** Everything it printed so far, stdout and stderr. */
  output: () => string
}

export interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  json: Record<string, unknown>
  text: string
}

/**
 * `node src/server.ts` as a child process, as production runs it: `NODE_ENV=production`, every
 * setting from the environment, port 0. Resolves with the address from its "Server listening at"
 * line; its output is captured for the closing leak scan; SIGTERM when the test ends.
 */
export async function startService (t: Test, env: Record<string, string>): Promise<Service> {
  const child = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', METRICS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const logs = captureLogs()
  collected.logs.push(logs)
  const exited = new Promise<[number | null, NodeJS.Signals | null]>(resolve => child.once('exit', (code, signal) => resolve([code, signal])))
  child.stdout.pipe(logs.stream, { end: false })
  child.stderr.pipe(logs.stream, { end: false })
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  })
  let seen = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the service did not listen within 20 s:\n${logs.text()}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString()
      const match = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:[0-9]+)"/.exec(seen)
      if (match !== null) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the service exited (${code}) before listening:\n${logs.text()}`))
    })
  })
  // The metrics listener opens before the API's, so its line is already there.
  const metricsUrl = /"msg":"Metrics listening at (http:\/\/127\.0\.0\.1:[0-9]+)\/metrics"/.exec(seen)?.[1]
  if (metricsUrl === undefined) throw new Error(`no "Metrics listening at" line before the API's:\n${logs.text()}`)
  return { url, metricsUrl, process: child, exited, output: () => logs.text() }
}

/** POST /agents/{userCode}/ekyc/otp; the response is searched for every secret the file used. */
export async function post (t: Test, service: Service, userCode: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return await call(t, service, 'POST', `/agents/${userCode}/ekyc/otp`, token, body, headers)
}

/** Any route; the response is searched for every secret the file used. */
export async function call (t: Test, service: Service, method: 'GET' | 'POST', path: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await request(`${service.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), authorization: `Bearer ${token}`, ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  const text = await res.body.text()
  collected.secrets.assertClean(t, text, `the ${res.statusCode} response`)
  let json: Record<string, unknown> = {}
  try { json = JSON.parse(text) } catch {}
  return { status: res.statusCode, headers: res.headers, json, text }
}
