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
  /** Reachable within `timeoutMs`, for readiness. Never throws. */
  ping (timeoutMs: number): Promise<boolean>
  close (): Promise<void>
}
