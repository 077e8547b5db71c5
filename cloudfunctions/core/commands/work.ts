/**
 * What every command file builds on: the work-in-progress of one decide() call, the shape of a
 * command (guard + act) and the few helpers several commands share (money, alerts, legs).
 */
import type { Actor, Case, CaseEvent, CaseStatus, CoreError, CoreErrorCode, Offer, ParsedCaseCommand, ReplacementShipment } from '@contract/domain'
import type { CoreContext } from '../context'
import { raise } from '../errors'
import type { BuyerEventKey, MessageExtra } from '../messages'
import { committedFen, remainingFen, yuan } from '../money'
import type { OfferDraft } from '../offers'

export type EventDraft = CaseEvent extends infer E ? (E extends { key: string } ? Omit<E, 'key'> : never) : never

/** One decide() call in progress: the act changes `c` (a copy) and fills the rest; finish() seals it. */
export interface Work {
  c: Case
  /** target status (starts as the current one) */
  to: CaseStatus
  /** the timeline entry's Chinese text */
  text: string
  /** staff-only timeline entry */
  internal: boolean
  data?: Record<string, unknown>
  events: EventDraft[]
  /** buyer messages this command sends besides the ones for entering a status (messages.ts) */
  buyer: Array<{ event: BuyerEventKey; extra?: MessageExtra }>
}

export type Cmd<T extends ParsedCaseCommand['type']> = Extract<ParsedCaseCommand, { type: T }>

/** A refusal: the code and the Chinese reason decide() returns (details are merged in). */
export type Refusal = Pick<CoreError, 'code' | 'message'> & { details?: Record<string, unknown> }

/** What a guard may look at besides the case: who asks, when, the policy, the order's other cases' money. */
export type GuardContext = Pick<CoreContext, 'actor' | 'policy' | 'now' | 'orderCommittedFen'>

/**
 * May this actor run the command on this case now, whatever the payload? `null` = yes. Runs after
 * the table (status, actor kind, own case) said yes; shared by decide() and allowedCommands().
 */
export type Guard = (c: Case, ctx: GuardContext) => Refusal | null

export interface CommandSpec<T extends ParsedCaseCommand['type']> {
  guard?: Guard
  /** the change: sets w.to / w.text and changes w.c; raise() for what only the payload decides */
  act(w: Work, cmd: Cmd<T>, ctx: CoreContext): void
}

export function refuse(code: CoreErrorCode, message: string, details?: Record<string, unknown>): Refusal {
  return details ? { code, message, details } : { code, message }
}

/** A replacement has left the warehouse (shipped or received). */
export function replacementLeft(c: Case): boolean {
  return c.replacementShipments.some((l) => l.status !== 'to_ship')
}

/** Supervisors and the owner approve money above the threshold and for risky buyers. */
export function isSupervisor(actor: Actor): boolean {
  return actor.kind === 'staff' && (actor.role === 'supervisor' || actor.role === 'owner')
}

/** Staff below supervisor on a buyer flagged risky may not release money at all. */
export function riskRefusal(c: Case, actor: Actor, what: string): Refusal | null {
  return actor.kind === 'staff' && !isSupervisor(actor) && c.flags.risk ? refuse('FORBIDDEN', `该买家已标记退款风险，${what}需要主管审批`) : null
}

/** Nothing left to refund or compensate on this case's order. */
export function nothingLeftRefusal(c: Case, ctx: GuardContext): Refusal | null {
  return remainingFen(c, ctx.orderCommittedFen) <= 0 ? refuse('LIMIT_EXCEEDED', `退款和补偿已达实付金额${yuan(c.order.paidFen)}，不能再退`, { paidFen: c.order.paidFen }) : null
}

/** `value`: everything of value given (cash, coupon, gift, see valueOf) against the threshold; `cash` for the risk rule. */
export function requireApproval(value: number, cash: number, c: Case, ctx: CoreContext, what: string): void {
  const th = ctx.policy.compensation.approvalThresholdFen
  if (ctx.actor.kind !== 'staff' || isSupervisor(ctx.actor)) return
  if (value > th) {
    const given = value === cash ? `${what}金额${yuan(value)}` : `${what}总价值${yuan(value)}（含优惠券和礼品${yuan(value - cash)}）`
    raise('FORBIDDEN', `${given}超过${yuan(th)}，需要主管审批`, { amountFen: value, thresholdFen: th })
  }
  if (c.flags.risk && cash > 0) raise('FORBIDDEN', `该买家已标记退款风险，${what}需要主管审批`, { amountFen: cash })
}

export function addRefund(w: Work, amountFen: number, purpose: 'refund' | 'compensation', ctx: CoreContext): void {
  if (amountFen <= 0) return
  const paid = w.c.order.paidFen
  const others = ctx.orderCommittedFen ?? 0
  if (amountFen > remainingFen(w.c, others))
    raise('LIMIT_EXCEEDED', `退款和补偿合计不能超过实付金额${yuan(paid)}（还可退${yuan(remainingFen(w.c, others))}）`, { amountFen, paidFen: paid, committedFen: committedFen(w.c) + others })
  const key = `${w.c.id}-r${w.c.refunds.length + 1}`
  w.c.refunds.push({ key, amountFen, purpose, status: 'pending', requestedAt: ctx.now, settledAt: null, failureReason: null })
  w.events.push({ kind: 'refund_requested', caseId: w.c.id, refundKey: key, orderId: w.c.order.orderId, amountFen })
}

export function alert(w: Work, to: string, kind: Extract<CaseEvent, { kind: 'staff_alert' }>['alert'], text: string, dueAt?: string): void {
  w.events.push({ kind: 'staff_alert', caseId: w.c.id, to, alert: kind, text, ...(dueAt ? { dueAt } : {}) })
}

/** A task for the warehouse / logistics team. */
export function warehouse(w: Work, task: Extract<CaseEvent, { kind: 'warehouse_task' }>['task'], text: string, items: Offer['items'] = [], amounts: { giftValueFen?: number; couponFen?: number } = {}): void {
  w.events.push({ kind: 'warehouse_task', caseId: w.c.id, task, items, giftValueFen: amounts.giftValueFen ?? 0, couponFen: amounts.couponFen ?? 0, text })
}

export function newLeg(ctx: CoreContext, items: ReplacementShipment['items'], gift: number, early: boolean): ReplacementShipment {
  return { id: ctx.newId(), items: items.map((i) => ({ ...i })), giftValueFen: gift, status: 'to_ship', early, carrier: null, trackingNo: null, shippedAt: null }
}

export function offerFromDraft(d: OfferDraft, ctx: CoreContext, status: Offer['status'], group: string | null): Offer {
  return { ...d, id: ctx.newId(), status, createdAt: ctx.now, group }
}

/** Offers on the table are withdrawn when a new decision replaces them. */
export function withdrawOffered(c: Case): void {
  for (const o of c.offers) if (o.status === 'offered') o.status = 'withdrawn'
}
