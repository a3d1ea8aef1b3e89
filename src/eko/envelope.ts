import Type, { type Static } from 'typebox'
import { Compile } from 'typebox/compile'

const Code = Type.Union([Type.Integer(), Type.String({ pattern: '^-?[0-9]+$' })])
const Opaque = Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer()])

/** What we rely on in Eko's reply envelope (upstream-facts §3); unknown fields are ignored, never forwarded. */
export const EkoEnvelope = Type.Object({
  status: Code,
  response_status_id: Type.Optional(Code),
  response_type_id: Type.Optional(Code),
  message: Type.Optional(Type.String({ maxLength: 2000 })),
  data: Type.Optional(Type.Union([
    Type.Object({
      otp_ref_id: Type.Optional(Opaque),
      reference_tid: Type.Optional(Opaque),
      mobile_hint: Type.Optional(Type.String({ maxLength: 32 })),
      reason: Type.Optional(Type.String({ maxLength: 2000 }))
    }),
    Type.Array(Type.Unknown()),
    Type.Null()
  ])),
  invalid_params: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]))
})

export type EkoEnvelope = Static<typeof EkoEnvelope>

export const checkEnvelope = Compile(EkoEnvelope)
