/**
 * The Channels shop flow end to end on the server side: the real adapter (adapters/channels)
 * against the local stand-in (gateway/channels-standin), the real gateway push route, the
 * import / poll / dispatcher use cases and the SQLite store. One clock drives the stand-in, the
 * adapter and the desk.
 */
import type { CaseView } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import type { Gateway } from '../../cloudfunctions/gateway/server'
import { shopDeskForFile } from './shop-desk'
import { AFTERSALE_SCOPE, importAfterSale } from '../../cloudfunctions/app/usecases/import-aftersale'
import { AFTERSALE_CURSOR, pollAfterSales } from '../../cloudfunctions/app/usecases/poll-aftersales'
import { syncShopOrders } from '../../cloudfunctions/app/usecases/sync-shop-orders'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'

jest.setTimeout(30_000)

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const PUSH_TOKEN = 'push-token-for-tests'

let clock = Date.parse('2026-11-23T02:00:00.000Z') // 10:00 in Shanghai, a Monday
const desk = shopDeskForFile({ name: 'channels-flow', clock: () => clock, pushToken: PUSH_TOKEN, standin: { decisionMs: 48 * HOUR, refundMs: MINUTE } })
let standin: ChannelsStandin
let gw: Gateway
beforeAll(() => {
  ;({ standin, gw } = desk)
})

/** successful calls of one platform path so far (the stand-in is shared by the file's tests) */
const okCalls = (p: string) => standin.state.calls.filter((x) => x.path === `/channels/ec/aftersale/${p}` && x.errcode === 0).length

const caseOf = (afterSaleOrderId: string): Promise<Case | null> => gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, afterSaleOrderId)
async function mustCase(id: string): Promise<Case> {
  const c = await caseOf(id)
  if (!c) throw new Error(`no case for after-sale ${id}`)
  return c
}

const agent = { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': 'staff-owner' }
async function staff(action: string, data: Record<string, unknown>): Promise<{ ok: boolean; data?: CaseView; error?: { code: string; message: string } }> {
  const r = await fetch(`${gw.url}/api/fn/admin`, { method: 'POST', headers: agent, body: JSON.stringify({ action, data, idempotencyKey: `k-${Math.random()}` }) })
  return (await r.json()) as { ok: boolean; data?: CaseView; error?: { code: string; message: string } }
}

/** A shop order and a buyer's after-sale on it (the stand-in pushes the event to the gateway). */
async function apply(type: 'REFUND' | 'RETURN' | 'EXCHANGE' = 'REFUND', order: { unionid?: string } = {}) {
  const o = standin.state.createOrder({ unionid: order.unionid ?? '', products: [{ productId: '10000001', skuId: '20000001', title: '羊毛混纺围巾 燕麦色', count: 1, priceFen: 19_900 }] })
  const a = standin.state.createAfterSale({ orderId: o.order_id, type, reason: type === 'REFUND' ? '10000000' : '10000021', desc: '颜色和图片不一样' })
  await standin.flushPushes()
  return { orderId: o.order_id, id: a.after_sale_order_id }
}

describe('platform after-sales come in', () => {
  it('a pushed after-sale becomes one case with the platform facts; the seller’s deadline is hard and the SLA never later', async () => {
    const { id, orderId } = await apply('REFUND')
    const c = await mustCase(id)
    expect(c.source).toBe('channels')
    expect(c.order.orderId).toBe(orderId)
    expect(c.order.buyerName).toBe('张三') // the receiver on the shop order: staff alerts name the buyer
    expect(c.type).toBe('refund_only')
    expect(c.platform).toMatchObject({ afterSaleOrderId: id, status: 'MERCHANT_PROCESSING', type: 'REFUND', reasonText: '不想要了', refundFen: 19_900, description: '颜色和图片不一样' })
    expect(c.platform?.deadline).toBe(new Date(clock + 48 * HOUR).toISOString())
    expect(Date.parse(c.sla.resolution.dueAt)).toBeLessThanOrEqual(clock + 48 * HOUR)
    expect(Date.parse(c.sla.firstResponse.dueAt)).toBeLessThanOrEqual(clock + 48 * HOUR)
    // the queue shows where it came from and the platform's deadline
    const q = (await staff('queue', { tab: 'all' })) as unknown as { ok: boolean; data: { items: Array<{ id: string; source: string; platform: { deadline: string | null } | null }> } }
    const row = q.data.items.find((x) => x.id === c.id)
    expect(row?.source).toBe('channels')
    expect(row?.platform?.deadline).toBe(c.platform?.deadline)
  })

  it('duplicate and out-of-order pushes leave one case with the latest status', async () => {
    standin.state.chaos = { duplicate: true, reorder: false }
    const { id } = await apply('REFUND')
    standin.state.buyerCancel(id)
    standin.state.replayPush(id, 'MERCHANT_PROCESSING') // a stale event arrives last
    standin.state.replayPush(id, 'MERCHANT_PROCESSING')
    await standin.flushPushes()
    expect(standin.state.pushes.filter((p) => p.afterSaleOrderId === id && p.delivered).length).toBeGreaterThanOrEqual(6)
    const cases = await gw.deps.store.listCases({ orderId: (await mustCase(id)).order.orderId }, { limit: 10 })
    expect(cases.items).toHaveLength(1)
    expect(cases.items[0].status).toBe('cancelled')
    expect(cases.items[0].platform?.status).toBe('USER_CANCELD')
  })

  it('a push with a bad signature is refused and changes nothing', async () => {
    const body = JSON.stringify({ Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: { after_sale_order_id: '1', status: 'MERCHANT_PROCESSING', order_id: '2' } })
    const r = await fetch(`${gw.url}/channels/push?signature=deadbeef&timestamp=1&nonce=2`, { method: 'POST', body })
    const before = await gw.deps.store.countCases({})
    expect(r.status).toBe(401)
    expect(await gw.deps.store.countCases({})).toBe(before)
  })

  it('a lost push: the scheduler’s poll finds the after-sale', async () => {
    standin.state.dropNextPush()
    const { id } = await apply('RETURN')
    expect(await caseOf(id)).toBeNull()
    await gw.tick()
    const c = await mustCase(id)
    expect(c.type).toBe('return_refund')
    expect(c.platform?.status).toBe('MERCHANT_PROCESSING')
  })


  it('shop orders sync in windows with a cursor; a mini-program buyer with the same unionid sees theirs', async () => {
    standin.state.createOrder({ unionid: 'union-zhao', products: [{ productId: 'P9', skuId: 'S9', title: '真丝围巾', count: 2, priceFen: 12_300 }] })
    standin.state.createOrder({ unionid: 'union-nobody' })
    const s = await syncShopOrders(gw.deps, { firstSyncDays: 10 })
    expect(s.upserted).toBeGreaterThanOrEqual(2)
    expect(Date.parse(s.syncedUntil)).toBe(clock)
    // the next pass starts from the cursor: one short window
    const again = await syncShopOrders(gw.deps)
    expect(again.windows).toBe(1)
    // the receiver on the shop's orders is how staff find the buyer (name, phone tail — never the whole number)
    const found = await gw.deps.store.searchBuyers('张三', 10)
    expect(found.length).toBeGreaterThan(0)
    expect(found[0]).toMatchObject({ name: '张三', phoneTail: '0000' })
    const r = await fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': 'buyer-zhao' }, body: JSON.stringify({ action: 'list_orders', data: {} }) })
    const orders = ((await r.json()) as { data: Array<{ order: { items: Array<{ name: string; unitPriceFen: number; qty: number }>; paidFen: number; source?: string; trackingNo?: string } }> }).data
    const shopOrder = orders.find((o) => o.order.source === 'channels')
    expect(shopOrder?.order).toMatchObject({ paidFen: 24_600, items: [{ name: '真丝围巾', unitPriceFen: 12_300, qty: 2 }] })
    expect(shopOrder?.order.trackingNo).toBeTruthy()
    // a money claim on a shop order is filed in WeChat, not here
    const el = await fetch(`${gw.url}/api/fn/aftersale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': 'buyer-zhao' },
      body: JSON.stringify({ action: 'submit', idempotencyKey: 'submit-shop-order-1', data: { orderId: (await gw.deps.store.listOrdersByUnionid('union-zhao', 1))[0].order.orderId, claimedItems: [{ skuId: 'S9', qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' } }),
    })
    expect(((await el.json()) as { error: { message: string } }).error.message).toContain('申请售后')
  })
})

describe('运费险 (freight insurance) on a shop order', () => {
  it('an insured order’s return: the case shows 运费险 and the platform’s flag, and agreeing leaves the buyer nothing to pay', async () => {
    const o = standin.state.createOrder({ products: [{ productId: '10000002', skuId: '20000002', title: '紫砂茶壶', count: 1, priceFen: 26_800, freightInsurance: true }] })
    const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'RETURN', reason: '10000000', desc: '不想要了', refundByInsurance: true })
    await standin.flushPushes()
    const c = await mustCase(a.after_sale_order_id)
    const v = await staff('get_case', { caseId: c.id })
    expect(v.ok).toBe(true)
    expect(v.data?.order.items).toEqual([expect.objectContaining({ skuId: '20000002', freightInsurance: true })])
    expect(v.data?.platform).toMatchObject({ refundByInsurance: true })
    const r = await staff('platform_accept', { caseId: c.id, expectedVersion: v.data?.version })
    expect(r.ok).toBe(true)
    expect(r.data?.returnShipment?.shippingPaidBy).toBe('insurance')
    await dispatchOutbox(gw.deps, gw.sender, { random: () => 0 }) // the acceptapply goes out here, not in a later test
  })

  it('a cracked teapot (质量问题) on an insured order: the seller pays the return, not the buyer', async () => {
    const o = standin.state.createOrder({ products: [{ productId: '10000004', skuId: '20000004', title: '紫砂壶 朱泥西施 200ml', count: 1, priceFen: 36_800, freightInsurance: true }] })
    const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'RETURN', reason: '10000021', desc: '壶盖有裂纹，见图' })
    await standin.flushPushes()
    const c = await mustCase(a.after_sale_order_id)
    expect(c.reason).toBe('quality_defect')
    const r = await staff('platform_accept', { caseId: c.id, expectedVersion: c.version })
    expect(r.data?.returnShipment?.shippingPaidBy).toBe('seller')
    await dispatchOutbox(gw.deps, gw.sender, { random: () => 0 })
  })

  it('an order without it: the case says 无, and the buyer pays a no-reason return', async () => {
    const o = standin.state.createOrder({ products: [{ productId: '10000003', skuId: '20000003', title: '玻璃杯', count: 1, priceFen: 5_900 }] })
    const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'RETURN', reason: '10000000', desc: '不想要了' })
    await standin.flushPushes()
    const c = await mustCase(a.after_sale_order_id)
    expect(c.order.items).toEqual([expect.objectContaining({ skuId: '20000003', freightInsurance: false })])
    expect(c.platform?.refundByInsurance).toBeUndefined()
    const r = await staff('platform_accept', { caseId: c.id, expectedVersion: c.version })
    expect(r.data?.returnShipment?.shippingPaidBy).toBe('buyer')
    await dispatchOutbox(gw.deps, gw.sender, { random: () => 0 })
  })
})

describe('the seller’s decisions go to the platform', () => {
  async function decideOn(id: string, action: string, data: Record<string, unknown> = {}) {
    const c = await mustCase(id)
    return staff(action, { caseId: c.id, expectedVersion: c.version, ...data })
  }
  const dispatch = () => dispatchOutbox(gw.deps, gw.sender, { random: () => 0 })

  it('agree to refund: one acceptapply, the platform refunds, the case resolves with the refund recorded', async () => {
    const { id } = await apply('REFUND')
    const before = okCalls('acceptapply')
    const r = await decideOn(id, 'platform_accept')
    expect(r.ok).toBe(true)
    expect(r.data?.status).toBe('refunding')
    await dispatch()
    await dispatch() // a second pass sends nothing again
    expect(okCalls('acceptapply')).toBe(before + 1)
    clock += 2 * MINUTE
    await standin.advance(0)
    const c = await mustCase(id)
    expect(c.platform?.status).toBe('MERCHANT_REFUND_SUCCESS')
    expect(c.status).toBe('resolved')
    expect(c.refunds).toEqual([expect.objectContaining({ amountFen: 19_900, status: 'succeeded' })])
  })

  it.each([
    [10021045, '退款'],
    [10021046, '余额'],
  ])('acceptapply refused with %i: the case returns to the agent, flagged, with the platform’s reason', async (errcode, words) => {
    const { id } = await apply('REFUND')
    standin.state.injectError({ path: '/channels/ec/aftersale/acceptapply', errcode })
    await decideOn(id, 'platform_accept')
    await dispatch()
    const c = await mustCase(id)
    expect(c.status).toBe('in_review')
    expect(c.flags.refundFailed).toBe(true)
    expect(c.platform?.lastCall).toMatchObject({ call: 'accept_refund', outcome: 'refused', errcode })
    expect(c.platform?.lastCall?.message).toContain(words)
    expect(c.refunds.every((x) => x.status === 'failed')).toBe(true)
    const alerts = await gw.deps.store.listOutbox({ caseId: c.id }, 50)
    expect(alerts.some((o) => o.kind === 'staff_alert' && String((o.payload as { alert?: string }).alert) === 'platform_refused')).toBe(true)
  })

  it('system busy, then rate limit: retried, executed once', async () => {
    const { id } = await apply('REFUND')
    const before = okCalls('acceptapply')
    standin.state.injectError({ path: '/channels/ec/aftersale/acceptapply', errcode: -1, times: 5 })
    await decideOn(id, 'platform_accept')
    for (let i = 0; i < 8 && (await mustCase(id)).platform?.lastCall?.outcome === 'pending'; i++) {
      await dispatch()
      clock += 40 * MINUTE
    }
    expect((await mustCase(id)).platform?.lastCall?.outcome).toBe('done')
    expect(okCalls('acceptapply')).toBe(before + 1)
  })

  it('the buyer cancels on the platform while an agent approves: cancelled, no refund', async () => {
    const { id } = await apply('REFUND')
    const r = await decideOn(id, 'platform_accept')
    expect(r.data?.status).toBe('refunding')
    standin.state.buyerCancel(id)
    await standin.flushPushes()
    await dispatch()
    clock += 5 * MINUTE
    await standin.advance(0)
    await dispatch()
    const c = await mustCase(id)
    expect(c.status).toBe('cancelled')
    expect(c.refunds.some((x) => x.status === 'succeeded')).toBe(false)
    expect(standin.state.afterSales.get(id)?.status).toBe('USER_CANCELD')
  })

  it('the platform auto-approves at its deadline: the case follows to the refund', async () => {
    const { id } = await apply('REFUND')
    clock += 48 * HOUR + MINUTE
    await standin.advance(0)
    expect((await mustCase(id)).status).toBe('refunding')
    clock += 2 * MINUTE
    await standin.advance(0)
    const c = await mustCase(id)
    expect(c.status).toBe('resolved')
    expect(c.refunds).toEqual([expect.objectContaining({ status: 'succeeded', amountFen: 19_900 })])
  })

  it('a reject the platform only takes after a negotiation: the negotiation goes out a minute later', async () => {
    const { id } = await apply('REFUND')
    const before = okCalls('merchantupdateaftersale')
    standin.state.requireNegotiation(id)
    const r = await decideOn(id, 'platform_reject', { rejectReasonType: 3, text: '已与买家电话沟通' })
    expect(r.data?.status).toBe('rejected')
    await dispatch()
    clock += 2 * MINUTE
    await dispatch()
    const c = await mustCase(id)
    expect(c.platform?.lastCall).toMatchObject({ call: 'reject', outcome: 'done' })
    expect(c.platform?.lastCall?.message).toContain('协商')
    expect(okCalls('merchantupdateaftersale')).toBe(before + 1)
  })
})

// last: it leaves 1,000 after-sales in the shared stand-in
describe('at volume', () => {
  it('1,000 platform after-sales synced twice (and twice at once) make 1,000 cases', async () => {
    clock += HOUR
    const ids: string[] = []
    for (let i = 0; i < 1000; i++) {
      const o = standin.state.createOrder({ products: [{ productId: 'P1', skuId: `S${i % 7}`, title: '茶杯', count: 1, priceFen: 3_900 }] })
      ids.push(standin.state.createAfterSale({ orderId: o.order_id, type: i % 3 === 0 ? 'RETURN' : 'REFUND' }).after_sale_order_id)
    }
    standin.state.dropNextPush(1000)
    await standin.flushPushes()
    const before = await gw.deps.store.countCases({})
    const first = await pollAfterSales(gw.deps)
    expect(first.created).toBe(1000)
    // sync the same window again, twice at once, with an import of one of them racing it
    const cursor = await gw.deps.store.getSyncState(AFTERSALE_CURSOR)
    await gw.deps.store.saveSyncState(AFTERSALE_CURSOR, { syncedUntil: new Date(clock - 2 * HOUR).toISOString() }, cursor?.version ?? 0, new Date(clock).toISOString())
    const [a, b, c] = await Promise.all([pollAfterSales(gw.deps), pollAfterSales(gw.deps), importAfterSale(gw.deps, ids[0])])
    expect(a.created + b.created).toBe(0)
    expect(c.created).toBe(false)
    expect(await gw.deps.store.countCases({})).toBe(before + 1000)
    const found = await Promise.all(ids.map((id) => caseOf(id)))
    expect(new Set(found.map((x) => x?.id)).size).toBe(1000)
  }, 120_000)
})
