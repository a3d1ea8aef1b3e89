/**
 * The shape of what a fingerprint device's RD service returns (UIDAI's Registered Devices
 * specification), with made-up values: for the OpenAPI examples and the development banner. The
 * simulator accepts it; Eko would not, as nothing in it is really encrypted by UIDAI's key.
 */
export const SAMPLE_PID_DATA = '<PidData><Resp errCode="0" errInfo="Capture Success" fCount="1" fType="2" nmPoints="32" qScore="72"/>' +
  '<DeviceInfo dpId="MANTRA.MSIPL" rdsId="MANTRA.WIN.001" rdsVer="1.0.8" mi="MFS110" mc="REVNTy1ERVZJQ0UtQ0VSVA==" dc="demo-device-code"/>' +
  '<Skey ci="20250101">REVNTy1TRVNTSU9OLUtFWQ==</Skey><Hmac>REVNTy1ITUFD</Hmac><Data type="X">REVNTy1QSUQtQkxPQ0s=</Data></PidData>'
