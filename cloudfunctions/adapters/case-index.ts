/**
 * Columns / fields both store adapters derive from a Case document so that queues, the buyer list
 * and the scheduler can query without opening the document. Shared so the two adapters cannot drift.
 */
import type { Case, CaseStatus } from '@contract/domain'
import type { OrderRecord } from '../ports/store'
import type { Policy } from '@contract/policy'
import { nextTimers, warnAt, type SlaLevel } from '../core/sla'

/** Statuses that are not "open" in the queue sense (QueueFilter.open). */
export const NOT_OPEN: readonly CaseStatus[] = ['resolved', 'closed', 'cancelled', 'rejected']
export const FINAL: readonly CaseStatus[] = ['closed', 'cancelled']
/** Sort key for cases with nothing scheduled, so `due_asc` puts them last. */
export const NO_DUE = '9999-12-31T23:59:59.999Z'

/**
 * Open-case counts for routing stop here: past it an agent is simply "very busy" and ties go to
 * whoever was assigned least recently. Keeps a submit's routing cost flat as the shop grows.
 */
export const OPEN_COUNT_CAP = 1000

/** Sort key before every real instant: "already happened" (an SLA breached long ago). */
export const SINCE_EVER = '0000-01-01T00:00:00.000Z'

/** Normalise any ISO-8601 instant to `YYYY-MM-DDTHH:mm:ss.sssZ` so string order = time order. */
export function iso(s: string): string {
  const ms = Date.parse(s)
  if (Number.isNaN(ms)) throw new Error(`not an ISO-8601 instant: ${s}`)
  return new Date(ms).toISOString()
}

/**
 * The next instant the scheduler must look at this case, or null when nothing is time-driven
 * (closed / cancelled). It is the earliest of the timers the core would schedule (SLA warning,
 * SLA breach of the active target unless paused / stopped / already breached, the buyer deadline),
 * computed as of the case's last write. A warning that already fell due before that write but was
 * not sent yet is due immediately (`updatedAt`), so a save in the warning zone cannot swallow it.
 *
 * The scheduler is expected to act on due cases (which saves them and moves this forward);
 * a case it decides to leave alone stays due.
 */
export function caseDueAt(c: Case, policy: Policy): string | null {
  if (FINAL.includes(c.status)) return null
  const times = nextTimers(c, c.updatedAt, policy).map((t) => iso(t.at))
  const sla = c.sla
  if (!sla.stoppedAt && !sla.pausedAt && !sla.warnedAt && !sla.breachedAt) {
    const active = !sla.firstResponse.metAt ? sla.firstResponse : !sla.resolution.metAt ? sla.resolution : null
    if (active && active.pausedRemainingMs === null && warnAt(active, c.updatedAt, policy) === null) times.push(iso(c.updatedAt))
  }
  if (!times.length) return null
  return times.reduce((a, b) => (a < b ? a : b))
}

/**
 * When the SLA badge of this case (core `slaState`) turns to warning and to breached, as two
 * instants, so that "which cases are in state S at `now`" is a range query on stored fields:
 *
 *   breached ⇔ breachAt < now      warning ⇔ warnAt ≤ now ≤ breachAt      on time ⇔ now < warnAt
 *
 * (`warnAt ≤ breachAt` always). It mirrors slaState exactly, over every unmet target (first
 * response and resolution, the worst one wins):
 * - a running target warns when its time left (in its own clock, business hours included) reaches
 *   (1 − warnRatio) × target and breaches the instant after its due time;
 * - a case already marked breached (`breachedAt`) is breached from then on (SINCE_EVER);
 * - a paused clock (waiting on the buyer) is frozen: its state is what it was when it paused —
 *   on time (never moves: NO_DUE), or warning when little time was left; a target that was
 *   already overdue when it paused keeps its due time and counts as breached;
 * - a stopped clock (resolved / rejected / closed / cancelled) is on time unless it breached.
 * Derived with the policy of the case's version, like `caseDueAt`; the queue view evaluates the
 * badge with the live policy, so an edit of warnRatio / business hours reaches a case's stored
 * warning instant on its next save.
 */
export function slaMarks(c: Pick<Case, 'sla'>, policy: Policy): { warnAt: string; breachAt: string } {
  const sla = c.sla
  if (sla.stoppedAt) return sla.breachedAt ? { warnAt: SINCE_EVER, breachAt: SINCE_EVER } : { warnAt: NO_DUE, breachAt: NO_DUE }
  let warn = NO_DUE
  let breach = sla.breachedAt ? SINCE_EVER : NO_DUE
  const warnShare = 1 - policy.sla.warnRatio
  for (const t of [sla.firstResponse, sla.resolution]) {
    if (t.metAt) continue
    let w: string
    let b: string
    if (t.pausedRemainingMs !== null) {
      // frozen while paused: remaining time does not move, nor does the state
      w = t.pausedRemainingMs <= warnShare * t.targetMs ? SINCE_EVER : NO_DUE
      b = NO_DUE
    } else {
      // warnAt from the target's start: the instant its time left reaches the warning share
      w = iso(warnAt(t, t.startedAt, policy) ?? t.startedAt)
      b = iso(t.dueAt)
    }
    if (w < warn) warn = w
    if (b < breach) breach = b
  }
  return { warnAt: warn < breach ? warn : breach, breachAt: breach }
}

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
  open: boolean
  slaDueAt: string | null
  dueSort: string
  /** SLA badge turns to warning at this instant (see slaMarks) */
  slaWarnAt: string
  /** SLA badge turns to breached right after this instant (see slaMarks) */
  slaBreachAt: string
  createdAt: string
  updatedAt: string
}

/**
 * Version of the derivation below. Bump it whenever a derived field changes meaning: each adapter
 * re-derives every stored case once when it opens a store indexed by an older version.
 */
export const CASE_INDEX_VERSION = 4

/**
 * Queue order "what is due first": the earlier of the next timer and the running SLA target's due
 * time. A case already past its SLA keeps its (past) due time and so stays at the top even after
 * the scheduler marked the breach; paused and stopped clocks fall back to the next timer.
 */
export function queueDueSort(c: Case, nextTimer: string | null): string {
  const sla = c.sla
  const running = !sla.stoppedAt && !sla.pausedAt ? (!sla.firstResponse.metAt ? sla.firstResponse : !sla.resolution.metAt ? sla.resolution : null) : null
  const t = nextTimer ?? NO_DUE
  if (!running || NOT_OPEN.includes(c.status)) return t
  const d = iso(running.dueAt)
  return d < t ? d : t
}

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
    open: !NOT_OPEN.includes(c.status),
    slaDueAt: due,
    dueSort: queueDueSort(c, due),
    slaWarnAt: marks.warnAt,
    slaBreachAt: marks.breachAt,
    createdAt: iso(c.createdAt),
    updatedAt: iso(c.updatedAt),
  }
}

/** The stored-field conditions for "the SLA badge shows `state` at `at`" (see slaMarks). */
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

export function isNewerVersion(next: Case, expectedVersion: number): void {
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
