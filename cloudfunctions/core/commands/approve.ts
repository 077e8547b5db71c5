/**
 * approve (staff): agree to what the buyer asked for (by case type), recorded as an `accepted`
 * offer with rule `approved_request`, and carry it out at once.
 */
import type { CaseType } from '@contract/domain'
import { raise } from '../errors'
import { claimedValueFen, remainingFen, yuan } from '../money'
import { cashOf, SELLER_AT_FAULT, valueOf, type OfferDraft } from '../offers'
import { executeRemedy } from './remedy'
import { nothingLeftRefusal, offerFromDraft, requireApproval, riskRefusal, withdrawOffered, type CommandSpec } from './work'

/** Case types whose approval always releases money. */
const CASH_TYPES: ReadonlySet<CaseType> = new Set(['refund_only', 'compensation'])

export const approve: CommandSpec<'approve'> = {
  guard(c, ctx) {
    if (!CASH_TYPES.has(c.type)) return null
    return riskRefusal(c, ctx.actor, '审批') ?? nothingLeftRefusal(c, ctx)
  },
  act(w, cmd, ctx) {
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
    const room = remainingFen(c, ctx.orderCommittedFen)
    if (cash > room) raise('LIMIT_EXCEEDED', `金额${yuan(cash)}超过可退金额（还可退${yuan(room)}）`, { amountFen: cash })
    requireApproval(valueOf(draft), cash, c, ctx, '审批')
    withdrawOffered(c)
    const offer = offerFromDraft({ ...draft, needsSupervisor: valueOf(draft) > th }, ctx, 'accepted', null)
    c.offers.push(offer)
    c.acceptedOfferId = offer.id
    executeRemedy(w, offer, ctx, { shipNow: c.type === 'exchange' && (c.flags.trusted || cmd.shipReplacementNow === true) })
    w.text = cmd.text ?? `售后申请已同意：${offer.explanation}`
    w.data = { offerId: offer.id }
  },
}
