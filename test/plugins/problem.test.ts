import { test } from 'tap'
import Fastify from 'fastify'
import { pino } from 'pino'
import { captureLogs } from '../helpers/leaks.ts'
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

test('a 4xx error of Fastify\'s or a plugin\'s that has no code of ours is a VALIDATION_FAILED problem, not a 500', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(problemPlugin)
  app.get('/teapot', async () => { throw Object.assign(new Error('short and stout'), { statusCode: 418 }) })
  const res = await app.inject('/teapot')
  t.equal(res.statusCode, 400)
  t.match(res.json(), { code: 'VALIDATION_FAILED', detail: 'the request is not valid' })
  t.notMatch(res.body, /short and stout/, 'the error\'s own words are not passed on')
})

test('an unexpected error is a 500 INTERNAL_ERROR that says nothing; the log has the error under the requestId', async (t) => {
  const logs = captureLogs()
  const app = Fastify({ loggerInstance: pino(logs.stream) })
  t.teardown(() => app.close())
  await app.register(problemPlugin)
  app.get('/bug', async () => { throw new TypeError('cannot read properties of undefined (reading \'secretThing\')') })
  const res = await app.inject('/bug')
  t.equal(res.statusCode, 500)
  const body = res.json()
  t.match(body, { code: 'INTERNAL_ERROR', status: 500, detail: 'an unexpected error occurred; quote the requestId to support' })
  t.notMatch(res.body, /secretThing|TypeError/, 'nothing of the error reaches the caller')
  const logged = logs.records().find(r => r.msg === 'unhandled error')
  t.match(logged, { level: 50, reqId: body.requestId, err: { type: 'TypeError', stack: /secretThing/ } }, 'the log has it, stack and all, under the requestId')
})
