import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Evidence } from '@contract/domain'
import { uploaderAccepts, type MediaCheck, type MediaPort, type UploaderRule } from '../../ports/media'
import type { MediaRecord, Store } from '../../ports/store'

export const MEDIA_LIMITS = {
  imageMaxBytes: 10 * 1024 * 1024,
  videoMaxBytes: 50 * 1024 * 1024,
  maxImages: 9,
  maxVideos: 1,
  imageMimes: ['image/jpeg', 'image/png', 'image/webp', 'image/heic'],
  videoMimes: ['video/mp4'],
} as const

/**
 * Per identity and day (Asia/Shanghai): enough for a busy agent's inspections, not for filling the
 * disk. Every upload started counts as a file; bytes count what was kept.
 */
export const UPLOAD_QUOTA = { files: 200, bytes: 1024 * 1024 * 1024 } as const

/** Detect the real type from the first bytes; the declared content type is not trusted. */
export function sniffMime(head: Uint8Array): string | null {
  const b = head
  const ascii = (from: number, len: number) => String.fromCharCode(...b.subarray(from, from + len))
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg'
  if (b.length >= 8 && b[0] === 0x89 && ascii(1, 3) === 'PNG' && b[4] === 0x0d && b[5] === 0x0a) return 'image/png'
  if (b.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 4) === 'WEBP') return 'image/webp'
  if (b.length >= 12 && ascii(4, 4) === 'ftyp') {
    const brand = ascii(8, 4)
    if (['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1'].includes(brand)) return 'image/heic'
    if (['isom', 'iso2', 'mp41', 'mp42', 'avc1', 'M4V ', 'dash', 'iso5', 'iso6'].includes(brand)) return 'video/mp4'
  }
  return null
}

/** Checks kind / size / count limits shared by both media adapters. */
export function checkEvidenceLimits(evidence: Evidence[]): string | null {
  const images = evidence.filter((e) => e.kind === 'image')
  const videos = evidence.filter((e) => e.kind === 'video')
  if (images.length > MEDIA_LIMITS.maxImages) return `最多上传 ${MEDIA_LIMITS.maxImages} 张图片`
  if (videos.length > MEDIA_LIMITS.maxVideos) return `最多上传 ${MEDIA_LIMITS.maxVideos} 个视频`
  for (const e of images) {
    if (!(MEDIA_LIMITS.imageMimes as readonly string[]).includes(e.mime)) return '图片仅支持 jpg / png / webp / heic'
    if (e.size > MEDIA_LIMITS.imageMaxBytes) return '单张图片不能超过 10MB'
  }
  for (const e of videos) {
    if (!(MEDIA_LIMITS.videoMimes as readonly string[]).includes(e.mime)) return '视频仅支持 mp4'
    if (e.size > MEDIA_LIMITS.videoMaxBytes) return '视频不能超过 50MB'
  }
  return null
}

const NOT_YOURS = '凭证文件不存在或不属于您'

/** The owner of files the desk fetched itself (no buyer or staff member uploaded them here). */
export const KEPT_OWNER = 'channels'

/** A fetched file as evidence (file id left to the adapter), or null when its type or size is not allowed. */
export function keptEvidence(bytes: Uint8Array): Omit<Evidence, 'fileId'> & { fileId: '' } | null {
  const mime = sniffMime(bytes.subarray(0, 16))
  if (!mime) return null
  const kind = mime.startsWith('video/') ? 'video' : 'image'
  const e = { fileId: '' as const, kind, mime, size: bytes.length } as const
  return checkEvidenceLimits([e]) ? null : e
}

/** Local media: files uploaded through the gateway, recorded in the store with their sniffed type. */
export class LocalMedia implements MediaPort {
  /** `dir`: where the gateway writes the bytes (the sweep deletes them there). */
  constructor(
    private store: Store,
    private dir?: string,
  ) {}

  private async record(fileId: string, uploader: UploaderRule): Promise<MediaRecord | null> {
    const id = fileId.startsWith('local:') ? fileId.slice(6) : null
    const rec = id && /^[\w-]{1,64}$/.test(id) ? await this.store.getMedia(id) : null
    return rec && (await uploaderAccepts(uploader, rec.ownerOpenid)) ? rec : null
  }

  async verify(evidence: Evidence[], uploader: UploaderRule): Promise<MediaCheck> {
    const limit = checkEvidenceLimits(evidence)
    if (limit) return { ok: false, message: limit }
    for (const e of evidence) {
      const rec = await this.record(e.fileId, uploader)
      if (!rec) return { ok: false, message: NOT_YOURS }
      if (rec.mime !== e.mime || rec.kind !== e.kind || rec.size !== e.size) return { ok: false, message: '凭证文件信息与上传记录不符' }
    }
    return { ok: true }
  }

  async verifyPhotos(fileIds: string[], uploader: UploaderRule): Promise<MediaCheck> {
    const evidence: Evidence[] = []
    for (const id of fileIds) {
      const rec = await this.record(id, uploader)
      if (!rec) return { ok: false, message: '照片不存在或不是本店客服上传的' }
      if (rec.kind !== 'image') return { ok: false, message: '验货照片只能是图片' }
      evidence.push({ fileId: id, kind: rec.kind, mime: rec.mime, size: rec.size })
    }
    const limit = checkEvidenceLimits(evidence)
    return limit ? { ok: false, message: limit } : { ok: true }
  }

  async attach(fileIds: string[], at: string): Promise<void> {
    await this.store.markMediaAttached(fileIds.filter((f) => f.startsWith('local:')).map((f) => f.slice(6)), at)
  }

  /** Local files are not reachable from WeChat: a stable local reference the stand-in accepts. */
  async shareUrl(fileId: string): Promise<string | null> {
    const id = fileId.startsWith('local:') ? fileId.slice(6) : null
    if (!id || !/^[\w-]{1,64}$/.test(id) || !(await this.store.getMedia(id))) return null
    return `local-media://${id}`
  }

  async keep(file: { bytes: Uint8Array; name: string; at: string }): Promise<Evidence | null> {
    const e = keptEvidence(file.bytes)
    if (!e || !this.dir) return null
    const id = `pm-${createHash('sha256').update(file.name).digest('hex').slice(0, 16)}-${randomBytes(4).toString('hex')}`
    fs.writeFileSync(path.join(this.dir, id), file.bytes)
    await this.store.putMedia({ id, ownerOpenid: KEPT_OWNER, mime: e.mime, kind: e.kind, size: e.size, location: id, createdAt: file.at, attachedAt: file.at })
    return { ...e, fileId: `local:${id}` }
  }

  async sweep(before: string, limit: number): Promise<number> {
    const stale = await this.store.unattachedMedia(before, limit)
    for (const m of stale) {
      if (this.dir) fs.rmSync(path.join(this.dir, path.basename(m.location)), { force: true })
      await this.store.deleteMedia(m.id)
    }
    return stale.length
  }
}
