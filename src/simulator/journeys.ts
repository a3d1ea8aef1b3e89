import { newOtpRefId, newReferenceTid } from './envelopes.ts'

/**
 * Each agent's way through the eKYC, as Eko keeps it: the OTP references it issued (with their
 * expiry and whether they were verified), and the agents whose eKYC it completed. In memory,
 * bounded, gone at restart.
 */
export interface Journeys {
  /** A new OTP for the agent: the references Verify OTP will need. */
  issue (userCode: string): { otpRefId: string, referenceTid: string }
  /** Verify OTP: the new reference_tid for the biometric step, or Eko's reason for refusing. */
  verify (userCode: string, otpRefId: string, referenceTid: string, otp: string): { referenceTid: string } | { reason: string }
  /** Biometric eKYC after a verify with the reference it returned; completes the agent's eKYC. */
  complete (userCode: string, otpRefId: string, referenceTid: string): true | { reason: string }
  isCompleted (userCode: string): boolean
}

export interface JourneyOptions {
  /** The one OTP the simulator accepts. */
  otp: string
  /** How long an issued OTP can be verified. */
  ttlMs: number
  now?: () => number
  /** Most OTP references kept; the oldest go first. */
  maxEntries?: number
}

interface Issued { userCode: string, referenceTid: string, expiresAt: number, verifiedTid?: string }

export function createJourneys (options: JourneyOptions): Journeys {
  const now = options.now ?? Date.now
  const max = options.maxEntries ?? 100_000
  // Maps keep insertion order: the first entries are the oldest.
  const issued = new Map<string, Issued>()
  const completed = new Map<string, number>()

  function bound<K, V> (map: Map<K, V>): void {
    while (map.size > max) map.delete(map.keys().next().value as K)
  }

  /** The reference as Eko issued it to this agent, or why not. */
  function find (userCode: string, otpRefId: string): Issued | { reason: string } {
    const entry = issued.get(otpRefId)
    if (entry === undefined || entry.userCode !== userCode) return { reason: 'Invalid OTP reference for this agent' }
    if (entry.expiresAt <= now()) return { reason: 'OTP has expired; request a new OTP' }
    return entry
  }

  return {
    issue (userCode) {
      const otpRefId = newOtpRefId()
      const referenceTid = newReferenceTid()
      issued.set(otpRefId, { userCode, referenceTid, expiresAt: now() + options.ttlMs })
      bound(issued)
      return { otpRefId, referenceTid }
    },
    verify (userCode, otpRefId, referenceTid, otp) {
      const entry = find(userCode, otpRefId)
      if ('reason' in entry) return entry
      if (entry.referenceTid !== referenceTid) return { reason: 'Invalid reference_tid for this OTP' }
      if (entry.verifiedTid !== undefined) return { reason: 'OTP already used; request a new OTP' }
      if (otp !== options.otp) return { reason: 'Invalid OTP' }
      entry.verifiedTid = newReferenceTid()
      return { referenceTid: entry.verifiedTid }
    },
    complete (userCode, otpRefId, referenceTid) {
      const entry = issued.get(otpRefId)
      // Eko's words for skipped or mismatched steps.
      if (entry === undefined || entry.userCode !== userCode || entry.verifiedTid === undefined || entry.verifiedTid !== referenceTid) {
        return { reason: 'Merchant is Inactive or Invalid Details' }
      }
      issued.delete(otpRefId)
      completed.set(userCode, now())
      bound(completed)
      return true
    },
    isCompleted: (userCode) => completed.has(userCode)
  }
}
