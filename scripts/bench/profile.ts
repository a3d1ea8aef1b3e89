/**
 * Reads a V8 `.cpuprofile` (from `node --cpu-prof`) and tells where the time went: self time by
 * function and by package or source file, as shares of the busy time (idle excluded).
 *
 *   node scripts/bench/profile.ts file.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
}
interface Profile { nodes: ProfileNode[], samples: number[], timeDeltas: number[] }

/** `.../node_modules/@fastify/helmet/index.js` → `@fastify/helmet`; `.../src/plugins/auth.ts` → `src/plugins/auth.ts`. */
function owner (url: string): string {
  if (url === '') return '(native / V8)'
  const modules = url.lastIndexOf('/node_modules/')
  if (modules !== -1) {
    const parts = url.slice(modules + 14).split('/')
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!
  }
  if (url.startsWith('node:')) return url
  const src = url.search(/\/(src|scripts)\//)
  return src === -1 ? url : url.slice(src + 1)
}

export function summariseProfile (file: string, top = 25): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(profile.nodes.map(n => [n.id, n]))
  const self = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0))
  }
  const byFunction = new Map<string, number>()
  const byOwner = new Map<string, number>()
  let busy = 0
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame
    if (functionName === '(idle)') continue
    busy += us
    const where = owner(url)
    const name = `${functionName || '(anonymous)'} ${where}${url === '' ? '' : `:${lineNumber + 1}`}`
    byFunction.set(name, (byFunction.get(name) ?? 0) + us)
    byOwner.set(where, (byOwner.get(where) ?? 0) + us)
  }
  const rows = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([name, us]) => `  ${(us / busy * 100).toFixed(1).padStart(5)} %  ${name}`)
  return [
    `busy ${(busy / 1e6).toFixed(1)} s of samples; self time by function:`, ...rows(byFunction),
    'self time by package or file:', ...rows(byOwner)
  ]
}

if (import.meta.main) {
  const [file, top] = process.argv.slice(2)
  if (file === undefined) throw new Error('usage: node scripts/bench/profile.ts file.cpuprofile [top]')
  process.stdout.write(summariseProfile(file, top === undefined ? 25 : Number(top)).join('\n') + '\n')
}
