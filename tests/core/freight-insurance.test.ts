/**
 * Issue 21 point 3: 运费险 decides who pays return shipping. Seller at fault → seller; an insured
 * return → the insurance (the buyer is never told to pay it); else the buyer.
 */
import type { OrderSnapshot } from '@contract/domain'
import { decide, suggestOffers } from '../../cloudfunctions/core'
import { BUYER_EVENTS } from '../../cloudfunctions/core/messages'
import { returnShippingPayer } from '../../cloudfunctions/core/shipping'
import { buyerView } from '../../cloudfunctions/app/views'
import { agent, ctx, later, MON_10, open, order, policy, step } from './fixtures'

const insuredOrder = (): OrderSnapshot => {
  const o = order()
  return { ...o, items: o.items.map((i) => ({ ...i, freightInsurance: true })) }
}
const uninsuredOrder = (): OrderSnapshot => {
  const o = order()
  return { ...o, items: o.items.map((i) => ({ ...i, freightInsurance: false })) }
}
const facts = (o: OrderSnapshot) => ({ order: o, claimedItems: [{ skuId: 'NEST-6', qty: 1 }], severity: 'P3' as const, now: MON_10 })
const buyerPays = /由您承担|自付运费/

describe('运费险 decides who pays the return', () => {
  test('the one answer: seller at fault → seller, insured → insurance, else buyer', () => {
    expect(returnShippingPayer({ sellerAtFault: true, insured: true })).toBe('seller')
    expect(returnShippingPayer({ sellerAtFault: false, insured: true })).toBe('insurance')
    expect(returnShippingPayer({ sellerAtFault: false, insured: false })).toBe('buyer')
  })

  test('insured 7天无理由: the insurance pays, the buyer is not asked to', () => {
    const s = suggestOffers({ ...facts(insuredOrder()), reason: 'no_reason_7d' }, policy)
    expect(s.offers[0]).toMatchObject({ rule: 'no_reason_return_after_inspection', shippingPaidBy: 'insurance' })
    expect(s.offers[0].explanation).toContain('运费由运费险承担')
    expect(s.offers[0].explanation).not.toMatch(buyerPays)
    expect(s.notes.join('；')).toContain('运费险')
    expect(s.notes.join('；')).not.toContain('寄回运费由买家承担')
  })

  test('insured 尺码不合适: neither the exchange nor the return asks the buyer to pay', () => {
    const s = suggestOffers({ ...facts(insuredOrder()), reason: 'size_fit' }, policy)
    expect(s.offers.map((o) => o.shippingPaidBy)).toEqual(['insurance', 'insurance'])
    for (const o of s.offers) expect(o.explanation).not.toMatch(buyerPays)
  })

  test('uninsured 7天无理由: the buyer pays (the order says no 运费险, or says nothing)', () => {
    for (const o of [uninsuredOrder(), order()]) {
      const s = suggestOffers({ ...facts(o), reason: 'no_reason_7d' }, policy)
      expect(s.offers[0].shippingPaidBy).toBe('buyer')
      expect(s.offers[0].explanation).toContain('请自付运费寄回')
    }
  })

  test('seller at fault on an insured order: the seller pays, not the insurance', () => {
    const s = suggestOffers({ ...facts(insuredOrder()), reason: 'quality_defect', severity: 'P2' }, policy)
    const ret = s.offers.find((o) => o.kind === 'return_refund')!
    expect(ret.shippingPaidBy).toBe('seller')
  })

  test('only some products insured: the return of an uninsured one is the buyer’s', () => {
    const o = order()
    const mixed = { ...o, items: o.items.map((i) => ({ ...i, freightInsurance: i.skuId === 'CUP' })) }
    expect(suggestOffers({ ...facts(mixed), reason: 'no_reason_7d' }, policy).offers[0].shippingPaidBy).toBe('buyer')
    expect(suggestOffers({ ...facts(mixed), claimedItems: [{ skuId: 'CUP', qty: 1 }], reason: 'no_reason_7d' }, policy).offers[0].shippingPaidBy).toBe('insurance')
  })

  test('approving an insured no-reason return: the return leg, the message and the buyer page say 运费险', () => {
    const c = open({ order: insuredOrder(), reason: 'no_reason_7d', description: '不想要了', desiredRemedy: 'return_refund' })
    const out = step(c, { type: 'approve' }, agent, later(MON_10, 5))
    expect(out.case.returnShipment?.shippingPaidBy).toBe('insurance')
    const msgs = out.events.filter((e) => e.kind === 'buyer_message').map((e) => (e as { event: keyof typeof BUYER_EVENTS }).event)
    expect(msgs).toContain('return_requested_insured')
    expect(msgs).not.toContain('return_requested')
    expect(BUYER_EVENTS.return_requested_insured.nextStep).toContain('运费由运费险承担')
    const view = buyerView(out.case, later(MON_10, 6), policy)
    expect(view.returnShipment?.shippingPaidBy).toBe('insurance')
    expect(view.order.items.every((i) => i.freightInsurance === true)).toBe(true)
  })

  test('staff choosing 买家承担 on an insured order: the insurance pays all the same', () => {
    const c = open({ order: insuredOrder(), reason: 'no_reason_7d', description: '不想要了', desiredRemedy: 'return_refund' })
    const out = step(c, { type: 'approve', shippingPaidBy: 'buyer', changeReason: '客服改为买家承担' }, agent, later(MON_10, 5))
    expect(out.case.returnShipment?.shippingPaidBy).toBe('insurance')
  })

  test('an uninsured order: the insurance cannot be named as payer', () => {
    const c = open({ order: uninsuredOrder(), reason: 'no_reason_7d', description: '不想要了', desiredRemedy: 'return_refund' })
    const r = decide(c, { type: 'approve', shippingPaidBy: 'insurance', changeReason: '客服改为运费险' }, ctx(agent, later(MON_10, 5)))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('没有运费险') })
    const uninsured = step(c, { type: 'approve' }, agent, later(MON_10, 5))
    expect(uninsured.case.returnShipment?.shippingPaidBy).toBe('buyer')
  })
})
