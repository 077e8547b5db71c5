/**
 * Compensation engine (seeds 000, 002, 003, 004): reason + order facts → suggested offers, each
 * naming the rule that produced it, amounts in fen, who pays shipping, and a Chinese sentence.
 */
import { OfferInputSchema, type BatchRemedy, type ClaimedItem, type OrderSnapshot, type ReasonCode, type Refund, type Severity } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { z } from 'zod'
import { claimedValueFen, yuan } from './money'
import { daysLate, moneyRoom, type OrderLedger } from './money-guard'
import { freightInsured, returnShippingPayer } from './shipping'
import { shopOfferRefusal } from './shop-remedy'

export { daysLate } from './money-guard'

export type OfferDraft = z.output<typeof OfferInputSchema> & { needsSupervisor: boolean }

export interface OfferFacts {
  order: OrderSnapshot
  claimedItems: ClaimedItem[]
  reason: ReasonCode
  severity: Severity
  /** the case's own refunds so far and the order's other cases (the money guard caps every suggestion by them) */
  refunds?: Refund[]
  ledger?: OrderLedger
  damagedUnits?: number
  minorDefect?: boolean
  /** taste / usage: guidance was already given and did not help */
  guidanceTried?: boolean
  /** the shop after-sale's insurance flag (a platform case), next to the order's own 运费险 */
  platform?: { refundByInsurance?: boolean } | null
  now: string
  /** the remedy the owner set for the batch of a claimed item (issue 24): suggested instead of the engine's guess for the batch watch's reasons */
  batchRemedy?: BatchRemedy | null
}

export interface BuyerStats {
  refundCount90d?: number
}

export interface Suggestion {
  offers: OfferDraft[]
  flags: { warehouseCheck: boolean; supervisorInformed: boolean; risk: boolean }
  /** staff-facing notes */
  notes: string[]
}

/** Reasons where the buyer is not at fault: seller pays shipping and books the pickup (上门取件, 到付). */
export const SELLER_AT_FAULT: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'quality_defect',
  'not_as_described',
  'safety_allergy',
  'damaged_in_transit',
  'missing_item',
  'wrong_item',
  'lost_parcel',
  'late_delivery',
])

function units(items: ClaimedItem[]): number {
  return items.reduce((s, i) => s + i.qty, 0)
}

export function cashOf(o: { refundFen?: number; compensationFen?: number }): number {
  return (o.refundFen ?? 0) + (o.compensationFen ?? 0)
}

/** Everything of value an offer gives: cash (refund, compensation), coupon and gift. The approval threshold applies to this. */
export function valueOf(o: { refundFen?: number; compensationFen?: number; couponFen?: number; giftValueFen?: number }): number {
  return cashOf(o) + (o.couponFen ?? 0) + (o.giftValueFen ?? 0)
}

export function suggestOffers(facts: OfferFacts, policy: Policy, buyerStats: BuyerStats = {}): Suggestion {
  const cp = policy.compensation
  const tz = policy.calendar.timezone
  // suggestions never exceed the money guard: the claimed items' room, the order's, the incident's
  const guardCase = { reason: facts.reason, order: facts.order, claimedItems: facts.claimedItems, refunds: facts.refunds ?? [] }
  const room = moneyRoom(guardCase, 'refund', { policy, now: facts.now, ledger: facts.ledger }).maxFen
  const compRoom = moneyRoom(guardCase, 'compensation', { policy, now: facts.now, ledger: facts.ledger })
  const value = Math.min(claimedValueFen(facts.order, facts.claimedItems), room)
  const n = units(facts.claimedItems)
  const items = facts.claimedItems.map((i) => ({ ...i }))
  const risk = (buyerStats.refundCount90d ?? 0) >= cp.riskRefundCount90d
  const flags = { warehouseCheck: false, supervisorInformed: false, risk }
  const notes: string[] = []
  const drafts: Array<z.input<typeof OfferInputSchema>> = []
  const atFault = SELLER_AT_FAULT.has(facts.reason)
  const serious = facts.severity === 'P1'
  // who pays the buyer's return when the buyer is not wronged: the insurance if the order has it
  const insured = freightInsured(facts.order, facts.claimedItems, facts.platform)
  const backPayer = returnShippingPayer({ sellerAtFault: atFault || serious, insured })
  const byInsurance = backPayer === 'insurance'

  const batch = facts.batchRemedy && ((policy.care?.batch.reasons ?? []) as string[]).includes(facts.reason) ? facts.batchRemedy : null
  if (batch && !serious) {
    drafts.push(batchRemedyDraft(batch, { value, room, compRoom: compRoom.maxFen, items }))
    notes.push(`该批次已设定统一方案：${batch.note || batch.kind}`)
  } else if (serious && (facts.reason === 'safety_allergy' || facts.reason === 'quality_defect' || facts.reason === 'not_as_described' || facts.reason === 'other')) {
    drafts.push({
      rule: 'serious_quality_full_refund',
      kind: 'return_refund',
      refundFen: value,
      pickup: true,
      shippingPaidBy: 'seller',
      items,
      explanation: `涉及安全/严重质量问题，全额退款${yuan(value)}，退货运费由我们承担并安排上门取件`,
    })
    flags.supervisorInformed = true
    notes.push('严重质量/安全问题：已通知主管')
  } else {
    switch (facts.reason) {
      case 'late_delivery': {
        const days = daysLate(facts.order, facts.now, tz)
        // computed for the order: what earlier cases paid for this lateness is taken off
        const amount = Math.min(days * cp.latePerDayFen, cp.lateCapFen, compRoom.maxFen)
        if (days > 0 && amount <= 0) notes.push(`晚到补偿已在本单其他售后单中给过：${compRoom.reason}`)
        if (days > 0 && amount > 0)
          drafts.push({
            rule: 'late_delivery_per_day',
            kind: 'compensation',
            compensationFen: amount,
            explanation: `比承诺晚到${days}天，按每天${yuan(cp.latePerDayFen)}补偿${yuan(amount)}（上限${yuan(cp.lateCapFen)}）`,
          })
        break
      }
      case 'damaged_in_transit': {
        const damaged = facts.damagedUnits ?? n
        const pickup = damaged > cp.damagedPickupAboveUnits
        drafts.push({
          rule: 'damaged_resend',
          kind: 'resend',
          items,
          pickup,
          shippingPaidBy: 'seller',
          explanation: pickup
            ? `运输破损${damaged}件，为您重新补发；超过${cp.damagedPickupAboveUnits}件，安排快递上门取回破损商品`
            : `运输破损${damaged}件，为您重新补发，无需寄回`,
        })
        break
      }
      case 'missing_item':
        drafts.push({ rule: 'missing_resend', kind: 'resend', items, shippingPaidBy: 'seller', explanation: `漏发${n}件，马上为您补发，并已通知仓库核查` })
        flags.warehouseCheck = true
        notes.push('漏发：请仓库核查该订单的打包记录')
        break
      case 'wrong_item':
        drafts.push({
          rule: 'wrong_item_swap',
          kind: 'resend',
          items,
          giftValueFen: cp.giftValueFen,
          pickup: true,
          shippingPaidBy: 'seller',
          explanation: '发错货了，非常抱歉：马上寄出正确的商品并附赠小礼物，错发的商品安排快递上门取回',
        })
        flags.warehouseCheck = true
        break
      case 'quality_defect':
      case 'not_as_described':
        if (facts.minorDefect) {
          const partial = Math.min(Math.floor((value * cp.partialRefundPercent) / 100), room)
          drafts.push({
            rule: 'minor_defect_partial_refund',
            kind: 'refund',
            refundFen: partial,
            explanation: `小瑕疵不影响使用：部分退款${yuan(partial)}（${cp.partialRefundPercent}%），商品无需寄回`,
          })
          drafts.push({ rule: 'minor_defect_coupon', kind: 'coupon', couponFen: cp.couponFen, explanation: `送您${yuan(cp.couponFen)}店铺优惠券，商品无需寄回` })
        } else {
          drafts.push({
            rule: 'not_buyer_fault_return',
            kind: 'return_refund',
            refundFen: value,
            items,
            pickup: true,
            shippingPaidBy: 'seller',
            explanation: `非您的原因，退货退款${yuan(value)}，运费由我们承担，安排快递上门取件`,
          })
          drafts.push({
            rule: 'not_buyer_fault_exchange',
            kind: 'exchange',
            items,
            pickup: true,
            shippingPaidBy: 'seller',
            explanation: '为您换一件新的，运费由我们承担，安排快递上门取件',
          })
        }
        break
      case 'lost_parcel':
        drafts.push({ rule: 'lost_parcel_resend', kind: 'resend', items, shippingPaidBy: 'seller', explanation: '包裹未送达，马上为您重新补发' })
        drafts.push({ rule: 'lost_parcel_refund', kind: 'refund', refundFen: value, explanation: `直接退款${yuan(value)}` })
        break
      case 'no_reason_7d':
        drafts.push({
          rule: 'no_reason_return_after_inspection',
          kind: 'return_refund',
          refundFen: value,
          items,
          shippingPaidBy: backPayer,
          explanation: byInsurance
            ? `7天无理由退货：运费由运费险承担，寄回验货通过后退款${yuan(value)}`
            : `7天无理由退货：请自付运费寄回，验货通过后退款${yuan(value)}`,
        })
        break
      case 'taste_usage':
        if (!facts.guidanceTried) {
          const canned = policy.cannedReplies['taste_usage'] ?? '我们先为您提供食用/使用指导，如仍无法接受再为您办理退换'
          drafts.push({ rule: 'taste_guidance_first', kind: 'guidance', explanation: Array.from(canned).slice(0, 200).join('') })
        } else {
          drafts.push({
            rule: 'taste_return',
            kind: 'return_refund',
            refundFen: value,
            items,
            shippingPaidBy: backPayer,
            explanation: `尝试后仍无法接受：退货退款${yuan(value)}，${byInsurance ? '运费由运费险承担，' : ''}验货通过后退款`,
          })
          drafts.push({ rule: 'taste_exchange', kind: 'exchange', items, shippingPaidBy: backPayer, explanation: byInsurance ? '为您换成其他口味/规格，运费由运费险承担' : '为您换成其他口味/规格' })
        }
        break
      case 'size_fit':
        drafts.push({ rule: 'size_exchange', kind: 'exchange', items, shippingPaidBy: backPayer, explanation: `尺码不合适：为您换货，寄回运费由${byInsurance ? '运费险' : '您'}承担` })
        drafts.push({
          rule: 'size_return',
          kind: 'return_refund',
          refundFen: value,
          items,
          shippingPaidBy: backPayer,
          explanation: `退货退款${yuan(value)}，${byInsurance ? '运费由运费险承担，' : ''}验货通过后退款`,
        })
        break
      default:
        notes.push('没有匹配的默认方案，请人工判断')
    }
  }

  if (risk) notes.push(`该买家90天内退款${buyerStats.refundCount90d}次，已标记风险，退款类方案需主管审批`)
  if (!atFault && !serious) notes.push(byInsurance ? '非商家原因：订单有运费险，寄回运费由运费险承担（买家无需付运费）' : '非商家原因：寄回运费由买家承担')

  const offers: OfferDraft[] = drafts.map((d) => {
    const o = OfferInputSchema.parse(d)
    return { ...o, needsSupervisor: valueOf(o) > cp.approvalThresholdFen || (risk && cashOf(o) > 0) }
  }).filter((o) => {
    // a Channels order without a platform after-sale: only what the shop can carry out (shop-remedy.ts)
    const no = shopOfferRefusal(o, { order: facts.order, platform: facts.platform ?? null, claimedItems: facts.claimedItems })
    if (no && !notes.includes(no)) notes.push(no)
    return !no
  })
  return { offers, flags, notes }
}

/** The owner's batch remedy as an offer for one case, within the money guard's room (rule `batch_remedy`). */
function batchRemedyDraft(r: BatchRemedy, x: { value: number; room: number; compRoom: number; items: ClaimedItem[] }): z.input<typeof OfferInputSchema> {
  const why = r.note ? `（${r.note}）` : ''
  switch (r.kind) {
    case 'refund': {
      const fen = Math.min(r.amountFen ?? x.value, x.room)
      return { rule: 'batch_remedy', kind: 'refund', refundFen: fen, explanation: `该批次商品问题已确认${why}：退款${yuan(fen)}，商品无需寄回`.slice(0, 200) }
    }
    case 'return_refund':
      return { rule: 'batch_remedy', kind: 'return_refund', refundFen: x.value, items: x.items, pickup: true, shippingPaidBy: 'seller', explanation: `该批次商品问题已确认${why}：退货退款${yuan(x.value)}，运费由我们承担，安排上门取件`.slice(0, 200) }
    case 'exchange':
      return { rule: 'batch_remedy', kind: 'exchange', items: x.items, pickup: true, shippingPaidBy: 'seller', explanation: `该批次商品问题已确认${why}：为您换新，运费由我们承担，安排上门取件`.slice(0, 200) }
    case 'resend':
      return { rule: 'batch_remedy', kind: 'resend', items: x.items, shippingPaidBy: 'seller', explanation: `该批次商品问题已确认${why}：为您补发新的，无需寄回`.slice(0, 200) }
    case 'compensation': {
      const fen = Math.min(r.amountFen ?? 0, x.compRoom)
      return { rule: 'batch_remedy', kind: 'compensation', compensationFen: fen, explanation: `该批次商品问题已确认${why}：补偿您${yuan(fen)}`.slice(0, 200) }
    }
    case 'coupon':
      return { rule: 'batch_remedy', kind: 'coupon', couponFen: r.amountFen ?? 0, explanation: `该批次商品问题已确认${why}：送您${yuan(r.amountFen ?? 0)}店铺优惠券`.slice(0, 200) }
  }
}
