import type { Entry, Store } from './types.ts'

interface Item { value: string, expiresAt: number }
/** A ring: `values` fills up to the cap, then `next` (the oldest) is overwritten; no shifting per push. */
interface ListItem { values: string[], next: number, expiresAt: number }

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
  /** A ring's values, newest first, as a new array. */
  function newestFirst ({ values, next }: ListItem): string[] {
    const out: string[] = []
    for (let i = 1; i <= values.length; i++) out.push(values[(next - i + values.length) % values.length]!)
    return out
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
      const expiresAt = now() + ttlMs
      let list = liveList(listKey)
      if (list === undefined) {
        list = { values: [], next: 0, expiresAt }
        lists.set(listKey, list)
      } else if (list.values.length > max || (list.next !== 0 && list.values.length < max)) {
        // Kept under another cap than this call's: back to a plain list of the newest `max`, oldest first.
        list.values = newestFirst(list).slice(0, max).reverse()
        list.next = 0
      }
      if (list.values.length < max) {
        list.values.push(value)
      } else {
        list.values[list.next] = value
        list.next = (list.next + 1) % max
      }
      list.expiresAt = expiresAt
      for (const [key, n] of raises) {
        const item = live(key)
        if (item === undefined) items.set(key, { value: String(n), expiresAt })
        else {
          if (n > Number(item.value)) item.value = String(n)
          item.expiresAt = expiresAt
        }
      }
    },
    async list (key) {
      const list = liveList(key)
      return list === undefined ? [] : newestFirst(list)
    },
    async ping () { return true },
    async close () {
      clearInterval(sweep)
      items.clear()
      lists.clear()
    }
  }
}
