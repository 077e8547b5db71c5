/**
 * What every command file builds on: the work-in-progress of one decide() call, the shape of a
 * command (guard + act) and the few helpers several commands share (money, alerts, legs).
 */
import type { Actor, Case, CaseEvent, CaseStatus, CoreError, CoreErrorCode, Offer, ParsedCaseCommand, ReplacementShipment } from '@contract/domain'
import type { CoreContext } from '../context'
import { raise } from '../errors'
import type { BuyerEventKey, MessageExtra } from '../messages'
import { claimedValueFen, committedFen, yuan } from '../money'
import { anyRoomFen, incidentCap, incidentKey, moneyRoom, type MoneyPurpose } from '../money-guard'
import type { OfferDraft } from '../offers'
import { isShopDeskCase, PRICE_DIFF_REASONS, priceDiffLine, SHOP_FULL_REFUND_GUIDE } from '../shop-remedy'

/** An event before decide() keys it; one that must be the same row whatever version writes it brings its own key. */
export type EventDraft = CaseEvent extends infer E ? (E extends { key: string } ? Omit<E, 'key'> & { key?: string } : never) : never

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
  /** the value this command gives (set by requireApproval): what an approval of it records and re-checks */
  given?: Given
}

/** The full value one command gives the buyer: cash, coupons, gifts, goods sent before anything comes back. */
export interface Given {
  valueFen: number
  cashFen: number
  /** Chinese: exactly what is given ("同意仅退款¥99", "发放¥300优惠券") */
  summary: string
}

export type Cmd<T extends ParsedCaseCommand['type']> = Extract<ParsedCaseCommand, { type: T }>

/** A refusal: the code and the Chinese reason decide() returns (details are merged in). */
export type Refusal = Pick<CoreError, 'code' | 'message'> & { details?: Record<string, unknown> }

/** What a guard may look at besides the case: who asks, when, the policy, the order's other cases' money. */
export type GuardContext = Pick<CoreContext, 'actor' | 'policy' | 'now' | 'orderLedger'>

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

/** Nothing left to refund or compensate on this case (items, order and incident caps: money-guard.ts). */
export function nothingLeftRefusal(c: Case, ctx: GuardContext): Refusal | null {
  const input = { policy: ctx.policy, now: ctx.now, ledger: ctx.orderLedger }
  if (anyRoomFen(c, input) > 0) return null
  return refuse('LIMIT_EXCEEDED', `没有可退或可补偿的金额：${moneyRoom(c, 'refund', input).reason}`, { paidFen: c.order.paidFen })
}

/** Value of goods that leave before anything comes back (resend, early exchange), at their paid value. */
export function goodsValueFen(c: Case, items: Offer['items']): number {
  return claimedValueFen(c.order, items.length ? items : c.claimedItems)
}

/**
 * Everything of value already given or on its way on this case: money not failed, coupons and
 * gifts of accepted remedies, goods sent ahead, a return refund agreed but not yet released. The
 * approval threshold applies to this plus the new command, so splitting cannot pass it.
 */
export function givenValueFen(c: Case): number {
  let v = committedFen(c)
  const refunded = c.refunds.some((r) => r.purpose === 'refund' && r.status !== 'failed')
  for (const o of c.offers) {
    if (o.status !== 'accepted') continue
    v += o.couponFen + o.giftValueFen
    if (o.kind === 'resend') v += goodsValueFen(c, o.items)
    if (o.kind === 'return_refund' && !refunded) v += o.refundFen
  }
  for (const l of c.replacementShipments) if (l.early) v += goodsValueFen(c, l.items)
  return v
}

/**
 * The one approval rule: records what the command gives (w.given) and refuses a staff member below
 * supervisor when the case's total value would pass the threshold or the buyer is flagged risky.
 * The refusal carries `approvalRequired`: decide() turns it into an approval request in the same tap.
 */
export function requireApproval(w: Work, given: Given, ctx: CoreContext, what: string): void {
  w.given = given
  const th = ctx.policy.compensation.approvalThresholdFen
  // a system actor (an owner's auto-decision rule) is held like an agent; decide() files no request for it
  if (ctx.actor.kind === 'buyer' || isSupervisor(ctx.actor)) return
  const before = givenValueFen(w.c)
  const total = before + given.valueFen
  // a command that gives nothing (guidance) adds nothing to approve, whatever the case gave before
  if (given.valueFen > 0 && total > th) {
    const perks = given.valueFen - given.cashFen
    const what2 = perks > 0 ? `${what}总价值${yuan(given.valueFen)}（含优惠券、礼品或先发商品${yuan(perks)}）` : `${what}金额${yuan(given.valueFen)}`
    const why = before > 0 ? `${what2}，加上本单已给${yuan(before)}，合计${yuan(total)}超过审批门槛${yuan(th)}` : `${what2}超过审批门槛${yuan(th)}`
    raise('FORBIDDEN', `${why}，需要主管审批`, { approvalRequired: true, amountFen: given.valueFen, totalFen: total, thresholdFen: th, why })
  }
  if (w.c.flags.risk && given.cashFen > 0) {
    raise('FORBIDDEN', `该买家已标记退款风险，${what}需要主管审批`, { approvalRequired: true, amountFen: given.valueFen, why: '买家已标记退款风险' })
  }
}

/** The most `purpose` money may still go out on this case, with the Chinese reason (money-guard.ts). */
export function roomFor(c: Case, purpose: MoneyPurpose, ctx: Pick<CoreContext, 'policy' | 'now' | 'orderLedger'>) {
  return moneyRoom(c, purpose, { policy: ctx.policy, now: ctx.now, ledger: ctx.orderLedger })
}

/** Refuses an amount above what the money guard lets out (the reason names the number). */
export function checkRoom(c: Case, amountFen: number, purpose: MoneyPurpose, ctx: Pick<CoreContext, 'policy' | 'now' | 'orderLedger'>): void {
  if (amountFen <= 0) return
  const room = roomFor(c, purpose, ctx)
  if (amountFen > room.maxFen) raise('LIMIT_EXCEEDED', `${purpose === 'refund' ? '退款' : '补偿'}${yuan(amountFen)}超过上限：${room.reason}`, { amountFen, maxFen: room.maxFen, binding: room.binding })
}

/**
 * The one place money is put on a case: within the money guard, recorded as pending, paid by the
 * outbox — through the payment port, or on a Channels order by the shop (退差价 on one SKU:
 * `shopSkuId` names it, else a desk case's claimed line; a platform answer settles it).
 */
export function addRefund(w: Work, amountFen: number, purpose: MoneyPurpose, ctx: CoreContext, shopSkuId?: string): void {
  if (amountFen <= 0) return
  checkRoom(w.c, amountFen, purpose, ctx)
  const key = `${w.c.id}-r${w.c.refunds.length + 1}`
  const incident = purpose === 'compensation' ? { incident: incidentKey(w.c), incidentCapFen: incidentCap(w.c, ctx.policy, ctx.now).capFen } : {}
  const skuId = shopSkuId ?? (isShopDeskCase(w.c) ? shopLineFor(w.c, amountFen) : null)
  if (skuId) {
    w.c.refunds.push({ key, amountFen, purpose, ...incident, shop: { skuId, afterSaleOrderId: null }, status: 'pending', requestedAt: ctx.now, settledAt: null, failureReason: null })
    const desc = `售后单${w.c.caseNo}：${purpose === 'refund' ? '部分退款' : '补偿'}${yuan(amountFen)}`
    w.events.push({ kind: 'shop_call', call: 'refund_price_diff', caseId: w.c.id, orderId: w.c.order.orderId, ref: key, skuId, amountFen, reason: PRICE_DIFF_REASONS.agreed, desc })
    return
  }
  w.c.refunds.push({ key, amountFen, purpose, ...incident, status: 'pending', requestedAt: ctx.now, settledAt: null, failureReason: null })
  w.events.push({ kind: 'refund_requested', caseId: w.c.id, refundKey: key, orderId: w.c.order.orderId, amountFen })
}

/** The claimed SKU a desk case's 退差价 goes to; a whole line's value is the buyer's own after-sale. */
function shopLineFor(c: Case, amountFen: number): string {
  const line = priceDiffLine(c)
  if (!line || amountFen >= line.valueFen) raise('VALIDATION', SHOP_FULL_REFUND_GUIDE, { amountFen, maxFen: Math.max(0, (line?.valueFen ?? 1) - 1) })
  return line.skuId
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
