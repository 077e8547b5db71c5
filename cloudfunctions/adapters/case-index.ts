/**
 * Columns / fields both store adapters derive from a Case document so that queues, the buyer list
 * and the scheduler can query without opening the document. Shared so the two adapters cannot drift.
 */
import { OPEN_STATUSES, type Case, type CaseStatus } from '@contract/domain'
import type { OrderRecord } from '../ports/store'
import type { Policy } from '@contract/policy'
import { caseDueAt, iso, NO_DUE, queueDueSort, slaMarks, type SlaLevel } from '../core'

export { iso, NO_DUE }

/**
 * Open-case counts for routing stop here: past it an agent is simply "very busy" and ties go to
 * whoever was assigned least recently. Keeps a submit's routing cost flat as the shop grows.
 */
export const OPEN_COUNT_CAP = 1000

/** The queryable projection of a case (same names in both adapters, snake_case in SQL). */
export interface CaseIndex {
  id: string
  version: number
  caseNo: string
  buyerOpenid: string
  orderId: string
  status: CaseStatus
  team: string
  assigneeId: string | null
  severity: string
  reason: string
  escalated: boolean
  /** some refund of this case did not fail (repeat-refund risk counts these) */
  refunded: boolean
  /** flagged as a risky buyer's case (trust rule: no risk flag in 90 days) */
  risk: boolean
  open: boolean
  slaDueAt: string | null
  dueSort: string
  /** SLA badge turns to warning at this instant (core slaMarks) */
  slaWarnAt: string
  /** SLA badge turns to breached right after this instant (core slaMarks) */
  slaBreachAt: string
  createdAt: string
  updatedAt: string
}

/**
 * Version of the derivation below. Bump it whenever a derived field changes meaning: each adapter
 * re-derives every stored case once when it opens a store indexed by an older version.
 * 6: the analytics / export facts (./case-facts) joined the derived fields.
 * 7: 差评 follow-up and 回访 facts.
 * 8: the 差评's opening and first reach-out (time, who) for the export.
 * 9: CloudBase keeps the follow-up task fields (../case-tasks) on the case document.
 */
export const CASE_INDEX_VERSION = 9

export function caseIndex(c: Case, policy: Policy): CaseIndex {
  const due = caseDueAt(c, policy)
  const marks = slaMarks(c, policy)
  return {
    id: c.id,
    version: c.version,
    caseNo: c.caseNo,
    buyerOpenid: c.buyerOpenid,
    orderId: c.order.orderId,
    status: c.status,
    team: c.team,
    assigneeId: c.assigneeId,
    severity: c.severity,
    reason: c.reason,
    escalated: c.flags.escalated,
    refunded: c.refunds.some((r) => r.status !== 'failed'),
    risk: c.flags.risk,
    open: OPEN_STATUSES.includes(c.status),
    slaDueAt: due,
    dueSort: queueDueSort(c, due),
    slaWarnAt: marks.warnAt,
    slaBreachAt: marks.breachAt,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  }
}

/** The stored-field conditions for "the SLA badge shows `state` at `at`" (core slaMarks). */
export function slaRange(state: SlaLevel, at: string): { warnAt?: { lte?: string; gt?: string }; breachAt?: { lt?: string; gte?: string } } {
  const now = iso(at)
  switch (state) {
    case 'breached':
      return { breachAt: { lt: now } }
    case 'warning':
      return { warnAt: { lte: now }, breachAt: { gte: now } }
    case 'on_time':
      return { warnAt: { gt: now } }
  }
}

/** Opaque keyset cursor: the sort key and id of the last row of the page. */
export function encodeCursor(order: string, key: string, id: string): string {
  return Buffer.from(JSON.stringify([order, key, id]), 'utf8').toString('base64url')
}
export function decodeCursor(cursor: string, order: string): { key: string; id: string } {
  let v: unknown
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    throw new Error('invalid cursor')
  }
  if (!Array.isArray(v) || v.length !== 3 || v[0] !== order || typeof v[1] !== 'string' || typeof v[2] !== 'string') {
    throw new Error('invalid cursor')
  }
  return { key: v[1], id: v[2] }
}

/** Human-readable case number: YYYYMMDD + 4-digit sequence of that day (grows past 9999). */
export function formatCaseNo(day: string, n: number): string {
  return `${day.replace(/-/g, '')}${String(n).padStart(4, '0')}`
}

export function assertNewerVersion(next: Case, expectedVersion: number): void {
  if (!(next.version > expectedVersion)) {
    throw new Error(`saveCase: next.version (${next.version}) must be greater than expectedVersion (${expectedVersion})`)
  }
}

/**
 * Sort key of the logistics watch index: the shipping time of an order that is shipped, not signed
 * and not yet watched; NO_DUE otherwise, so `watchDue <= cutoff` reads only candidates.
 */
export function orderWatchDue(o: OrderRecord): string {
  return o.order.shippedAt && !o.order.deliveredAt && !o.watchedAt ? iso(o.order.shippedAt) : NO_DUE
}
