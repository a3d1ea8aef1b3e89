import { spawn, type ChildProcess } from 'node:child_process'
import { freePort } from './net.ts'
import { redisServer, requireTool } from './tools.ts'
import { setTimeout as sleep } from 'node:timers/promises'
import { Redis } from 'ioredis'
import type { Test } from 'tap'

/**
 * Whether the Redis-backed tests of this file can run. When redis-server is missing they are
 * replaced by one test that is skipped with the line saying what to install, or, in CI, fails.
 */
export function redisAvailable (t: Test): boolean {
  if (redisServer.path !== undefined) return true
  t.test('the tests that need a real redis-server', { skip: redisServer.skip }, async (t) => { requireTool(t, redisServer) })
  return false
}

export interface StoredKey {
  key: string
  type: string
  ttlMs: number
  /** The value as text, whatever the type (hash fields and values, list items, set members). */
  value: string
}

export interface RedisServer {
  url: string
  port: number
  /** (Re)starts on the same port with nothing stored; resolves once it answers PING. */
  start (): Promise<void>
  /** SIGKILL, as a crash: no goodbye to clients. */
  kill (): Promise<void>
  /** SIGSTOP / SIGCONT: connections stay open but nothing answers. */
  pause (): void
  resume (): void
  /** Every key, by SCAN, with its type, TTL and value. */
  dump (): Promise<StoredKey[]>
}

/** A real redis-server on a free loopback port, no persistence; stopped when the test ends. */
export async function startRedis (t: Test): Promise<RedisServer> {
  const binary = redisServer.path
  if (binary === undefined) throw new Error('redis-server not found on PATH')
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let child: ChildProcess | undefined

  async function exited (proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode !== null) return
    await new Promise(resolve => proc.once('exit', resolve))
  }

  async function start (): Promise<void> {
    child = spawn(binary!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: 'ignore' })
    const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => {})
    try {
      for (let i = 0; i < 100; i++) {
        try {
          await probe.connect()
          if (await probe.ping() === 'PONG') return
        } catch {
          probe.disconnect()
          await sleep(50)
        }
      }
      throw new Error(`redis-server did not answer on port ${port}`)
    } finally {
      probe.disconnect()
    }
  }

  async function kill (): Promise<void> {
    if (child === undefined) return
    const proc = child
    child = undefined
    proc.kill('SIGCONT')
    proc.kill('SIGKILL')
    await exited(proc)
  }

  async function dump (): Promise<StoredKey[]> {
    const client = new Redis(url, { maxRetriesPerRequest: 1 })
    try {
      const keys: string[] = []
      let cursor = '0'
      do {
        const [next, batch] = await client.scan(cursor, 'COUNT', 1000)
        cursor = next
        keys.push(...batch)
      } while (cursor !== '0')
      const out: StoredKey[] = []
      for (const key of keys) {
        const type = await client.type(key)
        const ttlMs = await client.pttl(key)
        let value: string
        if (type === 'string') value = await client.get(key) ?? ''
        else if (type === 'hash') value = JSON.stringify(await client.hgetall(key))
        else if (type === 'list') value = JSON.stringify(await client.lrange(key, 0, -1))
        else if (type === 'set') value = JSON.stringify(await client.smembers(key))
        else if (type === 'zset') value = JSON.stringify(await client.zrange(key, 0, -1, 'WITHSCORES'))
        else value = `<${type}>`
        out.push({ key, type, ttlMs, value })
      }
      return out
    } finally {
      client.disconnect()
    }
  }

  await start()
  t.teardown(kill)
  return {
    url,
    port,
    start,
    kill,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    dump
  }
}
