import type { z } from 'zod'
import type { AnalyticsGroupRow, AnalyticsInputSchema, AnalyticsView, DisputeStats, FollowUpStats, HitRate, MoneyRow, RisingProblem } from '@contract/actions'
import { CASE_TYPE_LABELS, OFFER_KIND_LABELS, REASON_DEFAULTS, type Case, type SlaTargetState } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { Deps } from '../deps'
import type { CaseStats, CaseStatsGroup } from '../../ports/store'
import { caseMoney, disputeFact, reviewFollowedAt } from '../../adapters/case-facts'
import { iso } from '../../core'
import { livePolicy } from '../shared'
import { localDate, addDays, weekdayOf, toMs, zonedToMs } from '../../core/tz'

const DEFAULT_WEEKS = 8

/**
 * Prevention analytics (DESIGN §3, seed 003 §5) over the cases created in a range: cases by
 * reason, product, SKU and batch per week with their repeat rate, the top rising problems, SLA hit
 * rates, median times to first response and to resolution, money by remedy and CSAT.
 * Default range: the last 8 weeks up to now (weeks start on Monday in the shop's time zone).
 * The store aggregates (Store.caseStats: SQL on SQLite, aggregate pipelines on CloudBase): no
 * case document is read, whatever the number of cases in the range (`truncated` stays false).
 *
 * @example const view = await analytics(deps, { from: '2026-10-01T00:00:00Z', to: '2026-11-24T00:00:00Z' })
 */
export async function analytics(deps: Deps, input: z.output<typeof AnalyticsInputSchema>): Promise<AnalyticsView> {
  const { policy } = await livePolicy(deps)
  const now = deps.now()
  const range = rangeOf(input, now, policy)
  const tz = policy.calendar.timezone
  const weeks = weeksBetween(range.from, range.to, tz)
  const [stats, batchAlerts] = await Promise.all([
    deps.store.caseStats({ createdFrom: range.from, ...(input.to ? { createdTo: input.to } : {}) }, { weekBounds: weekBounds(weeks, tz), now }),
    // batch alerts of the range and what the owner did about them (issue 24)
    deps.store.listBatchAlerts({ limit: 50, openedFrom: range.from, ...(input.to ? { openedTo: input.to } : {}) }),
  ])
  return { ...analyticsFromStats(stats, now, policy, { ...range, weeks }), batchAlerts }
}

/** The instant each week (Monday, shop time) starts, and the end of the last one. */
export function weekBounds(weeks: string[], tz: string): string[] {
  const days = weeks.length ? [...weeks, addDays(weeks[weeks.length - 1], 7)] : []
  return days.map((d) => new Date(zonedToMs(d, 0, tz)).toISOString())
}

/**
 * The analytics view from the store's aggregates (Store.caseStats), with the definitions of
 * computeAnalytics below (which stays the reference the store contract compares against).
 */
export function analyticsFromStats(
  stats: CaseStats,
  now: string,
  policy: Policy,
  range: { from: string; to: string; weeks: string[] },
): AnalyticsView {
  const reasonLabel = (code: string) => policy.reasons.find((r) => r.code === code)?.label ?? REASON_DEFAULTS[code as Case['reason']]?.label ?? code
  const rows = (groups: CaseStatsGroup[], label: (g: CaseStatsGroup) => string): AnalyticsGroupRow[] =>
    groups
      .map((g) => ({ key: g.key, label: label(g), total: g.total, perWeek: g.perWeek, repeatRate: round4((g.total - g.buyers) / g.total) }))
      .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key))

  const rising: RisingProblem[] = []
  const weeks = range.weeks
  if (weeks.length >= 2) {
    const last = weeks.length - 1
    for (const g of stats.byReasonSku) {
      const latest = g.perWeek[last]
      const previousAvg = round2(g.perWeek.slice(0, last).reduce((s, n) => s + n, 0) / last)
      const delta = round2(latest - previousAvg)
      if (latest > 0 && delta > 0) {
        const bar = g.key.indexOf('|')
        const reason = g.key.slice(0, bar)
        rising.push({ key: g.key, reason, reasonLabel: reasonLabel(reason), skuId: g.key.slice(bar + 1), product: g.name, latest, previousAvg, delta })
      }
    }
    rising.sort((a, b) => b.delta - a.delta || b.latest - a.latest || a.key.localeCompare(b.key))
  }

  const fr = { hit: 0, total: 0 }
  const res = { hit: 0, total: 0 }
  const all = { hit: 0, total: 0 }
  for (const { firstResponse: a, resolution: b, n } of stats.sla) {
    if (a !== 'pending') {
      fr.total += n
      if (a === 'hit') fr.hit += n
    }
    if (b !== 'pending') {
      res.total += n
      if (b === 'hit') res.hit += n
    }
    if (a !== 'pending' || b !== 'pending') {
      all.total += n
      if (a !== 'miss' && b !== 'miss') all.hit += n
    }
  }

  const money = [...stats.money].sort((a, b) => b.totalFen - a.totalFen || a.remedy.localeCompare(b.remedy))
  const d = stats.ratings
  const count = d.reduce((s, n) => s + n, 0)
  const sum = d.reduce((s, n, i) => s + n * (i + 1), 0)
  return {
    from: range.from,
    to: range.to,
    generatedAt: now,
    timezone: policy.calendar.timezone,
    weeks,
    totalCases: stats.total,
    truncated: false,
    perWeek: stats.perWeek,
    repeatRate: stats.total ? round4((stats.total - stats.buyers) / stats.total) : null,
    byReason: rows(stats.byReason, (g) => reasonLabel(g.key)),
    byProduct: rows(stats.byProduct, (g) => g.name),
    bySku: rows(stats.bySku, (g) => `${g.name}（${g.key}）`),
    byBatch: rows(stats.byBatch, (g) => `${g.name} 批次 ${g.batch || '未知'}`),
    rising: rising.slice(0, 5),
    sla: { firstResponse: rate(fr.hit, fr.total), resolution: rate(res.hit, res.total), overall: rate(all.hit, all.total) },
    times: {
      medianFirstResponseMs: stats.times.firstResponse.medianMs,
      firstResponseCount: stats.times.firstResponse.count,
      medianResolutionMs: stats.times.resolution.medianMs,
      resolutionCount: stats.times.resolution.count,
    },
    money: { rows: money, totalFen: money.reduce((s, r) => s + r.totalFen, 0) },
    csat: {
      count,
      average: count ? round2(sum / count) : null,
      satisfiedRate: count ? round4((d[3] + d[4]) / count) : null,
      distribution: [d[0], d[1], d[2], d[3], d[4]],
    },
    followUps: followUpsOf(stats.reviews, stats.visits),
    disputes: disputesOf(stats.disputes),
  }
}

/** The dispute figures from counts per `disputeFact` (outcome | answered in time | seller timed out). */
export function disputesOf(facts: CaseStats['disputes']): DisputeStats {
  const out: DisputeStats = { opened: 0, open: 0, won: 0, lost: 0, closed: 0, answeredInTime: 0, sellerTimeouts: 0 }
  for (const { fact, n } of facts) {
    const [outcome, inTime, timedOut] = fact.split('|')
    out.opened += n
    if (outcome === 'won' || outcome === 'lost' || outcome === 'closed' || outcome === 'open') out[outcome] += n
    if (inTime === '1') out.answeredInTime += n
    if (timedOut === '1') out.sellerTimeouts += n
  }
  return out
}

/** The follow-up figures from counts per (follow-up verdict, closing outcome) and per 回访 outcome. */
function followUpsOf(reviews: CaseStats['reviews'], visits: CaseStats['visits']): FollowUpStats {
  const total = reviews.reduce((s, r) => s + r.n, 0)
  const timed = reviews.filter((r) => r.follow !== 'pending').reduce((s, r) => s + r.n, 0)
  const hit = reviews.filter((r) => r.follow === 'hit').reduce((s, r) => s + r.n, 0)
  const count = (o: string | null) => reviews.filter((r) => r.outcome === o).reduce((s, r) => s + r.n, 0)
  const visit = (o: string) => visits.filter((v) => v.outcome === o).reduce((s, v) => s + v.n, 0)
  return {
    reviews: total,
    onTime: rate(hit, timed),
    updated: rate(count('updated'), total),
    outcomes: { updated: count('updated'), not_updated: count('not_updated'), unreachable: count('unreachable'), open: count(null) },
    visits: { total: visits.reduce((s, v) => s + v.n, 0), satisfied: visit('satisfied'), not_satisfied: visit('not_satisfied'), unreachable: visit('unreachable') },
  }
}

/** The requested range, or the last 8 shop-time weeks (Monday 00:00) up to now (open-ended: cases created this instant count). */
export function rangeOf(input: { from?: string; to?: string }, now: string, policy: Policy): { from: string; to: string } {
  const to = input.to ?? now
  if (input.from) return { from: input.from, to }
  const tz = policy.calendar.timezone
  const monday = weekStart(localDate(toMs(to), tz))
  const startDay = addDays(monday, -7 * (DEFAULT_WEEKS - 1))
  return { from: new Date(zonedToMs(startDay, 0, tz)).toISOString(), to }
}

// ---------------------------------------------------------------- pure aggregation

/**
 * Pure aggregation of `cases` as seen at `now` under `policy`. Range defaults to the span of the
 * cases. Definitions:
 * - a case is a *repeat* in a group when the same buyer filed an earlier case in that group;
 * - *rising*: reason × SKU pairs whose count in the latest week exceeds the average of the earlier
 *   weeks of the range, biggest growth first (top 5);
 * - SLA: a target is a hit when met by its due time; a miss when met late, recorded as breached,
 *   or still open past due; running targets are not counted. Overall = cases with at least one
 *   measured target and no miss;
 * - money: succeeded or pending refunds by purpose, coupon and gift value of the accepted offer,
 *   and the goods value of replacements sent, grouped by the accepted offer's kind (else the type);
 * - CSAT: share of ratings of 4 or 5.
 *
 * @example computeAnalytics(cases, '2026-11-23T06:00:00Z', defaultPolicy).byReason[0]
 */
export function computeAnalytics(
  cases: Case[],
  now: string,
  policy: Policy,
  range?: { from: string; to: string; truncated?: boolean },
): AnalyticsView {
  const tz = policy.calendar.timezone
  const sorted = [...cases].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1))
  const from = range?.from ?? sorted[0]?.createdAt ?? now
  const to = range?.to ?? now
  const weeks = weeksBetween(from, to, tz)
  const weekIndex = new Map(weeks.map((w, i) => [w, i]))
  const weekOf = (c: Case) => weekIndex.get(weekStart(localDate(toMs(c.createdAt), tz))) ?? -1

  const reasonLabel = (code: string) => policy.reasons.find((r) => r.code === code)?.label ?? REASON_DEFAULTS[code as Case['reason']]?.label ?? code
  const skusOf = (c: Case) => {
    const ids = [...new Set(c.claimedItems.map((i) => i.skuId))]
    return ids.map((id) => {
      const item = c.order.items.find((i) => i.skuId === id)
      return { skuId: id, name: item?.name ?? id, batch: item?.batch ?? '' }
    })
  }

  const groups = {
    reason: new GroupCounter(weeks.length),
    product: new GroupCounter(weeks.length),
    sku: new GroupCounter(weeks.length),
    batch: new GroupCounter(weeks.length),
  }
  const pairs = new GroupCounter(weeks.length)
  const pairInfo = new Map<string, { reason: string; skuId: string; product: string }>()
  const perWeek = new Array<number>(weeks.length).fill(0)
  const buyersSeen = new Set<string>()
  let repeats = 0

  for (const c of sorted) {
    const w = weekOf(c)
    if (w >= 0) perWeek[w]++
    if (buyersSeen.has(c.buyerOpenid)) repeats++
    buyersSeen.add(c.buyerOpenid)
    groups.reason.add(c.reason, reasonLabel(c.reason), c.buyerOpenid, w)
    const skus = skusOf(c)
    // a case counts once per product, SKU and batch it claims
    for (const name of new Set(skus.map((s) => s.name))) groups.product.add(name, name, c.buyerOpenid, w)
    for (const s of skus) {
      groups.sku.add(s.skuId, `${s.name}（${s.skuId}）`, c.buyerOpenid, w)
      const batchKey = `${s.skuId}@${s.batch || '-'}`
      groups.batch.add(batchKey, `${s.name} 批次 ${s.batch || '未知'}`, c.buyerOpenid, w)
      const pairKey = `${c.reason}|${s.skuId}`
      pairs.add(pairKey, pairKey, c.buyerOpenid, w)
      pairInfo.set(pairKey, { reason: c.reason, skuId: s.skuId, product: s.name })
    }
  }

  const rising: RisingProblem[] = []
  if (weeks.length >= 2) {
    const last = weeks.length - 1
    for (const row of pairs.rows()) {
      const latest = row.perWeek[last]
      const previousAvg = round2(row.perWeek.slice(0, last).reduce((s, n) => s + n, 0) / last)
      const delta = round2(latest - previousAvg)
      if (latest > 0 && delta > 0) {
        const info = pairInfo.get(row.key)!
        rising.push({ key: row.key, reason: info.reason, reasonLabel: reasonLabel(info.reason), skuId: info.skuId, product: info.product, latest, previousAvg, delta })
      }
    }
    rising.sort((a, b) => b.delta - a.delta || b.latest - a.latest || a.key.localeCompare(b.key))
  }

  return {
    from,
    to,
    generatedAt: now,
    timezone: tz,
    weeks,
    totalCases: sorted.length,
    truncated: range?.truncated ?? false,
    perWeek,
    repeatRate: sorted.length ? round4(repeats / sorted.length) : null,
    byReason: groups.reason.rows(),
    byProduct: groups.product.rows(),
    bySku: groups.sku.rows(),
    byBatch: groups.batch.rows(),
    rising: rising.slice(0, 5),
    sla: slaHitRates(sorted, now),
    times: responseTimes(sorted),
    money: moneyByRemedy(sorted),
    csat: csatOf(sorted),
    followUps: followUpsOfCases(sorted, now),
    disputes: disputesOf([...sorted.reduce((m, c) => {
      const f = disputeFact(c)
      if (f) m.set(f, (m.get(f) ?? 0) + 1)
      return m
    }, new Map<string, number>())].map(([fact, n]) => ({ fact, n }))),
  }
}

/**
 * 差评 follow-up: in time when the first contact attempt or public reply (else the closing) came by
 * the task's due time; one still running is late once past due, else not counted yet. 回访: the
 * recorded outcomes.
 */
function followUpsOfCases(cases: Case[], now: string): FollowUpStats {
  const reviews = new Map<string, CaseStats['reviews'][number]>()
  const visits = new Map<string, number>()
  for (const c of cases) {
    const r = c.reviewFollowUp
    if (r) {
      const at = reviewFollowedAt(c) ?? (r.closedAt ? iso(r.closedAt) : null)
      const due = iso(r.dueAt)
      const follow = at ? (at <= due ? 'hit' : 'miss') : iso(now) > due ? 'miss' : 'pending'
      const outcome = r.outcome ?? null
      const k = `${follow}|${outcome}`
      const row = reviews.get(k) ?? { follow, outcome, n: 0 }
      row.n++
      reviews.set(k, row)
    }
    const v = c.followUp?.outcome
    if (v) visits.set(v, (visits.get(v) ?? 0) + 1)
  }
  return followUpsOf([...reviews.values()], [...visits.entries()].map(([outcome, n]) => ({ outcome, n })))
}

class GroupCounter {
  private map = new Map<string, { label: string; total: number; perWeek: number[]; repeats: number; buyers: Set<string> }>()
  constructor(private weeks: number) {}
  /** cases must be added oldest first for the repeat rule */
  add(key: string, label: string, buyer: string, week: number) {
    let g = this.map.get(key)
    if (!g) {
      g = { label, total: 0, perWeek: new Array<number>(this.weeks).fill(0), repeats: 0, buyers: new Set() }
      this.map.set(key, g)
    }
    g.total++
    if (week >= 0) g.perWeek[week]++
    if (g.buyers.has(buyer)) g.repeats++
    g.buyers.add(buyer)
  }
  rows(): AnalyticsGroupRow[] {
    return [...this.map.entries()]
      .map(([key, g]) => ({ key, label: g.label, total: g.total, perWeek: g.perWeek, repeatRate: round4(g.repeats / g.total) }))
      .sort((a, b) => b.total - a.total || a.key.localeCompare(b.key))
  }
}

type Verdict = 'hit' | 'miss' | 'pending'

function targetVerdict(c: Case, name: 'firstResponse' | 'resolution', now: string): Verdict {
  const t: SlaTargetState = c.sla[name]
  const breachedHere = c.sla.breachedTarget === (name === 'firstResponse' ? 'first_response' : 'resolution')
  if (t.metAt) return !breachedHere && t.metAt <= t.dueAt ? 'hit' : 'miss'
  if (breachedHere) return 'miss'
  if (c.sla.stoppedAt) return 'pending'
  if (t.pausedRemainingMs === null && now > t.dueAt) return 'miss'
  return 'pending'
}

function rate(hit: number, total: number): HitRate {
  return { hit, total, rate: total ? round4(hit / total) : null }
}

function slaHitRates(cases: Case[], now: string): AnalyticsView['sla'] {
  const fr = { hit: 0, total: 0 }
  const res = { hit: 0, total: 0 }
  const all = { hit: 0, total: 0 }
  for (const c of cases) {
    const a = targetVerdict(c, 'firstResponse', now)
    const b = targetVerdict(c, 'resolution', now)
    if (a !== 'pending') {
      fr.total++
      if (a === 'hit') fr.hit++
    }
    if (b !== 'pending') {
      res.total++
      if (b === 'hit') res.hit++
    }
    if (a !== 'pending' || b !== 'pending') {
      all.total++
      if (a !== 'miss' && b !== 'miss') all.hit++
    }
  }
  return { firstResponse: rate(fr.hit, fr.total), resolution: rate(res.hit, res.total), overall: rate(all.hit, all.total) }
}

export function median(values: number[]): number | null {
  if (!values.length) return null
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2)
}

function responseTimes(cases: Case[]): AnalyticsView['times'] {
  const first: number[] = []
  const resolved: number[] = []
  for (const c of cases) {
    const created = toMs(c.createdAt)
    if (c.sla.firstResponse.metAt) first.push(Math.max(0, toMs(c.sla.firstResponse.metAt) - created))
    if (c.sla.resolution.metAt) resolved.push(Math.max(0, toMs(c.sla.resolution.metAt) - created))
  }
  return { medianFirstResponseMs: median(first), firstResponseCount: first.length, medianResolutionMs: median(resolved), resolutionCount: resolved.length }
}


function moneyByRemedy(cases: Case[]): AnalyticsView['money'] {
  const rows = new Map<string, MoneyRow>()
  for (const c of cases) {
    const accepted = c.acceptedOfferId ? c.offers.find((o) => o.id === c.acceptedOfferId) : undefined
    const remedy = accepted?.kind ?? c.type
    const label = accepted ? OFFER_KIND_LABELS[accepted.kind] ?? accepted.kind : CASE_TYPE_LABELS[c.type] ?? c.type
    const { refundFen, compensationFen, couponFen, giftFen, replacementFen } = caseMoney(c)
    const total = refundFen + compensationFen + couponFen + giftFen + replacementFen
    if (total === 0) continue
    const row = rows.get(remedy) ?? { remedy, label, cases: 0, refundFen: 0, compensationFen: 0, couponFen: 0, giftFen: 0, replacementFen: 0, totalFen: 0 }
    row.cases++
    row.refundFen += refundFen
    row.compensationFen += compensationFen
    row.couponFen += couponFen
    row.giftFen += giftFen
    row.replacementFen += replacementFen
    row.totalFen += total
    rows.set(remedy, row)
  }
  const list = [...rows.values()].sort((a, b) => b.totalFen - a.totalFen || a.remedy.localeCompare(b.remedy))
  return { rows: list, totalFen: list.reduce((s, r) => s + r.totalFen, 0) }
}

function csatOf(cases: Case[]): AnalyticsView['csat'] {
  const distribution: [number, number, number, number, number] = [0, 0, 0, 0, 0]
  let sum = 0
  let count = 0
  for (const c of cases) {
    if (!c.rating) continue
    const s = Math.min(5, Math.max(1, c.rating.score))
    distribution[s - 1]++
    sum += s
    count++
  }
  return {
    count,
    average: count ? round2(sum / count) : null,
    satisfiedRate: count ? round4((distribution[3] + distribution[4]) / count) : null,
    distribution,
  }
}

// ---------------------------------------------------------------- calendar helpers

/** Monday (YYYY-MM-DD) of the week containing `date`. */
export function weekStart(date: string): string {
  const wd = weekdayOf(date) // 0 = Sunday
  return addDays(date, -((wd + 6) % 7))
}

/** Mondays of every week touched by [from, to), oldest first (capped at 60 weeks). */
export function weeksBetween(from: string, to: string, tz: string): string[] {
  const first = weekStart(localDate(toMs(from), tz))
  const endMs = Math.max(toMs(from), toMs(to) - 1)
  const last = weekStart(localDate(endMs, tz))
  const out: string[] = []
  for (let d = first; d <= last && out.length < 60; d = addDays(d, 7)) out.push(d)
  return out
}

const round2 = (n: number) => Math.round(n * 100) / 100
const round4 = (n: number) => Math.round(n * 10000) / 10000
