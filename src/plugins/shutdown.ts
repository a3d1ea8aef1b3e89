import fp from 'fastify-plugin'
import { problem } from '../errors.ts'

/**
 * The request side of a graceful shutdown (server.ts runs the sequence). From the moment the app
 * drains, every response says `Connection: close`: keep-alive clients and proxies reconnect to
 * another instance, and a connection whose request was in flight ends with its answer instead of
 * idling until the keep-alive timeout and holding `close()` up. Once `close()` has begun, a request
 * already arriving on an open connection gets a 503 problem (Fastify's own `return503OnClosing`
 * answer is plain JSON, so app.ts turns it off). Idle keep-alive connections are not answered but
 * closed by `close()` at once, so clients reconnect elsewhere (docs/resilience.md §5 says why).
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
