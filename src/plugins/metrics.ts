import fp from 'fastify-plugin'
import type {} from '@fastify/swagger'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'

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

/** Request durations by route pattern (never the raw URL, which holds user codes), and GET /metrics. */
export default fp(async function metricsPlugin (app) {
  const metrics = createMetrics()
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests by route pattern, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics.registry]
  })
  app.decorate('metrics', metrics)
  app.addHook('onResponse', async (request, reply) => {
    httpDuration.observe({
      route: request.routeOptions.url ?? 'unmatched',
      method: request.method,
      status: String(reply.statusCode)
    }, reply.elapsedTime / 1000)
  })
  app.get('/metrics', {
    schema: {
      tags: ['Operations'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description: 'Prometheus text exposition format. No authentication; expose it only to the scraper\'s network.',
      response: {
        200: {
          description: 'Request durations by route pattern, Eko calls by variant and outcome, OTPs sent, 429s by reason, the circuit state, and process metrics',
          content: { 'text/plain': { schema: { type: 'string', description: 'Prometheus text format 0.0.4', example: '# TYPE ekyc_otp_sent_total counter\nekyc_otp_sent_total{variant="collection"} 1\n' } } }
        }
      }
    }
  }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType)
    return await metrics.registry.metrics()
  })
}, { name: 'metrics' })
