import type { Test } from 'tap'
import type { AppConfig } from '../../src/app.ts'
import { collected } from '../helpers/leaks.ts'
import { redisAvailable, startRedis, type RedisServer } from '../helpers/redis.ts'

export const AGENT = '20810200'

export interface Backend {
  name: 'memory' | 'redis'
  config: Partial<AppConfig>
}

/** The two store backends, for table-driven tests; Redis is a real redis-server for this file. */
export async function storeBackends (t: Test): Promise<{ backends: Backend[], redis: RedisServer | undefined }> {
  const redis = redisAvailable(t) ? await startRedis(t) : undefined
  const backends: Backend[] = [{ name: 'memory', config: {} }]
  if (redis !== undefined) backends.push({ name: 'redis', config: { REDIS_URL: redis.url } })
  return { backends, redis }
}

export { isProblem } from '../helpers/problem.ts'

interface Answer { status: number, headers: Record<string, unknown>, json: Record<string, unknown> }

/** Retry-After in whole seconds. */
export function retryAfter (res: Answer): number {
  return Number(res.headers['retry-after'])
}

/**
 * Every key and value this file's services left in Redis, searched for every Aadhaar number,
 * mobile number, token and key the file used. Also: every key carries the service's prefix and a TTL.
 */
export async function assertRedisClean (t: Test, redis: RedisServer): Promise<void> {
  const stored = await redis.dump()
  t.ok(stored.length > 0, `Redis holds ${stored.length} keys to scan`)
  const text = stored.map(k => `${k.key}\n${k.value}`).join('\n')
  t.same(collected.secrets.find(text), [], 'no Aadhaar number, mobile number, token or key in any Redis key or value')
  t.same(stored.filter(k => !k.key.startsWith('ekyc:')).map(k => k.key), [], 'every key starts with ekyc:')
  // PTTL is -1 for a key without a TTL; -2 means the key expired between SCAN and PTTL, which is fine.
  t.same(stored.filter(k => k.ttlMs === -1).map(k => k.key), [], 'every key expires')
}
