/**
 * The figures analytics aggregates, derived from a case document by both store adapters and kept
 * next to it (SQLite: the `facts` JSON column; CloudBase: fields of the case document), so the
 * analytics page is a GROUP BY / aggregate pipeline in the store instead of reading whole cases
 * (issue #22). Shared so the two adapters cannot drift; the definitions are those of
 * app/usecases/analytics computeAnalytics, which stays the reference (the store contract checks
 * both against it).
 */
import { CASE_TYPE_LABELS, OFFER_KIND_LABELS, type Case, type SlaTargetState } from '@contract/domain'
import type { CaseExportRow } from '../ports/store'
import { iso, type CaseIndex } from './case-index'

/**
 * An SLA target's verdict as far as it is fixed by the document: `open` is decided at query time
 * (a miss once `now` is past its due instant, else still pending).
 */
export type StoredVerdict = 'hit' | 'miss' | 'pending' | 'open'

export interface CaseSkuFact {
  skuId: string
  /** product name (the order item's, else the SKU id) */
  name: string
  batch: string
  /** `${skuId}@${batch || '-'}` */
  batchKey: string
}

export interface CaseFacts {
  /** the claimed SKUs, each once */
  skuItems: CaseSkuFact[]
  /** the claimed products (names), each once */
  products: string[]
  slaFr: StoredVerdict
  slaFrDueAt: string
  slaRes: StoredVerdict
  slaResDueAt: string
  /** ms from creation to the first response / resolution, when met */
  frMs: number | null
  resMs: number | null
  /** accepted offer's kind, else the case type, and its label */
  remedy: string
  remedyLabel: string
  refundFen: number
  compensationFen: number
  couponFen: number
  giftFen: number
  replacementFen: number
  /** all of the above money */
  moneyFen: number
  /** 1–5, null when not rated */
  rating: number | null
  /** 差评 follow-up: first contact or public reply by its due time ('hit'), after it ('miss'), neither yet ('open': decided at query time); null = no 差评 */
  reviewFollow: StoredVerdict | null
  reviewDueAt: string | null
  /** how the 差评 follow-up closed (null while it runs or without one) */
  reviewOutcome: string | null
  /** what the 回访 found (null until recorded) */
  visitOutcome: string | null
  /** the 差评 (follow-up opened), its first reach-out (contact or public reply) and who did it; null without */
  reviewOpenedAt: string | null
  reviewFollowedAt: string | null
  reviewFollowedBy: string | null
  /** the platform dispute (纠纷单), `${outcome or 'open'}|${answered in time 0/1}|${seller timed out 0/1}`; null without one */
  disputeFact: string | null
  // what the export writes besides the index fields (a projection, never the document)
  caseType: Case['type']
  claimed: Array<{ skuId: string; qty: number; name: string; batch: string }>
  paidFen: number
  firstResponseAt: string | null
  resolvedAt: string | null
  policyVersion: number
}

export const FACT_FIELDS = [
  'skuItems', 'products', 'slaFr', 'slaFrDueAt', 'slaRes', 'slaResDueAt', 'frMs', 'resMs', 'remedy', 'remedyLabel',
  'refundFen', 'compensationFen', 'couponFen', 'giftFen', 'replacementFen', 'moneyFen', 'rating',
  'reviewFollow', 'reviewDueAt', 'reviewOutcome', 'visitOutcome',
  'reviewOpenedAt', 'reviewFollowedAt', 'reviewFollowedBy', 'disputeFact',
  'caseType', 'claimed', 'paidFen', 'firstResponseAt', 'resolvedAt', 'policyVersion',
] as const

function stored(c: Case, name: 'firstResponse' | 'resolution'): StoredVerdict {
  const t: SlaTargetState = c.sla[name]
  const breachedHere = c.sla.breachedTarget === (name === 'firstResponse' ? 'first_response' : 'resolution')
  if (t.metAt) return !breachedHere && t.metAt <= t.dueAt ? 'hit' : 'miss'
  if (breachedHere) return 'miss'
  if (c.sla.stoppedAt) return 'pending'
  if (t.pausedRemainingMs === null) return 'open'
  return 'pending'
}

/** When the 差评 follow-up first reached out (contact attempt or public reply), if it did. */
export function reviewFollowedAt(c: Case): string | null {
  return firstReachOut(c)?.at ?? null
}

/** The 差评 follow-up's first reach-out (contact attempt or public reply): when and by whom. */
function firstReachOut(c: Case): { at: string; by: string } | null {
  const r = c.reviewFollowUp
  if (!r) return null
  const all = [...r.contacts, ...(r.reply ? [r.reply] : [])].map((x) => ({ at: iso(x.at), by: x.by }))
  all.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
  return all[0] ?? null
}

function reviewFollow(c: Case): StoredVerdict | null {
  const r = c.reviewFollowUp
  if (!r) return null
  const at = reviewFollowedAt(c)
  if (at) return at <= iso(r.dueAt) ? 'hit' : 'miss'
  // closed without reaching out (e.g. unreachable recorded without a contact): late if past due
  if (r.closedAt) return iso(r.closedAt) <= iso(r.dueAt) ? 'hit' : 'miss'
  return 'open'
}

/** A dispute in one string the stores group by (analytics' dispute figures). */
export function disputeFact(c: Pick<Case, 'dispute'>): string | null {
  const d = c.dispute
  if (!d) return null
  return `${d.outcome ?? 'open'}|${d.answers.some((a) => a.beforeDeadline) ? 1 : 0}|${d.timeouts.includes(307) ? 1 : 0}`
}

/** The verdict of a stored one at `now` (analytics' targetVerdict). */
export const verdictAt = (v: StoredVerdict, dueAt: string, now: string): 'hit' | 'miss' | 'pending' =>
  v === 'open' ? (iso(now) > dueAt ? 'miss' : 'pending') : v

export function caseFacts(c: Case): CaseFacts {
  const ids = [...new Set(c.claimedItems.map((i) => i.skuId))]
  const skuItems = ids.map((skuId) => {
    const item = c.order.items.find((i) => i.skuId === skuId)
    const batch = item?.batch ?? ''
    return { skuId, name: item?.name ?? skuId, batch, batchKey: `${skuId}@${batch || '-'}` }
  })
  const created = Date.parse(c.createdAt)
  const since = (at: string | null | undefined) => (at ? Math.max(0, Date.parse(at) - created) : null)
  const accepted = c.acceptedOfferId ? c.offers.find((o) => o.id === c.acceptedOfferId) : undefined
  const { refundFen, compensationFen, couponFen, giftFen, replacementFen } = caseMoney(c)
  return {
    skuItems,
    products: [...new Set(skuItems.map((s) => s.name))],
    slaFr: stored(c, 'firstResponse'),
    slaFrDueAt: iso(c.sla.firstResponse.dueAt),
    slaRes: stored(c, 'resolution'),
    slaResDueAt: iso(c.sla.resolution.dueAt),
    frMs: since(c.sla.firstResponse.metAt),
    resMs: since(c.sla.resolution.metAt),
    remedy: accepted?.kind ?? c.type,
    remedyLabel: accepted ? OFFER_KIND_LABELS[accepted.kind] ?? accepted.kind : CASE_TYPE_LABELS[c.type] ?? c.type,
    refundFen,
    compensationFen,
    couponFen,
    giftFen,
    replacementFen,
    moneyFen: refundFen + compensationFen + couponFen + giftFen + replacementFen,
    rating: c.rating ? Math.min(5, Math.max(1, c.rating.score)) : null,
    reviewFollow: reviewFollow(c),
    reviewDueAt: c.reviewFollowUp ? iso(c.reviewFollowUp.dueAt) : null,
    reviewOutcome: c.reviewFollowUp?.outcome ?? null,
    visitOutcome: c.followUp?.outcome ?? null,
    reviewOpenedAt: c.reviewFollowUp ? iso(c.reviewFollowUp.openedAt) : null,
    reviewFollowedAt: firstReachOut(c)?.at ?? null,
    reviewFollowedBy: firstReachOut(c)?.by ?? null,
    disputeFact: disputeFact(c),
    caseType: c.type,
    claimed: c.claimedItems.map((ci) => {
      const item = c.order.items.find((i) => i.skuId === ci.skuId)
      return { skuId: ci.skuId, qty: ci.qty, name: item?.name ?? ci.skuId, batch: item?.batch ?? '' }
    }),
    paidFen: c.order.paidFen,
    firstResponseAt: c.sla.firstResponse.metAt ?? null,
    resolvedAt: c.sla.resolution.metAt ?? null,
    policyVersion: c.policyVersion,
  }
}

/** The export row of a stored case: its index fields and facts (both adapters build it the same way). */
export function exportRow(
  x: Pick<CaseIndex, 'id' | 'caseNo' | 'createdAt' | 'status' | 'reason' | 'severity' | 'team' | 'assigneeId' | 'orderId' | 'buyerOpenid' | 'slaWarnAt' | 'slaBreachAt' | 'escalated'>,
  f: CaseFacts,
): CaseExportRow {
  return {
    id: x.id,
    caseNo: x.caseNo,
    createdAt: x.createdAt,
    status: x.status,
    type: f.caseType,
    reason: x.reason,
    severity: x.severity,
    team: x.team,
    assigneeId: x.assigneeId ?? null,
    orderId: x.orderId,
    buyerOpenid: x.buyerOpenid,
    claimed: f.claimed,
    paidFen: f.paidFen,
    refundFen: f.refundFen,
    compensationFen: f.compensationFen,
    slaWarnAt: x.slaWarnAt,
    slaBreachAt: x.slaBreachAt,
    firstResponseAt: f.firstResponseAt,
    resolvedAt: f.resolvedAt,
    rating: f.rating,
    escalated: !!x.escalated,
    policyVersion: f.policyVersion,
    // facts derived before CASE_INDEX_VERSION 8 lack the 差评 times (re-derived at setup)
    review: f.reviewFollow ? {
      openedAt: f.reviewOpenedAt ?? null,
      followedAt: f.reviewFollowedAt ?? null,
      followedBy: f.reviewFollowedBy ?? null,
      follow: f.reviewFollow,
      dueAt: f.reviewDueAt ?? '',
      outcome: f.reviewOutcome,
    } : null,
    visitOutcome: f.visitOutcome ?? null,
  }
}

/** What a case gave, by kind: money that did not fail, the accepted offer's coupon, gifts and goods that left. */
export function caseMoney(c: Case): { refundFen: number; compensationFen: number; couponFen: number; giftFen: number; replacementFen: number } {
  const accepted = c.acceptedOfferId ? c.offers.find((o) => o.id === c.acceptedOfferId) : undefined
  const paid = c.refunds.filter((r) => r.status !== 'failed')
  const refundFen = paid.filter((r) => r.purpose === 'refund').reduce((s, r) => s + r.amountFen, 0)
  const compensationFen = paid.filter((r) => r.purpose === 'compensation').reduce((s, r) => s + r.amountFen, 0)
  const couponFen = accepted?.couponFen ?? 0
  const shipped = c.replacementShipments.filter((r) => r.status !== 'to_ship')
  const giftFen = shipped.reduce((s, r) => s + r.giftValueFen, 0)
  const replacementFen = shipped.reduce(
    (s, r) => s + r.items.reduce((t, i) => t + i.qty * (c.order.items.find((o) => o.skuId === i.skuId)?.unitPriceFen ?? 0), 0),
    0,
  )
  return { refundFen, compensationFen, couponFen, giftFen, replacementFen }
}
