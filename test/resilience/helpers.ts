import type { Built, Reply } from '../helpers/build.ts'

/** EKO_TIMEOUT_MS for these tests, and the most an answer may take beyond it. */
export const TIMEOUT_MS = 600
export const MARGIN_MS = 900

/** A problem+json answer with this status and code, every field, and the requestId echoed in x-request-id. */
export { isProblem } from '../helpers/problem.ts'

/** POST with the default agent and a fresh body; also how long the answer took. */
export async function timedPost (s: Built, userCode = '20810200'): Promise<Reply & { ms: number }> {
  const started = performance.now()
  const res = await s.post(userCode, s.body())
  return { ...res, ms: Math.round(performance.now() - started) }
}

/** Waits until the Eko pool holds no request (aborted ones are torn down asynchronously). */
export async function poolSettled (s: Built, withinMs = 1000): Promise<ReturnType<Built['app']['eko']['stats']>> {
  const until = Date.now() + withinMs
  let stats = s.app.eko.stats()
  while ((stats.running > 0 || stats.pending > 0 || stats.queued > 0) && Date.now() < until) {
    await new Promise(resolve => setTimeout(resolve, 20))
    stats = s.app.eko.stats()
  }
  return stats
}

/** The value of one labelled sample in Prometheus text. */
export function sample (metrics: string, name: string, labels: string): number | undefined {
  const line = metrics.split('\n').find(l => l.startsWith(`${name}{${labels}}`))
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

/** Parsed log records whose `msg` matches. */
export function logged (s: Built, msg: RegExp): Array<Record<string, unknown>> {
  return s.logs.records().filter(r => msg.test(String(r.msg)))
}
