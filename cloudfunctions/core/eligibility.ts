/**
 * Eligibility: which case types the buyer may file for these items and this reason, with a
 * Chinese explanation for each, plus hints (e.g. the 7-day no-reason deadline).
 */
import { CASE_TYPE_LABELS, CASE_TYPES, OPEN_STATUSES, type CaseType, type ClaimedItem, type OrderSnapshot, type PastCase, type ReasonCode } from '@contract/domain'
import { reasonPolicy, type Policy } from '@contract/policy'
import { addDays, localDate, toMs } from './tz'

export interface TypeVerdict {
  allowed: boolean
  /** Chinese, buyer-readable */
  reason: string
}

export interface Eligibility {
  /** verdict for claim.type when given, else whether any type is allowed */
  ok: boolean
  /** LIMIT_EXCEEDED when refused by the per-SKU cap, VALIDATION for other refusals */
  code: 'LIMIT_EXCEEDED' | 'VALIDATION' | null
  types: Record<CaseType, TypeVerdict>
  /** problems that refuse every type */
  errors: string[]
  hints: string[]
  /** last day (YYYY-MM-DD, business calendar) for 7-day no-reason return, if delivered */
  noReasonDeadline: string | null
}

const OPEN = new Set<string>(OPEN_STATUSES)

export function checkEligibility(
  order: OrderSnapshot,
  claim: { claimedItems: ClaimedItem[]; reason: ReasonCode; type?: CaseType },
  history: PastCase[],
  policy: Policy,
  nowIso: string,
): Eligibility {
  const tz = policy.calendar.timezone
  const now = toMs(nowIso)
  const today = localDate(now, tz)
  const errors: string[] = []
  const hints: string[] = []
  let code: Eligibility['code'] = null

  // items must be in the order, quantities within what was bought
  for (const c of claim.claimedItems) {
    const item = order.items.find((i) => i.skuId === c.skuId)
    if (!item) errors.push(`订单中没有商品 ${c.skuId}`)
    else if (c.qty > item.qty) errors.push(`“${item.name}”最多可申请 ${item.qty} 件`)
  }
  // per-SKU request cap and open duplicates
  for (const c of claim.claimedItems) {
    const past = history.filter((h) => h.orderId === order.orderId && h.claimedItems.some((x) => x.skuId === c.skuId))
    const name = order.items.find((i) => i.skuId === c.skuId)?.name ?? c.skuId
    if (past.length >= policy.limits.maxRequestsPerSku) {
      errors.push(`“${name}”已申请售后 ${past.length} 次，已达上限 ${policy.limits.maxRequestsPerSku} 次`)
      code = 'LIMIT_EXCEEDED'
    } else if (past.some((h) => OPEN.has(h.status))) {
      errors.push(`“${name}”已有进行中的售后单，请在原售后单中继续处理`)
    }
  }
  if (errors.length && !code) code = 'VALIDATION'

  // 7-day no-reason window
  let noReasonDeadline: string | null = null
  const finalSale = claim.claimedItems.some((c) => order.items.find((i) => i.skuId === c.skuId)?.finalSale)
  if (order.deliveredAt) {
    noReasonDeadline = addDays(localDate(toMs(order.deliveredAt), tz), policy.limits.noReasonDays)
    if (finalSale) hints.push('该商品不支持7天无理由退货')
    else if (today <= noReasonDeadline) hints.push(`${policy.limits.noReasonDays}天无理由退货 可申请至 ${noReasonDeadline}`)
    else hints.push(`${policy.limits.noReasonDays}天无理由退货已于 ${noReasonDeadline} 截止`)
  }

  // reason-level facts
  const rp = reasonPolicy(policy, claim.reason)
  let reasonRefusal: string | null = rp.enabled === false ? `商家已不再受理“${rp.label}”，请选择其他原因` : null
  if (!reasonRefusal) switch (claim.reason) {
    case 'no_reason_7d':
      if (!order.deliveredAt) reasonRefusal = '签收后才能申请7天无理由退货'
      else if (finalSale) reasonRefusal = '该商品不支持7天无理由退货'
      else if (noReasonDeadline && today > noReasonDeadline) reasonRefusal = `已超过7天无理由退货期限（${noReasonDeadline}）`
      break
    case 'late_delivery': {
      if (!order.promisedDeliveryAt) reasonRefusal = '该订单没有承诺送达时间'
      else {
        const arrived = order.deliveredAt ? toMs(order.deliveredAt) : now
        if (localDate(arrived, tz) <= localDate(toMs(order.promisedDeliveryAt), tz)) reasonRefusal = '尚未超过承诺送达时间'
      }
      break
    }
    case 'lost_parcel':
      if (!order.shippedAt) reasonRefusal = '订单尚未发货，可直接申请仅退款'
      else if (order.deliveredAt) reasonRefusal = '物流显示已签收，如未收到请选择“其他”并说明情况'
      break
    default:
      break
  }

  const types = {} as Record<CaseType, TypeVerdict>
  for (const t of CASE_TYPES) {
    let verdict: TypeVerdict
    if (errors.length) verdict = { allowed: false, reason: errors[0] }
    else if (!order.shippedAt) {
      verdict = t === 'refund_only' ? { allowed: true, reason: '订单未发货，可申请仅退款' } : { allowed: false, reason: '订单尚未发货，只能申请仅退款' }
    } else if (reasonRefusal) verdict = { allowed: false, reason: reasonRefusal }
    else if (!rp.allowedTypes.includes(t)) verdict = { allowed: false, reason: `“${rp.label}”不支持${CASE_TYPE_LABELS[t]}` }
    else verdict = { allowed: true, reason: `可申请${CASE_TYPE_LABELS[t]}` }
    types[t] = verdict
  }
  const ok = claim.type ? types[claim.type].allowed : CASE_TYPES.some((t) => types[t].allowed)
  if (!ok && !code) code = 'VALIDATION'
  return { ok, code: ok ? null : code, types, errors, hints, noReasonDeadline }
}
