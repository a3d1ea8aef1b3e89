import type { Test } from 'tap'

interface Answer { status: number, headers: Record<string, unknown>, json: Record<string, unknown> }

/** The answer is an RFC 9457 problem with the contract's status and code, and every field. */
export function isProblem (t: Test, res: Answer, status: number, code: string, message = code): void {
  t.equal(res.status, status, `${message}: status ${status}`)
  t.match(res.headers['content-type'], /^application\/problem\+json/, `${message}: problem+json`)
  t.match(res.json, { status, code, type: String, title: String, detail: String, requestId: String }, `${message}: code ${code}`)
}
