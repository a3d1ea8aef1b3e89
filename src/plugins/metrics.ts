import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { createClientErrorHandler, problemHeaders, type ClientErrorLimits } from '../client-error.ts'
import { problem, problemDocument, PROBLEMS } from '../errors.ts'

/** Why a caller got a 429: this service's cooldown, its per-caller rate limit, or Eko's own refusal. */
export type RateLimitReason = 'cooldown' | 'rate_limit' | 'eko'
export type BreakerState = 'closed' | 'open' | 'half_open'

export interface Metrics {
  registry: Registry
  /** One Eko call: `outcome` is `OK` or a problem code; never a user code or other unbounded value. */
  ekoCall (operation: string, variant: string, outcome: string, seconds: number): void
  otpSent (variant: string): void
  rateLimited (reason: RateLimitReason): void
  breakerState (state: BreakerState): void
}

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
    /** The separate listener that serves GET /metrics; server.ts (and the tests) open it. */
    metricsListener: MetricsListener
  }
}

const BREAKER_STATES: BreakerState[] = ['closed', 'half_open', 'open']
const RATE_LIMIT_REASONS: RateLimitReason[] = ['cooldown', 'rate_limit', 'eko']

/** A registry per app (no module-level singleton), so tests and several apps in one process stay apart. */
export function createMetrics (): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const ekoDuration = new Histogram({
    name: 'eko_call_duration_seconds',
    help: 'Duration of calls to Eko, by operation, API variant and outcome code',
    labelNames: ['operation', 'variant', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
    registers: [registry]
  })
  const ekoCalls = new Counter({ name: 'eko_calls_total', help: 'Calls to Eko, by operation, API variant and outcome code', labelNames: ['operation', 'variant', 'outcome'], registers: [registry] })
  const otps = new Counter({ name: 'ekyc_otp_sent_total', help: 'OTPs Eko accepted to send', labelNames: ['variant'], registers: [registry] })
  const limited = new Counter({ name: 'ekyc_otp_rate_limited_total', help: '429 answers by reason: cooldown, rate_limit, eko', labelNames: ['reason'], registers: [registry] })
  const breaker = new Gauge({ name: 'eko_circuit_state', help: 'Circuit breaker around Eko: 1 for the current state', labelNames: ['state'], registers: [registry] })
  for (const state of BREAKER_STATES) breaker.set({ state }, state === 'closed' ? 1 : 0)
  // Every reason exported from the start at 0, so rate() and alerts see the series before the first 429.
  for (const reason of RATE_LIMIT_REASONS) limited.inc({ reason }, 0)
  return {
    registry,
    ekoCall (operation, variant, outcome, seconds) {
      ekoDuration.observe({ operation, variant, outcome }, seconds)
      ekoCalls.inc({ operation, variant, outcome })
    },
    otpSent (variant) { otps.inc({ variant }) },
    rateLimited (reason) { limited.inc({ reason }) },
    breakerState (state) { for (const s of BREAKER_STATES) breaker.set({ state: s }, s === state ? 1 : 0) }
  }
}

export interface MetricsListenerOptions {
  /** Address to listen on: the service's HOST. */
  host: string
  /** METRICS_PORT; 0 picks a free port. */
  port: number
  /** The API's header and receive-time bounds, applied here too. */
  limits: ClientErrorLimits
}

export interface MetricsListener {
  /** Opens the listener and logs its address; resolves with its origin, e.g. `http://127.0.0.1:9464`. */
  listen (): Promise<string>
  /** The origin once listening. */
  readonly url: string | undefined
}

/**
 * The exposition, on a listener of its own: the API port faces clients and load balancers, and
 * metrics tell the world the Node version and the traffic. Only `GET /metrics` is served; anything
 * else is a 404 or 405 problem. Plain node:http, as a second Fastify would bring routing, hooks and
 * a logger for one path.
 */
function createMetricsListener (app: FastifyInstance, registry: Registry, options: MetricsListenerOptions): MetricsListener {
  async function answer (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID()
    const refuse = (code: 'NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'INTERNAL_ERROR', detail: string, headers: Record<string, string> = {}) => {
      const body = JSON.stringify(problemDocument(problem(code, detail), requestId))
      res.writeHead(PROBLEMS[code].status, { ...problemHeaders(requestId), ...headers }).end(body)
    }
    if ((req.url ?? '').split('?')[0] !== '/metrics') return refuse('NOT_FOUND', 'this listener serves GET /metrics only')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse('METHOD_NOT_ALLOWED', 'use GET', { allow: 'GET, HEAD' })
    try {
      const text = await registry.metrics()
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', 'x-request-id': requestId })
      res.end(req.method === 'HEAD' ? undefined : text)
      /* c8 ignore next 4: prom-client's collectors do not throw; a broken custom collector would, and then the scrape gets a problem, not a hang. */
    } catch (err) {
      app.log.error({ err, requestId }, 'metrics exposition failed')
      refuse('INTERNAL_ERROR', 'an unexpected error occurred; quote the requestId to support')
    }
  }

  const { headerBytes, requestTimeoutMs } = options.limits
  const server = createServer({ maxHeaderSize: headerBytes, requestTimeout: requestTimeoutMs, headersTimeout: requestTimeoutMs }, (req, res) => { answer(req, res).catch(() => res.destroy()) })
  // Malformed requests get the API's problem+json answers here too.
  server.on('clientError', createClientErrorHandler(options.limits).bind(app))
  let url: string | undefined

  app.addHook('onClose', async () => {
    if (!server.listening) return
    const closed = new Promise(resolve => server.close(resolve))
    // A scrape cut short is retried at the next interval; the shutdown does not wait for it.
    server.closeAllConnections()
    await closed
  })

  return {
    get url () { return url },
    async listen () {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(options.port, options.host, () => {
          server.off('error', reject)
          resolve()
        })
      })
      const { address, family, port } = server.address() as AddressInfo
      url = `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`
      app.log.info({ metricsUrl: `${url}/metrics` }, `Metrics listening at ${url}/metrics`)
      return url
    }
  }
}

/**
 * Request durations by route pattern (never the raw URL, which holds user codes), collected on the
 * API; exposed on the separate metrics listener (METRICS_PORT), never on the API port.
 */
export default fp<MetricsListenerOptions>(async function metricsPlugin (app, options) {
  const metrics = createMetrics()
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry]
  })
  app.decorate('metrics', metrics)
  app.decorate('metricsListener', createMetricsListener(app, metrics.registry, options))
  // A callback hook: an async one costs a promise and a microtask on every answer.
  app.addHook('onResponse', function observeDuration (request, reply, done) {
    httpDuration.observe({
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode)
    }, reply.elapsedTime / 1000)
    done()
  })
}, { name: 'metrics' })
