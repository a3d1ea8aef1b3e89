import { once } from 'node:events'
import { Redis } from 'ioredis'
import { problem } from '../errors.ts'
import type { Entry, Store } from './types.ts'

// Each operation is one Lua script, so it is atomic on the server however many instances race.
const PUT_IF_ABSENT = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
return {redis.call('GET', KEYS[1]), redis.call('PTTL', KEYS[1])}`
const REPLACE_IF = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`
const DELETE_IF = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])`
const INCREMENT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {count, ttl}`
const DECREMENT = `
if redis.call('GET', KEYS[1]) == false then return 0 end
if tonumber(redis.call('GET', KEYS[1])) > 0 then redis.call('DECR', KEYS[1]) end
return 1`
// KEYS: the list, then the numbers to raise; ARGV: the value, max, TTL, then one number per raised key.
const PUSH_AND_RAISE = `
local ttl = ARGV[3]
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('PEXPIRE', KEYS[1], ttl)
for i = 2, #KEYS do
  local current = tonumber(redis.call('GET', KEYS[i]))
  local value = tonumber(ARGV[i + 2])
  if current ~= nil and current > value then value = current end
  redis.call('SET', KEYS[i], value, 'PX', ttl)
end
return 1`
const GET = 'return redis.call(\'GET\', KEYS[1])'
const LIST = 'return redis.call(\'LRANGE\', KEYS[1], 0, -1)'
const SCRIPTS = { putIfAbsent: PUT_IF_ABSENT, replaceIf: REPLACE_IF, deleteIf: DELETE_IF, increment: INCREMENT, decrement: DECREMENT, get: GET, list: LIST }

/** Seconds a caller is told to wait while the store is down: reconnects are tried every second at most. */
export const STORE_RETRY_AFTER_SECONDS = 5

export interface RedisStoreOptions {
  url: string
  log: { info (obj: object, msg: string): void, warn (obj: object, msg: string): void }
  /** The longest one command may take: bounds how long Redis can delay a request. */
  commandTimeoutMs?: number
  connectTimeoutMs?: number
}

/** Resolves `p`, or undefined after `ms`. */
async function within<T> (p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<undefined>(resolve => { timer = setTimeout(() => resolve(undefined), ms) })
  try { return await Promise.race([p, late]) } finally { clearTimeout(timer) }
}

/**
 * The shared store on Redis (ioredis), built to fail fast: no offline queue, so a command while
 * disconnected fails at once instead of waiting for a reconnect; a command timeout; one retry at
 * most. It reconnects by itself, forever, backing off to once a second.
 * @see https://github.com/redis/ioredis#connection-events
 */
export function createRedisStore (options: RedisStoreOptions): Store {
  const { log } = options
  const client = new Redis(options.url, {
    connectionName: 'eko-ekyc-bff',
    enableOfflineQueue: false,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    maxRetriesPerRequest: 1,
    // A command cut off by a disconnect has already failed its request; resending it later is wrong.
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 1000)
  })
  // Log transitions, not every reconnect attempt; never the URL, which may hold a password.
  let up = false
  let complained = false
  client.on('ready', () => {
    up = true
    complained = false
    log.info({ store: 'redis' }, 'store: connected to Redis')
  })
  client.on('close', () => {
    if (up) log.warn({ store: 'redis' }, 'store: lost the Redis connection; the OTP route answers 503 until it is back')
    up = false
  })
  client.on('error', (err: Error & { code?: string }) => {
    if (complained) return
    complained = true
    log.warn({ store: 'redis', error: err.code ?? err.message }, 'store: Redis is unreachable; reconnecting')
  })

  const unavailable = (cause?: unknown) => problem('UPSTREAM_UNAVAILABLE', 'the shared store is unavailable; retry shortly', {
    retryAfter: STORE_RETRY_AFTER_SECONDS,
    ...(cause === undefined ? {} : { cause })
  })

  // Each script is sent to Redis once and then run by its SHA-1 (EVALSHA), not sent whole with every
  // command; ioredis sends it again by itself when Redis has lost it (a restart, SCRIPT FLUSH).
  for (const [name, lua] of Object.entries(SCRIPTS)) client.defineCommand(`ekyc_${name}`, { numberOfKeys: 1, lua })
  client.defineCommand('ekyc_pushAndRaise', { lua: PUSH_AND_RAISE })
  const scripts = client as unknown as Record<string, (...args: Array<string | number>) => Promise<unknown>>

  /** One script by name; `args` are its keys (one, or a count then the keys for pushAndRaise) and then its arguments. */
  async function run (name: keyof typeof SCRIPTS | 'pushAndRaise', ...args: Array<string | number>): Promise<unknown> {
    if (client.status !== 'ready') throw unavailable()
    try {
      return await scripts[`ekyc_${name}`]!(...args)
    } catch (err) {
      throw unavailable(err)
    }
  }

  return {
    backend: 'redis',
    async putIfAbsent (key, value, ttlMs): Promise<Entry | undefined> {
      const found = await run('putIfAbsent', key, value, Math.ceil(ttlMs)) as [string, number] | null
      return found === null ? undefined : { value: found[0], ttlMs: found[1] }
    },
    async replaceIf (key, expected, value, ttlMs) {
      return await run('replaceIf', key, expected, value, Math.ceil(ttlMs)) === 1
    },
    async deleteIf (key, expected) {
      return await run('deleteIf', key, expected) === 1
    },
    async increment (key, windowMs) {
      const [count, ttlMs] = await run('increment', key, Math.ceil(windowMs)) as [number, number]
      return { count, ttlMs }
    },
    async decrement (key) {
      await run('decrement', key)
    },
    async get (key) {
      const value = await run('get', key) as string | null
      return value ?? undefined
    },
    async pushAndRaise (listKey, value, max, raises, ttlMs) {
      await run('pushAndRaise', 1 + raises.length, listKey, ...raises.map(([key]) => key), value, max, Math.ceil(ttlMs), ...raises.map(([, n]) => n))
    },
    async list (key) {
      return await run('list', key) as string[]
    },
    async ping (timeoutMs) {
      try {
        if (client.status !== 'ready') await once(client, 'ready', { signal: AbortSignal.timeout(timeoutMs) })
        return await within(client.ping(), timeoutMs) === 'PONG'
      } catch {
        return false
      }
    },
    async close () {
      if (client.status === 'ready') await within(client.quit(), 1000).catch(() => {})
      client.disconnect()
    }
  }
}
