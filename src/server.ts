import closeWithGrace from 'close-with-grace'
import { buildApp, type AppConfig } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { startEmbedded, type Embedded } from './dev/embedded.ts'

// The one entry point: read the environment, listen, shut down gracefully. Tests never import it.
let loaded
try {
  loaded = loadConfig(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  for (const line of err.problems) process.stderr.write(`config: ${line}\n`)
  process.exit(1)
}

let embedded: Embedded | undefined
let config: AppConfig
if (loaded.embeddedEko) {
  embedded = await startEmbedded(loaded.config)
  config = embedded.config
} else {
  config = loaded.config as AppConfig
}

const app = await buildApp({ config })

closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT_MS }, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal }, 'shutting down')
  app.draining = true
  await app.close()
  await embedded?.close()
})

const address = await app.listen({ host: config.HOST, port: config.PORT })
if (embedded !== undefined) {
  const local = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1')
  process.stdout.write(await embedded.banner(local) + '\n')
}
