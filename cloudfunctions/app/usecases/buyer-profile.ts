import type { BuyerPreferences, BuyerProfile, TrustChange } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { BuyerRecord, FilingContext, FilingQuery } from '../../ports/store'
import type { Deps } from '../deps'
import { toIso, toMs } from '../../core/tz'
import { lastLivePolicy, livePolicy } from '../shared'
import { shopBuyerId } from './channels-map'

const DAY = 86_400_000
/** The repeat-refund window (policy `riskRefundCount90d`) and the trust rule's clean window. */
export const RISK_WINDOW_DAYS = 90
/** Refunded cases are counted up to here (the risk threshold is at most 1,000 but nobody needs more). */
const REFUND_COUNT_CAP = 100
/** Orders read to learn the buyer's shop openid(s) from their unionid (one shop: one openid). */
const LINKED_ORDERS_READ = 5

/** Everything the desk knows about a buyer's standing, across the ids they are known under. */
export interface BuyerStanding {
  openid: string
  dedicatedRepId: string | null
  /** effective: the supervisor's decision if any, else the policy's rule */
  trusted: boolean
  trustSource: 'rule' | 'supervisor'
  /** cases with a refund that did not fail, filed in the last 90 days (capped at 100) */
  refundCount90d: number
  /** what the rule alone says, and on what */
  rule: { trusted: boolean; completedOrders: number; riskCases90d: number; minOrders: number; orderDays: number }
  /** the supervisors' trust decisions, oldest first */
  trustHistory: TrustChange[]
  /** every desk buyer id counted: the mini-program openid and `channels:<shop openid>` ids linked by unionid */
  ids: string[]
  /** what the buyer asked for in their last 回访 (this id's record, else the linked mini-program buyer's) */
  preferences: BuyerPreferences | null
}

/** Hints a caller may already hold (a platform after-sale or a shop order carries both). */
export interface BuyerHint {
  unionid?: string | null
  shopOpenid?: string | null
}

/** The core's BuyerProfile of a standing (what openCase and routing take). */
export function profileOf(s: BuyerStanding): BuyerProfile {
  return { openid: s.openid, dedicatedRepId: s.dedicatedRepId, trusted: s.trusted, refundCount90d: s.refundCount90d, trustSource: s.trustSource }
}

/** The decision a buyer record holds: a recorded one, else the legacy manual mark (it only ever meant "trusted"). */
function decisionOf(r: BuyerRecord | null | undefined): { override: boolean; history: TrustChange[] } | null {
  if (!r) return null
  if (r.trust) return r.trust.override === null ? null : { override: r.trust.override, history: r.trust.history }
  return r.trusted ? { override: true, history: [] } : null
}

interface Counts {
  refunded: number
  risk: number
  orders: number
}

/** The windows and caps of a standing's counts under a policy (what Store.filingContext takes). */
export function standingWindows(now: string, p: Policy): { riskFrom: string; deliveredFrom: string; caps: Counts } {
  const nowMs = toMs(now)
  return {
    riskFrom: toIso(nowMs - RISK_WINDOW_DAYS * DAY),
    deliveredFrom: toIso(nowMs - p.compensation.trustOrderDays * DAY),
    caps: { refunded: REFUND_COUNT_CAP, risk: 1, orders: p.compensation.trustMinOrders },
  }
}

/**
 * A filing's context (Store.filingContext) as buyerProfileFor's `own`. The read may have been sent
 * on the windows of `used` — the policy last read, so that it need not wait for the policy — and
 * the live policy decides: when its trust window or count differs, the signed-for orders are
 * counted again on it (one more read, only after the owner changed those numbers).
 */
export async function filedStanding(deps: Deps, ctx: FilingContext, now: string, used: Policy, live: Policy): Promise<OwnStanding> {
  const was = standingWindows(now, used)
  const is = standingWindows(now, live)
  const same = was.deliveredFrom === is.deliveredFrom && was.caps.orders === is.caps.orders
  const orders = same || !ctx.openid ? ctx.counts.orders : await deps.store.countOrders({ buyerOpenid: ctx.openid, deliveredFrom: is.deliveredFrom }, is.caps.orders)
  return { record: ctx.buyer, counts: { ...ctx.counts, orders } }
}

/**
 * A filing's one read (Store.filingContext) sent at once on the policy this instance read last —
 * an instance's first filing waits for the live one — and the live policy, read after it when
 * asked (`live()`: on CloudBase the policy head rode along with the read, so it shares it). What
 * was read on `used` is checked against the live policy before it is acted on (filedStanding).
 */
export function fileOnLastPolicy(deps: Deps, now: string, q: Omit<FilingQuery, 'riskFrom' | 'deliveredFrom' | 'caps'>) {
  const guess = lastLivePolicy(deps)
  let live = guess ? null : livePolicy(deps)
  const used = guess ? Promise.resolve(guess) : live!.then((l) => l.policy)
  const ctx = used.then((p) => deps.store.filingContext({ ...q, ...standingWindows(now, p) }))
  return { used, ctx, live: () => (live ??= ctx.then(() => livePolicy(deps), () => livePolicy(deps))) }
}

/**
 * What a filing already read of `openid` itself (Store.filingContext, read with standingWindows):
 * its record and its counts, and — when it asked — the mini-program buyer recorded with a unionid.
 */
export interface OwnStanding {
  record: BuyerRecord | null
  counts: Counts
  byUnionid?: { unionid: string; buyer: BuyerRecord | null }
}

/**
 * The buyer's standing for a new case or the staff's buyer panel, the same for every source
 * (mini-program submit, platform after-sale, linked case, logistics watch). One buyer may be known
 * under several desk ids: the mini-program openid, and `channels:<shop openid>` for shop
 * after-sales imported before their unionid was known; both are linked through the unionid
 * (the mini-program buyer's record, the shop orders carrying it). Their history is added up.
 *
 * Trust: a supervisor's / owner's decision (set_buyer_trust) if one stands, else the policy's rule:
 * at least `trustMinOrders` orders signed for in the last `trustOrderDays` days, and no refunded
 * and no risk-flagged case in the last 90 days.
 *
 * Round trips: the buyer record, the case counts of `openid` (refunded and risk-flagged in one
 * bounded read, Store.buyerCaseCounts) and its signed-for orders (once the policy is there) go out
 * together; the shop ids it links cost one more round (two reads for all of them, whatever their
 * number). A mini-program openid IS the buyer its unionid names (claimShopOrders records the
 * unionid on its own record, and one mini-program gives one person one openid), and its record
 * keeps the shop openids claimShopOrders saw: no lookup. A shop id's links (the mini-program
 * buyer and the shop orders carrying the unionid) go out with the record when the caller knows
 * the unionid, else one round later; so do a mini-program record's without recorded shop openids.
 * Every count is bounded (an index range with a cap), never a scan of the buyer's cases or orders.
 * A filing passes `own`: the record and the counts of `openid` it read with its order in one read
 * (Store.filingContext, windows from standingWindows), so only the linked ids' round is left.
 *
 * @example profileOf(await buyerProfileFor(deps, 'buyer-zhao', now, policy, { unionid: 'union-zhao' }))
 */
export async function buyerProfileFor(deps: Deps, openid: string, now: string, policy: Policy | Promise<Policy>, hint: BuyerHint = {}, own?: Promise<OwnStanding>): Promise<BuyerStanding> {
  const policyP = Promise.resolve(policy)
  const riskFrom = toIso(toMs(now) - RISK_WINDOW_DAYS * DAY)
  const countsOf = async (ids: string[]): Promise<Counts> => {
    // the case counts need no policy: they do not wait for it
    const [cases, orders] = await Promise.all([
      deps.store.buyerCaseCounts(ids, riskFrom, { refunded: REFUND_COUNT_CAP, risk: 1 }),
      policyP.then((p) => {
        const w = standingWindows(now, p)
        return deps.store.countOrders({ buyerOpenid: ids, deliveredFrom: w.deliveredFrom }, w.caps.orders)
      }),
    ])
    return { refunded: cases.refunded, risk: cases.risk, orders }
  }
  /** the mini-program buyer's record a unionid names, and the shop openids it links */
  type Links = [BuyerRecord | null, Array<string | undefined>]
  const shopId = openid.startsWith(shopBuyerId(''))
  // what the filing read already (one read for the order, the record and the counts), else read here
  const recordP = own ? own.then((o) => o.record) : deps.store.getBuyer(openid)
  const ordersOf = (u: string) => deps.store.listOrdersByUnionid(u, LINKED_ORDERS_READ).then((os) => os.map((o) => o.order.shopOpenid))
  const buyerByUnionid = async (u: string) => {
    const known = own && (await own).byUnionid
    return known && known.unionid === u ? known.buyer : deps.store.getBuyerByUnionid(u)
  }
  const byUnionid = (u: string): Promise<Links> =>
    shopId
      ? Promise.all([buyerByUnionid(u), ordersOf(u)])
      : // a mini-program openid's own record is the one a unionid names (see above), and it keeps
        // the shop openids claimShopOrders saw: the orders are read only for a record without them
        recordP.then(async (r): Promise<Links> => {
          const own = r?.unionid === u ? r : null
          return [own, own?.shopOpenids ? own.shopOpenids : await ordersOf(u)]
        })

  // this id's counts run meanwhile; the unionid's links go out with the record when the caller
  // knows the unionid, else as soon as the record names it
  const ownP = own ? own.then((o) => o.counts) : countsOf([openid])
  const hinted = hint.unionid || null
  const linksP = hinted ? byUnionid(hinted) : recordP.then((r): Links | Promise<Links> => (r?.unionid ? byUnionid(r.unionid) : [null, []]))
  const [record, [mpRecord, unionShopOpenids], p] = await Promise.all([recordP, linksP, policyP])

  const ids = new Set<string>([openid])
  if (mpRecord) ids.add(mpRecord.openid)
  const shopIds = [hint.shopOpenid, ...unionShopOpenids].filter((x): x is string => !!x)
  for (const s of shopIds) ids.add(shopBuyerId(s))
  // the linked ids' counts: one read of each kind for all of them
  const others = [...ids].filter((id) => id !== openid)
  const all = await Promise.all([ownP, ...(others.length ? [countsOf(others)] : [])])
  const sum = (k: keyof Counts) => all.reduce((s, c) => s + c[k], 0)

  const minOrders = p.compensation.trustMinOrders
  const refundCount90d = Math.min(REFUND_COUNT_CAP, sum('refunded'))
  const completedOrders = Math.min(minOrders, sum('orders'))
  const riskCases90d = sum('risk')
  const ruleTrusted = completedOrders >= minOrders && refundCount90d === 0 && riskCases90d === 0
  // the case's own buyer record decides first (also when it says "back to the rule"), then the
  // mini-program buyer's it is linked to
  const linked = mpRecord && mpRecord.openid !== openid ? mpRecord : null
  const hasDecision = (r: BuyerRecord | null | undefined): r is BuyerRecord => !!r && (!!r.trust || r.trusted)
  const decider = hasDecision(record) ? record : hasDecision(linked) ? linked : null
  const decision = decisionOf(decider)
  const history = decider?.trust?.history ?? []
  return {
    openid,
    dedicatedRepId: record?.dedicatedRepId ?? linked?.dedicatedRepId ?? null,
    trusted: decision ? decision.override : ruleTrusted,
    trustSource: decision ? 'supervisor' : 'rule',
    refundCount90d,
    rule: { trusted: ruleTrusted, completedOrders, riskCases90d, minOrders, orderDays: p.compensation.trustOrderDays },
    trustHistory: history,
    ids: [openid, ...others],
    preferences: newest(record?.preferences, linked?.preferences),
  }
}

/** The later of two recorded preference sets (a buyer known under two ids may have one on each). */
function newest(a: BuyerPreferences | null | undefined, b: BuyerPreferences | null | undefined): BuyerPreferences | null {
  if (!a || !b) return a ?? b ?? null
  return toMs(b.at) > toMs(a.at) ? b : a
}
