import type { FastifyBaseLogger } from 'fastify'
import type { Keyspace, Store } from '../../store/index.ts'

export type JournalAction = 'send_otp' | 'verify_otp' | 'biometric' | 'daily_auth'
export type JournalStep = 'none' | 'otp_sent' | 'otp_verified' | 'completed'

/** In order: the step only ever moves to the right, so it is kept as its index and raised. */
export const STEPS: readonly JournalStep[] = ['none', 'otp_sent', 'otp_verified', 'completed']
/** The newest events kept per agent. */
export const JOURNAL_EVENTS = 20
/** India has one time zone and no daylight saving: UTC+05:30 all year. */
const IST_OFFSET_MS = (5 * 60 + 30) * 60 * 1000

export interface JournalEvent {
  /** RFC 3339, UTC. */
  at: string
  action: JournalAction
  /** `OK`, or the problem code the request was answered with. */
  outcome: string
  requestId: string
  /** The token's `sub`, or `agent:<user code>` when it has none. */
  caller: string
}

export interface JournalView {
  userCode: string
  step: JournalStep
  dailyAuthDate: string | null
  events: JournalEvent[]
}

/** What one request leaves behind: its event, and on success how far the agent got. */
export interface JournalEntry {
  event: JournalEvent
  step?: JournalStep
  dailyAuthenticated?: boolean
}

export interface Journal {
  /** Never throws: a journal that cannot be written must not change an answer Eko already acted on. */
  record (userCode: string, entry: JournalEntry, log: FastifyBaseLogger): Promise<void>
  read (userCode: string): Promise<JournalView>
}

/** The India-time calendar date of `ms`, as a number (20261130) that grows day by day, and as text. */
export function indiaDate (ms: number): { number: number, text: string } {
  const text = new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10)
  return { number: Number(text.replaceAll('-', '')), text }
}

function dateText (n: number): string | null {
  if (n <= 0) return null
  const s = String(n)
  return `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 8)}`
}

function parseEvent (raw: string): JournalEvent | undefined {
  try {
    const value = JSON.parse(raw) as JournalEvent
    return typeof value === 'object' && value !== null && typeof value.at === 'string' ? value : undefined
    /* c8 ignore next 3: only this service writes the journal, always JSON; a foreign or torn entry is skipped, not fatal. */
  } catch {
    return undefined
  }
}

/**
 * What the service saw of each agent's eKYC, for ops ("why can't this agent finish?"): the
 * newest events, the furthest step reached, the last daily authentication. Kept in the shared
 * store under HMAC'd key names with a TTL renewed on every write; it holds no Aadhaar number,
 * mobile, OTP, PID data or Eko reference.
 */
export function createJournal (options: { store: Store, keys: Keyspace, days: number, now?: () => number }): Journal {
  const { store, keys } = options
  const ttlMs = options.days * 24 * 60 * 60 * 1000
  const now = options.now ?? Date.now

  return {
    async record (userCode, entry, log) {
      const stepRank = entry.step === undefined ? 0 : STEPS.indexOf(entry.step)
      const day = entry.dailyAuthenticated === true ? indiaDate(now()).number : 0
      try {
        // One store call: the event, and the step and date raised (by 0: kept, their TTL renewed with the events').
        await store.pushAndRaise(keys.journal(userCode, 'events'), JSON.stringify(entry.event), JOURNAL_EVENTS,
          [[keys.journal(userCode, 'step'), stepRank], [keys.journal(userCode, 'daily'), day]], ttlMs)
      } catch (err) {
        log.warn({ store: { error: (err as Error).message } }, 'journal: could not record this request in the agent\'s eKYC journal')
      }
    },
    async read (userCode) {
      const [events, step, daily] = await Promise.all([
        store.list(keys.journal(userCode, 'events')),
        store.get(keys.journal(userCode, 'step')),
        store.get(keys.journal(userCode, 'daily'))
      ])
      return {
        userCode,
        step: STEPS[Number(step ?? 0)] ?? 'none',
        dailyAuthDate: dateText(Number(daily ?? 0)),
        events: events.map(parseEvent).filter(e => e !== undefined)
      }
    }
  }
}
