import { test } from 'tap'
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { posix } from 'node:path'
import { parse } from 'yaml'
import {
  instructions, isIgnored, loadCompose, loadComposeWithOverride, loadManifests, parseDockerfile,
  parseDockerignore, readRepoFile, shellWords, stageEnv, yamlFilesUnder
} from './helpers.ts'
import type { Stage } from './helpers.ts'
import { ConfigError, loadConfig } from '../../src/config.ts'

// What the service cannot start without in production (README, "Configuration"): every setting without
// a default, one of the two ways to check tokens, and the shared store that lets replicas agree.
const REQUIRED = ['EKO_BASE_URL', 'EKO_DEVELOPER_KEY', 'EKO_ACCESS_KEY', 'EKO_INITIATOR_ID', 'EKO_AADHAAR_PUBLIC_KEY', 'REDIS_URL']
const AUTH = ['AUTH_JWT_SECRET', 'AUTH_JWKS_URL']

function missingSettings (provided: Iterable<string>): string[] {
  const names = new Set(provided)
  const has = (name: string) => names.has(name) || names.has(`${name}_FILE`)
  const missing = REQUIRED.filter((name) => !has(name))
  if (!AUTH.some(has)) missing.push(AUTH.join(' or '))
  return missing
}

/**
 * Eko's published Aadhaar keys (docs/eko.md §4), held here so the check never depends on anything
 * outside the repository: key A for production, key B for UAT. The SHA-256 of each key's DER pins
 * the text below, so a key mistyped here and in a manifest alike still fails.
 */
const EKO_KEYS = {
  A: {
    der: 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCaFyrzeDhMaFLx+LZUNOOO14Pj9aPfr+1WOanDgDHxo9NekENYcWUftM9Y17ul2pXr3bqw0GCh4uxNoTQ5cTH4buI42LI8ibMaf7Kppq9MzdzI9/7pOffgdSn+P8J64CJAk3VrVswVgfy8lABt7fL8R6XReI9x8ewwKHhCRTwBgQIDAQAB',
    sha256: '481d1db23018a1d67a3797b097ca8ede52ce2cf9d4f9e1868da59cd511cdedd6'
  },
  B: {
    der: 'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCXa63O/UXt5S0Vi8DM/PWF4yugx2OcTVbcFPLfXmLm9ClEVJcRuBr7UDHjJ6gZgG/qcVez5r6AfsYl2PtKmYP3mQdbR/BjVOjnrRooXxwyio6DFk4hTTM8fqQGWWNm6XN5XsPK5+qD5Ic/L0vGrS5nMWDwjRt59gzgNMNMpjheBQIDAQAB',
    sha256: 'f95201c31b01b7392f91ddfd5a863cd8ca6cfcc414080ad6bb6ad10df16b033e'
  }
} as const

/** The SHA-256 of a base64 DER key's bytes, as `base64 -d | sha256sum` prints it; '' for no key. */
function fingerprint (b64: string | undefined): string {
  return b64 === undefined ? '' : createHash('sha256').update(Buffer.from(b64.replace(/\s+/g, ''), 'base64')).digest('hex')
}

/**
 * Stand-ins for what a deployment supplies from files or Secrets, which are not in the
 * repository, so that everything else it sets can be put through the service's own loadConfig.
 */
const SUPPLIED_AT_RUN_TIME: Record<string, string> = {
  EKO_DEVELOPER_KEY: 'supplied-at-run-time',
  EKO_ACCESS_KEY: 'supplied-at-run-time',
  EKO_INITIATOR_ID: '9000000000',
  EKO_AADHAAR_PUBLIC_KEY: generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  AUTH_JWT_SECRET: 'supplied-at-run-time-'.padEnd(32, '0'),
  STORE_SECRET: 'supplied-at-run-time-'.padEnd(32, '0'),
  REDIS_URL: 'rediss://redis.example.internal:6380/0'
}

/**
 * What the service would say of these settings at start: `NAME_FILE` and Secret references
 * stand for their value, Compose's `${NAME:-default}` for its default. [] means it starts.
 */
function startProblems (env: Record<string, string | undefined>): string[] {
  const resolved: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    const secret = name.replace(/_FILE$/, '')
    if (name.endsWith('_FILE') || value === undefined) resolved[secret] = SUPPLIED_AT_RUN_TIME[secret] ?? 'supplied-at-run-time'
    else resolved[name] = value.replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1')
  }
  try {
    loadConfig(resolved)
    return []
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
}

function isRsaPublicKey (b64: string): boolean {
  try {
    return createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' }).asymmetricKeyType === 'rsa'
  } catch {
    return false
  }
}

function isSubset (labels: Record<string, string> = {}, of: Record<string, string> = {}): boolean {
  return Object.keys(labels).length > 0 && Object.entries(labels).every(([k, v]) => of[k] === v)
}

test('Eko\'s published keys: each is the key its fingerprint names, 1024-bit RSA, and the docs quote both', async (t) => {
  const docs = readRepoFile('docs/eko.md')
  for (const [name, key] of Object.entries(EKO_KEYS)) {
    t.equal(fingerprint(key.der), key.sha256, `key ${name}: the DER hashes to its fingerprint`)
    const parsed = createPublicKey({ key: Buffer.from(key.der, 'base64'), format: 'der', type: 'spki' })
    t.equal(parsed.asymmetricKeyType, 'rsa', `key ${name}: RSA`)
    t.equal(parsed.asymmetricKeyDetails?.modulusLength, 1024, `key ${name}: 1024-bit`)
    t.equal(parsed.asymmetricKeyDetails?.publicExponent, 65537n, `key ${name}: e = 65537`)
    t.ok(docs.includes(key.der) && docs.includes(key.sha256), `docs/eko.md quotes key ${name} and its fingerprint`)
  }
  t.match(readRepoFile('README.md'), `EKO_AADHAAR_PUBLIC_KEY=${EKO_KEYS.B.der}`, 'the README\'s UAT example uses key B')
})

// --- Dockerfile -----------------------------------------------------------------------------

const stages = parseDockerfile(readRepoFile('Dockerfile'))
const final = stages.at(-1) as Stage
const imageEnv = stageEnv(final)
const exposed = instructions(final, 'EXPOSE').flatMap((i) => shellWords(i.args)).map((port) => Number.parseInt(port, 10))
const PORT = Number(imageEnv.PORT)
const METRICS_PORT = Number(imageEnv.METRICS_PORT)

test('Dockerfile: multi-stage on the official Node 24 image, pinned to a release', async (t) => {
  t.ok(stages.length >= 2, 'dependencies are installed in a stage of their own')
  for (const stage of stages) {
    t.match(stage.from, /^node:24\.\d+\.\d+(-[a-z0-9.-]+)?(@sha256:[0-9a-f]{64})?$/, `${stage.name ?? 'a stage'} is FROM node:24.x.y`)
  }
})

test('Dockerfile: the final stage runs the service as a non-root user', async (t) => {
  const user = instructions(final, 'USER').at(-1)?.args.split(':')[0]
  t.ok(user, 'USER is set')
  t.notOk(['root', '0', undefined].includes(user), `USER ${user} is not root`)
  t.same(instructions(final, 'CMD').at(-1)?.json, ['node', 'src/server.ts'], 'CMD is exec form `node src/server.ts`')
  for (const entrypoint of instructions(final, 'ENTRYPOINT')) t.ok(entrypoint.json, 'an ENTRYPOINT is exec form')
  t.equal(imageEnv.NODE_ENV, 'production')
  t.equal(imageEnv.HOST, '0.0.0.0')
  t.same(exposed, [PORT, METRICS_PORT], 'EXPOSE is the API port and the metrics port, no other')
  t.ok(METRICS_PORT > 0 && METRICS_PORT !== PORT, `metrics on a port of their own (${METRICS_PORT})`)
})

test('Dockerfile: HEALTHCHECK probes readiness with node itself', async (t) => {
  const [healthcheck] = instructions(final, 'HEALTHCHECK')
  t.ok(healthcheck, 'HEALTHCHECK present')
  const [form] = shellWords(healthcheck?.args ?? '')
  t.equal(form, 'CMD')
  const command = JSON.parse((healthcheck?.args ?? '').replace(/^CMD\s+/, ''))
  t.equal(command[0], 'node', 'runs node, which the image has')
  t.notMatch(healthcheck?.args, /\b(curl|wget)\b/, 'needs neither curl nor wget')
  t.match(healthcheck?.args, '/health/ready')
})

test('Dockerfile: production dependencies only, nothing secret or test-only copied', async (t) => {
  const stageNames = stages.map((s) => s.name)
  const copies = stages.flatMap((s) => instructions(s, 'COPY').concat(instructions(s, 'ADD')))
  for (const copy of copies) {
    const sources = shellWords(copy.args).slice(0, -1)
    if (copy.flags.from) {
      t.ok(stageNames.includes(copy.flags.from), `COPY --from=${copy.flags.from} names a stage`)
      continue
    }
    for (const source of sources.map((s) => posix.normalize(s).replace(/\/$/, ''))) {
      const forbidden = source === '.' || /^test(\/|$)/.test(source) || /(^|\/)\.env/.test(source) ||
        /\.(pem|key)$/.test(source) || /secret/i.test(source)
      t.notOk(forbidden, `COPY ${source} is neither the whole context, tests, nor a secret`)
    }
  }
  const installs = stages.flatMap((s) => instructions(s, 'RUN')).filter((r) => /\bnpm (ci|install|i)\b/.test(r.args))
  t.ok(installs.length > 0, 'dependencies are installed with npm')
  for (const install of installs) t.match(install.args, /npm ci\b.*--omit=dev/, 'npm ci --omit=dev')
  t.notOk(instructions(final, 'RUN').some((r) => /\bnpm (ci|install|i)\b/.test(r.args)), 'the final stage installs nothing')
  const modules = instructions(final, 'COPY').find((c) => /node_modules/.test(c.args))
  t.ok(modules?.flags.from, 'node_modules comes from the dependency stage')
  for (const stage of stages) {
    for (const i of stage.instructions.filter((i) => i.keyword === 'ENV' || i.keyword === 'ARG')) {
      t.notMatch(i.args, /(SECRET|ACCESS_KEY|DEVELOPER_KEY|TOKEN|PASSWORD)\s*=/i, `no secret baked in: ${i.keyword} ${i.args}`)
    }
  }
})

test('.dockerignore keeps VCS, dependencies, tests and secrets out of the context', async (t) => {
  const rules = parseDockerignore(readRepoFile('.dockerignore'))
  for (const path of ['.git', '.git/config', 'node_modules/fastify/package.json', 'test', 'test/deploy/static.test.ts',
    '.env', '.env.production', 'src/.env', 'key.pem', 'deploy/compose/nginx.conf', 'src/x/node_modules/y']) {
    t.ok(isIgnored(rules, path), `${path} is excluded`)
  }
  const copied = final.instructions
    .filter((i) => i.keyword === 'COPY' && !i.flags.from)
    .flatMap((i) => shellWords(i.args).slice(0, -1))
  for (const path of copied) t.notOk(isIgnored(rules, posix.normalize(path)), `${path}, which the image copies, is kept`)
  for (const path of ['src/server.ts', 'src/simulator/main.ts']) t.notOk(isIgnored(rules, path), `${path} is kept`)
})

// --- docker compose ---------------------------------------------------------------------------

type Service = Record<string, any>

function environment (service: Service): Record<string, string> {
  const env = service.environment ?? {}
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]))
  return Object.fromEntries(env.map((line: string) => {
    const eq = line.indexOf('=')
    return eq < 0 ? [line, ''] : [line.slice(0, eq), line.slice(eq + 1)]
  }))
}

function command (service: Service): string[] {
  const c = service.command
  return Array.isArray(c) ? c : typeof c === 'string' ? shellWords(c) : []
}

function roles (services: Record<string, Service>) {
  const entries = Object.entries(services)
  const named = (predicate: (s: Service) => boolean) => entries.filter(([, s]) => predicate(s))
  const built = (s: Service) => s.build !== undefined || String(s.image).startsWith('eko-ekyc-bff')
  return {
    bff: named((s) => built(s) && (command(s).length === 0 || command(s).join(' ') === 'node src/server.ts')),
    simulator: named((s) => built(s) && command(s).join(' ') === 'node src/simulator/main.ts'),
    redis: named((s) => /^redis:/.test(String(s.image))),
    lb: named((s) => /^nginx:/.test(String(s.image)))
  }
}

/** The host part and port of `scheme://[user@]host:port/...`. */
function hostPort (url: string): { host: string, port: string } {
  const u = new URL(url)
  return { host: u.hostname, port: u.port }
}

/** Source of the volume mounted at `dir` (or a parent of it) in a service. */
function volumeAt (service: Service, path: string): string | undefined {
  for (const v of service.volumes ?? []) {
    const [source, target] = typeof v === 'string' ? v.split(':') : [v.source, v.target]
    if (target && (path === target || path.startsWith(`${target}/`))) return source
  }
  return undefined
}

const compose = loadCompose('docker-compose.yml')
const services: Record<string, Service> = compose.services
const role = roles(services)

test('compose: two or more service replicas behind a load balancer, with Redis and the simulator', async (t) => {
  const replicas = role.bff.reduce((n, [, s]) => n + (s.deploy?.replicas ?? 1), 0)
  t.ok(replicas >= 2, `${replicas} replicas of the service`)
  t.equal(role.simulator.length, 1, 'the simulator runs from the same image')
  t.equal(role.redis.length, 1, 'Redis from the official image')
  t.equal(role.lb.length, 1, 'nginx balances the replicas')

  const [lbName, lb] = role.lb[0] ?? ['', {}]
  const conf = (lb.volumes ?? []).map((v: string) => v.split(':')[0]).find((p: string) => p.endsWith('.conf'))
  t.ok(conf, `${lbName} mounts its config from the repository`)
  const nginx = readRepoFile(conf)
  for (const [name] of role.bff) t.match(nginx, new RegExp(`server\\s+${name}:${PORT}\\b`), `the upstream is ${name}:${PORT}`)
  t.notMatch(nginx, new RegExp(`:${METRICS_PORT}\\b`), 'nginx never forwards to the metrics port')
  for (const [name, bff] of role.bff) {
    t.same(bff.ports ?? [], [], `${name} publishes no port: the API only through nginx, metrics not at all`)
    t.equal(Number(environment(bff).METRICS_PORT ?? imageEnv.METRICS_PORT), METRICS_PORT, `${name}: the metrics port the image exposes`)
  }
  t.match(nginx, /proxy_pass\s+http:\/\/\w+;/)
  for (const port of lb.ports ?? []) t.match(String(port), /^127\.0\.0\.1:/, 'published on loopback only')
})

test('compose: healthchecks gate start-up order', async (t) => {
  for (const [name, service] of Object.entries(services)) {
    t.ok(Array.isArray(service.healthcheck?.test) && service.healthcheck.test.length > 1, `${name} has a healthcheck`)
  }
  const healthy = (s: Service, dependency: string) => s.depends_on?.[dependency]?.condition === 'service_healthy'
  for (const [name, bff] of role.bff) {
    for (const [dependency] of [...role.simulator, ...role.redis]) {
      t.ok(healthy(bff, dependency), `${name} waits for ${dependency} to be healthy`)
    }
    t.match(bff.healthcheck.test.join(' '), `127.0.0.1:${PORT}/health/ready`, `${name}'s healthcheck asks /health/ready`)
  }
  for (const [name, lb] of role.lb) {
    for (const [bffName] of role.bff) t.ok(healthy(lb, bffName), `${name} waits for ${bffName}`)
  }
})

test('compose: every service setting is provided and agrees with the simulator and Redis', async (t) => {
  const [simName, simulator] = role.simulator[0] ?? ['', {}]
  const [redisName] = role.redis[0] ?? ['']
  const sim = environment(simulator)
  t.equal(sim.SIMULATOR_HOST, '0.0.0.0', 'the simulator listens beyond its loopback')
  for (const [name, bff] of role.bff) {
    const env = { ...imageEnv, ...environment(bff) }
    t.same(missingSettings(Object.keys(env)), [], `${name} gets every required setting`)
    t.equal(env.NODE_ENV, 'production')
    t.equal(env.HOST, '0.0.0.0')
    t.equal(Number(env.PORT), PORT, 'the port the image exposes')
    t.same(hostPort(env.EKO_BASE_URL as string), { host: simName, port: sim.SIMULATOR_PORT }, 'EKO_BASE_URL is the simulator')
    t.match(env.EKO_BASE_URL, /\/ekoapi\/v3$/)
    t.equal(env.EKO_DEVELOPER_KEY, sim.SIMULATOR_DEVELOPER_KEY)
    t.equal(env.EKO_ACCESS_KEY, sim.SIMULATOR_ACCESS_KEY)
    t.equal(env.EKO_INITIATOR_ID, sim.SIMULATOR_INITIATOR_ID)
    t.equal(env.EKO_AADHAAR_PUBLIC_KEY_FILE, sim.SIMULATOR_PUBLIC_KEY_OUT, "the simulator's public key file")
    const keyVolume = volumeAt(bff, env.EKO_AADHAAR_PUBLIC_KEY_FILE as string)
    t.ok(keyVolume && keyVolume === volumeAt(simulator, sim.SIMULATOR_PUBLIC_KEY_OUT as string), 'through a volume both mount')
    t.ok(keyVolume && compose.volumes?.[keyVolume] !== undefined, 'a named volume')
    t.equal(hostPort(env.REDIS_URL as string).host, redisName, 'REDIS_URL is the stack\'s Redis')
    t.match(env.AUTH_JWT_SECRET, /demo/i, 'the JWT secret is labelled as a demo value')
    t.ok(bff.read_only, 'read-only root filesystem')
    t.ok(Number.parseInt(bff.stop_grace_period, 10) > 10, 'stop_grace_period outlasts the 10 s shutdown')
    // The simulator is another container, reached over the compose network in plain HTTP.
    t.equal(env.ALLOW_INSECURE_HTTP, 'true', 'plain http:// to the simulator is allowed explicitly')
    t.same(startProblems(env), [], 'the service accepts these settings')
  }
  t.ok(simulator.read_only, 'the simulator runs read-only too')
})

test('compose UAT override: Eko staging with the public UAT credentials and key B', async (t) => {
  const uat = loadComposeWithOverride('docker-compose.yml', 'docker-compose.uat.yml')
  const r = roles(uat.services)
  for (const [name, bff] of r.bff) {
    const env = environment(bff)
    t.same(missingSettings(Object.keys(env)), [], `${name} gets every required setting`)
    t.equal(env.EKO_BASE_URL, 'https://staging.eko.in/ekoapi/v3')
    t.notOk('EKO_AADHAAR_PUBLIC_KEY_FILE' in env, 'the simulator\'s key file is no longer used')
    t.ok(isRsaPublicKey(env.EKO_AADHAAR_PUBLIC_KEY as string), 'an RSA public key, base64 DER')
    t.not(env.ALLOW_INSECURE_HTTP, 'true', 'Eko UAT is https://: no plain http:// allowed')
    t.same(startProblems({ ...imageEnv, ...env }), [], 'the service accepts these settings')
    t.equal(fingerprint(env.EKO_AADHAAR_PUBLIC_KEY), EKO_KEYS.B.sha256, 'key B of docs/eko.md §4, the UAT key')
    for (const [simName] of r.simulator) t.notOk(bff.depends_on?.[simName], `${name} no longer waits for ${simName}`)
  }
  for (const [name, simulator] of r.simulator) t.ok(simulator.profiles?.length, `${name} is left out unless asked for`)
})

test('the simulator\'s README runs it in the image as the image can: node, never npm', async (t) => {
  const readme = readRepoFile('src/simulator/README.md')
  const [, simulator] = role.simulator[0] ?? ['', {}]
  const real = command(simulator)
  t.same(real, ['node', 'src/simulator/main.ts'], 'docker-compose.yml runs the simulator with node')
  const yamlBlocks = [...readme.matchAll(/```ya?ml\n([\s\S]*?)```/g)].map((m) => m[1] as string)
  t.ok(yamlBlocks.length > 0, 'the README shows a compose example')
  for (const block of yamlBlocks) {
    const doc = parse(block)
    for (const [name, service] of Object.entries<Service>(doc.services ?? {})) {
      if (service.command !== undefined) t.same(command(service), real, `${name}: the command docker-compose.yml uses`)
    }
  }
  const dockerRuns = readme.split('\n').filter((line) => /^\s*docker run\b/.test(line))
  t.ok(dockerRuns.length > 0, 'the README shows docker run')
  for (const line of dockerRuns) t.ok(line.trim().endsWith(real.join(' ')), `docker run ends with the image's command: ${line.trim()}`)
  // The runtime stage deletes npm, npx, corepack and yarn.
  t.match(instructions(final, 'RUN').map((r) => r.args).join(' '), /\/usr\/local\/bin\/npm\b/, 'the image has no npm')
  t.notMatch(yamlBlocks.join('\n') + dockerRuns.join('\n'), /\b(npm|npx|yarn)\b/, 'no package manager in any container command')
})

// --- Kubernetes -------------------------------------------------------------------------------

const K8S = 'deploy/k8s'

interface Kustomization { dir: string, doc: any, resources: any[], config: Record<string, string> }

/** A kustomization's own resources and the literals of its generated ConfigMap(s). */
function kustomization (dir: string): Kustomization {
  const [doc] = loadManifests(`${dir}/kustomization.yaml`)
  const resources = (doc.resources ?? [])
    .filter((r: string) => /\.ya?ml$/.test(r))
    .flatMap((r: string) => loadManifests(posix.join(dir, r)))
  const config: Record<string, string> = {}
  for (const generator of doc.configMapGenerator ?? []) {
    for (const literal of generator.literals ?? []) {
      const eq = literal.indexOf('=')
      config[literal.slice(0, eq)] = literal.slice(eq + 1)
    }
  }
  return { dir, doc, resources, config }
}

const base = kustomization(`${K8S}/base`)
const byKind = (kind: string) => base.resources.filter((r) => r.kind === kind)
const deployment = byKind('Deployment')[0]
const pod = deployment?.spec?.template
const container = pod?.spec?.containers?.[0]
const podLabels: Record<string, string> = pod?.metadata?.labels ?? {}
const [secretTemplate] = loadManifests(`${K8S}/secret.template.yaml`)

function containerPort (port: string | number): number | undefined {
  if (typeof port === 'number') return port
  return container?.ports?.find((p: any) => p.name === port)?.containerPort
}

test('k8s: every manifest parses and names its kind', async (t) => {
  const files = yamlFilesUnder(K8S)
  t.ok(files.length >= 6)
  for (const file of files) {
    for (const doc of loadManifests(file)) t.ok(doc.kind && doc.apiVersion, `${file}: ${doc.kind}`)
  }
  for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
    t.equal(byKind(kind).length, 1, `the base has one ${kind}`)
  }
  t.ok(base.doc.configMapGenerator?.length, 'non-secret settings come from a ConfigMap')
})

test('k8s: probes and ports agree with the image', async (t) => {
  t.equal(containerPort('http'), PORT, 'containerPort is the image\'s port')
  t.equal(containerPort('metrics'), METRICS_PORT, 'container port `metrics` is the image\'s metrics port')
  const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]))
  t.equal(Number(env.PORT ?? imageEnv.PORT), PORT, 'PORT')
  t.equal(env.HOST ?? imageEnv.HOST, '0.0.0.0', 'HOST')
  t.equal(env.NODE_ENV ?? imageEnv.NODE_ENV, 'production', 'NODE_ENV')
  const probe = (name: string) => container[name]?.httpGet
  t.equal(probe('livenessProbe')?.path, '/health/live')
  t.equal(probe('readinessProbe')?.path, '/health/ready')
  for (const name of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (container[name]) t.equal(containerPort(probe(name)?.port), PORT, `${name} asks the container port`)
  }
  t.equal(Number(env.METRICS_PORT ?? imageEnv.METRICS_PORT), METRICS_PORT, 'METRICS_PORT')
  const [service] = byKind('Service')
  t.ok(isSubset(service.spec.selector, podLabels), 'the Service selects the pods')
  for (const port of service.spec.ports) t.equal(containerPort(port.targetPort), PORT, 'the Service targets the API port')
  t.notOk(service.spec.ports.some((p: any) => containerPort(p.targetPort) === METRICS_PORT || p.port === METRICS_PORT), 'the Service does not expose the metrics port')
})

test('k8s: Prometheus scrapes each pod on its metrics port', async (t) => {
  const annotations = pod.metadata?.annotations ?? {}
  t.equal(annotations['prometheus.io/scrape'], 'true')
  t.equal(Number(annotations['prometheus.io/port']), METRICS_PORT, 'the metrics port, not the API\'s')
  t.equal(annotations['prometheus.io/path'], '/metrics')
})

test('k8s: every setting the service requires is provided, secrets through the Secret', async (t) => {
  const provided = new Set<string>()
  for (const e of container.env ?? []) provided.add(e.name)
  for (const from of container.envFrom ?? []) {
    const generated = base.doc.configMapGenerator.find((g: any) => g.name === from.configMapRef?.name)
    t.ok(generated, `envFrom ${from.configMapRef?.name} is generated by the base`)
    for (const key of Object.keys(base.config)) provided.add(key)
  }
  t.same(missingSettings(provided), [], 'every required setting')

  t.equal(secretTemplate.kind, 'Secret')
  const secretKeys = Object.keys(secretTemplate.stringData ?? {})
  for (const value of Object.values(secretTemplate.stringData ?? {})) t.match(value, /REPLACE_ME/, 'the template holds placeholders only')
  const volumes = pod.spec.volumes ?? []
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef
    if (ref) {
      t.equal(ref.name, secretTemplate.metadata.name, `${e.name} comes from the templated Secret`)
      t.ok(secretKeys.includes(ref.key), `${e.name}: the template has ${ref.key}`)
    }
    if (!e.name.endsWith('_FILE')) continue
    const mount = (container.volumeMounts ?? []).find((m: any) => e.value.startsWith(`${m.mountPath}/`))
    const volume = volumes.find((v: any) => v.name === mount?.name)
    t.equal(volume?.secret?.secretName, secretTemplate.metadata.name, `${e.name} is a file of the Secret`)
    const file = e.value.slice(mount.mountPath.length + 1)
    const item = (volume?.secret?.items ?? [{ key: file, path: file }]).find((i: any) => i.path === file)
    t.ok(item && secretKeys.includes(item.key), `${e.name}: ${file} is a key of the template`)
    t.ok(mount.readOnly, 'mounted read-only')
  }
  for (const [name, value] of Object.entries(base.config)) {
    t.notMatch(name, /SECRET|ACCESS_KEY|DEVELOPER_KEY|PASSWORD|REDIS_URL/, `${name} is not a secret, so a ConfigMap may hold it`)
    if (name === 'EKO_AADHAAR_PUBLIC_KEY') t.ok(isRsaPublicKey(value), 'the public key is an RSA key, base64 DER')
  }
})

test('k8s: no secret reaches the process environment: every key of the Secret is a file (NAME_FILE)', async (t) => {
  const env = container.env ?? []
  t.same(env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.name), [], 'no env var takes a Secret by value')
  const names = env.map((e: any) => e.name)
  t.ok(names.includes('REDIS_URL_FILE') && !names.includes('REDIS_URL'), 'REDIS_URL, which may carry a password, as REDIS_URL_FILE')
  const files = env.filter((e: any) => e.name.endsWith('_FILE')).map((e: any) => e.value.split('/').at(-1))
  const [volume] = (pod.spec.volumes ?? []).filter((v: any) => v.secret?.secretName === secretTemplate.metadata.name)
  const mounted = (volume?.secret?.items ?? []).map((i: any) => i.key)
  for (const key of Object.keys(secretTemplate.stringData ?? {})) {
    t.ok(mounted.includes(key) && files.includes(key), `${key}: mounted as a file and named by a _FILE variable`)
  }
})

test('k8s: the pod is locked down', async (t) => {
  const podSecurity = pod.spec.securityContext ?? {}
  const security = container.securityContext ?? {}
  const effective = (key: string) => security[key] ?? podSecurity[key]
  t.equal(effective('runAsNonRoot'), true, 'runAsNonRoot')
  t.not(effective('runAsUser'), 0, 'not uid 0')
  t.equal(security.readOnlyRootFilesystem, true, 'readOnlyRootFilesystem')
  t.equal(security.allowPrivilegeEscalation, false, 'allowPrivilegeEscalation false')
  t.same(security.capabilities?.drop, ['ALL'], 'drops every capability')
  t.equal(effective('seccompProfile')?.type, 'RuntimeDefault', 'seccomp RuntimeDefault')
  t.equal(pod.spec.automountServiceAccountToken, false, 'no API token in the pod')
  const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0
  const shutdown = Number(base.config.SHUTDOWN_TIMEOUT_MS ?? 15_000) / 1000
  t.ok(preStop > 0, 'preStop waits for endpoints to drain')
  t.ok(pod.spec.terminationGracePeriodSeconds > preStop + shutdown,
    `the grace period outlasts preStop (${preStop} s) and the service's shutdown (${shutdown} s)`)
  for (const kind of ['requests', 'limits']) {
    t.ok(container.resources?.[kind]?.cpu && container.resources?.[kind]?.memory, `cpu and memory ${kind}`)
  }
  const spread = pod.spec.topologySpreadConstraints ?? []
  t.ok(spread.length > 0, 'replicas are spread')
  for (const c of spread) t.ok(isSubset(c.labelSelector?.matchLabels, podLabels), `spread over ${c.topologyKey} counts these pods`)
})

/** `--max-old-space-size=128 --max-semi-space-size=8` → MiB; undefined when a flag is missing. */
function v8Flags (nodeOptions: string | undefined): { oldSpace: number, semiSpace: number } | undefined {
  const flag = (name: string) => Number(new RegExp(`--${name}=(\\d+)`).exec(nodeOptions ?? '')?.[1] ?? NaN)
  const oldSpace = flag('max-old-space-size')
  const semiSpace = flag('max-semi-space-size')
  return Number.isNaN(oldSpace) || Number.isNaN(semiSpace) ? undefined : { oldSpace, semiSpace }
}

function mebibytes (quantity: string | undefined): number {
  const [, n = 'NaN', unit = ''] = /^(\d+)(Mi|Gi)?$/.exec(String(quantity)) ?? []
  return Number(n) * (unit === 'Gi' ? 1024 : unit === 'Mi' ? 1 : 1 / 1048576)
}

// Beside V8's heap the process holds code, buffers, TLS and the TypeScript stripper: RSS minus the
// heap measured about 95 MiB under `npm run bench`.
const NATIVE_MIB = 96
// The limit must stay this far above the peak RSS the benchmark last measured.
const HEADROOM = 1.25

test('memory: the image bounds V8\'s heap, and the pod\'s limit holds that heap and the measured peak with headroom', async (t) => {
  const image = v8Flags(imageEnv.NODE_OPTIONS)
  t.ok(image, `the image sets --max-old-space-size and --max-semi-space-size (NODE_OPTIONS=${imageEnv.NODE_OPTIONS})`)
  const env = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]))
  t.equal(env.NODE_OPTIONS ?? imageEnv.NODE_OPTIONS, imageEnv.NODE_OPTIONS, 'the Deployment runs with the image\'s V8 flags')
  if (image === undefined) return
  // V8's young generation is three semi-spaces (two halves and the large-object space).
  const heapBound = image.oldSpace + 3 * image.semiSpace
  const limit = mebibytes(container.resources?.limits?.memory)
  t.ok(limit >= heapBound + NATIVE_MIB, `limit ${limit} MiB ≥ heap bound ${heapBound} MiB + ${NATIVE_MIB} MiB native`)
  t.ok(mebibytes(container.resources?.requests?.memory) <= limit, 'the request is within the limit')
  const peak = Number(/peak RSS[^*\n]*\*\*(\d+) MiB\*\*/.exec(readRepoFile('README.md'))?.[1] ?? NaN)
  t.ok(peak > 0, 'the README states the peak RSS the benchmark measured')
  t.ok(limit >= peak * HEADROOM, `limit ${limit} MiB ≥ ${HEADROOM} × the measured peak (${peak} MiB)`)
  t.ok(peak < heapBound + NATIVE_MIB, 'the measured peak is within what the flags allow')
})

test('k8s: the autoscaler and the disruption budget select the Deployment', async (t) => {
  const [hpa] = byKind('HorizontalPodAutoscaler')
  t.equal(hpa.apiVersion, 'autoscaling/v2')
  t.same(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name })
  t.ok(hpa.spec.minReplicas >= 2, 'at least two replicas')
  t.ok(hpa.spec.metrics.some((m: any) => m.resource?.name === 'cpu'), 'scales on CPU')
  t.notOk('replicas' in deployment.spec, 'the HPA alone sets the replica count')
  t.ok(isSubset(deployment.spec.selector.matchLabels, podLabels), 'the Deployment selects its pods')
  const [pdb] = byKind('PodDisruptionBudget')
  t.ok(isSubset(pdb.spec.selector.matchLabels, podLabels), 'the PDB selects the pods')
})

test('k8s overlays: UAT and production point at their Eko', async (t) => {
  const expected: Record<string, { url: string, key: string }> = {
    uat: { url: 'https://staging.eko.in/ekoapi/v3', key: EKO_KEYS.B.sha256 },
    production: { url: 'https://api.eko.in/ekoicici/v3', key: EKO_KEYS.A.sha256 }
  }
  for (const [name, want] of Object.entries(expected)) {
    const overlay = kustomization(`${K8S}/overlays/${name}`)
    t.ok(overlay.doc.resources.includes('../../base'), `${name} builds on the base`)
    t.ok(overlay.doc.namespace, `${name} has its namespace`)
    for (const g of overlay.doc.configMapGenerator ?? []) t.equal(g.behavior, 'merge', `${name} merges into the base ConfigMap`)
    const config = { ...base.config, ...overlay.config }
    t.equal(config.EKO_BASE_URL, want.url, `${name}: EKO_BASE_URL`)
    t.notOk('ALLOW_INSECURE_HTTP' in config, `${name}: no plain http:// allowed`)
    const podEnv = Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value]))
    t.same(startProblems({ ...imageEnv, ...config, ...podEnv }), [], `${name}: the service accepts these settings`)
    t.ok(isRsaPublicKey(config.EKO_AADHAAR_PUBLIC_KEY ?? ''), `${name}: an RSA public key`)
    t.equal(fingerprint(config.EKO_AADHAAR_PUBLIC_KEY), want.key, `${name}: Eko's key for the environment (docs/eko.md §4)`)
  }
})
