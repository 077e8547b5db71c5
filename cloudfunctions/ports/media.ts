import type { Evidence } from '@contract/domain'

/** Who may have uploaded a file a command carries: the caller alone, or (staff photos) any staff member. */
export type UploaderRule = { openid: string } | { anyStaff: (openid: string) => Promise<boolean> }

export type MediaCheck = { ok: true } | { ok: false; message: string }

/**
 * Evidence files. Locally the gateway stores uploads and hands out `local:<id>` file ids; on
 * CloudBase the mini-program uploads with wx.cloud.uploadFile under `evidence/<openid>/` and sends
 * `cloud://<env>…` ids. Every command that carries files checks them the same way: each id belongs
 * to this environment, exists, was uploaded by someone the rule accepts, and kind, mime and size
 * are within limits.
 */
export interface MediaPort {
  verify(evidence: Evidence[], uploader: UploaderRule): Promise<MediaCheck>
  /** Bare file ids (inspection photos): images only, same checks. */
  verifyPhotos(fileIds: string[], uploader: UploaderRule): Promise<MediaCheck>
  /** Records that a case now carries these files (they are kept; never-attached ones are swept). */
  attach(fileIds: string[], at: string): Promise<void>
  /** Deletes files never attached to a case and uploaded before `before`; answers how many. */
  sweep(before: string, limit: number): Promise<number>
  /**
   * A URL the Channels shop can fetch the file from (its img/upload by URL, for dispute proof), or
   * null when the file is unknown or the runtime has none.
   */
  shareUrl?(fileId: string): Promise<string | null>
  /**
   * Keeps a file the desk fetched itself (a buyer's photo / video from the shop's after-sale), kept
   * at once (attached); `name` is stable per source file. Answers the evidence, or null when the
   * bytes are not an allowed image / video (type sniffed, size within the evidence limits).
   */
  keep(file: { bytes: Uint8Array; name: string; at: string }): Promise<Evidence | null>
}

/** The largest file the desk keeps (a video; images are limited further by the adapters' evidence checks). */
export const KEEP_MAX_BYTES = 50 * 1024 * 1024

export const uploaderAccepts = async (rule: UploaderRule, openid: string): Promise<boolean> =>
  'openid' in rule ? rule.openid === openid : rule.anyStaff(openid)
