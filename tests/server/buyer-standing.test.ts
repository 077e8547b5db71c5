/**
 * Issue 19 §3–4: a buyer's standing is the same whatever the source of the case. Trust (老客户, an
 * exchange ships before the return) follows the policy's rule unless a supervisor decided; the
 * repeat-refund risk flag is set on mini-program, platform, linked and proactive cases alike, from
 * the history kept under the buyer's mini-program openid and their shop openid (linked by unionid).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Case, OrderSnapshot } from '@contract/domain'
import type { Store } from '../../cloudfunctions/ports/store'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { startChannelsStandin, type ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { startGateway, type Gateway } from '../../cloudfunctions/gateway/server'
import { AFTERSALE_SCOPE } from '../../cloudfunctions/app/usecases/import-aftersale'
import { watchLogistics } from '../../cloudfunctions/app/usecases/watch-logistics'
import { listMyOrders } from '../../cloudfunctions/app/usecases/orders'
import { makeApp, unwrap, type App } from './app-harness'
import { HOUR, at, makeCase } from './fixtures'

jest.setTimeout(30_000)

const DAY = 24 * HOUR
const SUP = 'staff-sup'
const AGENT = 'staff-amy'

/** `n` closed cases of `buyerOpenid` filed in the last 90 days, each with a refund that went through. */
async function refundedCases(store: Store, buyerOpenid: string, n: number, now: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const createdAt = at(now, -(10 + i) * DAY)
    const c = makeCase({ buyerOpenid, createdAt, status: 'closed' })
    const refund = { key: `${c.id}-r1`, amountFen: 1000, purpose: 'refund' as const, status: 'succeeded' as const, requestedAt: createdAt, settledAt: createdAt, failureReason: null }
    await store.createCase({ ...c, refunds: [refund] }, [])
  }
}

/** An order of `buyer` signed for `daysAgo` days before `now`. */
function signedOrder(orderId: string, buyer: string, now: string, daysAgo: number, extra: Partial<OrderSnapshot> = {}): OrderSnapshot {
  return {
    orderId,
    buyerOpenid: buyer,
    items: [{ skuId: `SKU-${orderId}`, name: '真丝围巾', qty: 1, unitPriceFen: 19_900 }],
    paidFen: 19_900,
    paidAt: at(now, -(daysAgo + 3) * DAY),
    shippedAt: at(now, -(daysAgo + 2) * DAY),
    deliveredAt: at(now, -daysAgo * DAY),
    ...extra,
  }
}

const exchange = (orderId: string) => ({
  orderId,
  claimedItems: [{ skuId: `SKU-${orderId}`, qty: 1 }],
  type: 'exchange',
  reason: 'size_fit',
  desiredRemedy: 'exchange',
  description: '尺码偏小，想换大一号',
})

describe('trust (老客户) is derived from the policy’s rule', () => {
  let app: App
  let now: string
  beforeEach(async () => {
    app = await makeApp()
    now = app.deps.now()
  })
  afterEach(() => app.close())

  const addOrders = async (buyer: string, ids: string[], daysAgo = 20) => {
    for (const id of ids) {
      const order = signedOrder(id, buyer, now, daysAgo)
      await app.store.upsertOrder({ order, createdAt: order.paidAt })
    }
  }
  const submit = async (buyer: string, orderId: string): Promise<Case> => {
    const r = unwrap<{ case: { id: string } }>(await app.buyer(buyer, 'submit', exchange(orderId), `submit-key-${orderId}`))
    return (await app.store.getCase(r.case.id))!
  }

  it('5 orders signed for in 180 days and no refund: trusted; 4 (and one signed 200 days ago): not', async () => {
    await addOrders('buyer-new', ['N1', 'N2', 'N3', 'N4'])
    await addOrders('buyer-new', ['OLD'], 200) // outside the 180-day window
    const four = await submit('buyer-new', 'N1')
    expect(four.flags.trusted).toBe(false)
    await addOrders('buyer-new', ['N5'])
    const five = await submit('buyer-new', 'N2')
    expect(five.flags.trusted).toBe(true)
    // the staff see why on the buyer panel
    const view = unwrap(await app.staff(AGENT, 'get_case', { caseId: five.id }))
    expect(view.buyerHistory).toMatchObject({ trusted: true, trustSource: 'rule', trustRule: { trusted: true, completedOrders: 5, minOrders: 5, orderDays: 180 } })
  })

  it('a refunded case in the last 90 days breaks the rule; the policy’s numbers decide', async () => {
    await addOrders('buyer-new', ['N1', 'N2', 'N3', 'N4', 'N5'])
    await refundedCases(app.store, 'buyer-new', 1, now)
    expect((await submit('buyer-new', 'N1')).flags.trusted).toBe(false)
    // a buyer with 3 signed orders, under a policy asking for 3
    await addOrders('buyer-three', ['T1', 'T2', 'T3'])
    const live = unwrap<{ version: number; policy: Record<string, unknown> & { compensation: Record<string, number> } }>(await app.staff('staff-owner', 'get_policy'))
    unwrap(await app.staff('staff-owner', 'update_policy', { expectedVersion: live.version, policy: { ...live.policy, compensation: { ...live.policy.compensation, trustMinOrders: 3 } } }))
    expect((await submit('buyer-three', 'T1')).flags.trusted).toBe(true)
  })

  it('the owner narrowing the trust window reaches the very next filing on the same instance', async () => {
    await addOrders('buyer-old', ['W1', 'W2', 'W3', 'W4', 'W5', 'W6'], 100)
    // the first filing reads the policy (180 days): five orders signed 100 days ago count
    expect((await submit('buyer-old', 'W1')).flags.trusted).toBe(true)
    const live = unwrap<{ version: number; policy: Record<string, unknown> & { compensation: Record<string, number> } }>(await app.staff('staff-owner', 'get_policy'))
    unwrap(await app.staff('staff-owner', 'update_policy', { expectedVersion: live.version, policy: { ...live.policy, compensation: { ...live.policy.compensation, trustOrderDays: 60 } } }))
    // the next one is read on the policy it last saw, and counted again on the live one: none in 60 days
    const c = await submit('buyer-old', 'W2')
    expect(c.flags.trusted).toBe(false)
    expect(c.policyVersion).toBe(live.version + 1)
  })

  it('a supervisor’s revoke wins over the rule, is audited on the buyer, and null goes back to the rule', async () => {
    await addOrders('buyer-new', ['N1', 'N2', 'N3', 'N4', 'N5'])
    const r = unwrap(await app.staff(SUP, 'set_buyer_trust', { buyerOpenid: 'buyer-new', trusted: false, reason: '多次换货后退回的商品有使用痕迹' }))
    expect(r).toMatchObject({ trusted: false, trustSource: 'supervisor' })
    const c = await submit('buyer-new', 'N1')
    expect(c.flags.trusted).toBe(false)
    const view = unwrap(await app.staff(AGENT, 'get_case', { caseId: c.id }))
    expect(view.buyerHistory).toMatchObject({ trusted: false, trustSource: 'supervisor', trustRule: { trusted: true } })
    expect(view.buyerHistory.trustHistory).toEqual([
      { at: now, by: SUP, byName: '陈主管', trusted: false, reason: '多次换货后退回的商品有使用痕迹' },
    ])
    // back to the rule: trusted again, both decisions kept
    unwrap(await app.staff('staff-owner', 'set_buyer_trust', { buyerOpenid: 'buyer-new', trusted: null, reason: '已核实，恢复按规则' }))
    expect((await submit('buyer-new', 'N2')).flags.trusted).toBe(true)
    const buyer = await app.store.getBuyer('buyer-new')
    expect(buyer?.trust?.history.map((h) => [h.by, h.trusted])).toEqual([[SUP, false], ['staff-owner', null]])
  })

  it('the rep setting keeps working; an old page’s `trusted` is recorded as the caller’s decision, never silently', async () => {
    await addOrders('buyer-new', ['N1'])
    unwrap(await app.staff(SUP, 'set_dedicated_rep', { buyerOpenid: 'buyer-new', repId: 'staff-amy' }))
    expect(await app.store.getBuyer('buyer-new')).toEqual({ openid: 'buyer-new', dedicatedRepId: 'staff-amy', trusted: false })
    unwrap(await app.staff(SUP, 'set_dedicated_rep', { buyerOpenid: 'buyer-new', repId: 'staff-amy', trusted: true }))
    expect((await app.store.getBuyer('buyer-new'))?.trust).toEqual({
      override: true,
      history: [{ at: now, by: SUP, byName: '陈主管', trusted: true, reason: '设置专属客服时标记为老客户' }],
    })
    expect((await submit('buyer-new', 'N1')).flags.trusted).toBe(true)
  })

  it('an agent cannot set trust, a missing reason or an unknown buyer is refused, and nothing is written', async () => {
    await addOrders('buyer-new', ['N1'])
    const agent = await app.staff(AGENT, 'set_buyer_trust', { buyerOpenid: 'buyer-new', trusted: true, reason: '老朋友了' })
    expect(agent).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    const noReason = await app.staff(SUP, 'set_buyer_trust', { buyerOpenid: 'buyer-new', trusted: true, reason: ' 好' })
    expect(noReason).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    const nobody = await app.staff(SUP, 'set_buyer_trust', { buyerOpenid: 'buyer-typo', trusted: true, reason: '老客户' })
    expect(nobody).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    expect(await app.store.getBuyer('buyer-new')).toBeNull()
    expect(await app.store.getBuyer('buyer-typo')).toBeNull()
    expect((await submit('buyer-new', 'N1')).flags.trusted).toBe(false)
  })
})

describe('the repeat-refund risk flag on linked and proactive cases', () => {
  let app: App
  let now: string
  beforeEach(async () => {
    app = await makeApp()
    now = app.deps.now()
  })
  afterEach(() => app.close())

  it('a linked case (回访) of a buyer whose refunds sit under their shop openid is flagged; an agent may not pay it', async () => {
    // three refunded shop after-sales imported before the buyer opened the mini-program …
    await refundedCases(app.store, 'channels:oShop_zhao', 3, now)
    // … and the shop order that links the shop openid to buyer-zhao through the unionid
    const linkOrder = signedOrder('SHOP-1', 'buyer-zhao', now, 30, { source: 'channels', shopOpenid: 'oShop_zhao', buyerUnionid: 'union-zhao' })
    await app.store.upsertOrder({ order: linkOrder, createdAt: linkOrder.paidAt })
    // the parent case: a missing item resent and received, so its 回访 is due
    const parent = unwrap<{ case: { id: string; version: number } }>(
      await app.buyer('buyer-zhao', 'submit', { orderId: 'DEMO0007', claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }], type: 'resend', reason: 'missing_item', desiredRemedy: 'resend', description: '少了一盒' }, 'k-parent'),
    )
    let p = unwrap<{ version: number }>(await app.staff(SUP, 'approve', { caseId: parent.case.id, expectedVersion: parent.case.version }))
    p = unwrap(await app.staff(SUP, 'ship_replacement', { caseId: parent.case.id, expectedVersion: p.version, carrier: '顺丰', trackingNo: 'SF1' }))
    unwrap(await app.buyer('buyer-zhao', 'confirm_receipt', { caseId: parent.case.id, expectedVersion: p.version }))
    const linked = unwrap<{ caseId: string }>(await app.staff(AGENT, 'open_linked_case', { caseId: parent.case.id, purpose: 'visit', note: '买家仍不满意' }))
    const c = (await app.store.getCase(linked.caseId))!
    expect(c.linkedFromCaseId).toBe(parent.case.id)
    expect(c.flags.risk).toBe(true)
    const alerts = (await app.store.listOutbox({ caseId: c.id }, 50)).filter((o) => (o.payload as { alert?: string }).alert === 'risk_buyer')
    expect(alerts).toHaveLength(1)
    // the agent's money on it goes to a supervisor: nothing is paid, an approval waits
    const r = unwrap<{ version: number }>(await app.staff(AGENT, 'respond', { caseId: c.id, expectedVersion: c.version, text: '您好' }))
    const pay = unwrap<{ money: { pendingApproval: { why: string } | null } }>(await app.staff(AGENT, 'issue_refund', { caseId: c.id, expectedVersion: r.version, amountFen: 1000, purpose: 'compensation' }))
    expect(pay.money.pendingApproval?.why).toBe('买家已标记退款风险')
    expect((await app.store.getCase(c.id))!.refunds).toEqual([])
    // the mini-program case it came from was flagged the same way
    expect((await app.store.getCase(parent.case.id))!.flags.risk).toBe(true)
  })

  it('once their order list claimed the shop orders, the buyer’s record names their shop openid and their filings count its refunds', async () => {
    await refundedCases(app.store, 'channels:oShop_zhao', 3, now)
    const linkOrder = signedOrder('SHOP-2', 'channels:oShop_zhao', now, 30, { source: 'channels', shopOpenid: 'oShop_zhao', buyerUnionid: 'union-zhao' })
    await app.store.upsertOrder({ order: linkOrder, createdAt: linkOrder.paidAt })
    // the mini-program opens the order list with the caller's unionid: the shop order becomes theirs
    expect((await listMyOrders(app.deps, 'buyer-zhao', 50, 'union-zhao')).map((o) => o.order.orderId)).toContain('SHOP-2')
    expect(await app.store.getBuyer('buyer-zhao')).toMatchObject({ unionid: 'union-zhao', shopOpenids: ['oShop_zhao'] })
    // a later list finds nothing new: the record stays as it is
    await listMyOrders(app.deps, 'buyer-zhao', 50, 'union-zhao')
    expect((await app.store.getBuyer('buyer-zhao'))?.shopOpenids).toEqual(['oShop_zhao'])
    const r = unwrap<{ case: { id: string } }>(
      await app.buyer('buyer-zhao', 'submit', { orderId: 'DEMO0007', claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }], type: 'resend', reason: 'missing_item', desiredRemedy: 'resend', description: '少了一盒' }, 'k-claimed'),
    )
    expect((await app.store.getCase(r.case.id))!.flags.risk).toBe(true)
  })

  it('a proactive logistics case of a buyer with 3 refunds in 90 days is flagged; an agent may not pay it', async () => {
    await refundedCases(app.store, 'buyer-zhao', 3, now)
    const stats = await watchLogistics(app.deps)
    expect(stats.opened).toBeGreaterThanOrEqual(1)
    const mine = await app.store.listCases({ buyerOpenid: 'buyer-zhao', open: true }, { limit: 10 })
    const opened = mine.items.find((x) => x.timeline[0].actor.id === 'logistics-watch')
    if (!opened) throw new Error('no logistics case for buyer-zhao')
    expect(opened.flags.risk).toBe(true)
    // the other demo buyers have no refunds: not flagged
    const other = (await app.store.listCases({ buyerOpenid: 'buyer-wu', open: true }, { limit: 10 })).items[0]
    expect(other?.flags.risk).toBe(false)
    // the agent answers the buyer, then tries to pay
    const c = unwrap<{ id: string; version: number }>(await app.staff(AGENT, 'respond', { caseId: opened.id, expectedVersion: opened.version, text: '我们在跟快递核实' }))
    // the agent's money on it goes to a supervisor: nothing is paid, an approval waits
    const pay = unwrap<{ money: { pendingApproval: { why: string } | null } }>(await app.staff(AGENT, 'issue_refund', { caseId: c.id, expectedVersion: c.version, amountFen: 1000, purpose: 'compensation' }))
    expect(pay.money.pendingApproval?.why).toBe('买家已标记退款风险')
    expect((await app.store.getCase(c.id))!.refunds).toEqual([])
  })
})

describe('a platform after-sale (Channels push) gets the buyer’s mini-program history', () => {
  const clock = Date.parse('2026-11-23T02:00:00.000Z')
  let dir: string
  let standin: ChannelsStandin
  let gw: Gateway
  const PUSH_TOKEN = 'push-token-for-tests'

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'buyer-standing-'))
    const opts = { port: 0, clock: { now: () => clock }, pushToken: PUSH_TOKEN, decisionMs: 48 * HOUR, refundMs: 60_000, pushUrl: '' }
    standin = await startChannelsStandin(opts)
    const shop = (store: Store) => new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store, now: () => clock, sleep: async () => {} })
    gw = await startGateway({ host: '127.0.0.1', port: 0, dataDir: dir, quiet: true, now: () => new Date(clock).toISOString(), dispatchEveryMs: 0, scheduleEveryMs: 0, shop, push: { token: PUSH_TOKEN } })
    opts.pushUrl = `${gw.url}/channels/push`
  })
  afterAll(async () => {
    await standin.close()
    await gw.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  async function staff(openid: string, action: string, data: Record<string, unknown>) {
    const r = await fetch(`${gw.url}/api/fn/admin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': openid },
      body: JSON.stringify({ action, data, idempotencyKey: `k-${Math.random()}` }),
    })
    return (await r.json()) as { ok: boolean; data?: Record<string, unknown>; error?: { code: string } }
  }

  it('3 refunded mini-program cases in 90 days → the after-sale’s case is flagged and the supervisor told', async () => {
    await refundedCases(gw.deps.store, 'buyer-zhao', 3, new Date(clock).toISOString())
    const o = standin.state.createOrder({ unionid: 'union-zhao' })
    const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND', reason: '10000000', desc: '不想要了' })
    await standin.flushPushes()
    const c = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, a.after_sale_order_id)
    if (!c) throw new Error('the push made no case')
    expect(c.buyerOpenid).toBe('buyer-zhao')
    expect(c.flags.risk).toBe(true)
    const alerts = (await gw.deps.store.listOutbox({ caseId: c.id }, 50)).filter((x) => (x.payload as { alert?: string }).alert === 'risk_buyer')
    expect(alerts).toHaveLength(1)
    // the staff's buyer panel counts them too
    const view = await staff(AGENT, 'get_case', { caseId: c.id })
    expect((view.data?.buyerHistory as { refundCount90d: number }).refundCount90d).toBe(3)
    // the agent's accept is not sent to the platform: it waits for a supervisor's approval
    const acc = await staff(AGENT, 'platform_accept', { caseId: c.id, expectedVersion: c.version })
    expect((acc.data?.money as { pendingApproval: { why: string } | null }).pendingApproval?.why).toBe('买家已标记退款风险')
    const after = (await gw.deps.store.getCase(c.id))!
    expect(after.platform?.lastCall ?? null).toBeNull()
    expect(after.refunds).toEqual([])
  })

  it('a shop buyer without a mini-program match is not flagged by someone else’s history', async () => {
    const o = standin.state.createOrder({ unionid: 'union-stranger' })
    const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND', reason: '10000000', desc: '不想要了' })
    await standin.flushPushes()
    const c = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, a.after_sale_order_id)
    expect(c?.buyerOpenid.startsWith('channels:')).toBe(true)
    expect(c?.flags.risk).toBe(false)
  })
})
