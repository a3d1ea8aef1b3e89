import { Type, type Static, type TProperties } from 'typebox'
import { Value } from 'typebox/value'

/*
 * The fault switches, as TypeBox schemas so the type and the control API's validation are one.
 * `probability` lets a soak test mix faults into normal traffic; `times` limits a fault to the
 * next N requests it applies to, after which it switches itself off.
 */
const common = {
  probability: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'chance per request, default 1' })),
  times: Type.Optional(Type.Integer({ minimum: 1, description: 'apply to the next N requests, then switch off' }))
}

function fault<K extends string, P extends TProperties> (kind: K, props: P) {
  return Type.Object({ kind: Type.Literal(kind), ...common, ...props }, { additionalProperties: false })
}

const ms = (max: number) => Type.Integer({ minimum: 0, maximum: max })

export const faultSchemas = {
  latency: fault('latency', { ms: ms(600_000) }),
  status: fault('status', {
    code: Type.Integer({ minimum: 100, maximum: 599 }),
    body: Type.Optional(Type.String({ maxLength: 65_536 })),
    contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
  }),
  'reset-before-headers': fault('reset-before-headers', {}),
  'reset-mid-body': fault('reset-mid-body', {}),
  trickle: fault('trickle', { bytesPerChunk: Type.Integer({ minimum: 1, maximum: 65_536 }), intervalMs: ms(60_000) }),
  'non-json': fault('non-json', {
    body: Type.Optional(Type.String({ maxLength: 65_536 })),
    contentType: Type.Optional(Type.String({ minLength: 1, maxLength: 200 }))
  }),
  huge: fault('huge', { bytes: Type.Integer({ minimum: 1024, maximum: 256 * 1024 * 1024 }) }),
  'html-error': fault('html-error', { code: Type.Optional(Type.Union([Type.Literal(500), Type.Literal(502)])) }),
  forbidden: fault('forbidden', {})
}

const f = faultSchemas
export const FaultSchema = Type.Union([
  f.latency, f.status, f['reset-before-headers'], f['reset-mid-body'], f.trickle, f['non-json'], f.huge, f['html-error'], f.forbidden
])
export type Fault = Static<typeof FaultSchema>
export type FaultKind = Fault['kind']

/**
 * Validates a control-API body against the schema its `kind` names, so the errors speak about
 * that fault instead of every member of the union.
 */
export function parseFault (value: unknown): { fault: Fault } | { errors: string[] } {
  const kind = (value as { kind?: unknown } | null)?.kind
  if (typeof kind !== 'string' || !Object.hasOwn(faultSchemas, kind)) {
    return { errors: [`kind must be one of ${Object.keys(faultSchemas).join(', ')}`] }
  }
  const schema = faultSchemas[kind as FaultKind]
  if (Value.Check(schema, value)) return { fault: value as Fault }
  return {
    errors: Value.Errors(schema, value)
      .filter(e => e.keyword !== 'boolean') // the per-property echo of additionalProperties: false
      .map(e => e.keyword === 'additionalProperties'
        ? `unknown properties: ${String((e.params as { additionalProperties?: string[] }).additionalProperties)}`
        : `${e.instancePath || '/'} ${e.message}`)
  }
}
