import type { ClaimedItem, ReasonCode } from '@contract/domain'
import type { EligibilityView, OrderView } from '@contract/actions'
import { CASE_TYPES, OPEN_STATUSES } from '@contract/domain'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy, pastCasesOf } from '../shared'
import { checkEligibility, yuan } from '../../core'
import { SHOP_REFUND_GUIDE, SHOP_REFUND_TYPES } from './submit-case'

const OPEN = new Set<string>(OPEN_STATUSES)

/** Shop openids recorded on a buyer (one shop gives a person one; a few is already unusual). */
const SHOP_OPENIDS_KEPT = 5

/**
 * Shop orders of this WeChat user become theirs here (issue 12 §2): the mini-program's openid and
 * the shop's differ, the unionid is the same when both are bound to the seller's open-platform
 * account. Records the caller's unionid (so the sync can match their next orders at once) and the
 * shop openids on those orders (their after-sales imported before the claim are under
 * `channels:<shop openid>`: the buyer's standing adds them up without reading the orders), and
 * moves their shop orders still kept under the shop's openid to them. Runs on every order list, so
 * an order that came in under the shop id during a claim is picked up by the next one.
 */
export async function claimShopOrders(deps: Deps, openid: string, unionid: string): Promise<void> {
  const [buyer, theirs] = await Promise.all([deps.store.getBuyer(openid), deps.store.listOrdersByUnionid(unionid, 100)])
  // a shop openid once seen stays the buyer's (their older orders may drop out of this read)
  const known = buyer?.shopOpenids ?? null
  const shopOpenids = [...new Set([...(known ?? []), ...theirs.map((r) => r.order.shopOpenid).filter((x): x is string => !!x)])].slice(0, SHOP_OPENIDS_KEPT)
  if (buyer?.unionid !== unionid || !known || known.join() !== shopOpenids.join()) {
    await deps.store.upsertBuyer({ openid, dedicatedRepId: buyer?.dedicatedRepId ?? null, trusted: buyer?.trusted ?? false, unionid, shopOpenids })
  }
  for (const rec of theirs) if (rec.order.buyerOpenid !== openid) await deps.store.upsertOrder({ ...rec, order: { ...rec.order, buyerOpenid: openid } })
}

/** The buyer's own orders (never anyone else's), with their open cases and eligibility hints. */
export async function listMyOrders(deps: Deps, openid: string, limit: number, unionid?: string): Promise<OrderView[]> {
  if (unionid) await claimShopOrders(deps, openid, unionid)
  const now = deps.now()
  // ids only: the open cases' documents are not read to list them
  const [{ policy }, orders, cases] = await Promise.all([
    livePolicy(deps),
    deps.store.listOrdersByBuyer(openid, limit),
    deps.store.listCaseRefs({ buyerOpenid: openid, open: true }, 100),
  ])
  return orders.map(({ order }) => {
    const claim = { claimedItems: order.items.map((i) => ({ skuId: i.skuId, qty: 1 })), reason: 'no_reason_7d' as ReasonCode }
    const el = checkEligibility(order, claim, [], policy, now)
    return {
      order,
      openCaseIds: cases.filter((c) => c.orderId === order.orderId && OPEN.has(c.status)).map((c) => c.id),
      hints: el.hints,
    }
  })
}

/** Which case types the buyer may file for these items and this reason, each with its reason. */
export async function checkOrderEligibility(deps: Deps, openid: string, orderId: string, claimedItems: ClaimedItem[], reason: ReasonCode): Promise<EligibilityView> {
  const rec = await deps.store.getOrder(orderId)
  if (!rec || rec.order.buyerOpenid !== openid) throw new AppError('NOT_FOUND', '没有找到这个订单')
  const [{ policy }, guard] = await Promise.all([livePolicy(deps), deps.store.getOrderGuard(orderId)])
  const el = checkEligibility(rec.order, { claimedItems, reason }, pastCasesOf(guard), policy, deps.now())
  return {
    ok: el.ok,
    types: CASE_TYPES.map((t) =>
      rec.order.source === 'channels' && SHOP_REFUND_TYPES.has(t) ? { type: t, allowed: false, reason: SHOP_REFUND_GUIDE } : { type: t, allowed: el.types[t].allowed, reason: el.types[t].reason },
    ),
    errors: el.errors,
    // money already refunded on this order's other cases limits what a new case can get back
    hints: guard.committedFen > 0 ? [...el.hints, `本单已退${yuan(guard.committedFen)}，还可退${yuan(Math.max(0, rec.order.paidFen - guard.committedFen))}`] : el.hints,
    noReasonDeadline: el.noReasonDeadline,
  }
}
