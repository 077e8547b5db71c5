/**
 * Desk remedies on a Channels shop order without a platform after-sale (core/shop-remedy.ts): the
 * money is a 退差价 the shop pays and the resend a 补发货 the shop registers, both outbox
 * `shop_call` events; never the payment port.
 */
import type { PlatformSnapshot } from '@contract/domain'
import { allowedCommands, decide } from '../../cloudfunctions/core'
import { SHOP_FULL_REFUND_GUIDE } from '../../cloudfunctions/core/shop-remedy'
import { agent, ctx, later, MON_10, open, order, policy, step, supervisor, system } from './fixtures'

const shopOrder = () =>
  order({
    source: 'channels',
    items: [
      { skuId: 'NEST-6', productId: 'P-NEST', name: '高含量瓶装燕窝6瓶装', qty: 6, unitPriceFen: 5000 },
      { skuId: 'CUP', productId: 'P-CUP', name: '燕窝杯', qty: 1, unitPriceFen: 2000 },
    ],
  })
const late = () =>
  open({ order: shopOrder(), type: 'compensation', reason: 'late_delivery', desiredRemedy: 'compensation', claimedItems: [{ skuId: 'NEST-6', qty: 6 }], description: '晚到了两天' })

describe('视频号小店订单上的售后台方案：由平台执行', () => {
  it('补偿：记一笔待平台退款（退差价），只写平台调用、不走本地支付', () => {
    const r = step(step(late(), { type: 'respond', text: '您好' }, agent, later(MON_10, 5)).case, { type: 'issue_refund', amountFen: 2000, purpose: 'compensation', expectedVersion: 2 }, agent, later(MON_10, 10))
    expect(r.case.status).toBe('refunding')
    expect(r.case.refunds).toEqual([expect.objectContaining({ amountFen: 2000, purpose: 'compensation', status: 'pending', shop: { skuId: 'NEST-6', afterSaleOrderId: null } })])
    expect(r.events.some((e) => e.kind === 'refund_requested')).toBe(false)
    expect(r.events.find((e) => e.kind === 'shop_call')).toMatchObject({ call: 'refund_price_diff', orderId: 'O-1001', ref: r.case.refunds[0].key, skuId: 'NEST-6', amountFen: 2000, reason: '10001336' })
  })

  it('平台受理后仍是待退款；平台确认退款才到账，平台拒绝则退回客服并说明原因', () => {
    const paid = step(step(late(), { type: 'respond', text: '您好' }, agent, later(MON_10, 5)).case, { type: 'issue_refund', amountFen: 2000, purpose: 'compensation' }, agent, later(MON_10, 10)).case
    const key = paid.refunds[0].key
    // the shop's answer is offered exactly while the shop owes one
    expect(allowedCommands(paid, { actor: system, policy, now: later(MON_10, 11) })).toContain('shop_call_result')
    expect(allowedCommands(late(), { actor: system, policy, now: later(MON_10, 11) })).not.toContain('shop_call_result')
    const accepted = step(paid, { type: 'shop_call_result', call: 'refund_price_diff', ref: key, outcome: 'accepted', afterSaleOrderId: 'AS-9' }, system, later(MON_10, 11)).case
    expect(accepted.status).toBe('refunding')
    expect(accepted.refunds[0]).toMatchObject({ status: 'pending', shop: { afterSaleOrderId: 'AS-9' } })
    // the same answer twice is a no-op
    const twice = decide(accepted, { type: 'shop_call_result', call: 'refund_price_diff', ref: key, outcome: 'accepted', afterSaleOrderId: 'AS-9' }, ctx(system, later(MON_10, 12)))
    expect(twice.ok || twice.error.code).toBe('CONFLICT')
    const done = step(accepted, { type: 'refund_confirmed', key }, system, later(MON_10, 13)).case
    expect(done.status).toBe('resolved')
    expect(done.refunds[0].status).toBe('succeeded')

    const refused = step(paid, { type: 'shop_call_result', call: 'refund_price_diff', ref: key, outcome: 'refused', message: '店铺账户可用余额不足' }, system, later(MON_10, 11))
    expect(refused.case.status).toBe('in_review')
    expect(refused.case.flags.refundFailed).toBe(true)
    expect(refused.case.refunds[0]).toMatchObject({ status: 'failed', failureReason: '店铺账户可用余额不足' })
    expect(refused.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'staff_alert', alert: 'refund_failed', text: expect.stringContaining('余额不足') })]))
  })

  it('全额退款与退货退款不由售后台发起：提示买家在微信申请售后；引擎也不建议它们', () => {
    const c = step(late(), { type: 'respond', text: '您好' }, agent, later(MON_10, 5)).case
    // the whole claimed line (6 × ¥50) is the buyer's own 仅退款
    const full = decide(c, { type: 'issue_refund', amountFen: 30000, purpose: 'refund' }, ctx(supervisor, later(MON_10, 10)))
    expect(full.ok).toBe(false)
    if (!full.ok) expect(full.error.message).toBe(SHOP_FULL_REFUND_GUIDE)
    const ret = decide(c, { type: 'make_offer', offers: [{ kind: 'return_refund', refundFen: 5000, explanation: '退货退款' }] }, ctx(agent, later(MON_10, 10)))
    expect(ret.ok).toBe(false)
    if (!ret.ok) expect(ret.error.message).toBe(SHOP_FULL_REFUND_GUIDE)
    const defect = open({ order: shopOrder(), type: 'exchange', reason: 'quality_defect', desiredRemedy: 'exchange', description: '瓶子里有杂质' })
    expect(defect.offers.some((o) => o.kind === 'return_refund')).toBe(false)
    // the same claim on an order of another channel keeps its return offers
    expect(open({ type: 'exchange', reason: 'quality_defect', desiredRemedy: 'exchange', description: '瓶子里有杂质' }).offers.some((o) => o.kind === 'return_refund')).toBe(true)
  })

  it('补发：发出时写一条平台补发货调用；平台拒绝（如已补发10次）则收回包裹、退回客服', () => {
    const c = open({ order: shopOrder(), type: 'resend', reason: 'missing_item', desiredRemedy: 'resend', claimedItems: [{ skuId: 'CUP', qty: 1 }], description: '少了杯子' })
    const approved = step(c, { type: 'approve' }, agent, later(MON_10, 10)).case
    const shipped = step(approved, { type: 'ship_replacement', carrier: '顺丰', trackingNo: 'SF0001' }, agent, later(MON_10, 20))
    expect(shipped.case.status).toBe('replacement_shipped')
    const leg = shipped.case.replacementShipments[0]
    expect(leg.shopCall).toEqual({ status: 'pending', message: null })
    expect(shipped.events.find((e) => e.kind === 'shop_call')).toMatchObject({ call: 'delivery_compensation', ref: leg.id, waybillId: 'SF0001', deliveryId: '顺丰', compensationReason: 1, items: [{ skuId: 'CUP', qty: 1 }] })

    const refused = step(shipped.case, { type: 'shop_call_result', call: 'delivery_compensation', ref: leg.id, outcome: 'refused', message: '平台规定每个订单最多补发10次' }, system, later(MON_10, 21))
    expect(refused.case.status).toBe('in_review')
    expect(refused.case.replacementShipments[0]).toMatchObject({ status: 'to_ship', trackingNo: null, shopCall: { status: 'refused' } })
    expect(refused.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'staff_alert', alert: 'platform_refused' })]))
    // shipped again, and registered
    const again = step(refused.case, { type: 'ship_replacement', carrier: '中通', trackingNo: 'ZT0002' }, agent, later(MON_10, 30)).case
    const ok = step(again, { type: 'shop_call_result', call: 'delivery_compensation', ref: leg.id, outcome: 'accepted' }, system, later(MON_10, 31)).case
    expect(ok.status).toBe('replacement_shipped')
    expect(ok.replacementShipments[0].shopCall?.status).toBe('done')
  })

  it('平台换货到更便宜的规格：发出新商品时由平台退差价；更贵则提示买家补差价', () => {
    const snap = (over: Partial<PlatformSnapshot> = {}): PlatformSnapshot => ({
      afterSaleOrderId: 'AS-1', orderId: 'O-1001', type: 'EXCHANGE', status: 'MERCHANT_WAIT_RECEIPT', reasonCode: '10000021', reasonText: '质量问题',
      refundFen: 0, productId: 'P-NEST', skuId: 'NEST-6', count: 1, description: '', mediaIds: [], telNumber: null, returnWaybill: { waybillId: 'YT1', deliveryId: 'YTO', deliveryName: '圆通' },
      deadline: later(MON_10, 48 * 60), refundResp: null, complaintId: null, shopOpenid: 'shop-o', unionid: null, createTime: MON_10, updateTime: MON_10, ...over,
    })
    // the buyer's exchange as the import opens it, then the return reaches the seller (MERCHANT_WAIT_RECEIPT)
    const shopCase = (over: Partial<PlatformSnapshot>) => {
      const c = open({ order: shopOrder(), type: 'exchange', desiredRemedy: 'exchange', platform: { ...snap({ ...over, status: 'MERCHANT_PROCESSING', returnWaybill: null }), syncedAt: MON_10, lastCall: null } }, MON_10, { actor: system })
      return step(c, { type: 'platform_sync', snapshot: snap({ ...over, updateTime: later(MON_10, 5) }) }, system, later(MON_10, 6)).case
    }
    const cheaper = shopCase({ exchange: { oldSkuId: 'NEST-6', newSkuId: 'NEST-6S', oldSkuPriceFen: 5000, newSkuPriceFen: 4200 } })
    const r = step(cheaper, { type: 'platform_reship', deliveryId: 'SF', waybillId: 'SF9' }, agent, later(MON_10, 10))
    expect(r.case.refunds).toEqual([expect.objectContaining({ amountFen: 800, status: 'pending', shop: { skuId: 'NEST-6', afterSaleOrderId: null } })])
    expect(r.events.find((e) => e.kind === 'shop_call')).toMatchObject({ call: 'refund_price_diff', amountFen: 800, skuId: 'NEST-6' })
    expect(r.case.timeline.at(-1)?.text).toContain('换货差价¥8由平台退回')
    // the refund settles beside the exchange: the case stays where the platform's exchange is
    const settled = step(r.case, { type: 'refund_confirmed', key: r.case.refunds[0].key }, system, later(MON_10, 20)).case
    expect(settled.status).toBe('replacement_shipped')
    expect(settled.refunds[0].status).toBe('succeeded')

    const dearer = step(shopCase({ exchange: { oldSkuId: 'NEST-6', newSkuId: 'NEST-6L', oldSkuPriceFen: 5000, newSkuPriceFen: 5600 } }), { type: 'platform_reship', deliveryId: 'SF', waybillId: 'SF9' }, agent, later(MON_10, 10))
    expect(dearer.case.refunds).toEqual([])
    expect(dearer.events.some((e) => e.kind === 'shop_call')).toBe(false)
    expect(dearer.case.timeline.at(-1)?.text).toContain('新规格比原规格贵¥6，需买家补差价')
  })
})
