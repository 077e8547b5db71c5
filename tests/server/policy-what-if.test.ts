import type { PolicyVersionView, WhatIfView } from '@contract/actions'
import type { OrderSnapshot } from '@contract/domain'
import { defaultPolicy, type Policy } from '@contract/policy'
import { makeApp, unwrap, type App } from './app-harness'

const OWNER = 'staff-owner'
const SUP = 'staff-sup'
const AGENT = 'staff-amy'
const BUYER = 'buyer-zhao'
const NOW = '2026-11-23T03:00:00.000Z' // Monday 11:00 in Shanghai

const tea = { skuId: 'SKU-TEA-01', name: '明前龙井 250g 礼盒装', qty: 1, unitPriceFen: 16800, batch: 'B2611A' }
const cup = { skuId: 'SKU-CUP-02', name: '手工青瓷茶杯', qty: 1, unitPriceFen: 3900, batch: 'B2610C' }

/** A delivered order; `lateDays` after the promised date. */
function order(id: string, item: typeof tea, deliveredAt: string, lateDays = 0): OrderSnapshot {
  const delivered = Date.parse(deliveredAt)
  const day = 86_400_000
  return {
    orderId: id,
    buyerOpenid: BUYER,
    items: [item],
    paidFen: item.unitPriceFen,
    paidAt: new Date(delivered - (lateDays + 3) * day).toISOString(),
    shippedAt: new Date(delivered - (lateDays + 2) * day).toISOString(),
    carrier: '顺丰速运',
    trackingNo: `SF${id}`,
    promisedDeliveryAt: new Date(delivered - lateDays * day).toISOString(),
    deliveredAt,
  }
}

async function file(app: App, at: string, o: OrderSnapshot, reason: string, type: string, desiredRemedy: string, description = '收到后发现问题') {
  app.setNow(at)
  await app.store.upsertOrder({ order: o, createdAt: o.paidAt })
  const r = await app.buyer(BUYER, 'submit', { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type, reason, description, desiredRemedy }, `submit-${o.orderId}`)
  return unwrap<{ case: { id: string; caseNo: string } }>(r).case
}

/**
 * The fixture month: five real cases filed and worked through the functions over November 2026.
 *  A late 3 days (compensation ¥30), B late 6 days (capped ¥50), C quality problem whose buyer
 *  felt dizzy (头晕 — not a safety keyword yet), D damaged in transit answered after 2 business
 *  hours then rejected, E taste problem waiting on the buyer to accept the guidance offer.
 */
async function fixtureMonth(app: App) {
  const A = await file(app, '2026-11-02T03:00:00.000Z', order('WI-A', tea, '2026-11-01T03:00:00.000Z', 3), 'late_delivery', 'compensation', 'compensation')
  const B = await file(app, '2026-11-03T03:00:00.000Z', order('WI-B', cup, '2026-11-02T03:00:00.000Z', 6), 'late_delivery', 'compensation', 'compensation')
  const C = await file(app, '2026-11-09T03:00:00.000Z', order('WI-C', tea, '2026-11-08T03:00:00.000Z'), 'quality_defect', 'return_refund', 'return_refund', '喝完有点头晕，茶汤浑浊')
  // Tuesday 10:00 Shanghai; answered at 12:00, rejected at 13:00
  const D = await file(app, '2026-11-17T02:00:00.000Z', order('WI-D', cup, '2026-11-16T03:00:00.000Z'), 'damaged_in_transit', 'resend', 'resend')
  app.setNow('2026-11-17T04:00:00.000Z')
  unwrap(await app.staff(SUP, 'respond', { caseId: D.id, text: '您好，我们已收到，正在核实' }))
  app.setNow('2026-11-17T05:00:00.000Z')
  unwrap(await app.staff(SUP, 'reject', { caseId: D.id, text: '【凭证不足】照片看不到破损' }))
  // Saturday 10:00 Shanghai; guidance offered 30 minutes later, the buyer has not answered
  const E = await file(app, '2026-11-21T02:00:00.000Z', order('WI-E', tea, '2026-11-20T03:00:00.000Z'), 'taste_usage', 'return_refund', 'return_refund', '味道太苦')
  app.setNow('2026-11-21T02:30:00.000Z')
  const e = unwrap<{ offers: { id: string; status: string }[] }>(await app.staff(SUP, 'get_case', { caseId: E.id }))
  const suggested = e.offers.filter((o) => o.status === 'suggested').map((o) => o.id)
  unwrap(await app.staff(SUP, 'make_offer', { caseId: E.id, offerIds: suggested, offers: [] }))
  app.setNow(NOW)
  return { A, B, C, D, E }
}

/** The known change: ¥15 a day late, P2 answered within 1 business hour, 头晕 is a safety word, approval above ¥150, 5 days to accept an offer. */
function draftOf(p: Policy): Policy {
  return {
    ...p,
    compensation: { ...p.compensation, latePerDayFen: 1500, approvalThresholdFen: 15000 },
    sla: { ...p.sla, targets: { ...p.sla.targets, P2: { ...p.sla.targets.P2, firstResponse: { minutes: 60, clock: 'business' } } } },
    safetyKeywords: [...p.safetyKeywords, '头晕'],
    buyerWait: { ...p.buyerWait, offerDays: 5 },
  }
}

describe('policy what-if on a fixture month', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp({ now: NOW })
  })
  afterEach(() => app.close())

  test('a known policy change gives known counts, money and SLA hit rates, with each changed case before → after', async () => {
    const { A, B, C, D, E } = await fixtureMonth(app)
    const view = unwrap<WhatIfView>(await app.staff(OWNER, 'preview_policy', { policy: draftOf(defaultPolicy) }))

    expect(view.cases).toBe(5)
    expect(view.from).toBe('2026-10-24T03:00:00.000Z')
    expect(view.counts).toEqual({ severity: 1, team: 0, offer: 1, amount: 1, approval: 1, buyerDeadline: 1, sla: 1 })
    expect(view.changedCases).toBe(4)
    expect(view.sla).toMatchObject({ metToBreached: 1, breachedToMet: 0, before: { hit: 2, total: 5 }, after: { hit: 1, total: 5 } })
    // A: ¥30 → ¥45; B stays at what the ¥39 cup order allows (6 days × ¥10 or ¥15, capped at ¥50, then at the ¥39 paid); C's full refund is ¥168 either way
    expect(view.money.diffFen).toBe(1500)
    expect(view.money.rows.find((r) => r.remedy === 'compensation')).toMatchObject({ beforeFen: 6900, afterFen: 8400, diffFen: 1500, label: '现金补偿' })
    expect(view.money.rows.find((r) => r.remedy === 'return_refund')).toMatchObject({ beforeFen: 16800, afterFen: 16800, diffFen: 0 })

    const byId = new Map(view.changes.map((c) => [c.caseId, c]))
    expect(byId.has(B.id)).toBe(false)
    expect(byId.get(A.id)?.fields).toEqual([{ field: 'amount', before: '¥30.00', after: '¥45.00' }])
    expect(byId.get(C.id)?.fields).toEqual([
      { field: 'severity', before: 'P2 重要', after: 'P1 紧急' },
      { field: 'offer', before: '退货退款或换货', after: '退货退款' },
      { field: 'approval', before: '不需要', after: '需要' },
    ])
    expect(byId.get(D.id)?.fields).toEqual([{ field: 'sla', before: '达标', after: '超时' }])
    // E waits on the offer made Saturday 10:30: 3 days → 5 days
    expect(byId.get(E.id)?.fields).toEqual([{ field: 'buyerDeadline', before: '2026-11-24 10:30', after: '2026-11-26 10:30' }])
    expect(byId.get(C.id)).toMatchObject({ caseNo: C.caseNo, product: '明前龙井 250g 礼盒装', reasonLabel: '质量问题' })
  })

  test('a period that leaves out the older cases; an unchanged draft changes nothing; bad drafts and non-owners are refused', async () => {
    await fixtureMonth(app)
    const week = unwrap<WhatIfView>(await app.staff(OWNER, 'preview_policy', { policy: draftOf(defaultPolicy), from: '2026-11-16T00:00:00.000Z' }))
    expect(week.cases).toBe(2)
    expect(week.changedCases).toBe(2)

    const same = unwrap<WhatIfView>(await app.staff(OWNER, 'preview_policy', { policy: defaultPolicy }))
    expect(same.changedCases).toBe(0)
    expect(same.money.diffFen).toBe(0)

    const bad = await app.staff(OWNER, 'preview_policy', { policy: { ...defaultPolicy, compensation: { ...defaultPolicy.compensation, lateCapFen: 1, latePerDayFen: 1000 } } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(await app.staff(AGENT, 'preview_policy', { policy: defaultPolicy })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
  })

  test('saving with the preview records its summary on the new version; the history names the staff member and lists field changes', async () => {
    await fixtureMonth(app)
    const live = unwrap<{ version: number; policy: Policy }>(await app.staff(OWNER, 'get_policy', {}))
    const saved = unwrap<{ version: number; whatIf: WhatIfView | null }>(
      await app.staff(OWNER, 'update_policy', { expectedVersion: live.version, policy: draftOf(live.policy), preview: {} }),
    )
    expect(saved.version).toBe(live.version + 1)
    expect(saved.whatIf).toMatchObject({ cases: 5, changedCases: 4, money: { diffFen: 1500 } })
    expect(saved.whatIf).not.toHaveProperty('changes')

    const history = unwrap<PolicyVersionView[]>(await app.staff(SUP, 'list_policy_versions', {}))
    expect(history[0]).toMatchObject({ version: live.version + 1, updatedBy: OWNER, whatIf: { changedCases: 4 } })
    expect(history[0].updatedByName).not.toBe(OWNER)
    const labels = history[0].changes.map((c) => `${c.label}: ${c.before} → ${c.after}`)
    expect(labels).toEqual(
      expect.arrayContaining([
        '物流延迟每天补偿: ¥10 → ¥15',
        '超过此金额需主管审批: ¥200 → ¥150',
        'P2 重要 首次响应时限: 4小时（按营业时间） → 1小时（按营业时间）',
        '买家确认方案期限（天）: 3 → 5',
        '安全关键词（新增）:  → 头晕',
      ]),
    )
    expect(history[0].changes).toHaveLength(5)
  })
})
