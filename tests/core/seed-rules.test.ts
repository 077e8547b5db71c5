/**
 * One table per seed rule (DESIGN §3), named in the seller's words.
 */
import type { ReasonCode, Severity } from '@contract/domain'
import {
  addBusinessTime,
  checkEligibility,
  computeSeverity,
  decide,
  isBusinessTime,
  openCase,
  proactiveLogisticsCase,
  routeCase,
  slaState,
  suggestOffers,
} from '../../cloudfunctions/core'
import { agent, buyer, ctx, later, MON_10, open, order, policy, roster, step, supervisor, system } from './fixtures'

describe('严重程度 (seed 003): 安全问题立即处理，质量类P2，其余P3', () => {
  const table: Array<[ReasonCode, Severity]> = [
    ['safety_allergy', 'P1'],
    ['quality_defect', 'P2'],
    ['not_as_described', 'P2'],
    ['damaged_in_transit', 'P2'],
    ['wrong_item', 'P2'],
    ['missing_item', 'P2'],
    ['late_delivery', 'P3'],
    ['no_reason_7d', 'P3'],
    ['taste_usage', 'P3'],
    ['other', 'P3'],
  ]
  test.each(table)('%s → %s', (reason, sev) => {
    expect(computeSeverity({ reason, description: '' }, policy).severity).toBe(sev)
  })
  test('买家描述里写了“过敏”，即使选了口感问题也按P1处理', () => {
    const r = computeSeverity({ reason: 'taste_usage', description: '吃完后孩子皮肤过敏了' }, policy)
    expect(r.severity).toBe('P1')
    expect(r.why).toContain('过敏')
  })
})

describe('分配 (seeds 000, 002): 专属客服优先，否则找当班最闲的人', () => {
  const cases: Array<{ name: string; reason: ReasonCode; severity: Severity; rep?: string; roster: typeof roster; assignee: string | null; alert: boolean }> = [
    { name: '老客户的专属客服在班，直接给专属客服', reason: 'damaged_in_transit', severity: 'P2', rep: 'agent-1', roster, assignee: 'agent-1', alert: false },
    {
      name: '专属客服不在班，给物流组当班工单最少的人（并列时给最久没接单的）',
      reason: 'damaged_in_transit',
      severity: 'P2',
      rep: 'agent-1',
      roster: roster.map((s) => (s.id === 'agent-1' ? { ...s, onDuty: false } : s)),
      assignee: 'agent-3',
      alert: false,
    },
    { name: '质量问题进品质组', reason: 'quality_defect', severity: 'P2', roster, assignee: 'agent-1', alert: false },
    { name: '没人值班就进队列，不指派', reason: 'missing_item', severity: 'P2', roster: roster.map((s) => ({ ...s, onDuty: false })), assignee: null, alert: false },
    { name: '没人值班的P1进队列，并提醒主管', reason: 'safety_allergy', severity: 'P1', roster: [], assignee: null, alert: true },
    { name: 'P1有人接也要提醒主管', reason: 'safety_allergy', severity: 'P1', roster, assignee: 'agent-1', alert: true },
  ]
  test.each([
    ['口感/使用问题进品质组（分类管理：使用问题和质量问题一起管）', 'taste_usage', 'quality'],
    ['质量问题进品质组', 'quality_defect', 'quality'],
    ['运输破损进物流组', 'damaged_in_transit', 'logistics'],
    ['漏发进仓库组', 'missing_item', 'warehouse'],
  ] as Array<[string, ReasonCode, string]>)('默认分类：%s', (_n, reason, team) => {
    expect(routeCase({ reason, severity: 'P3' }, roster, policy, null).team).toBe(team)
  })
  test('口感问题开单：进品质组，第一个方案是使用建议', () => {
    const c = open({ type: 'return_refund', reason: 'taste_usage', claimedItems: [{ skuId: 'NEST-6', qty: 1 }], description: '蛋清味太重' })
    expect(c.team).toBe('quality')
    expect(suggestOffers({ order: order(), claimedItems: [{ skuId: 'NEST-6', qty: 1 }], reason: 'taste_usage', severity: c.severity, now: MON_10 }, policy).offers[0].kind).toBe('guidance')
  })
  test.each(cases)('$name', (t) => {
    const r = routeCase({ reason: t.reason, severity: t.severity }, t.roster, policy, t.rep ? { openid: 'x', dedicatedRepId: t.rep } : null)
    expect(r.assigneeId).toBe(t.assignee)
    expect(r.alertSupervisor).toBe(t.alert)
    expect(r.reason.length).toBeGreaterThan(0)
  })
})

describe('补偿方案 (seeds 000, 002, 003, 004)', () => {
  const now = MON_10
  const base = { order: order(), claimedItems: [{ skuId: 'NEST-6', qty: 2 }], severity: 'P2' as Severity, now }

  test.each([
    ['晚到2天，每天补偿¥10，共¥20', '2026-11-20T04:00:00.000Z', 2000],
    ['晚到10天，最多补偿¥50', '2026-11-28T04:00:00.000Z', 5000],
  ])('物流延迟：%s', (_name, deliveredAt, fen) => {
    const s = suggestOffers({ ...base, order: order({ deliveredAt }), reason: 'late_delivery', severity: 'P3' }, policy)
    expect(s.offers).toHaveLength(1)
    expect(s.offers[0]).toMatchObject({ rule: 'late_delivery_per_day', kind: 'compensation', compensationFen: fen })
    expect(s.offers[0].explanation).toContain('¥10')
  })
  test('物流没有晚到，就不给延迟补偿', () => {
    const s = suggestOffers({ ...base, order: order({ deliveredAt: '2026-11-18T02:00:00.000Z' }), reason: 'late_delivery', severity: 'P3' }, policy)
    expect(s.offers).toHaveLength(0)
  })

  test.each([
    ['破损2瓶：直接补发，不用寄回', 2, false],
    ['破损3瓶：直接补发，不用寄回', 3, false],
    ['破损4瓶（超过3瓶）：补发并安排快递上门取回', 4, true],
  ])('运输破损：%s', (_name, units, pickup) => {
    const s = suggestOffers({ ...base, claimedItems: [{ skuId: 'NEST-6', qty: units }], reason: 'damaged_in_transit' }, policy)
    expect(s.offers[0]).toMatchObject({ rule: 'damaged_resend', kind: 'resend', pickup, shippingPaidBy: 'seller', items: [{ skuId: 'NEST-6', qty: units }] })
  })

  test('漏发：补发漏掉的件数，并让仓库核查这单', () => {
    const s = suggestOffers({ ...base, reason: 'missing_item' }, policy)
    expect(s.offers[0]).toMatchObject({ rule: 'missing_resend', kind: 'resend', items: [{ skuId: 'NEST-6', qty: 2 }] })
    expect(s.flags.warehouseCheck).toBe(true)
  })

  test('发错货：寄正确的商品+小礼物，上门取回错的', () => {
    const s = suggestOffers({ ...base, reason: 'wrong_item' }, policy)
    expect(s.offers[0]).toMatchObject({ rule: 'wrong_item_swap', kind: 'resend', pickup: true, giftValueFen: policy.compensation.giftValueFen, shippingPaidBy: 'seller' })
  })

  test('小瑕疵能接受：买家二选一，部分退款或优惠券', () => {
    const s = suggestOffers({ ...base, reason: 'quality_defect', minorDefect: true }, policy)
    expect(s.offers.map((o) => o.rule)).toEqual(['minor_defect_partial_refund', 'minor_defect_coupon'])
    expect(s.offers[0].refundFen).toBe(2000) // 20% of 2 × ¥50
    expect(s.offers[1].couponFen).toBe(policy.compensation.couponFen)
  })

  test('严重质量/安全问题：全额退款，运费我们出，通知主管', () => {
    const s = suggestOffers({ ...base, reason: 'safety_allergy', severity: 'P1' }, policy)
    expect(s.offers[0]).toMatchObject({ rule: 'serious_quality_full_refund', kind: 'return_refund', refundFen: 10000, shippingPaidBy: 'seller', pickup: true })
    expect(s.flags.supervisorInformed).toBe(true)
  })

  test.each<[ReasonCode]>([['quality_defect'], ['not_as_described']])('不是买家的错（%s）：我们出运费并上门取件', (reason) => {
    const s = suggestOffers({ ...base, reason }, policy)
    const ret = s.offers.find((o) => o.kind === 'return_refund')!
    expect(ret).toMatchObject({ shippingPaidBy: 'seller', pickup: true, refundFen: 10000 })
    expect(ret.explanation).toContain('上门取件')
  })

  test('7天无理由：买家出运费，验货通过后才退款', () => {
    const s = suggestOffers({ ...base, reason: 'no_reason_7d', severity: 'P3' }, policy)
    expect(s.offers[0]).toMatchObject({ rule: 'no_reason_return_after_inspection', kind: 'return_refund', shippingPaidBy: 'buyer', pickup: false })
    expect(s.offers[0].explanation).toContain('验货通过后退款')
  })

  test('口感问题：先给食用建议，不直接退', () => {
    const s = suggestOffers({ ...base, reason: 'taste_usage', severity: 'P3' }, policy)
    expect(s.offers).toHaveLength(1)
    expect(s.offers[0]).toMatchObject({ rule: 'taste_guidance_first', kind: 'guidance', refundFen: 0 })
    expect(s.offers[0].explanation).toBe(policy.cannedReplies.taste_usage)
  })
  test('口感问题：试过建议还是不行，再给退货或换货', () => {
    const s = suggestOffers({ ...base, reason: 'taste_usage', severity: 'P3', guidanceTried: true }, policy)
    expect(s.offers.map((o) => o.kind)).toEqual(['return_refund', 'exchange'])
    // each offer may be sent on its own: none starts with "或者"
    expect(s.offers.filter((o) => o.explanation.startsWith('或者'))).toEqual([])
  })

  test('退款+补偿不会超过实付（已退过一部分时按剩余算）', () => {
    const s = suggestOffers({ ...base, order: order({ paidFen: 12000 }), claimedItems: [{ skuId: 'NEST-6', qty: 6 }], reason: 'quality_defect', refunds: [{ key: 'r1', amountFen: 5000, purpose: 'refund', status: 'succeeded', requestedAt: base.now, settledAt: base.now, failureReason: null }] }, policy)
    // the claimed items' paid share is ¥300 × 120/320 = ¥112.50; ¥50 of it is already refunded
    expect(s.offers[0].refundFen).toBe(6250)
  })

  test('超过¥200的方案要主管审批', () => {
    const s = suggestOffers({ ...base, claimedItems: [{ skuId: 'NEST-6', qty: 6 }], reason: 'quality_defect' }, policy)
    expect(s.offers[0].refundFen).toBe(30000)
    expect(s.offers[0].needsSupervisor).toBe(true)
  })

  test.each([
    [2, false],
    [3, true],
  ])('90天内退款%i次的买家，风险标记=%s', (count, risk) => {
    const s = suggestOffers({ ...base, reason: 'quality_defect' }, policy, { refundCount90d: count })
    expect(s.flags.risk).toBe(risk)
    expect(s.offers[0].needsSupervisor).toBe(risk)
  })
})

describe('审批门槛：¥200以上主管才能同意', () => {
  const big = () => open({ claimedItems: [{ skuId: 'NEST-6', qty: 6 }], type: 'refund_only', reason: 'lost_parcel', order: order({ deliveredAt: undefined }) })
  test('客服同意¥300仅退款 → 不付款，提交主管审批（同一次点击）', () => {
    const out = step(big(), { type: 'approve' }, agent, later(MON_10, 5))
    expect(out.case.refunds).toEqual([])
    expect(out.case.approvals?.[0]).toMatchObject({ status: 'pending', amountFen: 30000 })
    expect(out.events).toContainEqual(expect.objectContaining({ kind: 'staff_alert', to: 'supervisor', alert: 'approval_needed' }))
  })
  test('主管同意¥300仅退款 → 退款中', () => {
    const out = step(big(), { type: 'approve' }, supervisor, later(MON_10, 5))
    expect(out.case.status).toBe('refunding')
    expect(out.case.refunds[0].amountFen).toBe(30000)
  })
  test('客服同意¥100仅退款 → 可以', () => {
    const out = step(open({ claimedItems: [{ skuId: 'NEST-6', qty: 2 }], type: 'refund_only', reason: 'lost_parcel', order: order({ deliveredAt: undefined }) }), { type: 'approve' }, agent, later(MON_10, 5))
    expect(out.case.status).toBe('refunding')
  })
})

describe('能不能申请 (eligibility)', () => {
  test('签收后显示“7天无理由退货 可申请至 2026-11-30”', () => {
    const e = checkEligibility(order({ deliveredAt: '2026-11-23T04:00:00.000Z' }), { claimedItems: [{ skuId: 'CUP', qty: 1 }], reason: 'no_reason_7d', type: 'return_refund' }, [], policy, MON_10)
    expect(e.ok).toBe(true)
    expect(e.hints).toContain('7天无理由退货 可申请至 2026-11-30')
  })
  test.each([
    ['第7天最后一天还能申请', '2026-11-27T15:59:00.000Z', true],
    ['第8天不能再申请7天无理由', '2026-11-27T16:01:00.000Z', false],
  ])('%s', (_n, now, allowed) => {
    const e = checkEligibility(order(), { claimedItems: [{ skuId: 'CUP', qty: 1 }], reason: 'no_reason_7d', type: 'return_refund' }, [], policy, now)
    expect(e.ok).toBe(allowed)
  })
  test('不支持7天无理由的商品（拆封食品）不能无理由退', () => {
    const o = order({ items: [{ skuId: 'NEST-6', name: '燕窝', qty: 6, unitPriceFen: 5000, finalSale: true }] })
    const e = checkEligibility(o, { claimedItems: [{ skuId: 'NEST-6', qty: 1 }], reason: 'no_reason_7d', type: 'return_refund' }, [], policy, MON_10)
    expect(e.ok).toBe(false)
    expect(e.types.return_refund.reason).toContain('不支持7天无理由')
  })
  test('同一商品最多申请5次售后', () => {
    const history = Array.from({ length: 5 }, (_, i) => ({ caseId: `c${i}`, orderId: 'O-1001', claimedItems: [{ skuId: 'NEST-6', qty: 1 }], type: 'resend' as const, status: 'closed' as const, createdAt: MON_10 }))
    const r = openCase({ buyerOpenid: 'openid-buyer-1', order: order(), claimedItems: [{ skuId: 'NEST-6', qty: 1 }], type: 'resend', reason: 'damaged_in_transit', desiredRemedy: 'resend', history }, ctx(buyer, MON_10))
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('LIMIT_EXCEEDED')
  })
  test('同一商品已有进行中的售后单，不能重复申请', () => {
    const history = [{ caseId: 'c1', orderId: 'O-1001', claimedItems: [{ skuId: 'NEST-6', qty: 1 }], type: 'resend' as const, status: 'in_review' as const, createdAt: MON_10 }]
    const e = checkEligibility(order(), { claimedItems: [{ skuId: 'NEST-6', qty: 1 }], reason: 'damaged_in_transit', type: 'resend' }, history, policy, MON_10)
    expect(e.ok).toBe(false)
    expect(e.errors[0]).toContain('进行中')
  })
  test('申请数量不能超过购买数量', () => {
    const e = checkEligibility(order(), { claimedItems: [{ skuId: 'CUP', qty: 2 }], reason: 'damaged_in_transit', type: 'resend' }, [], policy, MON_10)
    expect(e.ok).toBe(false)
  })
  test('未发货的订单只能仅退款', () => {
    const o = order({ shippedAt: undefined, deliveredAt: undefined })
    const e = checkEligibility(o, { claimedItems: [{ skuId: 'CUP', qty: 1 }], reason: 'other' }, [], policy, MON_10)
    expect(e.types.refund_only.allowed).toBe(true)
    expect(e.types.return_refund.allowed).toBe(false)
  })
  test('没超过承诺送达日期，不能申请延迟补偿', () => {
    const e = checkEligibility(order({ deliveredAt: '2026-11-18T02:00:00.000Z' }), { claimedItems: [{ skuId: 'CUP', qty: 1 }], reason: 'late_delivery', type: 'compensation' }, [], policy, MON_10)
    expect(e.ok).toBe(false)
  })
})

describe('时效 SLA (seeds 002, 003)', () => {
  test.each([
    ['P1 首次响应1个营业小时', 'safety_allergy', '2026-11-23T03:00:00.000Z'],
    ['P2 首次响应4个营业小时', 'quality_defect', '2026-11-23T06:00:00.000Z'],
    ['P3 首次响应12个营业小时（周一10点 → 周二10点）', 'taste_usage', '2026-11-24T02:00:00.000Z'],
  ])('%s', (_n, reason, due) => {
    const c = open({ reason: reason as ReasonCode, type: 'return_refund', claimedItems: [{ skuId: 'CUP', qty: 1 }], description: '' })
    expect(c.sla.firstResponse.dueAt).toBe(due)
  })
  test('周五晚上20:30提交的P2，时效跨过周末：周六营业10-18点', () => {
    // Fri 2026-11-27 20:30 Shanghai = 12:30Z; 30 min left Friday, 3.5h Saturday from 10:00 → Sat 13:30
    expect(addBusinessTime('2026-11-27T12:30:00.000Z', 4 * 3600_000, policy.calendar)).toBe('2026-11-28T05:30:00.000Z')
  })
  test('国庆放假不计时：9月30日20点提交，4小时时效落到10月8日', () => {
    // 2026-09-30 (Wed) 20:00 → 1h that day, holidays 10-01..10-07, Thu 10-08 09:00 + 3h = 12:00 → 04:00Z
    expect(addBusinessTime('2026-09-30T12:00:00.000Z', 4 * 3600_000, policy.calendar)).toBe('2026-10-08T04:00:00.000Z')
  })
  test('处理完成时效按自然时间算，但落在下班时间就顺延到上班时间', () => {
    const c = open({ reason: 'safety_allergy', description: '' }) // P1 resolution 24h from Mon 10:00 → Tue 10:00 (inside)
    expect(c.sla.resolution.dueAt).toBe('2026-11-24T02:00:00.000Z')
    expect(isBusinessTime(c.sla.resolution.dueAt, policy.calendar)).toBe(true)
  })
  test('等待买家补充信息时不计时：回来后剩余时间不变', () => {
    let c = open({ reason: 'quality_defect' }) // due 14:00 local
    c = step(c, { type: 'respond', text: '您好' }, agent, later(MON_10, 10)).case
    expect(c.sla.firstResponse.metAt).not.toBeNull()
    const dueBefore = c.sla.resolution.dueAt
    c = step(c, { type: 'ask_info', text: '请拍一下瓶盖' }, agent, later(MON_10, 60)).case
    expect(c.sla.pausedAt).not.toBeNull()
    c = step(c, { type: 'provide_info', text: '已拍' }, buyer, later(MON_10, 60 + 24 * 60)).case
    expect(c.sla.pausedAt).toBeNull()
    // resolution clock (calendar) moved by exactly the pause (24h), then aligned into business hours
    expect(Date.parse(c.sla.resolution.dueAt)).toBeGreaterThanOrEqual(Date.parse(dueBefore) + 24 * 3600_000)
  })
  test('用掉80%时间发预警，到期未处理算超时并升级主管', () => {
    const c = open({ reason: 'quality_defect' }) // 4 business hours from 10:00 → 14:00
    expect(slaState(c, later(MON_10, 100), policy).state).toBe('on_time')
    expect(slaState(c, later(MON_10, 200), policy).state).toBe('warning')
    const tooEarly = decide(c, { type: 'sla_warn' }, ctx(system, later(MON_10, 100)))
    expect(tooEarly.ok).toBe(false)
    const warned = step(c, { type: 'sla_warn' }, system, later(MON_10, 200))
    expect(warned.events.some((e) => e.kind === 'staff_alert' && e.alert === 'sla_warning')).toBe(true)
    expect(slaState(c, later(MON_10, 241), policy).state).toBe('breached')
    const breached = step(warned.case, { type: 'sla_breach' }, system, later(MON_10, 241))
    expect(breached.case.flags.escalated).toBe(true)
    expect(breached.events.some((e) => e.kind === 'staff_alert' && e.alert === 'sla_breach' && e.to === 'supervisor')).toBe(true)
  })
  test('差评回访：打1星后要求24小时内回访', () => {
    let c = open({ reason: 'lost_parcel', type: 'refund_only', order: order({ deliveredAt: undefined }) })
    c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
    c = step(c, { type: 'refund_confirmed', key: c.refunds[0].key }, system, later(MON_10, 30)).case
    const out = step(c, { type: 'rate', score: 1, comment: '太慢了' }, buyer, later(MON_10, 60))
    const a = out.events.find((e) => e.kind === 'staff_alert' && e.alert === 'negative_review_followup')
    expect(a).toBeDefined()
    expect(a && 'dueAt' in a ? a.dueAt : null).toBe(later(MON_10, 60 + 24 * 60))
  })
})

describe('换货 (seed 002): 老客户双向发货，不用等寄回', () => {
  test('老客户换货：同意时就发新货，两条物流都跟踪', () => {
    let c = open({ type: 'exchange', reason: 'size_fit', claimedItems: [{ skuId: 'CUP', qty: 1 }], desiredRemedy: 'exchange', buyerProfile: { openid: 'openid-buyer-1', trusted: true } })
    const out = step(c, { type: 'approve' }, agent, later(MON_10, 5))
    c = out.case
    expect(c.status).toBe('awaiting_return')
    expect(c.replacementShipments[0]).toMatchObject({ early: true, status: 'to_ship' })
    expect(out.events.some((e) => e.kind === 'warehouse_task' && e.task === 'ship_replacement')).toBe(true)
    c = step(c, { type: 'ship_replacement', carrier: 'SF', trackingNo: 'SF999' }, agent, later(MON_10, 60)).case
    expect(c.status).toBe('awaiting_return')
    c = step(c, { type: 'ship_return', carrier: 'YTO', trackingNo: 'YT1' }, buyer, later(MON_10, 120)).case
    expect(c.returnShipment?.trackingNo).toBe('YT1')
    expect(c.replacementShipments[0].trackingNo).toBe('SF999')
    c = step(c, { type: 'receive_return' }, agent, later(MON_10, 3000)).case
    c = step(c, { type: 'inspect', result: 'pass', note: '完好' }, agent, later(MON_10, 3010)).case
    expect(c.status).toBe('resolved')
  })
  test('新客户换货：要等退货验货通过再发新货', () => {
    let c = open({ type: 'exchange', reason: 'size_fit', claimedItems: [{ skuId: 'CUP', qty: 1 }], desiredRemedy: 'exchange' })
    c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
    const early = decide(c, { type: 'ship_replacement', carrier: 'SF', trackingNo: 'SF1' }, ctx(agent, later(MON_10, 10)))
    expect(early.ok).toBe(false)
    c = step(c, { type: 'ship_return', carrier: 'YTO', trackingNo: 'YT1' }, buyer, later(MON_10, 120)).case
    c = step(c, { type: 'receive_return' }, agent, later(MON_10, 3000)).case
    c = step(c, { type: 'inspect', result: 'pass', note: '完好' }, agent, later(MON_10, 3010)).case
    expect(c.status).toBe('in_review')
    c = step(c, { type: 'ship_replacement', carrier: 'SF', trackingNo: 'SF1' }, agent, later(MON_10, 3020)).case
    expect(c.status).toBe('replacement_shipped')
    c = step(c, { type: 'confirm_receipt' }, buyer, later(MON_10, 5000)).case
    expect(c.status).toBe('resolved')
  })
})

describe('7天无理由 (seed 002): 先验货再退款，防止钱货两空', () => {
  const start = () =>
    open({ type: 'return_refund', reason: 'no_reason_7d', claimedItems: [{ skuId: 'CUP', qty: 1 }], order: order({ deliveredAt: '2026-11-22T04:00:00.000Z' }) })
  test('买家接受后只是“待寄回”，没有退款', () => {
    let c = start()
    c = step(c, { type: 'make_offer', offerIds: [c.offers[0].id] }, agent, later(MON_10, 5)).case
    c = step(c, { type: 'accept_offer', offerId: c.offers[0].id }, buyer, later(MON_10, 30)).case
    expect(c.status).toBe('awaiting_return')
    expect(c.returnShipment).toMatchObject({ shippingPaidBy: 'buyer', pickup: false, purpose: 'inspect' })
    expect(c.refunds).toHaveLength(0)
    c = step(c, { type: 'ship_return', carrier: 'YTO', trackingNo: 'YT1' }, buyer, later(MON_10, 60)).case
    c = step(c, { type: 'receive_return' }, agent, later(MON_10, 2000)).case
    expect(c.refunds).toHaveLength(0)
    const passed = step(c, { type: 'inspect', result: 'pass', note: '未拆封' }, agent, later(MON_10, 2010))
    expect(passed.case.status).toBe('refunding')
    expect(passed.case.refunds[0].amountFen).toBe(2000)
    expect(passed.events.some((e) => e.kind === 'refund_requested' && e.amountFen === 2000)).toBe(true)
  })
  test('验货不通过：驳回，不退款，买家7天内可申诉一次', () => {
    let c = start()
    c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
    c = step(c, { type: 'ship_return', carrier: 'YTO', trackingNo: 'YT1' }, buyer, later(MON_10, 60)).case
    c = step(c, { type: 'receive_return' }, agent, later(MON_10, 2000)).case
    c = step(c, { type: 'inspect', result: 'fail', note: '已拆封使用', photos: ['cloud://p1'] }, agent, later(MON_10, 2010)).case
    expect(c.status).toBe('rejected')
    expect(c.refunds).toHaveLength(0)
    expect(c.inspection?.photos).toEqual(['cloud://p1'])
    const appealed = step(c, { type: 'appeal', text: '没拆封' }, buyer, later(MON_10, 3000))
    expect(appealed.case.status).toBe('in_review')
    expect(appealed.case.flags.escalated).toBe(true)
    const again = step(appealed.case, { type: 'reject', text: '维持' }, supervisor, later(MON_10, 3100)).case
    const second = decide(again, { type: 'appeal', text: '再申诉' }, ctx(buyer, later(MON_10, 3200)))
    expect(second.ok).toBe(false)
    if (!second.ok) expect(second.error.code).toBe('LIMIT_EXCEEDED')
  })
  test('超过7天申诉期不能申诉', () => {
    let c = start()
    c = step(c, { type: 'reject', text: '不符合' }, agent, later(MON_10, 5)).case
    const r = decide(c, { type: 'appeal', text: '申诉' }, ctx(buyer, later(MON_10, 8 * 24 * 60)))
    expect(r.ok).toBe(false)
  })
})

describe('口感问题 (seed 002): 先指导，回访，还不行再退换', () => {
  test('买家不接受建议 → 系统再给出退货/换货方案', () => {
    let c = open({ type: 'return_refund', reason: 'taste_usage', claimedItems: [{ skuId: 'NEST-6', qty: 1 }], description: '蛋清味太重' })
    expect(c.offers.map((o) => o.kind)).toEqual(['guidance'])
    c = step(c, { type: 'make_offer', offerIds: [c.offers[0].id] }, agent, later(MON_10, 5)).case
    c = step(c, { type: 'decline_offer', text: '试了还是不行' }, buyer, later(MON_10, 2000)).case
    expect(c.status).toBe('in_review')
    const suggested = c.offers.filter((o) => o.status === 'suggested').map((o) => o.kind)
    expect(suggested).toEqual(['return_refund', 'exchange'])
  })
})

describe('错发漏发 (seed 002): 上门取件，补发，仓库核查', () => {
  test('发错货：接受后补发+礼物，预约上门取回，取回不影响主流程', () => {
    let c = open({ type: 'resend', reason: 'wrong_item', claimedItems: [{ skuId: 'CUP', qty: 1 }], desiredRemedy: 'resend' })
    expect(c.flags.warehouseCheck).toBe(true)
    c = step(c, { type: 'make_offer', offerIds: [c.offers[0].id] }, agent, later(MON_10, 5)).case
    const acc = step(c, { type: 'accept_offer', offerId: c.offers[0].id }, buyer, later(MON_10, 10))
    c = acc.case
    expect(c.status).toBe('in_review')
    expect(acc.events.filter((e) => e.kind === 'warehouse_task').map((e) => (e.kind === 'warehouse_task' ? e.task : ''))).toEqual(['ship_replacement', 'book_pickup'])
    expect(c.returnShipment).toMatchObject({ purpose: 'collect', pickup: true, shippingPaidBy: 'seller' })
    c = step(c, { type: 'ship_replacement', carrier: 'SF', trackingNo: 'SF2' }, agent, later(MON_10, 60)).case
    expect(c.status).toBe('replacement_shipped')
    c = step(c, { type: 'ship_return', carrier: 'SF', trackingNo: 'SF-PICK' }, agent, later(MON_10, 120)).case
    expect(c.status).toBe('replacement_shipped')
    c = step(c, { type: 'confirm_receipt' }, buyer, later(MON_10, 3000)).case
    c = step(c, { type: 'receive_return' }, agent, later(MON_10, 3100)).case
    expect(c.status).toBe('resolved')
    expect(c.returnShipment?.status).toBe('received')
  })
})

describe('主动关怀 (seeds 002, 003)', () => {
  test('发货超过3天还没签收：系统主动开物流单并告诉买家我们在跟进', () => {
    const o = order({ deliveredAt: undefined, shippedAt: '2026-11-19T02:00:00.000Z' })
    const input = proactiveLogisticsCase(o, MON_10, policy)
    expect(input).not.toBeNull()
    const r = openCase(input, ctx(system, MON_10, { roster }))
    expect(r.ok).toBe(true)
    if (r.ok) {
      expect(r.value.case.type).toBe('logistics')
      expect(r.value.events.some((e) => e.kind === 'buyer_message' && e.event === 'logistics_care')).toBe(true)
    }
  })
  test('发货2天没签收还不用开单', () => {
    expect(proactiveLogisticsCase(order({ deliveredAt: undefined, shippedAt: '2026-11-21T02:00:00.000Z' }), MON_10, policy)).toBeNull()
  })
  test('解决后发满意度调查', () => {
    let c = open({ reason: 'lost_parcel', type: 'refund_only', order: order({ deliveredAt: undefined }) })
    c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
    const out = step(c, { type: 'refund_confirmed', key: c.refunds[0].key }, system, later(MON_10, 30))
    expect(out.case.status).toBe('resolved')
    expect(out.events.some((e) => e.kind === 'buyer_message' && e.event === 'survey')).toBe(true)
  })
})
