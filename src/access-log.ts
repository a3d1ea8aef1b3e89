import { LogController, type FastifyReply, type FastifyRequest } from 'fastify'

/**
 * One log line per request, when it is answered, naming the request (method, scrubbed URL, client)
 * and the answer (status, time): Fastify's default is a line on arrival and another on completion,
 * and every line costs a serialisation and a write. Every request is bounded (request and Eko
 * timeouts), so none goes unlogged. Probes are left out: every few seconds they would drown the
 * log.
 */
export class AccessLog extends LogController {
  constructor () {
    super({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: (request) => request.url.startsWith('/health/')
    })
  }

  override incomingRequest (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return
    // Milliseconds to the microsecond: the raw float's seventeen digits say nothing more.
    const responseTime = Math.round(reply.elapsedTime * 1000) / 1000
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored')
    else reply.log.info({ req: request, res: reply, responseTime }, 'request completed')
  }
}
