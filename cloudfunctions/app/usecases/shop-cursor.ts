import { unixSeconds, type TimeRange } from '../../ports/shop'
import type { Deps } from '../deps'

/** Re-read a little before the cursor: a late write on the platform can carry an earlier update time. */
const OVERLAP_MS = 2 * 60_000

export interface CursorWalk {
  windows: number
  /** the cursor after this pass (synced up to here) */
  syncedUntil: string
}

/**
 * Walks the named sync cursor from where it stands (first pass: `firstSyncMs` back) to now in
 * update-time windows of at most `windowMs` (the list API's limit), calling `visit` for each
 * window and moving the cursor after it with a compare-and-set: of two overlapping passes one
 * moves on, the other stops. A window that fails stays unsynced and is read again next pass.
 */
export async function walkCursor(deps: Deps, name: string, opts: { windowMs: number; firstSyncMs: number; maxWindows?: number }, visit: (range: TimeRange) => Promise<void>): Promise<CursorWalk> {
  const now = Date.parse(deps.now())
  const state = await deps.store.getSyncState(name)
  let version = state?.version ?? 0
  const stored = typeof state?.value.syncedUntil === 'string' ? Date.parse(state.value.syncedUntil) : null
  let from = stored !== null ? stored - OVERLAP_MS : now - opts.firstSyncMs
  const walk: CursorWalk = { windows: 0, syncedUntil: new Date(stored ?? from).toISOString() }
  for (let w = 0; w < (opts.maxWindows ?? 10) && from < now; w++) {
    const to = Math.min(from + opts.windowMs, now)
    await visit({ startTime: unixSeconds(new Date(from).toISOString()), endTime: unixSeconds(new Date(to).toISOString()) })
    walk.windows++
    const until = new Date(to).toISOString()
    if (!(await deps.store.saveSyncState(name, { syncedUntil: until }, version, deps.now()))) break
    version++
    walk.syncedUntil = until
    from = to
  }
  return walk
}

/** Every id of a paged list (`next_key`). */
export async function eachId(list: (nextKey: string) => Promise<{ ids: string[]; hasMore: boolean; nextKey: string }>, visit: (id: string) => Promise<void>): Promise<number> {
  let nextKey = ''
  let pages = 0
  do {
    const page = await list(nextKey)
    pages++
    for (const id of page.ids) await visit(id)
    nextKey = page.hasMore ? page.nextKey : ''
  } while (nextKey)
  return pages
}
