/**
 * Issue 19: money leaves only by a rule or a supervisor. Each test is one of the ways money left
 * before (found by using the desk as a seller would), now refused or sent to a supervisor.
 */
import type { Case } from '@contract/domain'
import { decide } from '../../cloudfunctions/core'
import { caseLedger, moneyRoom, sumLedgers } from '../../cloudfunctions/core/money-guard'
import { agent, BUYER, buyer, ctx, later, MON_10, open, order, policy, step, supervisor, system } from './fixtures'

const owner = { kind: 'staff' as const, id: 'owner-1', role: 'owner' as const }
const T = later(MON_10, 5)
/** 3 days late: promised 11-17, delivered 11-20 → ¥10/day = ¥30 (cap ¥50) */
const late = order({ promisedDeliveryAt: '2026-11-17T10:00:00.000Z' })
const ledgerOf = (...cases: Case[]) => sumLedgers(cases.map(caseLedger))

describe('同一问题只补偿一次（跨售后单，按订单计算）', () => {
  const lateCase = (id: string) => open({ caseId: id, reason: 'late_delivery', type: 'logistics', order: late, claimedItems: [{ skuId: 'CUP', qty: 1 }] })

  test('第一个售后单按每天¥10补偿¥30；同一订单的第二、第三个售后单不再建议，也不能再付', () => {
    const first = lateCase('c-1')
    const engine = first.offers.find((o) => o.rule === 'late_delivery_per_day')
    expect(engine?.compensationFen).toBe(3000)
    const paid = step(first, { type: 'approve' }, agent, T).case
    expect(paid.refunds.map((r) => [r.purpose, r.amountFen])).toEqual([['compensation', 3000]])

    // the second case on the same order: the engine no longer suggests the ¥30, and paying it is refused
    const second0 = open({ caseId: 'c-2', reason: 'late_delivery', type: 'logistics', order: late, claimedItems: [{ skuId: 'NEST-6', qty: 1 }] }, MON_10, { orderLedger: ledgerOf(paid) })
    expect(second0.offers.filter((o) => o.compensationFen > 0)).toEqual([])
    const second = step(second0, { type: 'respond', text: '您好' }, supervisor, T).case
    const again = decide(second, { type: 'issue_refund', amountFen: 3000, purpose: 'compensation' }, ctx(supervisor, T, { orderLedger: ledgerOf(paid) }))
    expect(again.ok).toBe(false)
    if (!again.ok) {
      expect(again.error.code).toBe('LIMIT_EXCEEDED')
      expect(again.error.message).toContain('本单晚到3天已补偿¥30')
    }
    // what the room is, in the words the agent's form shows
    expect(moneyRoom(second, 'compensation', { policy, now: T, ledger: ledgerOf(paid) })).toMatchObject({ maxFen: 0, binding: 'incident' })
  })

  test('补偿上限按订单算：已补¥30，另一单最多再补到¥50封顶前的差额（晚到5天）', () => {
    const five = order({ promisedDeliveryAt: '2026-11-15T10:00:00.000Z' }) // 5 days → ¥50 cap
    const a = step(open({ caseId: 'a', reason: 'late_delivery', type: 'logistics', order: five, claimedItems: [{ skuId: 'CUP', qty: 1 }] }), { type: 'approve', amountFen: 3000, changeReason: '先补一部分' }, supervisor, T).case
    const b0 = open({ caseId: 'b', reason: 'late_delivery', type: 'logistics', order: five, claimedItems: [{ skuId: 'NEST-6', qty: 1 }] }, MON_10, { orderLedger: ledgerOf(a) })
    expect(b0.offers.find((o) => o.rule === 'late_delivery_per_day')?.compensationFen).toBe(2000)
    const b = step(b0, { type: 'respond', text: '您好' }, supervisor, T).case
    expect(decide(b, { type: 'issue_refund', amountFen: 2001, purpose: 'compensation' }, ctx(supervisor, T, { orderLedger: ledgerOf(a) })).ok).toBe(false)
    expect(decide(b, { type: 'issue_refund', amountFen: 2000, purpose: 'compensation' }, ctx(supervisor, T, { orderLedger: ledgerOf(a) })).ok).toBe(true)
  })
})

describe('退款不超过申请商品的实付价值', () => {
  test('¥100订单里¥50的商品：仅退款最多¥50，拒绝理由写出数字', () => {
    const o = order({ items: [{ skuId: 'A', name: '甲', qty: 1, unitPriceFen: 5000 }, { skuId: 'B', name: '乙', qty: 1, unitPriceFen: 5000 }], paidFen: 10000 })
    const c = open({ reason: 'quality_defect', type: 'refund_only', order: o, claimedItems: [{ skuId: 'A', qty: 1 }] })
    const r = decide(c, { type: 'approve', amountFen: 9900, remedy: 'requested', changeReason: '买家要求' }, ctx(agent, T))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toContain('本单该商品还可退¥50')
    expect(step(c, { type: 'approve' }, agent, T).case.refunds[0].amountFen).toBe(5000)
  })

  test('折扣和运费按比例分摊：实付¥90（商品¥100）时该商品最多退¥45', () => {
    const o = order({ items: [{ skuId: 'A', name: '甲', qty: 1, unitPriceFen: 5000 }, { skuId: 'B', name: '乙', qty: 1, unitPriceFen: 5000 }], paidFen: 9000 })
    const c = open({ reason: 'quality_defect', type: 'refund_only', order: o, claimedItems: [{ skuId: 'A', qty: 1 }] })
    expect(moneyRoom(c, 'refund', { policy, now: T }).maxFen).toBe(4500)
  })

  test('同一商品在另一个售后单已退过：这一单只剩差额', () => {
    const o = order({ items: [{ skuId: 'A', name: '甲', qty: 2, unitPriceFen: 5000 }], paidFen: 10000 })
    const first = step(open({ caseId: 'x1', reason: 'quality_defect', type: 'refund_only', order: o, claimedItems: [{ skuId: 'A', qty: 1 }] }), { type: 'approve' }, agent, T).case
    expect(first.refunds[0].amountFen).toBe(5000)
    const second = open({ caseId: 'x2', reason: 'quality_defect', type: 'refund_only', order: o, claimedItems: [{ skuId: 'A', qty: 2 }] }, MON_10, { orderLedger: ledgerOf(first) })
    expect(moneyRoom(second, 'refund', { policy, now: T, ledger: ledgerOf(first) })).toMatchObject({ maxFen: 5000 })
  })
})

describe('审批是对确切方案的一条记录', () => {
  test('客服超额的优惠券方案：一键提交审批，记录方案和¥300价值；主管看到并批准后执行的正是它', () => {
    const c = open({ reason: 'quality_defect', type: 'compensation', claimedItems: [{ skuId: 'NEST-6', qty: 6 }] })
    const offer = { kind: 'coupon' as const, couponFen: 30000, explanation: '送您¥300店铺优惠券' }
    const sub = step(c, { type: 'make_offer', offers: [offer] }, agent, T)
    const a = sub.case.approvals![0]
    expect(a).toMatchObject({ status: 'pending', amountFen: 30000, cashFen: 0, command: { type: 'make_offer' } })
    expect(a.summary).toContain('¥300店铺优惠券')
    expect(sub.case.status).toBe(c.status) // nothing offered to the buyer yet
    expect(sub.events).toContainEqual(expect.objectContaining({ alert: 'approval_needed', text: expect.stringContaining('¥300') }))
    const done = step(sub.case, { type: 'decide_approval', approvalId: a.id, decision: 'approved' }, supervisor, later(T, 10))
    expect(done.case.status).toBe('offer_pending')
    expect(done.case.offers.filter((o) => o.status === 'offered').map((o) => o.couponFen)).toEqual([30000])
  })

  test('¥0 的审批不可能：不涉及价值的操作不能提交审批', () => {
    const c = open({ reason: 'taste_usage', type: 'exchange', claimedItems: [{ skuId: 'NEST-6', qty: 1 }] })
    const r = decide(c, { type: 'submit_for_approval', request: { type: 'make_offer', offers: [{ kind: 'guidance', explanation: '使用指导' }] } }, ctx(agent, T))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toContain('无需主管审批')
  })

  test('审批后方案价值变了（另一单先退了钱）：执行被拒，需要重新提交', () => {
    const o = order({ items: [{ skuId: 'A', name: '甲', qty: 2, unitPriceFen: 20000 }], paidFen: 40000 })
    const c = open({ caseId: 'y1', reason: 'quality_defect', type: 'refund_only', order: o, claimedItems: [{ skuId: 'A', qty: 2 }] })
    const sub = step(c, { type: 'approve' }, agent, T).case
    expect(sub.approvals![0].amountFen).toBe(40000)
    // meanwhile another case of the order refunded one unit: the same approve now gives ¥200, not ¥400
    const other = { ...caseLedger({ ...c, claimedItems: [{ skuId: 'A', qty: 1 }], refunds: [{ key: 'k', amountFen: 20000, purpose: 'refund', status: 'succeeded', requestedAt: T, settledAt: T, failureReason: null }] }) }
    const r = decide(sub, { type: 'decide_approval', approvalId: sub.approvals![0].id, decision: 'approved' }, ctx(supervisor, later(T, 5), { orderLedger: other }))
    expect(r.ok).toBe(false)
  })

  test('拆单也过不了门槛：客服先退¥190，处理中再退¥190 → 第二笔提交主管审批', () => {
    const c = open({ reason: 'quality_defect', type: 'return_refund', claimedItems: [{ skuId: 'NEST-6', qty: 6 }] })
    const responded = step(c, { type: 'respond', text: '您好' }, agent, T).case
    const one = step(responded, { type: 'issue_refund', amountFen: 15000, purpose: 'refund' }, agent, later(T, 1)).case
    expect(one.refunds).toHaveLength(1)
    expect(one.status).toBe('refunding')
    // a second one while the first is on its way: ¥150 + ¥150 > ¥200 → a supervisor
    const two = step(one, { type: 'issue_refund', amountFen: 15000, purpose: 'refund' }, agent, later(T, 2))
    expect(two.case.refunds).toHaveLength(1)
    expect(two.case.approvals?.[0]).toMatchObject({ status: 'pending', amountFen: 15000 })
    // a failed refund does not count
    const back = step(one, { type: 'refund_failed', key: one.refunds[0].key, reason: '测试' }, system, later(T, 3)).case
    expect(step(back, { type: 'issue_refund', amountFen: 15000, purpose: 'refund' }, agent, later(T, 4)).case.refunds.filter((r) => r.status === 'pending')).toHaveLength(1)
  })

  test('没有人审批自己的申请：提交人不能批准；以买家身份提交售后的员工不能处理它', () => {
    const c = open({ reason: 'quality_defect', type: 'refund_only', claimedItems: [{ skuId: 'NEST-6', qty: 6 }] })
    const sub = step(c, { type: 'approve' }, agent, T).case
    // an agent promoted meanwhile still cannot approve their own request
    const promoted = { kind: 'staff' as const, id: 'agent-1', role: 'supervisor' as const }
    expect(decide(sub, { type: 'decide_approval', approvalId: sub.approvals![0].id, decision: 'approved' }, ctx(promoted, later(T, 5))).ok).toBe(false)
    // a supervisor who filed the case as a buyer
    const own0 = open({ reason: 'quality_defect', type: 'refund_only', claimedItems: [{ skuId: 'NEST-6', qty: 6 }] })
    const own: Case = { ...own0, buyerOpenid: 'sup-1', order: { ...own0.order, buyerOpenid: 'sup-1' } }
    const mine = step(own, { type: 'approve' }, agent, T).case
    const r = decide(mine, { type: 'decide_approval', approvalId: mine.approvals![0].id, decision: 'approved' }, ctx(supervisor, later(T, 5)))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.message).toContain('自己作为买家')
    expect(step(mine, { type: 'decide_approval', approvalId: mine.approvals![0].id, decision: 'approved' }, owner, later(T, 6)).case.status).toBe('refunding')
  })
})

describe('信任与风险', () => {
  test('非老客户先发换货（双向发货）需要主管：客服点同意 → 提交审批，商品不发出', () => {
    const c = open({ reason: 'size_fit', type: 'exchange', claimedItems: [{ skuId: 'CUP', qty: 1 }] })
    expect(c.flags.trusted).toBe(false)
    const out = step(c, { type: 'approve', shipReplacementNow: true }, agent, T)
    expect(out.case.replacementShipments).toEqual([])
    expect(out.case.approvals?.[0]).toMatchObject({ status: 'pending', why: '非老客户先发新商品' })
    // a trusted buyer's exchange ships at approval (double shipment, seed 002)
    const trusted = open({ reason: 'size_fit', type: 'exchange', claimedItems: [{ skuId: 'CUP', qty: 1 }], buyerProfile: { openid: BUYER, dedicatedRepId: null, trusted: true } })
    expect(step(trusted, { type: 'approve' }, agent, T).case.replacementShipments[0]).toMatchObject({ early: true })
  })

  test('风险买家：客服的任何退款都提交主管审批', () => {
    const c = open({ reason: 'quality_defect', type: 'refund_only', claimedItems: [{ skuId: 'CUP', qty: 1 }], buyerProfile: { openid: BUYER, dedicatedRepId: null, trusted: false, refundCount90d: 3 } })
    expect(c.flags.risk).toBe(true)
    const out = step(c, { type: 'approve' }, agent, T)
    expect(out.case.refunds).toEqual([])
    expect(out.case.approvals?.[0]).toMatchObject({ why: '买家已标记退款风险', amountFen: 2000 })
  })
})

describe('员工的决定保留引擎的方案', () => {
  test('发错货点同意：补发正确商品 + 赠品 + 上门取回（不是普通换货）', () => {
    const c = open({ reason: 'wrong_item', type: 'exchange', claimedItems: [{ skuId: 'CUP', qty: 1 }] })
    const out = step(c, { type: 'approve' }, supervisor, T).case
    const accepted = out.offers.find((o) => o.id === out.acceptedOfferId)!
    expect(accepted).toMatchObject({ rule: 'wrong_item_swap', kind: 'resend', pickup: true, giftValueFen: policy.compensation.giftValueFen })
    expect(out.returnShipment).toMatchObject({ purpose: 'collect', pickup: true })
  })

  test('改成按买家申请处理要写原因，原因记入时间线', () => {
    const c = open({ reason: 'wrong_item', type: 'exchange', claimedItems: [{ skuId: 'CUP', qty: 1 }] })
    const no = decide(c, { type: 'approve', remedy: 'requested' }, ctx(supervisor, T))
    expect(no.ok).toBe(false)
    if (!no.ok) expect(no.error.message).toContain('调整原因')
    const out = step(c, { type: 'approve', remedy: 'requested', changeReason: '买家只要换同款' }, supervisor, T).case
    expect(out.offers.find((o) => o.id === out.acceptedOfferId)).toMatchObject({ kind: 'exchange', rule: 'approved_request' })
    expect(out.timeline.at(-1)!.data).toMatchObject({ change: expect.stringContaining('买家只要换同款') })
  })
})

describe('钱真正到账才告诉买家', () => {
  test('同意退款不发“退款已发起”；到账时发“退款已到账”；退款失败不发任何到账消息', () => {
    const c = open({ reason: 'quality_defect', type: 'refund_only', claimedItems: [{ skuId: 'CUP', qty: 1 }] })
    const out = step(c, { type: 'approve' }, agent, T)
    const buyerMsgs = (evs: typeof out.events) => evs.filter((e) => e.kind === 'buyer_message').map((e) => (e as { event: string }).event)
    expect(buyerMsgs(out.events)).not.toContain('refund_issued')
    const ok = step(out.case, { type: 'refund_confirmed', key: out.case.refunds[0].key }, system, later(T, 1))
    expect(buyerMsgs(ok.events)).toContain('refund_succeeded')
    const failed = step(out.case, { type: 'refund_failed', key: out.case.refunds[0].key, reason: '余额不足' }, system, later(T, 1))
    expect(buyerMsgs(failed.events).filter((e) => e.startsWith('refund'))).toEqual([])
    void buyer
  })
})

describe('线下退款登记（其他渠道的订单）：同一个金额守卫和审批门槛', () => {
  const inReview = () => step(open({ reason: 'quality_defect', type: 'refund_only', order: order({ source: 'csv' }), claimedItems: [{ skuId: 'NEST-6', qty: 6 }] }), { type: 'respond', text: '您好' }, agent, T).case
  const proof = { proof: ['local:transfer-1'], note: '微信转账 流水号 4200001' }

  test('客服登记¥30线下退款并附凭证：记为已到账，谁、凭证都在；买家收到“退款已到账”', () => {
    const out = step(inReview(), { type: 'record_manual_refund', amountFen: 3000, purpose: 'refund', ...proof }, agent, later(T, 1))
    expect(out.case.status).toBe('resolved')
    expect(out.case.refunds).toEqual([expect.objectContaining({ amountFen: 3000, status: 'succeeded', manual: { proof: ['local:transfer-1'], by: 'agent-1', note: proof.note } })])
    expect(out.events).toContainEqual(expect.objectContaining({ kind: 'buyer_message', event: 'refund_succeeded' }))
    expect(out.events.some((e) => e.kind === 'refund_requested')).toBe(false) // nothing to pay again
  })

  test('超过门槛：提交主管审批，不登记；超过该商品可退金额：拒绝并写出数字；视频号订单不能登记', () => {
    const big = step(inReview(), { type: 'record_manual_refund', amountFen: 25000, purpose: 'refund', ...proof }, agent, later(T, 1))
    expect(big.case.refunds).toEqual([])
    expect(big.case.approvals?.[0]).toMatchObject({ status: 'pending', amountFen: 25000, command: { type: 'record_manual_refund' } })
    const over = decide(inReview(), { type: 'record_manual_refund', amountFen: 30001, purpose: 'refund', ...proof }, ctx(supervisor, later(T, 1)))
    expect(over.ok).toBe(false)
    if (!over.ok) expect(over.error.message).toContain('本单该商品还可退¥300')
    const shop = step(open({ reason: 'quality_defect', type: 'exchange', order: order({ source: 'channels' }), claimedItems: [{ skuId: 'CUP', qty: 1 }] }), { type: 'respond', text: '您好' }, agent, T).case
    const no = decide(shop, { type: 'record_manual_refund', amountFen: 100, purpose: 'refund', ...proof }, ctx(supervisor, later(T, 1)))
    expect(no.ok).toBe(false)
  })
})
