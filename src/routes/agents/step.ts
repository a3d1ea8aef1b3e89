import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { EkoCallResult } from '../../eko/client.ts'
import type { AgentInput, Operation, VariantName } from '../../eko/operations.ts'
import { isProblem, problem } from '../../errors.ts'
import type { Completed } from './idempotency.ts'
import type { Journal, JournalAction, JournalEntry } from './journal.ts'

/** The Idempotency-Key machinery a step needs (see idempotency.ts). */
export interface StepIdempotency {
  begin (request: FastifyRequest, facts: () => readonly unknown[]): Promise<Completed | undefined>
  replay (reply: FastifyReply, record: Completed): FastifyReply
}

export interface Step<I extends AgentInput, V, A extends object> {
  action: JournalAction
  operation: Operation<I, V>
  /** Validated and normalised: the Aadhaar number as 12 digits, the clientRefId chosen. */
  input: I
  /** The caller's own clientRefId, if any: with the rest of `input`, what an Idempotency-Key's fingerprint covers. */
  givenClientRefId: string | undefined
  /** Wraps the Eko call: the per-agent OTP cooldown, the wrong-OTP count. */
  guard?: (call: () => Promise<EkoCallResult<V>>) => Promise<EkoCallResult<V>>
  /** Where the agent's journal moves when Eko accepted. */
  advances: Omit<JournalEntry, 'event'>
  /** The trimmed answer: nothing of Eko's reply but what the caller needs. */
  answer (value: V, message: string): A
}

export interface StepRunnerOptions {
  app: FastifyInstance
  variant: VariantName
  idempotency: StepIdempotency
  journal: Journal
  /** Retry-After for Eko's own "OTP already sent / too many requests". */
  ekoRetryAfterSeconds: number
}

export type RunStep = <I extends AgentInput, V, A extends object>(request: FastifyRequest, reply: FastifyReply, step: Step<I, V, A>) => Promise<A | FastifyReply>

/** The code a stored answer was: `OK` for a success, else the problem's `code`. */
function storedOutcome (record: Completed): string {
  if (record.status < 400) return 'OK'
  try {
    return String((JSON.parse(record.body) as { code?: unknown }).code ?? record.status)
    /* c8 ignore next 3: stored answers are this service's own problem+json; the status is a fallback for a foreign entry. */
  } catch {
    return String(record.status)
  }
}

/**
 * Every eKYC step after its route has authenticated, authorised and validated the request, in one
 * order: Idempotency-Key (replay, or claim) → guard → encrypt, sign and call Eko (with the breaker)
 * → classify → trim → reply. Each request leaves one event in the agent's journal, whatever its outcome.
 */
export function createStepRunner (options: StepRunnerOptions): RunStep {
  const { app, variant, idempotency, journal } = options

  return async function runStep (request, reply, step) {
    const userCode = step.input.userCode
    let outcome = 'INTERNAL_ERROR'
    let advanced: Omit<JournalEntry, 'event'> = {}
    try {
      // Every field Eko gets, by name, with the caller's clientRefId rather than a generated one.
      const facts = () => Object.entries({ ...step.input, clientRefId: step.givenClientRefId }).sort(([a], [b]) => a < b ? -1 : 1)
      const stored = await idempotency.begin(request, facts)
      if (stored !== undefined) {
        outcome = storedOutcome(stored)
        return idempotency.replay(reply, stored)
      }
      const call = () => app.eko.call(step.operation, step.input, request.log)
      const { outcome: result, latencyMs } = await (step.guard === undefined ? call() : step.guard(call))
      app.metrics.ekoCall(step.operation.name, variant, result.ok ? 'OK' : result.code, latencyMs / 1000)
      if (!result.ok) {
        const limited = result.code === 'OTP_RATE_LIMITED'
        if (limited) app.metrics.rateLimited('eko')
        throw problem(result.code, result.detail, limited ? { retryAfter: options.ekoRetryAfterSeconds } : {})
      }
      outcome = 'OK'
      advanced = step.advances
      reply.header('cache-control', 'no-store')
      return step.answer(result.value, result.message)
    } catch (err) {
      if (isProblem(err)) outcome = err.code
      throw err
    } finally {
      const event = { at: new Date().toISOString(), action: step.action, outcome, requestId: request.id, caller: request.caller?.id ?? 'unknown' }
      await journal.record(userCode, { event, ...advanced }, request.log)
    }
  }
}

/** onRequest, after authorisation, for a route whose Eko call this API variant does not have: 501 before the body is read. */
export function requireOperation (operation: Operation<never, unknown> | undefined, variant: VariantName) {
  return async function needsOperation (): Promise<void> {
    if (operation === undefined) {
      throw problem('NOT_IMPLEMENTED', `this step needs EKO_API_VARIANT=collection; the service runs the ${variant} variant, which has only Send OTP`)
    }
  }
}
