/** A loopback port nobody listens on right now: the benchmark scripts' helper, shared. */
export { freePort } from '../../scripts/bench/process.ts'
