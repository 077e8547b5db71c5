/**
 * The shop contract: the real Channels adapter (adapters/channels/shop) against a shop.
 * - tests/server/shop.standin.test.ts runs it against the local stand-in (gateway/channels-standin),
 *   where the platform's failures can be provoked (expired tokens, system busy, refusals);
 * - tests/server/shop.live.test.ts runs the read-only part against the live shop when
 *   CHANNELS_APPID / CHANNELS_SECRET are set.
 * Two adapter instances sharing one store stand for two cloud-function instances.
 */
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { ChannelsShop, type ChannelsShopOptions } from '../../cloudfunctions/adapters/channels/shop'
import { ShopError, afterSaleDeadlineAt, type ShopErrorKind } from '../../cloudfunctions/ports/shop'
import type { ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { DELIVERY_COMPENSATION_LIMIT_ERRCODE } from '../../cloudfunctions/adapters/channels/errors'

export interface ShopTarget {
  appid: string
  secret: string
  baseUrl: string
  /** the target's clock in ms */
  now(): number
  /** present only against the stand-in: provokes what the live shop cannot be asked to do */
  standin?: ChannelsStandin
}

const HOUR_S = 3600

async function kindOf(p: Promise<unknown>): Promise<ShopError> {
  try {
    await p
  } catch (e) {
    if (e instanceof ShopError) return e
    throw e
  }
  throw new Error('expected a ShopError')
}

/**
 * `provoke`: also run the tests that make the shop fail on purpose (expired tokens, system busy,
 * refusals, buyers acting, the clock moving) — the stand-in only; the live run is read-only.
 */
export function shopContract(name: string, opts: { provoke: boolean }, makeTarget: () => Promise<ShopTarget>, done?: (t: ShopTarget) => Promise<void>): void {
  describe(`Shop contract: ${name}`, () => {
    let t: ShopTarget
    let store: SqliteStore
    const shop = (extra: Partial<ChannelsShopOptions> = {}) =>
      new ChannelsShop({ appid: t.appid, secret: t.secret, baseUrl: t.baseUrl, store, now: () => t.now(), backoffMs: 1, ...extra })
    const stableCalls = () => t.standin!.state.calls.filter((c) => c.path === '/cgi-bin/stable_token').length
    const nowSec = () => Math.floor(t.now() / 1000)

    /** after-sales applied for by buyers (stand-in only) */
    const seed = (n: number, type: 'REFUND' | 'RETURN' | 'EXCHANGE' = 'REFUND') => {
      const st = t.standin!.state
      return Array.from({ length: n }, () => st.createAfterSale({ orderId: st.createOrder().order_id, type }).after_sale_order_id)
    }

    beforeEach(async () => {
      t = await makeTarget()
      store = new SqliteStore(':memory:')
      await store.init()
    })
    afterEach(async () => {
      await store.close()
      if (done) await done(t)
    })

    it('fetches one access token for two instances sharing the store, and never stores the secret', async () => {
      const a = shop()
      const b = shop()
      expect((await a.getReasons()).length).toBeGreaterThan(0)
      expect((await b.getRejectReasons()).length).toBeGreaterThan(0)
      await a.getReasons()
      expect(a.stats.tokenFetches + b.stats.tokenFetches).toBe(1)
      const rec = await store.getToken(`channels:${t.appid}`)
      expect(rec?.value).toBeTruthy()
      expect(JSON.stringify(rec)).not.toContain(t.secret)
      if (t.standin) expect(stableCalls()).toBe(1)
    })

    it('reads reasons, reject reasons and return addresses in the documented shapes', async () => {
      const s = shop()
      for (const r of await s.getReasons()) expect(r).toEqual({ reason: expect.any(String), reason_text: expect.any(String) })
      for (const r of await s.getRejectReasons()) expect(r).toMatchObject({ reject_reason_type: expect.any(Number), reject_reason_type_text: expect.any(String) })
      for (const a of await s.listAddresses()) expect(a).toMatchObject({ address_id: expect.any(String), address_info: expect.objectContaining({ province_name: expect.any(String) }) })
    })

    it('lists after-sales of the last day page by page and reads each one', async () => {
      const seeded = t.standin ? seed(5) : []
      const s = shop()
      const ids: string[] = []
      let nextKey = ''
      for (let i = 0; i < 50; i++) {
        const page = await s.listAfterSaleIds({ by: 'update', range: { startTime: nowSec() - 24 * HOUR_S, endTime: nowSec() }, nextKey })
        ids.push(...page.ids)
        if (!page.hasMore) break
        nextKey = page.nextKey
      }
      expect(new Set(ids).size).toBe(ids.length)
      expect(ids).toEqual(expect.arrayContaining(seeded))
      for (const id of ids.slice(0, 5)) {
        const a = await s.getAfterSaleOrder(id)
        expect(a.after_sale_order_id).toBe(id)
        expect(a.refund_info.amount).toBeGreaterThanOrEqual(0)
      }
    })

    it('answers window_too_long for an after-sale window over 24 h, and not_found for an unknown after-sale', async () => {
      const s = shop()
      const e = await kindOf(s.listAfterSaleIds({ by: 'create', range: { startTime: nowSec() - 25 * HOUR_S, endTime: nowSec() } }))
      expect(e).toMatchObject({ kind: 'window_too_long', errcode: 10020004 })
      expect(e.messageZh).toMatch(/时间范围/)
      expect((await kindOf(s.getAfterSaleOrder('1'))).kind).toBe<ShopErrorKind>('not_found')
    })

    it('refuses wrong credentials with kind token', async () => {
      const e = await kindOf(shop({ secret: 'wrong-secret' }).getReasons())
      expect(e.kind).toBe('token')
      expect(e.messageZh).toMatch(/AppSecret/)
      expect(e.message).not.toContain('wrong-secret')
    })

    it('lists the platform tickets (客诉工单) of the last week in the documented shape; an unknown dispute is not_found', async () => {
      const s = shop()
      const { tickets, total } = await s.listTickets({ range: { startTime: nowSec() - 7 * 24 * HOUR_S, endTime: nowSec() }, offset: 0, limit: 50 })
      expect(total).toBeGreaterThanOrEqual(tickets.length)
      for (const k of tickets) {
        expect(k).toMatchObject({ ticket_id: expect.any(String), ticket_class_type: expect.any(Number), ticket_state: expect.any(Number), ticket_begin_time: expect.any(Number) })
        expect((await s.getTicket(k.ticket_id)).ticket_id).toBe(k.ticket_id)
      }
      const e = await kindOf(s.getComplaintOrder('1'))
      expect(e.kind).toBe<ShopErrorKind>('not_found')
    })

    // ------------------------------------------------------------------ stand-in only below

    const standinOnly = (title: string, fn: () => Promise<void>) => {
      if (opts.provoke) it(title, fn)
    }


    standinOnly('a token that expires mid-sync is refreshed and the sync completes', async () => {
      const ids = seed(6)
      const s = shop()
      const got: string[] = []
      for (const [i, id] of ids.entries()) {
        if (i === 3) t.standin!.state.expireTokens()
        got.push((await s.getAfterSaleOrder(id)).after_sale_order_id)
      }
      expect(got).toEqual(ids)
      expect(stableCalls()).toBe(2)
      expect(t.standin!.state.calls.filter((c) => c.errcode === 42001)).toHaveLength(1)
    })

    standinOnly('a token replaced by another instance is taken from the store, not fetched again', async () => {
      const [id] = seed(1)
      const a = shop()
      const b = shop()
      await a.getAfterSaleOrder(id)
      // the token is force-refreshed elsewhere (another instance got 40001 first)
      const before = (await store.getToken(`channels:${t.appid}`))!
      await b['replaceToken']({ value: before.value, expiresAtMs: Date.parse(before.expiresAt), version: before.version, refreshAtMs: 0 })
      const fetches = stableCalls()
      expect((await a.getAfterSaleOrder(id)).after_sale_order_id).toBe(id)
      expect(stableCalls()).toBe(fetches)
      expect(t.standin!.state.calls.filter((c) => c.errcode === 40001)).toHaveLength(1)
    })

    standinOnly('refreshes the token before it expires, without a refused call', async () => {
      const [id] = seed(1)
      const s = shop()
      await s.getAfterSaleOrder(id)
      await t.standin!.advance(7200_000 - 4 * 60_000) // inside the 5-minute refresh margin
      await s.getAfterSaleOrder(id)
      expect(stableCalls()).toBe(2)
      // a second instance still holding the old token keeps working until it expires
      const other = shop()
      await other.getAfterSaleOrder(id)
      await s.getAfterSaleOrder(id)
      await t.standin!.advance(3 * 60_000)
      await s.getAfterSaleOrder(id)
      expect(stableCalls()).toBe(2)
      expect(t.standin!.state.calls.filter((c) => c.errcode !== 0)).toEqual([])
    })

    standinOnly('system busy and 5xx answers are retried; past the retries they are reported as transient with a retry time', async () => {
      const [id] = seed(1)
      const st = t.standin!.state
      const s = shop()
      st.injectError({ path: '/channels/ec/aftersale/getaftersaleorder', errcode: -1, times: 2 })
      st.injectError({ path: '/channels/ec/aftersale/getaftersaleorder', http: 502, times: 1 })
      expect((await s.getAfterSaleOrder(id)).after_sale_order_id).toBe(id)
      expect(st.calls.filter((c) => c.path === '/channels/ec/aftersale/getaftersaleorder')).toHaveLength(4)
      st.injectError({ path: '/channels/ec/aftersale/getaftersaleorder', errcode: -1, times: 10 })
      const before = t.now()
      const e = await kindOf(s.getAfterSaleOrder(id))
      expect(e).toMatchObject({ kind: 'transient', errcode: -1, messageZh: expect.stringMatching(/繁忙/) })
      expect(Date.parse(e.retryAt!)).toBeGreaterThan(before)
    })

    standinOnly('one write per minute per after-sale order across instances: the second is reported, not sent', async () => {
      const [id, other] = seed(2)
      const a = shop()
      const b = shop()
      const writes = () => t.standin!.state.calls.filter((c) => c.path.includes('/aftersale/') && !c.path.includes('get')).length
      await a.uploadRefundCertificate(id, { certificates: ['media-1'], desc: '线下已退' })
      const e = await kindOf(b.acceptApply(id, { acceptType: 2 }))
      expect(e).toMatchObject({ kind: 'rate_limited', errcode: 10021059 })
      expect(Date.parse(e.retryAt!)).toBeGreaterThan(t.now() + 50_000)
      expect(writes()).toBe(1)
      await b.acceptApply(other, { acceptType: 2 }) // another order is not held up
      await t.standin!.advance(61_000)
      await b.acceptApply(id, { acceptType: 2 })
      expect((await a.getAfterSaleOrder(id)).status).toBe('PLATFORM_REFUNDING')
      expect(writes()).toBe(3)
      // the platform's own 10021059 (e.g. the seller acted in the shop back office) maps the same way
      await t.standin!.advance(61_000)
      t.standin!.state.injectError({ path: '/channels/ec/aftersale/uploadrefundcertificate', errcode: 10021059 })
      expect(await kindOf(a.uploadRefundCertificate(id, { certificates: ['m2'] }))).toMatchObject({ kind: 'rate_limited', retryAt: expect.any(String) })
    })

    standinOnly('maps refund, negotiation, dispute and address refusals to typed errors with Chinese messages', async () => {
      const st = t.standin!.state
      const s = shop()
      const minute = () => t.standin!.advance(61_000)
      const [r1, r2, r3] = seed(3)
      const [ret] = seed(1, 'RETURN')

      st.injectError({ path: '/channels/ec/aftersale/acceptapply', errcode: 10021045 })
      expect(await kindOf(s.acceptApply(r1, { acceptType: 2 }))).toMatchObject({ kind: 'refund_failed', errcode: 10021045, messageZh: expect.stringMatching(/退款失败/) })
      st.injectError({ path: '/channels/ec/aftersale/acceptapply', errcode: 10021046 })
      expect(await kindOf(s.acceptApply(r2, { acceptType: 2 }))).toMatchObject({ kind: 'insufficient_funds', messageZh: expect.stringMatching(/余额不足/) })

      st.requireNegotiation(r3)
      expect(await kindOf(s.rejectApply(r3, { rejectReasonType: 1 }))).toMatchObject({ kind: 'needs_negotiation', errcode: 10021068 })
      await minute()
      await s.merchantUpdateAfterSale(r3, { type: 1, amountFen: 5000, desc: '已与买家电话沟通，部分退款', updateReasonType: 10, merchantUpdateType: 3, mediaIds: ['m1'] })
      expect((await s.getAfterSaleOrder(r3)).status).toBe('USER_WAIT_CONFIRM_UPDATE')
      await minute()
      await s.rejectApply(r3, { rejectReasonType: 3, rejectReason: '买家未回复协商' })
      expect((await s.getAfterSaleOrder(r3)).status).toBe('MERCHANT_REJECT_REFUND')

      expect(await kindOf(s.acceptApply(ret, { acceptType: 1 }))).toMatchObject({ kind: 'address_invalid', errcode: 10021060 })
      await minute()
      expect(await kindOf(s.acceptApply(ret, { acceptType: 1, addressId: '1' }))).toMatchObject({ kind: 'address_invalid', errcode: 10021062 })
      await minute()
      st.openDispute(ret)
      expect(await kindOf(s.acceptApply(ret, { acceptType: 1, addressId: '90001' }))).toMatchObject({ kind: 'dispute_open', errcode: 10021051 })
    })

    standinOnly('a buyer cancelling first makes the seller’s approval a refusal (no refund)', async () => {
      const [id] = seed(1)
      const s = shop()
      t.standin!.state.buyerCancel(id)
      const e = await kindOf(s.acceptApply(id, { acceptType: 2 }))
      expect(e.kind).toBe('rejected')
      const a = await s.getAfterSaleOrder(id)
      expect(a.status).toBe('USER_CANCELD')
      expect(a.refund_resp?.code ?? '').toBe('')
    })

    standinOnly('a return runs to completion: agree with an address, buyer ships, confirm receipt, platform refunds', async () => {
      const [id] = seed(1, 'RETURN')
      const s = shop()
      const [addr] = await s.listAddresses()
      await s.acceptApply(id, { acceptType: 1, addressId: addr.address_id })
      expect((await s.getAfterSaleOrder(id)).status).toBe('USER_WAIT_RETURN')
      t.standin!.state.buyerShipReturn(id, { waybillId: 'YT1234567890' })
      const waiting = await s.getAfterSaleOrder(id)
      expect(waiting).toMatchObject({ status: 'MERCHANT_WAIT_RECEIPT', return_info: { waybill_id: 'YT1234567890' } })
      expect(afterSaleDeadlineAt(waiting, t.now())).not.toBeNull()
      await t.standin!.advance(61_000)
      await s.acceptApply(id, { acceptType: 2 })
      expect((await s.getAfterSaleOrder(id)).status).toBe('PLATFORM_REFUNDING')
      await t.standin!.advance(61_000)
      expect(await s.getAfterSaleOrder(id)).toMatchObject({ status: 'MERCHANT_RETURN_SUCCESS', refund_resp: { ret: 0 } })
    })

    standinOnly('the platform approves at the deadline on its own, and a failed platform refund shows in the status', async () => {
      const [id] = seed(1)
      const s = shop()
      const a = await s.getAfterSaleOrder(id)
      const due = Date.parse(afterSaleDeadlineAt(a, t.now())!)
      t.standin!.state.refundResult = 'fail'
      await t.standin!.advance(due - t.now() + 1000)
      expect((await s.getAfterSaleOrder(id)).status).toBe('PLATFORM_REFUNDING')
      await t.standin!.advance(61_000)
      expect(await s.getAfterSaleOrder(id)).toMatchObject({ status: 'PLATFORM_REFUND_FAIL', refund_resp: { ret: 1 } })
    })

    standinOnly('orders page with next_key over an update window, prices in fen', async () => {
      const st = t.standin!.state
      const ids = Array.from({ length: 5 }, (_, i) =>
        st.createOrder({ products: [{ productId: 'p1', skuId: `s${i}`, title: '保温杯', count: 2, priceFen: 4_990 }] }).order_id)
      const s = shop()
      const seen: string[] = []
      let nextKey = ''
      for (;;) {
        const page = await s.listOrderIds({ updateTimeRange: { startTime: nowSec() - 3600, endTime: nowSec() + 60 }, pageSize: 2, nextKey })
        expect(page.ids.length).toBeLessThanOrEqual(2)
        seen.push(...page.ids)
        if (!page.hasMore) break
        nextKey = page.nextKey
      }
      expect(seen.sort()).toEqual([...ids].sort())
      const o = await s.getOrder(ids[0])
      expect(o.order_detail.price_info.order_price).toBe(9_980)
      expect(o.order_detail.product_infos[0]).toMatchObject({ sku_cnt: 2, sale_price: 4_990 })
      expect(await kindOf(s.listOrderIds({ updateTimeRange: { startTime: nowSec() - 8 * 24 * 3600, endTime: nowSec() } }))).toMatchObject({ kind: 'window_too_long' })
    })

    standinOnly('a seller-initiated after-sale is created once per request_id', async () => {
      const st = t.standin!.state
      const order = st.createOrder()
      const p = (order.order_detail.product_infos as { product_id: string; sku_id: string }[])[0]
      const s = shop()
      const input = { requestId: 'case-42:refund', orderId: order.order_id, productId: p.product_id, skuId: p.sku_id, count: 1, amountFen: 1000, reason: '10000000', type: 'REFUND' as const }
      const { afterSaleOrderId } = await s.genAfterSaleOrder(input)
      expect((await s.getAfterSaleOrder(afterSaleOrderId)).status).toBe('USER_WAIT_HANDLE_MERCHANT_AFTER_SALE')
      await t.standin!.advance(61_000)
      expect(await kindOf(s.genAfterSaleOrder(input))).toMatchObject({ kind: 'rejected', errcode: 10021089 })
      expect([...st.afterSales.values()].filter((a) => a.order_id === order.order_id)).toHaveLength(1)
    })

    standinOnly('退差价 (refundpricediff): one after-sale per request_id that refunds the amount; bad reason / amount refused; one per order per minute', async () => {
      const st = t.standin!.state
      const order = st.createOrder({ products: [{ productId: 'P-TEA', skuId: 'S-TEA', title: '龙井', count: 2, priceFen: 10_000 }] })
      const s = shop()
      const input = { requestId: 'case-7-r1', orderId: order.order_id, productId: 'P-TEA', skuId: 'S-TEA', amountFen: 1_500, reason: '10001336', desc: '晚到补偿' }
      const { afterSaleOrderId } = await s.refundPriceDiff(input)
      const a = await s.getAfterSaleOrder(afterSaleOrderId)
      expect(a).toMatchObject({ order_id: order.order_id, type: 'REFUND', status: 'PLATFORM_REFUNDING', reason: '10001336', product_info: { product_id: 'P-TEA', sku_id: 'S-TEA' }, refund_info: { amount: 1_500 } })
      // the same request_id (a retry after a lost answer) opens nothing new
      await t.standin!.advance(61_000)
      expect((await s.refundPriceDiff(input)).afterSaleOrderId).toBe(afterSaleOrderId)
      expect([...st.afterSales.values()].filter((x) => x.order_id === order.order_id)).toHaveLength(1)
      // the platform refunds it
      await t.standin!.advance(61_000)
      expect((await s.getAfterSaleOrder(afterSaleOrderId)).status).toBe('MERCHANT_REFUND_SUCCESS')
      expect(await kindOf(s.refundPriceDiff({ ...input, requestId: 'case-7-r2', reason: '10000000' }))).toMatchObject({ kind: 'rejected', errcode: 10021084 })
      await t.standin!.advance(61_000)
      // more than the SKU's paid price less what was refunded
      expect(await kindOf(s.refundPriceDiff({ ...input, requestId: 'case-7-r3', amountFen: 18_600 }))).toMatchObject({ errcode: 9700224 })
      await t.standin!.advance(61_000)
      await s.refundPriceDiff({ ...input, requestId: 'case-7-r4', amountFen: 100 })
      // a second one within the order's minute: the adapter keeps the rule itself (no call made)
      const calls = st.calls.length
      expect(await kindOf(s.refundPriceDiff({ ...input, requestId: 'case-7-r5', amountFen: 100 }))).toMatchObject({ kind: 'rate_limited', retryAt: expect.any(String) })
      expect(st.calls.length).toBe(calls)
    })

    standinOnly('补发货 (order/delivery/compensation): the parcel joins the order; the 11th on one order is refused with the limit errcode', async () => {
      const st = t.standin!.state
      const order = st.createOrder({ products: [{ productId: 'P-CUP', skuId: 'S-CUP', title: '茶杯', count: 2, priceFen: 3_000 }] })
      const s = shop()
      const input = { orderId: order.order_id, reason: 1 as const, deliveryId: 'SF', waybillId: 'SF100', products: [{ productId: 'P-CUP', skuId: 'S-CUP', count: 1 }] }
      await s.deliveryCompensation(input)
      const o = await s.getOrder(order.order_id)
      expect(o.order_detail.delivery_info?.delivery_product_info).toEqual(expect.arrayContaining([expect.objectContaining({ waybill_id: 'SF100', delivery_id: 'SF' })]))
      expect(await kindOf(s.deliveryCompensation({ ...input, products: [{ productId: 'P-CUP', skuId: 'NOPE', count: 1 }] }))).toMatchObject({ errcode: 9700224 })
      for (let i = 2; i <= 10; i++) await s.deliveryCompensation({ ...input, waybillId: `SF10${i}` })
      expect(st.compensationsOf(order.order_id)).toBe(10)
      const e = await kindOf(s.deliveryCompensation({ ...input, waybillId: 'SF111' }))
      expect(e).toMatchObject({ kind: 'rejected', errcode: DELIVERY_COMPENSATION_LIMIT_ERRCODE })
      expect(e.messageZh).toContain('补发次数已达上限')
    })

    standinOnly('100004 数据版本号不匹配: a write re-reads and repeats once; twice in a row it is transient (the outbox retries)', async () => {
      const st = t.standin!.state
      const order = st.createOrder({ products: [{ productId: 'P-1', skuId: 'S-1', title: '围巾', count: 1, priceFen: 19_900 }] })
      const s = shop()
      st.injectError({ path: '/channels/ec/order/delivery/compensation', errcode: 100004 })
      await s.deliveryCompensation({ orderId: order.order_id, reason: 3, deliveryId: 'ZTO', waybillId: 'ZT1', products: [{ productId: 'P-1', skuId: 'S-1', count: 1 }] })
      expect(s.stats.versionRetries).toBe(1)
      expect(st.compensationsOf(order.order_id)).toBe(1)
      const [a] = seed(1)
      st.injectError({ path: '/channels/ec/aftersale/acceptapply', errcode: 100004, times: 2 })
      expect(await kindOf(s.acceptApply(a, { acceptType: 2 }))).toMatchObject({ kind: 'transient', errcode: 100004 })
      expect(st.calls.filter((c) => c.path === '/channels/ec/aftersale/acceptapply').map((c) => c.errcode)).toEqual([100004, 100004])
      expect((await s.getAfterSaleOrder(a)).status).toBe('MERCHANT_PROCESSING')
    })

    standinOnly('disputes: read with their history; proof only while the platform waits on it, messages only in 客服处理中, limits refused', async () => {
      const st = t.standin!.state
      const a = st.createAfterSale({ orderId: st.createOrder().order_id, type: 'REFUND' })
      const c = st.openComplaint({ afterSaleOrderId: a.after_sale_order_id, status: 103, content: '申请平台介入' })
      const s = shop()
      const read = await s.getComplaintOrder(c.complaint_id)
      expect(read).toMatchObject({ after_sale_order_id: a.after_sale_order_id, order_id: a.order_id, status: 103 })
      expect(read.history).toEqual([expect.objectContaining({ item_type: expect.any(Number), time: expect.any(Number), content: '申请平台介入', media_id_list: [] })])
      // the after-sale names its dispute
      expect((await s.getAfterSaleOrder(a.after_sale_order_id)).complaint_id).toBe(c.complaint_id)
      // 103: a message is taken, proof is not
      expect(await kindOf(s.addComplaintProof(c.complaint_id, { content: '凭证', mediaIds: [] }))).toMatchObject({ kind: 'rejected', errcode: 10021504 })
      const media = await s.uploadImageUrl('https://example.com/proof.png')
      expect(media).toMatch(/^\S+$/)
      await s.addComplaintMaterial(c.complaint_id, { content: '补充说明', mediaIds: [media] })
      expect(await kindOf(s.addComplaintMaterial(c.complaint_id, { content: 'x'.repeat(501), mediaIds: [] }))).toMatchObject({ kind: 'rejected', errcode: 10021501 })
      expect(await kindOf(s.addComplaintMaterial(c.complaint_id, { content: '很多图', mediaIds: Array.from({ length: 20 }, (_, i) => `m${i}`) }))).toMatchObject({ kind: 'rejected', errcode: 10021502 })
      // 106: proof is taken and the platform moves on
      st.moveComplaint(st.mustComplaint(c.complaint_id), 106)
      expect(await kindOf(s.addComplaintMaterial(c.complaint_id, { content: '留言', mediaIds: [] }))).toMatchObject({ kind: 'rejected', errcode: 10021503 })
      await s.addComplaintProof(c.complaint_id, { content: '发货凭证', mediaIds: [media] })
      const after = await s.getComplaintOrder(c.complaint_id)
      expect(after.status).toBe(107)
      expect(after.history.some((h) => h.content === '发货凭证' && h.media_id_list?.includes(media))).toBe(true)
      expect(await kindOf(s.addComplaintProof(c.complaint_id, { content: '再来', mediaIds: [] }))).toMatchObject({ kind: 'rejected', errcode: 10021504 })
      expect((await kindOf(s.getComplaintOrder('999'))).errcode).toBe(10021500)
    })

    standinOnly('tickets: detail and list (state, window, paging); an unanswered ticket times out on the platform’s clock', async () => {
      const st = t.standin!.state
      const s = shop()
      const orders = [st.createOrder({ shipped: false }), st.createOrder({ shipped: false }), st.createOrder({ shipped: false })]
      const opened = orders.map((o) => st.openTicket({ orderId: o.order_id, dealMs: 24 * HOUR_S * 1000 }))
      const one = await s.getTicket(opened[0].ticket_id)
      expect(one).toMatchObject({ ticket_id: opened[0].ticket_id, ticket_class_type: 9, ticket_state: 1, order_id: orders[0].order_id })
      expect(one.ticket_deal_end_time - one.ticket_begin_time).toBe(24 * HOUR_S)
      const page1 = await s.listTickets({ state: 1, offset: 0, limit: 2 })
      const page2 = await s.listTickets({ state: 1, offset: 2, limit: 2 })
      expect(page1.total).toBe(3)
      expect([...page1.tickets, ...page2.tickets].map((k) => k.ticket_id).sort()).toEqual(opened.map((k) => k.ticket_id).sort())
      await t.standin!.advance(25 * HOUR_S * 1000)
      expect(await s.getTicket(opened[1].ticket_id)).toMatchObject({ ticket_state: 3, platform_review_result: 2 })
      expect((await s.listTickets({ state: 1, offset: 0, limit: 50 })).total).toBe(0)
    })
  })
}
