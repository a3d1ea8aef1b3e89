/** A value and how long it has left, in milliseconds. */
export interface Entry {
  value: string
  ttlMs: number
}

/**
 * The shared state behind abuse protection (cooldowns, rate-limit counters, idempotency records):
 * a handful of atomic operations on short strings with a time to live, the same on both backends.
 * Every key expires. A backend that cannot answer throws `UPSTREAM_UNAVAILABLE` (the route fails
 * closed) and never waits longer than its command timeout.
 */
export interface Store {
  readonly backend: 'memory' | 'redis'
  /** SET NX PX: stores `value` for `ttlMs` when `key` is absent and resolves undefined; otherwise resolves what is there, untouched. */
  putIfAbsent (key: string, value: string, ttlMs: number): Promise<Entry | undefined>
  /** Compare-and-set: replaces the value and its TTL only while `key` still holds `expected`. */
  replaceIf (key: string, expected: string, value: string, ttlMs: number): Promise<boolean>
  /** Compare-and-delete: removes `key` only while it still holds `expected`. */
  deleteIf (key: string, expected: string): Promise<boolean>
  /** A fixed-window counter: adds one and returns the count; the window starts with the first hit. */
  increment (key: string, windowMs: number): Promise<{ count: number, ttlMs: number }>
  /** Takes one back from a counter made by `increment`, never below zero, keeping its window; nothing when absent. */
  decrement (key: string): Promise<void>
  /** The value, or undefined when absent or expired. */
  get (key: string): Promise<string | undefined>
  /** Keeps the larger of the stored number and `value` (absent counts as lower), and sets the TTL; resolves the kept number. */
  raise (key: string, value: number, ttlMs: number): Promise<number>
  /** Adds `value` at the head of the list at `key`, keeps only the newest `max`, and sets the TTL. */
  pushCapped (key: string, value: string, max: number, ttlMs: number): Promise<void>
  /** The list at `key`, newest first; empty when absent. */
  list (key: string): Promise<string[]>
  /** Reachable within `timeoutMs`, for readiness. Never throws. */
  ping (timeoutMs: number): Promise<boolean>
  close (): Promise<void>
}
