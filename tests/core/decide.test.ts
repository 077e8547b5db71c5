/** The transition table and who may act — behaviour a buyer or agent would notice. */
import { CaseSchema } from '@contract/domain'
import { availableCommands, decide, nextTimers, openCase } from '../../cloudfunctions/core'
import { buyerView } from '../../cloudfunctions/app/views'
import { agent, buyer, BUYER, ctx, later, MON_10, open, order, policy, step, supervisor, system } from './fixtures'

describe('退货退款全流程', () => {
  test('提交 → 同意 → 上门取件 → 收货验货 → 退款到账 → 评价关闭，每步留痕并通知买家', () => {
    let c = open({ type: 'return_refund', reason: 'quality_defect', claimedItems: [{ skuId: 'NEST-6', qty: 2 }] })
    expect(CaseSchema.parse(c)).toBeTruthy()
    expect(c).toMatchObject({ status: 'submitted', version: 1, severity: 'P2', team: 'quality', assigneeId: 'agent-1' })
    const a = step(c, { type: 'approve' }, agent, later(MON_10, 5))
    c = a.case
    expect(c.status).toBe('awaiting_return')
    expect(c.version).toBe(2)
    expect(c.returnShipment).toMatchObject({ pickup: true, shippingPaidBy: 'seller' })
    expect(a.events.some((e) => e.kind === 'buyer_message' && e.event === 'pickup_booked')).toBe(true)
    expect(a.events.every((e) => e.key.startsWith(`${c.id}:v2:`))).toBe(true)
    c = step(c, { type: 'ship_return', carrier: 'SF', trackingNo: 'SF100' }, agent, later(MON_10, 60)).case
    c = step(c, { type: 'receive_return' }, agent, later(MON_10, 3000)).case
    c = step(c, { type: 'inspect', result: 'pass', note: '确有杂质' }, agent, later(MON_10, 3010)).case
    expect(c.status).toBe('refunding')
    expect(c.refunds).toEqual([expect.objectContaining({ amountFen: 10000, status: 'pending', key: `${c.id}-r1` })])
    c = step(c, { type: 'refund_confirmed', key: `${c.id}-r1` }, system, later(MON_10, 3020)).case
    expect(c.status).toBe('resolved')
    expect(c.sla.stoppedAt).not.toBeNull()
    c = step(c, { type: 'rate', score: 5, comment: '👍很快' }, buyer, later(MON_10, 3030)).case
    expect(c.status).toBe('closed')
    expect(c.closedAt).toBe(later(MON_10, 3030))
    expect(c.version).toBe(7)
    expect(c.timeline.map((t) => t.toStatus)).toEqual([
      'submitted', 'submitted', 'awaiting_return', 'return_shipped', 'inspecting', 'refunding', 'resolved', 'closed',
    ])
    expect(CaseSchema.parse(c)).toBeTruthy()
  })
})

describe('错误类型', () => {
  const c0 = () => open({})
  test('已关闭的单不能再操作', () => {
    let c = c0()
    c = step(c, { type: 'cancel' }, buyer, later(MON_10, 1)).case
    const r = decide(c, { type: 'note', text: 'x' }, ctx(agent, later(MON_10, 2)))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toMatchObject({ code: 'NOT_ALLOWED_IN_STATUS', details: { status: 'cancelled', command: 'note' } })
  })
  test('别人的售后单买家不能操作', () => {
    const r = decide(c0(), { type: 'cancel' }, ctx({ kind: 'buyer', id: 'someone-else' }, later(MON_10, 1)))
    expect(r.ok || r.error.code).toBe('FORBIDDEN')
  })
  test('买家不能自己同意退款', () => {
    const r = decide(c0(), { type: 'approve' }, ctx(buyer, later(MON_10, 1)))
    expect(r.ok || r.error.code).toBe('FORBIDDEN')
  })
  test('客服不能替买家接受方案', () => {
    let c = c0()
    c = step(c, { type: 'make_offer', offerIds: [c.offers[0].id] }, agent, later(MON_10, 1)).case
    const r = decide(c, { type: 'accept_offer', offerId: c.offers[0].id }, ctx(agent, later(MON_10, 2)))
    expect(r.ok || r.error.code).toBe('FORBIDDEN')
  })
  test('版本号不对 → 冲突（别人已经改过）', () => {
    const r = decide(c0(), { type: 'respond', text: 'hi', expectedVersion: 3 }, ctx(agent, later(MON_10, 1)))
    expect(r.ok || r.error.code).toBe('CONFLICT')
  })
  test('指令格式不对 → 校验错误，提示中文', () => {
    const r = decide(c0(), { type: 'respond', text: '' }, ctx(agent, later(MON_10, 1)))
    expect(r.ok || r.error.code).toBe('VALIDATION')
    const u = decide(c0(), { type: 'fly' }, ctx(agent, later(MON_10, 1)))
    expect(u.ok || u.error.code).toBe('VALIDATION')
  })
  test('已提交的单不能直接验货', () => {
    const r = decide(c0(), { type: 'inspect', result: 'pass', note: 'ok' }, ctx(agent, later(MON_10, 1)))
    expect(r.ok || r.error).toMatchObject({ code: 'NOT_ALLOWED_IN_STATUS', details: { status: 'submitted', command: 'inspect' } })
  })
  test('退款超过实付 → 超限', () => {
    let c = open({ type: 'refund_only', reason: 'lost_parcel', order: order({ deliveredAt: undefined }) })
    c = step(c, { type: 'respond', text: '在查' }, agent, later(MON_10, 1)).case
    const r = decide(c, { type: 'issue_refund', amountFen: 32001 }, ctx(supervisor, later(MON_10, 2)))
    expect(r.ok || r.error.code).toBe('LIMIT_EXCEEDED')
  })
  test('客服只能转派自己的单，主管可以转派任何单', () => {
    const c = open({ claimedItems: [{ skuId: 'CUP', qty: 1 }] })
    expect(c.assigneeId).toBe('agent-1')
    const other = decide(c, { type: 'reassign', assigneeId: 'agent-2' }, ctx({ kind: 'staff', id: 'agent-3', role: 'agent' }, later(MON_10, 1)))
    expect(other.ok || other.error.code).toBe('FORBIDDEN')
    expect(step(c, { type: 'reassign', assigneeId: 'agent-2' }, supervisor, later(MON_10, 1)).case.assigneeId).toBe('agent-2')
  })
  test('创建售后单时不能替别人的订单申请', () => {
    const r = openCase({ buyerOpenid: 'x', order: order(), claimedItems: [{ skuId: 'CUP', qty: 1 }], type: 'resend', reason: 'missing_item', desiredRemedy: 'resend' }, ctx({ kind: 'buyer', id: 'x' }, MON_10))
    expect(r.ok || r.error.code).toBe('FORBIDDEN')
  })
})

describe('买家等待期限', () => {
  test('请买家补充信息，3天不回复自动关闭；期限未到不能关', () => {
    let c = open({})
    c = step(c, { type: 'ask_info', text: '请补充照片' }, agent, later(MON_10, 5)).case
    expect(c.buyerDeadline).toEqual({ kind: 'info', dueAt: later(MON_10, 5 + 3 * 24 * 60) })
    expect(nextTimers(c, later(MON_10, 5), policy)).toContainEqual({ command: 'expire', deadline: 'info', at: c.buyerDeadline!.dueAt })
    const early = decide(c, { type: 'expire', deadline: 'info' }, ctx(system, later(MON_10, 60)))
    expect(early.ok).toBe(false)
    const out = step(c, { type: 'expire', deadline: 'info' }, system, later(MON_10, 5 + 3 * 24 * 60))
    expect(out.case.status).toBe('closed')
    expect(out.events.some((e) => e.kind === 'buyer_message' && e.event === 'case_closed')).toBe(true)
  })
  test('方案超时未确认 → 回到客服处理', () => {
    let c = open({})
    c = step(c, { type: 'make_offer', offerIds: [c.offers[0].id] }, agent, later(MON_10, 5)).case
    c = step(c, { type: 'expire', deadline: 'offer' }, system, later(MON_10, 5 + 3 * 24 * 60)).case
    expect(c.status).toBe('in_review')
    expect(c.offers[0].status).toBe('expired')
  })
})

describe('撤回与修改买家尚未答复的方案', () => {
  const comp = (fen: number) => ({ kind: 'compensation' as const, compensationFen: fen, explanation: `补偿${fen / 100}元` })

  test('撤回后买家不能再接受旧方案，买家看到撤回说明；重新给出的方案可以接受', () => {
    let c = open({})
    const first = step(c, { type: 'make_offer', offers: [comp(1000)] }, agent, later(MON_10, 5)).case
    const oldId = first.offers.find((o) => o.status === 'offered')!.id
    const w = step(first, { type: 'withdraw_offer', reason: '金额算错了' }, agent, later(MON_10, 10))
    c = w.case
    expect(c.status).toBe('in_review')
    expect(c.offers.find((o) => o.id === oldId)!.status).toBe('withdrawn')
    expect(c.buyerDeadline).toBeNull()
    expect(c.sla.pausedAt).toBeNull() // back with the agent: the SLA runs again
    // the buyer sees why, in the timeline of their own view
    const seen = buyerView(c, later(MON_10, 11), policy).timeline.at(-1)!
    expect(seen).toMatchObject({ type: 'withdraw_offer', text: '商家已撤回方案（金额算错了），将重新为您处理' })
    expect(buyerView(c, later(MON_10, 11), policy).actions).not.toContain('accept_offer')
    const stale = decide(c, { type: 'accept_offer', offerId: oldId }, ctx(buyer, later(MON_10, 12)))
    expect(stale.ok || stale.error.code).toBe('NOT_ALLOWED_IN_STATUS')

    c = step(c, { type: 'make_offer', offers: [comp(1500)] }, agent, later(MON_10, 20)).case
    expect(c.status).toBe('offer_pending')
    const newId = c.offers.find((o) => o.status === 'offered')!.id
    const old = decide(c, { type: 'accept_offer', offerId: oldId }, ctx(buyer, later(MON_10, 30)))
    expect(old.ok || old.error.code).toBe('VALIDATION')
    c = step(c, { type: 'accept_offer', offerId: newId }, buyer, later(MON_10, 31)).case
    expect(c).toMatchObject({ status: 'refunding', acceptedOfferId: newId })
    expect(c.refunds.map((r) => r.amountFen)).toEqual([1500])
  })

  test('方案未答复时直接修改：旧方案作废，买家收到新方案通知，确认期限重新计算', () => {
    const c1 = step(open({}), { type: 'make_offer', offers: [comp(1000)] }, agent, later(MON_10, 5)).case
    const oldId = c1.offers.find((o) => o.status === 'offered')!.id
    const r = step(c1, { type: 'make_offer', offers: [comp(2000)] }, agent, later(MON_10, 24 * 60))
    const c2 = r.case
    expect(c2.status).toBe('offer_pending')
    expect(c2.offers.find((o) => o.id === oldId)!.status).toBe('withdrawn')
    expect(c2.offers.filter((o) => o.status === 'offered').map((o) => o.compensationFen)).toEqual([2000])
    expect(c2.timeline.at(-1)!.text).toBe('方案已更新，为您提供方案：补偿20元')
    expect(r.events.some((e) => e.kind === 'buyer_message' && e.event === 'offer_made')).toBe(true)
    expect(Date.parse(c2.buyerDeadline!.dueAt)).toBeGreaterThan(Date.parse(c1.buyerDeadline!.dueAt))
    const stale = decide(c2, { type: 'accept_offer', offerId: oldId }, ctx(buyer, later(MON_10, 24 * 60 + 1)))
    expect(stale.ok || stale.error.code).toBe('VALIDATION')
  })

  test('修改后的方案超出客服额度：旧方案仍有效、等主管审批；买家先接受旧方案，审批申请自动作废', () => {
    const c0 = open({ claimedItems: [{ skuId: 'NEST-6', qty: 6 }] })
    const c1 = step(c0, { type: 'make_offer', offers: [comp(1000)] }, agent, later(MON_10, 5)).case
    const oldId = c1.offers.find((o) => o.status === 'offered')!.id
    const c2 = step(c1, { type: 'make_offer', offers: [comp(25000)] }, agent, later(MON_10, 10)).case
    expect(c2.status).toBe('offer_pending')
    expect(c2.approvals?.filter((a) => a.status === 'pending').map((a) => a.command.type)).toEqual(['make_offer'])
    expect(c2.offers.find((o) => o.id === oldId)!.status).toBe('offered')
    // a supervisor's approval puts the revision on the table
    const approved = step(c2, { type: 'decide_approval', approvalId: c2.approvals![0].id, decision: 'approved' }, supervisor, later(MON_10, 20)).case
    expect(approved.offers.filter((o) => o.status === 'offered').map((o) => o.compensationFen)).toEqual([25000])
    // or the buyer takes the old one first: nothing is left waiting for a supervisor
    const c3 = step(c2, { type: 'accept_offer', offerId: oldId }, buyer, later(MON_10, 15)).case
    expect(c3.approvals?.map((a) => a.status)).toEqual(['withdrawn'])
  })

  test('没有等待答复的方案时不能撤回', () => {
    const r = decide(open({}), { type: 'withdraw_offer' }, ctx(agent, later(MON_10, 5)))
    expect(r.ok || r.error.code).toBe('NOT_ALLOWED_IN_STATUS')
  })
})

describe('备注只给客服看', () => {
  test('内部备注标记为 internal，买家界面过滤', () => {
    const c = step(open({}), { type: 'note', text: '这个买家上次也说有杂质' }, agent, later(MON_10, 5)).case
    const last = c.timeline[c.timeline.length - 1]
    expect(last).toMatchObject({ internal: true, type: 'note' })
    expect(c.status).toBe('submitted')
  })
})

describe('按钮：每个状态下谁能做什么', () => {
  test('待寄回时买家可以填单号或撤销', () => {
    expect(availableCommands('awaiting_return', 'buyer').sort()).toEqual(['cancel', 'ship_return'])
  })
  test('已关闭只剩差评跟进（客服），其余什么都不能做', () => {
    expect(availableCommands('closed', 'staff')).toEqual(['review_step'])
    expect(availableCommands('closed', 'buyer')).toEqual([])
  })
  test('buyerOpenid stays the buyer', () => {
    expect(open({}).buyerOpenid).toBe(BUYER)
  })
})

describe('回访提醒（售后完成后提醒负责客服回访）', () => {
  const resolved = () => {
    let c = open({ type: 'return_refund', reason: 'quality_defect', claimedItems: [{ skuId: 'NEST-6', qty: 2 }] })
    c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
    c = step(c, { type: 'ship_return', carrier: 'SF', trackingNo: 'SF100' }, agent, later(MON_10, 60)).case
    c = step(c, { type: 'receive_return' }, agent, later(MON_10, 3000)).case
    c = step(c, { type: 'inspect', result: 'pass', note: '确有杂质' }, agent, later(MON_10, 3010)).case
    return step(c, { type: 'refund_confirmed', key: `${c.id}-r1` }, system, later(MON_10, 3020)).case
  }

  test('解决后按政策时长安排一次回访提醒，到点只提醒负责客服一次，且不给买家看', () => {
    const c = resolved()
    const resolvedAt = later(MON_10, 3020)
    expect(c.followUp).toEqual({ dueAt: later(resolvedAt, policy.sla.followUpVisitHours * 60), remindedAt: null })
    expect(nextTimers(c, resolvedAt, policy)).toContainEqual({ command: 'followup_remind', at: c.followUp!.dueAt })

    const early = decide(c, { type: 'followup_remind' }, ctx(system, later(resolvedAt, 60)))
    expect(early.ok || early.error.code).toBe('VALIDATION')
    const byAgent = decide(c, { type: 'followup_remind' }, ctx(agent, c.followUp!.dueAt))
    expect(byAgent.ok || byAgent.error.code).toBe('FORBIDDEN')

    const out = step(c, { type: 'followup_remind' }, system, c.followUp!.dueAt)
    expect(out.case.status).toBe('resolved')
    expect(out.case.followUp!.remindedAt).toBe(c.followUp!.dueAt)
    expect(out.events).toEqual([expect.objectContaining({ kind: 'staff_alert', alert: 'followup_visit', to: 'agent-1' })])
    expect(out.case.timeline.at(-1)).toMatchObject({ type: 'followup_remind', internal: true })
    expect(nextTimers(out.case, out.case.updatedAt, policy).some((t) => t.command === 'followup_remind')).toBe(false)
    const again = decide(out.case, { type: 'followup_remind' }, ctx(system, later(c.followUp!.dueAt, 1)))
    expect(again.ok || again.error.code).toBe('VALIDATION')
  })

  test('买家先评价关闭了售后单，就不再提醒回访', () => {
    const c = step(resolved(), { type: 'rate', score: 5 }, buyer, later(MON_10, 3030)).case
    expect(c.status).toBe('closed')
    expect(nextTimers(c, c.updatedAt, policy)).toEqual([])
    const r = decide(c, { type: 'followup_remind' }, ctx(system, c.followUp!.dueAt))
    expect(r.ok || r.error.code).toBe('NOT_ALLOWED_IN_STATUS')
  })
})
