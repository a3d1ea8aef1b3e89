import type { Test } from 'tap'

interface Answer { status: number, headers: Record<string, unknown>, json: Record<string, unknown> }

/**
 * The answer is an RFC 9457 problem with the status and code of the README's error table, every
 * field, and the `requestId` echoed as the `x-request-id` header, so support can find the log lines.
 */
export function isProblem (t: Test, res: Answer, status: number, code: string, message = code): void {
  t.equal(res.status, status, `${message}: status ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${message}: problem+json`)
  t.match(res.json, { status, code, type: String, title: String, detail: String, requestId: String }, `${message}: code ${code}`)
  t.match(res.headers['x-request-id'], /./, `${message}: an x-request-id header`)
  t.equal(res.json.requestId, res.headers['x-request-id'], `${message}: requestId is the x-request-id header`)
}
