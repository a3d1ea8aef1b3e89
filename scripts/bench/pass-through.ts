/**
 * The benchmark's reference: the least a Fastify service in front of Eko can do. The same route,
 * the same log level and the same JSON body parsing as the service, forwarded as it is to the
 * same upstream by @fastify/reply-from. Started as a child process by scripts/bench.ts with
 * PORT, UPSTREAM (an origin) and UPSTREAM_PATH.
 * @see https://github.com/fastify/fastify-reply-from
 */
import Fastify from 'fastify'
import replyFrom from '@fastify/reply-from'

const upstreamPath = process.env.UPSTREAM_PATH ?? '/'
const app = Fastify({ logger: { level: process.env.LOG_LEVEL ?? 'info' } })
await app.register(replyFrom, { base: process.env.UPSTREAM, undici: { connections: 32, pipelining: 1 } })
app.post('/agents/:userCode/ekyc/otp', (_request, reply) => reply.from(upstreamPath))
app.get('/health/ready', async () => ({ status: 'ok' }))
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) })
process.on('SIGTERM', () => { app.close().then(() => process.exit(0), () => process.exit(1)) })
