/**
 * What the queue and the scheduler read without opening a case: when the case is next due, its
 * queue order, and when its SLA badge turns to warning / breached. Domain rules (they mirror
 * `slaState` and `nextTimers`); the store adapters only store what these return.
 */
import { FINAL_STATUSES, OPEN_STATUSES, type Case } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { activeTarget, nextTimers, targetToWarn, warnAt, warnLeftMs } from './sla'
import { toIso, toMs } from './tz'
import { earliestPlatformDeadline } from './dispute-status'

/** Sort key for "never": cases with nothing scheduled sort last under `due_asc`. */
export const NO_DUE = '9999-12-31T23:59:59.999Z'
/** Sort key before every real instant: "already happened" (an SLA breached long ago). */
export const SINCE_EVER = '0000-01-01T00:00:00.000Z'

/** Normalise any ISO-8601 instant to `YYYY-MM-DDTHH:mm:ss.sssZ` so string order = time order. */
export function iso(s: string): string {
  return toIso(toMs(s))
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
  if (FINAL_STATUSES.includes(c.status)) return null
  const times = nextTimers(c, c.updatedAt, policy).map((t) => iso(t.at))
  // a target's warning that fell due before this write but was not sent yet is due now
  if (targetToWarn(c.sla, c.updatedAt, policy)) times.push(iso(c.updatedAt))
  if (!times.length) return null
  return times.reduce((a, b) => (a < b ? a : b))
}

/**
 * When the SLA badge of this case (`slaState`) turns to warning and to breached, as two
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
  for (const t of [sla.firstResponse, sla.resolution]) {
    if (t.metAt) continue
    let w: string
    let b: string
    if (t.pausedRemainingMs !== null) {
      // frozen while paused: remaining time does not move, nor does the state
      w = t.pausedRemainingMs <= warnLeftMs(t, policy) ? SINCE_EVER : NO_DUE
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

/**
 * Queue order "what is due first": the earlier of the next timer (`caseDueAt`) and the running
 * SLA target's due time. A case already past its SLA keeps its (past) due time and so stays at the
 * top even after the scheduler marked the breach; paused and stopped clocks fall back to the next
 * timer.
 */
export function queueDueSort(c: Case, nextTimer: string | null): string {
  const sla = c.sla
  const running = !sla.stoppedAt && !sla.pausedAt ? activeTarget(sla) : null
  // a platform deadline (dispute, 客诉工单) sorts the case like an SLA due time
  const platformDue = earliestPlatformDeadline(c)
  const t0 = nextTimer ?? NO_DUE
  const t = platformDue && iso(platformDue) < t0 ? iso(platformDue) : t0
  if (!running || !OPEN_STATUSES.includes(c.status)) return t
  const d = iso(running.dueAt)
  return d < t ? d : t
}
