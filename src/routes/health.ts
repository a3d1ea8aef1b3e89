import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import Type from 'typebox'

declare module 'fastify' {
  interface FastifyInstance {
    /** Readiness probes registered by plugins (the shared store, …); each resolves true when healthy. */
    readinessChecks: Map<string, () => Promise<boolean>>
    /** Set when shutdown begins, so load balancers stop sending traffic first. */
    draining: boolean
  }
}

const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')], { description: '`ok` or `unavailable`' }),
  checks: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('failing')]), { description: 'Each dependency\'s state' }))
})

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    schema: { tags: ['Operations'], summary: 'Liveness', description: 'The process is up. No authentication.', response: { 200: Health } }
  }, async () => ({ status: 'ok' as const }))

  app.get('/health/ready', {
    schema: {
      tags: ['Operations'],
      summary: 'Readiness',
      description: 'Configured, not shutting down, and the shared store reachable when one is set. 503 otherwise. No authentication; never calls Eko.',
      response: { 200: Health, 503: Health }
    }
  }, async (request, reply) => {
    const checks: Record<string, 'ok' | 'failing'> = {}
    for (const [name, check] of app.readinessChecks) {
      checks[name] = await check().catch(() => false) ? 'ok' : 'failing'
    }
    if (app.draining) checks.shutdown = 'failing'
    const ready = Object.values(checks).every(v => v === 'ok')
    reply.code(ready ? 200 : 503).header('cache-control', 'no-store')
    return { status: ready ? 'ok' as const : 'unavailable' as const, checks }
  })
}

export default healthRoutes
