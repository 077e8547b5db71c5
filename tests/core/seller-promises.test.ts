/** What a seller promises (issue 14 points 8–10): SLA warnings per target, P1 around the clock, early exchanges, routing to a real team. */
import { allowedCommands, decide, nextTimers, routeCase, slaState, targetToWarn } from '../../cloudfunctions/core'
import { agent, buyer, ctx, later, MON_10, open, policy, step, system } from './fixtures'

describe('each SLA target warns once on its own', () => {
  test('a first-response warning does not swallow the resolution warning', () => {
    // P2: first response 4 business hours from Monday 10:00 (warning at 80% → 13:12), resolution 72 h calendar (warning at 57.6 h)
    let c = open({ reason: 'quality_defect' })
    const first = step(c, { type: 'sla_warn' }, system, later(MON_10, 200))
    expect(first.events.some((e) => e.kind === 'staff_alert' && e.alert === 'sla_warning' && e.text.includes('首次响应'))).toBe(true)
    c = first.case
    expect(decide(c, { type: 'sla_warn' }, ctx(system, later(MON_10, 210))).ok).toBe(false) // once
    c = step(c, { type: 'respond', text: '您好，正在处理' }, agent, later(MON_10, 220)).case
    // the resolution target reaches its own warning zone later: it warns, once
    const resolutionWarn = nextTimers(c, later(MON_10, 230), policy).find((t) => t.command === 'sla_warn')
    expect(resolutionWarn).toBeDefined()
    const at = resolutionWarn!.at
    expect(Date.parse(at)).toBeGreaterThan(Date.parse(later(MON_10, 57 * 60)))
    expect(targetToWarn(c.sla, later(at, -1), policy)).toBeNull()
    expect(targetToWarn(c.sla, at, policy)).toBe('resolution')
    const second = step(c, { type: 'sla_warn' }, system, at)
    expect(second.events.some((e) => e.kind === 'staff_alert' && e.alert === 'sla_warning' && e.text.includes('处理完成'))).toBe(true)
    expect(decide(second.case, { type: 'sla_warn' }, ctx(system, later(at, 5))).ok).toBe(false)
    expect(nextTimers(second.case, later(at, 5), policy).some((t) => t.command === 'sla_warn')).toBe(false)
  })

  test('a case stored before per-target marks: its one warning counts for the target it was sent for', () => {
    let c = open({ reason: 'quality_defect' })
    c = step(c, { type: 'sla_warn' }, system, later(MON_10, 200)).case
    c = step(c, { type: 'respond', text: '您好' }, agent, later(MON_10, 220)).case
    // as an older document: one sla.warnedAt, no per-target marks
    const legacy = { ...c, sla: { ...c.sla, firstResponse: { ...c.sla.firstResponse, warnedAt: undefined }, resolution: { ...c.sla.resolution, warnedAt: undefined } } }
    const at = nextTimers(legacy, later(MON_10, 230), policy).find((t) => t.command === 'sla_warn')!.at
    expect(targetToWarn(legacy.sla, at, policy)).toBe('resolution')
    expect(slaState(legacy, at, policy).state).toBe('warning')
  })
})

describe('safety cases (P1) run on a 24×7 clock by default', () => {
  test('a P1 case filed on Friday night is due an hour later, not on Monday morning', () => {
    const FRI_23 = '2026-11-27T15:00:00.000Z' // Friday 23:00 in Shanghai, after closing
    const c = open({ reason: 'safety_allergy', type: 'refund_only', desiredRemedy: 'refund' }, FRI_23)
    expect(c.severity).toBe('P1')
    expect(c.sla.firstResponse.clock).toBe('24x7')
    expect(c.sla.firstResponse.dueAt).toBe(later(FRI_23, 60))
    expect(c.sla.resolution.dueAt).toBe(later(FRI_23, 24 * 60))
    expect(slaState(c, later(FRI_23, 61), policy).state).toBe('breached')
  })

  test('a seller can put P1 back on business hours (per severity and target in the policy)', () => {
    const FRI_23 = '2026-11-27T15:00:00.000Z'
    const p = { ...policy, sla: { ...policy.sla, targets: { ...policy.sla.targets, P1: { firstResponse: { minutes: 60, clock: 'business' as const }, resolution: { minutes: 24 * 60, clock: 'calendar' as const } } } } }
    const c = open({ reason: 'safety_allergy', type: 'refund_only', desiredRemedy: 'refund' }, FRI_23, { policy: p })
    // Saturday opens at 10:00 (02:00Z): one business hour later
    expect(c.sla.firstResponse.dueAt).toBe('2026-11-28T03:00:00.000Z')
  })

  test('P2 and P3 keep business hours', () => {
    const FRI_23 = '2026-11-27T15:00:00.000Z'
    const c = open({ reason: 'quality_defect' }, FRI_23)
    expect(c.sla.firstResponse.clock).toBe('business')
    expect(Date.parse(c.sla.firstResponse.dueAt)).toBeGreaterThan(Date.parse('2026-11-28T02:00:00.000Z'))
  })
})

describe('exchange shipped early (双向发货) stays tracked', () => {
  const trustedExchange = () => {
    let c = open({ type: 'exchange', reason: 'size_fit', claimedItems: [{ skuId: 'CUP', qty: 1 }], desiredRemedy: 'exchange', buyerProfile: { openid: 'openid-buyer-1', trusted: true } })
    c = step(c, { type: 'approve' }, agent, later(MON_10, 5)).case
    expect(c.replacementShipments[0]).toMatchObject({ early: true, status: 'to_ship' })
    return c
  }

  test('before the replacement leaves the buyer may cancel; once it has left, not any more', () => {
    const c = trustedExchange()
    expect(allowedCommands(c, { actor: buyer, policy, now: later(MON_10, 10) })).toContain('cancel')
    const shipped = step(c, { type: 'ship_replacement', carrier: 'SF', trackingNo: 'SF999' }, agent, later(MON_10, 60)).case
    const r = decide(shipped, { type: 'cancel' }, ctx(buyer, later(MON_10, 70)))
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error.message).toContain('换货商品已发出')
    expect(allowedCommands(shipped, { actor: buyer, policy, now: later(MON_10, 70) })).not.toContain('cancel')
  })

  test('a return that never comes goes back to an agent, escalated, instead of closing the case', () => {
    const shipped = step(trustedExchange(), { type: 'ship_replacement', carrier: 'SF', trackingNo: 'SF999' }, agent, later(MON_10, 60)).case
    const due = shipped.buyerDeadline!
    expect(due.kind).toBe('return')
    const out = step(shipped, { type: 'expire', deadline: 'return' }, system, later(due.dueAt, 1))
    expect(out.case.status).toBe('in_review')
    expect(out.case.flags.escalated).toBe(true)
    expect(out.events.some((e) => e.kind === 'staff_alert' && e.alert === 'escalated' && e.to === 'supervisor')).toBe(true)
    // without an early shipment the case still closes as before
    const plain = step(open({ type: 'return_refund', reason: 'size_fit', claimedItems: [{ skuId: 'CUP', qty: 1 }] }), { type: 'approve' }, agent, later(MON_10, 5)).case
    expect(step(plain, { type: 'expire', deadline: 'return' }, system, later(plain.buyerDeadline!.dueAt, 1)).case.status).toBe('closed')
  })
})

describe('routing matches a real team: leads take routed cases only with 接单 on', () => {
  const lead = { id: 'sup-9', name: '陈主管', role: 'supervisor' as const, teams: ['quality' as const], onDuty: true, openCases: 0, lastAssignedAt: null }
  const busyAgent = { id: 'agent-9', name: '小美', role: 'agent' as const, teams: ['quality' as const], onDuty: true, openCases: 12, lastAssignedAt: '2026-11-23T01:00:00.000Z' }

  test('an idle supervisor on duty is not picked over a busy agent, nor alone', () => {
    expect(routeCase({ reason: 'quality_defect', severity: 'P2' }, [lead, busyAgent], policy).assigneeId).toBe('agent-9')
    expect(routeCase({ reason: 'quality_defect', severity: 'P2' }, [lead], policy).assigneeId).toBeNull()
    expect(routeCase({ reason: 'quality_defect', severity: 'P2' }, [{ ...lead, role: 'owner' as const }], policy).assigneeId).toBeNull()
  })

  test('with 接单 on, a supervisor is routed like an agent', () => {
    expect(routeCase({ reason: 'quality_defect', severity: 'P2' }, [{ ...lead, takesCases: true }, busyAgent], policy).assigneeId).toBe('sup-9')
  })
})
