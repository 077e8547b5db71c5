import Taro from '@tarojs/taro'
import type { Evidence } from '@contract/domain'
import { CALL_HEADER } from '@contract/api'
import { ApiFailure, call } from './client'

/**
 * Evidence upload. weapp: chooseMedia → wx.cloud.uploadFile (cloud file id). H5: chooseMedia →
 * POST /api/upload on the local gateway. Limits are enforced here, before anything is uploaded.
 */

const MB = 1024 * 1024
export const EVIDENCE_LIMITS = {
  maxImages: 9,
  maxImageBytes: 10 * MB,
  maxVideos: 1,
  maxVideoBytes: 50 * MB,
} as const

export const EVIDENCE_LIMITS_TEXT = '最多9张图片（jpg/png/webp/heic，每张不超过10MB）和1段视频（mp4，不超过50MB）'

const MIME_BY_EXT: Record<string, { kind: 'image' | 'video'; mime: string }> = {
  jpg: { kind: 'image', mime: 'image/jpeg' },
  jpeg: { kind: 'image', mime: 'image/jpeg' },
  png: { kind: 'image', mime: 'image/png' },
  webp: { kind: 'image', mime: 'image/webp' },
  heic: { kind: 'image', mime: 'image/heic' },
  mp4: { kind: 'video', mime: 'video/mp4' },
}
const EXT_BY_MIME: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/heif': 'heic',
  'video/mp4': 'mp4',
}

/** A file the buyer picked, before upload. */
export interface PickedFile {
  /** local temp path (weapp) or blob: URL (H5); also used for the preview */
  path: string
  size: number
  /** file name when the platform knows it (H5) */
  name?: string
  /** MIME type when the platform knows it (H5), else derived from the extension */
  type?: string
}

export interface CheckedFile extends PickedFile {
  kind: 'image' | 'video'
  mime: string
  ext: string
}

function extOf(s: string | undefined): string {
  if (!s) return ''
  const clean = s.split(/[?#]/)[0]
  const dot = clean.lastIndexOf('.')
  return dot >= 0 ? clean.slice(dot + 1).toLowerCase() : ''
}

/** What a file is, from its MIME type or its extension; null when it is not an accepted format. */
export function classify(f: PickedFile): CheckedFile | null {
  const byMime = f.type ? EXT_BY_MIME[f.type.toLowerCase()] : undefined
  const ext = byMime ?? (extOf(f.name) || extOf(f.path))
  const known = MIME_BY_EXT[ext]
  if (!known) return null
  return { ...f, ext: ext === 'jpeg' ? 'jpg' : ext, kind: known.kind, mime: known.mime }
}

function mb(bytes: number) {
  return `${(bytes / MB).toFixed(1)}MB`
}

/**
 * Apply the limits to newly picked files, given how many images / videos are already attached.
 * Returns the files that may be uploaded and a Chinese message for each one that may not.
 */
export function checkEvidence(
  already: { images: number; videos: number },
  picked: PickedFile[],
): { accepted: CheckedFile[]; errors: string[] } {
  const accepted: CheckedFile[] = []
  const errors: string[] = []
  let images = already.images
  let videos = already.videos
  for (const f of picked) {
    const label = f.name ? `“${f.name}”` : '所选文件'
    const c = classify(f)
    if (!c) {
      errors.push(`${label}格式不支持：图片仅支持 jpg/png/webp/heic，视频仅支持 mp4`)
      continue
    }
    if (c.kind === 'image') {
      if (c.size > EVIDENCE_LIMITS.maxImageBytes) {
        errors.push(`${label}有 ${mb(c.size)}，图片不能超过10MB`)
        continue
      }
      if (images >= EVIDENCE_LIMITS.maxImages) {
        errors.push(`最多上传${EVIDENCE_LIMITS.maxImages}张图片，多选的已忽略`)
        continue
      }
      images++
    } else {
      if (c.size > EVIDENCE_LIMITS.maxVideoBytes) {
        errors.push(`${label}有 ${mb(c.size)}，视频不能超过50MB`)
        continue
      }
      if (videos >= EVIDENCE_LIMITS.maxVideos) {
        errors.push(`最多上传${EVIDENCE_LIMITS.maxVideos}段视频，多选的已忽略`)
        continue
      }
      videos++
    }
    accepted.push(c)
  }
  return { accepted, errors: dedupe(errors) }
}

function dedupe(xs: string[]): string[] {
  return Array.from(new Set(xs))
}

/** Open the platform picker. Resolves [] when the buyer cancels. */
export async function pickEvidence(remaining: { images: number; videos: number }): Promise<PickedFile[]> {
  const count = Math.max(1, Math.min(9, remaining.images + remaining.videos))
  const mediaType: ('image' | 'video')[] = []
  if (remaining.images > 0) mediaType.push('image')
  if (remaining.videos > 0) mediaType.push('video')
  try {
    const res = await Taro.chooseMedia({
      count,
      mediaType: mediaType.length ? mediaType : ['image'],
      sourceType: ['album', 'camera'],
      maxDuration: 60,
      sizeType: ['compressed'],
    })
    return (res.tempFiles ?? []).map((t) => {
      const raw = t as typeof t & { originalFileObj?: { name?: string; type?: string } }
      const fileType = String(raw.fileType ?? '')
      return {
        path: t.tempFilePath,
        size: t.size,
        name: raw.originalFileObj?.name,
        // H5 reports the MIME type; weapp reports 'image' / 'video' (derive from the extension then)
        type: raw.originalFileObj?.type || (fileType.includes('/') ? fileType : undefined),
      }
    })
  } catch (e) {
    const msg = String((e as { errMsg?: string })?.errMsg ?? '')
    if (/cancel|abort/i.test(msg)) return []
    throw new ApiFailure('UPLOAD', '无法打开相册，请检查权限后重试')
  }
}

let openidOnce: Promise<string> | null = null
/** The caller's openid as the functions see it (one whoami per session). */
function myOpenid(): Promise<string> {
  openidOnce ??= call<{ openid: string }>('aftersale', 'whoami', {}).then((r) => r.openid)
  openidOnce.catch(() => (openidOnce = null))
  return openidOnce
}

function randomName() {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`
}

interface UploadAnswer {
  ok: boolean
  data?: { fileId: string; kind: 'image' | 'video'; mime: string; size: number; url?: string }
  error?: { code: string; message: string }
}

/** Upload one checked file; `onProgress` gets 0–100 where the platform reports progress. */
export async function uploadEvidence(f: CheckedFile, onProgress?: (pct: number) => void): Promise<Evidence> {
  if (process.env.TARO_ENV === 'weapp') {
    try {
      // under the uploader's openid: the functions accept only files a caller uploaded (or staff, for staff photos)
      const res = await Taro.cloud.uploadFile({ cloudPath: `evidence/${await myOpenid()}/${randomName()}.${f.ext}`, filePath: f.path })
      onProgress?.(100)
      return { fileId: res.fileID, kind: f.kind, mime: f.mime, size: f.size }
    } catch {
      throw new ApiFailure('UPLOAD', '上传失败，请检查网络后重试')
    }
  }
  let raw: string
  try {
    const task = Taro.uploadFile({
      url: `${API_BASE}/api/upload`,
      name: 'file',
      filePath: f.path,
      fileName: f.name || `evidence.${f.ext}`,
      withCredentials: true,
      header: { [CALL_HEADER]: '1' },
    } as Taro.uploadFile.Option)
    const withProgress = task as unknown as { progress?: (cb: (p: { progress: number }) => void) => void }
    if (onProgress && typeof withProgress.progress === 'function') withProgress.progress((p) => onProgress(p.progress))
    const res = await task
    raw = typeof res.data === 'string' ? res.data : JSON.stringify(res.data)
  } catch {
    throw new ApiFailure('UPLOAD', '上传失败，请检查网络后重试')
  }
  let answer: UploadAnswer
  try {
    answer = JSON.parse(raw) as UploadAnswer
  } catch {
    throw new ApiFailure('UPLOAD', '上传失败，服务器返回异常')
  }
  if (!answer.ok || !answer.data) throw new ApiFailure(answer.error?.code ?? 'UPLOAD', answer.error?.message || '上传失败，请重试')
  onProgress?.(100)
  const d = answer.data
  return { fileId: d.fileId, kind: d.kind, mime: d.mime, size: d.size }
}

/**
 * Where an uploaded evidence file can be shown: a cloud file id (cloud://…) is used as is by
 * Image / previewImage on weapp; a local gateway id (local:<id>) is served at /media/<id>.
 * Anything else (an http(s) address, data:, javascript:) is not the desk's own and is never loaded:
 * the answer is '' and the page shows a placeholder.
 */
export function evidenceUrl(fileId: string): string {
  if (/^local:[\w-]{1,64}$/.test(fileId)) return `${API_BASE}/media/${fileId.slice('local:'.length)}`
  if (process.env.TARO_ENV === 'weapp' && /^cloud:\/\/[\w.-]+\/evidence\//.test(fileId)) return fileId
  return ''
}
