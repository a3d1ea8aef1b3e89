import { test } from 'tap'
import Fastify from 'fastify'
import problemPlugin from '../../src/plugins/problem.ts'
import { problem, PROBLEM_DETAIL_MAX } from '../../src/errors.ts'
import { Problem } from '../../src/problem-schema.ts'

test('a detail longer than the Problem schema\'s maxLength is cut to it, so the document\'s bound holds', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(problemPlugin)
  app.get('/long', async () => { throw problem('EKYC_REJECTED', 'Eko said: ' + 'why '.repeat(2000)) })
  const res = await app.inject('/long')
  t.equal(res.statusCode, 422)
  const body = res.json()
  t.equal((Problem.properties.detail as { maxLength?: number }).maxLength, PROBLEM_DETAIL_MAX, 'the schema declares the bound')
  t.equal(body.detail.length, PROBLEM_DETAIL_MAX, `detail is ${PROBLEM_DETAIL_MAX} characters`)
  t.match(body.detail, /^Eko said: why /, 'its beginning kept')
})
