import type { IncomingMessage } from 'node:http'
import { parseObject, readBody } from './body.ts'
import { parseFault } from './fault-schema.ts'
import type { FaultSwitch } from './fault-switch.ts'
import { jsonReply, type Reply } from './replies.ts'
import type { SimulatorCall } from './types.ts'

/*
 * The test tool's HTTP face, for a simulator in another process (docker-compose, a soak test).
 * It lives outside /ekoapi so it can never be mistaken for Eko's API.
 */
export const CONTROL_PREFIX = '/__simulator/'

export interface ControlState {
  faults: FaultSwitch
  calls: SimulatorCall[]
  clockOffset (): number
  setClockOffset (ms: number): void
}

const noContent: Reply = { status: 204, headers: {}, body: Buffer.alloc(0) }

async function jsonBody (req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const raw = await readBody(req)
  return raw === 'too-large' ? undefined : parseObject(raw)
}

type Handler = (req: IncomingMessage, state: ControlState) => Reply | Promise<Reply>

const routes: Record<string, Record<string, Handler>> = {
  '/health': { GET: () => jsonReply(200, { status: 'ok' }) },
  '/__simulator/fault': {
    GET: (_req, s) => jsonReply(200, s.faults.get() ?? { fault: null }),
    PUT: async (req, s) => {
      const parsed = parseFault(await jsonBody(req))
      if ('errors' in parsed) return jsonReply(400, { message: 'invalid fault', errors: parsed.errors })
      s.faults.set(parsed.fault)
      return jsonReply(200, s.faults.get())
    },
    DELETE: (_req, s) => { s.faults.set(undefined); return noContent }
  },
  '/__simulator/clock': {
    GET: (_req, s) => jsonReply(200, { offsetMs: s.clockOffset(), now: new Date(Date.now() + s.clockOffset()).toISOString() }),
    PUT: async (req, s) => {
      const offsetMs = (await jsonBody(req))?.offsetMs
      if (typeof offsetMs !== 'number' || !Number.isSafeInteger(offsetMs)) {
        return jsonReply(400, { message: 'body must be {"offsetMs": <integer>}' })
      }
      s.setClockOffset(offsetMs)
      return jsonReply(200, { offsetMs })
    }
  },
  '/__simulator/calls': {
    GET: (_req, s) => jsonReply(200, { count: s.calls.length, calls: s.calls }),
    DELETE: (_req, s) => { s.calls.length = 0; return noContent }
  }
}

/** The control API's reply, or undefined when the path is not one of its routes. */
export async function handleControl (req: IncomingMessage, path: string, state: ControlState): Promise<Reply | undefined> {
  if (!Object.hasOwn(routes, path)) {
    return path.startsWith(CONTROL_PREFIX) ? jsonReply(404, { message: 'no such control route' }) : undefined
  }
  const route = routes[path] as Record<string, Handler>
  const handler = Object.hasOwn(route, req.method ?? '') ? route[req.method ?? ''] : undefined
  if (handler === undefined) {
    const reply = jsonReply(405, { message: `use ${Object.keys(route).join(', ')}` })
    reply.headers.allow = Object.keys(route).join(', ')
    return reply
  }
  return handler(req, state)
}
