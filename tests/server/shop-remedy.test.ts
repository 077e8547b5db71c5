/**
 * The shop executes what the desk decides (issue 21 §1): a desk case on a Channels order — filed
 * in the mini-program, no platform after-sale — pays its compensation / partial refund by the
 * shop's 退差价 (refundpricediff) and registers its resend as 补发货 (order/delivery/compensation),
 * through the outbox, once by key, the case settled only on the platform's answer. The real adapter
 * against the stand-in, the real gateway push route, dispatcher and SQLite store, one clock.
 */
import type { CaseView } from '@contract/actions'
import { SubmitInputSchema } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import type { Gateway } from '../../cloudfunctions/gateway/server'
import { shopDeskForFile } from './shop-desk'
import { AFTERSALE_SCOPE } from '../../cloudfunctions/app/usecases/import-aftersale'
import { syncShopOrders } from '../../cloudfunctions/app/usecases/sync-shop-orders'
import { submitCase } from '../../cloudfunctions/app/usecases/submit-case'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { resendCountName } from '../../cloudfunctions/app/usecases/run-shop-call'
import { buyerView } from '../../cloudfunctions/app/views'
import { livePolicy } from '../../cloudfunctions/app/shared'
import { DELIVERY_COMPENSATION_LIMIT_ERRCODE } from '../../cloudfunctions/adapters/channels/errors'

jest.setTimeout(30_000)

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const PUSH_TOKEN = 'push-token-for-shop-remedy'
const PRICE_DIFF = '/channels/ec/aftersale/refundpricediff'
const COMPENSATION = '/channels/ec/order/delivery/compensation'

let clock = Date.parse('2026-11-23T02:00:00.000Z')
const desk = shopDeskForFile({ name: 'shop-remedy', clock: () => clock, pushToken: PUSH_TOKEN, standin: { refundMs: MINUTE } })
let standin: ChannelsStandin
let gw: Gateway
beforeAll(() => {
  ;({ standin, gw } = desk)
})

const calls = (p: string, errcode?: number) => standin.state.calls.filter((x) => x.path === p && (errcode === undefined || x.errcode === errcode)).length
const dispatch = () => dispatchOutbox(gw.deps, gw.sender, { random: () => 0 })
/** moves the one clock, lets the stand-in settle refunds and deliver its pushes */
async function advance(ms: number) {
  clock += ms
  await standin.advance(0)
}
const agent = { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': 'staff-owner' }
async function staff(action: string, data: Record<string, unknown>): Promise<{ ok: boolean; data?: CaseView; error?: { code: string; message: string } }> {
  const r = await fetch(`${gw.url}/api/fn/admin`, { method: 'POST', headers: agent, body: JSON.stringify({ action, data, idempotencyKey: `k-${Math.random()}` }) })
  return (await r.json()) as { ok: boolean; data?: CaseView; error?: { code: string; message: string } }
}
const getCase = async (id: string): Promise<Case> => {
  const c = await gw.deps.store.getCase(id)
  if (!c) throw new Error(`no case ${id}`)
  return c
}

/**
 * A shop order synced to the desk (its promised delivery `lateDays` before it arrived) and a case
 * its buyer files in the mini-program.
 */
async function deskCase(form: { type: string; reason: string; desiredRemedy: string; sku?: string }, lateDays = 0): Promise<{ c: Case; orderId: string }> {
  const o = standin.state.createOrder({
    products: [
      { productId: '10000011', skuId: '20000011', title: '明前龙井 250g', count: 2, priceFen: 19_900 },
      { productId: '10000012', skuId: '20000012', title: '青瓷茶杯', count: 1, priceFen: 3_900 },
    ],
  })
  await syncShopOrders(gw.deps, { firstSyncDays: 10 })
  const rec = await gw.deps.store.getOrder(o.order_id)
  if (!rec) throw new Error('order not synced')
  const delivered = clock - 2 * 24 * HOUR
  const order = { ...rec.order, deliveredAt: new Date(delivered).toISOString(), promisedDeliveryAt: new Date(delivered - lateDays * 24 * HOUR).toISOString() }
  await gw.deps.store.upsertOrder({ ...rec, order })
  const input = SubmitInputSchema.parse({ orderId: o.order_id, claimedItems: [{ skuId: form.sku ?? '20000011', qty: form.sku === '20000012' ? 1 : 2 }], type: form.type, reason: form.reason, desiredRemedy: form.desiredRemedy, description: '买家在小程序里提交' })
  const r = await submitCase(gw.deps, order.buyerOpenid, input, `submit-${Math.random()}`)
  return { c: await getCase(r.case.id), orderId: o.order_id }
}

async function approveEngineRemedy(c: Case): Promise<CaseView> {
  const r = await staff('approve', { caseId: c.id, expectedVersion: c.version })
  if (!r.ok || !r.data) throw new Error(`approve refused: ${r.error?.message}`)
  return r.data
}

describe('money the desk decides on a shop order is paid by the shop (退差价)', () => {
  it('a late-delivery compensation: one refundpricediff by the refund key, pending until the platform has refunded, then settled — no payment-port refund, no second case', async () => {
    const { c, orderId } = await deskCase({ type: 'logistics', reason: 'late_delivery', desiredRemedy: 'compensation' }, 3)
    expect(c.source).not.toBe('channels') // filed in the mini-program
    expect(c.offers.find((o) => o.kind === 'compensation')?.compensationFen).toBeGreaterThan(0)
    const v = await approveEngineRemedy(c)
    expect(v.status).toBe('refunding')
    const after = await getCase(c.id)
    const refund = after.refunds[0]
    expect(refund).toMatchObject({ purpose: 'compensation', status: 'pending', shop: { skuId: '20000011', afterSaleOrderId: null } })
    // nothing went to the payment port (the local demo's refund rows)
    expect(await gw.deps.store.getRefund(refund.key)).toBeNull()

    await dispatch()
    expect(calls(PRICE_DIFF, 0)).toBe(1)
    let now = await getCase(c.id)
    const afterSaleOrderId = now.refunds[0].shop?.afterSaleOrderId ?? ''
    expect(afterSaleOrderId).not.toBe('')
    const platformSide = standin.state.afterSales.get(afterSaleOrderId)
    expect(platformSide).toMatchObject({ order_id: orderId, type: 'REFUND', reason: '10001336', product_info: { product_id: '10000011', sku_id: '20000011' }, refund_info: { amount: refund.amountFen } })
    // accepted is not paid: the platform is still refunding
    expect(now.status).toBe('refunding')
    expect(now.refunds[0].status).toBe('pending')

    await advance(61_000) // the stand-in refunds (MERCHANT_REFUND_SUCCESS) and pushes
    now = await getCase(c.id)
    expect(now.refunds[0].status).toBe('succeeded')
    expect(now.status).toBe('resolved')
    expect(now.timeline.some((t) => t.type === 'refund_confirmed')).toBe(true)
    // the platform's 退差价 after-sale never became a case of its own
    expect(await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, afterSaleOrderId)).toBeNull()
    expect((await gw.deps.store.listCases({ orderId }, { limit: 10 })).items).toHaveLength(1)
    // the outbox row finds it settled and sends nothing again
    await advance(61_000)
    await dispatch()
    expect(calls(PRICE_DIFF, 0)).toBe(1)
    expect(standin.state.afterSales.size).toBeGreaterThan(0)
  })

  it('lost pushes: the outbox row polls the platform until the refund is confirmed', async () => {
    const { c } = await deskCase({ type: 'logistics', reason: 'late_delivery', desiredRemedy: 'compensation' }, 2)
    await approveEngineRemedy(c)
    standin.state.dropNextPush(10)
    const before = calls(PRICE_DIFF, 0)
    await dispatch()
    expect(calls(PRICE_DIFF, 0)).toBe(before + 1)
    await advance(61_000)
    expect((await getCase(c.id)).refunds[0].status).toBe('pending') // no push came
    await dispatch()
    const now = await getCase(c.id)
    expect(now.refunds[0].status).toBe('succeeded')
    expect(now.status).toBe('resolved')
    expect(calls(PRICE_DIFF, 0)).toBe(before + 1)
    standin.state.dropNextPush(-10) // nothing further dropped
  })

  it('the platform’s refund fails: the case goes back to the agent with the platform’s words', async () => {
    const { c } = await deskCase({ type: 'logistics', reason: 'late_delivery', desiredRemedy: 'compensation' }, 2)
    await approveEngineRemedy(c)
    standin.state.refundResult = 'fail'
    try {
      await dispatch()
      await advance(61_000)
    } finally {
      standin.state.refundResult = 'success'
    }
    const now = await getCase(c.id)
    expect(now.status).toBe('in_review')
    expect(now.flags.refundFailed).toBe(true)
    expect(now.refunds[0]).toMatchObject({ status: 'failed', failureReason: '退款失败：商户账户异常' })
  })

  it('a refusal of the call (余额不足) returns the case to the agent in Chinese; system busy is retried by the same key and pays once', async () => {
    const { c } = await deskCase({ type: 'logistics', reason: 'late_delivery', desiredRemedy: 'compensation' }, 2)
    await approveEngineRemedy(c)
    standin.state.injectError({ path: PRICE_DIFF, errcode: 10021046 })
    await dispatch()
    const refused = await getCase(c.id)
    expect(refused.status).toBe('in_review')
    expect(refused.refunds[0].status).toBe('failed')
    expect(refused.refunds[0].failureReason).toContain('店铺账户可用余额不足')
    expect(refused.timeline.at(-1)?.text).toContain('平台未接受「平台退差价」')

    // the agent pays again: the platform is busy once, the retry goes through, one after-sale
    const again = await staff('issue_refund', { caseId: c.id, expectedVersion: refused.version, amountFen: 1_000, purpose: 'compensation' })
    expect(again.ok).toBe(true)
    standin.state.injectError({ path: PRICE_DIFF, errcode: -1 })
    const ok = calls(PRICE_DIFF, 0)
    await dispatch() // within the order's minute of the refused call: waits for it (10021059 kept locally)
    await advance(61_000)
    await dispatch() // system busy
    expect(calls(PRICE_DIFF, -1)).toBe(1)
    expect((await getCase(c.id)).refunds[1]).toMatchObject({ status: 'pending', shop: { afterSaleOrderId: null } })
    await advance(61_000)
    await dispatch() // the retry, same request_id
    expect((await getCase(c.id)).refunds[1].shop?.afterSaleOrderId).toBeTruthy()
    expect(calls(PRICE_DIFF, 0)).toBe(ok + 1)
    await advance(61_000)
    expect((await getCase(c.id)).refunds[1].status).toBe('succeeded')
  })

  it('100004 数据版本号不匹配: the adapter re-reads the order and repeats the call once', async () => {
    const { c } = await deskCase({ type: 'logistics', reason: 'late_delivery', desiredRemedy: 'compensation' }, 2)
    await approveEngineRemedy(c)
    standin.state.injectError({ path: PRICE_DIFF, errcode: 100004 })
    const reads = calls('/channels/ec/order/get')
    await dispatch()
    expect(calls(PRICE_DIFF, 100004)).toBe(1)
    expect(calls('/channels/ec/order/get')).toBeGreaterThan(reads)
    expect((await getCase(c.id)).refunds[0].shop?.afterSaleOrderId).toBeTruthy()
    await advance(61_000)
  })

  it('once the platform has taken the 退差价, a failed read of it never fails the refund: it is looked at again', async () => {
    const { c } = await deskCase({ type: 'logistics', reason: 'late_delivery', desiredRemedy: 'compensation' }, 2)
    await approveEngineRemedy(c)
    standin.state.injectError({ path: '/channels/ec/aftersale/getaftersaleorder', errcode: 10020000 })
    standin.state.dropNextPush(10)
    await dispatch()
    const taken = await getCase(c.id)
    expect(taken.refunds[0]).toMatchObject({ status: 'pending', shop: { afterSaleOrderId: expect.any(String) } })
    expect(taken.status).toBe('refunding')
    await advance(61_000)
    await dispatch()
    expect((await getCase(c.id)).refunds[0].status).toBe('succeeded')
    standin.state.dropNextPush(-10)
  })

  it('a whole refund or a return is not the desk’s on a shop order: the buyer is guided to WeChat', async () => {
    const { c } = await deskCase({ type: 'compensation', reason: 'quality_defect', desiredRemedy: 'compensation' })
    const answered = await staff('respond', { caseId: c.id, text: '您好，我们来处理' })
    const full = await staff('issue_refund', { caseId: c.id, expectedVersion: answered.data?.version, amountFen: 39_800, purpose: 'refund' })
    expect(full.ok).toBe(false)
    expect(full.error?.message).toContain('申请售后')
  })
})

describe('a resend on a shop order is registered with the shop (补发货)', () => {
  it('shipping the resend registers it once; the parcel is on the platform’s order', async () => {
    const { c, orderId } = await deskCase({ type: 'resend', reason: 'missing_item', desiredRemedy: 'resend', sku: '20000012' })
    const v = await approveEngineRemedy(c)
    expect(v.status).toBe('in_review')
    const shipped = await staff('ship_replacement', { caseId: c.id, expectedVersion: v.version, carrier: '顺丰速运', trackingNo: 'SF7000001' })
    expect(shipped.ok).toBe(true)
    await dispatch()
    const now = await getCase(c.id)
    expect(now.status).toBe('replacement_shipped')
    expect(now.replacementShipments[0].shopCall?.status).toBe('done')
    expect(standin.state.compensationsOf(orderId)).toBe(1)
    const order = standin.state.orders.get(orderId)?.order_detail as { delivery_info: { delivery_product_info: Array<{ waybill_id: string; delivery_id: string }> } }
    expect(order.delivery_info.delivery_product_info).toEqual(expect.arrayContaining([expect.objectContaining({ waybill_id: 'SF7000001', delivery_id: 'SF' })]))
    await dispatch()
    expect(standin.state.compensationsOf(orderId)).toBe(1)
  })

  it('the 11th resend on one order is refused before any call, with the reason in Chinese', async () => {
    const { c, orderId } = await deskCase({ type: 'resend', reason: 'missing_item', desiredRemedy: 'resend', sku: '20000012' })
    // ten resends of this order are registered already
    await gw.deps.store.saveSyncState(resendCountName(orderId), { legs: Array.from({ length: 10 }, (_, i) => `earlier-${i}`) }, 0, new Date(clock).toISOString())
    const v = await approveEngineRemedy(c)
    await staff('ship_replacement', { caseId: c.id, expectedVersion: v.version, carrier: '中通快递', trackingNo: 'ZT7000002' })
    const before = calls(COMPENSATION)
    await dispatch()
    expect(calls(COMPENSATION)).toBe(before)
    const now = await getCase(c.id)
    expect(now.status).toBe('in_review')
    expect(now.replacementShipments[0]).toMatchObject({ status: 'to_ship', shopCall: { status: 'refused', message: expect.stringContaining('最多补发10次') } })
  })

  it('the platform’s own limit (resends made in the shop back office) comes back as a refusal with its words', async () => {
    const { c, orderId } = await deskCase({ type: 'resend', reason: 'missing_item', desiredRemedy: 'resend', sku: '20000012' })
    standin.state.backOfficeResends(orderId, 10)
    const v = await approveEngineRemedy(c)
    await staff('ship_replacement', { caseId: c.id, expectedVersion: v.version, carrier: '圆通', trackingNo: 'YT7000003' })
    await dispatch()
    expect(calls(COMPENSATION, DELIVERY_COMPENSATION_LIMIT_ERRCODE)).toBe(1)
    const now = await getCase(c.id)
    expect(now.status).toBe('in_review')
    expect(now.replacementShipments[0].shopCall?.message).toContain('补发次数已达上限')
  })
})

describe('a shop exchange to another price', () => {
  async function exchangeCase(newPriceFen: number): Promise<{ c: Case; id: string }> {
    const o = standin.state.createOrder({ products: [{ productId: '10000021', skuId: '20000021', title: '羊毛围巾 燕麦色', count: 1, priceFen: 19_900 }] })
    const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'EXCHANGE', reason: '10000021', desc: '想换个颜色', exchangeTo: { skuId: '20000022', priceFen: newPriceFen } })
    await standin.flushPushes()
    const c = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, a.after_sale_order_id)
    if (!c) throw new Error('no case')
    return { c, id: a.after_sale_order_id }
  }
  async function toReship(c: Case, id: string): Promise<Case> {
    expect((await staff('platform_accept', { caseId: c.id, expectedVersion: c.version })).ok).toBe(true)
    await dispatch()
    standin.state.buyerShipReturn(id)
    await advance(2 * MINUTE)
    return getCase(c.id)
  }

  it('cheaper: both sides see the prices; the difference goes back by 退差价 when the new item ships, settled on the platform’s refund', async () => {
    const { c, id } = await exchangeCase(15_900)
    expect(c.platform?.exchange).toEqual({ oldSkuId: '20000021', newSkuId: '20000022', oldSkuPriceFen: 19_900, newSkuPriceFen: 15_900 })
    const { policy } = await livePolicy(gw.deps)
    expect(buyerView(c, new Date(clock).toISOString(), policy).exchangeDifference).toEqual({ oldSkuPriceFen: 19_900, newSkuPriceFen: 15_900, differenceFen: 4_000, settlement: 'refund' })
    const ready = await toReship(c, id)
    expect(ready.status).toBe('return_shipped')
    const r = await staff('platform_reship', { caseId: c.id, expectedVersion: ready.version, deliveryId: 'SF', waybillId: 'SF8000001' })
    expect(r.ok).toBe(true)
    expect(r.data?.refunds).toEqual([expect.objectContaining({ amountFen: 4_000, status: 'pending', shop: { skuId: '20000021', afterSaleOrderId: null } })])
    const before = calls(PRICE_DIFF, 0)
    await dispatch()
    expect(calls(PRICE_DIFF, 0)).toBe(before + 1)
    await advance(61_000)
    const now = await getCase(c.id)
    expect(now.refunds[0].status).toBe('succeeded')
    expect(now.status).toBe('replacement_shipped') // the platform's exchange runs on
    expect(buyerView(now, new Date(clock).toISOString(), policy).refunds).toEqual([expect.objectContaining({ amountFen: 4_000, status: 'succeeded' })])
  })

  it('dearer: the buyer is told to pay the difference, nothing is refunded', async () => {
    const { c, id } = await exchangeCase(21_900)
    const { policy } = await livePolicy(gw.deps)
    expect(buyerView(c, new Date(clock).toISOString(), policy).exchangeDifference).toEqual({ oldSkuPriceFen: 19_900, newSkuPriceFen: 21_900, differenceFen: 2_000, settlement: 'buyer_pays' })
    const ready = await toReship(c, id)
    const r = await staff('platform_reship', { caseId: c.id, expectedVersion: ready.version, deliveryId: 'SF', waybillId: 'SF8000002' })
    expect(r.data?.refunds).toEqual([])
    expect(r.data?.timeline.at(-1)?.text).toContain('新规格比原规格贵¥20，需买家补差价')
  })
})
