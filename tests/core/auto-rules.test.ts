import type { PlatformSnapshot } from '@contract/domain'
import { parsePolicy, type Policy } from '@contract/policy'
import type { AutoRule } from '@contract/auto-rules'
import { autoDecide, ruleCapBucket } from '../../cloudfunctions/core/auto-rules'
import { decide } from '../../cloudfunctions/core'
import { BUYER, idGen, later, MON_10, open, order, policy as base, system } from './fixtures'

/** Hand-worked examples of issue #24's rules. The order: 6 × NEST-6 at ¥50 + 1 CUP at ¥20, paid ¥320. */
const rule = (over: Partial<AutoRule> & Pick<AutoRule, 'id'>): AutoRule => ({ name: over.id, enabled: true, dailyCapFen: 50_000, when: {}, action: 'approve', ...over })

const SMALL_REFUND = rule({ id: 'small-refund', name: '未发货小额仅退款', when: { types: ['refund_only'], shipped: 'not_shipped', maxAmountFen: 5000, buyer: 'not_risky' } })
const LATE = rule({ id: 'late-pay', name: '晚到按天补偿', when: { types: ['compensation'], reasons: ['late_delivery'], shipped: 'tracked' } })
const NO_REASON = rule({ id: 'no-reason', name: '老客户7天无理由', when: { types: ['return_refund'], reasons: ['no_reason_7d'], maxDaysSinceDelivery: 7, buyer: 'trusted' } })

const withRules = (...autoRules: AutoRule[]): Policy => ({ ...base, autoRules })
const NOW = later(MON_10, 5)
const run = (c: ReturnType<typeof open>, policy: Policy, extra: Parameters<typeof autoDecide>[2] = {}, ledger?: Parameters<typeof autoDecide>[1]['orderLedger']) =>
  autoDecide(c, { now: NOW, policy, newId: idGen('r'), ...(ledger ? { orderLedger: ledger } : {}) }, extra)

const unshipped = order({ shippedAt: undefined, deliveredAt: undefined, promisedDeliveryAt: undefined, carrier: undefined, trackingNo: undefined })
const refundOnly = (qty: number, over: Record<string, unknown> = {}) =>
  open({ order: unshipped, type: 'refund_only', reason: 'other', desiredRemedy: 'refund', description: '不想要了', claimedItems: [{ skuId: 'NEST-6', qty }], ...over })

describe('自动处理规则：手算的例子', () => {
  it('仅退款、未发货、≤¥50、买家无风险 → 自动同意退款¥50，处理记录写明哪条规则和原因', () => {
    const c = refundOnly(1)
    const d = run(c, withRules(SMALL_REFUND))
    expect(d.decided).toBe(true)
    if (!d.decided) return
    expect(d.rule.id).toBe('small-refund')
    expect(d.command.type).toBe('approve')
    expect(d.amountFen).toBe(5000)
    expect(d.case.status).toBe('refunding')
    expect(d.case.refunds).toEqual([expect.objectContaining({ amountFen: 5000, purpose: 'refund', status: 'pending' })])
    expect(d.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'refund_requested', amountFen: 5000 })]))
    const entry = d.case.timeline[d.case.timeline.length - 1]
    expect(entry.actor).toEqual({ kind: 'system', id: 'auto-rule:small-refund' })
    expect(entry.text).toBe('买家的售后申请已自动同意：同意仅退款¥50')
    expect(entry.data?.autoRule).toEqual({ id: 'small-refund', name: '未发货小额仅退款', why: '仅退款；未发货；无退款风险；金额¥50≤¥50' })
    // the decision answers the buyer: the first-response clock is met
    expect(d.case.sla.firstResponse.metAt).toBe(NOW)
    expect(d.spend).toEqual({ bucket: ruleCapBucket('small-refund', '2026-11-23'), amountFen: 5000, capFen: 50_000 })
  })

  it('同一规则：¥100 超过 ¥50、已发货、有退款风险 → 都不自动处理，并说明原因', () => {
    const big = run(refundOnly(2), withRules(SMALL_REFUND))
    expect(big).toMatchObject({ decided: false, misses: [{ ruleId: 'small-refund', why: '金额¥100超过¥50' }] })
    const shipped = run(open({ type: 'refund_only', reason: 'other', desiredRemedy: 'refund', description: '不想要了', claimedItems: [{ skuId: 'NEST-6', qty: 1 }] }), withRules(SMALL_REFUND))
    expect(shipped).toMatchObject({ decided: false, misses: [{ why: '订单已发货' }] })
    const risky = refundOnly(1, {}) as ReturnType<typeof open>
    const flagged = { ...risky, flags: { ...risky.flags, risk: true } }
    expect(run(flagged, withRules(SMALL_REFUND))).toMatchObject({ decided: false, misses: [{ why: '买家已标记退款风险' }] })
    // without the buyer condition the core still refuses a rule a risky buyer's money (it needs a supervisor)
    const noBuyerCond = rule({ id: 'any-refund', when: { types: ['refund_only'] } })
    const d = run(flagged, withRules(noBuyerCond))
    expect(d.decided).toBe(false)
    expect(d.why).toContain('退款风险')
  })

  it('晚到且有物流单号 → 按天补偿：承诺11-18、11-20签收，晚到2天 × ¥10 = ¥20', () => {
    const c = open({ type: 'compensation', reason: 'late_delivery', desiredRemedy: 'compensation', description: '晚了两天', claimedItems: [{ skuId: 'NEST-6', qty: 6 }] })
    const d = run(c, withRules(LATE))
    expect(d.decided).toBe(true)
    if (!d.decided) return
    expect(d.amountFen).toBe(2000)
    expect(d.case.refunds).toEqual([expect.objectContaining({ amountFen: 2000, purpose: 'compensation', incident: 'late_delivery' })])
    expect(d.case.timeline[d.case.timeline.length - 1].text).toContain('晚到2天')
    // no tracking number: no proof, a person decides
    const untracked = open({ order: order({ trackingNo: undefined }), type: 'compensation', reason: 'late_delivery', desiredRemedy: 'compensation', description: '晚了', claimedItems: [{ skuId: 'NEST-6', qty: 6 }] })
    expect(run(untracked, withRules(LATE))).toMatchObject({ decided: false, misses: [{ why: '订单没有物流单号' }] })
  })

  it('7天无理由、签收3天、老客户 → 自动同意退货（验货后退¥50，今天不付钱）；不是老客户或超过天数 → 人工', () => {
    const input = { type: 'return_refund' as const, reason: 'no_reason_7d' as const, desiredRemedy: 'return_refund' as const, description: '不喜欢' }
    const trusted = open(input, MON_10, { buyerProfile: { openid: BUYER, trusted: true } })
    const d = run(trusted, withRules(NO_REASON))
    expect(d.decided).toBe(true)
    if (!d.decided) return
    expect(d.case.status).toBe('awaiting_return')
    expect(d.case.refunds).toEqual([])
    expect(d.amountFen).toBe(5000)
    expect(run(open(input), withRules(NO_REASON))).toMatchObject({ decided: false, misses: [{ why: '买家不是老客户' }] })
    // signed for on 11-20, now 11-23: three shop-local days
    const within2 = { ...NO_REASON, when: { ...NO_REASON.when, maxDaysSinceDelivery: 2 } }
    expect(run(trusted, withRules(within2))).toMatchObject({ decided: false, misses: [{ why: '已签收3天，超过2天' }] })
  })

  it('规则按顺序：第一条符合的决定；停用的、额度已满的跳过；都不符合 → 人工', () => {
    const c = refundOnly(1)
    const first = rule({ id: 'a', when: { types: ['exchange'] } })
    const second = rule({ id: 'b', when: { types: ['refund_only'] } })
    const third = rule({ id: 'c', when: { types: ['refund_only'] } })
    expect(run(c, withRules(first, second, third))).toMatchObject({ decided: true, rule: { id: 'b' }, misses: [{ ruleId: 'a', why: '售后类型不符' }] })
    expect(run(c, withRules(first, { ...second, enabled: false }, third))).toMatchObject({ decided: true, rule: { id: 'c' } })
    expect(run(c, withRules(first, second, third), { exhausted: new Set(['b']) })).toMatchObject({ decided: true, rule: { id: 'c' }, misses: [{ ruleId: 'a' }, { ruleId: 'b', why: '今日额度¥500已用完' }] })
    expect(run(c, withRules(first, { ...second, dailyCapFen: 4999 }))).toMatchObject({ decided: false, misses: [{ ruleId: 'a' }, { ruleId: 'b', why: '金额¥50超过每日额度¥49.99' }] })
    expect(run(c, withRules(first))).toMatchObject({ decided: false, why: '没有符合条件的自动处理规则' })
    expect(run(c, base)).toMatchObject({ decided: false, why: '没有启用的自动处理规则' })
  })

  it('钱守卫和审批门槛照样管规则：超过¥200 或本单该商品已退完 → 不自动处理，也不替规则提审批', () => {
    const anyRefund = rule({ id: 'any', when: { types: ['refund_only'] } })
    const big = refundOnly(5) // ¥250 > ¥200 threshold
    const d = run(big, withRules(anyRefund))
    expect(d.decided).toBe(false)
    expect(d.why).toContain('审批')
    // the order's other cases already refunded all six bottles
    const guarded = run(refundOnly(1), withRules(anyRefund), {}, { committedFen: 30000, itemsFen: { 'NEST-6': 30000 }, incidentsFen: {} })
    expect(guarded.decided).toBe(false)
    expect(guarded.why).toContain('没有可退')
  })

  it('安全问题（P1）从不自动处理', () => {
    const c = open({ order: unshipped, type: 'refund_only', reason: 'other', desiredRemedy: 'refund', description: '吃了过敏', claimedItems: [{ skuId: 'CUP', qty: 1 }] })
    expect(c.severity).toBe('P1')
    expect(run(c, withRules(rule({ id: 'any' })))).toMatchObject({ decided: false, why: '安全问题由人工处理' })
  })

  it('视频号小店的售后：规则在平台上同意退款（平台退款金额）', () => {
    const snap: PlatformSnapshot = {
      afterSaleOrderId: 'AS-1', orderId: 'O-1001', type: 'REFUND', status: 'MERCHANT_PROCESSING', reasonCode: '10000021', reasonText: '不想要了',
      refundFen: 2000, productId: 'P', skuId: 'CUP', count: 1, description: '', mediaIds: [], telNumber: null, returnWaybill: null,
      deadline: later(MON_10, 48 * 60), refundResp: null, complaintId: null, shopOpenid: 'shop-o', unionid: null, createTime: MON_10, updateTime: MON_10,
    }
    const c = open({ order: unshipped, type: 'refund_only', reason: 'other', desiredRemedy: 'refund', description: '', claimedItems: [{ skuId: 'CUP', qty: 1 }], platform: { ...snap, syncedAt: MON_10, lastCall: null } }, MON_10, { actor: system })
    const d = run(c, withRules(rule({ id: 'shop', when: { sources: ['channels'], maxAmountFen: 3000 } })))
    expect(d).toMatchObject({ decided: true, amountFen: 2000, command: { type: 'platform_accept' } })
    if (!d.decided) return
    expect(d.case.status).toBe('refunding')
    expect(d.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'platform_call', call: 'accept_refund' })]))
    expect(run(c, withRules(rule({ id: 'mp', when: { sources: ['miniprogram'] } })))).toMatchObject({ decided: false, misses: [{ why: '来源不符' }] })
  })

  it('系统执行同意时照样受审批门槛约束（不会变成审批申请）', () => {
    const r = decide(refundOnly(5), { type: 'approve' }, { now: NOW, policy: base, newId: idGen('x'), actor: { kind: 'system', id: 'auto-rule:x' } })
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.details?.approvalRequired).toBe(true)
  })
})

describe('自动处理规则：策略校验', () => {
  const ok = (autoRules: unknown) => parsePolicy({ ...base, autoRules })
  it('条件是声明式的：未知条件、重复编号、坏编号、负额度都被拒', () => {
    expect(ok([SMALL_REFUND, LATE, NO_REASON]).ok).toBe(true)
    expect(ok([{ ...SMALL_REFUND, when: { script: 'refund()' } }]).ok).toBe(false)
    expect(ok([SMALL_REFUND, { ...LATE, id: 'small-refund' }])).toMatchObject({ ok: false, errors: [expect.stringContaining('重复')] })
    expect(ok([{ ...SMALL_REFUND, id: 'Bad Id' }]).ok).toBe(false)
    expect(ok([{ ...SMALL_REFUND, dailyCapFen: -1 }]).ok).toBe(false)
    expect(ok([{ ...SMALL_REFUND, dailyCapFen: 1.5 }]).ok).toBe(false)
    // a policy saved before the rules existed parses with none
    const { autoRules: _drop, ...old } = base
    expect(parsePolicy(old)).toMatchObject({ ok: true, policy: { autoRules: [] } })
  })
})
