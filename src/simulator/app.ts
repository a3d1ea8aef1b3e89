import { randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { API_PREFIX, handleApi, type Outcome } from './api.ts'
import { handleControl } from './control.ts'
import { loadKeys } from './crypto.ts'
import { deliver, faultReply } from './deliver.ts'
import { createFaultSwitch } from './fault-switch.ts'
import { createJourneys } from './journeys.ts'
import { htmlReply } from './replies.ts'
import type { Simulator, SimulatorCall, SimulatorOptions } from './types.ts'

export const UAT_INITIATOR_ID = '9962981729'
/** The one OTP the simulator accepts unless told otherwise (SIMULATOR_OTP). */
export const SIMULATOR_OTP = '123456'

/** Starts a simulated Eko on its own HTTP server; resolves once it listens. */
export async function startSimulator (opts: SimulatorOptions = {}): Promise<Simulator> {
  const { privateKey, publicKeyDer } = await loadKeys(opts.privateKeyPem)
  const developerKey = opts.developerKey ?? randomBytes(16).toString('hex')
  const accessKey = opts.accessKey ?? randomUUID()
  const initiatorId = opts.initiatorId ?? UAT_INITIATOR_ID
  const timestampToleranceMs = opts.timestampToleranceMs ?? 30_000
  let clockOffsetMs = opts.clockOffsetMs ?? 0
  const now = () => Date.now() + clockOffsetMs
  const date = () => new Date(now()).toUTCString()
  const faults = createFaultSwitch()
  const calls: SimulatorCall[] = []
  const otp = opts.otp ?? SIMULATOR_OTP
  const journeys = createJourneys({ otp, ttlMs: opts.otpTtlMs ?? 600_000 })
  const ctx = { developerKey, accessKey, timestampToleranceMs, initiatorId, privateKey, now, journeys }
  const control = { faults, calls, clockOffset: () => clockOffsetMs, setClockOffset: (ms: number) => { clockOffsetMs = ms } }

  async function onApi (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const at = Date.now()
    // Taken on arrival, so `times` counts requests even when the checks refuse them.
    const globalFault = faults.take()
    const outcome: Outcome = await handleApi(req, path, ctx)
    const fault = globalFault ?? outcome.fault
    const reply = faultReply(outcome.reply, fault)
    const call: SimulatorCall = { at, method: req.method ?? '', path, httpStatus: reply.status }
    for (const key of ['variant', 'operation', 'userCode', 'clientRefId', 'aadhaarLast4', 'refusedBy'] as const) {
      if (outcome[key] !== undefined) Object.assign(call, { [key]: outcome[key] })
    }
    if (reply.ekoStatus !== undefined) call.ekoStatus = reply.ekoStatus
    if (fault !== undefined) call.fault = fault.kind
    calls.push(call)
    // Only what a log may hold: no Aadhaar, key or signature ever reaches an Outcome.
    opts.logger?.info({ simulator: call }, 'eko simulator call')
    deliver(res, reply, fault, date)
  }

  async function onRequest (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    if (path.startsWith(API_PREFIX + '/') || path === API_PREFIX) return onApi(req, res, path)
    const reply = await handleControl(req, path, control) ?? htmlReply(404)
    deliver(res, reply, undefined, date)
  }

  const sockets = new Set<Socket>()
  const server = createServer((req, res) => {
    onRequest(req, res).catch(() => { if (!res.headersSent) deliver(res, htmlReply(500), undefined, date); else res.destroy() })
  })
  server.on('connection', socket => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => { server.off('error', reject); resolve() })
  })
  const { address, family, port } = server.address() as AddressInfo
  // A wildcard bind is reachable on loopback; print an address a client can actually use.
  const host = address === '0.0.0.0' ? '127.0.0.1' : address === '::' ? '::1' : address
  const origin = `http://${family === 'IPv6' ? `[${host}]` : host}:${port}`

  const baseUrl = origin + API_PREFIX
  return {
    baseUrl,
    origin,
    ekoSettings: {
      EKO_BASE_URL: baseUrl,
      EKO_DEVELOPER_KEY: developerKey,
      EKO_ACCESS_KEY: accessKey,
      EKO_INITIATOR_ID: initiatorId,
      EKO_AADHAAR_PUBLIC_KEY: publicKeyDer
    },
    developerKey,
    accessKey,
    initiatorId,
    publicKeyDer,
    otp,
    calls,
    setFault: fault => faults.set(fault),
    setClockOffset: ms => { clockOffsetMs = ms },
    reset () {
      calls.length = 0
      faults.set(undefined)
    },
    close () {
      return new Promise<void>(resolve => {
        server.close(() => resolve())
        for (const socket of sockets) socket.destroy()
      })
    }
  }
}
