import type { Config } from '../config.ts'
import { createMemoryStore } from './memory.ts'
import type { RedisStoreOptions } from './redis.ts'
import type { Store } from './types.ts'

export type { Entry, Store } from './types.ts'
export { createKeyspace, deriveKey, KEY_PREFIX, type Keyspace } from './keys.ts'

export interface StoreOptions {
  /** Where Redis connection changes are reported; the app passes its logger. */
  log?: RedisStoreOptions['log']
  /** Longest wait for one Redis command; the plugin keeps it well inside EKO_TIMEOUT_MS. */
  commandTimeoutMs?: number
}

/**
 * In-memory by default (one instance); Redis when REDIS_URL is set, shared by every instance.
 * ioredis (some fifty modules) is loaded only then, so a start without Redis does not pay for it.
 */
export async function createStore (config: Pick<Config, 'REDIS_URL'>, options: StoreOptions = {}): Promise<Store> {
  if (config.REDIS_URL === undefined) return createMemoryStore()
  const { createRedisStore } = await import('./redis.ts')
  const { log = { info () {}, warn () {} }, commandTimeoutMs } = options
  return createRedisStore({ url: config.REDIS_URL, log, ...(commandTimeoutMs === undefined ? {} : { commandTimeoutMs }) })
}
