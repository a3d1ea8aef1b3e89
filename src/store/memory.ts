import type { Entry, Store } from './types.ts'

interface Item { value: string, expiresAt: number }
interface ListItem { values: string[], expiresAt: number }

/**
 * One process's store: a Map with expiry times. Every operation is synchronous inside, so each is
 * atomic under Node's single thread. Expired entries are dropped when read and by a sweep.
 */
export function createMemoryStore (options: { sweepMs?: number, now?: () => number } = {}): Store {
  const items = new Map<string, Item>()
  const lists = new Map<string, ListItem>()
  const now = options.now ?? Date.now

  /** The entry under `key` unless it has expired (then it is dropped). */
  function fresh<T extends { expiresAt: number }> (map: Map<string, T>, key: string): T | undefined {
    const entry = map.get(key)
    if (entry !== undefined && entry.expiresAt <= now()) {
      map.delete(key)
      return undefined
    }
    return entry
  }
  const live = (key: string) => fresh(items, key)
  const liveList = (key: string) => fresh(lists, key)

  /* c8 ignore next 5: memory reclaim only, every 30 s; expiry itself is checked on every read (`fresh`), which the store tests cover. */
  const sweep = setInterval(() => {
    const t = now()
    for (const [key, item] of items) if (item.expiresAt <= t) items.delete(key)
    for (const [key, list] of lists) if (list.expiresAt <= t) lists.delete(key)
  }, options.sweepMs ?? 30_000)
  sweep.unref()

  return {
    backend: 'memory',
    async putIfAbsent (key, value, ttlMs): Promise<Entry | undefined> {
      const item = live(key)
      if (item !== undefined) return { value: item.value, ttlMs: item.expiresAt - now() }
      items.set(key, { value, expiresAt: now() + ttlMs })
      return undefined
    },
    async replaceIf (key, expected, value, ttlMs) {
      if (live(key)?.value !== expected) return false
      items.set(key, { value, expiresAt: now() + ttlMs })
      return true
    },
    async deleteIf (key, expected) {
      if (live(key)?.value !== expected) return false
      return items.delete(key)
    },
    async increment (key, windowMs) {
      const item = live(key)
      if (item === undefined) {
        items.set(key, { value: '1', expiresAt: now() + windowMs })
        return { count: 1, ttlMs: windowMs }
      }
      item.value = String(Number(item.value) + 1)
      return { count: Number(item.value), ttlMs: item.expiresAt - now() }
    },
    async decrement (key) {
      const item = live(key)
      if (item !== undefined) item.value = String(Math.max(0, Number(item.value) - 1))
    },
    async get (key) {
      return live(key)?.value
    },
    async pushAndRaise (listKey, value, max, raises, ttlMs) {
      const t = now()
      const expiresAt = t + ttlMs
      const list = lists.get(listKey)
      if (list === undefined || list.expiresAt <= t) {
        lists.set(listKey, { values: [value], expiresAt })
      } else {
        list.values.unshift(value)
        if (list.values.length > max) list.values.length = max
        list.expiresAt = expiresAt
      }
      for (const [key, n] of raises) {
        const item = items.get(key)
        if (item === undefined || item.expiresAt <= t) {
          items.set(key, { value: String(n), expiresAt })
        } else {
          if (n > Number(item.value)) item.value = String(n)
          item.expiresAt = expiresAt
        }
      }
    },
    async list (key) {
      return [...(liveList(key)?.values ?? [])]
    },
    async ping () { return true },
    async close () {
      clearInterval(sweep)
      items.clear()
      lists.clear()
    }
  }
}
