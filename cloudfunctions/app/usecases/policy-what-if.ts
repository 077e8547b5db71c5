import type { z } from 'zod'
import {
  WHAT_IF_FIELDS,
  type HitRate,
  type WhatIfChange,
  type WhatIfField,
  type WhatIfInputSchema,
  type WhatIfMoneyRow,
  type WhatIfSummary,
  type WhatIfView,
} from '@contract/actions'
import { OFFER_KIND_LABELS, OPEN_STATUSES, PAUSED_STATUSES, type Case, type SlaState } from '@contract/domain'
import { parsePolicy, type Policy } from '@contract/policy'
import { SEVERITY_EXPLAINED, reasonLabelOf } from '@contract/policy-labels'
import {
  buyerDeadline,
  cashOf,
  computeSeverity,
  formatLocalTime,
  markFirstResponse,
  pauseSla,
  restartResolution,
  resumeSla,
  routeCase,
  startSla,
  stopSla,
  suggestOffers,
  type OfferDraft,
} from '../../core'
import { toMs } from '../../core/tz'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy } from '../shared'
import { markRulesPreviewed, RulesWhatIf } from './rules-what-if'

/** One run reads at most this many cases of the range (newest first); the answer says when it stopped. */
export const WHAT_IF_MAX_CASES = 50_000
export const WHAT_IF_DEFAULT_DAYS = 30
const PAGE = 100
const DAY_MS = 86_400_000

/**
 * Policy what-if: replays each case created in the range (default: the last 30 days) through the
 * core under the live policy and under the draft — severity (computeSeverity), team (routeCase),
 * suggested offers with their amounts and approval need (suggestOffers), the buyer's current wait
 * deadline (buyerDeadline) and both SLA targets (startSla → pause / resume / first response /
 * stop at the instants the case's timeline records) — and reports what would change. Pages through
 * the store, holding one page of cases at a time.
 *
 * Facts a case does not keep are taken as the case recorded them: the buyer's refund history as
 * its risk flag (risky ⇒ exactly at the live threshold), a minor defect when the engine offered a
 * minor-defect remedy, damaged units = claimed units; the roster is left out (team only).
 *
 * @example const view = await previewPolicy(deps, { policy: draft, changedLimit: 100 })
 */
export async function previewPolicy(deps: Deps, input: z.output<typeof WhatIfInputSchema>): Promise<WhatIfView> {
  const { policy: current, version } = await livePolicy(deps)
  const parsed = parsePolicy({ ...(input.policy as object), version: version + 1 })
  if (!parsed.ok) throw new AppError('VALIDATION', parsed.errors[0] ?? '策略校验失败', { errors: parsed.errors })
  const view = await runWhatIf(deps, current, version, parsed.policy, input, input.changedLimit)
  // the owner has now seen what exactly these rules would have done: they may be saved
  if (view.autoRules) await markRulesPreviewed(deps, view.autoRules.token)
  return view
}

/**
 * The what-if of `draft` against `current` over the range, reading the store page by page. One run
 * at a time for the shop (a lease in the store, shared by every instance: a second run is refused
 * with CONFLICT); the replay runs in slices of at most SLICE_MS and yields to the event loop
 * between them, so an instance keeps answering other requests; between pages it checks whether
 * the owner cancelled the run (`cancel_preview`).
 */
export async function runWhatIf(
  deps: Deps,
  current: Policy,
  baseVersion: number,
  draft: Policy,
  range: { from?: string; to?: string },
  changedLimit: number,
): Promise<WhatIfView> {
  const now = deps.now()
  const to = range.to ?? now
  const from = range.from ?? new Date(toMs(to) - WHAT_IF_DEFAULT_DAYS * DAY_MS).toISOString()
  const lease = await takeWhatIfLease(deps)
  try {
    const acc = new WhatIfAccumulator(current, draft, now, changedLimit, baseVersion)
    let cursor: string | null = null
    let truncated = false
    let slice = performance.now()
    for (;;) {
      await lease.check()
      const page = await deps.store.listCases({ createdFrom: from, createdTo: to }, { limit: PAGE, cursor, order: 'created_desc' })
      for (const c of page.items) {
        if (acc.cases >= WHAT_IF_MAX_CASES) {
          truncated = true
          break
        }
        acc.add(c)
        if (performance.now() - slice > SLICE_MS) {
          await new Promise((r) => setImmediate(r))
          slice = performance.now()
        }
      }
      if (truncated || !page.next) break
      cursor = page.next
    }
    return acc.view({ from, to, generatedAt: now, baseVersion, truncated })
  } finally {
    await lease.release()
  }
}

// ---------------------------------------------------------------- one run at a time, cancellable

/** Replay this long, then let the event loop answer other requests. */
export const SLICE_MS = 10
/** A run's lease lasts this long past its last check (a crashed run frees the shop after it). */
export const WHAT_IF_LEASE_MS = 2 * 60_000
const LEASE = 'what-if-run'

interface LeaseValue {
  runId: string | null
  expiresAt: string
  cancelled: boolean
}

const leaseOf = (v: Record<string, unknown> | undefined): LeaseValue => ({
  runId: typeof v?.runId === 'string' ? v.runId : null,
  expiresAt: typeof v?.expiresAt === 'string' ? v.expiresAt : '1970-01-01T00:00:00.000Z',
  cancelled: v?.cancelled === true,
})
const live = (l: LeaseValue, now: string) => !!l.runId && toMs(l.expiresAt) > toMs(now)
const BUSY = '另一次策略预演正在计算，请等它完成或先取消它'

/** Takes the shop's what-if lease (compare-and-set on a named state in the store) or refuses with CONFLICT. */
async function takeWhatIfLease(deps: Deps) {
  const runId = deps.newId()
  const expiry = () => new Date(toMs(deps.now()) + WHAT_IF_LEASE_MS).toISOString()
  const cur = await deps.store.getSyncState(LEASE)
  if (cur && live(leaseOf(cur.value), deps.now())) throw new AppError('CONFLICT', BUSY, { reason: 'what_if_running' })
  if (!(await deps.store.saveSyncState(LEASE, { runId, expiresAt: expiry(), cancelled: false }, cur?.version ?? 0, deps.now()))) {
    throw new AppError('CONFLICT', BUSY, { reason: 'what_if_running' })
  }
  return {
    /** Stops the run when it was cancelled (or its lease lost); renews the lease once half of it has passed. */
    async check() {
      for (;;) {
        const s = await deps.store.getSyncState(LEASE)
        const l = leaseOf(s?.value)
        if (!s || l.runId !== runId || l.cancelled) throw new AppError('CONFLICT', '策略预演已取消', { reason: 'what_if_cancelled' })
        if (toMs(l.expiresAt) - toMs(deps.now()) > WHAT_IF_LEASE_MS / 2) return
        if (await deps.store.saveSyncState(LEASE, { ...l, expiresAt: expiry() }, s.version, deps.now())) return
      }
    },
    /** Frees the shop for the next run (unless someone else holds the lease by now). */
    async release() {
      for (let i = 0; i < 5; i++) {
        const s = await deps.store.getSyncState(LEASE)
        if (!s || leaseOf(s.value).runId !== runId) return
        if (await deps.store.saveSyncState(LEASE, { runId: null, expiresAt: deps.now(), cancelled: false }, s.version, deps.now())) return
      }
    },
  }
}

/** Cancels the shop's running what-if (the run stops at its next page); answers whether one was running. */
export async function cancelWhatIf(deps: Deps): Promise<{ cancelled: boolean }> {
  for (let i = 0; i < 5; i++) {
    const s = await deps.store.getSyncState(LEASE)
    const l = leaseOf(s?.value)
    if (!s || !live(l, deps.now()) || l.cancelled) return { cancelled: false }
    if (await deps.store.saveSyncState(LEASE, { ...l, cancelled: true }, s.version, deps.now())) return { cancelled: true }
  }
  throw new AppError('CONFLICT', '预演状态正在变化，请重试')
}

// ---------------------------------------------------------------- pure replay

/** What one case looks like under one policy. */
export interface Replayed {
  severity: Case['severity']
  team: string
  /** rules of the suggested offers, in order */
  offer: string
  offerLabel: string
  /** money of the offer the case lands on: cash + coupon + gift */
  amountFen: number
  remedy: string
  approval: boolean
  buyerDeadline: string | null
  sla: 'met' | 'breached' | 'open'
}

/**
 * Replays the facts of `c` under `policy`. `live` is the policy the risk flag was judged by.
 * `slaFor(severity)` may answer the SLA outcome without re-running the clocks (see the accumulator).
 */
export function replayCase(c: Case, policy: Policy, live: Policy, now: string, slaFor?: (severity: Case['severity']) => Replayed['sla'] | null): Replayed {
  const sev = computeSeverity({ reason: c.reason, description: c.description }, policy).severity
  const team = routeCase({ reason: c.reason, severity: sev }, [], policy, null).team
  const suggestion = suggestOffers(
    {
      order: c.order,
      claimedItems: c.claimedItems,
      reason: c.reason,
      severity: sev,
      minorDefect: c.offers.some((o) => o.rule.startsWith('minor_defect')),
      now: c.createdAt,
    },
    policy,
    { refundCount90d: c.flags.risk ? live.compensation.riskRefundCount90d : 0 },
  )
  const offers = suggestion.offers
  const landed = landingOffer(c, offers)
  return {
    severity: sev,
    team,
    offer: offers.map((o) => o.rule).join('+'),
    offerLabel: offers.map((o) => OFFER_KIND_LABELS[o.kind] ?? o.kind).join('或') || '无',
    amountFen: landed ? cashOf(landed) + landed.couponFen + landed.giftValueFen : 0,
    remedy: landed?.kind ?? 'none',
    approval: offers.some((o) => o.needsSupervisor),
    buyerDeadline: deadlineOf(c, policy),
    sla: slaFor?.(sev) ?? slaOutcome(replaySla(c, sev, policy), now),
  }
}

/** The engine rule the staff actually used, when it is still suggested; else the first suggestion. */
function landingOffer(c: Case, offers: OfferDraft[]): OfferDraft | undefined {
  const used = c.offers.find((o) => o.id === c.acceptedOfferId) ?? c.offers.find((o) => o.status === 'offered')
  return (used && offers.find((o) => o.rule === used.rule)) ?? offers[0]
}

/** The case's current buyer deadline, re-dated from the moment it entered its waiting status. */
function deadlineOf(c: Case, policy: Policy): string | null {
  if (!c.buyerDeadline) return null
  const entered = [...c.timeline].reverse().find((e) => e.toStatus === c.status && e.fromStatus !== c.status)
  return buyerDeadline(c.buyerDeadline.kind, entered?.at ?? c.updatedAt, policy).dueAt
}

/** The SLA clocks re-run under `policy` along the case's timeline (same rules as the core's decide). */
export function replaySla(c: Case, severity: Case['severity'], policy: Policy): SlaState {
  let sla = startSla(severity, c.createdAt, policy)
  const firstAt = c.sla.firstResponse.metAt
  for (const e of c.timeline) {
    if (e.type === 'opened' || e.type === 'routed' || e.at < c.createdAt) continue
    if (firstAt && !sla.firstResponse.metAt && firstAt <= e.at) sla = markFirstResponse(sla, firstAt)
    const from = e.fromStatus
    const to = e.toStatus
    if (!from || !to) continue
    if (e.type === 'appeal') sla = restartResolution(sla, e.at, policy)
    else if (!OPEN_STATUSES.includes(to)) sla = stopSla(sla, e.at, to === 'resolved')
    else if (PAUSED_STATUSES.includes(to) && !PAUSED_STATUSES.includes(from)) sla = pauseSla(sla, e.at, policy)
    else if (!PAUSED_STATUSES.includes(to) && PAUSED_STATUSES.includes(from)) sla = resumeSla(sla, e.at, policy)
  }
  if (firstAt && !sla.firstResponse.metAt) sla = markFirstResponse(sla, firstAt)
  return sla
}

/** Met: every measured target met by its due time; breached: one met late or open past due; open: nothing decided yet. */
export function slaOutcome(sla: SlaState, now: string): Replayed['sla'] {
  let measured = false
  for (const t of [sla.firstResponse, sla.resolution]) {
    if (t.metAt) {
      measured = true
      if (t.metAt > t.dueAt) return 'breached'
    } else if (!sla.stoppedAt && t.pausedRemainingMs === null && now > t.dueAt) return 'breached'
  }
  return measured ? 'met' : 'open'
}

const money = (fen: number) => `¥${(fen / 100).toFixed(2)}`
const SLA_TEXT: Record<Replayed['sla'], string> = { met: '达标', breached: '超时', open: '未结束' }

class WhatIfAccumulator {
  cases = 0
  private changedCases = 0
  private counts = Object.fromEntries(WHAT_IF_FIELDS.map((f) => [f, 0])) as Record<WhatIfField, number>
  private slaFlip = { metToBreached: 0, breachedToMet: 0 }
  private hits = { before: { hit: 0, total: 0 }, after: { hit: 0, total: 0 } }
  private money = new Map<string, WhatIfMoneyRow>()
  private changes: WhatIfChange[] = []
  private rules: RulesWhatIf

  /** severities whose SLA targets (and the calendar) the draft leaves as they are */
  private sameSla: Set<Case['severity']>

  constructor(
    private current: Policy,
    private draft: Policy,
    private now: string,
    private changedLimit: number,
    private baseVersion: number,
  ) {
    const sameCalendar = JSON.stringify(current.calendar) === JSON.stringify(draft.calendar)
    this.rules = new RulesWhatIf(draft, current)
    this.sameSla = new Set((['P1', 'P2', 'P3'] as const).filter((s) => sameCalendar && JSON.stringify(current.sla.targets[s]) === JSON.stringify(draft.sla.targets[s])))
  }

  add(c: Case) {
    this.cases++
    this.rules.add(c)
    // Business-calendar arithmetic is most of a replay's cost, so the clocks are re-run only where
    // they can differ: a case filed under the live version at the severity it still gets already
    // holds the live policy's clocks, and the draft's are the same when it keeps that severity's
    // targets and the calendar.
    const stored = c.policyVersion === this.baseVersion ? c.severity : null
    const a = replayCase(c, this.current, this.current, this.now, (sev) => (sev === stored ? slaOutcome(c.sla, this.now) : null))
    const b = replayCase(c, this.draft, this.current, this.now, (sev) => (sev === a.severity && this.sameSla.has(sev) ? a.sla : null))
    const tz = this.current.calendar.timezone
    const fields: WhatIfChange['fields'] = []
    const diff = (field: WhatIfField, x: string, y: string, bx = x, by = y) => {
      if (x === y) return
      this.counts[field]++
      fields.push({ field, before: bx, after: by })
    }
    diff('severity', a.severity, b.severity, SEVERITY_EXPLAINED[a.severity].short, SEVERITY_EXPLAINED[b.severity].short)
    diff('team', a.team, b.team, teamLabel(this.current, a.team), teamLabel(this.draft, b.team))
    diff('offer', a.offer, b.offer, a.offerLabel, b.offerLabel)
    diff('amount', String(a.amountFen), String(b.amountFen), money(a.amountFen), money(b.amountFen))
    diff('approval', String(a.approval), String(b.approval), a.approval ? '需要' : '不需要', b.approval ? '需要' : '不需要')
    const dl = (iso: string | null) => (iso ? formatLocalTime(toMs(iso), tz) : '无')
    diff('buyerDeadline', a.buyerDeadline ?? '', b.buyerDeadline ?? '', dl(a.buyerDeadline), dl(b.buyerDeadline))
    diff('sla', a.sla, b.sla, SLA_TEXT[a.sla], SLA_TEXT[b.sla])
    if (a.sla === 'met' && b.sla === 'breached') this.slaFlip.metToBreached++
    if (a.sla === 'breached' && b.sla === 'met') this.slaFlip.breachedToMet++
    for (const [side, r] of [['before', a], ['after', b]] as const) {
      if (r.sla === 'open') continue
      this.hits[side].total++
      if (r.sla === 'met') this.hits[side].hit++
    }
    this.addMoney(a.remedy, a.amountFen, 'beforeFen')
    this.addMoney(b.remedy, b.amountFen, 'afterFen')
    if (fields.length) {
      this.changedCases++
      if (this.changes.length < this.changedLimit) {
        this.changes.push({
          caseId: c.id,
          caseNo: c.caseNo,
          createdAt: c.createdAt,
          product: c.order.items.find((i) => i.skuId === c.claimedItems[0]?.skuId)?.name ?? '',
          reasonLabel: reasonLabelOf(this.current, c.reason),
          fields,
        })
      }
    }
  }

  private addMoney(remedy: string, fen: number, side: 'beforeFen' | 'afterFen') {
    if (fen === 0) return
    const row = this.money.get(remedy) ?? { remedy, label: OFFER_KIND_LABELS[remedy as keyof typeof OFFER_KIND_LABELS] ?? remedy, beforeFen: 0, afterFen: 0, diffFen: 0 }
    row[side] += fen
    row.diffFen = row.afterFen - row.beforeFen
    this.money.set(remedy, row)
  }

  view(head: Pick<WhatIfSummary, 'from' | 'to' | 'generatedAt' | 'baseVersion' | 'truncated'>): WhatIfView {
    const rows = [...this.money.values()].sort((x, y) => Math.abs(y.diffFen) - Math.abs(x.diffFen) || x.remedy.localeCompare(y.remedy))
    const beforeFen = rows.reduce((s, r) => s + r.beforeFen, 0)
    const afterFen = rows.reduce((s, r) => s + r.afterFen, 0)
    return {
      ...head,
      cases: this.cases,
      changedCases: this.changedCases,
      counts: this.counts,
      sla: { ...this.slaFlip, before: rate(this.hits.before), after: rate(this.hits.after) },
      money: { rows, beforeFen, afterFen, diffFen: afterFen - beforeFen },
      ...(this.draft.autoRules?.length ? { autoRules: this.rules.view() } : {}),
      changes: this.changes,
    }
  }
}

function teamLabel(p: Policy, code: string) {
  return p.teams.find((t) => t.code === code)?.label ?? code
}

function rate(h: { hit: number; total: number }): HitRate {
  return { hit: h.hit, total: h.total, rate: h.total ? Math.round((h.hit / h.total) * 10000) / 10000 : null }
}

/** The summary part of a view (what a policy version records). */
export function summaryOf(v: WhatIfView): WhatIfSummary {
  const { changes: _c, ...summary } = v
  return summary
}
