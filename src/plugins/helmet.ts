import { IncomingMessage, ServerResponse } from 'node:http'
import { Socket } from 'node:net'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/**
 * The API answers JSON only, so its pages may load nothing and be framed nowhere (OWASP REST
 * Security Cheat Sheet). `upgrade-insecure-requests` is left out on purpose: behind a plain-HTTP
 * hop (local, UAT) it would send Swagger UI's own requests to an https:// that is not there.
 */
const API_CSP = { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] }
/** The same policy as a header value, for answers written without Fastify (see src/client-error.ts). */
export const API_CSP_HEADER = Object.entries(API_CSP).map(([name, values]) => `${name.replace(/[A-Z]/g, c => `-${c.toLowerCase()}`)} ${values.join(' ')}`).join(';')

/**
 * Swagger UI's pages (set by @fastify/swagger-ui's `staticCSP` on /docs/* only): its scripts,
 * styles and the document from this origin, its inline SVG/data: images, and Try it out against
 * this origin. No inline scripts, no third party (the external validator is off).
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'"
].join('; ')

/**
 * The headers helmet sets for these options: its middleware run once, at start, on a response
 * that is never sent. None of them depends on the request (no nonces, no per-route options).
 */
export function securityHeaders (): Record<string, string> {
  const apply = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: API_CSP },
    frameguard: { action: 'deny' }
  })
  const request = new IncomingMessage(new Socket())
  const response = new ServerResponse(request)
  apply(request, response, () => {})
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]))
}

/**
 * Security headers on every response: the strict API CSP above, `X-Frame-Options: DENY`,
 * `nosniff`, `Referrer-Policy: no-referrer`, HSTS and helmet's other defaults. `Cache-Control`
 * is left to the routes and the error handler (`no-store` on API answers).
 *
 * helmet decides the headers, once: @fastify/helmet rebuilt its middleware (options checked, CSP
 * assembled) on every request in two extra hooks, and even built once, the middleware costs
 * twice as much per request as handing Fastify the twelve headers it computed.
 * @see https://helmetjs.github.io/
 */
export default fp(async function helmetPlugin (app) {
  const headers = securityHeaders()
  app.addHook('onRequest', function setSecurityHeaders (_request, reply, done) {
    reply.headers(headers)
    done()
  })
}, { name: 'security-headers' })
