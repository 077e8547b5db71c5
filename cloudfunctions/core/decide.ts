/**
 * decide(case, command, ctx): the single entry for every state change. Validates the command,
 * checks the transition table and who may act, applies the rule, moves the SLA clock, appends a
 * timeline entry and returns the new case (version + 1) with the outbox events to store with it.
 *
 * @example
 *   const r = decide(c, { type: 'respond', text: '您好，已收到' }, { now, actor: { kind: 'staff', id: 'a1', role: 'agent' }, policy, newId })
 *   if (r.ok) await store.compareAndSet(c.id, c.version, r.value.case, r.value.events)
 */
import {
  CaseCommandSchema,
  type BuyerDeadlineKind,
  type Case,
  type CaseCommand,
  type CaseEvent,
  type CaseStatus,
  type Offer,
  type ParsedCaseCommand,
  type ReplacementShipment,
  type Result,
} from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { CoreContext } from './context'
import { CoreFailure, fail, ok, raise } from './errors'
import { buildBuyerMessage, type BuyerEventKey, type MessageExtra } from './messages'
import { claimedValueFen, committedFen, remainingFen, yuan } from './money'
import { cashOf, valueOf, SELLER_AT_FAULT, suggestOffers, type OfferDraft } from './offers'
import { buyerDeadline, markFirstResponse, pauseSla, restartResolution, resumeSla, slaState, stopSla } from './sla'
import { FINAL, isListed, PAUSED_STATUSES, rowOf } from './transitions'
import { HOUR_MS, toIso, toMs } from './tz'

type EventDraft = CaseEvent extends infer E ? (E extends { key: string } ? Omit<E, 'key'> : never) : never

interface Work {
  c: Case
  to: CaseStatus
  text: string
  internal: boolean
  data?: Record<string, unknown>
  events: EventDraft[]
  buyer: Array<{ event: BuyerEventKey; extra?: MessageExtra }>
}

type Cmd<T extends ParsedCaseCommand['type']> = Extract<ParsedCaseCommand, { type: T }>

export interface DecideOutput {
  case: Case
  events: CaseEvent[]
}

const FIRST_RESPONSE_COMMANDS = new Set(['respond', 'ask_info', 'make_offer', 'approve', 'reject'])

const DEADLINE_FOR: Partial<Record<CaseStatus, BuyerDeadlineKind>> = {
  awaiting_buyer: 'info',
  offer_pending: 'offer',
  awaiting_return: 'return',
  replacement_shipped: 'receipt',
  rejected: 'appeal',
  resolved: 'rate',
}

const EXPIRE_FROM: Record<BuyerDeadlineKind, { status: CaseStatus[]; to: CaseStatus }> = {
  info: { status: ['awaiting_buyer'], to: 'closed' },
  offer: { status: ['offer_pending'], to: 'in_review' },
  return: { status: ['awaiting_return'], to: 'closed' },
  receipt: { status: ['replacement_shipped'], to: 'resolved' },
  appeal: { status: ['rejected'], to: 'closed' },
  rate: { status: ['resolved'], to: 'closed' },
}

function isSupervisor(ctx: CoreContext): boolean {
  return ctx.actor.kind === 'staff' && (ctx.actor.role === 'supervisor' || ctx.actor.role === 'owner')
}

/** `value`: everything of value given (cash, coupon, gift) against the threshold; `cash` for the risk rule. */
function requireApproval(value: number, cash: number, w: Work, ctx: CoreContext, what: string): void {
  const th = ctx.policy.compensation.approvalThresholdFen
  if (isSupervisor(ctx) || ctx.actor.kind === 'buyer' || ctx.actor.kind === 'system') return
  if (value > th) {
    const parts = value === cash ? `${what}金额${yuan(value)}` : `${what}总价值${yuan(value)}（含优惠券和礼品${yuan(value - cash)}）`
    raise('FORBIDDEN', `${parts}超过${yuan(th)}，需要主管审批`, { amountFen: value, thresholdFen: th })
  }
  if (w.c.flags.risk && cash > 0) raise('FORBIDDEN', `该买家已标记退款风险，${what}需要主管审批`, { amountFen: cash })
}

function addRefund(w: Work, amountFen: number, purpose: 'refund' | 'compensation', ctx: CoreContext): void {
  if (amountFen <= 0) return
  const paid = w.c.order.paidFen
  const others = ctx.orderCommittedFen ?? 0
  if (amountFen > remainingFen(w.c, others))
    raise('LIMIT_EXCEEDED', `退款和补偿合计不能超过实付金额${yuan(paid)}（还可退${yuan(remainingFen(w.c, others))}）`, { amountFen, paidFen: paid, committedFen: committedFen(w.c) + others })
  const key = `${w.c.id}-r${w.c.refunds.length + 1}`
  w.c.refunds.push({ key, amountFen, purpose, status: 'pending', requestedAt: ctx.now, settledAt: null, failureReason: null })
  w.events.push({ kind: 'refund_requested', caseId: w.c.id, refundKey: key, orderId: w.c.order.orderId, amountFen })
}

function alert(w: Work, to: string, kind: Extract<CaseEvent, { kind: 'staff_alert' }>['alert'], text: string, dueAt?: string): void {
  w.events.push({ kind: 'staff_alert', caseId: w.c.id, to, alert: kind, text, ...(dueAt ? { dueAt } : {}) })
}

function newLeg(ctx: CoreContext, items: ReplacementShipment['items'], gift: number, early: boolean): ReplacementShipment {
  return { id: ctx.newId(), items: items.map((i) => ({ ...i })), giftValueFen: gift, status: 'to_ship', early, carrier: null, trackingNo: null, shippedAt: null }
}

/** Carry out an accepted / approved remedy; sets w.to. */
function executeRemedy(w: Work, offer: Offer, ctx: CoreContext, opts: { shipNow: boolean }): void {
  const c = w.c
  const items = offer.items.length ? offer.items : c.claimedItems
  switch (offer.kind) {
    case 'refund':
    case 'compensation': {
      if (cashOf(offer) <= 0 && offer.couponFen <= 0) raise('VALIDATION', '方案金额必须大于0')
      addRefund(w, offer.refundFen, 'refund', ctx)
      addRefund(w, offer.compensationFen, 'compensation', ctx)
      if (offer.couponFen > 0) w.events.push({ kind: 'warehouse_task', caseId: c.id, task: 'issue_coupon', items: [], giftValueFen: 0, couponFen: offer.couponFen, text: `发放${yuan(offer.couponFen)}优惠券` })
      if (cashOf(offer) > 0) {
        w.to = 'refunding'
        w.buyer.push({ event: 'refund_issued', extra: { amountFen: cashOf(offer) } })
      } else w.to = 'resolved'
      return
    }
    case 'coupon':
      w.events.push({ kind: 'warehouse_task', caseId: c.id, task: 'issue_coupon', items: [], giftValueFen: 0, couponFen: offer.couponFen, text: `发放${yuan(offer.couponFen)}优惠券` })
      w.to = 'resolved'
      return
    case 'guidance':
      w.to = 'resolved'
      return
    case 'return_refund':
    case 'exchange': {
      c.returnShipment = { status: 'pending', pickup: offer.pickup, shippingPaidBy: offer.shippingPaidBy, purpose: 'inspect', items, carrier: null, trackingNo: null, shippedAt: null, receivedAt: null }
      if (offer.pickup) {
        w.events.push({ kind: 'warehouse_task', caseId: c.id, task: 'book_pickup', items, giftValueFen: 0, couponFen: 0, text: '预约快递上门取件（运费到付）' })
        w.buyer.push({ event: 'pickup_booked' })
      }
      if (offer.kind === 'exchange') {
        const leg = newLeg(ctx, items, offer.giftValueFen, opts.shipNow)
        c.replacementShipments.push(leg)
        if (opts.shipNow) w.events.push({ kind: 'warehouse_task', caseId: c.id, task: 'ship_replacement', items, giftValueFen: offer.giftValueFen, couponFen: 0, text: '老客户换货：双向发货，先发出新商品' })
      }
      w.to = 'awaiting_return'
      return
    }
    case 'resend': {
      c.replacementShipments.push(newLeg(ctx, items, offer.giftValueFen, false))
      w.events.push({ kind: 'warehouse_task', caseId: c.id, task: 'ship_replacement', items, giftValueFen: offer.giftValueFen, couponFen: 0, text: offer.giftValueFen > 0 ? '补发商品并附赠小礼物' : '补发商品' })
      if (offer.pickup) {
        c.returnShipment = { status: 'pending', pickup: true, shippingPaidBy: 'seller', purpose: 'collect', items, carrier: null, trackingNo: null, shippedAt: null, receivedAt: null }
        w.events.push({ kind: 'warehouse_task', caseId: c.id, task: 'book_pickup', items, giftValueFen: 0, couponFen: 0, text: '预约快递上门取回（运费到付）' })
        w.buyer.push({ event: 'pickup_booked' })
      }
      w.to = 'in_review'
      return
    }
  }
}

function offerFromDraft(d: OfferDraft, ctx: CoreContext, status: Offer['status'], group: string | null): Offer {
  return { ...d, id: ctx.newId(), status, createdAt: ctx.now, group }
}

// ------------------------------------------------------------------ handlers

type Handler<T extends ParsedCaseCommand['type']> = (w: Work, cmd: Cmd<T>, ctx: CoreContext) => void

const handlers: { [K in ParsedCaseCommand['type']]: Handler<K> } = {
  respond(w, cmd) {
    w.to = 'in_review'
    w.text = cmd.text
    w.buyer.push({ event: 'case_responded' })
  },
  ask_info(w, cmd) {
    w.to = 'awaiting_buyer'
    w.text = `请补充信息：${cmd.text}`
  },
  make_offer(w, cmd, ctx) {
    const c = w.c
    const fromSuggestions = cmd.offerIds.map((id) => {
      const o = c.offers.find((x) => x.id === id)
      if (!o) raise('VALIDATION', `没有这个方案：${id}`)
      if (o.status !== 'suggested' && o.status !== 'declined' && o.status !== 'expired' && o.status !== 'withdrawn') raise('VALIDATION', '该方案已提供或已处理')
      return o
    })
    const fresh = cmd.offers.map((o) => {
      for (const it of o.items) {
        const item = c.order.items.find((i) => i.skuId === it.skuId)
        if (!item || it.qty > item.qty) raise('VALIDATION', `方案中的商品 ${it.skuId} 不在订单中或数量超出`)
      }
      if (o.compensationFen > 0 && o.kind !== 'refund' && o.kind !== 'compensation') raise('VALIDATION', '只有退款/补偿方案可以包含补偿金额')
      if (o.refundFen > 0 && !(o.kind === 'refund' || o.kind === 'return_refund' || o.kind === 'compensation')) raise('VALIDATION', '该类方案不能包含退款金额')
      return o
    })
    const all = fromSuggestions.length + fresh.length
    if (all === 0) raise('VALIDATION', '请至少选择一个方案')
    if (all > 3) raise('VALIDATION', '一次最多提供3个方案供买家选择')
    const room = remainingFen(c, ctx.orderCommittedFen)
    const th = ctx.policy.compensation.approvalThresholdFen
    for (const o of [...fromSuggestions, ...fresh]) {
      const cash = cashOf(o)
      if (cash > room) raise('LIMIT_EXCEEDED', `方案金额${yuan(cash)}超过可退金额${yuan(room)}`, { amountFen: cash, remainingFen: room })
      requireApproval(valueOf(o), cash, w, ctx, '方案')
    }
    // previous open offers are withdrawn
    for (const o of c.offers) if (o.status === 'offered') o.status = 'withdrawn'
    const group = all > 1 ? ctx.newId() : null
    for (const o of fromSuggestions) {
      o.status = 'offered'
      o.group = group
    }
    for (const o of fresh) c.offers.push({ ...o, id: ctx.newId(), needsSupervisor: valueOf(o) > th, status: 'offered', createdAt: ctx.now, group })
    const offered = c.offers.filter((o) => o.status === 'offered')
    w.to = 'offer_pending'
    w.text = cmd.text ?? (offered.length > 1 ? `为您提供${offered.length}个方案，请选择：${offered.map((o) => o.explanation).join('；')}` : `为您提供方案：${offered[0].explanation}`)
    w.data = { offerIds: offered.map((o) => o.id) }
  },
  approve(w, cmd, ctx) {
    const c = w.c
    const value = claimedValueFen(c.order, c.claimedItems)
    const atFault = SELLER_AT_FAULT.has(c.reason)
    const th = ctx.policy.compensation.approvalThresholdFen
    const base = { rule: 'approved_request', refundFen: 0, compensationFen: 0, couponFen: 0, giftValueFen: 0, items: c.claimedItems, pickup: cmd.pickup ?? atFault, shippingPaidBy: cmd.shippingPaidBy ?? (atFault ? 'seller' : 'buyer') } as const
    let draft: Omit<OfferDraft, 'needsSupervisor'>
    switch (c.type) {
      case 'refund_only':
        draft = { ...base, kind: 'refund', refundFen: cmd.amountFen ?? value, pickup: false, explanation: `同意仅退款${yuan(cmd.amountFen ?? value)}` }
        break
      case 'return_refund':
        draft = { ...base, kind: 'return_refund', refundFen: cmd.amountFen ?? value, explanation: `同意退货退款，验货通过后退款${yuan(cmd.amountFen ?? value)}` }
        break
      case 'exchange':
        draft = { ...base, kind: 'exchange', explanation: '同意换货' }
        break
      case 'resend':
        draft = { ...base, kind: 'resend', pickup: cmd.pickup ?? false, explanation: '同意补发' }
        break
      case 'compensation':
        if (!cmd.amountFen) raise('VALIDATION', '补偿类售后请填写补偿金额', { field: 'amountFen' })
        draft = { ...base, kind: 'compensation', compensationFen: cmd.amountFen, pickup: false, explanation: `同意补偿${yuan(cmd.amountFen)}` }
        break
      case 'logistics':
        draft = cmd.amountFen
          ? { ...base, kind: 'compensation', compensationFen: cmd.amountFen, pickup: false, explanation: `物流问题补偿${yuan(cmd.amountFen)}` }
          : { ...base, kind: 'guidance', pickup: false, explanation: '已为您催促快递并持续跟进' }
        break
    }
    const cash = cashOf(draft)
    if (cash > remainingFen(c, ctx.orderCommittedFen)) raise('LIMIT_EXCEEDED', `金额${yuan(cash)}超过可退金额（还可退${yuan(remainingFen(c, ctx.orderCommittedFen))}）`, { amountFen: cash })
    requireApproval(valueOf(draft), cash, w, ctx, '审批')
    for (const o of c.offers) if (o.status === 'offered') o.status = 'withdrawn'
    const offer = offerFromDraft({ ...draft, needsSupervisor: valueOf(draft) > th }, ctx, 'accepted', null)
    c.offers.push(offer)
    c.acceptedOfferId = offer.id
    executeRemedy(w, offer, ctx, { shipNow: c.type === 'exchange' && (c.flags.trusted || cmd.shipReplacementNow === true) })
    w.text = cmd.text ?? `售后申请已同意：${offer.explanation}`
    w.data = { offerId: offer.id }
  },
  reject(w, cmd) {
    w.to = 'rejected'
    w.text = `售后申请未通过：${cmd.text}`
  },
  receive_return(w, cmd, ctx) {
    const rs = w.c.returnShipment
    if (!rs) raise('VALIDATION', '该售后单没有退货')
    if (rs.status === 'received') raise('VALIDATION', '退货已签收')
    rs.status = 'received'
    rs.receivedAt = ctx.now
    if (rs.purpose === 'inspect') {
      if (w.c.status !== 'awaiting_return' && w.c.status !== 'return_shipped') raise('NOT_ALLOWED_IN_STATUS', '当前状态不能签收退货')
      w.to = 'inspecting'
      w.buyer.push({ event: 'return_received' })
      w.text = cmd.text ?? '商家已收到退货，正在验货'
    } else {
      w.text = cmd.text ?? '商家已收回错发/破损商品'
    }
  },
  inspect(w, cmd, ctx) {
    const c = w.c
    c.inspection = { result: cmd.result, note: cmd.note, photos: cmd.photos, at: ctx.now, by: ctx.actor.id }
    if (cmd.result === 'fail') {
      w.to = 'rejected'
      w.text = `验货未通过：${cmd.note}`
      return
    }
    const offer = c.offers.find((o) => o.id === c.acceptedOfferId)
    w.text = `验货通过：${cmd.note}`
    if (offer?.kind === 'return_refund' && offer.refundFen > 0) {
      // amount was approved when the remedy was approved / offered; inspection only releases it
      addRefund(w, offer.refundFen, 'refund', ctx)
      w.to = 'refunding'
      w.buyer.push({ event: 'refund_issued', extra: { amountFen: offer.refundFen } })
    } else if (offer?.kind === 'exchange') {
      const leg = c.replacementShipments.find((l) => l.status !== 'to_ship')
      if (leg) w.to = 'resolved'
      else {
        if (!c.replacementShipments.some((l) => l.status === 'to_ship')) c.replacementShipments.push(newLeg(ctx, offer.items, offer.giftValueFen, false))
        w.events.push({ kind: 'warehouse_task', caseId: c.id, task: 'ship_replacement', items: offer.items, giftValueFen: offer.giftValueFen, couponFen: 0, text: '验货通过，发出换货商品' })
        w.to = 'in_review'
      }
    } else w.to = offer?.kind === 'return_refund' ? 'resolved' : 'in_review'
  },
  issue_refund(w, cmd, ctx) {
    requireApproval(cmd.amountFen, cmd.amountFen, w, ctx, '退款')
    addRefund(w, cmd.amountFen, cmd.purpose, ctx)
    w.to = 'refunding'
    w.text = cmd.text ?? `已发起${cmd.purpose === 'refund' ? '退款' : '补偿'}${yuan(cmd.amountFen)}`
    w.buyer.push({ event: 'refund_issued', extra: { amountFen: cmd.amountFen } })
  },
  ship_replacement(w, cmd, ctx) {
    const c = w.c
    const leg = c.replacementShipments.find((l) => l.status === 'to_ship')
    if (!leg) raise('VALIDATION', '没有待发出的补发/换货商品')
    if (c.status !== 'in_review' && !leg.early) raise('NOT_ALLOWED_IN_STATUS', '需等退货验货通过后再发出换货商品（非双向发货）', { status: c.status })
    leg.status = 'shipped'
    leg.carrier = cmd.carrier
    leg.trackingNo = cmd.trackingNo
    leg.shippedAt = ctx.now
    if (c.status === 'in_review') w.to = 'replacement_shipped'
    else w.buyer.push({ event: 'replacement_shipped', extra: { carrier: cmd.carrier, trackingNo: cmd.trackingNo } })
    w.text = `商品已发出：${cmd.carrier} ${cmd.trackingNo}`
    w.data = { carrier: cmd.carrier, trackingNo: cmd.trackingNo, legId: leg.id }
  },
  note(w, cmd) {
    w.internal = true
    w.text = cmd.text
  },
  reassign(w, cmd, ctx) {
    const c = w.c
    const own = c.assigneeId !== null && c.assigneeId === ctx.actor.id
    if (!isSupervisor(ctx) && !own && c.assigneeId !== null) raise('FORBIDDEN', '只能转派自己负责的售后单，或由主管转派')
    if (cmd.assigneeId && ctx.roster && !ctx.roster.some((s) => s.id === cmd.assigneeId)) raise('VALIDATION', `没有这位客服：${cmd.assigneeId}`)
    const before = c.assigneeId
    c.assigneeId = cmd.assigneeId
    if (cmd.team) c.team = cmd.team
    w.internal = true
    w.text = cmd.text ?? `转派：${before ?? '队列'} → ${cmd.assigneeId ?? '队列'}${cmd.team ? `（${cmd.team}）` : ''}`
    w.data = { from: before, to: cmd.assigneeId, team: c.team }
  },
  escalate(w, cmd) {
    w.c.flags.escalated = true
    w.internal = true
    w.text = `升级至主管/售后专员：${cmd.text}`
    alert(w, 'supervisor', 'escalated', `售后单 ${w.c.caseNo} 已升级：${cmd.text}`)
  },
  provide_info(w, cmd) {
    const c = w.c
    if (c.evidence.length + cmd.evidence.length > 18) raise('LIMIT_EXCEEDED', '凭证最多18个')
    c.evidence.push(...cmd.evidence)
    w.to = c.status === 'awaiting_buyer' ? 'in_review' : c.status
    w.text = `买家补充：${cmd.text}`
    w.data = cmd.evidence.length ? { evidence: cmd.evidence.map((e) => e.fileId) } : undefined
  },
  accept_offer(w, cmd, ctx) {
    const c = w.c
    const offer = c.offers.find((o) => o.id === cmd.offerId)
    if (!offer || offer.status !== 'offered') raise('VALIDATION', '该方案不可接受（已失效或不存在）', { offerId: cmd.offerId })
    if (cashOf(offer) > remainingFen(c, ctx.orderCommittedFen)) raise('LIMIT_EXCEEDED', `方案金额超过可退金额（还可退${yuan(remainingFen(c, ctx.orderCommittedFen))}）`)
    for (const o of c.offers) if (o.status === 'offered') o.status = o.id === offer.id ? 'accepted' : 'withdrawn'
    c.acceptedOfferId = offer.id
    executeRemedy(w, offer, ctx, { shipNow: offer.kind === 'exchange' && c.flags.trusted })
    w.text = `买家接受方案：${offer.explanation}`
    w.data = { offerId: offer.id, rule: offer.rule }
  },
  decline_offer(w, cmd, ctx) {
    const c = w.c
    // declining one of a set of alternatives declines the set
    const declined = c.offers.filter((o) => o.status === 'offered')
    if (cmd.offerId && !declined.some((o) => o.id === cmd.offerId)) raise('VALIDATION', '该方案不可拒绝（已失效或不存在）')
    for (const o of c.offers) if (o.status === 'offered') o.status = 'declined'
    w.to = 'in_review'
    w.text = cmd.text ? `买家未接受方案：${cmd.text}` : '买家未接受方案，客服将重新处理'
    // taste / usage: guidance did not help → suggest return / exchange now (seed 002)
    if (declined.some((o) => o.rule === 'taste_guidance_first')) {
      const s = suggestOffers(
        { order: c.order, claimedItems: c.claimedItems, reason: c.reason, severity: c.severity, committedFen: committedFen(c) + (ctx.orderCommittedFen ?? 0), guidanceTried: true, now: ctx.now },
        ctx.policy,
        {},
      )
      for (const d of s.offers) c.offers.push(offerFromDraft(d, ctx, 'suggested', null))
    }
  },
  cancel(w, cmd) {
    if (w.c.refunds.some((r) => r.status === 'pending')) raise('NOT_ALLOWED_IN_STATUS', '退款处理中，不能撤销')
    w.to = 'cancelled'
    w.text = cmd.text ? `买家撤销申请：${cmd.text}` : '买家撤销了售后申请'
  },
  ship_return(w, cmd, ctx) {
    const rs = w.c.returnShipment
    if (!rs) raise('VALIDATION', '该售后单没有退货')
    if (rs.status !== 'pending') raise('VALIDATION', '退货已寄出')
    if (rs.purpose === 'inspect' && w.c.status !== 'awaiting_return') raise('NOT_ALLOWED_IN_STATUS', '当前状态不能填写退货单号')
    rs.status = 'shipped'
    rs.carrier = cmd.carrier
    rs.trackingNo = cmd.trackingNo
    rs.shippedAt = ctx.now
    if (rs.purpose === 'inspect') w.to = 'return_shipped'
    w.text = `退货已寄出：${cmd.carrier} ${cmd.trackingNo}`
    w.data = { carrier: cmd.carrier, trackingNo: cmd.trackingNo }
  },
  confirm_receipt(w) {
    for (const l of w.c.replacementShipments) if (l.status === 'shipped') l.status = 'received'
    w.to = 'resolved'
    w.text = '买家已确认收货'
  },
  rate(w, cmd, ctx) {
    const c = w.c
    c.rating = { score: cmd.score, comment: cmd.comment, at: ctx.now }
    w.to = 'closed'
    w.text = `买家评价：${cmd.score}星${cmd.comment ? `，${cmd.comment}` : ''}`
    if (cmd.score <= ctx.policy.sla.negativeReviewMaxScore) {
      c.flags.negativeReview = true
      const due = toIso(toMs(ctx.now) + ctx.policy.sla.negativeReviewReplyHours * HOUR_MS)
      alert(w, c.assigneeId ?? 'supervisor', 'negative_review_followup', `售后单 ${c.caseNo} 收到差评，请在${ctx.policy.sla.negativeReviewReplyHours}小时内回访`, due)
    }
  },
  appeal(w, cmd, ctx) {
    const c = w.c
    if (c.appealCount >= ctx.policy.limits.maxAppeals) raise('LIMIT_EXCEEDED', `申诉次数已达上限（${ctx.policy.limits.maxAppeals}次）`)
    if (c.buyerDeadline?.kind === 'appeal' && toMs(ctx.now) > toMs(c.buyerDeadline.dueAt)) raise('NOT_ALLOWED_IN_STATUS', `申诉期已过（${ctx.policy.buyerWait.appealDays}天内可申诉）`)
    c.appealCount += 1
    c.evidence.push(...cmd.evidence)
    c.flags.escalated = true
    w.to = 'in_review'
    w.text = `买家申诉：${cmd.text}`
    w.buyer.push({ event: 'appeal_received' })
    alert(w, 'supervisor', 'appeal', `售后单 ${c.caseNo} 买家申诉，请复核`)
  },
  refund_confirmed(w, cmd, ctx) {
    const r = w.c.refunds.find((x) => x.key === cmd.key)
    if (!r) raise('VALIDATION', `没有这笔退款：${cmd.key}`)
    if (r.status !== 'pending') raise('CONFLICT', '该退款已处理', { key: cmd.key })
    r.status = 'succeeded'
    r.settledAt = ctx.now
    const pending = w.c.refunds.some((x) => x.status === 'pending')
    w.to = pending ? 'refunding' : 'resolved'
    w.text = `${r.purpose === 'refund' ? '退款' : '补偿'}${yuan(r.amountFen)}已到账`
    w.buyer.push({ event: 'refund_succeeded', extra: { amountFen: r.amountFen } })
  },
  refund_failed(w, cmd, ctx) {
    const r = w.c.refunds.find((x) => x.key === cmd.key)
    if (!r) raise('VALIDATION', `没有这笔退款：${cmd.key}`)
    if (r.status !== 'pending') raise('CONFLICT', '该退款已处理', { key: cmd.key })
    r.status = 'failed'
    r.settledAt = ctx.now
    r.failureReason = cmd.reason
    w.c.flags.refundFailed = true
    w.to = 'in_review'
    w.text = '退款未成功，客服会尽快重新处理'
    alert(w, w.c.assigneeId ?? 'supervisor', 'refund_failed', `售后单 ${w.c.caseNo} 退款${yuan(r.amountFen)}失败：${cmd.reason || '原因未知'}`)
  },
  expire(w, cmd, ctx) {
    const c = w.c
    const rule = EXPIRE_FROM[cmd.deadline]
    if (!rule.status.includes(c.status) || c.buyerDeadline?.kind !== cmd.deadline)
      raise('NOT_ALLOWED_IN_STATUS', '当前没有这个等待期限', { deadline: cmd.deadline })
    if (toMs(ctx.now) < toMs(c.buyerDeadline.dueAt)) raise('VALIDATION', '期限未到', { dueAt: c.buyerDeadline.dueAt })
    w.to = rule.to
    const texts: Record<BuyerDeadlineKind, string> = {
      info: '超时未补充信息，售后单已关闭',
      offer: '方案超时未确认，客服将重新处理',
      return: '超时未寄回商品，售后单已关闭',
      receipt: '已超过确认收货期限，视为已收货',
      appeal: '申诉期已过，售后单已关闭',
      rate: '售后已完成，售后单已关闭',
    }
    w.text = texts[cmd.deadline]
    if (cmd.deadline === 'offer') for (const o of c.offers) if (o.status === 'offered') o.status = 'expired'
  },
  sla_warn(w, _cmd, ctx) {
    const rep = slaState(w.c, ctx.now, ctx.policy)
    if (w.c.sla.warnedAt || rep.state !== 'warning') raise('VALIDATION', '当前不需要时效预警', { sla: rep.state })
    w.c.sla = { ...w.c.sla, warnedAt: ctx.now }
    w.internal = true
    w.text = `时效预警：${rep.target === 'first_response' ? '首次响应' : '处理完成'}将于 ${rep.dueAt} 到期`
    alert(w, w.c.assigneeId ?? 'supervisor', 'sla_warning', `售后单 ${w.c.caseNo} 即将超时`, rep.dueAt ?? undefined)
    w.events.push({ kind: 'sla_changed', caseId: w.c.id, change: 'warned', sla: w.c.sla })
  },
  sla_breach(w, _cmd, ctx) {
    const rep = slaState(w.c, ctx.now, ctx.policy)
    if (w.c.sla.breachedAt || rep.state !== 'breached') raise('VALIDATION', '当前未超时', { sla: rep.state })
    w.c.sla = { ...w.c.sla, breachedAt: ctx.now, breachedTarget: rep.target }
    w.c.flags.escalated = true
    w.internal = true
    w.text = `已超时（${rep.target === 'first_response' ? '首次响应' : '处理完成'}），已升级主管`
    alert(w, 'supervisor', 'sla_breach', `售后单 ${w.c.caseNo} 已超时，已自动升级`)
    w.events.push({ kind: 'sla_changed', caseId: w.c.id, change: 'breached', sla: w.c.sla })
  },
  auto_close(w, _cmd, ctx) {
    const c = w.c
    if (!c.buyerDeadline || toMs(ctx.now) < toMs(c.buyerDeadline.dueAt)) raise('VALIDATION', '尚未到自动关闭时间')
    w.to = 'closed'
    w.text = '售后单已自动关闭'
  },
  followup_remind(w, _cmd, ctx) {
    const f = w.c.followUp
    if (!f || f.remindedAt) raise('VALIDATION', '没有待提醒的回访')
    if (toMs(ctx.now) < toMs(f.dueAt)) raise('VALIDATION', '尚未到回访时间')
    w.c.followUp = { ...f, remindedAt: ctx.now }
    w.internal = true
    w.text = '已提醒负责客服回访买家'
    alert(w, w.c.assigneeId ?? 'supervisor', 'followup_visit', `售后单 ${w.c.caseNo} 已处理完成，请回访买家确认是否满意`)
  },
}

// ------------------------------------------------------------------ decide

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T
}

export function decide(current: Case, command: CaseCommand | unknown, ctx: CoreContext): Result<DecideOutput> {
  const parsed = CaseCommandSchema.safeParse(command)
  const rawType = typeof command === 'object' && command !== null && 'type' in command ? String((command as { type: unknown }).type) : undefined
  if (!parsed.success) {
    return fail('VALIDATION', `指令无效：${parsed.error.issues.map((i) => `${i.path.join('.') || '(command)'} ${i.message}`).join('；')}`, { status: current.status, command: rawType })
  }
  const cmd = parsed.data
  const details = { status: current.status, command: cmd.type }
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== current.version)
    return fail('CONFLICT', '售后单已被他人更新，请刷新后重试', { ...details, expectedVersion: cmd.expectedVersion, version: current.version })
  if (FINAL.includes(current.status)) return fail('NOT_ALLOWED_IN_STATUS', '售后单已结束，不能再操作', details)
  const row = rowOf(cmd.type)
  if (!row.self.includes(current.status) && !(row.from[current.status]?.length)) {
    return fail('NOT_ALLOWED_IN_STATUS', `当前状态（${current.status}）不能执行 ${cmd.type}`, details)
  }
  if (!row.by.includes(ctx.actor.kind)) return fail('FORBIDDEN', '无权执行该操作', { ...details, actor: ctx.actor.kind })
  if (ctx.actor.kind === 'buyer' && ctx.actor.id !== current.buyerOpenid) return fail('FORBIDDEN', '只能操作自己的售后单', details)

  const w: Work = { c: clone(current), to: current.status, text: '', internal: false, events: [], buyer: [] }
  try {
    ;(handlers[cmd.type] as Handler<typeof cmd.type>)(w, cmd as never, ctx)
  } catch (e) {
    if (e instanceof CoreFailure) return { ok: false, error: { ...e.error, details: { ...details, ...e.error.details } } }
    throw e
  }
  if (!isListed(cmd.type, current.status, w.to)) {
    // a handler asked for a move the table does not list: a bug, never a silent state change
    throw new Error(`transition ${current.status} -(${cmd.type})-> ${w.to} is not in the table`)
  }
  return ok(finish(current, w, cmd, ctx))
}

function finish(current: Case, w: Work, cmd: ParsedCaseCommand, ctx: CoreContext): DecideOutput {
  const c = w.c
  const from = current.status
  const to = w.to
  const policy: Policy = ctx.policy
  c.status = to
  c.version = current.version + 1
  c.updatedAt = ctx.now

  // SLA
  type SlaChange = Extract<CaseEvent, { kind: 'sla_changed' }>['change']
  const changes: SlaChange[] = []
  if (ctx.actor.kind === 'staff' && FIRST_RESPONSE_COMMANDS.has(cmd.type) && !c.sla.firstResponse.metAt) {
    c.sla = markFirstResponse(c.sla, ctx.now)
    changes.push('met_first_response')
  }
  const before = c.sla
  let change: SlaChange | null = null
  if (cmd.type === 'appeal') {
    c.sla = restartResolution(c.sla, ctx.now, policy)
    change = 'started'
  } else if (to === 'resolved' || to === 'rejected' || FINAL.includes(to)) {
    c.sla = stopSla(c.sla, ctx.now, to === 'resolved')
    if (c.sla !== before) change = 'stopped'
  } else if (PAUSED_STATUSES.includes(to) && !PAUSED_STATUSES.includes(from)) {
    c.sla = pauseSla(c.sla, ctx.now, policy)
    change = 'paused'
  } else if (!PAUSED_STATUSES.includes(to) && PAUSED_STATUSES.includes(from)) {
    c.sla = resumeSla(c.sla, ctx.now, policy)
    change = 'resumed'
  }
  if (change && c.sla !== before) changes.push(change)
  for (const ch of changes) w.events.push({ kind: 'sla_changed', caseId: c.id, change: ch, sla: c.sla })

  // buyer wait deadline
  if (to !== from) {
    const kind = DEADLINE_FOR[to]
    c.buyerDeadline = kind ? buyerDeadline(kind, ctx.now, policy) : null
  }
  if (FINAL.includes(to)) c.closedAt = ctx.now
  // follow-up visit (回访, seed 002): once per resolution; a rating or closing first makes it moot
  if (to === 'resolved' && from !== 'resolved') {
    const hours = policy.sla.followUpVisitHours ?? 48
    c.followUp = hours > 0 ? { dueAt: toIso(toMs(ctx.now) + hours * HOUR_MS), remindedAt: null } : null
  }

  // buyer messages on entering a status (one catalogue, so no handler forgets one)
  if (to !== from) {
    const enter: Partial<Record<CaseStatus, BuyerEventKey>> = {
      awaiting_buyer: 'info_requested',
      offer_pending: 'offer_made',
      awaiting_return: 'return_requested',
      replacement_shipped: 'replacement_shipped',
      rejected: 'case_rejected',
      resolved: 'case_resolved',
      cancelled: 'case_cancelled',
    }
    const ev = enter[to]
    if (ev === 'replacement_shipped') {
      const leg = c.replacementShipments.find((l) => l.status === 'shipped')
      w.buyer.push({ event: ev, extra: { carrier: leg?.carrier ?? undefined, trackingNo: leg?.trackingNo ?? undefined } })
    } else if (ev === 'return_requested' && c.returnShipment?.pickup) {
      // pickup_booked already tells the buyer
    } else if (ev) w.buyer.push({ event: ev })
    if (to === 'resolved') w.buyer.push({ event: 'survey' })
    if (to === 'closed' && cmd.type !== 'rate') w.buyer.push({ event: 'case_closed' })
  }

  // timeline
  c.timeline.push({
    id: ctx.newId(),
    at: ctx.now,
    actor: { kind: ctx.actor.kind, id: ctx.actor.id },
    type: cmd.type,
    fromStatus: from,
    toStatus: to,
    text: w.text,
    internal: w.internal,
    ...(w.data ? { data: w.data } : {}),
  })

  // outbox
  const events: CaseEvent[] = []
  let i = 0
  const key = () => `${c.id}:v${c.version}:${i++}`
  for (const e of w.events) events.push({ ...e, key: key() } as CaseEvent)
  for (const b of w.buyer) {
    const m = buildBuyerMessage(b.event, c, policy, key(), ctx.now, b.extra)
    if (m) events.push(m)
  }
  return { case: c, events }
}
