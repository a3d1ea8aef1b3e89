// `npm run openapi`: regenerate openapi/openapi.json from the routes' schemas. Commit the result;
// test/openapi/document.test.ts fails when the file and the code disagree.
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { generateOpenapi, OPENAPI_FILE } from '../src/openapi.ts'

await mkdir(new URL('.', OPENAPI_FILE), { recursive: true })
await writeFile(OPENAPI_FILE, await generateOpenapi())
process.stdout.write(`wrote ${fileURLToPath(OPENAPI_FILE)}\n`)
