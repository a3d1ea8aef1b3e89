import fp from 'fastify-plugin'
import cors from '@fastify/cors'

/**
 * Browsers may call only from the listed origins (CORS_ORIGINS); with none listed the service
 * sends no CORS headers at all. Browser code may read the headers it needs to retry politely.
 * @see https://github.com/fastify/fastify-cors
 */
export default fp<{ origins: string[] }>(async function corsPlugin (app, { origins }) {
  if (origins.length === 0) return
  await app.register(cors, {
    origin: origins,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id', 'Idempotent-Replayed'],
    credentials: false,
    maxAge: 600
  })
}, { name: 'cors' })
