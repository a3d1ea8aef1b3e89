import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import { createKeyspace, createStore, type Keyspace, type Store } from '../store/index.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Cooldowns, rate-limit counters and idempotency records: in memory, or Redis shared by every instance. */
    store: Store
    /** Keyed hashes for store key names and request fingerprints. */
    keyspace: Keyspace
  }
}

export interface StorePluginOptions {
  settings: Pick<Config, 'REDIS_URL' | 'EKO_TIMEOUT_MS' | 'STORE_SECRET'> & { EKO_ACCESS_KEY: string }
}

/** /health/ready waits no longer than this for the store. */
export const READINESS_TIMEOUT_MS = 500

/** The shared store, its readiness check, and its client closed with the app. */
export default fp<StorePluginOptions>(async function storePlugin (app, { settings }) {
  // A slow Redis may cost a request a fraction of the Eko deadline, never the whole of it.
  const commandTimeoutMs = Math.max(50, Math.min(1000, Math.floor(settings.EKO_TIMEOUT_MS / 4)))
  const store = await createStore(settings, { log: app.log, commandTimeoutMs })
  app.decorate('store', store)
  // Its own secret when given, so EKO_ACCESS_KEY can be rotated instance by instance without
  // old and new instances disagreeing on cooldown and idempotency key names.
  app.decorate('keyspace', createKeyspace(settings.STORE_SECRET ?? settings.EKO_ACCESS_KEY))
  app.readinessChecks.set('store', () => store.ping(READINESS_TIMEOUT_MS))
  app.addHook('onClose', async () => { await store.close() })
  // Give Redis a moment so the first requests after start do not 503; never refuse to start without it.
  if (store.backend === 'redis' && !await store.ping(2000)) {
    app.log.warn({ store: 'redis' }, 'store: Redis not reachable at start; /health/ready and the OTP route answer 503 until it is')
  }
}, { name: 'store' })
