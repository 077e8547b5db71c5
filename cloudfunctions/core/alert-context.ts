/**
 * The context every staff alert carries, so the inbox, the subscription message and the WeCom line
 * say what it is about without opening the case: the product, the buyer, the reason, the money at
 * stake and the deadline. Built from the case as the command leaves it (decide's finish, openCase),
 * so the deadline is the one that runs after the move (a buyer's reply resumes the SLA).
 */
import { PAUSED_STATUSES, type Case, type StaffAlertContext } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { claimedValueFen } from './money'
import { valueOf } from './offers'
import { sellerDeadline } from './platform-status'

const MAX_NAMES = 3
/** product names are the shop's titles (no length limit): an alert line stays readable */
const MAX_PRODUCT_CHARS = 60

/** "明前龙井 ×2、茶杯" (at most three names, then "等N件"; long titles cut with "…"). */
export function productLine(c: Pick<Case, 'order' | 'claimedItems'>): string {
  const names = c.claimedItems.map((ci) => {
    const name = c.order.items.find((i) => i.skuId === ci.skuId)?.name ?? ci.skuId
    const short = name.length > MAX_PRODUCT_CHARS ? `${name.slice(0, MAX_PRODUCT_CHARS - 1)}…` : name
    return ci.qty > 1 ? `${short} ×${ci.qty}` : short
  })
  const shown = names.slice(0, MAX_NAMES).join('、')
  return names.length > MAX_NAMES ? `${shown} 等${names.length}件` : shown
}

/** The receiver's name on the order, else the buyer id masked to its last four characters. */
export function buyerLabel(c: Pick<Case, 'order' | 'buyerOpenid'>): string {
  const name = c.order.buyerName?.trim()
  if (name) return name
  const id = c.buyerOpenid.replace(/^channels:/, '')
  return `买家…${id.slice(-4)}`
}

/** The offer the money question is about: accepted, else on the table, else the one the last command declined. */
function moneyAtStake(c: Case): Pick<StaffAlertContext, 'amountFen' | 'amountKind'> {
  const accepted = c.offers.find((o) => o.id === c.acceptedOfferId)
  const offered = c.offers.filter((o) => o.status === 'offered')
  const last = [...c.offers].reverse().find((o) => o.status !== 'suggested')
  const pick = accepted
    ? { o: [accepted], kind: 'accepted' as const }
    : offered.length
      ? { o: offered, kind: 'offered' as const }
      : last?.status === 'declined'
        ? { o: [last], kind: 'declined' as const }
        : null
  // alternatives on the table: the largest of them is what the buyer may take
  const fen = pick ? Math.max(...pick.o.map(valueOf)) : 0
  if (pick && fen > 0) return { amountFen: fen, amountKind: pick.kind }
  return { amountFen: claimedValueFen(c.order, c.claimedItems), amountKind: 'claimed' }
}

/** The deadline the case runs against now: the seller's while the seller is to act, else the buyer's wait. */
function deadline(c: Case): Pick<StaffAlertContext, 'dueAt' | 'dueKind'> {
  const sla = c.sla
  const target = sla.stoppedAt || PAUSED_STATUSES.includes(c.status) ? null : !sla.firstResponse.metAt ? sla.firstResponse : !sla.resolution.metAt ? sla.resolution : null
  const platform = c.platform ? sellerDeadline(c.platform) : null
  if (target && target.pausedRemainingMs === null) return { dueAt: target.dueAt, dueKind: platform === target.dueAt ? 'platform' : 'sla' }
  if (platform) return { dueAt: platform, dueKind: 'platform' }
  if (c.buyerDeadline) return { dueAt: c.buyerDeadline.dueAt, dueKind: 'buyer' }
  return { dueAt: null, dueKind: null }
}

export function alertContext(c: Case, policy: Policy): StaffAlertContext {
  // a shop after-sale is named in the platform's own words and money (the buyer's 「不想要了」, not 「其他」)
  const label = c.platform?.reasonText || (policy.reasons.find((r) => r.code === c.reason)?.label ?? c.reason)
  const money = c.platform && c.platform.refundFen > 0 ? { amountFen: c.platform.refundFen, amountKind: 'claimed' as const } : moneyAtStake(c)
  return { product: productLine(c), buyer: buyerLabel(c), reason: c.reason, reasonLabel: label, ...money, ...deadline(c) }
}

/** Adds the case's context to each staff alert that has none (one context per call: the same case). */
export function withAlertContext<E extends { kind: string }>(events: E[], c: Case, policy: Policy): E[] {
  const bare = (e: E) => e.kind === 'staff_alert' && !(e as { context?: unknown }).context
  if (!events.some(bare)) return events
  const context = alertContext(c, policy)
  return events.map((e) => (bare(e) ? { ...e, context, caseNo: c.caseNo, team: c.team } : e))
}
