/**
 * SLA clocks (DESIGN §3): first-response and resolution targets per severity, business-hours
 * calendar, paused while waiting on the buyer, warning at warnRatio, breach when past due.
 * Deadlines are always inside business hours and never move backwards.
 */
import { FINAL_STATUSES, type BuyerDeadline, type BuyerDeadlineKind, type Case, type Severity, type SlaState, type SlaTargetState } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { addBusinessMs, businessMsBetweenMs, type Calendar } from './calendar'
import { DAY_MS, toIso, toMs } from './tz'
import { platformDeadlines } from './dispute-status'

type TargetName = 'firstResponse' | 'resolution'
const TARGETS: TargetName[] = ['firstResponse', 'resolution']

/**
 * Due instant of `ms` on a clock from `from`. A calendar clock counts from the next opening when the
 * shop is closed (a holiday or a closed weekend does not eat the target), then aligns into business hours.
 */
function dueFrom(clock: SlaTargetState['clock'], from: number, ms: number, cal: Calendar): number {
  if (clock === '24x7') return from + ms
  return clock === 'business' ? addBusinessMs(from, ms, cal) : addBusinessMs(addBusinessMs(from, 0, cal) + ms, 0, cal)
}

/** The resolution is never due before the first response it follows (while that one is unmet). */
function resolutionAfterFirstResponse(sla: SlaState, cal: Calendar): SlaState {
  const fr = sla.firstResponse
  const res = sla.resolution
  if (fr.metAt || res.metAt || res.pausedRemainingMs !== null || fr.pausedRemainingMs !== null) return sla
  if (toMs(res.dueAt) >= toMs(fr.dueAt)) return sla
  const due = res.clock === '24x7' ? toMs(fr.dueAt) : addBusinessMs(toMs(fr.dueAt), 0, cal)
  return { ...sla, resolution: { ...res, dueAt: toIso(due) } }
}

/**
 * Time left (ms of the target's clock) at which a target turns to warning: (1 − warnRatio) × target,
 * rounded to whole ms so every reader (badge, timers, warning command) agrees on the same instant
 * (1 − 0.8 is 0.19999999999999996 in floating point).
 */
export function warnLeftMs(t: Pick<SlaTargetState, 'targetMs'>, policy: Policy): number {
  return Math.round((1 - policy.sla.warnRatio) * t.targetMs)
}

/** Remaining time of a target at `now`, in its own clock's ms (negative = overdue, calendar clock). */
export function remainingMs(t: SlaTargetState, now: number, cal: Calendar): number {
  if (t.pausedRemainingMs !== null) return t.pausedRemainingMs
  const due = toMs(t.dueAt)
  if (t.clock === 'business') return now > due ? -(now - due) : businessMsBetweenMs(now, due, cal)
  return due - now
}

function newTarget(clock: SlaTargetState['clock'], minutes: number, now: number, cal: Calendar): SlaTargetState {
  const targetMs = minutes * 60_000
  return { clock, targetMs, startedAt: toIso(now), dueAt: toIso(dueFrom(clock, now, targetMs, cal)), metAt: null, pausedRemainingMs: null, warnedAt: null }
}

export function startSla(severity: Severity, nowIso: string, policy: Policy): SlaState {
  const now = toMs(nowIso)
  const t = policy.sla.targets[severity]
  return resolutionAfterFirstResponse({
    severity,
    firstResponse: newTarget(t.firstResponse.clock, t.firstResponse.minutes, now, policy.calendar),
    resolution: newTarget(t.resolution.clock, t.resolution.minutes, now, policy.calendar),
    pausedAt: null,
    warnedAt: null,
    breachedAt: null,
    breachedTarget: null,
    stoppedAt: null,
  }, policy.calendar)
}

/** Restart the resolution clock (appeal re-opens a rejected case). */
export function restartResolution(sla: SlaState, nowIso: string, policy: Policy): SlaState {
  const t = policy.sla.targets[sla.severity].resolution
  return resolutionAfterFirstResponse({
    ...sla,
    resolution: newTarget(t.clock, t.minutes, toMs(nowIso), policy.calendar),
    pausedAt: null,
    stoppedAt: null,
    warnedAt: null,
  }, policy.calendar)
}

/** Pause (waiting on the buyer): remember remaining time; overdue targets keep their due time. */
export function pauseSla(sla: SlaState, nowIso: string, policy: Policy): SlaState {
  if (sla.pausedAt || sla.stoppedAt) return sla
  const now = toMs(nowIso)
  const next: SlaState = { ...sla, pausedAt: nowIso }
  for (const name of TARGETS) {
    const t = sla[name]
    if (t.metAt) continue
    const rem = remainingMs(t, now, policy.calendar)
    next[name] = { ...t, pausedRemainingMs: rem > 0 ? rem : null }
  }
  return next
}

/** Resume: due = now + remaining (in the target's clock), never earlier than before. */
export function resumeSla(sla: SlaState, nowIso: string, policy: Policy): SlaState {
  if (!sla.pausedAt || sla.stoppedAt) return sla
  const now = Math.max(toMs(nowIso), toMs(sla.pausedAt))
  const next: SlaState = { ...sla, pausedAt: null }
  for (const name of TARGETS) {
    const t = sla[name]
    if (t.pausedRemainingMs === null) continue
    const due = Math.max(dueFrom(t.clock, now, t.pausedRemainingMs, policy.calendar), toMs(t.dueAt))
    next[name] = { ...t, dueAt: toIso(due), pausedRemainingMs: null }
  }
  return resolutionAfterFirstResponse(next, policy.calendar)
}

export function markFirstResponse(sla: SlaState, nowIso: string): SlaState {
  if (sla.firstResponse.metAt) return sla
  return { ...sla, firstResponse: { ...sla.firstResponse, metAt: nowIso, pausedRemainingMs: null } }
}

export function stopSla(sla: SlaState, nowIso: string, resolved: boolean): SlaState {
  if (sla.stoppedAt) return sla
  const base = resolved ? markFirstResponse(sla, nowIso) : sla
  return {
    ...base,
    resolution: resolved && !base.resolution.metAt ? { ...base.resolution, metAt: nowIso, pausedRemainingMs: null } : base.resolution,
    pausedAt: null,
    stoppedAt: nowIso,
  }
}

export type SlaLevel = 'on_time' | 'warning' | 'breached'
export interface SlaReport {
  state: SlaLevel
  /** the target that decides the state (null when stopped) */
  target: 'first_response' | 'resolution' | null
  dueAt: string | null
  /** time left in the target's clock (negative = overdue) */
  msLeft: number | null
  paused: boolean
}

/** Where the SLA stands at `now`. */
export function slaState(c: Pick<Case, 'sla'>, nowIso: string, policy: Policy): SlaReport {
  const sla = c.sla
  const now = toMs(nowIso)
  if (sla.stoppedAt) {
    return { state: sla.breachedAt ? 'breached' : 'on_time', target: null, dueAt: null, msLeft: null, paused: false }
  }
  let worst: SlaReport | null = null
  const rank: Record<SlaLevel, number> = { on_time: 0, warning: 1, breached: 2 }
  for (const name of TARGETS) {
    const t = sla[name]
    if (t.metAt) continue
    const left = remainingMs(t, now, policy.calendar)
    const overdue = t.pausedRemainingMs === null && now > toMs(t.dueAt)
    const state: SlaLevel = overdue ? 'breached' : left <= warnLeftMs(t, policy) ? 'warning' : 'on_time'
    const rep: SlaReport = {
      state,
      target: name === 'firstResponse' ? 'first_response' : 'resolution',
      dueAt: t.dueAt,
      msLeft: left,
      paused: sla.pausedAt !== null,
    }
    if (!worst || rank[rep.state] > rank[worst.state]) worst = rep
  }
  if (!worst) return { state: sla.breachedAt ? 'breached' : 'on_time', target: null, dueAt: null, msLeft: null, paused: false }
  if (sla.breachedAt && worst.state !== 'breached') worst = { ...worst, state: 'breached' }
  return worst
}

/** The target the clock is running for: first response until met, then resolution (null when both are met). */
export function activeTarget(sla: SlaState): SlaTargetState | null {
  return !sla.firstResponse.metAt ? sla.firstResponse : !sla.resolution.metAt ? sla.resolution : null
}

/**
 * Whether this target's warning was sent. Older documents kept one `sla.warnedAt` for the case: it
 * belongs to the first response, or to the resolution when it came after the first response was met.
 */
export function targetWarned(sla: SlaState, name: TargetName): boolean {
  const t = sla[name]
  if (t.warnedAt !== undefined) return t.warnedAt !== null
  if (!sla.warnedAt) return false
  if (name === 'firstResponse') return !sla.firstResponse.metAt || sla.warnedAt <= sla.firstResponse.metAt
  return !!sla.firstResponse.metAt && sla.warnedAt > sla.firstResponse.metAt
}

/**
 * The target whose warning is due now and not sent yet (each target warns once on its own: a
 * first-response warning never stands in for the resolution's), or null. A running, unmet target
 * in its warning zone and not yet overdue (overdue is a breach, not a warning).
 */
export function targetToWarn(sla: SlaState, nowIso: string, policy: Policy): TargetName | null {
  if (sla.stoppedAt || sla.pausedAt) return null
  const now = toMs(nowIso)
  for (const name of TARGETS) {
    const t = sla[name]
    if (t.metAt || t.pausedRemainingMs !== null || targetWarned(sla, name) || now > toMs(t.dueAt)) continue
    if (remainingMs(t, now, policy.calendar) <= warnLeftMs(t, policy)) return name
  }
  return null
}

/** When the warning fires for the active target (null if paused, met or already past). */
export function warnAt(t: SlaTargetState, nowIso: string, policy: Policy): string | null {
  if (t.metAt || t.pausedRemainingMs !== null) return null
  const now = toMs(nowIso)
  const left = remainingMs(t, now, policy.calendar)
  const warnLeft = warnLeftMs(t, policy)
  if (left <= warnLeft) return null
  const ms = Math.round(left - warnLeft)
  return toIso(t.clock === 'business' ? addBusinessMs(now, ms, policy.calendar) : now + ms)
}

/** Buyer-side wait deadline (calendar days) for a status that waits on the buyer. */
export function buyerDeadline(kind: BuyerDeadlineKind, nowIso: string, policy: Policy): BuyerDeadline {
  const w = policy.buyerWait
  const days: Record<BuyerDeadlineKind, number> = {
    info: w.infoDays,
    offer: w.offerDays,
    return: w.returnShipDays,
    receipt: w.receiptDays,
    appeal: w.appealDays,
    rate: w.rateDays,
  }
  return { kind, dueAt: toIso(toMs(nowIso) + days[kind] * DAY_MS) }
}

export interface Timer {
  command: 'sla_warn' | 'sla_breach' | 'expire' | 'followup_remind' | 'shop_deadline_warn'
  at: string
  deadline?: BuyerDeadlineKind
}

/** Timers the adapter should schedule for this case (CloudBase timer trigger / local scheduler). */
export function nextTimers(c: Case, nowIso: string, policy: Policy): Timer[] {
  const out: Timer[] = []
  if (FINAL_STATUSES.includes(c.status)) return out
  const running = !c.sla.stoppedAt && !c.sla.pausedAt
  const t = running ? activeTarget(c.sla) : null
  if (running) {
    // every unmet target warns on its own
    for (const name of TARGETS) {
      if (targetWarned(c.sla, name)) continue
      const w = warnAt(c.sla[name], nowIso, policy)
      if (w) out.push({ command: 'sla_warn', at: w })
    }
  }
  if (t && !c.sla.breachedAt) out.push({ command: 'sla_breach', at: toIso(toMs(t.dueAt) + 1) })
  if (c.buyerDeadline) out.push({ command: 'expire', at: c.buyerDeadline.dueAt, deadline: c.buyerDeadline.kind })
  if (c.status === 'resolved' && c.followUp && !c.followUp.remindedAt) out.push({ command: 'followup_remind', at: c.followUp.dueAt })
  // the platform's deadlines (dispute, 客诉工单) warn the agent like an SLA
  for (const d of platformDeadlines(c)) if (!d.warned) out.push({ command: 'shop_deadline_warn', at: d.warnAt })
  return out
}
