import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Dispatcher } from 'undici'
import { list, type Config } from './config.ts'
import { loggerOptions } from './logger.ts'
import problemPlugin from './plugins/problem.ts'
import metricsPlugin from './plugins/metrics.ts'
import authPlugin from './plugins/auth.ts'
import ekoPlugin from './plugins/eko.ts'
import healthRoutes from './routes/health.ts'
import ekycOtpRoute from './routes/agents/ekyc-otp.ts'

/** Contract §4: bodies over 16 KiB are refused with 413 before they are parsed. */
export const BODY_LIMIT = 16 * 1024
const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/

/** What `buildApp` needs: a validated configuration whose Eko and auth settings are all present. */
export type AppConfig = Config & {
  EKO_BASE_URL: string
  EKO_DEVELOPER_KEY: string
  EKO_ACCESS_KEY: string
  EKO_INITIATOR_ID: string
  EKO_AADHAAR_PUBLIC_KEY: string
}

export interface AppOptions {
  config: AppConfig
  /** A pino logger (tests pass one writing to a captured stream); otherwise one is made from LOG_LEVEL. */
  logger?: FastifyBaseLogger
  /** An undici dispatcher for Eko calls (tests: MockAgent); otherwise a Pool for Eko's origin. */
  dispatcher?: Dispatcher
}

export async function buildApp (options: AppOptions): Promise<FastifyInstance> {
  const { config } = options
  const trusted = list(config.TRUST_PROXY)
  const app = Fastify({
    ...(options.logger === undefined ? { logger: loggerOptions(config.LOG_LEVEL) } : { loggerInstance: options.logger }),
    bodyLimit: BODY_LIMIT,
    // Never `true`: only named proxies may set the client address (X-Forwarded-For).
    trustProxy: trusted.length > 0 ? trusted : false,
    requestIdHeader: false,
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      // Probes and scrapes every few seconds would drown the request log.
      disableRequestLogging: (request) => request.url.startsWith('/health/') || request.url === '/metrics'
    }),
    genReqId: (req) => {
      const incoming = req.headers['x-request-id']
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } }
  }).withTypeProvider<TypeBoxTypeProvider>()

  // JSON only: Fastify also parses text/plain by default, which would turn a 415 into a 400.
  app.removeContentTypeParser('text/plain')
  app.decorate('readinessChecks', new Map())
  app.decorate('draining', false)
  app.addHook('onRequest', async (request, reply) => { reply.header('x-request-id', request.id) })

  await app.register(problemPlugin)
  await app.register(metricsPlugin)
  await app.register(authPlugin, { settings: config })
  await app.register(ekoPlugin, { settings: config, dispatcher: options.dispatcher })

  await app.register(healthRoutes)
  await app.register(ekycOtpRoute, {
    variant: config.EKO_API_VARIANT,
    ekoRetryAfterSeconds: config.OTP_COOLDOWN_SECONDS > 0 ? config.OTP_COOLDOWN_SECONDS : 60
  })
  return app
}
