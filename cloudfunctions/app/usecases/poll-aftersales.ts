import type { Deps } from '../deps'
import { importAfterSale } from './import-aftersale'
import { importComplaint } from './import-dispute'
import { requireShop } from './sync-shop-orders'
import { eachId, walkCursor, type CursorWalk } from './shop-cursor'

const HOUR = 3_600_000
/** The after-sale list accepts windows of at most 24 hours. */
const AFTERSALE_WINDOW_MS = 24 * HOUR - 1000

export const AFTERSALE_CURSOR = 'channels:aftersales'

export interface AfterSalePollStats extends CursorWalk {
  read: number
  created: number
  updated: number
  unchanged: number
  /** after-sales the pass could not import (left for the next pass) */
  failed: number
}

/**
 * The polling pass over the shop's after-sale orders (issue 12 §3: pushes are not guaranteed).
 * Reads the after-sales updated since the stored cursor in windows of at most 24 hours (first pass:
 * `firstSyncDays` back), pages each with `next_key`, imports each one (one case per
 * after_sale_order_id, latest platform state) and moves the cursor after each window
 * (compare-and-set). A failing after-sale is logged and counted; the cursor still moves, and the
 * next push or the seller's poll window catches it again. Run by every scheduler pass.
 *
 * @example await pollAfterSales(deps, { firstSyncDays: 7 })
 */
export async function pollAfterSales(deps: Deps, opts: { firstSyncDays?: number; maxWindows?: number } = {}): Promise<AfterSalePollStats> {
  const shop = requireShop(deps)
  const stats = { read: 0, created: 0, updated: 0, unchanged: 0, failed: 0 }
  const walk = await walkCursor(deps, AFTERSALE_CURSOR, { windowMs: AFTERSALE_WINDOW_MS, firstSyncMs: (opts.firstSyncDays ?? 7) * 24 * HOUR, maxWindows: opts.maxWindows }, async (range) => {
    await eachId(
      (nextKey) => shop.listAfterSaleIds({ by: 'update', range, nextKey }),
      async (id) => {
        stats.read++
        try {
          const r = await importAfterSale(deps, id)
          // a dispute the desk has not seen yet (its push lost): read it now
          if (r.complaintId && !r.disputeKnown) await importComplaint(deps, r.complaintId)
          if (r.created) stats.created++
          else if (r.updated) stats.updated++
          else stats.unchanged++
        } catch (e) {
          stats.failed++
          deps.log(`poll: after-sale ${id} not imported`, e)
        }
      },
    )
  })
  return { ...stats, ...walk }
}
