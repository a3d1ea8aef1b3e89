import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { parsePublicKey } from '../eko/aadhaar-cipher.ts'
import { createEkoClient, type EkoClient, type EkoSettings } from '../eko/client.ts'

declare module 'fastify' {
  interface FastifyInstance {
    eko: EkoClient
  }
}

export interface EkoPluginOptions {
  settings: EkoSettings & { EKO_AADHAAR_PUBLIC_KEY: string }
  dispatcher?: Dispatcher | undefined
}

/** One Eko client per application: the public key parsed and the pool built once, closed with the app. */
export default fp<EkoPluginOptions>(async function ekoPlugin (app, { settings, dispatcher }) {
  const client = createEkoClient({
    settings,
    publicKey: parsePublicKey(settings.EKO_AADHAAR_PUBLIC_KEY),
    ...(dispatcher === undefined ? {} : { dispatcher })
  })
  app.decorate('eko', client)
  app.addHook('onClose', async () => { await client.close() })
}, { name: 'eko' })
