import fp from 'fastify-plugin'
import { problem } from '../errors.ts'

/**
 * The request side of a graceful shutdown (server.ts runs the sequence). From the moment the app
 * drains, every response says `Connection: close`: keep-alive clients and proxies reconnect to
 * another instance, and a connection whose request was in flight ends with its answer instead of
 * idling until the keep-alive timeout and holding `close()` up. Once `close()` has begun, a request
 * that still arrives on an open connection gets a 503 problem (Fastify's own `return503OnClosing`
 * answer is plain JSON, so app.ts turns it off).
 */
export default fp(async function shutdownPlugin (app) {
  let closing = false
  app.addHook('preClose', async () => { closing = true })
  app.addHook('onRequest', async () => {
    if (closing) throw problem('UPSTREAM_UNAVAILABLE', 'the service is shutting down; try again', { retryAfter: 1 })
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing || app.draining) reply.header('connection', 'close')
  })
}, { name: 'shutdown', dependencies: ['problem'] })
