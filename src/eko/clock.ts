/**
 * Eko refuses a `secret-key-timestamp` too far from its own clock with a 403 (docs/eko.md §3).
 * When such a 403 carries a `Date` header that disagrees with the local clock by more than
 * SKEW_TOLERANCE_MS, the client signs with Eko's time from then on. `Date` has a resolution of
 * one second, so the estimate is good to about ±(0.5 s + half the round trip): far inside Eko's
 * window (the simulator's is ±30 s) and far outside the noise.
 */
export const SKEW_TOLERANCE_MS = 5000

export interface ClockCorrection {
  previousMs: number
  offsetMs: number
}

export interface EkoClock {
  /** Eko's time as best known: the local clock plus the learnt offset, in milliseconds. */
  now (): number
  offsetMs (): number
  /**
   * Given a reply's `Date` and when the request left and the reply arrived (local clock), adopts
   * Eko's clock if it differs from the current estimate by more than the tolerance.
   */
  correct (date: string | undefined, sentAt: number, receivedAt: number): ClockCorrection | undefined
}

/** Eko's clock minus ours; `Date` is truncated to the second, so its middle is the best guess. */
export function measureOffset (date: string | undefined, sentAt: number, receivedAt: number): number | undefined {
  if (date === undefined) return undefined
  const remote = Date.parse(date)
  if (Number.isNaN(remote)) return undefined
  return Math.round(remote + 500 - (sentAt + receivedAt) / 2)
}

/** One per Eko client: the offset it learns is kept for every later call. */
export function createClock (toleranceMs = SKEW_TOLERANCE_MS): EkoClock {
  let offset = 0
  return {
    now: () => Date.now() + offset,
    offsetMs: () => offset,
    correct (date, sentAt, receivedAt) {
      const measured = measureOffset(date, sentAt, receivedAt)
      if (measured === undefined || Math.abs(measured - offset) <= toleranceMs) return undefined
      const previousMs = offset
      // Within the tolerance of our own clock, ours is as good as the estimate.
      offset = Math.abs(measured) <= toleranceMs ? 0 : measured
      return { previousMs, offsetMs: offset }
    }
  }
}
