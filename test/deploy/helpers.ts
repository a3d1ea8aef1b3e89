/**
 * Readers for the deployment files, shared by the static checks and the container smoke test:
 * a small Dockerfile parser (instructions per stage), .dockerignore matching, YAML loading
 * with Kubernetes' and Compose's conventions.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, matchesGlob, posix, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMap, isScalar, isSeq, parse, parseAllDocuments, parseDocument } from 'yaml'
import type { Node as YamlNode } from 'yaml'

export const root = fileURLToPath(new URL('../../', import.meta.url))

export function readRepoFile (path: string): string {
  return readFileSync(join(root, path), 'utf8')
}

// --- Dockerfile -----------------------------------------------------------------------------

export interface Instruction {
  keyword: string
  /** `--name=value` options before the arguments (`--from=deps`, `--interval=10s`). */
  flags: Record<string, string>
  /** The arguments after the flags, as written. */
  args: string
  /** The arguments when written in JSON (exec) form. */
  json?: string[]
}

export interface Stage {
  /** The image, with global ARG defaults substituted. */
  from: string
  name?: string
  instructions: Instruction[]
}

/** Physical lines joined at trailing backslashes; comments and blank lines dropped. */
function logicalLines (text: string): string[] {
  const lines: string[] = []
  let current = ''
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*#/.test(raw) || (raw.trim() === '' && current === '')) continue
    const continued = /\\\s*$/.test(raw)
    current += (current ? ' ' : '') + raw.replace(/\\\s*$/, '').trim()
    if (!continued) {
      if (current.trim()) lines.push(current.trim())
      current = ''
    }
  }
  if (current.trim()) lines.push(current.trim())
  return lines
}

/** Splits `a "b c" d='e f'` at unquoted whitespace, removing the quotes. */
export function shellWords (text: string): string[] {
  const words: string[] = []
  let word = ''
  let quote = ''
  let inWord = false
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = ''
      else word += ch
    } else if (ch === '"' || ch === "'") {
      quote = ch
      inWord = true
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
    } else {
      word += ch
      inWord = true
    }
  }
  if (inWord) words.push(word)
  return words
}

function parseInstruction (line: string): Instruction {
  const [, keyword = '', after = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? []
  const flags: Record<string, string> = {}
  let rest = after
  for (let m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest); m; m = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)) {
    flags[m[1] as string] = m[2] ?? 'true'
    rest = rest.slice(m[0].length)
  }
  const instruction: Instruction = { keyword: keyword.toUpperCase(), flags, args: rest }
  if (rest.startsWith('[')) {
    try {
      instruction.json = JSON.parse(rest)
    } catch {}
  }
  return instruction
}

export function parseDockerfile (text: string): Stage[] {
  const globalArgs: Record<string, string> = {}
  const stages: Stage[] = []
  for (const line of logicalLines(text)) {
    const instruction = parseInstruction(line)
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/)
      const from = image.replace(/\$\{?(\w+)\}?/g, (_, arg: string) => globalArgs[arg] ?? '')
      stages.push({ from, ...(as?.toUpperCase() === 'AS' && name ? { name } : {}), instructions: [] })
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [key = '', value = ''] = instruction.args.split('=', 2)
        globalArgs[key.trim()] = value.trim()
      }
    } else {
      stages.at(-1)?.instructions.push(instruction)
    }
  }
  return stages
}

/** ENV instructions of a stage as a map (both `ENV A=b C=d` and the legacy `ENV A b`). */
export function stageEnv (stage: Stage): Record<string, string> {
  const env: Record<string, string> = {}
  for (const { keyword, args } of stage.instructions) {
    if (keyword !== 'ENV') continue
    const words = shellWords(args)
    if (words[0] && !words[0].includes('=')) {
      env[words[0]] = args.slice(args.indexOf(words[0]) + words[0].length).trim()
      continue
    }
    for (const word of words) {
      const eq = word.indexOf('=')
      env[word.slice(0, eq)] = word.slice(eq + 1)
    }
  }
  return env
}

export function instructions (stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword)
}

// --- .dockerignore --------------------------------------------------------------------------

export interface IgnoreRule { pattern: string, negate: boolean }

export function parseDockerignore (text: string): IgnoreRule[] {
  return text.split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!')
      const pattern = posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '')
      return { pattern, negate }
    })
}

/**
 * Whether Docker leaves `path` (relative to the context, with `/`) out of the build context:
 * the last rule matching the path or one of its parent folders decides.
 */
export function isIgnored (rules: IgnoreRule[], path: string): boolean {
  const parts = path.split('/')
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'))
  let ignored = false
  for (const { pattern, negate } of rules) {
    if (candidates.some((candidate) => matchesGlob(candidate, pattern))) ignored = !negate
  }
  return ignored
}

// --- YAML -----------------------------------------------------------------------------------

/**
 * Every document of a Kubernetes manifest. Kubernetes reads YAML 1.1 (`0440` is octal there)
 * and so does this.
 */
export function loadManifests (path: string): any[] {
  return parseAllDocuments(readRepoFile(path), { version: '1.1' })
    .map((doc) => {
      if (doc.errors.length) throw new Error(`${path}: ${doc.errors[0]?.message}`)
      return doc.toJS()
    })
    .filter((doc) => doc != null)
}

/** A Compose file, with anchors, aliases and `<<` merge keys resolved. */
export function loadCompose (path: string): any {
  return parse(readRepoFile(path), { merge: true })
}

const RESET = Symbol('!reset')
const OVERRIDE = Symbol('!override')

function withComposeTags (node: YamlNode | null | undefined, readTag = true): unknown {
  if (node == null) return null
  if (readTag && node.tag === '!reset') return { [RESET]: true }
  if (readTag && node.tag === '!override') return { [OVERRIDE]: withComposeTags(node, false) }
  if (isMap(node)) {
    return Object.fromEntries(node.items.map((pair) =>
      [String(isScalar(pair.key) ? pair.key.value : pair.key), withComposeTags(pair.value as YamlNode)]))
  }
  if (isSeq(node)) return node.items.map((item) => withComposeTags(item as YamlNode))
  if (isScalar(node)) return node.value
  throw new Error('unexpected YAML node (aliases are not supported in override files)')
}

function mergeCompose (base: any, override: any): any {
  if (isPlainObject(override) && RESET in override) return undefined
  if (isPlainObject(override) && OVERRIDE in override) return override[OVERRIDE]
  if (!isPlainObject(base) || !isPlainObject(override)) return override
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(override)) {
    const next = mergeCompose(base[key], value)
    if (next === undefined) delete merged[key]
    else merged[key] = next
  }
  return merged
}

function isPlainObject (value: unknown): value is Record<string | symbol, any> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * `docker compose -f base -f override config`, as far as these files need: maps merge,
 * other values replace, `!reset` removes and `!override` replaces whole.
 */
export function loadComposeWithOverride (basePath: string, overridePath: string): any {
  const doc = parseDocument(readRepoFile(overridePath))
  if (doc.errors.length) throw new Error(`${overridePath}: ${doc.errors[0]?.message}`)
  return mergeCompose(loadCompose(basePath), withComposeTags(doc.contents as YamlNode))
}

/** Every `.yaml`/`.yml` file under a folder, relative to the repository root. */
export function yamlFilesUnder (dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .sort()
}
