import { Writable } from 'node:stream'
import type { Test } from 'tap'

/**
 * Everything secret a test file handles: keys, tokens, every Aadhaar and mobile number it used,
 * and every signature and ciphertext the service actually sent to Eko (recorded on the wire).
 * `watch` scans the captured logs when the file's tests end; `assertClean` scans a response.
 */
export class Secrets {
  readonly values = new Set<string>()

  add (...values: Array<string | undefined>): void {
    for (const v of values) if (v !== undefined && v.length >= 6) this.values.add(v)
  }

  /** An Aadhaar number in each way a log could spell it. */
  addAadhaar (digits: string): void {
    const groups = [digits.slice(0, 4), digits.slice(4, 8), digits.slice(8)]
    this.add(digits, ...[' ', '-', '+', '.', '%20'].map(sep => groups.join(sep)))
  }

  find (text: string): string[] {
    const found = [...this.values].filter(v => text.includes(v)).map(v => `${v.slice(0, 4)}… (${v.length} chars)`)
    // Any long base64 run is suspect: the encrypted Aadhaar number is 172 characters of it.
    if (/[A-Za-z0-9+/]{100,}={0,2}/.test(text)) found.push('a base64 run of 100+ characters')
    return found
  }

  assertClean (t: Test, text: string, where: string): void {
    t.same(this.find(text), [], `no secret in ${where}`)
  }

  /** For teardown, where assertions can no longer be made: a leak fails the file loudly. */
  throwIfFound (text: string, where: string): void {
    const found = this.find(text)
    if (found.length > 0) throw new Error(`secret found in ${where}: ${found.join(', ')}`)
  }
}

export interface LogCapture {
  stream: Writable
  lines: string[]
  text (): string
  /** Parsed lines, for assertions on what the log says. */
  records (): Array<Record<string, unknown>>
}

export function captureLogs (): LogCapture {
  const lines: string[] = []
  const stream = new Writable({
    write (chunk, _enc, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean))
      done()
    }
  })
  return {
    stream,
    lines,
    text: () => lines.join('\n'),
    records: () => lines.map(l => JSON.parse(l) as Record<string, unknown>)
  }
}

/** Every build() in this test process adds its secrets and logs here, for the file's closing scan. */
export const collected = { secrets: new Secrets(), logs: [] as LogCapture[] }

/**
 * The closing test of a file: every log line and response of every app the file built, searched
 * for every secret any of them handled.
 */
export function assertNoLeaks (t: Test): void {
  const text = collected.logs.map(l => l.text()).join('\n')
  t.ok(collected.secrets.values.size > 0, 'secrets were recorded')
  t.ok(text.length > 0, 'logs were captured')
  collected.secrets.assertClean(t, text, 'the captured logs of this file')
}
