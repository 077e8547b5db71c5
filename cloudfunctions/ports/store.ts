import { createHash } from 'node:crypto'
import type { Case, CaseStatus, CaseType, Severity, StaffMember, Team, StaffRole, OrderSnapshot, TrustChange, BuyerPreferences } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { CaseSummary, WhatIfSummary } from '@contract/actions'
import type { InboxItem } from '@contract/alerts'
import type { BatchAlert } from '@contract/care'

/**
 * The store port: shaped by what the use cases need, implemented by the SQLite adapter (embedded
 * default) and the CloudBase adapter (production). Both pass tests/server/store-contract.
 *
 * Atomicity rule (DESIGN §4): a case transition, its timeline (inside the case document) and the
 * outgoing messages it produced commit together or not at all, guarded by compare-and-set on
 * `version`. A lost race raises StoreConflict and writes nothing.
 */

export class StoreConflict extends Error {
  readonly code = 'CONFLICT'
  constructor(message = 'version conflict') {
    super(message)
  }
}

/**
 * A case write refused by a rule spanning the cases of one order, checked by the store inside the
 * write (per-order guard), so concurrent writers from any number of instances cannot both pass:
 * - `open_case`: a claimed SKU already has an open case on this order;
 * - `request_cap`: a claimed SKU reached the per-SKU request limit on this order;
 * - `over_paid`: refunds + compensation of all cases of the order would exceed what was paid.
 * - `rule_cap`: an auto-decision rule's money of the day would pass its daily cap (`RuleSpend`).
 * Nothing of the refused write is stored.
 */
export class GuardViolation extends Error {
  readonly code = 'GUARD'
  constructor(
    readonly rule: 'open_case' | 'request_cap' | 'over_paid' | 'over_items' | 'over_incident' | 'rule_cap',
    readonly details: { skuId?: string; count?: number; limit?: number; paidFen?: number; committedFen?: number; otherCaseId?: string; incident?: string; capFen?: number; bucket?: string },
  ) {
    super(`order guard: ${rule} ${JSON.stringify(details)}`)
  }
}

/**
 * An auto-decision rule's money, added to its counter of the day (`bucket`) inside the same write
 * as the case it decided; the write is refused (GuardViolation `rule_cap`) when the counter would
 * pass `capFen`. See core/auto-rules.ts.
 */
export interface RuleSpend {
  bucket: string
  amountFen: number
  capFen: number
}

/** One case of an order as the per-order guard keeps it (bounded: ≤ limit cases per SKU). */
export interface OrderCaseEntry {
  caseId: string
  skus: string[]
  type: CaseType
  open: boolean
  createdAt: string
  /** refunds + compensation of this case that did not fail */
  committedFen: number
  /** of which per SKU (money for the items) and per incident (compensation), see core/money-guard.ts; absent on entries written before */
  itemsFen?: Record<string, number>
  incidentsFen?: Record<string, number>
  /** each incident's cap when its compensation was granted */
  incidentCaps?: Record<string, number>
}

/** The per-order guard / ledger: every case filed on the order and the money committed over all of them. */
export interface OrderGuard {
  orderId: string
  cases: OrderCaseEntry[]
  committedFen: number
}

/** Idempotency of a command stored with its compare-and-set write (see Store.saveCase). */
export interface CommandKey {
  key: string
  /** hash of the command's data: the same key with other data is refused */
  fingerprint: string
  /** the case version this command produced */
  version: number
}

/** A message or task waiting to be dispatched (issue: subscription messages). */
export interface OutboxItem {
  /** unique idempotency key (case, event, template) */
  key: string
  caseId: string
  kind: string
  payload: Record<string, unknown>
  status: 'pending' | 'sent' | 'failed' | 'skipped'
  attempts: number
  nextAttemptAt: string
  lastError: string | null
  createdAt: string
  sentAt: string | null
}
export type NewOutboxItem = Pick<OutboxItem, 'key' | 'caseId' | 'kind' | 'payload'>
/** How claimed rows end in bulk: sent (with the instant), or skipped with the reason. */
export type OutboxFinish = { status: 'sent'; sentAt: string } | { status: 'skipped'; lastError: string }

export interface Page<T> {
  items: T[]
  /** opaque cursor for the next page, null at the end */
  next: string | null
}

/** A case as the lists show it, but for the SLA badge (worked out from `sla` at read time): see app/views caseLine. */
export interface CaseLine {
  /** app/views CASE_LINE_VERSION of the derivation */
  v: number
  row: Omit<CaseSummary, 'sla' | 'task'>
  sla: Case['sla']
}

export interface QueueFilter {
  status?: CaseStatus[]
  team?: Team
  assigneeId?: string | null
  /** only cases with no assignee */
  unassigned?: boolean
  severity?: Severity
  reason?: string
  escalated?: boolean
  /** only cases with a refund that did not fail */
  refunded?: boolean
  /** only cases flagged as a risky buyer's (flags.risk) */
  risk?: boolean
  /** only cases whose next scheduler timer (SLA warning / breach, buyer deadline) is before this instant */
  dueBefore?: string
  /**
   * only cases whose SLA badge (core slaState) shows `state` at the instant `at`: paused clocks
   * keep the state they paused in, stopped clocks are on time unless they breached (see
   * adapters/case-index slaMarks)
   */
  slaState?: { state: 'on_time' | 'warning' | 'breached'; at: string }
  /** only open cases (not resolved/closed/cancelled/rejected) */
  open?: boolean
  createdFrom?: string
  createdTo?: string
  buyerOpenid?: string
  orderId?: string
  /** only cases claiming this SKU of this batch ('' = orders that name no batch) (issue 24) */
  batch?: { skuId: string; batch: string }
}

/** See Store.openCaseWrite. */
export interface CaseWrite {
  guard: OrderGuard
  create: Store['createCase']
  close(): Promise<void>
}

/** See Store.filingContext. */
export interface FilingQuery {
  orderId: string
  /** whose standing is read; null: the stored order's buyer (`order.buyerOpenid`) */
  openid: string | null
  /** refunded / risk-flagged cases created at or after this instant count */
  riskFrom: string
  /** orders signed for at or after this instant count */
  deliveredFrom: string
  caps: { refunded: number; risk: number; orders: number }
  idem?: { scope: string; key: string }
  unionid?: string | null
  staffCap?: number
}

export interface FilingContext {
  order: OrderRecord | null
  /** the id the standing below was read for (null: no openid given and no order stored) */
  openid: string | null
  buyer: BuyerRecord | null
  counts: { refunded: number; risk: number; orders: number }
  /** the case filed before under `idem`, and the request fingerprint it was stored with */
  prior: { case: Case; fingerprint?: string } | null
  /** the mini-program buyer recorded with `unionid` (null when none, or no unionid asked) */
  unionBuyer: BuyerRecord | null
  /** listStaffLoads(staffCap), when asked */
  staff?: Array<StaffRecord & { openCases: number }>
}

/**
 * The id of the case filed under an idempotency key, derived from the key: a store may let the
 * case's own insert refuse a second filing (a duplicate id) instead of keeping a key document.
 * A UUID-shaped hash, so it reads like the other case ids.
 */
export function idempotentCaseId(scope: string, key: string): string {
  const h = createHash('sha256').update(`${scope}\u0000${key}`).digest('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) % 4]}${h.slice(17, 20)}-${h.slice(20, 32)}`
}

export interface StaffRecord extends Omit<StaffMember, 'openCases'> {
  active: boolean
}

export interface BuyerRecord {
  openid: string
  dedicatedRepId: string | null
  /**
   * Legacy manual mark (set with the rep before set_buyer_trust existed): read as a supervisor's
   * "trusted" while no trust decision is recorded (`trust` absent). New code never sets it.
   */
  trusted: boolean
  /** WeChat unionid when the mini-program is bound to the open platform (links shop orders); absent = unknown */
  unionid?: string | null
  /**
   * The shop openids on the orders carrying this buyer's unionid, as claimShopOrders last saw them
   * (their `channels:<shop openid>` ids are this buyer's too): the buyer's standing reads them here
   * instead of the orders. Absent = never recorded (read the orders); a write without it keeps the
   * recorded one.
   */
  shopOpenids?: string[] | null
  /** how staff find the buyer: the name on their orders; absent = keep the recorded one */
  name?: string | null
  /** last 4 digits of the buyer's phone (never the whole number); absent = keep the recorded one */
  phoneTail?: string | null
  /** supervisors' trust decisions (set_buyer_trust); absent = none ever recorded. Written only by setBuyerTrust. */
  trust?: BuyerTrust | null
  /** what the buyer asked for in their last 回访 (偏好电话联系, 只要退款 …); absent = none recorded. Written only by setBuyerPreferences. */
  preferences?: BuyerPreferences | null
}

/** The current decision (null = the policy's rule decides) and every decision, oldest first. */
export interface BuyerTrust {
  override: boolean | null
  history: TrustChange[]
}

/** Trust decisions kept per buyer (the oldest drop off past this). */
export const TRUST_HISTORY_KEPT = 50

/** A named piece of sync progress (e.g. the shop's order cursor), compare-and-set on `version`. */
export interface SyncState {
  name: string
  value: Record<string, unknown>
  /** 1 for the first saved value */
  version: number
  updatedAt: string
}

export interface PolicyRecord {
  version: number
  policy: Policy
  updatedBy: string
  updatedAt: string
  /** the what-if summary the owner saw before saving this version (null: saved without one) */
  whatIf?: WhatIfSummary | null
}

/** What a decision inside the write (saveCaseDecided) answers: saveCase's arguments. */
export interface DecidedWrite {
  next: Case
  outbox: NewOutboxItem[]
  commandKey?: Omit<CommandKey, 'version'>
  refunds?: Array<Omit<RefundRecord, 'status'>>
}

export interface RefundRecord {
  key: string
  caseId: string
  orderId: string
  amountFen: number
  /** the payment call is recorded once by key; its outcome lives on the case (`Refund.status`) */
  status: 'recorded'
  createdAt: string
}

export interface OrderRecord {
  order: OrderSnapshot
  /** final-sale flags, batches etc. live inside the snapshot */
  createdAt: string
  /** when the logistics watch handled this unsigned order (kept across re-imports) */
  watchedAt?: string | null
}

export interface MediaRecord {
  id: string
  ownerOpenid: string
  mime: string
  kind: 'image' | 'video'
  size: number
  /** where the adapter keeps the bytes (local path or cloud file id) */
  location: string
  createdAt: string
  /** when a case first carried this file; never-attached files are swept after a day */
  attachedAt?: string | null
}

/** Which follow-up list (see adapters/case-tasks): 待审批, 差评跟进, 回访. */
export interface TaskFilter {
  kind: 'approval' | 'review' | 'visit'
  /** a staff id, or 'supervisor' */
  owner?: string
  /** only tasks due at or before this instant (回访 that are due) */
  dueBefore?: string
}

/** One count of Store.countMany: cases by a queue filter, or follow-up tasks. */
export type CountQuery = { cases: QueueFilter } | { tasks: TaskFilter }

/** One CountQuery asked on its own: what Store.countMany answers for it. */
export function countOne(store: Pick<Store, 'countCases' | 'countTasks'>, q: CountQuery, cap: number): Promise<number> {
  return 'tasks' in q ? store.countTasks(q.tasks, cap) : store.countCases(q.cases, cap)
}

/** A staff member's inbox entry (see @contract/alerts). */
export type InboxRecord = InboxItem

/** A platform credential cached for every instance (the shop's access token); never a secret itself. */
export interface TokenRecord {
  name: string
  value: string
  expiresAt: string
  /** compare-and-set counter: 1 for the first write */
  version: number
  updatedAt: string
}
export type ThrottleResult = { granted: true } | { granted: false; retryAt: string }

/** One group of the analytics page as the store counts it (see Store.caseStats). */
export interface CaseStatsGroup {
  key: string
  /** product name (SKU, batch, reason × SKU and product groups); the reason code for reasons */
  name: string
  /** batch groups: the batch ('' when unknown) */
  batch?: string
  total: number
  /** distinct buyers among the group's cases (repeats = total − buyers) */
  buyers: number
  /** one count per week of the query's weekBounds */
  perWeek: number[]
}

export type SlaVerdict = 'hit' | 'miss' | 'pending'

/** What the analytics page needs, aggregated by the store (SQL GROUP BY / aggregate pipeline). */
export interface CaseStats {
  total: number
  buyers: number
  perWeek: number[]
  byReason: CaseStatsGroup[]
  byProduct: CaseStatsGroup[]
  bySku: CaseStatsGroup[]
  byBatch: CaseStatsGroup[]
  /** key `${reason}|${skuId}` (rising problems) */
  byReasonSku: CaseStatsGroup[]
  /** cases per pair of SLA verdicts at `now` */
  sla: Array<{ firstResponse: SlaVerdict; resolution: SlaVerdict; n: number }>
  times: { firstResponse: { count: number; medianMs: number | null }; resolution: { count: number; medianMs: number | null } }
  /** cases with money, per remedy (accepted offer's kind, else the case type) */
  money: Array<{ remedy: string; label: string; cases: number; refundFen: number; compensationFen: number; couponFen: number; giftFen: number; replacementFen: number; totalFen: number }>
  /** ratings 1–5: how many of each */
  ratings: [number, number, number, number, number]
  /** 差评 follow-ups per (followed up in time at `now`, closing outcome or null while running) */
  reviews: Array<{ follow: SlaVerdict; outcome: string | null; n: number }>
  /** 回访 outcomes recorded: how many of each */
  visits: Array<{ outcome: string; n: number }>
  /** platform disputes per `disputeFact` (adapters/case-facts): outcome | answered in time | seller timed out */
  disputes: Array<{ fact: string; n: number }>
}

/** The columns of one exported case (export_cases), read by projection instead of the document. */
export interface CaseExportRow {
  id: string
  caseNo: string
  createdAt: string
  status: CaseStatus
  type: CaseType
  reason: string
  severity: string
  team: string
  assigneeId: string | null
  orderId: string
  buyerOpenid: string
  /** each claimed item with its product name and batch */
  claimed: Array<{ skuId: string; qty: number; name: string; batch: string }>
  paidFen: number
  refundFen: number
  compensationFen: number
  slaWarnAt: string
  slaBreachAt: string
  firstResponseAt: string | null
  resolvedAt: string | null
  rating: number | null
  escalated: boolean
  policyVersion: number
  /** the 差评 follow-up: opened, first reached out (and by whom), in-time verdict as stored, how it closed; null without a 差评 */
  review?: { openedAt: string | null; followedAt: string | null; followedBy: string | null; follow: 'hit' | 'miss' | 'pending' | 'open'; dueAt: string; outcome: string | null } | null
  /** what the 回访 found (null until recorded) */
  visitOutcome?: string | null
}

/** What Store.schedulerReads answers. */
export interface SchedulerReads {
  due: Case[]
  tasks: Case[]
  running: BatchAlert[]
  noncesExpired: boolean
}

export interface Store {
  /** Create tables / collections and indexes if missing. Idempotent. */
  init(): Promise<void>
  close(): Promise<void>

  // ---- cases
  /**
   * Insert a new case with its outbox, once per idempotency key: a second call with the same
   * (scope, key) returns the first case and `created: false`, writing nothing.
   */
  /**
   * Inside the same atomic write the case is entered in its order's guard: with `maxRequestsPerSku`
   * a claimed SKU that has an open case, or that many cases, on the order refuses the write
   * (GuardViolation). A new assignee's load counter and last-assignment time move with it.
   * `fingerprint` is kept with the key: a replay answers it so the caller can tell a retry from a
   * different request under the same key. A case whose id is `idempotentCaseId(scope, key)` may
   * be its own key (CloudBase: its insert refuses the second, no key document is written); the
   * answers are the same, and keys stored before stay found (findByIdempotencyKey, filingContext).
   */
  createCase(
    c: Case,
    outbox: NewOutboxItem[],
    idem?: { scope: string; key: string; fingerprint?: string },
    opts?: { maxRequestsPerSku?: number; ruleSpend?: RuleSpend },
  ): Promise<{ created: boolean; case: Case; fingerprint?: string }>
  /**
   * A new case's write on one order, opened before the case is built: `guard` is the order's guard
   * as the write reads it (CloudBase: inside the transaction the case will be written in), so the
   * caller builds the case on the read the write checks and the guard is read once. `create` is
   * createCase (same answers, refusals and idempotency; a case of another order, a second call, or
   * an order changed meanwhile go through a fresh createCase); `close` ends the write if `create`
   * was not called (always call it: it is a no-op after `create`).
   */
  openCaseWrite(orderId: string): Promise<CaseWrite>
  /** The case an earlier createCase stored under this idempotency key, if any. */
  findByIdempotencyKey(scope: string, key: string): Promise<Case | null>
  getCase(id: string): Promise<Case | null>
  /** Optional: the order of a case this instance has read before, if it remembers it (a case's order never changes). */
  orderIdOf?(caseId: string): string | undefined
  /** The case with the command keys stored with its recent writes (newest last, bounded). */
  getCaseWithKeys(id: string): Promise<{ case: Case; keys: CommandKey[] } | null>
  /**
   * Compare-and-set on `expectedVersion`; writes the case and the outbox atomically, with the
   * order's guard (open cases, money committed over the order: GuardViolation `over_paid` when
   * refunds + compensation of the order's cases would pass what was paid), the assignees' load
   * counters and, with `commandKey`, the command's idempotency key. `prev` — the case as read at
   * `expectedVersion`, which the caller decided on — lets a store see that a write changes nothing
   * but the case (no guard entry, load or task row moves) and write it as one compare-and-set.
   * `refunds`: a ledger-only payment port's records (PaymentPort.inWrite), written in the same
   * write; a key recorded before is left as it is.
   */
  saveCase(next: Case, expectedVersion: number, outbox: NewOutboxItem[], opts?: { commandKey?: Omit<CommandKey, 'version'>; ruleSpend?: RuleSpend; prev?: Case; refunds?: Array<Omit<RefundRecord, 'status'>> }): Promise<void>
  /**
   * Optional: a command decided on the order's guard inside the write (paying commands). The store
   * reads the case — which must be at `expectedVersion` (else StoreConflict) — and the guard of
   * `orderId` inside its atomic write, calls `decide` with that guard and writes what it answers
   * exactly as saveCase would. `decide` must be pure: a retried write calls it again; what it
   * throws aborts the write and reaches the caller. Answers the case written. Without it the use
   * case reads the guard first (getOrderGuard) and saves with saveCase.
   */
  saveCaseDecided?(caseId: string, orderId: string, expectedVersion: number, decide: (guard: OrderGuard) => DecidedWrite): Promise<Case>
  /**
   * Stores that commit a case write's outbox rows inside the case document (the CloudBase
   * adapter): move rows waiting in case queues into the outbox, where claimOutbox finds them.
   * The dispatcher calls it first in every pass; listOutbox / pendingOutbox show queued rows
   * before it. Answers how many rows were moved.
   */
  sweepCaseOutbox?(limit: number): Promise<number>
  /**
   * The scheduler's writes of many cases in one atomic write (optional: stores with cheap writes
   * loop over saveCase). Each case is a compare-and-set on its `expectedVersion`: a case whose
   * version moved is left out and its id returned in `raced`; the others commit together, each
   * with its outbox, guard, load counters and tasks as saveCase writes them.
   */
  saveCases?(batch: Array<{ next: Case; expectedVersion: number; outbox: NewOutboxItem[] }>): Promise<{ raced: string[] }>
  /** An auto-decision rule's counter of a day (0 when nothing was spent). */
  ruleSpent(bucket: string): Promise<number>
  /** The order's guard: its cases and the money committed over them (empty when none). */
  getOrderGuard(orderId: string): Promise<OrderGuard>
  /** Cases newest first. */
  listCases(filter: QueueFilter, page: { limit: number; cursor?: string | null; order?: 'created_desc' | 'due_asc' }): Promise<Page<Case>>
  /**
   * listCases as list lines (app/views caseLine: the same page, order and cursor), for a store
   * that keeps each case's line beside it; without it the use cases derive lines from listCases.
   */
  listCaseLines?(filter: QueueFilter, page: { limit: number; cursor?: string | null; order?: 'created_desc' | 'due_asc' }): Promise<Page<CaseLine>>
  /** Ids (with order and status) of matching cases, newest first, without reading their documents. */
  listCaseRefs(filter: QueueFilter, limit: number): Promise<Array<{ id: string; orderId: string; status: CaseStatus }>>
  /** How many cases match; with `cap`, counting stops there (answers min(n, cap)) so a count costs at most `cap` index entries. */
  countCases(filter: QueueFilter, cap?: number): Promise<number>
  /**
   * A buyer's standing in cases, across the desk ids they are known under (`buyerOpenids`): of the
   * cases created at or after `createdFrom`, how many have a refund that did not fail (answers
   * min(n, caps.refunded)) and how many are risk-flagged (min(n, caps.risk)). Bounded by the caps
   * whatever the buyer's history (CloudBase: one request, two when caps.refunded + caps.risk match).
   */
  buyerCaseCounts(buyerOpenids: string[], createdFrom: string, caps: { refunded: number; risk: number }): Promise<{ refunded: number; risk: number }>
  /**
   * Everything a new case's filing reads before its write, in one read where the store can join
   * (CloudBase: one aggregate on the order with lookups): the order; the buyer's record and their
   * standing under `openid` (null: the order's own buyer) — buyerCaseCounts and countOrders of
   * that one id, same windows and caps; with `idem`, the case an earlier filing stored under that
   * key (as findByIdempotencyKey, with the fingerprint it was stored with); with `unionid`, the
   * mini-program buyer recorded with it (getBuyerByUnionid); with `staffCap`, the roster with
   * loads (listStaffLoads(staffCap)). When the order is not stored, `order` is null and the other
   * answers are still given (read without the join).
   */
  filingContext(q: FilingQuery): Promise<FilingContext>
  /** Open cases with an SLA or buyer deadline due at or before `now`, oldest due first. */
  dueCases(now: string, limit: number): Promise<Case[]>
  /** Next case number (monotonic, human readable). */
  nextCaseNo(day: string): Promise<string>

  // ---- staff, buyers, policy
  listStaff(): Promise<StaffRecord[]>
  getStaff(id: string): Promise<StaffRecord | null>
  upsertStaff(s: StaffRecord): Promise<void>
  /** Changes only these fields of a staff member (a concurrent change of another field stands); false if absent. */
  patchStaff(id: string, patch: Partial<Omit<StaffRecord, 'id'>>): Promise<boolean>
  /** Every staff member with their open-case load, capped (routing): one read whatever the roster size where the adapter keeps load counters. */
  listStaffLoads(cap?: number): Promise<Array<StaffRecord & { openCases: number }>>
  /** Open cases of each of these staff (least-loaded routing, roster), each counted up to `cap` through the assignee index. */
  openCaseCounts(staffIds: string[], cap?: number): Promise<Record<string, number>>
  getBuyer(openid: string): Promise<BuyerRecord | null>
  /** Writes the rep, the legacy mark and the unionid (a write without a unionid keeps the recorded one); never touches `trust`. */
  upsertBuyer(b: BuyerRecord): Promise<void>
  /** Records how staff find the buyer (name, phone tail; a null keeps the recorded one) and nothing else; creates the record when absent. */
  setBuyerContact(openid: string, contact: { name: string | null; phoneTail: string | null }): Promise<void>
  /** Buyers whose name contains `q` or whose phone ends in `q` (4 digits), at most `limit`. */
  searchBuyers(q: string, limit: number): Promise<BuyerRecord[]>
  /** Buyers with a dedicated rep (专属客服), at most `limit`: every saved assignment, for the roster. */
  listRepAssignments(limit: number): Promise<BuyerRecord[]>
  /**
   * Records a trust decision in one atomic write: sets `trust.override` to `change.trusted` and
   * appends the change to the history (keeping the newest TRUST_HISTORY_KEPT); creates the buyer
   * record when there is none. Returns the record as written.
   */
  setBuyerTrust(openid: string, change: TrustChange): Promise<BuyerRecord>
  /**
   * Records a 回访's preferences on the buyer in one atomic write unless newer ones are recorded
   * (`at` later than these): replays and a late outbox retry never undo a later visit. Creates the
   * record when there is none. Answers whether it wrote.
   */
  setBuyerPreferences(openid: string, preferences: BuyerPreferences): Promise<boolean>
  getPolicy(): Promise<PolicyRecord | null>
  /** CAS on the policy version: expectedVersion 0 for the first policy. Keeps every version. */
  savePolicy(policy: Policy, expectedVersion: number, by: string, at: string, whatIf?: WhatIfSummary | null): Promise<PolicyRecord>
  getPolicyVersion(version: number): Promise<PolicyRecord | null>
  listPolicyVersions(): Promise<Omit<PolicyRecord, 'policy'>[]>

  // ---- orders (local orders adapter keeps them here)
  upsertOrder(o: OrderRecord): Promise<void>
  getOrder(orderId: string): Promise<OrderRecord | null>
  listOrdersByBuyer(openid: string, limit: number): Promise<OrderRecord[]>
  /**
   * How many of the buyer's orders were signed for (deliveredAt) at or after `deliveredFrom`,
   * counted through an index and stopping at `cap` (answers min(n, cap)).
   */
  countOrders(filter: { buyerOpenid: string | string[]; deliveredFrom: string }, cap: number): Promise<number>
  /** Logistics watch: orders shipped at or before `shippedBefore`, not signed, not yet watched; oldest first, through an index. */
  unsignedOrders(shippedBefore: string, limit: number): Promise<OrderRecord[]>
  /** Marks an order handled by the logistics watch; false if it already was (another scheduler won). */
  markOrderWatched(orderId: string, at: string): Promise<boolean>

  // ---- Channels shop sync (additive: buyers by unionid, orders by unionid, named cursors)
  /** The mini-program buyer with this unionid, if one was recorded. */
  getBuyerByUnionid(unionid: string): Promise<BuyerRecord | null>
  /** Orders whose buyer has this unionid (shop orders not yet linked to a mini-program openid), newest first. */
  listOrdersByUnionid(unionid: string, limit: number): Promise<OrderRecord[]>
  getSyncState(name: string): Promise<SyncState | null>
  /** Compare-and-set: expectedVersion 0 creates it. False when someone else saved first (nothing written). */
  saveSyncState(name: string, value: Record<string, unknown>, expectedVersion: number, at: string): Promise<boolean>

  // ---- refunds: idempotent by key
  recordRefund(r: Omit<RefundRecord, 'status'>): Promise<{ created: boolean; refund: RefundRecord }>
  getRefund(key: string): Promise<RefundRecord | null>
  refundedForOrder(orderId: string): Promise<number>

  // ---- outbox
  pendingOutbox(now: string, limit: number): Promise<OutboxItem[]>
  /**
   * Claims up to `limit` due pending rows in one write, urgent ones first (../adapters/outbox-priority):
   * each is leased until `leaseUntil` under the token `claim` with its attempt counted, so no other
   * dispatcher takes it meanwhile. Answers them with `attempts` as now stored (the CAS value for
   * updateOutbox). A row another dispatcher claimed first is not answered.
   */
  claimOutbox(now: string, limit: number, leaseUntil: string, claim: string): Promise<OutboxItem[]>
  /** Ends rows still held by `claim` (sent, or skipped for want of a credit) in one write; returns how many changed. */
  finishOutbox(keys: string[], claim: string, patch: OutboxFinish): Promise<number>
  /** CAS on attempts: returns false if someone else already moved it. */
  updateOutbox(key: string, expectedAttempts: number, patch: Partial<Pick<OutboxItem, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>>): Promise<boolean>
  listOutbox(filter: { status?: OutboxItem['status']; caseId?: string }, limit: number): Promise<OutboxItem[]>
  /**
   * Adds outbox rows outside a case write (the dispatcher fans one staff alert out into one row
   * per channel and recipient): inserts each key that is not there yet, pending from `at`.
   * Returns how many were new.
   */
  enqueueOutbox(items: NewOutboxItem[], at: string): Promise<number>
  /**
   * Fixed-window rate guard shared by every instance: takes `n` (default one) slots of `bucket`
   * (e.g. a robot and a minute, a buyer's case and a minute, an identity's upload bytes of a day)
   * when at most `max` are then taken, in one atomic write; false (nothing taken) when the window
   * is full. A negative `n` gives slots back (a reservation that was not used in full).
   */
  takeSlot(bucket: string, max: number, n?: number): Promise<boolean>

  // ---- follow-up tasks, written with the case by createCase / saveCase (adapters/case-tasks)
  /** Cases with an open task of the filter, the earliest due first. */
  listTaskCases(filter: TaskFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Case>>
  countTasks(filter: TaskFilter, cap: number): Promise<number>
  /**
   * Optional: the counts of several filters at once (the queue's tab badges), each what
   * countCases / countTasks answers with the same cap — for a store where each count is a round
   * trip (CloudBase: one aggregate). Without it the use case asks each count on its own.
   */
  countMany?(queries: CountQuery[], cap: number): Promise<number[]>
  /** Cases whose open task needs the scheduler (reminder, escalation) at or before `now`. */
  dueTaskCases(now: string, limit: number): Promise<Case[]>
  /**
   * A scheduler pass's opening reads at once, for a store where each is a round trip (CloudBase:
   * one aggregate): dueCases and dueTaskCases (same order, same limit), listBatchAlerts of the
   * running ones (up to `running`), and whether any push nonce has expired by `now` (then
   * purgePushNonces has work). A policy read right after it costs no round trip of its own
   * where the store can share one. Null when they could not be read together: ask each.
   */
  schedulerReads?(now: string, limit: number, running: number): Promise<SchedulerReads | null>

  // ---- staff inbox (one entry per alert and staff member)
  /** Inserts entries whose id is not there yet; returns how many were new. */
  addInbox(items: InboxRecord[]): Promise<number>
  /** A staff member's entries, newest first. */
  listInbox(staffId: string, opts: { unreadOnly?: boolean; limit: number; cursor?: string | null }): Promise<Page<InboxRecord>>
  /** Unread entries of a staff member, counted up to `cap`. */
  countUnread(staffId: string, cap: number): Promise<number>
  /** Marks entries of this staff member read (someone else's ids are ignored); returns how many changed. */
  markInboxRead(staffId: string, ids: string[] | 'all', at: string): Promise<number>

  // ---- subscription credits (one-time subscriptions per buyer and template)
  addCredits(openid: string, templateId: string, n: number): Promise<number>
  /** Atomically spend one credit; false when none is left. */
  spendCredit(openid: string, templateId: string): Promise<boolean>
  getCredits(openid: string): Promise<Record<string, number>>

  // ---- media
  putMedia(m: MediaRecord): Promise<void>
  getMedia(id: string): Promise<MediaRecord | null>
  /** Files and bytes this owner uploaded at or after `since` (the per-identity upload quota). */
  mediaUsage(ownerOpenid: string, since: string): Promise<{ count: number; bytes: number }>
  /** Marks files as carried by a case (idempotent: the first mark stays). */
  markMediaAttached(ids: string[], at: string): Promise<void>
  /** Files never attached to a case, created before `before`, oldest first. */
  unattachedMedia(before: string, limit: number): Promise<MediaRecord[]>
  deleteMedia(id: string): Promise<void>

  // ---- platform access tokens and call throttles (shop adapter; shared by all instances)
  getToken(name: string): Promise<TokenRecord | null>
  /** Compare-and-set on the version (0 = none stored yet); false when another instance wrote first. */
  putToken(name: string, value: string, expiresAt: string, expectedVersion: number, at: string): Promise<boolean>
  /**
   * At most one grant per `intervalMs` per key across instances, decided in one atomic write
   * (e.g. the platform's one write call per minute per after-sale order).
   */
  takeThrottle(key: string, now: string, intervalMs: number): Promise<ThrottleResult>

  // ---- analytics and export, aggregated in the store (issue #22; adapters/case-facts)
  /**
   * The analytics figures of the cases matching `filter`, computed by the store: counts per week
   * (`weekBounds`: n + 1 ascending instants, week k = [bounds[k], bounds[k + 1]); a case outside
   * them counts in no week),
   * groups with distinct buyers, SLA verdicts at `now`, medians, money per remedy, ratings.
   */
  caseStats(filter: QueueFilter, opts: { weekBounds: string[]; now: string }): Promise<CaseStats>
  /** The export's columns of matching cases, newest first, a page at a time (keyset cursor). */
  listCaseRows(filter: QueueFilter, page: { limit: number; cursor?: string | null }): Promise<Page<CaseExportRow>>
  // ---- one-time keys of the shop's message pushes (replay protection; shared by all instances)
  /**
   * Remembers `key` until `expiresAt`, in one atomic write: true the first time, false while an
   * unexpired claim of the same key exists (a replay), whichever instance made it.
   */
  claimPushNonce(key: string, expiresAt: string, now: string): Promise<boolean>
  /** Forgets claims that expired before `now` (scheduler housekeeping); answers how many. */
  purgePushNonces(now: string, limit: number): Promise<number>

  // ---- issue 24: batch alerts, reaching a batch's buyers, post-delivery care
  /**
   * Opens a batch alert with its outbox rows (the staff alerts) in one atomic write, unless an
   * alert of the same key (`<skuId>@<batch>`) was opened within `windowMs` before `alert.openedAt`
   * (a guard per key, checked inside the write): then nothing is written and that alert is answered.
   */
  openBatchAlert(alert: BatchAlert, outbox: NewOutboxItem[], windowMs: number): Promise<{ created: boolean; alert: BatchAlert }>
  getBatchAlert(id: string): Promise<BatchAlert | null>
  /** Newest first; `openedFrom` bounds the opening time, `running` only alerts whose outreach is still running. */
  listBatchAlerts(opts: { limit: number; openedFrom?: string; openedTo?: string; running?: boolean }): Promise<BatchAlert[]>
  /** Compare-and-set on `version` (the stored one must be `expectedVersion`; `alert.version` is the new one); false when someone saved first. */
  saveBatchAlert(alert: BatchAlert, expectedVersion: number): Promise<boolean>
  /** Orders with an item of this SKU and batch ('' = no batch named), by order id, a page at a time. */
  listOrdersByBatch(skuId: string, batch: string, page: { limit: number; cursor?: string | null }): Promise<Page<OrderRecord>>
  /** Orders signed for in [from, to), oldest signing first, a page at a time (keyset on signing time and order id). */
  listDeliveredOrders(range: { from: string; to: string }, page: { limit: number; cursor?: string | null }): Promise<Page<OrderRecord>>
}

export type { Team, StaffRole }
