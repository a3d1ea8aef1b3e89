import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'
import { problemResponses } from '../problem-schema.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Readiness probes registered by plugins (the shared store, …); each resolves true when healthy. */
    readinessChecks: Map<string, () => Promise<boolean>>
    /** Set when shutdown begins, so load balancers stop sending traffic first. */
    draining: boolean
  }
}

/** A readiness check that has not answered by then counts as failing, so a probe never hangs. */
const CHECK_TIMEOUT_MS = 1000

const Health = Type.Object({
  status: Type.Enum(['ok', 'unavailable'], { type: 'string', description: '`ok` when the instance should get traffic, else `unavailable`' }),
  checks: Type.Optional(Type.Record(Type.String(), Type.Enum(['ok', 'failing'], { type: 'string', description: 'The check\'s state' }), {
    description: 'Each readiness check by name (`store`, `shutdown`, …): `ok` or `failing`',
    // A handful of named checks, registered by the plugins.
    maxProperties: 16,
    examples: [{ store: 'ok' }]
  }))
}, { examples: [{ status: 'ok', checks: { store: 'ok' } }] })

async function runCheck (check: () => Promise<boolean>): Promise<'ok' | 'failing'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>(resolve => { timer = setTimeout(resolve, CHECK_TIMEOUT_MS, false) })
  try {
    return await Promise.race([Promise.resolve().then(check), timeout]) ? 'ok' : 'failing'
  } catch {
    return 'failing'
  } finally {
    clearTimeout(timer)
  }
}

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    schema: {
      tags: ['Operations'],
      operationId: 'getLiveness',
      summary: 'Liveness',
      description: 'The process is up and serving requests. No authentication; checks nothing else, so a failing dependency never restarts the instance.',
      // Public on purpose: probes hold no token.
      security: [],
      response: { 200: { ...Health, description: 'The process is up', examples: [{ status: 'ok' }] }, ...problemResponses('INTERNAL_ERROR') }
    }
  }, async (_request, reply) => {
    reply.header('cache-control', 'no-store')
    return { status: 'ok' as const }
  })

  app.get('/health/ready', {
    schema: {
      tags: ['Operations'],
      operationId: 'getReadiness',
      summary: 'Readiness',
      description: 'Configured, not shutting down, and the shared store reachable when one is set; 503 otherwise, so the load balancer stops sending traffic. No authentication; never calls Eko.',
      security: [],
      response: {
        200: { ...Health, description: 'Ready for traffic' },
        500: problemResponses('INTERNAL_ERROR')[500],
        503: { ...Health, description: 'Not ready: shutting down (`checks.shutdown`) or a readiness check failing', examples: [{ status: 'unavailable', checks: { shutdown: 'failing' } }] }
      }
    }
  }, async (request, reply) => {
    // In parallel, each bounded by CHECK_TIMEOUT_MS.
    const entries = await Promise.all([...app.readinessChecks].map(async ([name, check]) => [name, await runCheck(check)] as const))
    const checks: Record<string, 'ok' | 'failing'> = Object.fromEntries(entries)
    if (app.draining) checks.shutdown = 'failing'
    const ready = Object.values(checks).every(v => v === 'ok')
    reply.code(ready ? 200 : 503).header('cache-control', 'no-store')
    return { status: ready ? 'ok' as const : 'unavailable' as const, checks }
  })
}

export default healthRoutes
