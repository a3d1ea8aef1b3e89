import { test } from 'tap'
import { verhoeffDigit, verhoeffValid } from '../../src/aadhaar/verhoeff.ts'
import { normaliseAadhaar } from '../../src/aadhaar/aadhaar.ts'

// Published Verhoeff examples: 236 → 3, 12345 → 1, 142857 → 0.
test('check digit matches the published Verhoeff examples', async (t) => {
  for (const [body, digit] of [['236', '3'], ['12345', '1'], ['142857', '0'], ['0', '4']]) {
    t.equal(verhoeffDigit(body!), digit, `${body} → ${digit}`)
    t.ok(verhoeffValid(body! + digit!), `${body}${digit} is valid`)
  }
})

// The permutation table is row 1 applied i times; derive it independently and compare on many numbers.
test('agrees with an independent derivation of the tables on 20 000 random numbers', async (t) => {
  const p1 = [1, 5, 7, 6, 2, 8, 3, 0, 9, 4]
  const p: number[][] = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]
  for (let i = 1; i < 8; i++) p.push(p[i - 1]!.map(x => p1[x]!))
  // D5 multiplication: r^a s^b with 0–4 rotations, 5–9 reflections.
  const mul = (a: number, b: number): number => {
    if (a < 5 && b < 5) return (a + b) % 5
    if (a < 5) return 5 + ((a + b - 5) % 5)
    if (b < 5) return 5 + ((a - 5 - b + 5) % 5)
    return (a - b + 5) % 5
  }
  const inv = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9]
  const reference = (digits: string): string => {
    let c = 0
    for (let i = 0; i < digits.length; i++) c = mul(c, p[(i + 1) % 8]![Number(digits[digits.length - 1 - i])]!)
    return String(inv[c])
  }
  let agree = 0
  for (let n = 0; n < 20_000; n++) {
    const body = String(Math.floor(Math.random() * 1e11)).padStart(11, '0')
    if (reference(body) === verhoeffDigit(body)) agree++
  }
  t.equal(agree, 20_000)
  t.equal(verhoeffDigit('23456787012'), '5', 'a number whose fourth digit from the right is 7 (row p[4])')
  t.ok(verhoeffValid('234567870125'))
})

test('every single-digit error and every adjacent transposition is caught', async (t) => {
  const base = '23412341234'
  const valid = base + verhoeffDigit(base)
  let caught = 0
  let tried = 0
  for (let i = 0; i < valid.length; i++) {
    for (let v = 0; v <= 9; v++) {
      if (String(v) === valid[i]) continue
      tried++
      if (!verhoeffValid(valid.slice(0, i) + v + valid.slice(i + 1))) caught++
    }
    if (i < valid.length - 1 && valid[i] !== valid[i + 1]) {
      tried++
      if (!verhoeffValid(valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2))) caught++
    }
  }
  t.equal(caught, tried)
})

const valid = '23412341234' + verhoeffDigit('23412341234')
const wrongCheck = '23412341234' + ((Number(verhoeffDigit('23412341234')) + 1) % 10)
const startsWith1 = '12345678901' + verhoeffDigit('12345678901')
const startsWith0 = '02345678901' + verhoeffDigit('02345678901')

const cases: Array<[string, string, string | undefined]> = [
  ['12 plain digits', valid, valid],
  ['spaces between groups', `${valid.slice(0, 4)} ${valid.slice(4, 8)} ${valid.slice(8)}`, valid],
  ['hyphens between groups', `${valid.slice(0, 4)}-${valid.slice(4, 8)}-${valid.slice(8)}`, valid],
  ['mixed separators', `${valid.slice(0, 4)} ${valid.slice(4, 8)}-${valid.slice(8)}`, valid],
  ['wrong check digit', wrongCheck, undefined],
  ['first digit 1', startsWith1, undefined],
  ['first digit 0', startsWith0, undefined],
  ['11 digits', valid.slice(0, 11), undefined],
  ['13 digits', valid + '0', undefined],
  ['separator inside a group', `${valid.slice(0, 3)} ${valid.slice(3)}`, undefined],
  ['two separators together', `${valid.slice(0, 4)}  ${valid.slice(4)}`, undefined],
  ['leading space', ` ${valid}`, undefined],
  ['letters', 'ABCDEFGHIJKL', undefined],
  ['unicode digits', '२३४१२३४१२३४१', undefined],
  ['empty', '', undefined]
]

test('normalisation and validation', async (t) => {
  for (const [name, input, expected] of cases) t.equal(normaliseAadhaar(input), expected, name)
})
