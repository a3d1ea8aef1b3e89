import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import rateLimit, { normalizeIP, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit'
import type { Config } from '../config.ts'
import { problem } from '../errors.ts'
import type { Store } from '../store/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * onRequest hook in place of `authenticate`: verifies the token, then counts the request against
     * the caller's bucket, or the client address's when authentication failed; 429 when over the
     * limit, else the authentication failure if any.
     */
    authenticateAndLimit (request: FastifyRequest, reply: FastifyReply): Promise<void>
  }
}

export interface RateLimitPluginOptions {
  settings: Pick<Config, 'RATE_LIMIT_MAX' | 'RATE_LIMIT_WINDOW_SECONDS'>
}

/** @fastify/rate-limit's store contract over ours, so its counters live with the cooldowns: in Redis when set. */
function storeAdapter (store: Store): FastifyRateLimitStoreCtor {
  const adapter = {
    incr (key: string, done: (err: Error | null, result?: { current: number, ttl: number }) => void, timeWindow: number) {
      store.increment(key, timeWindow).then(({ count, ttlMs }) => done(null, { current: count, ttl: ttlMs }), done)
    },
    child () { return adapter }
  }
  // The plugin calls `new Store(options)`; a constructor that returns an object yields that object.
  return function RateLimitStore () { return adapter } as unknown as FastifyRateLimitStoreCtor
}

/** What @fastify/rate-limit sends on every answer of a limited route (`addHeaders` below), for the routes' response schemas. */
const RATE_LIMIT_HEADERS = {
  'X-RateLimit-Limit': { type: 'integer', format: 'int32', minimum: 1, maximum: 1_000_000, description: 'Requests this caller may make to this route per window (`RATE_LIMIT_MAX`)' },
  'X-RateLimit-Remaining': { type: 'integer', format: 'int32', minimum: 0, maximum: 1_000_000, description: 'Requests left in the current window' },
  'X-RateLimit-Reset': { type: 'integer', format: 'int32', minimum: 0, maximum: 86_400, description: 'Seconds until the window starts again' }
}

/**
 * A rate-limited route's `response` schemas with the headers above declared on each 2XX and 4XX
 * answer: the limit runs in `onRequest`, before anything can answer 2XX or 4XX.
 */
export function withRateLimitHeaders<R extends Record<string | number, { headers?: object }>> (responses: R): R {
  return Object.fromEntries(Object.entries(responses).map(([status, response]) => [
    status,
    /^[24]/.test(status) ? { ...response, headers: { ...response.headers, ...RATE_LIMIT_HEADERS } } : response
  ])) as R
}

/**
 * RATE_LIMIT_MAX requests per RATE_LIMIT_WINDOW_SECONDS per caller and route (fixed window), counted in
 * the shared store by @fastify/rate-limit. The bucket is the verified caller id, never anything a
 * client can choose: unauthenticated requests count against the client address, which honours
 * X-Forwarded-For only from TRUST_PROXY addresses. Store failures propagate (no skipOnError):
 * the route fails closed with 503.
 * @see https://github.com/fastify/fastify-rate-limit
 */
export default fp<RateLimitPluginOptions>(async function rateLimitPlugin (app, { settings }) {
  const max = settings.RATE_LIMIT_MAX
  const windowSeconds = settings.RATE_LIMIT_WINDOW_SECONDS
  const keys = app.keyspace
  await app.register(rateLimit, {
    global: false,
    store: storeAdapter(app.store),
    skipOnError: false,
    max,
    timeWindow: windowSeconds * 1000,
    // Stated rather than left to the defaults: the OpenAPI document declares exactly these.
    addHeadersOnExceeding: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true },
    addHeaders: { 'x-ratelimit-limit': true, 'x-ratelimit-remaining': true, 'x-ratelimit-reset': true, 'retry-after': true },
    // One count per route: a burst of journal reads must not use up an agent's Verify OTP.
    keyGenerator: (request) => keys.rateLimit(`${request.method} ${request.routeOptions.url ?? ''} ${request.caller === undefined ? `ip:${normalizeIP(request.ip)}` : `caller:${request.caller.id}`}`),
    // A ProblemError carries statusCode 429, so the one error handler renders it (without one, a 429 would become a 500).
    errorResponseBuilder: (_request, context) => {
      app.metrics.rateLimited('rate_limit')
      return problem('OTP_RATE_LIMITED', `too many requests: at most ${max} every ${windowSeconds} s; retry after the time in Retry-After`, { retryAfter: context.ttl / 1000 })
    }
  })
  const limit = app.rateLimit()

  app.decorate('authenticateAndLimit', async function (request: FastifyRequest, reply: FastifyReply) {
    let failure: unknown
    try {
      await app.authenticate(request)
    } catch (err) {
      failure = err
    }
    await limit.call(app, request, reply)
    if (failure !== undefined) throw failure
  })
}, { name: 'rate-limit', dependencies: ['auth', 'store', 'metrics'] })
