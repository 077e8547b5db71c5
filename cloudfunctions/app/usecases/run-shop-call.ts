import type { Case, OrderSnapshot, PlatformSnapshot, ShopCallEvent } from '@contract/domain'
import type { Deps } from '../deps'
import type { OutboxItem } from '../../ports/store'
import { isShopError, ShopError, type ShopPort } from '../../ports/shop'
import { platformStatusText } from '../../core/platform-status'
import { PRICE_DIFF_REASON_CODES, PRICE_DIFF_REASONS, priceDiffOutcome, SHOP_RESEND_LIMIT, SHOP_RESEND_LIMIT_TEXT } from '../../core/shop-remedy'
import { snapshotFromShop } from './channels-map'
import { applySystemCommand } from './system-command'

/** What the dispatcher does with the outbox row after one attempt (see dispatch-outbox.ts). */
export type ShopCallOutcome =
  | { kind: 'sent' }
  | { kind: 'refused'; error: string }
  | { kind: 'transient'; error: string; retryAt?: string }
  /** again at `at` without using up a retry; the row gives up (and a person is told) after `giveUpMs` */
  | { kind: 'deferred'; at: string; error: string | null; giveUpMs?: number }

/** The sync-state record linking a 退差价 after-sale to the desk refund it pays (written when the platform answers). */
export const remedyLinkName = (afterSaleOrderId: string): string => `channels-remedy:${afterSaleOrderId}`
/** The sync-state record holding the order's resends registered with the platform (leg ids, at most 10). */
export const resendCountName = (orderId: string): string => `channels-resend:${orderId}`

/** A 退差价 waits for the platform's refund this long before a person is asked to check it. */
export const PRICE_DIFF_WAIT_MS = 24 * 60 * 60_000

/**
 * Carries out a desk remedy on a Channels order through the shop (an outbox `shop_call`), exactly
 * once by its ref:
 *
 * - refund_price_diff: `refundpricediff` with request_id = the refund key (a repeat after a lost
 *   answer opens nothing new); the after-sale it opens is linked to the refund, and the refund stays
 *   pending until that after-sale reports the money moved — this row re-reads it (every minute at
 *   first, then less often) and the push / poll of that after-sale settles it too, whichever comes
 *   first. The call's answer is only "accepted": the platform's own page says the after-sale then
 *   moves through the usual statuses, so success is MERCHANT_REFUND_SUCCESS, not the answer.
 * - delivery_compensation: `order/delivery/compensation`, at most 10 per order, counted by leg in
 *   one compare-and-set record so the 11th is refused before any call; a retry first looks for the
 *   parcel on the order (the call has no request id).
 * - a refusal sends the case back to the agent with the platform's reason in Chinese; busy /
 *   network / token troubles retry with backoff and, on the last attempt, hand the decision back
 *   to a person with the reason instead of dropping it.
 */
export async function runShopCall(deps: Deps, ev: ShopCallEvent, item: Pick<OutboxItem, 'attempts' | 'createdAt'>, lastAttempt: boolean): Promise<ShopCallOutcome> {
  const shop = deps.shop
  if (!shop) return { kind: 'transient', error: '尚未连接视频号小店' }
  const c = await deps.store.getCase(ev.caseId)
  if (!c) return { kind: 'sent' }
  return ev.call === 'refund_price_diff' ? priceDiff(deps, shop, c, ev, item, lastAttempt) : resend(deps, shop, c, ev, item, lastAttempt)
}

async function priceDiff(deps: Deps, shop: ShopPort, c: Case, ev: ShopCallEvent, item: Pick<OutboxItem, 'createdAt'>, lastAttempt: boolean): Promise<ShopCallOutcome> {
  const r = c.refunds.find((x) => x.key === ev.ref)
  if (!r?.shop || r.status !== 'pending') return { kind: 'sent' }
  let afterSaleOrderId = r.shop.afterSaleOrderId
  const waitMore = (error: string): ShopCallOutcome => {
    // the platform is still refunding: look again, every minute at first, then a quarter of the time waited (≤ 30 min)
    const waited = Date.parse(deps.now()) - Date.parse(item.createdAt)
    const wait = Math.min(30 * 60_000, Math.max(60_000, Math.floor(waited / 4)))
    return { kind: 'deferred', at: new Date(Date.parse(deps.now()) + wait).toISOString(), error, giveUpMs: PRICE_DIFF_WAIT_MS }
  }
  try {
    if (!afterSaleOrderId) {
      const productId = await productIdOf(shop, c.order, r.shop.skuId)
      try {
        afterSaleOrderId = (await shop.refundPriceDiff({
          requestId: r.key, orderId: c.order.orderId, productId, skuId: r.shop.skuId, amountFen: r.amountFen,
          reason: ev.reason ?? PRICE_DIFF_REASONS.agreed, ...(ev.desc ? { desc: ev.desc } : {}),
        })).afterSaleOrderId
      } catch (e) {
        // 10021089: this request_id already opened its after-sale (an earlier answer was lost): find it
        const found = isShopError(e) && e.errcode === 10021089 ? await findPriceDiffAfterSale(shop, c.order.orderId, r.amountFen, r.requestedAt, deps.now()) : null
        if (!found) throw e
        afterSaleOrderId = found
      }
      await deps.store.saveSyncState(remedyLinkName(afterSaleOrderId), { caseId: c.id, refundKey: r.key }, 0, deps.now())
      await applySystemCommand(deps, c, { type: 'shop_call_result', call: 'refund_price_diff', ref: r.key, outcome: 'accepted', afterSaleOrderId }, 'channels')
    }
    const snap = snapshotFromShop(await shop.getAfterSaleOrder(afterSaleOrderId), deps.now())
    if (await settlePriceDiff(deps, c.id, r.key, snap)) return { kind: 'sent' }
    return waitMore(`等待平台退款（${platformStatusText(snap.status)}）`)
  } catch (e) {
    // once the platform has taken it the money is in its hands: never failed here, only looked at again
    if (afterSaleOrderId) return waitMore(`读取平台退款状态失败：${isShopError(e) ? e.messageZh : e instanceof Error ? e.message : String(e)}`)
    return failed(deps, e, lastAttempt, async (message) => {
      const out = await applySystemCommand(deps, c, { type: 'shop_call_result', call: 'refund_price_diff', ref: r.key, outcome: 'refused', message }, 'channels')
      if (!out.applied && out.error?.code !== 'CONFLICT') deps.log(`refund ${r.key}: platform refusal not recorded: ${out.error?.message ?? 'lost races'}`)
    })
  }
}

/**
 * Settles the desk refund a 退差价 after-sale pays once that after-sale is final: refund_confirmed
 * on the platform's refund, refund_failed (with the platform's words) when it failed or closed.
 * True when nothing is left pending (settled now or before).
 */
export async function settlePriceDiff(deps: Deps, caseId: string, refundKey: string, snap: PlatformSnapshot): Promise<boolean> {
  const outcome = priceDiffOutcome(snap.status)
  if (outcome === 'pending') return false
  const c = await deps.store.getCase(caseId)
  const pending = (x: Case | null) => !!x?.refunds.some((r) => r.key === refundKey && r.status === 'pending')
  if (!c || !pending(c)) return true
  const reason = (snap.refundResp?.message || `平台状态：${platformStatusText(snap.status)}`).slice(0, 200)
  const out = await applySystemCommand(deps, c, outcome === 'succeeded' ? { type: 'refund_confirmed', key: refundKey } : { type: 'refund_failed', key: refundKey, reason }, 'channels')
  return out.applied || !pending(out.case)
}

/**
 * A 退差价 after-sale seen by the push or the poll: settles the refund it belongs to (true), or
 * says it is none of the desk's (false: a price difference refunded from the shop back office, or
 * one whose answer the desk is still recording — its own row then settles it).
 */
export async function importPriceDiff(deps: Deps, snap: PlatformSnapshot): Promise<{ caseId: string; settled: boolean } | null> {
  if (!PRICE_DIFF_REASON_CODES.has(snap.reasonCode)) return null
  const link = await deps.store.getSyncState(remedyLinkName(snap.afterSaleOrderId))
  const caseId = typeof link?.value.caseId === 'string' ? link.value.caseId : ''
  const refundKey = typeof link?.value.refundKey === 'string' ? link.value.refundKey : ''
  if (!caseId || !refundKey) return { caseId: '', settled: false }
  return { caseId, settled: await settlePriceDiff(deps, caseId, refundKey, snap) }
}

async function resend(deps: Deps, shop: ShopPort, c: Case, ev: ShopCallEvent, item: Pick<OutboxItem, 'attempts'>, lastAttempt: boolean): Promise<ShopCallOutcome> {
  const leg = c.replacementShipments.find((l) => l.id === ev.ref)
  if (!leg?.shopCall || leg.shopCall.status !== 'pending') return { kind: 'sent' }
  const record = async (outcome: 'accepted' | 'refused', message?: string) => {
    const out = await applySystemCommand(deps, c, { type: 'shop_call_result', call: 'delivery_compensation', ref: leg.id, outcome, ...(message ? { message } : {}) }, 'channels')
    if (!out.applied && out.error?.code !== 'CONFLICT') deps.log(`resend ${leg.id}: platform answer not recorded: ${out.error?.message ?? 'lost races'}`)
  }
  const waybillId = ev.waybillId ?? leg.trackingNo ?? ''
  try {
    // an earlier attempt may have gone through with its answer lost: the parcel is then on the order
    if (item.attempts > 1 && (await parcelOnOrder(shop, c.order.orderId, waybillId))) {
      await record('accepted')
      return { kind: 'sent' }
    }
    const items = ev.items?.length ? ev.items : leg.items
    const products = []
    for (const i of items) products.push({ productId: await productIdOf(shop, c.order, i.skuId), skuId: i.skuId, count: i.qty })
    if (!(await claimResend(deps, c.order.orderId, leg.id))) {
      await record('refused', SHOP_RESEND_LIMIT_TEXT)
      return { kind: 'refused', error: SHOP_RESEND_LIMIT_TEXT }
    }
    try {
      await shop.deliveryCompensation({ orderId: c.order.orderId, reason: (ev.compensationReason ?? 1) as 1 | 2 | 3 | 4, deliveryId: deliveryCompanyId(ev.deliveryId ?? leg.carrier ?? ''), waybillId, products })
    } catch (e) {
      // refused: the slot goes back (the platform did not count it); busy / network: kept for the retry
      if (isShopError(e) && !['transient', 'token', 'rate_limited'].includes(e.kind)) await releaseResend(deps, c.order.orderId, leg.id)
      throw e
    }
    await record('accepted')
    return { kind: 'sent' }
  } catch (e) {
    return failed(deps, e, lastAttempt, async (message) => {
      if (lastAttempt) await releaseResend(deps, c.order.orderId, leg.id).catch(() => undefined)
      await record('refused', message)
    })
  }
}

/** Busy / network / token → retry (on the last attempt: hand back to a person); frequency → later; a refusal → back to the agent. */
async function failed(deps: Deps, e: unknown, lastAttempt: boolean, handBack: (message: string) => Promise<void>): Promise<ShopCallOutcome> {
  const inAMinute = new Date(Date.parse(deps.now()) + 61_000).toISOString()
  const se: ShopError | null = isShopError(e) ? e : null
  if (se?.kind === 'rate_limited') return { kind: 'deferred', at: se.retryAt ?? inAMinute, error: se.messageZh }
  const transient = !se || se.kind === 'transient' || se.kind === 'token'
  const message = se ? se.messageZh : `网络错误：${e instanceof Error ? e.message : String(e)}`
  if (transient && !lastAttempt) return { kind: 'transient', error: message, ...(se?.retryAt ? { retryAt: se.retryAt } : {}) }
  const said = transient ? `平台多次未响应（${message}），请到微信小店后台核对后重新处理` : message
  await handBack(said.slice(0, 500))
  return { kind: 'refused', error: `${se?.errcode ?? 0} ${said}` }
}

/** The shop's product id of a SKU of the order: from the synced order, else read from the shop. */
async function productIdOf(shop: ShopPort, order: OrderSnapshot, skuId: string): Promise<string> {
  const known = order.items.find((i) => i.skuId === skuId)?.productId
  if (known) return known
  const o = await shop.getOrder(order.orderId)
  const p = o.order_detail.product_infos.find((x) => x.sku_id === skuId)
  if (!p) throw new ShopError('not_found', 0, `sku ${skuId} not on order`, `平台订单 ${order.orderId} 中没有这个商品（${skuId}），请核对`, null, '/channels/ec/order/get')
  return p.product_id
}

/** The order already carries a parcel with this waybill (a resend that went through). */
async function parcelOnOrder(shop: ShopPort, orderId: string, waybillId: string): Promise<boolean> {
  if (!waybillId) return false
  const o = await shop.getOrder(orderId)
  return (o.order_detail.delivery_info?.delivery_product_info ?? []).some((p) => p.waybill_id === waybillId)
}

/** Counts this leg among the order's resends, once (compare-and-set); false when the order has used its 10. */
export async function claimResend(deps: Deps, orderId: string, legId: string): Promise<boolean> {
  // one compare-and-set on the order's count; many resends of one order at once take turns (jittered)
  for (let i = 0; i < 30; i++) {
    if (i) await new Promise((r) => setTimeout(r, Math.random() * 10 * Math.min(i, 5)))
    const s = await deps.store.getSyncState(resendCountName(orderId))
    const legs = Array.isArray(s?.value.legs) ? (s.value.legs as string[]) : []
    if (legs.includes(legId)) return true
    if (legs.length >= SHOP_RESEND_LIMIT) return false
    if (await deps.store.saveSyncState(resendCountName(orderId), { legs: [...legs, legId] }, s?.version ?? 0, deps.now())) return true
  }
  throw new Error('补发次数记录冲突，稍后重试')
}

async function releaseResend(deps: Deps, orderId: string, legId: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const s = await deps.store.getSyncState(resendCountName(orderId))
    const legs = Array.isArray(s?.value.legs) ? (s.value.legs as string[]) : []
    if (!s || !legs.includes(legId)) return
    if (await deps.store.saveSyncState(resendCountName(orderId), { legs: legs.filter((l) => l !== legId) }, s.version, deps.now())) return
  }
}

/** The platform's delivery company ids of common couriers as staff type them; anything else is passed as given. */
const COMPANY_IDS: Array<[RegExp, string]> = [
  [/顺丰/, 'SF'], [/中通/, 'ZTO'], [/圆通/, 'YTO'], [/申通/, 'STO'], [/韵达/, 'YUNDA'], [/极兔/, 'JTSD'],
  [/京东/, 'JD'], [/邮政|EMS/i, 'EMS'], [/德邦/, 'DBL'],
]
export function deliveryCompanyId(carrier: string): string {
  const t = carrier.trim()
  for (const [re, id] of COMPANY_IDS) if (re.test(t)) return id
  return t || 'OTHER'
}

/**
 * 10021089 for a request_id: the 退差价 after-sale of this order, amount and reason opened since
 * the refund was asked for (create-time windows ≤ 24 h, the newest day first).
 */
async function findPriceDiffAfterSale(shop: ShopPort, orderId: string, amountFen: number, since: string, now: string): Promise<string | null> {
  const end = Math.floor(Date.parse(now) / 1000)
  const start = Math.max(Math.floor(Date.parse(since) / 1000) - 300, end - 24 * 3600)
  let nextKey = ''
  for (let page = 0; page < 20; page++) {
    const ids = await shop.listAfterSaleIds({ by: 'create', range: { startTime: start, endTime: end }, nextKey })
    for (const id of ids.ids) {
      const a = await shop.getAfterSaleOrder(id)
      if (a.order_id === orderId && a.refund_info.amount === amountFen && PRICE_DIFF_REASON_CODES.has(a.reason)) return id
    }
    if (!ids.hasMore) break
    nextKey = ids.nextKey
  }
  return null
}

