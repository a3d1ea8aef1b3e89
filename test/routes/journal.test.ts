import { test } from 'tap'
import { pino } from 'pino'
import { createJournal, indiaDate, type JournalEvent } from '../../src/routes/agents/journal.ts'
import { createKeyspace, createStore, type Store } from '../../src/store/index.ts'
import { captureLogs } from '../helpers/leaks.ts'

const keys = createKeyspace('journal-test-secret')
const event = (action: JournalEvent['action'], outcome = 'OK'): JournalEvent => ({ at: new Date().toISOString(), action, outcome, requestId: 'req-12345678', caller: 'ops-1' })

test('India time: the date turns at 18:30 UTC, whatever the host\'s zone', async (t) => {
  t.same(indiaDate(Date.parse('2026-11-30T18:29:59.999Z')), { number: 20261130, text: '2026-11-30' })
  t.same(indiaDate(Date.parse('2026-11-30T18:30:00.000Z')), { number: 20261201, text: '2026-12-01' })
  t.same(indiaDate(Date.parse('2026-12-31T20:00:00.000Z')), { number: 20270101, text: '2027-01-01' }, 'a new year in India first')
})

test('the step only moves forward; the daily date is the last success; each record renews the TTL', async (t) => {
  let now = Date.parse('2026-11-30T10:00:00Z')
  const store = await createStore({})
  t.teardown(() => store.close())
  const journal = createJournal({ store, keys, days: 30, now: () => now })
  const log = pino({ level: 'silent' })
  await journal.record('20810200', { event: event('send_otp'), step: 'otp_sent' }, log)
  await journal.record('20810200', { event: event('verify_otp'), step: 'otp_verified' }, log)
  await journal.record('20810200', { event: event('send_otp'), step: 'otp_sent' }, log)
  t.equal((await journal.read('20810200')).step, 'otp_verified', 'a later send does not move it back')
  await journal.record('20810200', { event: event('daily_auth'), dailyAuthenticated: true }, log)
  now = Date.parse('2026-12-01T10:00:00Z')
  await journal.record('20810200', { event: event('daily_auth', 'DAILY_AUTH_FAILED') }, log)
  const view = await journal.read('20810200')
  t.equal(view.dailyAuthDate, '2026-11-30', 'a failure the next day keeps the last success')
  t.equal(view.events.length, 5)
  t.same(await journal.read('20810201'), { userCode: '20810201', step: 'none', dailyAuthDate: null, events: [] }, 'another agent is apart')
})

test('entries expire after EKYC_JOURNAL_DAYS', async (t) => {
  let now = 1_000_000
  // The store and the journal on one clock that the test moves.
  const { createMemoryStore } = await import('../../src/store/memory.ts')
  const clocked: Store = createMemoryStore({ now: () => now })
  t.teardown(() => clocked.close())
  const journal = createJournal({ store: clocked, keys, days: 1, now: () => now })
  await journal.record('20810200', { event: event('send_otp'), step: 'otp_sent' }, pino({ level: 'silent' }))
  now += 23 * 3600_000
  t.equal((await journal.read('20810200')).events.length, 1, 'kept within the day')
  now += 2 * 3600_000
  t.same(await journal.read('20810200'), { userCode: '20810200', step: 'none', dailyAuthDate: null, events: [] }, 'gone after it')
})

test('a store that fails is logged, never thrown: the answer Eko acted on still goes out', async (t) => {
  const logs = captureLogs()
  const broken: Store = { ...await createStore({}), pushAndRaise: async () => { throw new Error('store down') } }
  const journal = createJournal({ store: broken, keys, days: 30 })
  await t.resolves(journal.record('20810200', { event: event('send_otp'), step: 'otp_sent' }, pino(logs.stream)))
  t.match(logs.records(), [{ level: 40, msg: /could not record/ }])
  await broken.close()
})
