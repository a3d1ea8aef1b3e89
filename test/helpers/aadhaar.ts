import { randomInt } from 'node:crypto'
import { verhoeffDigit } from '../../src/aadhaar/verhoeff.ts'

/** A fresh made-up Aadhaar number that passes the format and Verhoeff checks. */
export function testAadhaar (): string {
  let body = String(randomInt(2, 10))
  while (body.length < 11) body += String(randomInt(10))
  return body + verhoeffDigit(body)
}

/** The same number with its check digit broken. */
export function breakCheckDigit (digits: string): string {
  return digits.slice(0, 11) + String((Number(digits[11]) + 1) % 10)
}

export function grouped (digits: string, sep = ' '): string {
  return [digits.slice(0, 4), digits.slice(4, 8), digits.slice(8)].join(sep)
}

export function testMobile (): string {
  return String(randomInt(6, 10)) + String(randomInt(0, 1e9)).padStart(9, '0')
}
