// Mints a caller token for a stack you run yourself (docker-compose, a staging box), signed with
// its AUTH_JWT_SECRET: `AUTH_JWT_SECRET=… npm run token -- --agent 20810200` or `-- --ops`.
// Production tokens come from your identity provider, not from this script.
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { mintToken } from '../src/dev/tokens.ts'

const { values } = parseArgs({
  options: {
    agent: { type: 'string' },
    ops: { type: 'boolean', default: false },
    ttl: { type: 'string', default: '1h' },
    claim: { type: 'string', default: process.env.AUTH_AGENT_CLAIM ?? 'user_code' },
    role: { type: 'string', default: process.env.AUTH_OPS_ROLE ?? 'ops' }
  }
})
const file = process.env.AUTH_JWT_SECRET_FILE
const secret = process.env.AUTH_JWT_SECRET ?? (file === undefined ? undefined : readFileSync(file, 'utf8').trim())
if (secret === undefined || secret.length < 32) {
  process.stderr.write('token: set AUTH_JWT_SECRET (or AUTH_JWT_SECRET_FILE) to the service\'s secret, at least 32 bytes\n')
  process.exit(1)
}
if (values.agent === undefined && !values.ops) {
  process.stderr.write('token: pass --agent <8-digit user code> or --ops\n')
  process.exit(1)
}
const token = await mintToken(secret, {
  sub: values.ops ? 'ops-cli' : `agent-${values.agent}`,
  ...(values.agent === undefined ? {} : { userCode: values.agent }),
  ...(values.ops ? { roles: [values.role] } : {})
}, { ttl: values.ttl, agentClaim: values.claim })
process.stdout.write(token + '\n')
