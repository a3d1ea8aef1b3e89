import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import type { Test } from 'tap'

/** CI (`.ci/run` sets CI=true) installs every tool the tests use, so there a missing one fails. */
export const IN_CI = process.env.CI === 'true'

/** The executable `name` in the first PATH directory that has it, as the shell's `command -v` finds it. */
export function onPath (name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

export interface Tool {
  name: string
  /** Where it is; undefined when it is not on PATH. */
  path: string | undefined
  /**
   * tap's `skip` for exactly the tests that need the tool: outside CI, when it is missing, the one
   * line saying what to install. Always false in CI, so the tests run and `requireTool` fails them.
   */
  skip: string | false
}

function tool (name: string, install: string): Tool {
  const path = onPath(name)
  return { name, path, skip: path === undefined && !IN_CI ? `needs ${name}, not found on PATH: ${install}` : false }
}

export const chromium = tool('chromium', 'apt-get install chromium')
export const redisServer = tool('redis-server', 'apt-get install redis-server')

/** The tool's path, or a failure naming it (CI only: elsewhere the test was skipped). */
export function requireTool (t: Test, tool: Tool): string | undefined {
  if (tool.path === undefined) t.fail(`${tool.name} is not on PATH: CI must install it (see .ci/run)`)
  return tool.path
}
