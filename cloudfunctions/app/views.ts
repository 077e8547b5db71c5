import { caseSourceOf, type Actor, type Case, type ClaimedItem, type CommandType, type Offer, type TimelineEntry } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { BUYER_TIMELINE_DATA, BUYER_TIMELINE_TYPES, type BuyerCaseSummary, type BuyerCaseView, type BuyerOffer, type BuyerTimelineEntry } from '@contract/buyer-view'
import type { CaseSummary, CaseView, MoneyView, NextStep, PlatformMark, SlaView } from '@contract/actions'
import { BUYER_COMMANDS, STAFF_COMMANDS } from '@contract/actions'
import { allowedCommands, slaState } from '../core'
import { acceptCallFor, platformStatusText, sellerDeadline } from '../core/platform-status'
import { platformDeadlines } from '../core/dispute-status'
import { moneyRoom, type OrderLedger } from '../core/money-guard'
import type { CaseLine } from '../ports/store'
import { givenValueFen } from '../core/commands/work'
import { pendingApproval } from '../core/commands/approvals'
import { previewTap } from '../core/preview'
import { freightInsured, settledPayer } from '../core/shipping'
import { exchangeDifferenceFen } from '../core/shop-remedy'

/** The platform side of a shop after-sale as the queue and the case header show it. */
export function platformMark(c: Case): PlatformMark | null {
  const p = c.platform
  return p ? { afterSaleOrderId: p.afterSaleOrderId, statusText: platformStatusText(p.status), deadline: sellerDeadline(p), acceptCall: acceptCallFor(p), ...(p.reasonText ? { reasonText: p.reasonText } : {}) } : null
}

const buyerCommands = new Set<string>(BUYER_COMMANDS)
const staffCommands = new Set<string>(STAFF_COMMANDS)

/** What happens next, in plain words, for the tracker's headline. */
export function nextStep(c: Case): NextStep {
  const due = c.buyerDeadline?.dueAt ?? null
  switch (c.status) {
    case 'submitted':
      // a case the seller opened (logistics watch, staff on the buyer's behalf) is the seller reaching out
      return sellerOpened(c)
        ? { actor: 'seller', text: '商家发现您的订单可能有问题，已主动为您跟进，客服会尽快联系您', dueAt: c.sla.firstResponse.metAt ? null : c.sla.firstResponse.dueAt }
        : { actor: 'seller', text: '客服将尽快受理您的申请', dueAt: c.sla.firstResponse.metAt ? null : c.sla.firstResponse.dueAt }
    case 'awaiting_buyer':
      return { actor: 'buyer', text: '请补充商家需要的信息或凭证', dueAt: due }
    case 'in_review':
      return { actor: 'seller', text: '客服正在处理，请耐心等待', dueAt: c.sla.resolution.metAt ? null : c.sla.resolution.dueAt }
    case 'offer_pending':
      return { actor: 'buyer', text: '请查看商家给出的方案，接受或拒绝', dueAt: due }
    case 'awaiting_return':
      // a shop after-sale's return is filled in on WeChat's order page, not here
      if (c.platform) return { actor: 'buyer', text: '请在微信订单的售后页面填写退货快递单号', dueAt: due }
      return c.returnShipment?.pickup
        ? { actor: 'seller', text: '快递将上门取件，请备好商品', dueAt: due }
        : { actor: 'buyer', text: '请寄回商品并填写快递单号', dueAt: due }
    case 'return_shipped':
      return { actor: 'seller', text: '退货运输中，商家收到后将验货', dueAt: null }
    case 'inspecting':
      return { actor: 'seller', text: '商家正在验货', dueAt: null }
    case 'refunding':
      return { actor: 'seller', text: '退款处理中，请留意到账', dueAt: null }
    case 'replacement_shipped':
      return { actor: 'buyer', text: '商品已发出，收到后请确认收货', dueAt: due }
    case 'resolved':
      // a shop after-sale is rated in WeChat, not here
      if (c.platform) return { actor: 'none', text: '售后已完成', dueAt: null }
      // rating is optional: not a to-do with a countdown
      return { actor: 'none', text: '售后已完成，欢迎为本次服务评分（可选）', dueAt: null }
    case 'rejected':
      if (c.platform) return { actor: 'buyer', text: '申请未通过，如有异议可在微信订单的售后页面申请平台介入', dueAt: due }
      return { actor: 'buyer', text: '申请未通过，如有异议可提交申诉', dueAt: due }
    case 'closed':
      return { actor: 'none', text: '售后单已关闭', dueAt: null }
    case 'cancelled':
      return { actor: 'none', text: '您已撤销本次申请', dueAt: null }
  }
}

/** Opened by the system or by staff, not by the buyer (a shop after-sale is the buyer's own application, imported). */
export function sellerOpened(c: Pick<Case, 'timeline'> & Partial<Pick<Case, 'platform'>>): boolean {
  if (c.platform) return false
  const opened = c.timeline.find((e) => e.type === 'opened')
  return !!opened && opened.actor.kind !== 'buyer'
}

export function slaView(c: Pick<Case, 'sla'>, now: string, policy: Policy): SlaView {
  const r = slaState(c, now, policy)
  return { state: r.state, dueAt: r.dueAt, msLeft: r.msLeft, paused: r.paused }
}

/** The buttons: what the core would accept from this actor now, among what their endpoint exposes. */
function actionsFor(c: Case, actor: Actor, now: string, policy: Policy, orderLedger?: OrderLedger): CommandType[] {
  const exposed = actor.kind === 'buyer' ? buyerCommands : staffCommands
  return allowedCommands(c, { actor, policy, now, orderLedger }).filter((a) => exposed.has(a))
}

/** The money guard's answers for the staff page (core/money-guard.ts, core/preview.ts). */
export function moneyView(c: Case, now: string, policy: Policy, staff: Actor, orderLedger: OrderLedger | undefined, actions: CommandType[]): MoneyView {
  const input = { policy, now, ledger: orderLedger }
  const refund = moneyRoom(c, 'refund', input)
  const comp = moneyRoom(c, 'compensation', input)
  const a = pendingApproval(c)
  const approve = actions.includes('approve') ? previewTap(c, { type: 'approve', expectedVersion: c.version }, { now, policy, actor: staff, orderLedger }) : null
  return {
    refundMaxFen: refund.maxFen,
    refundWhy: refund.reason,
    compensationMaxFen: comp.maxFen,
    compensationWhy: comp.reason,
    thresholdFen: policy.compensation.approvalThresholdFen,
    givenFen: givenValueFen(c),
    approve,
    pendingApproval: a ? { id: a.id, summary: a.summary, valueFen: a.amountFen, why: a.why, requestedBy: a.requestedBy, requestedAt: a.requestedAt, mine: a.requestedBy === staff.id } : null,
  }
}

const BUYER_TYPES = new Set<string>(BUYER_TIMELINE_TYPES)

/**
 * The timeline speaks to the buyer in the second person: the core writes one text for both sides
 * ("买家补充：…"), the buyer reads "您补充了：…". Longest prefixes first.
 */
const BUYER_VOICE: Array<[string, string]> = [
  ['买家在视频号小店申请了', '您在视频号小店申请了'],
  ['买家在视频号小店申请售后', '您在视频号小店申请了售后'],
  ['买家未接受方案', '您未接受方案'],
  ['买家接受方案：', '您接受了方案：'],
  ['买家撤销申请：', '您撤销了申请：'],
  ['买家撤销了售后申请', '您撤销了售后申请'],
  ['买家已确认收货', '您已确认收货'],
  ['买家评价：', '您的评价：'],
  ['买家申诉：', '您的申诉：'],
  ['买家补充：', '您补充了：'],
  ['买家', '您'],
]
export function buyerVoice(text: string): string {
  for (const [from, to] of BUYER_VOICE) if (text.startsWith(from)) return to + text.slice(from.length)
  return text
}

/**
 * What the buyer reads of a timeline entry's text. A supervisor's approval's entry carries the
 * approved command's own text (the approval itself is in the entry's staff data); a refusal is
 * internal and never reaches here.
 */
function buyerText(t: TimelineEntry): string {
  if (t.type !== 'decide_approval') return t.text
  if (t.data?.decision === 'approved') return t.text
  // entries written before the approval moved to the entry's data: "主管已批准（¥…）：<text>。审批意见：…"
  const m = /^主管已批准（[^）]*）：/.exec(t.text)
  if (!m) return ''
  const inner = t.text.slice(m[0].length)
  const note = inner.indexOf('。审批意见：')
  return note >= 0 ? inner.slice(0, note) : inner
}

/** A timeline entry as a buyer may see it (null: not theirs to see). */
function buyerEntry(t: TimelineEntry): BuyerTimelineEntry | null {
  if (t.internal || !BUYER_TYPES.has(t.type)) return null
  const data: Record<string, unknown> = {}
  for (const k of BUYER_TIMELINE_DATA) if (t.data && k in t.data) data[k] = t.data[k]
  return {
    id: t.id,
    at: t.at,
    actor: { kind: t.actor.kind },
    type: t.type as BuyerTimelineEntry['type'],
    fromStatus: t.fromStatus,
    toStatus: t.toStatus,
    text: buyerVoice(buyerText(t)),
    ...(Object.keys(data).length ? { data: data as BuyerTimelineEntry['data'] } : {}),
  }
}

const items = (xs: ClaimedItem[]): ClaimedItem[] => xs.map((i) => ({ skuId: i.skuId, qty: i.qty }))

function buyerOffer(o: Offer, c: Case): BuyerOffer | null {
  if (o.status === 'suggested') return null
  // an offer saying 'buyer' on an insured return is read as the insurance's: the buyer never pays it
  const shippingPaidBy = settledPayer(o.shippingPaidBy, freightInsured(c.order, o.items, c.platform))
  return {
    id: o.id, kind: o.kind, refundFen: o.refundFen, compensationFen: o.compensationFen, couponFen: o.couponFen, giftValueFen: o.giftValueFen,
    items: items(o.items), pickup: o.pickup, shippingPaidBy, explanation: o.explanation, status: o.status, createdAt: o.createdAt, group: o.group,
  }
}

const notNull = <T>(x: T | null): x is T => x !== null

/** A shop exchange's price difference as both sides see it (core/shop-remedy.ts). */
export function exchangeDifferenceOf(c: Case): Pick<BuyerCaseView, 'exchangeDifference'> {
  const x = c.platform?.exchange
  const diff = exchangeDifferenceFen(c)
  if (!x || diff === 0) return {}
  return { exchangeDifference: { oldSkuPriceFen: x.oldSkuPriceFen, newSkuPriceFen: x.newSkuPriceFen, differenceFen: Math.abs(diff), settlement: diff > 0 ? 'refund' : 'buyer_pays' } }
}

/**
 * The case as a buyer may see it, built field by field from the allow-list of the contract
 * (`@contract/buyer-view`): nothing of the case reaches the buyer unless it is named here.
 * `orderLedger`: what the order's other cases already got back, when the caller read it (see CoreContext).
 */
export function buyerView(c: Case, now: string, policy: Policy, orderLedger?: OrderLedger): BuyerCaseView {
  const o = c.order
  const r = c.returnShipment
  return {
    id: c.id,
    caseNo: c.caseNo,
    order: {
      orderId: o.orderId,
      items: o.items.map((i) => ({ skuId: i.skuId, name: i.name, qty: i.qty, unitPriceFen: i.unitPriceFen, ...(i.finalSale !== undefined ? { finalSale: i.finalSale } : {}), ...(i.freightInsurance !== undefined ? { freightInsurance: i.freightInsurance } : {}) })),
      paidFen: o.paidFen,
      paidAt: o.paidAt,
      ...(o.shippedAt ? { shippedAt: o.shippedAt } : {}),
      ...(o.deliveredAt ? { deliveredAt: o.deliveredAt } : {}),
      ...(o.carrier ? { carrier: o.carrier } : {}),
      ...(o.trackingNo ? { trackingNo: o.trackingNo } : {}),
    },
    claimedItems: items(c.claimedItems),
    type: c.type,
    reason: c.reason,
    ...(c.platform?.reasonText ? { reasonText: c.platform.reasonText.slice(0, 40) } : {}),
    description: c.description,
    evidence: c.evidence.map((e) => ({ fileId: e.fileId, kind: e.kind, size: e.size, mime: e.mime })),
    desiredRemedy: c.desiredRemedy,
    status: c.status,
    buyerDeadline: c.buyerDeadline ? { kind: c.buyerDeadline.kind, dueAt: c.buyerDeadline.dueAt } : null,
    offers: c.offers.map((o) => buyerOffer(o, c)).filter(notNull),
    acceptedOfferId: c.acceptedOfferId,
    returnShipment: r
      ? { status: r.status, pickup: r.pickup, shippingPaidBy: r.shippingPaidBy, purpose: r.purpose, items: items(r.items), carrier: r.carrier, trackingNo: r.trackingNo, shippedAt: r.shippedAt, receivedAt: r.receivedAt }
      : null,
    inspection: c.inspection ? { result: c.inspection.result, note: c.inspection.note, at: c.inspection.at } : null,
    refunds: c.refunds.map((x) => ({ key: x.key, amountFen: x.amountFen, purpose: x.purpose, status: x.status, requestedAt: x.requestedAt, settledAt: x.settledAt })),
    ...exchangeDifferenceOf(c),
    replacementShipments: c.replacementShipments.map((s) => ({ id: s.id, items: items(s.items), status: s.status, carrier: s.carrier, trackingNo: s.trackingNo, shippedAt: s.shippedAt })),
    rating: c.rating ? { score: c.rating.score, comment: c.rating.comment, at: c.rating.at } : null,
    flags: { buyerNotNotified: c.flags.buyerNotNotified },
    source: caseSourceOf(c),
    version: c.version,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    ...(c.closedAt ? { closedAt: c.closedAt } : {}),
    timeline: c.timeline.map(buyerEntry).filter(notNull),
    next: nextStep(c),
    actions: actionsFor(c, { kind: 'buyer', id: c.buyerOpenid }, now, policy, orderLedger) as BuyerCaseView['actions'],
  }
}

/** One line of the buyer's case list (no routing, severity, assignee or platform deadline). */
export function buyerSummary(c: Case): BuyerCaseSummary {
  return lineBuyerSummary(caseLine(c))
}

/** The buyer's list line from a case's list row (every field is one of the queue line's). */
export function lineBuyerSummary({ row: r }: CaseLine): BuyerCaseSummary {
  return { id: r.id, caseNo: r.caseNo, status: r.status, type: r.type, reason: r.reason, orderId: r.orderId, title: r.title, createdAt: r.createdAt, updatedAt: r.updatedAt, next: r.next, source: r.source }
}

function titleOf(c: Case): string {
  const first = c.claimedItems[0]
  const name = c.order.items.find((i) => i.skuId === first?.skuId)?.name ?? '商品'
  return c.claimedItems.length > 1 ? `${name} 等${c.claimedItems.length}件` : name
}

export function staffView(c: Case, now: string, policy: Policy, staff: Actor, orderLedger?: OrderLedger): CaseView {
  const actions = actionsFor(c, staff, now, policy, orderLedger)
  return { ...c, next: nextStep(c), actions, sla: { ...c.sla, report: slaView(c, now, policy) }, platformMark: platformMark(c), money: moneyView(c, now, policy, staff, orderLedger, actions) }
}

/**
 * The buyer spoke last and waits on the seller: the latest buyer-visible entry is the buyer's own
 * step (a reply, a decline, an appeal; not the application itself) and no staff entry, a note
 * included, came after it. The queue shows 买家已回复 until an agent acts.
 */
export function buyerReplied(c: Case): boolean {
  if (nextStep(c).actor !== 'seller') return false
  for (let i = c.timeline.length - 1; i >= 0; i--) {
    const t = c.timeline[i]
    if (t.actor.kind === 'staff') return false
    if (t.internal || !BUYER_TYPES.has(t.type)) continue
    return t.actor.kind === 'buyer' && t.type !== 'opened'
  }
  return false
}

/** The earliest platform deadline on the case (dispute, 客诉工单), for the queue row. */
function shopDeadlineOf(c: Case): CaseSummary['shopDeadline'] {
  const d = platformDeadlines(c)[0]
  return d ? { label: d.label, dueAt: d.deadline } : null
}

/** One line of the staff queue. */
export function summary(c: Case, now: string, policy: Policy): CaseSummary {
  return lineSummary(caseLine(c), now, policy)
}

/** The queue line from a case's list row: only the SLA badge is worked out at `now`. */
export function lineSummary({ row: r, sla }: CaseLine, now: string, policy: Policy): CaseSummary {
  return {
    id: r.id,
    caseNo: r.caseNo,
    status: r.status,
    type: r.type,
    reason: r.reason,
    severity: r.severity,
    team: r.team,
    assigneeId: r.assigneeId,
    orderId: r.orderId,
    title: r.title,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    escalated: r.escalated,
    sla: slaView({ sla }, now, policy),
    next: r.next,
    source: r.source,
    platform: r.platform,
    shopDeadline: r.shopDeadline,
    buyerReplied: r.buyerReplied,
    version: r.version,
  }
}

/**
 * Bumped whenever caseLine derives something else: a store keeping rows re-derives the ones of
 * another version (and never serves them meanwhile).
 */
export const CASE_LINE_VERSION = 1

/**
 * What the lists show of a case that does not depend on the clock (the queue line without its SLA
 * badge, of which the buyer's line is a part), with the SLA state the badge is worked out from. A
 * store may keep it beside the case (Store.listCaseRows), so a list reads a few hundred bytes a case
 * instead of the whole document.
 */
export function caseLine(c: Case): CaseLine {
  const row: CaseLine['row'] = {
    id: c.id,
    caseNo: c.caseNo,
    status: c.status,
    type: c.type,
    reason: c.reason,
    severity: c.severity,
    team: c.team,
    assigneeId: c.assigneeId,
    orderId: c.order.orderId,
    title: titleOf(c),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    escalated: c.flags.escalated,
    next: nextStep(c),
    source: caseSourceOf(c),
    platform: platformMark(c),
    shopDeadline: shopDeadlineOf(c),
    buyerReplied: buyerReplied(c),
    version: c.version,
  }
  return { v: CASE_LINE_VERSION, row, sla: c.sla }
}
