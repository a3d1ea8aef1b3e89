import type { SimVariant as VariantName } from './endpoints.ts'
import { failure, type Envelope } from './envelopes.ts'
import type { Fault } from './fault-schema.ts'

/**
 * Agent user codes with a fixed outcome, so the service's handling of each Eko answer can be
 * shown from Swagger UI or a test without the control API. Any other valid code succeeds,
 * `20810200` (Eko's sample agent) included. The README's table is this list; a test keeps them equal.
 */
export interface Scenario {
  userCode: string
  /** What Eko answers, in words. */
  eko: string
  /** What the service is expected to answer (the README's error table). */
  service: string
  /** Only these variants know the scenario; elsewhere the code succeeds. Default: both. */
  variants?: readonly VariantName[]
  /** A business outcome (HTTP 200) ... */
  envelope?: () => Envelope
  /** ... or a transport fault applied to the success reply. */
  fault?: Fault
}

export const SAMPLE_USER_CODE = '20810200'

export const scenarios: readonly Scenario[] = [
  { userCode: '99990463', eko: 'status 463 "User not found"', service: '404 AGENT_NOT_FOUND', envelope: () => failure(463, 'User not found') },
  { userCode: '99991297', eko: 'status 1297 "User not onboarded"', service: '404 AGENT_NOT_FOUND', envelope: () => failure(1297, 'User not onboarded') },
  {
    userCode: '99990346',
    eko: 'status 346, response_type_id 346, "Agent not allowed to this transaction"',
    service: '422 AGENT_NOT_ACTIVATED',
    envelope: () => failure(346, 'Agent not allowed to this transaction')
  },
  {
    userCode: '99990429',
    eko: 'status 1, "OTP already sent. Please try after some time"',
    service: '429 OTP_RATE_LIMITED',
    envelope: () => failure(1, 'OTP already sent. Please try after some time', { typeId: -1 })
  },
  {
    userCode: '99990461',
    eko: 'status 461, data.reason "Merchant is Inactive or Invalid Details"',
    service: '422 EKYC_REJECTED',
    envelope: () => failure(461, 'Failed', { data: { reason: 'Merchant is Inactive or Invalid Details' } })
  },
  { userCode: '99990585', eko: 'status 585 "KYC already approved"', service: '409 EKYC_ALREADY_COMPLETED', envelope: () => failure(585, 'KYC already approved') },
  {
    userCode: '99990999',
    eko: 'status 999 "Service not available for this agent" (a status the service has no rule for)',
    service: '422 EKYC_REJECTED',
    envelope: () => failure(999, 'Service not available for this agent')
  },
  {
    userCode: '99990422',
    eko: 'status 1390 "Aadhaar not eligible for eKYC" (customer variant only)',
    service: '422 EKYC_REJECTED',
    variants: ['customer'],
    envelope: () => failure(1390, 'Aadhaar not eligible for eKYC')
  },
  { userCode: '99995000', eko: 'HTTP 500, plain text', service: '502 UPSTREAM_ERROR', fault: { kind: 'status', code: 500 } },
  { userCode: '99995020', eko: 'HTTP 502, an nginx HTML error page', service: '502 UPSTREAM_ERROR', fault: { kind: 'html-error', code: 502 } },
  { userCode: '99995030', eko: 'HTTP 503, plain text', service: '502 UPSTREAM_ERROR', fault: { kind: 'status', code: 503 } },
  { userCode: '99990403', eko: 'HTTP 403 (as for a bad signature)', service: '502 UPSTREAM_AUTH_FAILED', fault: { kind: 'forbidden' } },
  { userCode: '99990408', eko: 'the success reply after 15 s', service: '504 UPSTREAM_TIMEOUT', fault: { kind: 'latency', ms: 15_000 } },
  { userCode: '99995999', eko: 'HTTP 200 with an HTML page, not JSON', service: '502 UPSTREAM_ERROR', fault: { kind: 'non-json' } },
  { userCode: '99995100', eko: 'connection reset before any header', service: '502 UPSTREAM_ERROR', fault: { kind: 'reset-before-headers' } },
  { userCode: '99995101', eko: 'headers and half the body, then a reset', service: '502 UPSTREAM_ERROR', fault: { kind: 'reset-mid-body' } }
]

const byCode = new Map(scenarios.map(s => [s.userCode, s]))

export function findScenario (userCode: string, variant: VariantName): Scenario | undefined {
  const scenario = byCode.get(userCode)
  if (scenario?.variants !== undefined && !scenario.variants.includes(variant)) return undefined
  return scenario
}
