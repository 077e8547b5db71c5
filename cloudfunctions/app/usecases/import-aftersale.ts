import { REMEDY_FOR_TYPE, type Case, type OrderSnapshot, type PlatformSnapshot } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { Deps } from '../deps'
import { idempotentCaseId, type FilingContext } from '../../ports/store'
import { ROUTING_COUNT_CAP, outboxOf, roster, rosterOf } from '../shared'
import { openCase } from '../../core'
import { caseTypeOf, deskReasonOf, isStaleSnapshot } from '../../core/platform-status'
import { localDate, toMs } from '../../core/tz'
import { platformMediaEvent } from '../../core/platform-media'
import { snapshotFromShop } from './channels-map'
import { buyerIdOf, requireShop, upsertShopOrder } from './sync-shop-orders'
import { applySystemCommand } from './system-command'
import { importPriceDiff } from './run-shop-call'
import { buyerProfileFor, fileOnLastPolicy, filedStanding, profileOf, type OwnStanding } from './buyer-profile'
import { watchCaseBatches } from './batch-watch'
import { applyRulesToCase } from './auto-rules'

/** Idempotency scope of platform cases: exactly one case per after_sale_order_id. */
export const AFTERSALE_SCOPE = 'channels-aftersale'

export interface ImportResult {
  caseId: string
  /** this call created the case */
  created: boolean
  /** this call moved an existing case to the platform's newer state */
  updated: boolean
  /** the platform's answer was not newer than what the case already has */
  unchanged: boolean
  /** the auto-decision rule that decided the new case (null: left to a person); only on creation */
  autoRule?: string | null
  /** the dispute (纠纷单) the after-sale names, if any, and whether the case already mirrors it */
  complaintId?: string | null
  disputeKnown?: boolean
}


/**
 * Reads one after-sale order from the shop and creates or updates its case (issue 12 §3). Called
 * by the push route / function and by the polling pass, in any order and any number of times:
 *
 * - exactly one case per after_sale_order_id: the case is created under the idempotency key
 *   `channels-aftersale:<id>` inside the store's write (unique key / guard document), so two
 *   instances importing the same new after-sale at once create one case;
 * - an existing case moves through the core's `platform_sync` system command, a compare-and-set
 *   on its version; a snapshot whose platform update_time is older than the case's is ignored
 *   (stale push, slow poll), so the case always ends at the platform's latest state.
 *
 * Round trips: one shop read, then one store read (Store.filingContext: the after-sale's case —
 * its id derived from the after-sale id — with, for a new one, the order, its buyer's record and
 * standing, the buyer the unionid names and the roster with loads), +1 write when a known case
 * changed; a new case adds a case number (per-instance blocks) and one create. A buyer whose
 * record links other ids, or an order not stored yet, costs its own reads on top.
 *
 * @example await importAfterSale(deps, '3701234567890')
 */
export async function importAfterSale(deps: Deps, afterSaleOrderId: string): Promise<ImportResult> {
  const shop = requireShop(deps)
  const snap = snapshotFromShop(await shop.getAfterSaleOrder(afterSaleOrderId), deps.now())
  const now = deps.now()
  // one read (Store.filingContext): the after-sale's case if it has one, else what opening it needs
  // — the order, its buyer's record and standing, the buyer the unionid names, the roster with
  // loads — sent on the policy this instance read last, checked against the live one (read after
  // it: on CloudBase the policy head rode along) before a case is opened on it
  const filing = fileOnLastPolicy(deps, now, {
    orderId: snap.orderId,
    openid: null,
    idem: { scope: AFTERSALE_SCOPE, key: snap.afterSaleOrderId },
    ...(snap.unionid ? { unionid: snap.unionid } : {}),
    staffCap: ROUTING_COUNT_CAP,
  })
  const ctx = await filing.ctx
  let current = ctx.prior?.case ?? null
  if (!current) {
    // a 退差价 is the seller's own money, not a buyer's request: it settles the desk refund it pays, never opens a case
    const diff = await importPriceDiff(deps, snap)
    if (diff) return { caseId: diff.caseId, created: false, updated: diff.settled, unchanged: !diff.settled }
    const [{ policy }, used] = await Promise.all([filing.live(), filing.used])
    const opened = await openPlatformCase(deps, snap, ctx, policy, used)
    if (opened.created) {
      // an after-sale first seen past its first step (e.g. the first sync of older orders) catches up at once
      const moved = await syncPlatformCase(deps, opened.case, snap)
      // the owner's auto-decision rules (issue #24): a rule that fits agrees on the platform, else a person decides
      // (the policy the case was opened under: read once per import)
      const latest = moved ? ((await deps.store.getCase(opened.case.id)) ?? opened.case) : opened.case
      const decision = await applyRulesToCase(deps, latest, opened.policy)
      return { caseId: opened.case.id, created: true, updated: false, unchanged: !moved, autoRule: decision.decided ? decision.rule.id : null, complaintId: snap.complaintId, disputeKnown: false }
    }
    current = opened.case
  }
  const moved = await syncPlatformCase(deps, current, snap)
  return { caseId: current.id, created: false, updated: moved, unchanged: !moved, complaintId: snap.complaintId, disputeKnown: current.dispute?.complaintId === snap.complaintId }
}

/** Moves a platform case to a snapshot through the core; false when there was nothing newer. */
export async function syncPlatformCase(deps: Deps, c: Case, snap: PlatformSnapshot): Promise<boolean> {
  // the buyer's photos are not fetched here (the push must be answered within WeChat's 5 s): the
  // sync's outbox row `platform_media` fetches them (app/usecases/run-platform-media.ts)
  if (c.platform && isStaleSnapshot(c, snap)) return false
  const out = await applySystemCommand(deps, c, { type: 'platform_sync', snapshot: snap }, 'channels')
  if (!out.applied && !out.error) deps.log(`platform after-sale ${snap.afterSaleOrderId}: case ${c.id} kept changing, left for the next poll`)
  return out.applied
}

async function orderFor(deps: Deps, snap: PlatformSnapshot, ctx: FilingContext): Promise<OrderSnapshot> {
  const stored = ctx.order ?? (await upsertShopOrder(deps, await requireShop(deps).getOrder(snap.orderId)))
  // the buyer the context read for the unionid
  const buyerOpenid = buyerIdOf(snap.unionid ? ctx.unionBuyer : null, snap.shopOpenid, stored)
  if (stored) {
    if (stored.order.buyerOpenid === buyerOpenid) return stored.order
    const order = { ...stored.order, buyerOpenid }
    await deps.store.upsertOrder({ ...stored, order })
    return order
  }
  // the order itself cannot be read (e.g. older than the shop keeps): the after-sale says enough
  return {
    orderId: snap.orderId,
    buyerOpenid,
    items: [
      {
        skuId: snap.skuId,
        name: `商品 ${snap.productId}`,
        qty: snap.count,
        unitPriceFen: Math.floor(snap.refundFen / snap.count),
        // the after-sale saying the insurance pays is proof the product carried it
        ...(snap.refundByInsurance ? { freightInsurance: true } : {}),
      },
    ],
    paidFen: snap.refundFen,
    paidAt: snap.createTime,
    source: 'channels',
    shopOpenid: snap.shopOpenid,
    ...(snap.unionid ? { buyerUnionid: snap.unionid } : {}),
  }
}

/** Opens the case of a platform after-sale seen for the first time (routing, severity, SLA clamped to the platform deadline). */
async function openPlatformCase(deps: Deps, snap: PlatformSnapshot, ctx: FilingContext, policy: Policy, used: Policy): Promise<{ created: boolean; case: Case; policy: Policy }> {
  const now = deps.now()
  const order = await orderFor(deps, snap, ctx)
  // the same history, risk flag and trust as a mini-program case, across the buyer's ids; the
  // context's reads of the buyer serve when it read this buyer (the stored order's, as a rule)
  const unionid = snap.unionid ?? order.buyerUnionid
  const own: Promise<OwnStanding> | undefined = ctx.order && ctx.openid === order.buyerOpenid
    ? filedStanding(deps, ctx, now, used, policy).then((o) => ({ ...o, ...(snap.unionid ? { byUnionid: { unionid: snap.unionid, buyer: ctx.unionBuyer } } : {}) }))
    : undefined
  const [buyer, staff] = await Promise.all([
    buyerProfileFor(deps, order.buyerOpenid, now, policy, { unionid, shopOpenid: snap.shopOpenid }, own),
    ctx.staff ? rosterOf(ctx.staff) : roster(deps),
  ])
  const caseNo = await deps.store.nextCaseNo(localDate(toMs(now), policy.calendar.timezone))
  const type = caseTypeOf(snap.type)
  const opened = openCase(
    {
      // the after-sale's own id: the store refuses a second case of it (Store.createCase)
      caseId: idempotentCaseId(AFTERSALE_SCOPE, snap.afterSaleOrderId),
      caseNo,
      buyerOpenid: order.buyerOpenid,
      order,
      claimedItems: [{ skuId: snap.skuId, qty: snap.count }],
      type,
      reason: deskReasonOf(snap.reasonCode, policy),
      description: snap.description || snap.reasonText,
      desiredRemedy: REMEDY_FOR_TYPE[type],
      buyerProfile: profileOf(buyer),
      platform: { ...snap, syncedAt: now, lastCall: null },
    },
    { now, policy, newId: deps.newId, roster: staff, actor: { kind: 'system', id: 'channels' } },
  )
  if (!opened.ok) throw new Error(`platform after-sale ${snap.afterSaleOrderId}: ${opened.error.message}`)
  // the buyer's photos are fetched by the dispatcher, committed with the case (the case page shows them once kept)
  const fetch = platformMediaEvent(opened.value.case.id, snap)
  const res = await deps.store.createCase(opened.value.case, outboxOf([...opened.value.events, ...(fetch ? [fetch] : [])]), { scope: AFTERSALE_SCOPE, key: snap.afterSaleOrderId })
  // a shop after-sale counts toward its batch's watch like any case (issue 24)
  if (res.created) await watchCaseBatches(deps, res.case, policy).catch((e) => deps.log('batch watch failed', e))
  // the assignee's lastAssignedAt (round-robin) is set by createCase inside its write, with the load
  return { ...res, policy }
}
