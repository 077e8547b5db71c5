/**
 * Realistic answers of the `aftersale` function, built from the contract types so they type-check.
 * The backend is not under test here: pages and components are.
 */
import type { ApiResult, CallEnvelope, FunctionName } from '@contract/api'
import type { EligibilityView, NextStep, OrderView, PublicPolicy } from '@contract/actions'
import type { BuyerCaseView, BuyerOffer, BuyerTimelineEntry } from '@contract/buyer-view'
import type { CaseStatus, OrderSnapshot } from '@contract/domain'

export const NOW = Date.now()
const iso = (msFromNow: number) => new Date(NOW + msFromNow).toISOString()
const H = 3600_000
const D = 24 * H

export const order: OrderSnapshot = {
  orderId: 'WX20261118001',
  buyerOpenid: 'o-buyer-1',
  items: [
    { skuId: 'sku-nest-6', name: '即食燕窝 6瓶装', qty: 2, unitPriceFen: 19900, batch: 'B2611' },
    { skuId: 'sku-gift-box', name: '礼盒装', qty: 1, unitPriceFen: 5000 },
  ],
  paidFen: 44800,
  paidAt: iso(-5 * D),
  shippedAt: iso(-4 * D),
  promisedDeliveryAt: iso(-2 * D),
  deliveredAt: iso(-1 * D),
  carrier: '顺丰速运',
  trackingNo: 'SF1234567890',
}

export const orderView = (o: Partial<OrderView> = {}): OrderView => ({
  order,
  openCaseIds: [],
  hints: ['7天无理由退货 可申请至 2026-11-29 14:00'],
  ...o,
})

export const policy: PublicPolicy = {
  version: 3,
  reasons: [
    { code: 'quality_defect', label: '质量问题', allowedTypes: ['refund_only', 'return_refund', 'exchange', 'resend', 'compensation'] },
    { code: 'damaged_in_transit', label: '破损/污渍', allowedTypes: ['resend', 'refund_only', 'return_refund', 'exchange', 'compensation'] },
    { code: 'no_reason_7d', label: '7天无理由', allowedTypes: ['return_refund', 'exchange'] },
    { code: 'late_delivery', label: '快递长时间未送达', allowedTypes: ['compensation', 'logistics', 'refund_only'] },
  ],
  noReasonDays: 7,
  maxRequestsPerSku: 5,
  buyerWait: { infoDays: 3, offerDays: 3, returnShipDays: 7, appealDays: 7, receiptDays: 10, rateDays: 7 },
  cannedReplies: { damaged_in_transit: '非常抱歉商品在运输中受损，请提供照片或小视频，我们马上为您补发。' },
  returnAddress: { name: '售后组', phone: '0571-88886666', address: '杭州市西湖区龙井路 88 号' },
  templateIds: [
    { key: 'case_update', templateId: 'TPL_UPDATE' },
    { key: 'action_required', templateId: 'TPL_ACTION' },
    { key: 'refund_notice', templateId: 'TPL_REFUND' },
  ],
}

export const eligibility = (e: Partial<EligibilityView> = {}): EligibilityView => ({
  ok: true,
  types: [
    { type: 'resend', allowed: true, reason: '' },
    { type: 'refund_only', allowed: true, reason: '' },
    { type: 'return_refund', allowed: false, reason: '该商品已拆封，不支持退货' },
  ],
  errors: [],
  hints: [],
  noReasonDeadline: null,
  ...e,
})

export const offer = (o: Partial<BuyerOffer> = {}): BuyerOffer => ({
  id: 'off-1',
  kind: 'resend',
  refundFen: 0,
  compensationFen: 0,
  couponFen: 0,
  giftValueFen: 0,
  items: [{ skuId: 'sku-nest-6', qty: 1 }],
  pickup: false,
  shippingPaidBy: 'seller',
  explanation: '运输途中破损1件，为您补发1件，无需寄回。',
  status: 'offered',
  createdAt: iso(-2 * H),
  group: null,
  ...o,
})

const entry = (id: BuyerTimelineEntry['type'], toStatus: CaseStatus, text: string, at: string, fromStatus: CaseStatus | null = null): BuyerTimelineEntry => ({
  id,
  at,
  actor: { kind: 'system' },
  type: id,
  fromStatus,
  toStatus,
  text,
})

/** What the buyer function would answer for a case in `status`: next step and allowed actions included. */
export function caseView(status: CaseStatus, over: Partial<BuyerCaseView> = {}): BuyerCaseView {
  const per: Record<CaseStatus, { next: NextStep; actions: BuyerCaseView['actions'] }> = {
    submitted: { next: { actor: 'seller', text: '客服会在4小时内联系您', dueAt: iso(4 * H) }, actions: ['cancel'] },
    awaiting_buyer: { next: { actor: 'buyer', text: '请补充商品破损处的照片', dueAt: iso(3 * D) }, actions: ['provide_info', 'cancel'] },
    in_review: { next: { actor: 'seller', text: '客服正在处理您的申请', dueAt: iso(2 * D) }, actions: ['cancel'] },
    offer_pending: { next: { actor: 'buyer', text: '请确认是否接受处理方案', dueAt: iso(3 * D) }, actions: ['accept_offer', 'decline_offer', 'cancel'] },
    awaiting_return: { next: { actor: 'buyer', text: '请寄回商品并填写快递单号', dueAt: iso(7 * D) }, actions: ['ship_return', 'cancel'] },
    return_shipped: { next: { actor: 'seller', text: '商家收到退货后会尽快验货', dueAt: null }, actions: [] },
    inspecting: { next: { actor: 'seller', text: '商家正在验货', dueAt: null }, actions: [] },
    refunding: { next: { actor: 'none', text: '退款已发起，预计1-3个工作日原路退回', dueAt: null }, actions: [] },
    replacement_shipped: { next: { actor: 'buyer', text: '收到补发的商品后请确认收货', dueAt: iso(10 * D) }, actions: ['confirm_receipt'] },
    resolved: { next: { actor: 'buyer', text: '问题已解决，欢迎评价本次服务', dueAt: iso(7 * D) }, actions: ['rate'] },
    rejected: { next: { actor: 'buyer', text: '如不认同驳回结果，可申请复核', dueAt: iso(7 * D) }, actions: ['appeal'] },
    closed: { next: { actor: 'none', text: '售后已完成', dueAt: null }, actions: [] },
    cancelled: { next: { actor: 'none', text: '您已撤销申请', dueAt: null }, actions: [] },
  }
  const { items, ...rest } = order
  const base: BuyerCaseView = {
    id: 'case-1',
    caseNo: 'AS202611230001',
    order: {
      orderId: rest.orderId, paidFen: rest.paidFen, paidAt: rest.paidAt, shippedAt: rest.shippedAt, deliveredAt: rest.deliveredAt, carrier: rest.carrier, trackingNo: rest.trackingNo,
      items: items.map(({ batch: _b, ...i }) => i),
    },
    claimedItems: [{ skuId: 'sku-nest-6', qty: 1 }],
    type: 'resend',
    reason: 'damaged_in_transit',
    description: '瓶子碎了一瓶',
    evidence: [{ fileId: 'cloud://env/evidence/a.jpg', kind: 'image', size: 120_000, mime: 'image/jpeg' }],
    desiredRemedy: 'resend',
    status,
    buyerDeadline: null,
    offers: status === 'offer_pending' ? [offer()] : [],
    acceptedOfferId: null,
    returnShipment: null,
    inspection: null,
    refunds: [],
    replacementShipments: [],
    rating: null,
    flags: { buyerNotNotified: false },
    source: 'miniprogram',
    version: 4,
    createdAt: iso(-3 * H),
    updatedAt: iso(-1 * H),
    timeline: [
      { ...entry('opened', 'submitted', '您提交了售后申请', iso(-3 * H)), actor: { kind: 'buyer' } },
      ...(status === 'submitted' ? [] : [{ ...entry('respond', 'in_review', '客服已受理', iso(-2 * H), 'submitted'), id: 't2' }]),
      ...(status === 'submitted' || status === 'in_review' ? [] : [{ ...entry('respond', status, `进入“${status}”`, iso(-1 * H), 'in_review'), id: 't3' }]),
    ],
    next: per[status].next,
    actions: per[status].actions,
    ...over,
  }
  return base
}

type Handler = (data: Record<string, unknown>, key: string | undefined) => unknown | Promise<unknown>

export interface FakeCall {
  fn: FunctionName
  action: string
  data: Record<string, unknown>
  key?: string
}

/** A fake transport answering per action; throwing an object with `code` answers an error. */
export function fakeServer(handlers: Record<string, Handler>) {
  const calls: FakeCall[] = []
  const transport = async (fn: FunctionName, env: CallEnvelope): Promise<ApiResult<unknown>> => {
    const data = (env.data ?? {}) as Record<string, unknown>
    calls.push({ fn, action: env.action, data, key: env.idempotencyKey })
    const h = handlers[env.action]
    if (!h) return { ok: false, error: { code: 'UNKNOWN_ACTION', message: `未知操作 ${env.action}` } }
    try {
      return { ok: true, data: await h(data, env.idempotencyKey) }
    } catch (e) {
      const err = e as { code?: string; message?: string; network?: boolean }
      if (err.network) throw e
      return { ok: false, error: { code: (err.code ?? 'INTERNAL') as 'INTERNAL', message: err.message ?? '' } }
    }
  }
  return { calls, transport, of: (action: string) => calls.filter((c) => c.action === action) }
}

export const flush = (ms = 0) => new Promise((r) => setTimeout(r, ms))
