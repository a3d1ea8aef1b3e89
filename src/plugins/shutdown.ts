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
  // Callback hooks, not async ones: they run on every request and almost always do nothing.
  app.addHook('onRequest', function refuseWhileClosing (_request, _reply, done) {
    done(closing ? problem('UPSTREAM_UNAVAILABLE', 'the service is shutting down; try again', { retryAfter: 1 }) : undefined)
  })
  app.addHook('onSend', function closeWhileDraining (_request, reply, payload, done) {
    if (closing || app.draining) reply.header('connection', 'close')
    done(null, payload)
  })
}, { name: 'shutdown', dependencies: ['problem'] })
