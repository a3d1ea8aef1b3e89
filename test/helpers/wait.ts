import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Polls until `condition` holds or `withinMs` passes; resolves to whether it held. For waiting on
 * an event the test cannot subscribe to (a request reaching the simulator), instead of a fixed
 * sleep that is too short on a slow machine and wasted on a fast one. Assert on the result.
 */
export async function until (condition: () => boolean, withinMs = 5000): Promise<boolean> {
  const end = Date.now() + withinMs
  while (!condition() && Date.now() < end) await sleep(10)
  return condition()
}
