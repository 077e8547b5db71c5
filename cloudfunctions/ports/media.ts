import type { Evidence } from '@contract/domain'
/**
 * Evidence files. Locally the gateway stores uploads and hands out `local:<id>` file ids; on
 * CloudBase the mini-program uploads with wx.cloud.uploadFile and sends `cloud://<env>…` ids.
 * `verify` checks that each id exists / belongs here and that kind, mime and size are within limits.
 */
export interface MediaPort {
  verify(evidence: Evidence[], ownerOpenid: string): Promise<{ ok: true } | { ok: false; message: string }>
}
