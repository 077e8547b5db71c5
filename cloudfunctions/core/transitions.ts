/**
 * The ONE transition table (DESIGN §2). Every command names the statuses it may start from, the
 * statuses it may lead to, and who may issue it. `self` = allowed without changing status.
 * decide() asks this table; tests check every status change against it.
 */
import { CASE_STATUSES, FINAL_STATUSES, type BuyerDeadlineKind, type CaseStatus, type CommandType } from '@contract/domain'

export type ActorKind = 'buyer' | 'staff' | 'system'

export interface TransitionRow {
  command: CommandType
  by: ActorKind[]
  /** status → possible target statuses */
  from: Partial<Record<CaseStatus, CaseStatus[]>>
  /** statuses where the command is allowed and keeps the status */
  self: CaseStatus[]
}

export const NON_FINAL: CaseStatus[] = CASE_STATUSES.filter((s) => !FINAL_STATUSES.includes(s))

/**
 * The buyer waits: for each deadline kind, the status that waits on the buyer and where the case
 * goes when the wait runs out (`expire`). finish() sets the deadline on entering the status.
 */
export const BUYER_WAITS: Record<BuyerDeadlineKind, { in: CaseStatus; expiresTo: CaseStatus; escalatesTo?: CaseStatus }> = {
  info: { in: 'awaiting_buyer', expiresTo: 'closed' },
  offer: { in: 'offer_pending', expiresTo: 'in_review' },
  // a return that never comes after the replacement already left (双向发货) goes back to an agent, escalated
  return: { in: 'awaiting_return', expiresTo: 'closed', escalatesTo: 'in_review' },
  receipt: { in: 'replacement_shipped', expiresTo: 'resolved' },
  appeal: { in: 'rejected', expiresTo: 'closed' },
  rate: { in: 'resolved', expiresTo: 'closed' },
}

/** The wait a status puts the buyer on, if any. */
export function waitIn(status: CaseStatus): BuyerDeadlineKind | null {
  return (Object.keys(BUYER_WAITS) as BuyerDeadlineKind[]).find((k) => BUYER_WAITS[k].in === status) ?? null
}

const REMEDY_TARGETS: CaseStatus[] = ['refunding', 'awaiting_return', 'in_review', 'resolved']

export const TRANSITIONS: TransitionRow[] = [
  // staff
  { command: 'respond', by: ['staff'], from: { submitted: ['in_review'] }, self: ['in_review'] },
  { command: 'ask_info', by: ['staff'], from: { submitted: ['awaiting_buyer'], in_review: ['awaiting_buyer'] }, self: [] },
  // revising: a new offer while the buyer has not answered replaces the open ones
  { command: 'make_offer', by: ['staff'], from: { submitted: ['offer_pending'], in_review: ['offer_pending'] }, self: ['offer_pending'] },
  { command: 'withdraw_offer', by: ['staff'], from: { offer_pending: ['in_review'] }, self: [] },
  // system: an owner's auto-decision rule (auto-rules.ts), held to the same guards and threshold as an agent
  { command: 'approve', by: ['staff', 'system'], from: { submitted: REMEDY_TARGETS, in_review: REMEDY_TARGETS }, self: [] },
  { command: 'reject', by: ['staff'], from: { submitted: ['rejected'], in_review: ['rejected'] }, self: [] },
  // return leg: 'collect' pickups (wrong / damaged goods taken back) move along without a status change
  { command: 'receive_return', by: ['staff'], from: { awaiting_return: ['inspecting'], return_shipped: ['inspecting'] }, self: ['in_review', 'replacement_shipped', 'resolved', 'refunding'] },
  // money paid outside the payment channels (other-channel orders), recorded with its proof
  { command: 'record_manual_refund', by: ['staff'], from: { in_review: ['resolved'] }, self: [] },
  { command: 'inspect', by: ['staff'], from: { inspecting: ['refunding', 'rejected', 'in_review', 'resolved'] }, self: [] },
  { command: 'issue_refund', by: ['staff'], from: { in_review: ['refunding'] }, self: ['refunding'] },
  { command: 'ship_replacement', by: ['staff'], from: { in_review: ['replacement_shipped'] }, self: ['awaiting_return', 'return_shipped', 'inspecting'] },
  { command: 'note', by: ['staff'], from: {}, self: NON_FINAL },
  { command: 'reassign', by: ['staff'], from: {}, self: NON_FINAL },
  { command: 'escalate', by: ['staff'], from: {}, self: NON_FINAL },
  // buyer
  { command: 'provide_info', by: ['buyer'], from: { awaiting_buyer: ['in_review'] }, self: ['submitted', 'in_review'] },
  { command: 'accept_offer', by: ['buyer'], from: { offer_pending: REMEDY_TARGETS }, self: [] },
  { command: 'decline_offer', by: ['buyer'], from: { offer_pending: ['in_review'] }, self: [] },
  {
    command: 'cancel',
    by: ['buyer'],
    from: { submitted: ['cancelled'], awaiting_buyer: ['cancelled'], in_review: ['cancelled'], offer_pending: ['cancelled'], awaiting_return: ['cancelled'] },
    self: [],
  },
  { command: 'ship_return', by: ['buyer', 'staff'], from: { awaiting_return: ['return_shipped'] }, self: ['in_review', 'replacement_shipped', 'resolved', 'refunding'] },
  { command: 'confirm_receipt', by: ['buyer'], from: { replacement_shipped: ['resolved'] }, self: [] },
  { command: 'rate', by: ['buyer'], from: { resolved: ['closed'] }, self: [] },
  { command: 'appeal', by: ['buyer'], from: { rejected: ['in_review'] }, self: [] },
  // system
  // a platform exchange's price difference (退差价) settles while the platform's exchange runs on
  { command: 'refund_confirmed', by: ['system'], from: { refunding: ['resolved'] }, self: ['refunding', 'replacement_shipped', 'resolved'] },
  { command: 'refund_failed', by: ['system'], from: { refunding: ['in_review'] }, self: ['replacement_shipped', 'resolved'] },
  { command: 'expire', by: ['system'], from: Object.fromEntries(Object.values(BUYER_WAITS).map((w) => [w.in, w.escalatesTo ? [w.expiresTo, w.escalatesTo] : [w.expiresTo]])), self: [] },
  { command: 'sla_warn', by: ['system'], from: {}, self: NON_FINAL },
  { command: 'sla_breach', by: ['system'], from: {}, self: NON_FINAL },
  // Channels shop after-sales (commands/platform.ts): the seller's platform calls move the case
  // where the platform will take it; a refusal brings it back to the agent; the platform's own
  // moves are mirrored from any open status (the status table in platform-status.ts)
  { command: 'platform_accept', by: ['staff', 'system'], from: { submitted: ['refunding', 'awaiting_return'], in_review: ['refunding', 'awaiting_return'], return_shipped: ['refunding'] }, self: [] },
  { command: 'platform_reject', by: ['staff'], from: { submitted: ['rejected'], in_review: ['rejected'], return_shipped: ['rejected'] }, self: [] },
  { command: 'platform_certificate', by: ['staff'], from: {}, self: ['in_review'] },
  { command: 'platform_reship', by: ['staff'], from: { return_shipped: ['replacement_shipped'] }, self: [] },
  { command: 'platform_sync', by: ['system'], from: Object.fromEntries(NON_FINAL.map((s) => [s, [...CASE_STATUSES]])), self: NON_FINAL },
  {
    command: 'platform_call_result',
    by: ['system'],
    from: { refunding: ['in_review'], awaiting_return: ['in_review'], rejected: ['in_review'], replacement_shipped: ['in_review'] },
    self: NON_FINAL,
  },
  // desk remedies the Channels shop carries out (commands/shop_call.ts): a refusal brings the case back to the agent
  { command: 'shop_call_result', by: ['system'], from: { refunding: ['in_review'], replacement_shipped: ['in_review'] }, self: NON_FINAL },
  { command: 'followup_remind', by: ['system'], from: {}, self: ['resolved'] },
  // closing the loop (issue 15): approvals wait on the case; 差评 follow-up runs on the closed case
  // offer_pending: a revised offer above the agent's limit waits for a supervisor while the old one stays open
  { command: 'submit_for_approval', by: ['staff'], from: {}, self: ['submitted', 'in_review', 'refunding', 'offer_pending'] },
  {
    command: 'decide_approval',
    by: ['staff'],
    from: { submitted: [...REMEDY_TARGETS, 'offer_pending'], in_review: [...REMEDY_TARGETS, 'offer_pending', 'refunding'], refunding: ['refunding'] },
    self: ['submitted', 'in_review', 'refunding', 'offer_pending'],
  },
  { command: 'approval_escalate', by: ['system'], from: {}, self: NON_FINAL },
  { command: 'review_step', by: ['staff'], from: {}, self: ['closed'] },
  { command: 'review_remind', by: ['system'], from: {}, self: ['closed'] },
  { command: 'record_visit', by: ['staff'], from: {}, self: ['resolved'] },
  // disputes (纠纷单) and platform tickets (客诉工单) run on the platform's own clock in every open or
  // decided status (a dispute follows a rejection); closed / cancelled cases still accept nothing
  { command: 'dispute_proof', by: ['staff'], from: {}, self: NON_FINAL },
  { command: 'dispute_message', by: ['staff'], from: {}, self: NON_FINAL },
  { command: 'dispute_sync', by: ['system'], from: {}, self: NON_FINAL },
  { command: 'dispute_call_result', by: ['system'], from: {}, self: NON_FINAL },
  { command: 'ticket_sync', by: ['system'], from: {}, self: NON_FINAL },
  { command: 'shop_deadline_warn', by: ['system'], from: {}, self: NON_FINAL },
]

const byCommand = new Map(TRANSITIONS.map((r) => [r.command, r]))

export function rowOf(command: CommandType): TransitionRow {
  const r = byCommand.get(command)
  if (!r) throw new Error(`no transition row for ${command}`)
  return r
}

/** Can `command` be issued in `status` at all? */
export function allowedIn(command: CommandType, status: CaseStatus): boolean {
  const r = rowOf(command)
  return r.self.includes(status) || (r.from[status]?.length ?? 0) > 0
}

/** Is from → to (by command) listed in the table? */
export function isListed(command: CommandType, from: CaseStatus, to: CaseStatus): boolean {
  const r = rowOf(command)
  if (from === to) return r.self.includes(from) || (r.from[from]?.includes(to) ?? false)
  return r.from[from]?.includes(to) ?? false
}

/** Commands the table lets this actor kind issue in a status, before any guard (see allowedCommands). */
export function availableCommands(status: CaseStatus, actor: ActorKind): CommandType[] {
  return TRANSITIONS.filter((r) => r.by.includes(actor) && allowedIn(r.command, status)).map((r) => r.command)
}
