import type { Evidence } from '@contract/domain'
import { uploaderAccepts, type MediaCheck, type MediaPort, type UploaderRule } from '../../ports/media'
import { createHash } from 'node:crypto'
import { checkEvidenceLimits, keptEvidence, KEPT_OWNER, MEDIA_LIMITS } from '../local/media'

/** The slice of @cloudbase/node-sdk's app this adapter uses (kept narrow for tests). */
export interface CloudFileApi {
  getFileInfo(opts: { fileList: string[] }): Promise<{ fileList: { code: string; fileID: string; size?: number; contentType?: string; mime?: string }[] }>
  getTempFileURL?(opts: { fileList: Array<{ fileID: string; maxAge: number }> }): Promise<{ fileList: { code: string; fileID: string; tempFileURL: string }[] }>
  /** @cloudbase/node-sdk app.uploadFile (files the desk fetched itself) */
  uploadFile?(opts: { cloudPath: string; fileContent: Buffer }): Promise<{ fileID: string }>
}

const EXT_BY_MIME: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/heic': 'heic', 'video/mp4': 'mp4' }

const MIME_BY_EXT: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', mp4: 'video/mp4' }

/**
 * Evidence on CloudBase: cloud file ids uploaded by the mini-program under
 * `evidence/<uploader openid>/…` (src/api/upload.ts). Each id must belong to this environment
 * (`cloud://<env>.…`), sit under an uploader the rule accepts, exist, and match the declared kind,
 * type and size limits.
 */
export class CloudMedia implements MediaPort {
  constructor(
    private app: CloudFileApi,
    private envId: string,
  ) {}

  /** The uploader's openid from the file's path, or null when it is not one of ours. */
  private uploaderOf(fileId: string): string | null {
    if (!fileId.startsWith(`cloud://${this.envId}.`)) return null
    const m = /^cloud:\/\/[^/]+\/evidence\/([\w-]{1,64})\/[\w.-]{1,80}$/.exec(fileId)
    return m ? m[1] : null
  }

  private async check(evidence: Evidence[], uploader: UploaderRule): Promise<MediaCheck> {
    const limit = checkEvidenceLimits(evidence)
    if (limit) return { ok: false, message: limit }
    if (!evidence.length) return { ok: true }
    for (const e of evidence) {
      const who = this.uploaderOf(e.fileId)
      if (!who) return { ok: false, message: '凭证文件不属于本店铺的云环境' }
      if (!(await uploaderAccepts(uploader, who))) return { ok: false, message: '凭证文件不存在或不属于您' }
    }
    const info = await this.app.getFileInfo({ fileList: evidence.map((e) => e.fileId) })
    for (const e of evidence) {
      const f = info.fileList.find((x) => x.fileID === e.fileId)
      if (!f || f.code !== 'SUCCESS') return { ok: false, message: '凭证文件不存在，请重新上传' }
      if (typeof f.size === 'number' && f.size !== e.size) return { ok: false, message: '凭证文件信息与上传记录不符' }
    }
    return { ok: true }
  }

  verify(evidence: Evidence[], uploader: UploaderRule): Promise<MediaCheck> {
    return this.check(evidence, uploader)
  }

  async verifyPhotos(fileIds: string[], uploader: UploaderRule): Promise<MediaCheck> {
    if (!fileIds.length) return { ok: true }
    const info = await this.app.getFileInfo({ fileList: fileIds.filter((f) => this.uploaderOf(f)) })
    const evidence: Evidence[] = []
    for (const id of fileIds) {
      const mime = MIME_BY_EXT[id.slice(id.lastIndexOf('.') + 1).toLowerCase()]
      if (!mime || !mime.startsWith('image/')) return { ok: false, message: '验货照片只能是图片' }
      const size = info.fileList.find((x) => x.fileID === id)?.size ?? MEDIA_LIMITS.imageMaxBytes
      evidence.push({ fileId: id, kind: 'image', mime, size })
    }
    return this.check(evidence, uploader)
  }

  /**
   * Cloud storage keeps no upload record here: files go straight from the mini-program to storage,
   * so there is nothing to mark, and the never-attached sweep of the local gateway has no
   * counterpart (CloudBase storage has no listing API in the node SDK; see the adapter README).
   */
  async attach(): Promise<void> {}
  /** A temporary URL (1 hour) the shop fetches the image from; null for a file not of this environment. */
  async shareUrl(fileId: string): Promise<string | null> {
    if (!fileId.startsWith(`cloud://${this.envId}.`) || !this.app.getTempFileURL) return null
    const r = await this.app.getTempFileURL({ fileList: [{ fileID: fileId, maxAge: 3600 }] })
    const f = r.fileList[0]
    return f && f.code === 'SUCCESS' && f.tempFileURL ? f.tempFileURL : null
  }


  /** Under `evidence/channels/`, named by the source: a second keep of the same file overwrites it. */
  async keep(file: { bytes: Uint8Array; name: string; at: string }): Promise<Evidence | null> {
    const e = keptEvidence(file.bytes)
    if (!e || !this.app.uploadFile) return null
    const name = `${createHash('sha256').update(file.name).digest('hex').slice(0, 32)}.${EXT_BY_MIME[e.mime] ?? 'bin'}`
    const up = await this.app.uploadFile({ cloudPath: `evidence/${KEPT_OWNER}/${name}`, fileContent: Buffer.from(file.bytes) })
    return { ...e, fileId: up.fileID }
  }
  async sweep(): Promise<number> {
    return 0
  }
}
