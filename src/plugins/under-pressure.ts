import { getHeapStatistics } from 'node:v8'
import fp from 'fastify-plugin'
import underPressure from '@fastify/under-pressure'
import { problem } from '../errors.ts'

export interface LoadSheddingOptions {
  /** Mean event-loop delay (ms) over a sample above which requests are refused; 0 turns it off. */
  maxEventLoopDelayMs: number
  /** Heap in use (MiB) above which requests are refused; undefined: 90 % of V8's heap limit; 0 turns it off. */
  maxHeapUsedMb?: number | undefined
  /** Default 1000: how often the process is measured. */
  sampleIntervalMs?: number
}

/** Under pressure, a client should come back after the next few samples, not hammer at once. */
export const SHED_RETRY_AFTER_SECONDS = 5
export const DEFAULT_HEAP_SHARE = 0.9
/**
 * Never shed: liveness (a busy process is alive; failing it would get the pod killed and turn
 * overload into a restart storm), readiness (it reports configuration, the store and draining;
 * pressure on every replica at once must not empty the load balancer). The metrics that show an
 * operator why requests are shed are on their own listener (plugins/metrics.ts), which this never sees.
 */
const EXEMPT = new Set(['/health/live', '/health/ready'])
const WARN_EVERY_MS = 10_000

/**
 * Load shedding: when the event loop lags or the heap nears its limit, new requests get 503
 * UPSTREAM_UNAVAILABLE with Retry-After through the one error handler, before authentication or
 * any call to Eko. Dependencies are not checked here; that is /health/ready's job.
 * @see https://github.com/fastify/under-pressure
 */
export default fp<LoadSheddingOptions>(async function loadShedding (app, options) {
  const maxHeapUsedBytes = options.maxHeapUsedMb === undefined
    ? Math.floor(getHeapStatistics().heap_size_limit * DEFAULT_HEAP_SHARE)
    : options.maxHeapUsedMb * 1024 * 1024
  let lastWarning = 0
  let shed = 0

  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes,
    sampleInterval: options.sampleIntervalMs ?? 1000,
    async pressureHandler (request, _reply, type, value) {
      if (EXEMPT.has(request.routeOptions.url ?? '')) return
      shed += 1
      if (Date.now() - lastWarning >= WARN_EVERY_MS) {
        request.log.warn({ pressure: { type, value, shed } }, 'under pressure: refusing requests with 503')
        lastWarning = Date.now()
        shed = 0
      }
      throw problem('UPSTREAM_UNAVAILABLE', 'the service is overloaded; try again shortly', { retryAfter: SHED_RETRY_AFTER_SECONDS })
    }
  })
}, { name: 'load-shedding', dependencies: ['problem'] })
