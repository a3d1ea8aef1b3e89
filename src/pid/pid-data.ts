import { SaxesParser } from 'saxes'

/** A real PID document is a few kilobytes, the device certificate being the largest part. */
export const PID_DATA_MAX_CHARS = 32 * 1024
/** PidData › DeviceInfo › additional_info › Param is the deepest a real document goes. */
const MAX_DEPTH = 8
const MAX_ELEMENTS = 256

export type PidCheck = { ok: true } | { ok: false, detail: string }

class Refusal extends Error {}

/** RD service error codes are short numbers (700, 720, …); anything else is not shown. */
const ERR_CODE = /^-?[0-9]{1,4}$/

/** Device words that may be shown: letters and a little punctuation, no digits at all (a number there could be anyone's). */
function deviceWords (value: string | undefined): string {
  return (value ?? '').replace(/[^A-Za-z .,'()_-]/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 80)
}

/**
 * Checks a PID document as a UIDAI-registered fingerprint device's RD service returns it, without
 * reading what is encrypted in it: well-formed XML (a strict parser, saxes), no DOCTYPE (so no
 * entity can be declared or expanded), bounded depth and element count, root `PidData`, and a
 * `Resp` child whose `errCode` is `0`. The detail names what is wrong, never the document's content.
 * @see https://github.com/lddubeau/saxes
 */
export function checkPidData (xml: string): PidCheck {
  if (xml.length > PID_DATA_MAX_CHARS) return { ok: false, detail: `pidData is longer than ${PID_DATA_MAX_CHARS} characters` }
  const parser = new SaxesParser({ position: false })
  let depth = 0
  let elements = 0
  let root: string | undefined
  let resp: Record<string, string> | undefined

  parser.on('doctype', () => { throw new Refusal('pidData must not contain a DOCTYPE: DTDs and entities are refused') })
  parser.on('opentag', (tag) => {
    depth++
    elements++
    if (depth > MAX_DEPTH) throw new Refusal('pidData is nested too deeply to be a PID document')
    if (elements > MAX_ELEMENTS) throw new Refusal('pidData has too many elements to be a PID document')
    if (depth === 1) {
      root = tag.name
      if (root !== 'PidData') throw new Refusal('pidData\'s root element must be PidData')
    }
    if (depth === 2 && tag.name === 'Resp' && resp === undefined) resp = tag.attributes as Record<string, string>
  })
  parser.on('closetag', () => { depth-- })
  parser.on('error', () => { throw new Refusal('pidData is not well-formed XML') })

  try {
    parser.write(xml).close()
  } catch (err) {
    // The parser's own message quotes the document: never passed on.
    return { ok: false, detail: err instanceof Refusal ? err.message : 'pidData is not well-formed XML' }
  }
  if (root === undefined) return { ok: false, detail: 'pidData is not well-formed XML' }
  if (resp === undefined) return { ok: false, detail: 'pidData has no Resp element: it is not what the fingerprint device returned' }
  if (resp.errCode !== '0') {
    const code = resp.errCode !== undefined && ERR_CODE.test(resp.errCode) ? resp.errCode : 'not a number'
    const info = deviceWords(resp.errInfo)
    return { ok: false, detail: `the fingerprint device reported a capture error (errCode ${code}${info === '' ? '' : `: ${info}`}); capture the fingerprint again` }
  }
  return { ok: true }
}
