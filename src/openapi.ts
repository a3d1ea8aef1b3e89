import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { buildApp, type AppConfig } from './app.ts'
import { loadConfig } from './config.ts'

/** Where `npm run openapi` writes the document, and what the drift test compares against. */
export const OPENAPI_FILE = new URL('../openapi/openapi.json', import.meta.url)

/**
 * The OpenAPI document as the committed file holds it: the app built with fixed dummy settings
 * (never listening, never calling Eko), so the output depends on the code alone.
 */
export async function generateOpenapi (): Promise<string> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const config: AppConfig = {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }).config,
    EKO_BASE_URL: 'http://127.0.0.1:9/ekoapi/v3',
    EKO_DEVELOPER_KEY: 'openapi-generator',
    EKO_ACCESS_KEY: 'openapi-generator',
    EKO_INITIATOR_ID: '9000000000',
    EKO_AADHAAR_PUBLIC_KEY: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    AUTH_JWT_SECRET: randomBytes(32).toString('base64url')
  }
  const app = await buildApp({ config })
  try {
    await app.ready()
    return JSON.stringify(app.swagger(), null, 2) + '\n'
  } finally {
    await app.close()
  }
}
