import { test } from 'tap'
import { build } from './helpers/build.ts'
import { assertNoLeaks } from './helpers/leaks.ts'

const warnings = (records: Array<Record<string, unknown>>) => records.filter(r => r.level === 40 && String(r.msg).includes('ALLOW_INSECURE_HTTP'))

test('ALLOW_INSECURE_HTTP=true: the start log warns once, naming the switch', async (t) => {
  const s = await build(t, { config: { ALLOW_INSECURE_HTTP: true } })
  await fetch(`${s.url}/health/live`).then(r => r.text())
  const found = warnings(s.logs.records())
  t.equal(found.length, 1, 'one warning, not one per request')
  t.match(found[0], { setting: 'ALLOW_INSECURE_HTTP', msg: /^ALLOW_INSECURE_HTTP=true: .*http:\/\// })
})

test('without it, no such warning', async (t) => {
  const s = await build(t)
  t.same(warnings(s.logs.records()), [])
})

test('no secret in any log line', async (t) => assertNoLeaks(t))
