import { randomBytes, randomInt } from 'node:crypto'
import type { Secrets } from './leaks.ts'

/**
 * A PID document shaped like a fingerprint device's (UIDAI RD service), with fresh random
 * stand-ins for what UIDAI's key would encrypt; every opaque part, and the whole, are secrets.
 */
export function testPidData (secrets: Secrets, resp = '<Resp errCode="0" errInfo="Capture Success" fCount="1" fType="2" nmPoints="32" qScore="72"/>'): string {
  const certificate = randomBytes(600).toString('base64')
  const skey = randomBytes(48).toString('base64')
  const hmac = randomBytes(24).toString('base64')
  const data = randomBytes(300).toString('base64')
  const serial = String(randomInt(1_000_000, 9_999_999))
  const xml = `<?xml version="1.0"?><PidData>${resp}` +
    `<DeviceInfo dpId="MANTRA.MSIPL" rdsId="MANTRA.WIN.001" rdsVer="1.0.8" mi="MFS110" mc="${certificate}" dc="${randomBytes(16).toString('hex')}">` +
    `<additional_info><Param name="srno" value="${serial}"/></additional_info></DeviceInfo>` +
    `<Skey ci="20250101">${skey}</Skey><Hmac>${hmac}</Hmac><Data type="X">${data}</Data></PidData>`
  secrets.add(xml, certificate, skey, hmac, data)
  return xml
}

/** A fresh OTP no log line could hold by chance: 8 digits, a leading zero kept. */
export function testOtp (secrets: Secrets): string {
  const otp = '0' + String(randomInt(1_000_000, 9_999_999))
  secrets.add(otp)
  return otp
}
