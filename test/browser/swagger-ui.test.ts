import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'tap'
import { chromium } from 'playwright-core'
import { build } from '../helpers/build.ts'
import { assertNoLeaks } from '../helpers/leaks.ts'
import { testAadhaar } from '../helpers/aadhaar.ts'
import { chromium as chromiumTool, requireTool } from '../helpers/tools.ts'

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync']
const AGENT = '20810200'

// Debian's Chromium, found on PATH (CI installs it, see .ci/run): elsewhere these tests are
// skipped without it, in CI they fail.
test('Swagger UI: authorize with an ops token, send an OTP, verify it, read the journal', { skip: chromiumTool.skip }, async (t) => {
  const executablePath = requireTool(t, chromiumTool)
  if (executablePath === undefined) return
  const s = await build(t)
  const aadhaar = testAadhaar()
  s.secrets.addAadhaar(aadhaar)

  // launchPersistentContext is how Playwright takes a user data dir: a fresh one per run.
  const dir = await mkdtemp(join(tmpdir(), 'swagger-ui-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath, headless: true, args: ARGS, viewport: { width: 1280, height: 1400 }
  })
  t.teardown(() => context.close())
  context.setDefaultTimeout(10_000)

  const page = context.pages()[0] ?? await context.newPage()
  const problems: string[] = []
  page.on('console', msg => { if (msg.type() === 'error' || /Content.Security.Policy|Refused to/i.test(msg.text())) problems.push(`console ${msg.type()}: ${msg.text()}`) })
  page.on('pageerror', err => problems.push(`page error: ${err.message}`))
  // Nothing may leave 127.0.0.1: no CDN, no validator.swagger.io.
  const outside: string[] = []
  page.on('request', req => { if (!new URL(req.url()).hostname.startsWith('127.')) outside.push(req.url()) })

  const docs = await page.goto(`${s.url}/docs`)
  t.equal(docs?.status(), 200, '/docs answers')
  t.match(await docs?.headerValue('content-security-policy'), /script-src 'self'/, 'the docs CSP, not the API\'s')
  await page.locator('.swagger-ui .info .title').filter({ hasText: 'eko-ekyc-bff' }).waitFor()

  await page.locator('.auth-wrapper button.authorize').click()
  const modal = page.locator('.modal-ux')
  await modal.locator('input').first().fill(s.tokens.ops)
  await modal.locator('.auth-btn-wrapper button.authorize').click()
  await modal.locator('.auth-btn-wrapper button.btn-done, .auth-btn-wrapper button.close-modal').first().click()
  await modal.waitFor({ state: 'detached' })

  const op = page.locator('#operations-eKYC-sendEkycOtp')
  await op.locator('.opblock-summary').first().click()
  await op.locator('tr[data-param-name="userCode"] input').fill(AGENT)
  await op.locator('textarea.body-param__text').fill(JSON.stringify({ aadhaar, mobile: '9876543210', latlong: '28.6139,77.2090' }, null, 2))
  await op.locator('button.execute').click()

  const live = op.locator('.live-responses-table')
  await live.locator('.response-col_status').filter({ hasText: '200' }).waitFor()
  const responseBody = await live.locator('.response-col_description pre').first().innerText()
  t.match(JSON.parse(responseBody), { otpRefId: /^[0-9]+$/, clientRefId: String, message: String }, 'the page shows the OTP reference')
  t.equal(s.sim.calls.length, 1, 'Eko (the simulator) was called once, by the browser')
  t.notOk(responseBody.includes(aadhaar), 'the response shown does not repeat the Aadhaar number')

  // Step 2, as ops would do it: the references from the answer above, the OTP the agent read out.
  const sent = JSON.parse(responseBody) as { otpRefId: string, referenceTid: string }
  const verify = page.locator('#operations-eKYC-verifyEkycOtp')
  await verify.locator('.opblock-summary').first().click()
  await verify.locator('tr[data-param-name="userCode"] input').fill(AGENT)
  await verify.locator('textarea.body-param__text').fill(JSON.stringify({
    aadhaar, mobile: '9876543210', latlong: '28.6139,77.2090', otp: s.otp, otpRefId: sent.otpRefId, referenceTid: sent.referenceTid
  }, null, 2))
  await verify.locator('button.execute').click()
  const verified = verify.locator('.live-responses-table')
  await verified.locator('.response-col_status').filter({ hasText: '200' }).waitFor()
  const verifiedBody = JSON.parse(await verified.locator('.response-col_description pre').first().innerText()) as Record<string, string>
  t.match(verifiedBody, { otpRefId: sent.otpRefId, referenceTid: /^EKYK/, message: 'Validation successful' }, 'the page shows the verified OTP and the new reference')
  t.not(verifiedBody.referenceTid, sent.referenceTid, 'the new referenceTid for the biometric step')
  t.same(s.sim.calls.map(c => c.operation), ['sendOtp', 'verifyOtp'], 'Eko saw Send OTP then Verify OTP')

  // The journal, as ops read it to answer "why can't this agent finish eKYC?".
  const journal = page.locator('#operations-eKYC-getEkycJournal')
  await journal.locator('.opblock-summary').first().click()
  await journal.locator('tr[data-param-name="userCode"] input').fill(AGENT)
  await journal.locator('button.execute').click()
  const read = journal.locator('.live-responses-table')
  await read.locator('.response-col_status').filter({ hasText: '200' }).waitFor()
  t.match(JSON.parse(await read.locator('.response-col_description pre').first().innerText()), { step: 'otp_verified', events: [{ action: 'verify_otp', outcome: 'OK', caller: 'ops-1' }, { action: 'send_otp' }] })

  await live.scrollIntoViewIfNeeded()
  const shot = join(dir, 'swagger-ui.png')
  await page.screenshot({ path: shot, fullPage: false })
  if (process.env.SWAGGER_UI_SCREENSHOT !== undefined) await page.screenshot({ path: process.env.SWAGGER_UI_SCREENSHOT, fullPage: false })
  t.ok(existsSync(shot), 'screenshot taken')

  t.same(problems, [], 'no console errors, CSP violations or page errors')
  t.same(outside, [], 'no request left 127.0.0.1')
})

// Without Chromium nothing above ran, so there is nothing to scan (in CI the test above has failed).
test('no key, token, signature or number in any log line of this file', { skip: chromiumTool.path === undefined ? chromiumTool.skip || 'chromium is missing: nothing ran' : false }, async (t) => {
  assertNoLeaks(t)
})
