/**
 * Issue 23 point 1: every event that needs a person reaches them with context. A buyer's reply,
 * decline or appeal alerts the assignee (the supervisors when nobody has the case), and every
 * staff alert names the product, the buyer, the reason, the money at stake and the deadline.
 */
import type { Case, CaseEvent, StaffAlertEvent } from '@contract/domain'
import { openCase } from '../../cloudfunctions/core'
import { agent, BUYER, buyer, ctx, later, MON_10, open, order, roster, step } from './fixtures'

const alertsOf = (events: CaseEvent[]) => events.filter((e): e is StaffAlertEvent => e.kind === 'staff_alert')

/** A quality case with a ¥40 partial refund on the table (agent-1 has the case). */
function offered(over: Parameters<typeof open>[0] = {}): Case {
  let c = open({ type: 'refund_only', claimedItems: [{ skuId: 'NEST-6', qty: 2 }], desiredRemedy: 'refund', ...over })
  c = step(c, { type: 'make_offer', offers: [{ kind: 'refund', refundFen: 4000, explanation: '部分退款¥40' }] }, agent, later(MON_10, 5)).case
  expect(c.status).toBe('offer_pending')
  return c
}

describe('买家回复、拒绝方案、补充凭证会提醒负责人，并带上商品、买家、原因、金额和时限', () => {
  test('拒绝方案：负责人收到「买家未接受方案」和买家的话，金额是被拒方案的金额，时限是恢复后的处理时限', () => {
    const c = offered({ order: order({ buyerName: '林女士' }) })
    expect(c.assigneeId).toBe('agent-1')
    const out = step(c, { type: 'decline_offer', text: '退得太少了，要全额' }, buyer, later(MON_10, 60))
    const [a] = alertsOf(out.events).filter((e) => e.alert === 'offer_declined')
    expect(a).toMatchObject({ to: 'agent-1', text: expect.stringContaining('退得太少了，要全额') })
    expect(a.context).toEqual({
      product: '高含量瓶装燕窝6瓶装 ×2',
      buyer: '林女士',
      reason: 'quality_defect',
      reasonLabel: '质量问题',
      amountFen: 4000,
      amountKind: 'declined',
      dueAt: out.case.sla.resolution.dueAt,
      dueKind: 'sla',
    })
    expect(out.case.status).toBe('in_review')
  })

  test('补充凭证：无人负责时提醒主管；买家没有姓名时用掩码 id，金额是申请金额', () => {
    let c = open({ type: 'refund_only', claimedItems: [{ skuId: 'NEST-6', qty: 1 }, { skuId: 'CUP', qty: 1 }], desiredRemedy: 'refund' })
    c = step(c, { type: 'ask_info', text: '请拍一下瓶盖' }, agent, later(MON_10, 5)).case
    c = { ...c, assigneeId: null }
    const ev = { fileId: 'cloud://x/1.jpg', kind: 'image' as const, size: 1000, mime: 'image/jpeg' }
    const out = step(c, { type: 'provide_info', text: '已拍瓶盖', evidence: [ev] }, buyer, later(MON_10, 120))
    const [a] = alertsOf(out.events)
    expect(a).toMatchObject({ to: 'supervisor', alert: 'buyer_replied', text: expect.stringContaining('已拍瓶盖') })
    expect(a.text).toContain('新凭证1个')
    expect(a.context).toMatchObject({ product: '高含量瓶装燕窝6瓶装、燕窝杯', buyer: '买家…er-1', reasonLabel: '质量问题', amountFen: 7000, amountKind: 'claimed', dueKind: 'sla' })
    // the buyer's answer resumed the clock: the deadline is the running one, not the paused one
    expect(a.context!.dueAt).toBe(out.case.sla.resolution.dueAt)
    expect(a.context!.dueAt).not.toBe(c.sla.resolution.dueAt)
    expect(out.case.sla.pausedAt).toBeNull()
  })

  test('员工操作产生的提醒也带上下文：给出方案后等待买家，时限是买家的截止时间', () => {
    const c = offered()
    const out = step(c, { type: 'escalate', text: '买家情绪激动' }, agent, later(MON_10, 10))
    const [a] = alertsOf(out.events)
    expect(a.alert).toBe('escalated')
    expect(a.context).toMatchObject({ amountFen: 4000, amountKind: 'offered', dueAt: c.buyerDeadline!.dueAt, dueKind: 'buyer' })
  })

  test('申诉：主管收到买家的申诉理由和上下文', () => {
    let c = open({ type: 'refund_only', claimedItems: [{ skuId: 'NEST-6', qty: 1 }], desiredRemedy: 'refund' })
    c = step(c, { type: 'reject', text: '不符合' }, agent, later(MON_10, 5)).case
    const out = step(c, { type: 'appeal', text: '瓶子确实有杂质，有照片' }, buyer, later(MON_10, 60))
    const [a] = alertsOf(out.events)
    expect(a).toMatchObject({ to: 'supervisor', alert: 'appeal', text: expect.stringContaining('瓶子确实有杂质') })
    expect(a.context).toMatchObject({ reasonLabel: '质量问题', amountFen: 5000, amountKind: 'claimed', dueKind: 'sla' })
  })

  test('新建售后单的分配提醒也带上下文，时限是首次响应时限', () => {
    const r = openCase(
      { buyerOpenid: BUYER, order: order({ buyerName: '赵先生' }), claimedItems: [{ skuId: 'CUP', qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '杯子裂了', desiredRemedy: 'refund' },
      ctx(buyer, MON_10, { roster }),
    )
    if (!r.ok) throw new Error(r.error.message)
    const [a] = alertsOf(r.value.events)
    expect(a).toMatchObject({ alert: 'case_assigned', to: 'agent-1' })
    expect(a.context).toMatchObject({ product: '燕窝杯', buyer: '赵先生', amountFen: 2000, amountKind: 'claimed', dueAt: r.value.case.sla.firstResponse.dueAt, dueKind: 'sla' })
  })
})
