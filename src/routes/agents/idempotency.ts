import { randomUUID } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import Type from 'typebox'
import { problem } from '../../errors.ts'
import type { Keyspace, Store } from '../../store/index.ts'

/** How long a final answer is kept for replay. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    pattern: '^[\\x21-\\x7E]{1,255}$',
    maxLength: 255,
    // No example on purpose: Swagger UI would pre-fill it, and every ops user would then send
    // the same key (a 422 for the second different request).
    description: 'Optional; 1–255 visible ASCII characters, e.g. a UUID, new for each new request. A retry with the same key and the same body, by the same caller, within 24 hours gets the first answer again (with `Idempotent-Replayed: true`) without Eko being called again. The same key with a different body: 422 `IDEMPOTENCY_KEY_REUSED`; while the first request is still running: 409 `IDEMPOTENCY_IN_PROGRESS`. Only final answers are kept (200, 404 and the 422 business rejections); after a 429, 502, 503 or 504 the key is free to retry.'
  }))
})

interface Pending { state: 'pending', fingerprint: string, token: string }
/** The answer as sent: status, content type and body (which hold no Aadhaar number and only a masked mobile); never the request. */
export interface Completed { state: 'completed', fingerprint: string, status: number, type: string, body: string }

/**
 * Answers a retry should get again (409 `EKYC_ALREADY_COMPLETED` among them). Transient ones (429,
 * and every 5xx: unknown or failed outcomes) release the key instead. A 409
 * `IDEMPOTENCY_IN_PROGRESS` never gets here: it is answered before a key is claimed.
 */
export function isFinal (status: number): boolean {
  return (status >= 200 && status < 300) || (status >= 400 && status < 500 && ![408, 425, 429].includes(status))
}

export interface IdempotencyOptions {
  store: Store
  keys: Keyspace
  /** How long a claim lives without an answer (an instance that died mid-request): longer than the whole Eko call. */
  inFlightMs: number
}

/** What `begin` left for `onSend`: the key claimed, the claim's value, the request's fingerprint. */
interface Claim { key: string, pending: string, fingerprint: string }

/**
 * `Idempotency-Key` (IETF httpapi draft): scope caller + route + key. `begin` claims the key
 * atomically in the shared store, so concurrent requests with one key reach Eko once across every
 * instance; the `onSend` hook then stores the final answer or releases the claim.
 */
export function createIdempotency (options: IdempotencyOptions) {
  const { store, keys, inFlightMs } = options
  const claims = new WeakMap<FastifyRequest, Claim>()

  /**
   * After authentication and validation, before the cooldown or the OTP attempt count (a replay
   * must not be refused by what its first answer started). Resolves the stored answer to replay, or undefined when this
   * request goes ahead (no key, or the key is now claimed); throws 409 or 422.
   */
  async function begin (request: FastifyRequest, facts: () => readonly unknown[]): Promise<Completed | undefined> {
    const header = request.headers['idempotency-key']
    if (typeof header !== 'string' || request.caller === undefined) return undefined
    const key = keys.idempotency(request.caller.id, `${request.method} ${request.routeOptions.url}`, header)
    // What identifies the request: its normalised fields, HMAC'd before they are stored.
    const fingerprint = keys.fingerprint(facts().map(fact => fact ?? null))
    const pending = JSON.stringify({ state: 'pending', fingerprint, token: randomUUID() } satisfies Pending)
    const found = await store.putIfAbsent(key, pending, inFlightMs)
    if (found === undefined) {
      claims.set(request, { key, pending, fingerprint })
      return undefined
    }
    const record = JSON.parse(found.value) as Pending | Completed
    if (record.fingerprint !== fingerprint) {
      throw problem('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used with a different request; use a new key for a new request')
    }
    if (record.state === 'pending') {
      throw problem('IDEMPOTENCY_IN_PROGRESS', 'the first request with this Idempotency-Key is still running; retry shortly', { retryAfter: 1 })
    }
    return record
  }

  function replay (reply: FastifyReply, record: Completed): FastifyReply {
    return reply.code(record.status)
      .header('content-type', record.type)
      .header('cache-control', 'no-store')
      .header('idempotent-replayed', 'true')
      .send(record.body)
  }

  /** Keeps a final answer for 24 h, or frees the key so a retry runs again. Never throws. */
  async function settle (request: FastifyRequest, reply: FastifyReply, claim: Claim, payload: unknown): Promise<void> {
    const status = reply.statusCode
    try {
      if (isFinal(status) && typeof payload === 'string') {
        const type = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8')
        const completed: Completed = { state: 'completed', fingerprint: claim.fingerprint, status, type, body: payload }
        await store.replaceIf(claim.key, claim.pending, JSON.stringify(completed), IDEMPOTENCY_TTL_SECONDS * 1000)
      } else {
        await store.deleteIf(claim.key, claim.pending)
      }
      /* c8 ignore start: the store failing between the claim and the answer (a Redis crash mid-request); nothing to do but log, the claim expires by itself. */
    } catch (err) {
      request.log.warn({ store: { error: (err as Error).message } }, 'idempotency: could not record the answer; the key frees itself when its claim expires')
    }
    /* c8 ignore stop */
  }

  /**
   * onSend. A callback hook, not an async one: most requests carry no Idempotency-Key, and for
   * them this is one lookup, without a promise and a microtask per answer.
   */
  function onSend (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void): void {
    const claim = claims.get(request)
    if (claim === undefined) {
      done(null, payload)
      return
    }
    claims.delete(request)
    const send = () => { done(null, payload) }
    settle(request, reply, claim, payload).then(send, send)
  }

  return { begin, replay, onSend }
}
