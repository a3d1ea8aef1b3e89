import { test } from 'tap'
import { maskMobile, newClientRefId } from '../../src/routes/agents/client-ref.ts'

test('generated clientRefIds: 20 characters of Eko\'s alphabet, sorted by time, unique', async (t) => {
  const ids = Array.from({ length: 100_000 }, () => newClientRefId(1_796_083_000_000))
  t.ok(ids.every(id => /^[0-9A-Z]{20}$/.test(id)), 'every one is 20 characters of 0-9 and A-Z')
  t.equal(new Set(ids).size, ids.length, '100 000 drawn in one millisecond, no two alike (the random bytes are drawn many times over)')
  t.ok(newClientRefId(1_796_083_000_000) < newClientRefId(1_796_083_000_001), 'a later millisecond sorts after')
  t.equal(newClientRefId(0).slice(0, 9), '000000000', 'the time prefix is padded to nine characters')
})

test('the random part is uniform over the 36 characters (no modulo bias)', async (t) => {
  const counts = new Map<string, number>()
  const n = 40_000
  for (let i = 0; i < n; i++) for (const c of newClientRefId().slice(9)) counts.set(c, (counts.get(c) ?? 0) + 1)
  t.equal(counts.size, 36, 'every character appears')
  const expected = n * 11 / 36
  const chiSquare = [...counts.values()].reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0)
  // 35 degrees of freedom: above 66.6 has a chance of 1 in 1000. A byte taken modulo 36 without
  // redrawing would put 0-3 about 14 % above the rest: a chi-square near a thousand here.
  t.ok(chiSquare < 66.6, `chi-square ${chiSquare.toFixed(1)} over 35 degrees of freedom`)
})

test('maskMobile keeps the last four digits', async (t) => {
  t.equal(maskMobile('9876543210'), '******3210')
})
