import type { OrderSnapshot } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import type { Store, StaffRecord } from '../ports/store'

/** Demo personas for the dev sign-in. Staff are WeChat users too: their openid is their id. */
export const PERSONAS = {
  buyers: [
    // unionid: what WeChat gives when the mini-program and the shop share an open-platform account
    { openid: 'buyer-lin', name: '林小姐（老客户，专属客服）', unionid: 'union-lin' },
    { openid: 'buyer-zhao', name: '赵先生', unionid: 'union-zhao' },
    { openid: 'buyer-wu', name: '吴同学（多次退款）', unionid: 'union-wu' },
  ],
  staff: [
    { id: 'staff-owner', name: '王店长', role: 'owner', teams: ['quality', 'logistics', 'warehouse', 'general'] },
    { id: 'staff-sup', name: '陈主管', role: 'supervisor', teams: ['quality', 'logistics', 'warehouse', 'general'] },
    { id: 'staff-amy', name: '小美（品质组）', role: 'agent', teams: ['quality'] },
    { id: 'staff-bo', name: '小波（物流组）', role: 'agent', teams: ['logistics'] },
    { id: 'staff-cai', name: '小蔡（仓储组）', role: 'agent', teams: ['warehouse', 'general'] },
    { id: 'staff-dan', name: '小丹（综合组，休息中）', role: 'agent', teams: ['general'] },
  ],
} as const

const day = 24 * 3600 * 1000

/** Receivers' names on the demo orders (what staff alerts call the buyer). */
const DEMO_BUYER_NAMES: Record<string, string> = { 'buyer-lin': '林女士', 'buyer-zhao': '赵先生', 'buyer-wu': '吴女士' }

/** ~20 orders of several kinds relative to `now`: delivered, late, multi-unit, in transit, final sale. */
export function demoOrders(nowIso: string): OrderSnapshot[] {
  const now = Date.parse(nowIso)
  const at = (days: number) => new Date(now - days * day).toISOString()
  const orders: OrderSnapshot[] = []
  let n = 0
  const add = (buyer: string, items: OrderSnapshot['items'], t: { paid: number; shipped?: number; promised?: number; delivered?: number }) => {
    n++
    const paidFen = items.reduce((s, i) => s + i.qty * i.unitPriceFen, 0)
    orders.push({
      orderId: `DEMO${String(n).padStart(4, '0')}`,
      buyerOpenid: buyer,
      ...(DEMO_BUYER_NAMES[buyer] ? { buyerName: DEMO_BUYER_NAMES[buyer] } : {}),
      items,
      paidFen,
      paidAt: at(t.paid),
      ...(t.shipped !== undefined ? { shippedAt: at(t.shipped), carrier: '顺丰速运', trackingNo: `SF${1000000000 + n}` } : {}),
      ...(t.promised !== undefined ? { promisedDeliveryAt: at(t.promised) } : {}),
      ...(t.delivered !== undefined ? { deliveredAt: at(t.delivered) } : {}),
    })
  }
  const tea = (qty = 1) => ({ skuId: 'SKU-TEA-01', name: '明前龙井 250g 礼盒装', qty, unitPriceFen: 16800, batch: 'B2611A' })
  const cup = (qty = 1) => ({ skuId: 'SKU-CUP-02', name: '手工青瓷茶杯', qty, unitPriceFen: 3900, batch: 'B2610C' })
  const snack = (qty = 1) => ({ skuId: 'SKU-SNK-03', name: '坚果礼包（食品，拆封不退）', qty, unitPriceFen: 8900, batch: 'B2611B', finalSale: true })
  const dress = (qty = 1) => ({ skuId: 'SKU-DRS-04', name: '真丝连衣裙 M码', qty, unitPriceFen: 45900, batch: 'B2609D' })
  const cream = (qty = 1) => ({ skuId: 'SKU-CRM-05', name: '修护面霜 50ml', qty, unitPriceFen: 25900, batch: 'B2611E' })
  for (const b of ['buyer-lin', 'buyer-zhao', 'buyer-wu']) {
    add(b, [tea()], { paid: 6, shipped: 5, promised: 3, delivered: 2 }) // delivered, within 7 days
    add(b, [cup(6)], { paid: 5, shipped: 4, promised: 2, delivered: 1 }) // multi-unit (damage > 3 units)
    add(b, [tea(), snack(2)], { paid: 9, shipped: 8, promised: 6, delivered: 3 }) // mixed with final-sale
    add(b, [dress()], { paid: 12, shipped: 11, promised: 9, delivered: 4 }) // over threshold
    add(b, [cream()], { paid: 10, shipped: 9, promised: 7, delivered: 2 }) // delivered 5 days late
    add(b, [cup(2)], { paid: 8, shipped: 6 }) // shipped 6 days ago, not signed (logistics watch)
  }
  add('buyer-lin', [tea(2), cup(4)], { paid: 20, shipped: 19, promised: 17, delivered: 16 }) // past 7 days
  add('buyer-zhao', [snack(1)], { paid: 1 }) // paid, not shipped yet
  return orders
}

/** Seeds a demo shop on first run: policy, staff in every role, roster, buyers and orders. */
export async function seedDemoShop(store: Store, nowIso: string): Promise<boolean> {
  if (await store.getPolicy()) return false
  await store.savePolicy(defaultPolicy, 0, 'seed', nowIso)
  for (const s of PERSONAS.staff) {
    const rec: StaffRecord = {
      id: s.id,
      name: s.name,
      role: s.role,
      teams: [...s.teams],
      onDuty: s.id !== 'staff-dan',
      lastAssignedAt: null,
      active: true,
    }
    await store.upsertStaff(rec)
  }
  // the name and phone tail on their orders: what staff search by (the dedicated-rep picker)
  await store.upsertBuyer({ openid: 'buyer-lin', dedicatedRepId: 'staff-amy', trusted: false, unionid: 'union-lin', name: '林小姐', phoneTail: '8801' })
  // a supervisor's audited decision (the other buyers' trust follows the policy's rule)
  await store.setBuyerTrust('buyer-lin', { at: nowIso, by: 'staff-sup', byName: '陈主管', trusted: true, reason: '多年老客户，换货可先发' })
  await store.upsertBuyer({ openid: 'buyer-zhao', dedicatedRepId: null, trusted: false, unionid: 'union-zhao', name: '赵先生', phoneTail: '3302' })
  await store.upsertBuyer({ openid: 'buyer-wu', dedicatedRepId: null, trusted: false, unionid: 'union-wu', name: '吴同学', phoneTail: '5503' })
  for (const order of demoOrders(nowIso)) await store.upsertOrder({ order, createdAt: order.paidAt })
  return true
}
