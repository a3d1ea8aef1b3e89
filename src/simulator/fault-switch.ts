import type { Fault } from './fault-schema.ts'

export interface FaultSwitch {
  set (fault: Fault | undefined): void
  /** The current fault and how many more requests it applies to, for `GET /__simulator/fault`. */
  get (): { fault: Fault, remaining?: number } | undefined
  /** Rolls the dice for one request: the fault to apply to it, if any. */
  take (): Fault | undefined
}

/**
 * The global fault. `times` counts requests the fault was applied to, so with a probability
 * below 1 it stays on until it has fired N times.
 */
export function createFaultSwitch (random: () => number = Math.random): FaultSwitch {
  let current: Fault | undefined
  let remaining: number | undefined

  return {
    set (fault) {
      current = fault
      remaining = fault?.times
    },
    get () {
      if (current === undefined) return undefined
      return remaining === undefined ? { fault: current } : { fault: current, remaining }
    },
    take () {
      const fault = current
      if (fault === undefined) return undefined
      if (random() >= (fault.probability ?? 1)) return undefined
      if (remaining !== undefined) {
        remaining -= 1
        if (remaining <= 0) current = undefined
      }
      return fault
    }
  }
}
