/** Money helpers: integer fen only. */
import type { Case, ClaimedItem, OrderSnapshot } from '@contract/domain'

/** Value of the claimed items, prorated to what was actually paid (discounts), never above paidFen. */
export function claimedValueFen(order: OrderSnapshot, claimed: ClaimedItem[]): number {
  const itemsTotal = order.items.reduce((s, i) => s + i.qty * i.unitPriceFen, 0)
  let value = 0
  for (const c of claimed) {
    const item = order.items.find((i) => i.skuId === c.skuId)
    if (item) value += Math.min(c.qty, item.qty) * item.unitPriceFen
  }
  if (itemsTotal > order.paidFen && itemsTotal > 0) value = Math.floor((value * order.paidFen) / itemsTotal)
  return Math.min(value, order.paidFen)
}

/** Money already committed to the buyer on this case (refunds + compensation that did not fail). */
export function committedFen(c: Pick<Case, 'refunds'>): number {
  return c.refunds.filter((r) => r.status !== 'failed').reduce((s, r) => s + r.amountFen, 0)
}

/** "12.50元" */
export function formatYuan(fen: number): string {
  const f = Math.max(0, Math.trunc(fen))
  return `${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}元`
}

/** "¥12.50" (or "¥12" for whole yuan) for Chinese sentences. */
export function yuan(fen: number): string {
  const f = Math.max(0, Math.trunc(fen))
  return f % 100 === 0 ? `¥${f / 100}` : `¥${Math.floor(f / 100)}.${String(f % 100).padStart(2, '0')}`
}
