import type { PlatformBlock, PlatformMediaEvent } from '@contract/domain'

/** At most this many of an after-sale's media ids are fetched (the evidence limits: 9 images + 1 video). */
export const MAX_PLATFORM_MEDIA = 10

/** The after-sale's media ids (the first 10) the case does not keep yet. */
export function missingMediaIds(p: Pick<PlatformBlock, 'mediaIds' | 'media'>): string[] {
  const kept = new Set((p.media ?? []).map((m) => m.mediaId))
  return p.mediaIds.slice(0, MAX_PLATFORM_MEDIA).filter((id) => !kept.has(id))
}

/** cyrb53: a short, stable digest (pure, no crypto in the core). */
function digest(s: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i)
    h1 = Math.imul(h1 ^ ch, 2654435761)
    h2 = Math.imul(h2 ^ ch, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

/** Outbox key of a media fetch: one row per case and media id set, whatever version wrote it. */
export function platformMediaKey(caseId: string, mediaIds: string[]): string {
  return `${caseId}:media:${digest([...mediaIds].sort().join('\n'))}`
}

/** The fetch of the media the case lacks, or null when it keeps them all. */
export function platformMediaEvent(caseId: string, p: Pick<PlatformBlock, 'afterSaleOrderId' | 'mediaIds' | 'media'>): PlatformMediaEvent | null {
  const mediaIds = missingMediaIds(p)
  if (!mediaIds.length) return null
  return { kind: 'platform_media', key: platformMediaKey(caseId, mediaIds), caseId, afterSaleOrderId: p.afterSaleOrderId, mediaIds }
}
