/**
 * openCase(input, ctx): file a new after-sales case. Runs eligibility (with the buyer's past cases
 * for the order), severity, routing, starts the SLA and asks the engine for suggested offers.
 * Returns the case in `submitted`, version 1, with its first timeline entry and outbox events.
 *
 * @example
 *   const r = openCase({ buyerOpenid, order, claimedItems: [{ skuId: 'A', qty: 1 }], type: 'resend',
 *     reason: 'damaged_in_transit', description: '瓶盖鼓起', desiredRemedy: 'resend' }, ctx)
 */
import { OpenCaseInputSchema, type Case, type CaseEvent, type OpenCaseInput, type OrderSnapshot, type PlatformBlock, type Result } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { withAlertContext } from './alert-context'
import type { CoreContext } from './context'
import { checkEligibility, type Eligibility } from './eligibility'
import { fail, ok } from './errors'
import { buildBuyerMessage } from './messages'
import { yuan } from './money'
import { suggestOffers } from './offers'
import { routeCase } from './routing'
import { computeSeverity } from './severity'
import { startSla } from './sla'
import { clampSlaToDeadline, sellerDeadline } from './platform-status'
import { DAY_MS, localDate, toMs } from './tz'

export interface OpenCaseOutput {
  case: Case
  events: CaseEvent[]
  eligibility: Eligibility
  /** staff-facing notes from the engine (risk, warehouse check …) */
  notes: string[]
}

/** Fallback case number when the caller has no store counter (tests, scripts); the functions pass `caseNo`. */
function makeCaseNo(nowIso: string, id: string, tz: string): string {
  const d = localDate(toMs(nowIso), tz).replace(/-/g, '')
  const tail = id.replace(/[^0-9A-Za-z]/g, '').slice(-6).toUpperCase().padStart(6, '0')
  return `AS${d}${tail}`
}

export function openCase(rawInput: OpenCaseInput | unknown, ctx: CoreContext): Result<OpenCaseOutput> {
  const parsed = OpenCaseInputSchema.safeParse(rawInput)
  if (!parsed.success) {
    return fail('VALIDATION', `申请信息有误：${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'} ${i.message}`).join('；')}`, { command: 'open' })
  }
  const input = parsed.data
  const policy: Policy = ctx.policy
  const details = { command: 'open' }
  if (input.order.buyerOpenid !== input.buyerOpenid) return fail('FORBIDDEN', '只能为自己的订单申请售后', details)
  if (ctx.actor.kind === 'buyer' && ctx.actor.id !== input.buyerOpenid) return fail('FORBIDDEN', '只能为自己的订单申请售后', details)

  const elig = checkEligibility(input.order, { claimedItems: input.claimedItems, reason: input.reason, type: input.type }, input.history, policy, ctx.now)
  const platform = input.platform
  if (!elig.ok && !platform && !input.raisedByPlatform) {
    const msg = elig.errors[0] ?? elig.types[input.type].reason
    return fail(elig.code ?? 'VALIDATION', msg, { ...details, eligibility: elig })
  }

  const sev = computeSeverity({ reason: input.reason, description: input.description, ...(input.platform?.reasonText ? { platformReason: input.platform.reasonText } : {}) }, policy)
  const profile = input.buyerProfile ?? ctx.buyerProfile
  const route = routeCase({ reason: input.reason, severity: sev.severity }, ctx.roster ?? [], policy, profile ?? null)
  const id = input.caseId ?? ctx.newId()
  const caseNo = input.caseNo ?? makeCaseNo(ctx.now, id, policy.calendar.timezone)
  const refundCount90d = profile?.refundCount90d ?? 0
  const suggestion = suggestOffers(
    {
      order: input.order,
      claimedItems: input.claimedItems,
      reason: input.reason,
      severity: sev.severity,
      ledger: ctx.orderLedger,
      damagedUnits: input.facts.damagedUnits,
      minorDefect: input.facts.minorDefect,
      platform,
      now: ctx.now,
      batchRemedy: input.batchRemedy ?? null,
    },
    policy,
    { refundCount90d },
  )

  // the platform's deadline is a hard one: the desk's own targets never run past it
  const sla = platform ? clampSlaToDeadline(startSla(sev.severity, ctx.now, policy), sellerDeadline(platform)) : startSla(sev.severity, ctx.now, policy)
  const c: Case = {
    id,
    caseNo,
    buyerOpenid: input.buyerOpenid,
    order: input.order,
    claimedItems: input.claimedItems,
    type: input.type,
    reason: input.reason,
    description: input.description,
    evidence: input.evidence,
    desiredRemedy: input.desiredRemedy,
    severity: sev.severity,
    team: route.team,
    assigneeId: route.assigneeId,
    status: 'submitted',
    sla,
    buyerDeadline: null,
    offers: platform ? [] : suggestion.offers.map((d) => ({ ...d, id: ctx.newId(), status: 'suggested' as const, createdAt: ctx.now, group: null })),
    acceptedOfferId: null,
    returnShipment: null,
    inspection: null,
    refunds: [],
    replacementShipments: [],
    rating: null,
    flags: {
      escalated: sev.severity === 'P1',
      risk: suggestion.flags.risk,
      warehouseCheck: suggestion.flags.warehouseCheck,
      buyerNotNotified: false,
      refundFailed: false,
      supervisorInformed: suggestion.flags.supervisorInformed || route.alertSupervisor,
      negativeReview: false,
      trusted: profile?.trusted ?? false,
    },
    routingNote: `${sev.why}；${route.reason}`,
    appealCount: 0,
    policyVersion: policy.version,
    version: 1,
    createdAt: ctx.now,
    updatedAt: ctx.now,
    timeline: [],
    ...(platform ? { source: 'channels' as const, platform } : {}),
  }
  c.timeline.push({
    id: ctx.newId(),
    at: ctx.now,
    actor: { kind: ctx.actor.kind, id: ctx.actor.id },
    type: 'opened',
    fromStatus: null,
    toStatus: 'submitted',
    text: platform
      ? platformOpenedText(platform)
      : ctx.actor.kind === 'system' ? '我们发现您的包裹异常，已主动为您创建售后单并跟进' : ctx.actor.kind === 'staff' ? '客服已为您登记售后申请' : '您的售后申请已提交，客服会尽快处理',
    internal: false,
    data: { severity: sev.severity, team: route.team, assigneeId: route.assigneeId, hints: elig.hints },
  })
  c.timeline.push({
    id: ctx.newId(),
    at: ctx.now,
    actor: { kind: 'system', id: 'engine' },
    type: 'routed',
    fromStatus: 'submitted',
    toStatus: 'submitted',
    text: [c.routingNote, ...suggestion.notes].join('；'),
    internal: true,
    data: { suggestedRules: c.offers.map((o) => o.rule) },
  })

  let i = 0
  const key = () => `${c.id}:v1:${i++}`
  const events: CaseEvent[] = []
  if (route.assigneeId) events.push({ kind: 'staff_alert', key: key(), caseId: c.id, to: route.assigneeId, alert: 'case_assigned', text: `新售后单 ${caseNo} 已分配给你` })
  if (sev.severity === 'P1') events.push({ kind: 'staff_alert', key: key(), caseId: c.id, to: 'supervisor', alert: 'p1_opened', text: `P1 售后单 ${caseNo}：${sev.why}` })
  if (suggestion.flags.supervisorInformed) events.push({ kind: 'staff_alert', key: key(), caseId: c.id, to: 'supervisor', alert: 'serious_quality', text: `严重质量/安全问题 ${caseNo}，建议全额退款` })
  if (suggestion.flags.risk) events.push({ kind: 'staff_alert', key: key(), caseId: c.id, to: 'supervisor', alert: 'risk_buyer', text: `买家90天内退款${refundCount90d}次，${caseNo} 已标记风险` })
  if (suggestion.flags.warehouseCheck) events.push({ kind: 'warehouse_task', key: key(), caseId: c.id, task: 'check_order', items: c.claimedItems, giftValueFen: 0, couponFen: 0, text: `订单 ${c.order.orderId} 错发/漏发，请仓库核查` })
  // the platform already confirmed a shop application to the buyer
  const msg = platform ? null : buildBuyerMessage(ctx.actor.kind === 'system' ? 'logistics_care' : 'case_submitted', c, policy, key(), ctx.now)
  if (msg) events.push(msg)
  return ok({ case: c, events: withAlertContext(events, c, policy), eligibility: elig, notes: suggestion.notes })
}

/** The buyer's own application on the shop, as both sides read it (the buyer's view says 您). */
export function platformOpenedText(p: Pick<PlatformBlock, 'type' | 'refundFen' | 'reasonText'>): string {
  const what = p.type === 'EXCHANGE' ? '换货' : `${p.type === 'RETURN' ? '退货退款' : '退款'}${p.refundFen > 0 ? yuan(p.refundFen) : ''}`
  return `买家在视频号小店申请了${what}（原因：${p.reasonText || '未填写'}），商家会尽快处理`
}

/**
 * Proactive care (seed 002): an order shipped more than N days ago and not signed gets a logistics
 * case opened by the system. Returns the input for openCase (actor = system), or null.
 */
export function proactiveLogisticsCase(order: OrderSnapshot, nowIso: string, policy: Policy): OpenCaseInput | null {
  if (!order.shippedAt || order.deliveredAt) return null
  if (toMs(nowIso) - toMs(order.shippedAt) <= policy.limits.unsignedAfterShipDays * DAY_MS) return null
  return {
    buyerOpenid: order.buyerOpenid,
    order,
    claimedItems: order.items.map((i) => ({ skuId: i.skuId, qty: i.qty })),
    type: 'logistics',
    reason: 'lost_parcel',
    description: `发货超过${policy.limits.unsignedAfterShipDays}天未签收，系统主动跟进`,
    desiredRemedy: 'contact_me',
  }
}
