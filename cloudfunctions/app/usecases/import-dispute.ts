/**
 * Disputes (纠纷单) and platform tickets (客诉工单) in, by push and by poll (issue 21 §2).
 *
 * - A dispute belongs to its after-sale: it attaches to the case of that after-sale (the case is
 *   created by importing the after-sale when the desk has not seen it yet) through the core's
 *   `dispute_sync`. The dispute is always read from the shop (getcomplaintorder), so duplicate,
 *   late and out-of-order pushes end at the platform's latest state and add nothing twice.
 * - A ticket (催发货) is about an order: it attaches to the order's open case when there is one
 *   (the agent already talks to that buyer), else it opens a logistics case (late delivery) under
 *   the idempotency key `channels-ticket:<ticket_id>` — one case per ticket whatever the number of
 *   pushes and polls — and `ticket_sync` records it there.
 * - Polling: open disputes are remembered in the sync state `channels:disputes` and re-read every
 *   `DISPUTE_REREAD_MS`; tickets created in the last 7 days are listed every pass.
 */
import { FINAL_STATUSES, type Case, type DisputeSnapshot, type PlatformTicketSnapshot } from '@contract/domain'
import type { ChannelsComplaintOrder, ChannelsTicket } from '@contract/channels'
import type { Deps } from '../deps'
import { livePolicy, outboxOf, roster } from '../shared'
import { openCase } from '../../core'
import { DISPUTE_FINAL, plainTicketText } from '../../core/dispute-status'
import { sellerDeadline } from '../../core/platform-status'
import { localDate, toMs } from '../../core/tz'
import { AFTERSALE_SCOPE, importAfterSale } from './import-aftersale'
import { requireShop, upsertShopOrder } from './sync-shop-orders'
import { applySystemCommand } from './system-command'
import { pastCases } from './submit-case'
import { buyerProfileFor, profileOf } from './buyer-profile'

export const TICKET_SCOPE = 'channels-ticket'
export const DISPUTES_STATE = 'channels:disputes'
/** An open dispute is read again at most this often by the poll (pushes bring changes sooner). */
export const DISPUTE_REREAD_MS = 10 * 60_000
const MAX_WATCHED = 500

const isoOf = (sec: number): string => new Date(sec * 1000).toISOString()

export interface SyncResult {
  caseId: string
  /** the case changed (the dispute / ticket was new or moved) */
  updated: boolean
  /** a case was opened for it */
  created: boolean
}

/** getcomplaintorder's answer as the desk keeps it. */
export function disputeFromShop(complaintId: string, co: ChannelsComplaintOrder, platformDeadline: string | null): DisputeSnapshot {
  return {
    complaintId,
    afterSaleOrderId: co.after_sale_order_id,
    status: co.status,
    history: co.history
      .slice(-200)
      .map((h) => ({ itemType: h.item_type, at: isoOf(h.time), content: (h.content ?? '').slice(0, 2000), mediaIds: (h.media_id_list ?? []).slice(0, 50) }))
      .sort((a, b) => toMs(a.at) - toMs(b.at)),
    platformDeadline,
  }
}

/** One ticket as the desk keeps it; `timedOut` when the platform said the seller's time ran out. */
export function ticketFromShop(t: ChannelsTicket, timedOut: boolean): PlatformTicketSnapshot {
  return {
    ticketId: t.ticket_id,
    classType: t.ticket_class_type,
    state: t.ticket_state,
    orderId: t.order_id,
    afterSaleOrderId: t.aftersale_id,
    description: plainTicketText(t.description),
    createdAt: isoOf(t.ticket_begin_time),
    deadline: t.ticket_deal_end_time ? isoOf(t.ticket_deal_end_time) : null,
    reviewResult: t.platform_review_result,
    timedOut,
  }
}

/**
 * Reads one dispute from the shop and mirrors it on the case of its after-sale (importing the
 * after-sale first when the desk has no case for it).
 */
export async function importComplaint(deps: Deps, complaintId: string): Promise<SyncResult> {
  const shop = requireShop(deps)
  const co = await shop.getComplaintOrder(complaintId)
  let c = await deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, co.after_sale_order_id)
  let created = false
  if (!c) {
    const r = await importAfterSale(deps, co.after_sale_order_id)
    created = r.created
    c = await deps.store.getCase(r.caseId)
    if (!c) throw new Error(`after-sale ${co.after_sale_order_id}: case ${r.caseId} vanished`)
  }
  const snap = disputeFromShop(complaintId, co, c.platform ? sellerDeadline(c.platform) : null)
  // a closed / cancelled case accepts nothing (core rule): the dispute stays on the platform's side
  if (FINAL_STATUSES.includes(c.status)) {
    if (c.dispute?.status !== snap.status) deps.log(`dispute ${complaintId}: case ${c.id} is ${c.status}, not mirrored (handle it in the shop back office)`)
    await watchDispute(deps, complaintId, !DISPUTE_FINAL.has(co.status))
    return { caseId: c.id, updated: false, created }
  }
  const out = await applySystemCommand(deps, c, { type: 'dispute_sync', snapshot: snap }, 'channels')
  if (!out.applied && out.error && out.error.code !== 'CONFLICT') deps.log(`dispute ${complaintId}: not recorded on ${c.id}: ${out.error.message}`)
  await watchDispute(deps, complaintId, !DISPUTE_FINAL.has(co.status))
  return { caseId: c.id, updated: out.applied, created }
}

/** Adds / removes an open dispute in the poll's list (compare-and-set; a lost race retries). */
async function watchDispute(deps: Deps, complaintId: string, open: boolean): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const st = await deps.store.getSyncState(DISPUTES_STATE)
    const watched = { ...((st?.value.open as Record<string, string> | undefined) ?? {}) }
    if (!open && !(complaintId in watched)) return
    if (open) watched[complaintId] = deps.now()
    else delete watched[complaintId]
    const kept = Object.fromEntries(Object.entries(watched).sort((a, b) => (a[1] < b[1] ? 1 : -1)).slice(0, MAX_WATCHED))
    if (await deps.store.saveSyncState(DISPUTES_STATE, { open: kept }, st?.version ?? 0, deps.now())) return
  }
}

/** Re-reads the open disputes not read for a while (a lost push must not cost the dispute). */
export async function pollDisputes(deps: Deps, opts: { limit?: number } = {}): Promise<{ read: number; failed: number }> {
  const st = await deps.store.getSyncState(DISPUTES_STATE)
  const watched = (st?.value.open as Record<string, string> | undefined) ?? {}
  const stale = Object.entries(watched)
    .filter(([, at]) => toMs(deps.now()) - toMs(at) >= DISPUTE_REREAD_MS)
    .sort((a, b) => (a[1] < b[1] ? -1 : 1))
    .slice(0, opts.limit ?? 20)
  const stats = { read: 0, failed: 0 }
  for (const [id] of stale) {
    try {
      await importComplaint(deps, id)
      stats.read++
    } catch (e) {
      stats.failed++
      deps.log(`poll: dispute ${id} not read`, e)
    }
  }
  return stats
}

/** The order's case a ticket attaches to: its after-sale's case, else an open case of the order. */
async function caseForTicket(deps: Deps, t: PlatformTicketSnapshot): Promise<Case | null> {
  const own = await deps.store.findByIdempotencyKey(TICKET_SCOPE, t.ticketId)
  if (own) return own
  if (t.afterSaleOrderId) {
    const c = await deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, t.afterSaleOrderId)
    if (c) return c
  }
  if (!t.orderId) return null
  for (const p of await pastCases(deps, t.orderId)) {
    if (FINAL_STATUSES.includes(p.status)) continue
    const c = await deps.store.getCase(p.caseId)
    if (c && !FINAL_STATUSES.includes(c.status)) return c
  }
  return null
}

/** Opens the logistics case of a ticket on an order no open case covers (one per ticket). */
async function openTicketCase(deps: Deps, t: PlatformTicketSnapshot): Promise<{ case: Case; created: boolean }> {
  const now = deps.now()
  const shop = requireShop(deps)
  const rec = (await deps.store.getOrder(t.orderId)) ?? (await upsertShopOrder(deps, await shop.getOrder(t.orderId)))
  if (!rec) throw new Error(`ticket ${t.ticketId}: order ${t.orderId} has nothing a case could claim`)
  const order = rec.order
  const { policy } = await livePolicy(deps)
  const [buyer, staff, caseNo, history] = await Promise.all([
    buyerProfileFor(deps, order.buyerOpenid, now, policy, { unionid: order.buyerUnionid, shopOpenid: order.shopOpenid }),
    roster(deps),
    deps.store.nextCaseNo(localDate(toMs(now), policy.calendar.timezone)),
    pastCases(deps, order.orderId),
  ])
  const opened = openCase(
    {
      caseId: deps.newId(),
      caseNo,
      buyerOpenid: order.buyerOpenid,
      order,
      claimedItems: order.items.map((i) => ({ skuId: i.skuId, qty: i.qty })),
      type: 'logistics',
      reason: 'late_delivery',
      description: `平台客诉工单：买家催发货。${t.description}`.slice(0, 1000),
      desiredRemedy: 'contact_me',
      raisedByPlatform: true,
      history,
      buyerProfile: profileOf(buyer),
    },
    { now, policy, newId: deps.newId, roster: staff, actor: { kind: 'system', id: 'channels' } },
  )
  if (!opened.ok) throw new Error(`ticket ${t.ticketId}: ${opened.error.message}`)
  return deps.store.createCase(opened.value.case, outboxOf(opened.value.events), { scope: TICKET_SCOPE, key: t.ticketId })
}

/** Records one ticket (from its push, its detail or the list) on its case, opening one when needed. */
export async function importTicketWire(deps: Deps, wire: ChannelsTicket, timedOut = false): Promise<SyncResult> {
  const t = ticketFromShop(wire, timedOut)
  let c = await caseForTicket(deps, t)
  let created = false
  if (!c) {
    const r = await openTicketCase(deps, t)
    c = r.case
    created = r.created
  }
  // the ticket's own case was closed since: nothing more to record there
  if (FINAL_STATUSES.includes(c.status)) return { caseId: c.id, updated: false, created }
  const out = await applySystemCommand(deps, c, { type: 'ticket_sync', ticket: t }, 'channels')
  if (!out.applied && out.error && out.error.code !== 'CONFLICT') deps.log(`ticket ${t.ticketId}: not recorded on ${c.id}: ${out.error.message}`)
  return { caseId: c.id, updated: out.applied, created }
}

/** A ticket push: the ticket is read from the shop (the push names only its id). */
export async function importTicket(deps: Deps, ticketId: string, timedOut = false): Promise<SyncResult> {
  return importTicketWire(deps, await requireShop(deps).getTicket(ticketId), timedOut)
}

/** The tickets created in the last `days` (all states), newest first, up to `maxPages` pages of 50. */
export async function pollTickets(deps: Deps, opts: { days?: number; maxPages?: number } = {}): Promise<{ read: number; failed: number }> {
  const shop = requireShop(deps)
  const end = Math.floor(toMs(deps.now()) / 1000)
  const range = { startTime: end - (opts.days ?? 7) * 86_400, endTime: end }
  const stats = { read: 0, failed: 0 }
  for (let page = 0; page < (opts.maxPages ?? 4); page++) {
    const { tickets, total } = await shop.listTickets({ range, offset: page * 50, limit: 50 })
    for (const t of tickets) {
      stats.read++
      try {
        await importTicketWire(deps, t)
      } catch (e) {
        stats.failed++
        deps.log(`poll: ticket ${t.ticket_id} not recorded`, e)
      }
    }
    if ((page + 1) * 50 >= total || tickets.length < 50) break
  }
  return stats
}
