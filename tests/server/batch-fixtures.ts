import type { Store } from '../../cloudfunctions/ports/store'

/** The batch the issue-24 tests watch: one SKU of one batch, bought by many buyers. */
export const SKU = 'SKU-BAT-01'
export const BATCH = 'B9901'
export const PRICE = 5900

const DAY = 86_400_000
const ago = (now: string, days: number) => new Date(Date.parse(now) - days * DAY).toISOString()

export const buyerOf = (i: number) => `batch-buyer-${String(i).padStart(3, '0')}`
export const orderOf = (i: number) => `BATCH${String(i).padStart(4, '0')}`

/**
 * `n` orders of the batch, one per buyer, all signed for `deliveredDaysAgo` days before `now`
 * except the indexes in `unsigned` (shipped, not yet received).
 */
export async function seedBatchOrders(store: Store, now: string, n: number, opts: { unsigned?: number[]; deliveredDaysAgo?: number; batch?: string } = {}): Promise<void> {
  for (let i = 0; i < n; i++) {
    const signed = !(opts.unsigned ?? []).includes(i)
    await store.upsertOrder({
      createdAt: ago(now, 10),
      order: {
        orderId: orderOf(i),
        buyerOpenid: buyerOf(i),
        items: [{ skuId: SKU, name: '桂花乌龙 100g', qty: 1, unitPriceFen: PRICE, batch: opts.batch ?? BATCH }],
        paidFen: PRICE,
        paidAt: ago(now, 10),
        shippedAt: ago(now, 8),
        ...(signed ? { deliveredAt: ago(now, opts.deliveredDaysAgo ?? 6) } : {}),
      },
    })
  }
}

/** The form a buyer files about the batch (quality, a watched reason). */
export const qualityForm = (i: number, description = '茶叶结块，颜色发黑') => ({
  orderId: orderOf(i),
  claimedItems: [{ skuId: SKU, qty: 1 }],
  type: 'refund_only',
  reason: 'quality_defect',
  description,
  desiredRemedy: 'refund',
})
