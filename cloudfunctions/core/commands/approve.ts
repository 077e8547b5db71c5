/**
 * approve (staff): agree to the request and carry it out at once, recorded as an `accepted` offer.
 * What is carried out is the remedy the engine proposed for the case (its suggestion that fits the
 * case type — e.g. the right item + apology gift + pickup for a wrong item), unless the staff member
 * changes it explicitly (`remedy: 'requested'` or another amount) with a reason, which the timeline
 * keeps. Without a fitting suggestion, the buyer's request by case type.
 */
import { SHIPPING_PAYER_STAFF, type Case, type CaseType, type Offer, type OfferKind, type ShippingPayer } from '@contract/domain'
import { raise } from '../errors'
import { claimedValueFen, yuan } from '../money'
import { cashOf, SELLER_AT_FAULT, valueOf, type OfferDraft } from '../offers'
import { freightInsured, returnShippingPayer } from '../shipping'
import { executeRemedy } from './remedy'
import { checkRoom, goodsValueFen, isSupervisor, nothingLeftRefusal, offerFromDraft, requireApproval, withdrawOffered, type CommandSpec } from './work'

/** Case types whose approval always releases money. */
const CASH_TYPES: ReadonlySet<CaseType> = new Set(['refund_only', 'compensation'])

/** Engine remedies that carry out each kind of request. */
const FITS: Record<CaseType, readonly OfferKind[]> = {
  refund_only: ['refund'],
  return_refund: ['return_refund'],
  exchange: ['exchange', 'resend'],
  resend: ['resend'],
  compensation: ['compensation', 'refund', 'coupon'],
  logistics: ['compensation', 'resend', 'refund'],
}

/** The engine's suggestion for this case that carries out what the buyer asked for, if any. */
export function engineRemedy(c: Case): Offer | undefined {
  return c.offers.find((o) => o.status === 'suggested' && FITS[c.type].includes(o.kind))
}

type Draft = Omit<OfferDraft, 'needsSupervisor'>

export const approve: CommandSpec<'approve'> = {
  guard(c, ctx) {
    return CASH_TYPES.has(c.type) ? nothingLeftRefusal(c, ctx) : null
  },
  act(w, cmd, ctx) {
    const c = w.c
    const atFault = SELLER_AT_FAULT.has(c.reason)
    const engine = cmd.remedy === 'requested' ? undefined : engineRemedy(c)
    let draft: Draft
    let change: string | null = null
    if (engine) {
      const { id: _i, status: _s, createdAt: _c, group: _g, needsSupervisor: _n, ...rest } = engine
      draft = { ...rest, rule: engine.rule }
      const cash = cashOf(engine)
      if (cmd.amountFen !== undefined && cmd.amountFen !== cash) {
        if (cash <= 0) raise('VALIDATION', `建议方案「${engine.explanation}」不含金额；如需改为退款或补偿，请选择“按买家申请处理”并说明原因`)
        const field = engine.refundFen > 0 ? 'refundFen' : 'compensationFen'
        draft = { ...draft, [field]: cmd.amountFen, explanation: `${engine.kind === 'compensation' ? '补偿' : '退款'}${yuan(cmd.amountFen)}（已调整）` }
        change = `金额由${yuan(cash)}改为${yuan(cmd.amountFen)}`
      }
      if (cmd.pickup !== undefined && cmd.pickup !== draft.pickup) {
        draft = { ...draft, pickup: cmd.pickup }
        change = [change, cmd.pickup ? '改为上门取件' : '取消上门取件'].filter(Boolean).join('，')
      }
      if (cmd.shippingPaidBy !== undefined && cmd.shippingPaidBy !== draft.shippingPaidBy) {
        draft = { ...draft, shippingPaidBy: cmd.shippingPaidBy }
        change = [change, `改为${SHIPPING_PAYER_STAFF[cmd.shippingPaidBy]}承担运费`].filter(Boolean).join('，')
      }
    } else {
      draft = requestedDraft(c, cmd, atFault)
      const suggested = engineRemedy(c)
      if (suggested) change = `未采用建议方案「${suggested.explanation}」，按买家申请处理`
    }
    if (change && !cmd.changeReason) raise('VALIDATION', `${change}：请填写调整原因`, { field: 'changeReason' })

    // money guard (items, order, incident) before anything else; then the approval threshold on the full value
    checkRoom(c, draft.refundFen ?? 0, 'refund', ctx)
    checkRoom(c, draft.compensationFen ?? 0, 'compensation', ctx)
    const early = draft.kind === 'exchange' && (c.flags.trusted || cmd.shipReplacementNow === true)
    if (early && !c.flags.trusted && !isSupervisor(ctx.actor)) {
      raise('FORBIDDEN', '先发新商品（双向发货）只适用于老客户；该买家尚未达到老客户条件，需要主管审批', { approvalRequired: true, why: '非老客户先发新商品' })
    }
    const goods = draft.kind === 'resend' || early ? goodsValueFen(c, draft.items ?? []) : 0
    const value = valueOf(draft) + goods
    requireApproval(w, { valueFen: value, cashFen: cashOf(draft), summary: draft.explanation + (goods > 0 ? `（商品价值${yuan(goods)}）` : '') }, ctx, '方案')

    withdrawOffered(c)
    if (engine) engine.status = 'withdrawn'
    const offer = offerFromDraft({ ...draft, needsSupervisor: value > ctx.policy.compensation.approvalThresholdFen }, ctx, 'accepted', null)
    c.offers.push(offer)
    c.acceptedOfferId = offer.id
    executeRemedy(w, offer, ctx, { shipNow: early })
    w.text = cmd.text ?? `售后申请已同意：${offer.explanation}`
    w.data = { offerId: offer.id, rule: offer.rule, ...(change ? { change: `${change}。原因：${cmd.changeReason}` } : {}) }
  },
}

/** What the buyer asked for, by case type (no engine remedy, or the staff member chose it). */
function requestedDraft(c: Case, cmd: { amountFen?: number; pickup?: boolean; shippingPaidBy?: ShippingPayer }, atFault: boolean): Draft {
  const value = claimedValueFen(c.order, c.claimedItems)
  const base = { rule: 'approved_request', refundFen: 0, compensationFen: 0, couponFen: 0, giftValueFen: 0, items: c.claimedItems, pickup: cmd.pickup ?? atFault, shippingPaidBy: cmd.shippingPaidBy ?? returnShippingPayer({ sellerAtFault: atFault, insured: freightInsured(c.order, c.claimedItems, c.platform) }) } as const
  switch (c.type) {
    case 'refund_only':
      return { ...base, kind: 'refund', refundFen: cmd.amountFen ?? value, pickup: false, explanation: `同意仅退款${yuan(cmd.amountFen ?? value)}` }
    case 'return_refund':
      return { ...base, kind: 'return_refund', refundFen: cmd.amountFen ?? value, explanation: `同意退货退款，验货通过后退款${yuan(cmd.amountFen ?? value)}` }
    case 'exchange':
      return { ...base, kind: 'exchange', explanation: '同意换货' }
    case 'resend':
      return { ...base, kind: 'resend', pickup: cmd.pickup ?? false, explanation: '同意补发' }
    case 'compensation':
      if (!cmd.amountFen) raise('VALIDATION', '补偿类售后请填写补偿金额', { field: 'amountFen' })
      return { ...base, kind: 'compensation', compensationFen: cmd.amountFen, pickup: false, explanation: `同意补偿${yuan(cmd.amountFen)}` }
    case 'logistics':
      return cmd.amountFen
        ? { ...base, kind: 'compensation', compensationFen: cmd.amountFen, pickup: false, explanation: `物流问题补偿${yuan(cmd.amountFen)}` }
        : { ...base, kind: 'guidance', pickup: false, explanation: '已为您催促快递并持续跟进' }
  }
}

