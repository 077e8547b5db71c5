/**
 * The money guard (issue 19): the ONE answer to "how much may still go out on this case, and why".
 * Every command that pays or promises value asks it — approve, issue_refund, accept_offer, inspect
 * pass, decide_approval, platform accept, manual refunds (all through `addRefund`) — and so do the
 * engine's suggestions and the agent's form. Three caps, the tightest wins:
 *
 * - items: the claimed items' paid value (their share of discounts and shipping) minus what this
 *   and earlier cases of the order already paid for the same items;
 * - order: what the order paid minus everything its cases committed;
 * - incident: one incident (a late delivery of an order, a lost parcel, a defect of a unit) is
 *   compensated once across all cases of the order, linked cases included; per-day compensation is
 *   computed for the order, not per case.
 *
 * The other cases' share comes from the store's per-order ledger (`OrderLedger`, read and written in
 * the same transaction as the case), so the same caps hold across instances.
 */
import type { Case, ClaimedItem, OrderSnapshot, ReasonCode } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { claimedValueFen, committedFen, yuan } from './money'
import { localDate, toMs, DAY_MS } from './tz'

export type MoneyPurpose = 'refund' | 'compensation'

/** What the order's OTHER cases committed: in total, per SKU, per incident (the store's per-order ledger). */
export interface OrderLedger {
  committedFen: number
  itemsFen: Record<string, number>
  incidentsFen: Record<string, number>
}

export const EMPTY_LEDGER: OrderLedger = { committedFen: 0, itemsFen: {}, incidentsFen: {} }

/** Incidents of the whole order (compensated once per order); every other reason is an incident of the claimed units. */
const ORDER_INCIDENTS: ReadonlySet<ReasonCode> = new Set<ReasonCode>(['late_delivery', 'lost_parcel'])

const INCIDENT_LABELS: Partial<Record<ReasonCode, string>> = { late_delivery: '本单晚到', lost_parcel: '本单包裹丢失' }

/** Whole days late beyond the promised date (shop-local calendar dates); 0 when not late. */
export function daysLate(order: OrderSnapshot, nowIso: string, tz: string): number {
  if (!order.promisedDeliveryAt) return 0
  const promised = localDate(toMs(order.promisedDeliveryAt), tz)
  const arrived = localDate(order.deliveredAt ? toMs(order.deliveredAt) : toMs(nowIso), tz)
  const diff = Math.round((Date.parse(`${arrived}T00:00:00Z`) - Date.parse(`${promised}T00:00:00Z`)) / DAY_MS)
  return Math.max(0, diff)
}

type CaseFacts = Pick<Case, 'reason' | 'order' | 'claimedItems'>

/** The incident a case is about: its key is the same on every case of the order that is about it. */
export function incidentKey(c: CaseFacts): string {
  if (ORDER_INCIDENTS.has(c.reason)) return c.reason
  const skus = [...new Set(c.claimedItems.map((i) => i.skuId))].sort()
  return `${c.reason}:${skus.join(',')}`
}

/** The most the incident may be compensated with, over all cases of the order, and a Chinese name for it. */
export function incidentCap(c: CaseFacts, policy: Policy, now: string): { capFen: number; label: string } {
  const cp = policy.compensation
  if (c.reason === 'late_delivery') {
    // without a promised date the policy's cap is the limit; with one, ¥/day for the days late, capped
    if (!c.order.promisedDeliveryAt) return { capFen: cp.lateCapFen, label: INCIDENT_LABELS.late_delivery! }
    const days = daysLate(c.order, now, policy.calendar.timezone)
    return { capFen: Math.min(days * cp.latePerDayFen, cp.lateCapFen), label: days > 0 ? `本单晚到${days}天` : '本单未晚到' }
  }
  if (c.reason === 'lost_parcel') return { capFen: c.order.paidFen, label: INCIDENT_LABELS.lost_parcel! }
  return { capFen: claimedValueFen(c.order, c.claimedItems), label: '该问题' }
}

/** Paid value of each claimed SKU (the claimed quantity), and of the whole line the order holds. */
function skuValues(order: OrderSnapshot, claimed: ClaimedItem[]): Array<{ skuId: string; claimedFen: number; lineFen: number }> {
  const seen = new Map<string, number>()
  for (const i of claimed) seen.set(i.skuId, (seen.get(i.skuId) ?? 0) + i.qty)
  return [...seen].map(([skuId, qty]) => {
    const line = order.items.find((i) => i.skuId === skuId)
    return { skuId, claimedFen: claimedValueFen(order, [{ skuId, qty }]), lineFen: line ? claimedValueFen(order, [{ skuId, qty: line.qty }]) : 0 }
  })
}

/** Splits `fen` over the claimed SKUs by their value (integer fen; the rest goes to the last). */
function spread(fen: number, parts: Array<{ skuId: string; claimedFen: number }>): Record<string, number> {
  const total = parts.reduce((s, p) => s + p.claimedFen, 0)
  const out: Record<string, number> = {}
  let given = 0
  parts.forEach((p, i) => {
    const share = i === parts.length - 1 ? fen - given : total > 0 ? Math.floor((fen * p.claimedFen) / total) : Math.floor(fen / parts.length)
    out[p.skuId] = (out[p.skuId] ?? 0) + share
    given += share
  })
  return out
}

/**
 * What this case has committed (refunds + compensation that did not fail), per SKU and per
 * incident. Refunds are money for the claimed items; compensation is money for the incident (and,
 * when the incident is about units, for those units too).
 */
export function caseLedger(c: Pick<Case, 'reason' | 'order' | 'claimedItems' | 'refunds'>): OrderLedger {
  const key = incidentKey(c)
  const unitIncident = !ORDER_INCIDENTS.has(c.reason)
  const parts = skuValues(c.order, c.claimedItems)
  const itemsFen: Record<string, number> = {}
  const incidentsFen: Record<string, number> = {}
  for (const r of c.refunds) {
    if (r.status === 'failed' || r.amountFen <= 0) continue
    if (r.purpose === 'compensation') {
      const k = r.incident ?? key
      incidentsFen[k] = (incidentsFen[k] ?? 0) + r.amountFen
    }
    if ((r.purpose === 'refund' || unitIncident) && parts.length) {
      for (const [sku, fen] of Object.entries(spread(r.amountFen, parts))) itemsFen[sku] = (itemsFen[sku] ?? 0) + fen
    }
  }
  return { committedFen: committedFen(c), itemsFen, incidentsFen }
}

/** Adds ledgers up (the order's cases). */
export function sumLedgers(ledgers: Array<Partial<OrderLedger> | undefined>): OrderLedger {
  const out: OrderLedger = { committedFen: 0, itemsFen: {}, incidentsFen: {} }
  for (const l of ledgers) {
    if (!l) continue
    out.committedFen += l.committedFen ?? 0
    for (const [k, v] of Object.entries(l.itemsFen ?? {})) out.itemsFen[k] = (out.itemsFen[k] ?? 0) + v
    for (const [k, v] of Object.entries(l.incidentsFen ?? {})) out.incidentsFen[k] = (out.incidentsFen[k] ?? 0) + v
  }
  return out
}

export interface MoneyRoom {
  /** the most that may still go out on this case for this purpose (fen, ≥ 0) */
  maxFen: number
  /** which cap binds */
  binding: 'order' | 'items' | 'incident'
  orderLeftFen: number
  itemsLeftFen: number
  incidentLeftFen: number
  incidentCapFen: number
  /** Chinese, names the number: "本单该商品还可退¥40" */
  reason: string
}

export interface MoneyGuardInput {
  policy: Policy
  now: string
  /** the order's OTHER cases (the store's per-order ledger without this case) */
  ledger?: OrderLedger
}

/** How much may still go out on `c` as `purpose`, and why that much. */
export function moneyRoom(c: Pick<Case, 'reason' | 'order' | 'claimedItems' | 'refunds'>, purpose: MoneyPurpose, { policy, now, ledger = EMPTY_LEDGER }: MoneyGuardInput): MoneyRoom {
  const own = caseLedger(c)
  const orderLeft = Math.max(0, c.order.paidFen - ledger.committedFen - own.committedFen)
  let itemsLeft = 0
  for (const p of skuValues(c.order, c.claimedItems)) {
    const others = ledger.itemsFen[p.skuId] ?? 0
    const mine = own.itemsFen[p.skuId] ?? 0
    itemsLeft += Math.max(0, Math.min(p.claimedFen, p.lineFen - others) - mine)
  }
  const key = incidentKey(c)
  const { capFen, label } = incidentCap(c, policy, now)
  const incidentPaid = (ledger.incidentsFen[key] ?? 0) + (own.incidentsFen[key] ?? 0)
  const incidentLeft = Math.max(0, capFen - incidentPaid)

  const caps: Array<[MoneyRoom['binding'], number]> = [['order', orderLeft]]
  if (purpose === 'refund' || !ORDER_INCIDENTS.has(c.reason)) caps.push(['items', itemsLeft])
  if (purpose === 'compensation') caps.push(['incident', incidentLeft])
  const [binding, maxFen] = caps.reduce((a, b) => (b[1] < a[1] ? b : a))
  const reason =
    binding === 'order'
      ? `本单还可退${yuan(maxFen)}（实付${yuan(c.order.paidFen)}）`
      : binding === 'items'
        ? `本单该商品还可退${yuan(maxFen)}`
        : incidentPaid > 0
          ? `${label}已补偿${yuan(incidentPaid)}，同一问题最多补偿${yuan(capFen)}，还可补偿${yuan(maxFen)}`
          : `${label}最多补偿${yuan(capFen)}`
  return { maxFen, binding, orderLeftFen: orderLeft, itemsLeftFen: itemsLeft, incidentLeftFen: incidentLeft, incidentCapFen: capFen, reason }
}

/** The most that may go out on the case in any form (refund or compensation): nothing left = 0. */
export function anyRoomFen(c: Pick<Case, 'reason' | 'order' | 'claimedItems' | 'refunds'>, input: MoneyGuardInput): number {
  // nothing paid on the order yet (the common case; guards ask this for every button): the claimed items' value
  if (!input.ledger?.committedFen && committedFen(c) === 0) return Math.min(c.order.paidFen, Math.max(claimedValueFen(c.order, c.claimedItems), ORDER_INCIDENTS.has(c.reason) ? c.order.paidFen : 0))
  return Math.max(moneyRoom(c, 'refund', input).maxFen, moneyRoom(c, 'compensation', input).maxFen)
}
