import Type, { type Static } from 'typebox'
import { AADHAAR_INPUT_PATTERN } from '../../aadhaar/aadhaar.ts'

export const UserCodeParams = Type.Object({
  userCode: Type.String({ pattern: '^[0-9]{8}$', description: 'The agent\'s 8-digit Eko user code', examples: ['20810200'] })
})

export const SendOtpBody = Type.Object({
  aadhaar: Type.String({
    pattern: AADHAAR_INPUT_PATTERN,
    description: 'The agent\'s 12-digit Aadhaar number; spaces or hyphens between groups of four are accepted. Must start with 2–9 and pass the Verhoeff check. Encrypted before it leaves the service; never logged or returned.',
    examples: ['2341 2341 2346']
  }),
  mobile: Type.Optional(Type.String({
    pattern: '^[6-9][0-9]{9}$',
    description: 'The agent\'s 10-digit registered mobile (Eko\'s `customer_id`); the OTP goes there. Required by the `collection` variant.',
    examples: ['9876543210']
  })),
  latlong: Type.Optional(Type.String({
    pattern: '^-?(90(\\.0+)?|[1-8]?[0-9](\\.[0-9]+)?),-?(180(\\.0+)?|(1[0-7][0-9]|[1-9]?[0-9])(\\.[0-9]+)?)$',
    description: 'The agent\'s location as `<lat>,<long>` in decimal degrees, no space. Required by the `collection` variant.',
    examples: ['28.6139,77.2090']
  })),
  clientRefId: Type.Optional(Type.String({
    pattern: '^[A-Za-z0-9]{1,20}$',
    description: 'Your unique reference for this request (1–20 letters or digits); generated when absent.',
    examples: ['A1B2C3D4E5F6G7H8J9K0']
  }))
}, {
  additionalProperties: false,
  // Without `clientRefId`, so Swagger UI's Try it out can be executed again and again.
  examples: [{ aadhaar: '2341 2341 2346', mobile: '9876543210', latlong: '28.6139,77.2090' }]
})

export type SendOtpBody = Static<typeof SendOtpBody>

export const OtpSent = Type.Object({
  otpRefId: Type.String({ description: 'Eko\'s OTP session reference; needed by Verify OTP', examples: ['2465238'] }),
  referenceTid: Type.Optional(Type.String({ description: 'Eko\'s transaction reference, when Eko returns one; needed by Verify OTP', examples: ['EKYKF4719702240123152147525I'] })),
  mobileHint: Type.Optional(Type.String({ description: 'The masked mobile the OTP was sent to', examples: ['******6789'] })),
  clientRefId: Type.String({ description: 'The reference sent to Eko: yours, or the one generated', examples: ['A1B2C3D4E5F6G7H8J9K0'] }),
  message: Type.String({ description: 'Eko\'s message', examples: ['OTP request has been sent'] })
})

export type OtpSent = Static<typeof OtpSent>
