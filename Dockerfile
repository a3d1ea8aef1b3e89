# syntax=docker/dockerfile:1
#
# eko-ekyc-bff: one image for the service (the default command) and for the Eko simulator
# (`node src/simulator/main.ts`, used by docker-compose.yml). See docs/deploy.md.
#
# Base image: the official Node.js image, Debian slim variant, pinned by version tag.
# - Official and slim rather than distroless: the same image serves both stages, so the build
#   stage has the npm that matches its Node; slim keeps glibc and a shell for `docker exec`
#   debugging, while the runtime stage below deletes npm, npx, corepack and yarn so no package
#   manager ships. Distroless (gcr.io/distroless/nodejs24-debian12) would be smaller but is not
#   the official image and has no shell, which makes the compose demo harder to poke at.
# - Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
# - For reproducible production builds pin the digest as well, e.g.
#   `FROM node:24.21.0-trixie-slim@sha256:<digest>` (`docker buildx imagetools inspect
#   node:24.21.0-trixie-slim` prints it), and let Renovate or Dependabot bump both together.
ARG NODE_IMAGE=node:24.21.0-trixie-slim

# --- deps: production dependencies only -----------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev: the devDependency `node` (a Node 24 binary for machines whose own Node is older),
# the linters, TypeScript and tap stay out. --ignore-scripts: no production dependency has an
# install script (only the dev-only `node` package does), so nothing is lost and nothing runs.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime ---------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# No package manager in the final image: nothing installs at run time, and npm's own bundled
# dependencies are the most frequent finding of image scanners.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*

# V8's heap bounded for the 256 MiB pod (deploy/k8s): at most 128 MiB of old space and 3 × 8 MiB
# of young generation (152 MiB in all); the rest of the limit is code, buffers and native memory.
# Unbounded, V8 sizes its heap from the host's memory and lets it grow lazily, and RSS passed
# 350 MiB under `npm run bench`; with these flags it peaked near 180 MiB (README, "Benchmark").
# An explicit semi-space: a small old space alone would also shrink the young generation, and
# constant scavenges cost latency (docs/resilience.md §8). 16 MiB would promote fewer short-lived
# request objects but costs 16 MiB more RSS, which this limit cannot spare.
#
# NODE_COMPILE_CACHE: Node's on-disk cache of type-stripped sources and compiled code, filled at
# build time below (relative to WORKDIR, so /app/.compile-cache). A start then costs about a
# third less CPU, and 18 MiB less memory: the TypeScript stripper is never loaded.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    METRICS_PORT=9464 \
    NODE_OPTIONS="--max-old-space-size=128 --max-semi-space-size=8" \
    NODE_COMPILE_CACHE=.compile-cache
WORKDIR /app

# Files stay owned by root and read-only to the process: the service writes nothing to disk,
# so the container runs with a read-only root filesystem (compose `read_only`, Kubernetes
# `readOnlyRootFilesystem`). Secrets are never copied in: they arrive as environment variables
# or as `NAME_FILE` paths mounted at run time (.dockerignore keeps .env and keys out of the
# build context as a second line of defence).
COPY --from=deps /app/node_modules ./node_modules
COPY package.json package-lock.json ./
COPY src ./src
COPY openapi ./openapi

# The compile cache is kept per user id, so it is filled as the user the service runs as; then it
# becomes root's and read-only like the rest (at run time Node reads it and, on a read-only
# filesystem, writes nothing). It is filled by one whole start, in development mode against the
# built-in simulator (no settings needed, and the simulator's modules are cached too), stopped
# once ready: importing the modules alone left out src/server.ts, so every start loaded the
# TypeScript stripper for it, and cached only the functions that run on import, not those of
# building the app (about 90 ms more from start to ready, median of 10 starts here).
RUN mkdir .compile-cache && chown 1000:1000 .compile-cache
USER 1000:1000
RUN node --input-type=module -e "\
    import { spawn } from 'node:child_process'; \
    const env = { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: '3000', METRICS_PORT: '0' }; \
    const server = spawn(process.execPath, ['src/server.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] }); \
    const exited = new Promise((resolve) => server.on('exit', resolve)); \
    let ready = false; \
    for (let i = 0; i < 300 && !ready && server.exitCode === null; i++) { \
      ready = await fetch('http://127.0.0.1:3000/health/ready').then((r) => r.ok, () => false); \
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 100)); \
    } \
    server.kill('SIGTERM'); \
    if ((await exited) !== 0 || !ready) process.exit(1)"
USER root
RUN chown -R root:root .compile-cache

# The official image's `node` user, given by number so that Kubernetes' runAsNonRoot can
# verify it without reading /etc/passwd.
USER 1000:1000
# The API, and Prometheus' GET /metrics on a listener of its own: publish only the first.
EXPOSE 3000 9464

# Readiness, not liveness: the service answers 503 while its shared store (Redis) is down or
# while it drains on SIGTERM. Node's own fetch, so the image needs neither curl nor wget.
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

# Exec form: node is PID 1 and receives SIGTERM itself, and shuts down gracefully within
# about 10 s (orchestrators must allow longer: compose stop_grace_period, Kubernetes
# terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
CMD ["node", "src/server.ts"]
