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
  /**
   * One write of a record kept under several keys, atomic and in one round trip: adds `value` at
   * the head of the list at `listKey` and keeps only the newest `max`; for each `[key, n]` of
   * `raises` keeps the larger of the stored number and `n` (absent counts as lower; raising by 0
   * keeps what is there); and sets every one of those keys' TTL to `ttlMs`.
   */
  pushAndRaise (listKey: string, value: string, max: number, raises: ReadonlyArray<readonly [key: string, n: number]>, ttlMs: number): Promise<void>
  /** The list at `key`, newest first; empty when absent. */
  list (key: string): Promise<string[]>
  /** Reachable within `timeoutMs`, for readiness. Never throws. */
  ping (timeoutMs: number): Promise<boolean>
  close (): Promise<void>
}
