import type { ChannelsOrder } from '@contract/channels'
import type { OrderRecord } from '../../ports/store'
import type { ShopPort } from '../../ports/shop'
import { unixSeconds } from '../../ports/shop'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { orderFromShop, shopBuyerId } from './channels-map'

const DAY = 86_400_000
/** The order list accepts update-time windows of at most 7 days. */
const ORDER_WINDOW_MS = 7 * DAY - 1000
/** Re-read a little before the cursor: a late write on the platform can carry an earlier update_time. */
const OVERLAP_MS = 2 * 60_000

export const ORDER_CURSOR = 'channels:orders'

export interface OrderSyncStats {
  windows: number
  pages: number
  /** orders read from the shop */
  read: number
  /** orders written into the desk */
  upserted: number
  /** orders with nothing to claim (unpaid, no products) */
  skipped: number
  /** the cursor after this pass (synced up to here) */
  syncedUntil: string
}

export function requireShop(deps: Deps): ShopPort {
  if (!deps.shop) throw new AppError('VALIDATION', '尚未连接视频号小店')
  return deps.shop
}

/**
 * The mini-program openid of the shop buyer when their unionid is known to the desk, else the
 * order's current owner (an order a buyer already claimed stays theirs), else `channels:<openid>`.
 */
export async function buyerIdFor(deps: Deps, shopOpenid: string, unionid: string | null | undefined, current?: OrderRecord | null): Promise<string> {
  const matched = unionid ? await deps.store.getBuyerByUnionid(unionid) : null
  return matched?.openid ?? current?.order.buyerOpenid ?? shopBuyerId(shopOpenid)
}

/** Writes one shop order into the desk's orders; false when it has nothing to claim. */
export async function upsertShopOrder(deps: Deps, wire: ChannelsOrder): Promise<OrderRecord | null> {
  const current = await deps.store.getOrder(wire.order_id)
  const order = orderFromShop(wire, await buyerIdFor(deps, wire.openid, wire.unionid, current))
  if (!order) return null
  const rec: OrderRecord = { order, createdAt: order.paidAt }
  await deps.store.upsertOrder(rec)
  return rec
}

/**
 * Incremental order sync (issue 12 §2): reads the shop's orders updated since the stored cursor in
 * update-time windows of at most 7 days, pages each window with `next_key`, writes every order into
 * the desk's orders (items, fen prices, paid amount, ship / sign times, waybill, the buyer matched
 * by unionid) and moves the cursor after each window (compare-and-set: of two overlapping passes
 * one moves on, the other stops). The first pass starts `firstSyncDays` back. Re-reading a window
 * is harmless: an order is upserted by its id.
 *
 * @example await syncShopOrders(deps, { firstSyncDays: 30 })
 */
export async function syncShopOrders(deps: Deps, opts: { firstSyncDays?: number; maxWindows?: number } = {}): Promise<OrderSyncStats> {
  const shop = requireShop(deps)
  const now = Date.parse(deps.now())
  const state = await deps.store.getSyncState(ORDER_CURSOR)
  let version = state?.version ?? 0
  const stored = typeof state?.value.syncedUntil === 'string' ? Date.parse(state.value.syncedUntil) : null
  let from = stored !== null ? stored - OVERLAP_MS : now - (opts.firstSyncDays ?? 30) * DAY
  const stats: OrderSyncStats = { windows: 0, pages: 0, read: 0, upserted: 0, skipped: 0, syncedUntil: new Date(stored ?? from).toISOString() }
  for (let w = 0; w < (opts.maxWindows ?? 10) && from < now; w++) {
    const to = Math.min(from + ORDER_WINDOW_MS, now)
    const range = { startTime: unixSeconds(new Date(from).toISOString()), endTime: unixSeconds(new Date(to).toISOString()) }
    let nextKey = ''
    do {
      const page = await shop.listOrderIds({ updateTimeRange: range, pageSize: 100, nextKey })
      stats.pages++
      for (const id of page.ids) {
        stats.read++
        if (await upsertShopOrder(deps, await shop.getOrder(id))) stats.upserted++
        else stats.skipped++
      }
      nextKey = page.hasMore ? page.nextKey : ''
    } while (nextKey)
    stats.windows++
    const until = new Date(to).toISOString()
    if (!(await deps.store.saveSyncState(ORDER_CURSOR, { syncedUntil: until }, version, deps.now()))) break
    version++
    stats.syncedUntil = until
    from = to
  }
  return stats
}
