import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { parsePublicKey } from '../eko/aadhaar-cipher.ts'
import { createEkoBreaker } from '../eko/breaker.ts'
import { createEkoClient, type EkoClient, type EkoSettings } from '../eko/client.ts'
import type { Config } from '../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    eko: EkoClient
  }
}

export interface EkoPluginOptions {
  settings: EkoSettings & Pick<Config, 'EKO_BREAKER_FAILURES' | 'EKO_BREAKER_COOLDOWN_SECONDS'> & { EKO_AADHAAR_PUBLIC_KEY: string }
  dispatcher?: Dispatcher | undefined
}

/**
 * One Eko client per application: the public key parsed and the pool built once, closed with the
 * app; every call goes through the circuit breaker, whose state is logged and exported.
 */
export default fp<EkoPluginOptions>(async function ekoPlugin (app, { settings, dispatcher }) {
  const client = createEkoClient({
    settings,
    publicKey: parsePublicKey(settings.EKO_AADHAAR_PUBLIC_KEY),
    ...(dispatcher === undefined ? {} : { dispatcher })
  })
  const breaker = createEkoBreaker({
    failures: settings.EKO_BREAKER_FAILURES,
    cooldownMs: settings.EKO_BREAKER_COOLDOWN_SECONDS * 1000,
    probeMs: settings.EKO_TIMEOUT_MS,
    onStateChange (state, last) {
      app.metrics.breakerState(state)
      if (state === 'open') {
        const lastFailure = { outcome: last?.outcome.ok === false ? last.outcome.code : undefined, httpStatus: last?.httpStatus }
        app.log.warn({ eko: { circuit: state, lastFailure } }, `eko circuit open: calls are refused with 503 for ${settings.EKO_BREAKER_COOLDOWN_SECONDS} s`)
      } else {
        app.log.info({ eko: { circuit: state } }, state === 'half_open' ? 'eko circuit half-open: one probe call allowed' : 'eko circuit closed: Eko answers again')
      }
    }
  })
  app.decorate('eko', { ...client, call: (operation, input, log) => breaker.run(() => client.call(operation, input, log)) })
  app.addHook('onClose', async () => { await client.close() })
}, { name: 'eko', dependencies: ['metrics'] })
