import { setTimeout as sleep } from 'node:timers/promises'
import closeWithGrace from 'close-with-grace'
import { buildApp, type AppConfig } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import type { Embedded } from './dev/embedded.ts'
import { usePrettyLogs } from './logger.ts'

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
  // Loaded only here: the simulator is for development, and production starts faster without it.
  const { startEmbedded } = await import('./dev/embedded.ts')
  embedded = await startEmbedded(loaded.config)
  config = embedded.config
} else {
  config = loaded.config as AppConfig
}

const app = await buildApp({ config, prettyLogs: usePrettyLogs(config.NODE_ENV, process.stdout.isTTY === true) })

/*
 * On a signal: readiness fails first (app.draining) and every answer says `Connection: close`;
 * after SHUTDOWN_DRAIN_MS, for load balancers without a preStop hook to notice, the listener
 * closes and idle keep-alive connections with it (clients reconnect elsewhere), requests in flight
 * get their answers, requests already arriving on open connections a 503 problem, and the
 * onClose hooks close the Eko pool and the store. All of it within SHUTDOWN_TIMEOUT_MS, else
 * exit 1; a second signal exits 1 at once.
 */
closeWithGrace({
  delay: config.SHUTDOWN_TIMEOUT_MS,
  logger: { error: (err: unknown) => app.log.error({ err }, 'shutdown failed') },
  onSecondSignal: (signal) => app.log.error({ signal }, 'second signal during shutdown: exiting now'),
  onTimeout: (delay) => app.log.error({ delay }, 'shutdown did not finish within SHUTDOWN_TIMEOUT_MS: exiting now')
}, async ({ signal, err }) => {
  if (err !== undefined) app.log.error({ err }, 'shutting down after an error')
  else app.log.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, 'shutting down')
  app.draining = true
  if (signal !== undefined && config.SHUTDOWN_DRAIN_MS > 0) await sleep(config.SHUTDOWN_DRAIN_MS)
  await app.close()
  await embedded?.close()
  app.log.info('shut down cleanly')
})

// Metrics first, so that "Server listening at" means everything is up (the tests wait for it).
const metricsAddress = await app.metricsListener.listen().catch((err: NodeJS.ErrnoException) => {
  app.log.fatal({ code: err.code }, `METRICS_PORT: cannot listen on ${config.HOST}:${config.METRICS_PORT} (${err.code ?? err.message})`)
  process.exit(1)
})
const address = await app.listen({ host: config.HOST, port: config.PORT })
if (embedded !== undefined) {
  const local = (url: string) => url.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://127.0.0.1')
  process.stdout.write(await embedded.banner(local(address), `${local(metricsAddress)}/metrics`) + '\n')
}
