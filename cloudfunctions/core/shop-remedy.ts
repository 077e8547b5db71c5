/**
 * Desk remedies on a Channels shop order that has no platform after-sale (a case filed in the
 * mini-program, a linked or proactive case): the shop pays and resends, not the payment port.
 * Money goes out as 退差价 (refundpricediff) on one claimed SKU, a resend as 订单补发货
 * (order/delivery/compensation, at most 10 per order). A return, or a refund of a SKU's whole paid
 * value, is the buyer's own after-sale in WeChat (it then reaches the desk as a platform case).
 * Pure: used by commands/work.ts (addRefund), commands/ship_replacement.ts, commands/remedy.ts and
 * the use case that runs the calls (app/usecases/run-shop-call.ts).
 */
import type { Case, PlatformStatus, ReasonCode } from '@contract/domain'
import { platformRow } from './platform-status'

/** refundpricediff reasons (PLATFORM-FACTS §6); the desk's remedies are agreed with the buyer. */
export const PRICE_DIFF_REASONS = { agreed: '10001336', priceDrop: '10001337', couponUnused: '10001338' } as const
export const PRICE_DIFF_REASON_CODES: ReadonlySet<string> = new Set(Object.values(PRICE_DIFF_REASONS))
/** order/delivery/compensation: at most this many per order (the platform's rule) */
export const SHOP_RESEND_LIMIT = 10

export const SHOP_FULL_REFUND_GUIDE = '视频号小店订单的全额退款和退货退款由买家在微信「订单详情 → 申请售后」中提交，平台处理进度会同步到售后台；这里可以给部分退款或补偿（平台退差价）'
export const SHOP_RESEND_LIMIT_TEXT = `平台规定每个订单最多补发${SHOP_RESEND_LIMIT}次，该订单已用完，请线下联系买家处理`

/** A desk case on a Channels order: the shop carries out its money and resends. */
export function isShopDeskCase(c: { order: Pick<Case['order'], 'source'>; platform?: unknown }): boolean {
  return c.order.source === 'channels' && !c.platform
}

/**
 * The claimed SKU a 退差价 is charged to: the claimed line with the highest paid value, and that
 * value (the platform takes one product / SKU per call). Null when no claimed SKU is on the order.
 */
export function priceDiffLine(c: Pick<Case, 'order' | 'claimedItems'>): { skuId: string; valueFen: number } | null {
  let best: { skuId: string; valueFen: number } | null = null
  for (const ci of c.claimedItems) {
    const item = c.order.items.find((i) => i.skuId === ci.skuId)
    if (!item) continue
    const valueFen = Math.min(ci.qty, item.qty) * item.unitPriceFen
    if (!best || valueFen > best.valueFen) best = { skuId: ci.skuId, valueFen }
  }
  return best
}

/** 补发原因: 1 商品漏发, 2 拆分包裹, 3 坏损, 4 赠品 (a leg carrying only a gift). */
export function compensationReasonFor(reason: ReasonCode, giftOnly: boolean): 1 | 2 | 3 | 4 {
  if (giftOnly) return 4
  if (reason === 'damaged_in_transit' || reason === 'quality_defect') return 3
  return 1
}

/** What a 退差价 after-sale's status means for the desk's refund. */
export function priceDiffOutcome(status: PlatformStatus): 'succeeded' | 'failed' | 'pending' {
  const row = platformRow(status)
  if (row.refunded) return 'succeeded'
  if (row.refundFailed || ['cancelled', 'closed', 'rejected'].includes(row.caseStatus)) return 'failed'
  return 'pending'
}

/** The exchange's price difference (fen): > 0 the buyer gets it back, < 0 the buyer pays it, 0 none. */
export function exchangeDifferenceFen(c: Pick<Case, 'platform'>): number {
  const x = c.platform?.exchange
  if (!x) return 0
  return (x.oldSkuPriceFen - x.newSkuPriceFen) * Math.max(1, c.platform?.count ?? 1)
}

/**
 * Why the shop cannot carry out this offer on a desk case of a Channels order (null = it can): a
 * return goes through the buyer's own after-sale; each amount must stay below the charged SKU's
 * paid value (a whole-value refund is the buyer's 仅退款 in WeChat).
 */
export function shopOfferRefusal(
  offer: { kind: string; refundFen?: number; compensationFen?: number },
  c: Pick<Case, 'order' | 'claimedItems'> & { platform?: unknown },
): string | null {
  if (!isShopDeskCase(c)) return null
  if (offer.kind === 'return_refund') return SHOP_FULL_REFUND_GUIDE
  const amounts = [offer.refundFen ?? 0, offer.compensationFen ?? 0].filter((f) => f > 0)
  if (!amounts.length) return null
  const line = priceDiffLine(c)
  if (!line || amounts.some((f) => f >= line.valueFen)) return SHOP_FULL_REFUND_GUIDE
  return null
}
