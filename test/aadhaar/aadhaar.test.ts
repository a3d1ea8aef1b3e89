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
