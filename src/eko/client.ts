import type { KeyObject } from 'node:crypto'
import { Pool, type Dispatcher } from 'undici'
import type { FastifyBaseLogger } from 'fastify'
import type { Config } from '../config.ts'
import { encryptAadhaar } from './aadhaar-cipher.ts'
import { classifyReply } from './classify.ts'
import { createClock, type EkoClock } from './clock.ts'
import type { AgentInput, Operation, Outcome, Refused } from './operations.ts'
import { sign, signingKey } from './sign.ts'

/** Eko's replies are a few hundred bytes; anything far larger is a fault, not an answer. */
export const MAX_REPLY_BYTES = 64 * 1024

/**
 * Failures where undici never wrote the request: retrying cannot make Eko act twice. Not
 * EHOSTUNREACH or ENETUNREACH: Linux also reports those on an established socket whose request
 * was already written.
 */
const NOT_SENT = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN'])

export type EkoSettings = Pick<Config, 'EKO_API_VARIANT' | 'EKO_TIMEOUT_MS'> & {
  EKO_BASE_URL: string
  EKO_DEVELOPER_KEY: string
  EKO_ACCESS_KEY: string
  EKO_INITIATOR_ID: string
}

export interface EkoCallResult<V = unknown> {
  outcome: Outcome<V>
  httpStatus?: number
  /** The `Date` header Eko sent, for clock-skew correction. */
  date?: string
  latencyMs: number
}

export interface EkoClientOptions {
  settings: EkoSettings
  publicKey: KeyObject
  /** Tests pass an undici MockAgent; otherwise one Pool for Eko's origin. */
  dispatcher?: Dispatcher
  /** The clock requests are signed with; by default one per client that learns Eko's skew from 403s. */
  clock?: EkoClock
}

/** Requests the dispatcher holds for Eko's origin: all zero when nothing is stuck. */
export interface DispatcherLoad {
  connected: number
  running: number
  pending: number
  queued: number
}

export interface EkoClient {
  /** One Eko call: encrypt, sign, send within EKO_TIMEOUT_MS, classify. Never throws for Eko's or the network's failures. */
  call<I extends AgentInput, V> (operation: Operation<I, V>, input: I, log: FastifyBaseLogger): Promise<EkoCallResult<V>>
  stats (): DispatcherLoad
  close (): Promise<void>
}

class ReplyTooLarge extends Error {}

interface Reply {
  statusCode: number
  date: string | undefined
  text: string
}

/**
 * One request through undici's dispatch interface, the reply gathered in memory: Eko's replies are
 * a few hundred bytes, and a stream, its async iterator and their promises per call cost more than
 * the body. A reply over `limit` bytes (by its Content-Length, or as it arrives) is cut off with
 * ReplyTooLarge; `signal` aborts the request.
 * @see https://github.com/nodejs/undici/blob/main/docs/docs/api/Dispatcher.md#dispatcherdispatchoptions-handler
 */
function exchange (dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, limit: number, signal: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let statusCode = 0
    let date: string | undefined
    let size = 0
    const chunks: Buffer[] = []
    let controller: Dispatcher.DispatchController | undefined
    const onAbort = () => { controller?.abort(signal.reason as Error) }
    signal.addEventListener('abort', onAbort, { once: true })
    dispatcher.dispatch(options, {
      onRequestStart (c) {
        controller = c
        if (signal.aborted) c.abort(signal.reason as Error)
      },
      onResponseStart (c, status, headers) {
        statusCode = status
        chunks.length = 0
        size = 0
        const value = headers.date
        date = typeof value === 'string' ? value : undefined
        if (Number(headers['content-length'] ?? 0) > limit) c.abort(new ReplyTooLarge())
      },
      onResponseData (c, chunk) {
        size += chunk.length
        if (size > limit) c.abort(new ReplyTooLarge())
        else chunks.push(chunk)
      },
      onResponseEnd () {
        signal.removeEventListener('abort', onAbort)
        resolve({ statusCode, date, text: Buffer.concat(chunks).toString('utf8') })
      },
      onResponseError (_c, err) {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      }
    })
  })
}

export function createEkoClient (options: EkoClientOptions): EkoClient {
  const { settings, publicKey } = options
  const base = new URL(settings.EKO_BASE_URL)
  const basePath = base.pathname.replace(/\/+$/, '')
  const timeout = settings.EKO_TIMEOUT_MS
  const clock = options.clock ?? createClock()
  const ekoKey = signingKey(settings.EKO_ACCESS_KEY)
  // The signature depends on the millisecond only: requests signed in the same millisecond (several,
  // under load) would compute the same HMAC, so the last one is kept and reused.
  let signedMs = 0
  let signature = sign(ekoKey, signedMs)
  const signNow = () => {
    const ms = Math.trunc(clock.now())
    if (ms !== signedMs) {
      signature = sign(ekoKey, ms)
      signedMs = ms
    }
    return signature
  }
  const ownPool = options.dispatcher === undefined
  const dispatcher: Dispatcher = options.dispatcher ?? new Pool(base.origin, {
    connections: 32,
    connectTimeout: Math.min(5000, timeout),
    // Backstops only: undici runs these on a coarse clock that can fire up to half a second early,
    // in bursts; the exact deadline is the AbortSignal in call().
    headersTimeout: timeout + 1000,
    bodyTimeout: timeout + 1000,
    keepAliveTimeout: 4000,
    keepAliveMaxTimeout: 30_000
  })

  type Sent<V> = Omit<EkoCallResult<V>, 'latencyMs'>

  async function attempt<V> (operation: Operation<never, V>, body: string, signal: AbortSignal): Promise<Sent<V>> {
    const reply = await exchange(dispatcher, {
      origin: base.origin,
      method: operation.method,
      path: basePath + operation.path,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        developer_key: settings.EKO_DEVELOPER_KEY,
        ...signNow()
      },
      body
    }, MAX_REPLY_BYTES, signal)
    return { outcome: classifyReply(operation, reply.statusCode, reply.text), httpStatus: reply.statusCode, ...(reply.date === undefined ? {} : { date: reply.date }) }
  }

  /** One attempt, and a second only when the first never reached Eko. */
  async function send<V> (operation: Operation<never, V>, body: string, signal: AbortSignal, log: FastifyBaseLogger): Promise<Sent<V>> {
    try {
      return await attempt(operation, body, signal)
    } catch (err) {
      if (!NOT_SENT.has((err as { code?: string }).code ?? '') || signal.aborted) throw err
      log.warn({ eko: { errorCode: (err as { code?: string }).code } }, 'eko connect failed before sending; retrying once')
      return await attempt(operation, body, signal)
    }
  }

  /**
   * A 403 means Eko did not act on the request, so signing it again cannot make Eko act twice.
   * Only a clock Eko disagrees with is worth one more try; otherwise the keys are wrong.
   */
  async function retryIfSkewed<V> (operation: Operation<never, V>, first: Sent<V>, sentAt: number, signedWithOffset: number, body: string, signal: AbortSignal, log: FastifyBaseLogger): Promise<Sent<V>> {
    if (clock.offsetMs() !== signedWithOffset) {
      // A concurrent request learnt Eko's clock while this one was signed with the old offset.
      log.info({ eko: { httpStatus: 403, clockOffsetMs: clock.offsetMs() } }, 'Eko refused a signature made before the clock correction; retrying once')
    } else {
      const correction = clock.correct(first.date, sentAt, Date.now())
      if (correction === undefined) {
        log.error({ eko: { httpStatus: 403, clockOffsetMs: clock.offsetMs() } }, first.date === undefined
          ? 'Eko refused the credentials (its answer has no Date to compare clocks with): check EKO_DEVELOPER_KEY, EKO_ACCESS_KEY and NTP on this host'
          : 'Eko refused the credentials and its clock agrees with ours: check EKO_DEVELOPER_KEY and EKO_ACCESS_KEY')
        return first
      }
      const seconds = (Math.abs(correction.offsetMs) / 1000).toFixed(1)
      log.warn({ eko: { clockSkewMs: correction.offsetMs, previousOffsetMs: correction.previousMs } },
        `Eko's clock is ${seconds} s ${correction.offsetMs >= 0 ? 'ahead of' : 'behind'} this host's: signing with Eko's time from now on and retrying once; check NTP on this host`)
    }
    const second = await send(operation, body, signal, log)
    if (second.httpStatus === 403) log.error({ eko: { httpStatus: 403, clockOffsetMs: clock.offsetMs() } }, 'Eko still refused the credentials after the clock correction: check EKO_DEVELOPER_KEY and EKO_ACCESS_KEY')
    return second
  }

  async function call<I extends AgentInput, V> (operation: Operation<I, V>, input: I, log: FastifyBaseLogger): Promise<EkoCallResult<V>> {
    const started = performance.now()
    // A deadline cleared when the call ends: AbortSignal.timeout() cannot be cleared, and kept each
    // call's signal and timer alive for EKO_TIMEOUT_MS after the answer, to be promoted and collected.
    const deadline = new AbortController()
    const timer = setTimeout(() => { deadline.abort(new DOMException('Eko did not answer in time', 'TimeoutError')) }, timeout)
    const signal = deadline.signal
    const body = JSON.stringify(operation.body(input, settings.EKO_INITIATOR_ID, encryptAadhaar(publicKey, input.aadhaar)))
    let result: Sent<V>
    try {
      const sentAt = Date.now()
      const signedWithOffset = clock.offsetMs()
      result = await send(operation, body, signal, log)
      if (result.httpStatus === 403) result = await retryIfSkewed(operation, result, sentAt, signedWithOffset, body, signal, log)
    } catch (err) {
      result = { outcome: failure(err, signal) }
    } finally {
      clearTimeout(timer)
    }
    const latencyMs = Math.round(performance.now() - started)
    const { outcome } = result
    // Eko's OTP reference may be logged (support quotes it to Eko); the OTP and the rest never are.
    const otpRefId = (input as { otpRefId?: string }).otpRefId ?? (outcome.ok ? (outcome.value as { otpRefId?: string }).otpRefId : undefined)
    log.info({
      eko: {
        operation: operation.name,
        variant: settings.EKO_API_VARIANT,
        outcome: outcome.ok ? 'OK' : outcome.code,
        ekoStatus: outcome.ekoStatus,
        httpStatus: result.httpStatus,
        latencyMs,
        clientRefId: input.clientRefId,
        ...(otpRefId === undefined ? {} : { otpRefId }),
        ...(outcome.ok || outcome.logHint === undefined ? {} : { hint: outcome.logHint })
      }
    }, 'eko call')
    return { ...result, latencyMs }
  }

  return {
    call,
    stats: () => load(dispatcher, base.origin),
    async close () { if (ownPool) await dispatcher.close() }
  }
}

/** A Pool's stats, or an Agent's for Eko's origin (tests wrap an Agent); zeros when the dispatcher keeps none. */
function load (dispatcher: Dispatcher, origin: string): DispatcherLoad {
  const raw = (dispatcher as { stats?: unknown }).stats as Record<string, unknown> | undefined
  const stats = (raw !== undefined && 'running' in raw ? raw : raw?.[origin]) as Partial<DispatcherLoad> | undefined
  return { connected: stats?.connected ?? 0, running: stats?.running ?? 0, pending: stats?.pending ?? 0, queued: stats?.queued ?? 0 }
}

/** undici failures by `err.code` (never `instanceof`): what the caller may be told, and what the log needs. */
function failure (err: unknown, signal: AbortSignal): Refused {
  const code = (err as { code?: string }).code ?? (err as Error).name
  if (err instanceof ReplyTooLarge) {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: 'Eko\'s reply was too large', logHint: `reply over ${MAX_REPLY_BYTES} bytes` }
  }
  if (signal.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return { ok: false, code: 'UPSTREAM_TIMEOUT', detail: 'Eko did not answer in time; it may or may not have acted on the request', logHint: code }
  }
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || NOT_SENT.has(code)) {
    return { ok: false, code: 'UPSTREAM_ERROR', detail: 'Eko could not be reached', logHint: code }
  }
  return { ok: false, code: 'UPSTREAM_ERROR', detail: 'The connection to Eko failed', logHint: code }
}
