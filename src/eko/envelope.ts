import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'

const Code = Type.Union([Type.Integer(), Type.String({ pattern: '^-?[0-9]+$' })])

/**
 * What we rely on in Eko's reply envelope (docs/eko.md §6): a readable `status`. Everything
 * else is optional and read defensively in classify.ts, so a `null` message or an empty reason
 * in a business answer is still that business answer, not "Eko is broken" (which would count
 * towards opening the circuit). Unknown fields are ignored, never forwarded.
 */
export const EkoEnvelope = Type.Object({
  status: Code,
  response_status_id: Type.Optional(Type.Unknown()),
  response_type_id: Type.Optional(Type.Unknown()),
  message: Type.Optional(Type.Unknown()),
  data: Type.Optional(Type.Unknown()),
  invalid_params: Type.Optional(Type.Unknown())
})

export type EkoEnvelope = Static<typeof EkoEnvelope>

export const checkEnvelope = Compile(EkoEnvelope)
