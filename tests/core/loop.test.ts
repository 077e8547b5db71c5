/**
 * Closing the loop (issue 15, seeds 001 / 002): approvals in one tap with escalation, the 差评
 * follow-up's 24-hour deadline and its four steps, at most one contact and one reminder a day,
 * and the 回访 outcome.
 */
import { decide } from '../../cloudfunctions/core'
import { allowedCommands } from '../../cloudfunctions/core/allowed'
import type { Case } from '@contract/domain'
import { agent, buyer, ctx, later, MON_10, open, order, step, supervisor, system } from './fixtures'

const owner = { kind: 'staff' as const, id: 'owner-1', role: 'owner' as const }

/** A lost parcel refunded, then rated: the case is closed with whatever the rating opened. */
function rated(score: number, comment: string, at = later(MON_10, 60)): Case {
  let c = open({ reason: 'lost_parcel', type: 'refund_only', order: order({ deliveredAt: undefined }), claimedItems: [{ skuId: 'CUP', qty: 1 }] })
  c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
  c = step(c, { type: 'refund_confirmed', key: c.refunds[0].key }, system, later(MON_10, 30)).case
  return step(c, { type: 'rate', score, comment }, buyer, at).case
}

describe('审批：超过门槛一键提交主管，主管批准或驳回，无人处理则升级', () => {
  const big = () => open({ reason: 'quality_defect', type: 'refund_only', claimedItems: [{ skuId: 'NEST-6', qty: 6 }] }) // 6 × ¥50 = ¥300 > ¥200

  test('客服点同意（超过门槛）= 一键提交审批，记录确切方案和价值；主管批准后按主管身份执行，客服收到结果', () => {
    const c = big()
    // the same button: the agent's approve becomes the approval request of exactly that approve
    const tapped = step(c, { type: 'approve' }, agent, later(MON_10, 5))
    expect(tapped.case.status).toBe(c.status)
    expect(tapped.case.refunds).toEqual([])
    expect(tapped.case.approvals![0]).toMatchObject({ status: 'pending', command: { type: 'approve' }, amountFen: 30000, cashFen: 30000, summary: '同意仅退款¥300' })
    expect(tapped.case.timeline.at(-1)).toMatchObject({ type: 'submit_for_approval', internal: true })
    const sub = step(c, { type: 'submit_for_approval', request: { type: 'approve' }, note: '质量问题，全额退' }, agent, later(MON_10, 6))
    const a = sub.case.approvals![0]
    expect(a).toMatchObject({ status: 'pending', requestedBy: 'agent-1', amountFen: 30000 })
    expect(a.escalateAt).toBe(later(MON_10, 6 + 4 * 60)) // policy: 4 hours
    expect(sub.events).toContainEqual(expect.objectContaining({ kind: 'staff_alert', to: 'supervisor', alert: 'approval_needed', dueAt: a.escalateAt }))
    expect(sub.case.status).toBe(c.status) // nothing happens to the buyer yet
    // only one pending request at a time; agents cannot decide
    expect(allowedCommands(sub.case, ctx(agent, later(MON_10, 7)))).not.toContain('submit_for_approval')
    expect(allowedCommands(sub.case, ctx(agent, later(MON_10, 7)))).not.toContain('decide_approval')
    expect(allowedCommands(sub.case, ctx(supervisor, later(MON_10, 7)))).toContain('decide_approval')

    const done = step(sub.case, { type: 'decide_approval', approvalId: a.id, decision: 'approved', note: '同意' }, supervisor, later(MON_10, 30))
    expect(done.case.status).toBe('refunding')
    expect(done.case.refunds[0].amountFen).toBe(30000)
    expect(done.case.approvals![0]).toMatchObject({ status: 'approved', decidedBy: 'sup-1' })
    // the buyer reads the remedy, never the approval; staff read the approval in the entry's data
    expect(done.case.timeline.at(-1)).toMatchObject({ type: 'decide_approval', internal: false, text: '售后申请已同意：同意仅退款¥300', data: expect.objectContaining({ decision: 'approved', approvedFen: 30000 }) })
    expect(done.events).toContainEqual(expect.objectContaining({ kind: 'staff_alert', to: 'agent-1', alert: 'approval_decided' }))
  })

  test('驳回需要理由，客服和时间线看到；请求在提交时就按主管身份校验（超过实付被拒）', () => {
    const c = big()
    expect(decide(c, { type: 'submit_for_approval', request: { type: 'approve', amountFen: 99_999 } }, ctx(agent, later(MON_10, 5))).ok).toBe(false)
    const sub = step(c, { type: 'submit_for_approval', request: { type: 'approve', amountFen: 25_000 } }, agent, later(MON_10, 6))
    const id = sub.case.approvals![0].id
    expect(decide(sub.case, { type: 'decide_approval', approvalId: id, decision: 'refused' }, ctx(supervisor, later(MON_10, 9))).ok).toBe(false)
    const no = step(sub.case, { type: 'decide_approval', approvalId: id, decision: 'refused', note: '先补发' }, supervisor, later(MON_10, 10))
    expect(no.case.status).toBe(c.status)
    expect(no.case.refunds).toEqual([])
    expect(no.case.timeline.at(-1)!.text).toContain('先补发')
    expect(no.events).toContainEqual(expect.objectContaining({ to: 'agent-1', alert: 'approval_decided' }))
  })

  test('无人处理的审批在政策时限后升级给店主，之前不升级', () => {
    const sub = step(big(), { type: 'submit_for_approval', request: { type: 'approve' } }, agent, MON_10).case
    const due = sub.approvals![0].escalateAt
    expect(decide(sub, { type: 'approval_escalate' }, ctx(system, later(due, -1))).ok).toBe(false)
    const up = step(sub, { type: 'approval_escalate' }, system, due)
    expect(up.case.flags.escalated).toBe(true)
    expect(up.events).toContainEqual(expect.objectContaining({ to: 'owner', alert: 'escalated' }))
    expect(decide(up.case, { type: 'approval_escalate' }, ctx(system, later(due, 60))).ok).toBe(false) // once
    // the owner can still approve
    expect(step(up.case, { type: 'decide_approval', approvalId: sub.approvals![0].id, decision: 'approved' }, owner, later(due, 61)).case.status).toBe('refunding')
  })
})

describe('差评跟进 (seed 002)：24小时内四步闭环', () => {
  test('低分或含差评关键词都会开启跟进任务，期限为政策小时数；好评不开启', () => {
    const at = later(MON_10, 60)
    expect(rated(1, '太慢了', at).reviewFollowUp).toMatchObject({ openedAt: at, dueAt: later(at, 24 * 60), trigger: { score: 1 } })
    const words = rated(4, '东西还行，客服态度差', at).reviewFollowUp
    expect(words?.trigger.keywords).toEqual(['态度差'])
    expect(rated(5, '很好', at).reviewFollowUp ?? null).toBeNull()
  })

  test('四步：分析原因、联系买家（一天最多一次）、补救、公开回复，然后记录结果', () => {
    const at = later(MON_10, 60)
    let c = rated(1, '太慢了', at)
    expect(c.status).toBe('closed')
    expect(allowedCommands(c, ctx(agent, later(at, 1)))).toContain('review_step')
    // closing before the steps is refused with the missing one
    expect(decide(c, { type: 'review_step', step: { step: 'close', outcome: 'not_updated' } }, ctx(agent, later(at, 2))).ok).toBe(false)
    c = step(c, { type: 'review_step', step: { step: 'analyse', cause: 'logistics', text: '快递丢件，补发慢' } }, agent, later(at, 10)).case
    c = step(c, { type: 'review_step', step: { step: 'contact', channel: 'phone', outcome: 'no_answer' } }, agent, later(at, 20)).case
    // a second call the same day: never harass the buyer
    const again = decide(c, { type: 'review_step', step: { step: 'contact', channel: 'wechat', outcome: 'reached' } }, ctx(agent, later(at, 120)))
    expect(again.ok || again.error).toMatchObject({ code: 'LIMIT_EXCEEDED' })
    c = step(c, { type: 'review_step', step: { step: 'contact', channel: 'phone', outcome: 'reached', note: '已道歉' } }, agent, later(at, 24 * 60 + 10)).case
    c = step(c, { type: 'review_step', step: { step: 'remedy', mode: 'none', note: '已退款' } }, agent, later(at, 24 * 60 + 11)).case
    c = step(c, { type: 'review_step', step: { step: 'reply', text: '抱歉让您久等了，我们已优化物流。' } }, agent, later(at, 24 * 60 + 12)).case
    const closedAt = c.closedAt
    c = step(c, { type: 'review_step', step: { step: 'close', outcome: 'not_updated' } }, agent, later(at, 24 * 60 + 13)).case
    expect(c.reviewFollowUp).toMatchObject({ outcome: 'not_updated', closedAt: later(at, 24 * 60 + 13), cause: { category: 'logistics' } })
    expect(c.reviewFollowUp!.contacts).toHaveLength(2)
    expect(c.closedAt).toBe(closedAt) // the case stays closed when it was
    expect(c.timeline.filter((t) => t.type === 'review_step').every((t) => t.internal)).toBe(true)
    expect(allowedCommands(c, ctx(agent, later(at, 24 * 60 + 14)))).not.toContain('review_step')
  })

  test('提醒负责客服：一天最多一次，联系过买家的当天不提醒', () => {
    const at = later(MON_10, 60)
    let c = rated(2, '一般', at)
    // the rating's own alert is the first reminder of the day
    expect(decide(c, { type: 'review_remind' }, ctx(system, later(at, 23 * 60))).ok).toBe(false)
    const r1 = step(c, { type: 'review_remind' }, system, later(at, 24 * 60))
    expect(r1.events).toContainEqual(expect.objectContaining({ alert: 'review_followup_due' }))
    c = r1.case
    expect(decide(c, { type: 'review_remind' }, ctx(system, later(at, 47 * 60))).ok).toBe(false)
    // contacted in between: the next reminder waits a day after that contact
    c = step(c, { type: 'review_step', step: { step: 'contact', channel: 'wechat', outcome: 'no_answer' } }, agent, later(at, 40 * 60)).case
    expect(decide(c, { type: 'review_remind' }, ctx(system, later(at, 48 * 60))).ok).toBe(false)
    expect(step(c, { type: 'review_remind' }, system, later(at, 64 * 60)).case.reviewFollowUp!.remindedAt).toBe(later(at, 64 * 60))
  })
})

describe('回访 (seed 001)：记录结果，评价先到则回访失效', () => {
  function resolvedCase(): Case {
    let c = open({ reason: 'lost_parcel', type: 'refund_only', order: order({ deliveredAt: undefined }), claimedItems: [{ skuId: 'CUP', qty: 1 }] })
    c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
    return step(c, { type: 'refund_confirmed', key: c.refunds[0].key }, system, later(MON_10, 30)).case
  }

  test('满意 / 联系不上直接记录；不满意必须带上新建的关联售后单', () => {
    const c = resolvedCase()
    expect(c.status).toBe('resolved')
    const ok = step(c, { type: 'record_visit', outcome: 'satisfied', note: '喜欢原味' }, agent, later(MON_10, 60 * 48)).case
    expect(ok.followUp).toMatchObject({ outcome: 'satisfied', doneAt: later(MON_10, 60 * 48) })
    expect(decide(ok, { type: 'record_visit', outcome: 'unreachable' }, ctx(agent, later(MON_10, 60 * 49))).ok).toBe(false) // once
    expect(decide(c, { type: 'record_visit', outcome: 'not_satisfied' }, ctx(agent, later(MON_10, 60 * 48))).ok).toBe(false)
    expect(step(c, { type: 'record_visit', outcome: 'not_satisfied', linkedCaseId: 'case-2' }, agent, later(MON_10, 60 * 48)).case.followUp?.linkedCaseId).toBe('case-2')
  })

  test('买家先评价：售后单关闭，回访不再需要', () => {
    const c = step(resolvedCase(), { type: 'rate', score: 5, comment: '' }, buyer, later(MON_10, 60)).case
    expect(allowedCommands(c, ctx(agent, later(MON_10, 61)))).not.toContain('record_visit')
  })
})
