import type { PlatformBlock, PlatformMedia, PlatformMediaEvent, PlatformSnapshot } from '@contract/domain'
import { PlatformSnapshotSchema } from '@contract/domain'
import { KEEP_MAX_BYTES } from '../../ports/media'
import type { Deps } from '../deps'
import { requireShop } from './sync-shop-orders'
import { applySystemCommand } from './system-command'

export type MediaOutcome = { kind: 'sent' } | { kind: 'transient'; error: string } | { kind: 'deferred'; at: string; error: string; giveUpMs: number }

/** Past the outbox's retries (a platform outage of minutes), the files are tried every half hour for a day, then a person is told. */
const LATE_EVERY_MS = 30 * 60_000
const GIVE_UP_MS = 24 * 60 * 60_000

/**
 * Fetches a platform after-sale's photos / videos the case does not keep yet (`basics/media/get`),
 * keeps each once through the media port and records them on the case by `platform_sync` (the
 * case's own snapshot + the files: a compare-and-set that only adds files). Runs from the outbox,
 * never in the push's answer. A file that failed to come (network, platform busy) is retried with
 * the outbox's backoff (`last`: its final attempt, then every half hour for a day); the ones that
 * came are recorded at once. A file of a type the desk does not keep is left out for good.
 */
export async function runPlatformMedia(deps: Deps, ev: PlatformMediaEvent, last = false): Promise<MediaOutcome> {
  const c = await deps.store.getCase(ev.caseId)
  if (!c?.platform || c.platform.afterSaleOrderId !== ev.afterSaleOrderId) return { kind: 'sent' }
  const kept = new Set((c.platform.media ?? []).map((m) => m.mediaId))
  const wanted = ev.mediaIds.filter((id) => !kept.has(id) && c.platform?.mediaIds.includes(id))
  if (!wanted.length) return { kind: 'sent' }
  const shop = requireShop(deps)
  const got: PlatformMedia[] = []
  const failed: string[] = []
  for (const mediaId of wanted) {
    try {
      const m = await shop.getMedia(mediaId, KEEP_MAX_BYTES)
      const e = await deps.media.keep({ bytes: m.bytes, name: `channels/${ev.afterSaleOrderId}/${mediaId}`, at: deps.now() })
      if (e) got.push({ ...e, mediaId })
      else deps.log(`platform after-sale ${ev.afterSaleOrderId}: media ${mediaId.slice(0, 24)} is not an image / video the desk keeps (${m.contentType})`)
    } catch (err) {
      failed.push(`${mediaId.slice(0, 24)}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
  if (got.length) {
    const out = await applySystemCommand(deps, c, { type: 'platform_sync', snapshot: snapshotOf(c.platform), media: got }, 'channels')
    // CONFLICT: another pass recorded them already; a closed case takes no more files
    if (!out.applied && !out.error) return { kind: 'transient', error: `售后单 ${c.caseNo} 一直在变，凭证稍后再记` }
  }
  if (!failed.length) return { kind: 'sent' }
  const error = `售后单 ${c.caseNo} 买家在视频号小店上传的凭证未取回：${failed.join('；')}`
  return last ? { kind: 'deferred', at: new Date(Date.parse(deps.now()) + LATE_EVERY_MS).toISOString(), error, giveUpMs: GIVE_UP_MS } : { kind: 'transient', error }
}

/** The platform fields of the case's block (without the desk's syncedAt / lastCall / media). */
function snapshotOf(p: PlatformBlock): PlatformSnapshot {
  return PlatformSnapshotSchema.parse(p)
}
