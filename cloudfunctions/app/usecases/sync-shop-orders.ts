import type { ChannelsOrder } from '@contract/channels'
import type { OrderRecord } from '../../ports/store'
import type { ShopPort } from '../../ports/shop'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { orderFromShop, shopBuyerId } from './channels-map'
import { eachId, walkCursor, type CursorWalk } from './shop-cursor'

const DAY = 86_400_000
/** The order list accepts update-time windows of at most 7 days. */
const ORDER_WINDOW_MS = 7 * DAY - 1000

export const ORDER_CURSOR = 'channels:orders'

export interface OrderSyncStats extends CursorWalk {
  pages: number
  /** orders read from the shop */
  read: number
  /** orders written into the desk */
  upserted: number
  /** orders with nothing to claim (unpaid, no products) */
  skipped: number
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
  return buyerIdOf(unionid ? await deps.store.getBuyerByUnionid(unionid) : null, shopOpenid, current)
}

/** buyerIdFor on the buyer already read for the unionid (`matched`: null when none or no unionid). */
export function buyerIdOf(matched: { openid: string } | null | undefined, shopOpenid: string, current?: OrderRecord | null): string {
  return matched?.openid ?? current?.order.buyerOpenid ?? shopBuyerId(shopOpenid)
}

/** Writes one shop order into the desk's orders; false when it has nothing to claim. */
export async function upsertShopOrder(deps: Deps, wire: ChannelsOrder): Promise<OrderRecord | null> {
  const current = await deps.store.getOrder(wire.order_id)
  const order = orderFromShop(wire, await buyerIdFor(deps, wire.openid, wire.unionid, current))
  if (!order) return null
  const rec: OrderRecord = { order, createdAt: order.paidAt }
  await deps.store.upsertOrder(rec)
  // the receiver's name and phone tail: how staff find this buyer (the dedicated-rep picker, the CSV export)
  const contact = contactOf(wire)
  if (contact) await deps.store.setBuyerContact(order.buyerOpenid, contact)
  return rec
}

/** Name (≤ 20 characters) and the last 4 digits of the phone on the order's address, if any. */
export function contactOf(wire: ChannelsOrder): { name: string | null; phoneTail: string | null } | null {
  const a = (wire.order_detail?.delivery_info?.address_info ?? {}) as Record<string, unknown>
  const name = typeof a.user_name === 'string' && a.user_name.trim() ? Array.from(a.user_name.trim()).slice(0, 20).join('') : null
  const digits = typeof a.tel_number === 'string' ? a.tel_number.replace(/\D/g, '') : ''
  const phoneTail = digits.length >= 4 ? digits.slice(-4) : null
  return name || phoneTail ? { name, phoneTail } : null
}

/**
 * Incremental order sync (issue 12 §2): reads the shop's orders updated since the stored cursor in
 * update-time windows of at most 7 days, pages each window with `next_key`, writes every order into
 * the desk's orders (items, fen prices, paid amount, ship / sign times, waybill, the buyer matched
 * by unionid) and moves the cursor after each window (see walkCursor). The first pass starts
 * `firstSyncDays` back. Re-reading a window is harmless: an order is upserted by its id.
 *
 * @example await syncShopOrders(deps, { firstSyncDays: 30 })
 */
export async function syncShopOrders(deps: Deps, opts: { firstSyncDays?: number; maxWindows?: number } = {}): Promise<OrderSyncStats> {
  const shop = requireShop(deps)
  const stats = { pages: 0, read: 0, upserted: 0, skipped: 0 }
  const walk = await walkCursor(deps, ORDER_CURSOR, { windowMs: ORDER_WINDOW_MS, firstSyncMs: (opts.firstSyncDays ?? 30) * DAY, maxWindows: opts.maxWindows }, async (range) => {
    stats.pages += await eachId(
      (nextKey) => shop.listOrderIds({ updateTimeRange: range, pageSize: 100, nextKey }),
      async (id) => {
        stats.read++
        if (await upsertShopOrder(deps, await shop.getOrder(id))) stats.upserted++
        else stats.skipped++
      },
    )
  })
  return { ...stats, ...walk }
}
