/**
 * Commands of cases that came from the Channels shop (视频号小店). On such a case the platform
 * decides the remedy and moves the money: the seller's decisions are platform calls (outbox
 * `platform_call`, executed once by the dispatcher), the platform's moves come back through
 * `platform_sync`, and each call's answer through `platform_call_result`. What each platform status
 * means and allows is the one table in ../platform-status.ts.
 *
 * - platform_sync (system): mirror a newer snapshot of the after-sale order (status, refund,
 *   return waybill, deadline); stale snapshots are refused (CONFLICT = nothing to do).
 * - platform_accept (staff): agree to refund / to the return / confirm receipt and refund.
 * - platform_reject (staff): reject with one of the platform's reject reasons.
 * - platform_certificate (staff): upload the evidence of a refund made outside the platform.
 * - platform_reship (staff): ship the new item of an exchange.
 * - platform_call_result (system): the platform's answer to the call; a refusal returns the case
 *   to the agent with the platform's reason in Chinese.
 */
import type { Case, PlatformBlock, PlatformCall, PlatformMedia, PlatformSnapshot } from '@contract/domain'
import { raise } from '../errors'
import { yuan } from '../money'
import { SELLER_AT_FAULT } from '../offers'
import { freightInsured, returnShippingPayer } from '../shipping'
import type { CoreContext } from '../context'
import { acceptCallFor, expectedCaseStatus, inspectsPlatformReturn, isStaleSnapshot, platformChanges, platformRow, platformStatusText, PLATFORM_CALL_LABELS, sellerCalls } from '../platform-status'
import { exchangeDifferenceFen } from '../shop-remedy'
import { platformMediaEvent } from '../platform-media'
import { toMs } from '../tz'
import { addRefund, alert, newLeg, refuse, requireApproval, roomFor, type CommandSpec, type Guard, type Work } from './work'

/** Refund-related platform refusals: the case is flagged refundFailed. */
const REFUND_ERRCODES = new Set([10021045, 10021046])

function platformOf(c: Case): PlatformBlock {
  if (!c.platform) raise('NOT_ALLOWED_IN_STATUS', '不是视频号小店的售后单')
  return c.platform
}

/** A seller call is allowed when the platform status allows it and no earlier call is still in flight. */
const sellerGuard =
  (callOf: (p: PlatformBlock) => PlatformCall): Guard =>
  (c) => {
    const p = c.platform
    if (!p) return refuse('NOT_ALLOWED_IN_STATUS', '不是视频号小店的售后单')
    if (p.lastCall?.outcome === 'pending') return refuse('CONFLICT', `上一个平台操作「${PLATFORM_CALL_LABELS[p.lastCall.call]}」还在处理中，请稍后`)
    const call = callOf(p)
    if (!sellerCalls(p.status, p.type).includes(call)) return refuse('NOT_ALLOWED_IN_STATUS', `平台状态为「${platformStatusText(p.status)}」，现在不能${PLATFORM_CALL_LABELS[call]}`)
    return null
  }

/** Records the call on the case and puts it in the outbox (the dispatcher runs it once by callKey). */
function call(w: Work, p: PlatformBlock, name: PlatformCall, at: string, params: Record<string, unknown> = {}): void {
  const callKey = `${w.c.id}:v${w.c.version + 1}:${name}`
  p.lastCall = { key: callKey, call: name, at, outcome: 'pending', message: null, errcode: null }
  w.events.push({ kind: 'platform_call', caseId: w.c.id, afterSaleOrderId: p.afterSaleOrderId, call: name, callKey, ...params })
  w.data = { ...w.data, platformCall: name, callKey }
}

/** With inspection in the policy, a shop return is refunded by passing the inspection, not by a bare receipt. */
const acceptGuard: Guard = (c, ctx) => {
  const no = sellerGuard(acceptCallFor)(c, ctx)
  if (no || !c.platform) return no
  if (acceptCallFor(c.platform) === 'confirm_receipt_refund' && inspectsPlatformReturn(c.platform, ctx.policy) && c.inspection?.result !== 'pass') {
    return refuse('NOT_ALLOWED_IN_STATUS', '请先确认收货并验货，验货通过后再由平台退款')
  }
  return null
}

/**
 * The platform refunds what the buyer asked for (agree to refund, or receipt + refund of a
 * return); the desk records it as pending until the platform says the money moved.
 */
export function platformRefund(w: Work, name: PlatformCall, text: string | undefined, ctx: CoreContext): void {
  const p = platformOf(w.c)
  const amount = p.refundFen
  const room = roomFor(w.c, 'refund', ctx)
  if (amount > room.maxFen) raise('LIMIT_EXCEEDED', `平台退款${yuan(amount)}超过上限：${room.reason}，请拒绝或与买家协商`, { amountFen: amount, maxFen: room.maxFen })
  requireApproval(w, { valueFen: amount, cashFen: amount, summary: `同意平台退款${yuan(amount)}` }, ctx, '退款')
  if (amount > 0) w.c.refunds.push({ key: `${w.c.id}-r${w.c.refunds.length + 1}`, amountFen: amount, purpose: 'refund', status: 'pending', requestedAt: ctx.now, settledAt: null, failureReason: null })
  if (w.c.returnShipment && w.c.returnShipment.status !== 'received') w.c.returnShipment = { ...w.c.returnShipment, status: 'received', receivedAt: ctx.now }
  w.to = 'refunding'
  w.text = text ?? (name === 'confirm_receipt_refund' ? `商家已确认收货并同意退款${yuan(amount)}，平台退款中` : `商家已同意退款${yuan(amount)}，平台退款中`)
  // the buyer hears about the money when the platform says it moved (platform_sync), not now
  call(w, p, name, ctx.now)
}

export const platform_accept: CommandSpec<'platform_accept'> = {
  guard: acceptGuard,
  act(w, cmd, ctx) {
    const p = platformOf(w.c)
    const name = acceptCallFor(p)
    if (name === 'accept_return') {
      const shippingPaidBy = returnShippingPayer({ sellerAtFault: SELLER_AT_FAULT.has(w.c.reason), insured: freightInsured(w.c.order, w.c.claimedItems, p) })
      w.c.returnShipment = { status: 'pending', pickup: false, shippingPaidBy, purpose: 'inspect', items: w.c.claimedItems, carrier: null, trackingNo: null, shippedAt: null, receivedAt: null }
      w.to = 'awaiting_return'
      w.text = cmd.text ?? '商家已同意退货，请在微信订单的售后页面填写退货快递单号'
      call(w, p, name, ctx.now, cmd.addressId ? { addressId: cmd.addressId } : {})
      return
    }
    platformRefund(w, name, cmd.text, ctx)
  },
}

export const platform_reject: CommandSpec<'platform_reject'> = {
  guard: sellerGuard(() => 'reject'),
  act(w, cmd, ctx) {
    const p = platformOf(w.c)
    w.to = 'rejected'
    w.text = `售后申请未通过：${cmd.text}`
    call(w, p, 'reject', ctx.now, { rejectReasonType: cmd.rejectReasonType, rejectReason: cmd.text })
  },
}

export const platform_certificate: CommandSpec<'platform_certificate'> = {
  guard: sellerGuard(() => 'refund_certificate'),
  act(w, cmd, ctx) {
    const p = platformOf(w.c)
    w.text = `商家已线下退款并上传凭证：${cmd.text}`
    call(w, p, 'refund_certificate', ctx.now, { certificates: cmd.certificates, desc: cmd.text })
  },
}

export const platform_reship: CommandSpec<'platform_reship'> = {
  guard: sellerGuard(() => 'exchange_reship'),
  act(w, cmd, ctx) {
    const p = platformOf(w.c)
    const leg = newLeg(ctx, w.c.claimedItems, 0, false)
    leg.status = 'shipped'
    leg.carrier = cmd.deliveryId
    leg.trackingNo = cmd.waybillId
    leg.shippedAt = ctx.now
    w.c.replacementShipments.push(leg)
    if (w.c.returnShipment && w.c.returnShipment.status !== 'received') w.c.returnShipment = { ...w.c.returnShipment, status: 'received', receivedAt: ctx.now }
    w.to = 'replacement_shipped'
    w.text = `换货商品已发出：${cmd.deliveryId} ${cmd.waybillId}${exchangeDifference(w, p, ctx)}`
    call(w, p, 'exchange_reship', ctx.now, { deliveryId: cmd.deliveryId, waybillId: cmd.waybillId })
  },
}

/**
 * An exchange to a cheaper SKU: the difference goes back to the buyer by 退差价 (within the money
 * guard, once: a refund already on the case for it is not repeated); a dearer one is the buyer's to
 * pay (shown to both sides). Answers the sentence added to the timeline.
 */
function exchangeDifference(w: Work, p: PlatformBlock, ctx: CoreContext): string {
  const diff = exchangeDifferenceFen(w.c)
  if (diff < 0) return `；新规格比原规格贵${yuan(-diff)}，需买家补差价`
  if (diff === 0 || !p.exchange || w.c.refunds.some((r) => r.shop && r.status !== 'failed')) return ''
  const room = roomFor(w.c, 'refund', ctx)
  if (diff > room.maxFen) {
    alert(w, w.c.assigneeId ?? 'supervisor', 'platform_update', `售后单 ${w.c.caseNo}：换货差价${yuan(diff)}超过可退金额（${room.reason}），未自动退差价，请核对`)
    return ''
  }
  addRefund(w, diff, 'refund', ctx, p.exchange.oldSkuId)
  return `；换货差价${yuan(diff)}由平台退回`
}

/** Statuses a seller call moved the case to optimistically; a refusal brings the case back to the agent from there. */
const BACK_TO_AGENT = new Set(['refunding', 'awaiting_return', 'rejected', 'replacement_shipped'])

export const platform_call_result: CommandSpec<'platform_call_result'> = {
  act(w, cmd, ctx) {
    const p = platformOf(w.c)
    const last = p.lastCall
    if (!last || last.key !== cmd.callKey || last.outcome !== 'pending') raise('CONFLICT', '该平台操作的结果已记录', { callKey: cmd.callKey })
    const label = PLATFORM_CALL_LABELS[last.call]
    w.internal = true
    if (cmd.outcome === 'done') {
      p.lastCall = { ...last, outcome: 'done', message: cmd.message ?? null }
      w.text = `平台已受理「${label}」${cmd.message ? `：${cmd.message}` : ''}`
      return
    }
    const reason = cmd.message || '平台未说明原因'
    p.lastCall = { ...last, outcome: 'refused', message: reason, errcode: cmd.errcode ?? null }
    for (const r of w.c.refunds) {
      if (r.status !== 'pending' || r.shop) continue
      r.status = 'failed'
      r.settledAt = ctx.now
      r.failureReason = reason
    }
    if (cmd.errcode !== undefined && REFUND_ERRCODES.has(cmd.errcode)) w.c.flags.refundFailed = true
    if (last.call === 'accept_return' && w.c.returnShipment?.status === 'pending') w.c.returnShipment = null
    if (BACK_TO_AGENT.has(w.c.status)) w.to = 'in_review'
    w.text = `平台未接受「${label}」：${reason}`
    alert(w, w.c.assigneeId ?? 'supervisor', 'platform_refused', `售后单 ${w.c.caseNo} 平台未接受「${label}」：${reason}，请重新处理`)
  },
}

/** Statuses in which the platform waits on the seller's decision on the application. */
const SELLER_DECIDES = new Set(['MERCHANT_PROCESSING', 'USER_WAIT_CONFIRM_UPDATE'])
/** Statuses after the seller rejected: a refund from here was ruled by the platform. */
const SELLER_REJECTED = new Set(['MERCHANT_REJECT_REFUND', 'MERCHANT_REJECT_RETURN', 'MERCHANT_REJECT_EXCHANGE', 'MERCHANT_REJECT_RESHIP'])
const REFUND_MOVES = new Set(['PLATFORM_REFUNDING', 'MERCHANT_REFUND_SUCCESS', 'MERCHANT_RETURN_SUCCESS'])

/**
 * The platform moved on its own — the seller's deadline passed, or its customer service ruled —
 * in plain Chinese, or null when the move followed the seller's own call (or the buyer's).
 */
export function platformOwnDecision(before: PlatformBlock, snap: PlatformSnapshot, now: string): string | null {
  if (before.status === snap.status) return null
  const last = before.lastCall
  // the seller's call on the step the platform left (not refused) explains the move
  if (last && last.outcome !== 'refused' && sellerCalls(before.status, before.type).includes(last.call)) return null
  const money = yuan(snap.refundFen)
  const late = !!before.deadline && toMs(before.deadline) <= toMs(now) + 60_000
  if (REFUND_MOVES.has(snap.status)) {
    if (SELLER_REJECTED.has(before.status) || (!!snap.complaintId && !late)) return `平台客服已介入处理，判定退款${money}`
    if (SELLER_DECIDES.has(before.status)) return late ? `商家未在期限内处理，平台已自动同意退款${money}` : `平台已直接同意退款${money}`
    if (before.status === 'MERCHANT_WAIT_RECEIPT') return late ? `商家未在期限内确认收货，平台已自动退款${money}` : `平台已确认退货并退款${money}`
    return null
  }
  if (snap.status === 'USER_WAIT_RETURN' && SELLER_DECIDES.has(before.status)) {
    return late ? '商家未在期限内处理，平台已自动同意退货，等待买家寄回' : '平台已同意退货，等待买家寄回'
  }
  return null
}

/** What the timeline says for an ordinary platform move (both sides read it). */
function platformMoveText(snap: PlatformSnapshot): string {
  switch (snap.status) {
    case 'PLATFORM_REFUNDING':
      return `平台正在退款${yuan(snap.refundFen)}`
    case 'MERCHANT_REFUND_SUCCESS':
    case 'MERCHANT_RETURN_SUCCESS':
      return `平台已退款${yuan(snap.refundFen)}，请留意到账`
    case 'USER_WAIT_RETURN':
      return '等待买家在微信订单的售后页面填写退货快递单号'
    case 'MERCHANT_WAIT_RECEIPT':
      return snap.returnWaybill ? `买家已寄回商品（${snap.returnWaybill.deliveryName || snap.returnWaybill.deliveryId} ${snap.returnWaybill.waybillId}），等待商家收货验货` : '买家已寄回商品，等待商家收货验货'
    case 'USER_CANCELD':
      return '买家已在微信撤销售后申请'
    default:
      return `平台状态：${platformStatusText(snap.status)}`
  }
}

/** Media ids of the snapshot not yet kept with the case, merged with what is kept. */
function mergeMedia(kept: PlatformMedia[], fetched: PlatformMedia[] | undefined, ids: string[]): PlatformMedia[] {
  const out = [...kept]
  for (const m of fetched ?? []) if (ids.includes(m.mediaId) && !out.some((x) => x.mediaId === m.mediaId)) out.push(m)
  return out.slice(0, 50)
}

export const platform_sync: CommandSpec<'platform_sync'> = {
  act(w, cmd, ctx) {
    const c = w.c
    const before = platformOf(c)
    const snap = cmd.snapshot
    if (snap.afterSaleOrderId !== before.afterSaleOrderId) raise('VALIDATION', '不是同一个平台售后单')
    const kept = before.media ?? []
    const media = mergeMedia(kept, cmd.media, snap.mediaIds)
    const newMedia = media.length - kept.length
    if (isStaleSnapshot(c, snap)) {
      // the same platform status again: only the buyer's files fetched since are kept, staff-only
      if (newMedia <= 0) raise('CONFLICT', '平台数据不比售后单新，已忽略', { updateTime: snap.updateTime })
      c.platform = { ...before, media, syncedAt: ctx.now }
      w.internal = true
      w.text = `已取回买家在视频号小店上传的凭证${newMedia}个`
      return
    }
    const row = platformRow(snap.status)
    // a seller call the platform has not processed yet keeps the case where the call put it
    const inFlight = before.lastCall?.outcome === 'pending' && sellerCalls(snap.status, snap.type).includes(before.lastCall.call)
    w.to = inFlight ? c.status : expectedCaseStatus(c, snap)
    const own = platformOwnDecision(before, snap, ctx.now)
    if (row.refunded) {
      let moved = 0
      // (a 退差价 the shop pays beside this after-sale settles on its own after-sale, run-shop-call.ts)
      for (const r of c.refunds) if (r.status === 'pending' && !r.shop) {
        Object.assign(r, { status: 'succeeded', settledAt: ctx.now })
        moved += r.amountFen
      }
      if (!c.refunds.some((r) => r.status === 'succeeded') && snap.refundFen > 0) {
        // the platform refunded on its own (deadline passed, customer service ruled): recorded as it happened
        // (the ledger records at most what the guard allows; the staff alert below names any excess)
        moved = Math.min(snap.refundFen, roomFor(c, 'refund', ctx).maxFen)
        if (moved < snap.refundFen) alert(w, 'supervisor', 'platform_update', `售后单 ${c.caseNo}：平台退款${yuan(snap.refundFen)}超过本单该商品可退金额，台账只记${yuan(moved)}，请核对`)
        if (moved > 0) c.refunds.push({ key: `${c.id}-r${c.refunds.length + 1}`, amountFen: moved, purpose: 'refund', status: 'succeeded', requestedAt: ctx.now, settledAt: ctx.now, failureReason: null })
      }
      if (moved > 0) w.buyer.push({ event: 'refund_succeeded', extra: { amountFen: moved } })
    }
    const failed = row.refundFailed ? snap.refundResp?.message || platformStatusText(snap.status) : ['cancelled', 'closed', 'rejected'].includes(w.to) ? `平台状态：${platformStatusText(snap.status)}，未退款` : null
    if (failed) {
      for (const r of c.refunds) if (r.status === 'pending' && !r.shop) Object.assign(r, { status: 'failed', settledAt: ctx.now, failureReason: failed })
      if (row.refundFailed) c.flags.refundFailed = true
    }
    if (snap.returnWaybill) {
      const rs = c.returnShipment
      const received = ['refunding', 'resolved', 'replacement_shipped'].includes(w.to)
      c.returnShipment = {
        status: received ? 'received' : 'shipped',
        pickup: false,
        shippingPaidBy: rs?.shippingPaidBy ?? returnShippingPayer({ sellerAtFault: SELLER_AT_FAULT.has(c.reason), insured: freightInsured(c.order, c.claimedItems, snap) }),
        purpose: 'inspect',
        items: rs?.items ?? c.claimedItems,
        carrier: snap.returnWaybill.deliveryName || snap.returnWaybill.deliveryId,
        trackingNo: snap.returnWaybill.waybillId,
        shippedAt: rs?.shippedAt ?? ctx.now,
        receivedAt: received ? (rs?.receivedAt ?? ctx.now) : null,
      }
    }
    c.platform = { ...snap, syncedAt: ctx.now, lastCall: before.lastCall, ...(media.length ? { media } : {}) }
    // the buyer's files not kept yet are fetched by the dispatcher, never inside the push's answer
    const fetch = platformMediaEvent(c.id, c.platform)
    if (fetch) w.events.push(fetch)
    w.data = { platformStatus: snap.status, updateTime: snap.updateTime }
    if (snap.status === before.status && w.to === c.status) {
      // the same status with other facts changed (deadline, amount, waybill, files): staff-only
      w.internal = true
      w.text = `平台更新：${[...platformChanges(before, snap), ...(newMedia > 0 ? [`已取回凭证${newMedia}个`] : [])].join('；') || platformStatusText(snap.status)}`
      return
    }
    w.text = own ?? platformMoveText(snap)
    // the platform confirming what the seller's own call already showed (the call's row said 平台退款中): staff-only
    if (!own && w.to === c.status) w.internal = true
    if (own) {
      // the platform decided without the seller: the agent hears it with the case's product, buyer, reason and money
      alert(w, c.assigneeId ?? 'supervisor', 'platform_update', `售后单 ${c.caseNo}：${own}`)
    } else if (row.alertAgent && (snap.status !== before.status || w.to !== c.status)) {
      alert(w, c.assigneeId ?? 'supervisor', 'platform_update', `售后单 ${c.caseNo}：${row.alertAgent}`, row.waitsOn === 'seller' ? (snap.deadline ?? undefined) : undefined)
    }
  },
}
