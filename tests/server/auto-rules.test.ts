/**
 * Auto-decision rules (issue #24) through the real functions: a buyer's submit decided by the
 * owner's rule in the same write (money paid, the buyer reads it as theirs, staff read which rule
 * and why), the rule's daily cap held by the store, a case no rule fits left to a person; and a
 * Channels after-sale imported from the shop stand-in and agreed on the platform by a rule.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AutoRule } from '@contract/auto-rules'
import type { Case, OrderSnapshot } from '@contract/domain'
import { defaultPolicy, type Policy } from '@contract/policy'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import type { Store } from '../../cloudfunctions/ports/store'
import { startChannelsStandin, type ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { startGateway, type Gateway } from '../../cloudfunctions/gateway/server'
import { AFTERSALE_SCOPE } from '../../cloudfunctions/app/usecases/import-aftersale'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { ruleCapBucket } from '../../cloudfunctions/core/auto-rules'
import { makeApp, unwrap, type App } from './app-harness'

jest.setTimeout(90_000) // hang guard: the shop stand-in and gateway are slow on a loaded machine

const SMALL: AutoRule = {
  id: 'small-refund',
  name: '未发货小额仅退款',
  enabled: true,
  dailyCapFen: 10_000,
  when: { types: ['refund_only'], shipped: 'not_shipped', maxAmountFen: 6_000, buyer: 'not_risky' },
  action: 'approve',
}

async function withRules(store: Store, rules: AutoRule[], at: string): Promise<Policy> {
  const cur = await store.getPolicy()
  const policy = { ...(cur?.policy ?? defaultPolicy), autoRules: rules, version: (cur?.version ?? 0) + 1 }
  await store.savePolicy(policy, cur?.version ?? 0, 'staff-owner', at)
  return policy
}

/** An unshipped order of buyer-zhao with one ¥50 item. */
async function unshipped(app: App, orderId: string, priceFen = 5_000): Promise<OrderSnapshot> {
  const order: OrderSnapshot = { orderId, buyerOpenid: 'buyer-zhao', items: [{ skuId: `SKU-${orderId}`, name: '手工青瓷茶杯', qty: 1, unitPriceFen: priceFen }], paidFen: priceFen, paidAt: '2026-11-23T01:00:00.000Z' }
  await app.store.upsertOrder({ order, createdAt: order.paidAt })
  return order
}
const refundOnly = (o: OrderSnapshot) => ({ orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'other', desiredRemedy: 'refund', description: '拍错了，还没发货' })

describe('买家提交：自动处理规则', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp()
    await withRules(app.store, [SMALL], '2026-11-23T02:00:00.000Z')
  })
  afterEach(() => app.close())

  it('符合规则的仅退款：提交即同意并退款，买家读到“您的售后申请已自动同意”，员工看到哪条规则和原因', async () => {
    const o = await unshipped(app, 'AUTO-1')
    const r = unwrap<{ case: { id: string; status: string; timeline: Array<{ type: string; text: string; actor: { kind: string }; data?: Record<string, unknown> }> } }>(
      await app.buyer('buyer-zhao', 'submit', refundOnly(o), 'submit-k-auto-1'),
    )
    expect(r.case.status).toBe('resolved')
    const approved = r.case.timeline.find((t) => t.type === 'approve')
    expect(approved).toMatchObject({ text: '您的售后申请已自动同意：同意仅退款¥50', actor: { kind: 'system' } })
    expect(approved?.data?.autoRule).toBeUndefined() // the rule is staff-only
    const refund = await app.store.getRefund(`${r.case.id}-r1`)
    expect(refund).toMatchObject({ amountFen: 5_000 })
    const staff = unwrap<{ timeline: Array<{ type: string; actor: { id: string }; data?: Record<string, unknown> }> }>(await app.staff('staff-amy', 'get_case', { caseId: r.case.id }))
    const entry = staff.timeline.find((t) => t.type === 'approve')
    expect(entry?.actor.id).toBe('auto-rule:small-refund')
    expect(entry?.data?.autoRule).toEqual({ id: 'small-refund', name: '未发货小额仅退款', why: '仅退款；未发货；无退款风险；金额¥50≤¥60' })
    expect(await app.store.ruleSpent(ruleCapBucket('small-refund', '2026-11-23'))).toBe(5_000)
  })

  it('每日额度¥100：第三单（¥50）转人工，钱不动；额度第二天重新计', async () => {
    const statuses: string[] = []
    for (const n of [1, 2, 3]) {
      const o = await unshipped(app, `CAP-${n}`)
      statuses.push(unwrap<{ case: { status: string } }>(await app.buyer('buyer-zhao', 'submit', refundOnly(o), `submit-k-cap-${n}`)).case.status)
    }
    expect(statuses).toEqual(['resolved', 'resolved', 'submitted'])
    // staff read why the third was left to them, on the case's routing entry
    const third = (await app.store.listCases({ orderId: 'CAP-3' }, { limit: 1 })).items[0]
    expect(third.timeline.find((t) => t.type === 'routed')?.data?.autoRuleMiss).toBe('没有符合条件的自动处理规则（「未发货小额仅退款」今日额度¥100已用完）')
    expect(await app.store.ruleSpent(ruleCapBucket('small-refund', '2026-11-23'))).toBe(10_000)
    expect(await app.store.refundedForOrder('CAP-3')).toBe(0)
    // the next shop-local day (Shanghai midnight = 16:00 UTC)
    app.setNow('2026-11-23T16:30:00.000Z')
    const o = await unshipped(app, 'CAP-4')
    expect(unwrap<{ case: { status: string } }>(await app.buyer('buyer-zhao', 'submit', refundOnly(o), 'submit-k-cap-4')).case.status).toBe('resolved')
    expect(await app.store.ruleSpent(ruleCapBucket('small-refund', '2026-11-24'))).toBe(5_000)
  })

  it('不符合的（¥80 超过 ¥60）留给人处理；同一请求标识重试不会再付钱', async () => {
    const o = await unshipped(app, 'BIG-1', 8_000)
    const first = unwrap<{ case: { id: string; status: string } }>(await app.buyer('buyer-zhao', 'submit', refundOnly(o), 'submit-k-big'))
    expect(first.case.status).toBe('submitted')
    const small = await unshipped(app, 'SMALL-1')
    const a = unwrap<{ case: { id: string } }>(await app.buyer('buyer-zhao', 'submit', refundOnly(small), 'submit-k-small'))
    const b = unwrap<{ case: { id: string }; created: boolean }>(await app.buyer('buyer-zhao', 'submit', refundOnly(small), 'submit-k-small'))
    expect(b).toMatchObject({ created: false, case: { id: a.case.id } })
    expect(await app.store.refundedForOrder('SMALL-1')).toBe(5_000)
    expect(await app.store.ruleSpent(ruleCapBucket('small-refund', '2026-11-23'))).toBe(5_000)
  })

  it('规则没写金额上限：¥300 超过审批门槛¥200，规则不处理，也不替规则生成审批', async () => {
    await withRules(app.store, [{ ...SMALL, dailyCapFen: 1_000_000, when: { types: ['refund_only'] } }], '2026-11-23T02:30:00.000Z')
    const o = await unshipped(app, 'TH-1', 30_000)
    const r = unwrap<{ case: { id: string; status: string } }>(await app.buyer('buyer-zhao', 'submit', refundOnly(o), 'submit-k-th'))
    expect(r.case.status).toBe('submitted')
    const c = (await app.store.getCase(r.case.id)) as Case
    expect(c.approvals ?? []).toEqual([])
    expect(c.refunds).toEqual([])
    expect(await app.store.ruleSpent(ruleCapBucket('small-refund', '2026-11-23'))).toBe(0)
  })
})

describe('策略预览：规则会处理多少单、多少钱；没预览过的规则不能保存', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp()
    // three cases filed before any rule: ¥50, ¥50, ¥80 refunds of unshipped orders
    for (const [n, price] of [[1, 5_000], [2, 5_000], [3, 8_000]] as const) {
      const o = await unshipped(app, `PAST-${n}`, price)
      unwrap(await app.buyer('buyer-zhao', 'submit', refundOnly(o), `submit-past-${n}`))
    }
    app.setNow('2026-11-23T05:00:00.000Z')
  })
  afterEach(() => app.close())

  const draftWith = async (rules: AutoRule[]) => ({ ...unwrap<{ policy: Policy }>(await app.staff('staff-owner', 'get_policy')).policy, autoRules: rules })
  type View = { autoRules?: { rows: Array<{ id: string; cases: number; amountFen: number; cappedCases: number }>; decidedCases: number; amountFen: number; token: string } }

  it('预览按每条规则列出单数和金额（每日额度照算）', async () => {
    const capped = { ...SMALL, id: 'capped', dailyCapFen: 5_000 }
    const view = unwrap<View>(await app.staff('staff-owner', 'preview_policy', { policy: await draftWith([capped, { ...SMALL, id: 'second', name: '第二条' }]) }))
    expect(view.autoRules).toMatchObject({
      rows: [
        { id: 'capped', cases: 1, amountFen: 5_000, cappedCases: 1 },
        { id: 'second', cases: 1, amountFen: 5_000, cappedCases: 0 },
      ],
      decidedCases: 2,
      amountFen: 10_000,
    })
  })

  it('改了规则：不带预览凭证、带别的规则的凭证都被拒；带这次预览的凭证才保存', async () => {
    const draft = await draftWith([SMALL])
    const { version } = unwrap<{ version: number }>(await app.staff('staff-owner', 'get_policy'))
    const refused = await app.staff('staff-owner', 'update_policy', { expectedVersion: version, policy: draft })
    expect(refused).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining('请先点“预览影响”') } })
    const view = unwrap<View>(await app.staff('staff-owner', 'preview_policy', { policy: draft }))
    // the rule edited after the preview: the token no longer names it
    const edited = { ...draft, autoRules: [{ ...SMALL, dailyCapFen: 999_999 }] }
    expect(await app.staff('staff-owner', 'update_policy', { expectedVersion: version, policy: edited, rulesPreview: view.autoRules?.token })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    // a token computed without a preview having run is not enough either
    const { rulesToken } = await import('../../cloudfunctions/app/usecases/rules-what-if')
    expect(await app.staff('staff-owner', 'update_policy', { expectedVersion: version, policy: edited, rulesPreview: rulesToken(edited.autoRules) })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    const saved = unwrap<{ version: number; policy: Policy }>(await app.staff('staff-owner', 'update_policy', { expectedVersion: version, policy: draft, rulesPreview: view.autoRules?.token }))
    expect(saved.policy.autoRules).toEqual([SMALL])
    // other edits without touching the rules need no rules preview
    const next = { ...saved.policy, safetyKeywords: [...saved.policy.safetyKeywords, '刺痛'] }
    expect(unwrap<{ version: number }>(await app.staff('staff-owner', 'update_policy', { expectedVersion: saved.version, policy: next })).version).toBe(saved.version + 1)
  })
})

describe('视频号小店售后导入：自动处理规则', () => {
  let clock = Date.parse('2026-11-23T02:00:00.000Z')
  let dir: string
  let standin: ChannelsStandin
  let gw: Gateway
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auto-rules-'))
    const opts = { clock: { now: () => clock }, pushToken: 'push-token-for-tests', decisionMs: 48 * 3_600_000, refundMs: 60_000, pushUrl: '' }
    standin = await startChannelsStandin(opts)
    const now = () => new Date(clock).toISOString()
    const shop = (store: Store) => new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store, now: () => clock, sleep: async () => {} })
    gw = await startGateway({ port: 0, dataDir: dir, quiet: true, now, dispatchEveryMs: 0, scheduleEveryMs: 0, shop, push: { token: 'push-token-for-tests' } })
    opts.pushUrl = `${gw.url}/channels/push`
  })
  afterAll(async () => {
    await standin.close()
    await gw.close()
    fs.rmSync(dir, { recursive: true, force: true })
  })

  it('一条平台仅退款（¥199）符合“小店 ≤¥200”规则：导入即在平台同意，平台退款后结案；¥368 的不符合，留给人', async () => {
    await withRules(gw.deps.store, [{ id: 'shop-small', name: '小店小额退款', enabled: true, dailyCapFen: 100_000, when: { sources: ['channels'], types: ['refund_only'], maxAmountFen: 20_000 }, action: 'approve' }], new Date(clock).toISOString())
    const apply = async (priceFen: number) => {
      const o = standin.state.createOrder({ products: [{ productId: '10000001', skuId: '20000001', title: '羊毛混纺围巾', count: 1, priceFen }] })
      const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND', reason: '10000000', desc: '不想要了' })
      await standin.flushPushes()
      const c = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, a.after_sale_order_id)
      if (!c) throw new Error('not imported')
      return { id: a.after_sale_order_id, c }
    }
    const small = await apply(19_900)
    expect(small.c.status).toBe('refunding')
    expect(small.c.platform?.lastCall).toMatchObject({ call: 'accept_refund', outcome: 'pending' })
    const entry = small.c.timeline.find((t) => t.type === 'platform_accept')
    expect(entry?.actor).toEqual({ kind: 'system', id: 'auto-rule:shop-small' })
    expect(entry?.data?.autoRule).toMatchObject({ id: 'shop-small', why: expect.stringContaining('金额¥199≤¥200') })
    // the dispatcher makes the platform call; the platform refunds; the case follows
    await dispatchOutbox(gw.deps, gw.sender, { random: () => 0 })
    expect(standin.state.calls.filter((x) => x.path === '/channels/ec/aftersale/acceptapply' && x.errcode === 0)).toHaveLength(1)
    clock += 2 * 60_000
    await standin.advance(0)
    const after = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, small.id)
    expect(after?.platform?.status).toBe('MERCHANT_REFUND_SUCCESS')
    expect(after?.status).toBe('resolved')
    expect(after?.refunds).toEqual([expect.objectContaining({ amountFen: 19_900, status: 'succeeded' })])

    const big = await apply(36_800)
    expect(big.c.status).toBe('submitted')
    expect(big.c.timeline.some((t) => t.type === 'platform_accept')).toBe(false)
  })
})
