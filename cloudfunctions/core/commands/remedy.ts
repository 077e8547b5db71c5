/**
 * Carrying out an agreed remedy (approve, accept_offer): money, return and replacement legs,
 * warehouse tasks, and the status it leads to.
 */
import type { Case, Offer } from '@contract/domain'
import type { CoreContext } from '../context'
import { raise } from '../errors'
import { yuan } from '../money'
import { cashOf } from '../offers'
import { freightInsured, settledPayer } from '../shipping'
import { shopOfferRefusal } from '../shop-remedy'
import { addRefund, newLeg, refuse, roomFor, warehouse, type GuardContext, type Refusal, type Work } from './work'

/** Why this offer cannot be carried out on this case now (null = it can): the money guard, per purpose. */
const NOT_INSURED = '该订单商品没有运费险，请选择商家或买家承担运费'

export function remedyRefusal(offer: Offer, c: Case, ctx: Pick<GuardContext, 'policy' | 'now' | 'orderLedger'>): Refusal | null {
  for (const [purpose, fen] of [['refund', offer.refundFen], ['compensation', offer.compensationFen]] as const) {
    if (fen <= 0) continue
    const room = roomFor(c, purpose, ctx)
    if (fen > room.maxFen) return refuse('LIMIT_EXCEEDED', `方案金额${yuan(fen)}超过上限：${room.reason}`, { amountFen: fen, maxFen: room.maxFen })
  }
  if (cashOf(offer) > 0 && offer.refundFen > 0 && offer.compensationFen > 0) {
    const room = roomFor(c, 'refund', ctx)
    if (cashOf(offer) > room.orderLeftFen) return refuse('LIMIT_EXCEEDED', `方案金额${yuan(cashOf(offer))}超过上限：本单还可退${yuan(room.orderLeftFen)}`)
  }
  if ((offer.kind === 'refund' || offer.kind === 'compensation') && cashOf(offer) <= 0 && offer.couponFen <= 0) return refuse('VALIDATION', '方案金额必须大于0')
  if (offer.shippingPaidBy === 'insurance' && !freightInsured(c.order, offer.items.length ? offer.items : c.claimedItems, c.platform)) return refuse('VALIDATION', NOT_INSURED)
  // a Channels order: the shop pays (退差价) and resends; returns are the buyer's own after-sale
  const shop = shopOfferRefusal(offer, c)
  if (shop) return refuse('VALIDATION', shop)
  return null
}

function issueCoupon(w: Work, couponFen: number): void {
  warehouse(w, 'issue_coupon', `发放${yuan(couponFen)}优惠券`, [], { couponFen })
}

/** Carry out an accepted / approved remedy; sets w.to. */
export function executeRemedy(w: Work, offer: Offer, ctx: CoreContext, opts: { shipNow: boolean }): void {
  const c = w.c
  const items = offer.items.length ? offer.items : c.claimedItems
  switch (offer.kind) {
    case 'refund':
    case 'compensation': {
      if (cashOf(offer) <= 0 && offer.couponFen <= 0) raise('VALIDATION', '方案金额必须大于0')
      addRefund(w, offer.refundFen, 'refund', ctx)
      addRefund(w, offer.compensationFen, 'compensation', ctx)
      if (offer.couponFen > 0) issueCoupon(w, offer.couponFen)
      // the buyer hears about the money when it has moved (refund_confirmed), not before
      w.to = cashOf(offer) > 0 ? 'refunding' : 'resolved'
      return
    }
    case 'coupon':
      issueCoupon(w, offer.couponFen)
      w.to = 'resolved'
      return
    case 'guidance':
      w.to = 'resolved'
      return
    case 'return_refund':
    case 'exchange': {
      // a 'buyer' choice on an insured return is the insurance's to pay (issue 21)
      const insured = freightInsured(c.order, items, c.platform)
      if (offer.shippingPaidBy === 'insurance' && !insured) raise('VALIDATION', NOT_INSURED)
      const shippingPaidBy = settledPayer(offer.shippingPaidBy, insured)
      c.returnShipment = { status: 'pending', pickup: offer.pickup, shippingPaidBy, purpose: 'inspect', items, carrier: null, trackingNo: null, shippedAt: null, receivedAt: null }
      if (offer.pickup) {
        warehouse(w, 'book_pickup', shippingPaidBy === 'insurance' ? '预约快递上门取件（运费险）' : '预约快递上门取件（运费到付）', items)
        w.buyer.push({ event: shippingPaidBy === 'insurance' ? 'pickup_booked_insured' : 'pickup_booked' })
      }
      if (offer.kind === 'exchange') {
        c.replacementShipments.push(newLeg(ctx, items, offer.giftValueFen, opts.shipNow))
        if (opts.shipNow) warehouse(w, 'ship_replacement', '老客户换货：双向发货，先发出新商品', items, { giftValueFen: offer.giftValueFen })
      }
      w.to = 'awaiting_return'
      return
    }
    case 'resend': {
      c.replacementShipments.push(newLeg(ctx, items, offer.giftValueFen, false))
      warehouse(w, 'ship_replacement', offer.giftValueFen > 0 ? '补发商品并附赠小礼物' : '补发商品', items, { giftValueFen: offer.giftValueFen })
      if (offer.pickup) {
        c.returnShipment = { status: 'pending', pickup: true, shippingPaidBy: 'seller', purpose: 'collect', items, carrier: null, trackingNo: null, shippedAt: null, receivedAt: null }
        warehouse(w, 'book_pickup', '预约快递上门取回（运费到付）', items)
        w.buyer.push({ event: 'pickup_booked' })
      }
      w.to = 'in_review'
      return
    }
  }
}
