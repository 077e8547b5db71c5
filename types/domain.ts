/**
 * Domain contract shared by the mini-program and the cloud functions.
 * zod only — no node imports. Money is integer fen, time is ISO-8601 UTC.
 */
import { z } from 'zod'
import { AfterSaleStatusSchema, AfterSaleTypeSchema, type AfterSaleStatus, type AfterSaleType } from './channels'

// ---------------------------------------------------------------- primitives

/** ISO-8601 instant (UTC, e.g. 2026-11-23T06:00:00.000Z). */
export const IsoTimeSchema = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)), {
    message: '时间格式应为 ISO-8601（如 2026-11-23T06:00:00Z）',
  })
export type IsoTime = z.infer<typeof IsoTimeSchema>

/** A real day of the calendar, 2000–2099 (no 2026-13-45, no 2026-02-30). */
export function isRealDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return false
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return y >= 2000 && y <= 2099 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
}

/** Calendar date YYYY-MM-DD (business calendar, Asia/Shanghai by default): a real date of 2000–2099. */
export const DateStringSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, '日期格式应为 YYYY-MM-DD')
  .refine(isRealDate, (s) => ({ message: `日期 ${s.slice(0, 10)} 不存在（月份 01–12、日期按当月天数，年份 2000–2099）` }))

/**
 * Largest amount in fen anywhere in the desk: ¥100,000,000. Far above any live-stream order, and
 * small enough that sums over a whole shop's cases (analytics, exports) stay safe integers.
 */
export const MAX_FEN = 10_000_000_000
/** Largest coupon or gift value an offer may carry: ¥100,000. */
export const MAX_PERK_FEN = 10_000_000

/** Integer amount in fen (分), a safe integer within MAX_FEN. */
export const FenSchema = z.number().int().min(0).max(MAX_FEN, '金额超出上限')
/** A coupon or gift value. */
export const PerkFenSchema = z.number().int().min(0).max(MAX_PERK_FEN, '优惠券或礼品价值超出上限（¥100,000）')

// ---------------------------------------------------------------- enums

export const CASE_STATUSES = [
  'submitted',
  'awaiting_buyer',
  'in_review',
  'offer_pending',
  'awaiting_return',
  'return_shipped',
  'inspecting',
  'refunding',
  'replacement_shipped',
  'resolved',
  'rejected',
  'closed',
  'cancelled',
] as const
export const CaseStatusSchema = z.enum(CASE_STATUSES)
export type CaseStatus = z.infer<typeof CaseStatusSchema>
/** Statuses that accept no command any more. */
export const FINAL_STATUSES: readonly CaseStatus[] = ['closed', 'cancelled']
/**
 * Statuses in which the case is still being worked: the SLA runs (or is paused), the queue's
 * "open" filter, and a new case for the same items is refused. The rest (resolved, rejected and
 * the final ones) have the SLA stopped.
 */
export const OPEN_STATUSES: readonly CaseStatus[] = CASE_STATUSES.filter((s) => !['resolved', 'rejected', 'closed', 'cancelled'].includes(s))
/** Open statuses that wait on the buyer: the SLA clock is paused there. */
export const PAUSED_STATUSES: readonly CaseStatus[] = ['awaiting_buyer', 'offer_pending', 'awaiting_return']

/** Buyer-readable Chinese status labels. */
export const STATUS_LABELS: Record<CaseStatus, string> = {
  submitted: '已提交，等待客服处理',
  awaiting_buyer: '等待您补充信息',
  in_review: '客服处理中',
  offer_pending: '等待您确认方案',
  awaiting_return: '等待寄回商品',
  return_shipped: '退货寄回中',
  inspecting: '商家验货中',
  refunding: '退款处理中',
  replacement_shipped: '补发/换货已发出',
  resolved: '已解决',
  rejected: '已驳回',
  closed: '已关闭',
  cancelled: '已撤销',
}

/** The same statuses in the staff's words (queue, case page, CSV export): who waits on whom. */
export const STAFF_STATUS_LABELS: Record<CaseStatus, string> = {
  submitted: '待受理',
  awaiting_buyer: '待买家补充',
  in_review: '处理中',
  offer_pending: '待买家确认方案',
  awaiting_return: '待买家寄回',
  return_shipped: '退货运输中',
  inspecting: '验货中',
  refunding: '退款中',
  replacement_shipped: '已补发/换货',
  resolved: '已解决',
  rejected: '已驳回',
  closed: '已关闭',
  cancelled: '已撤销',
}

export const CASE_TYPES = ['refund_only', 'return_refund', 'exchange', 'resend', 'compensation', 'logistics'] as const
export const CaseTypeSchema = z.enum(CASE_TYPES)
export type CaseType = z.infer<typeof CaseTypeSchema>
export const CASE_TYPE_LABELS: Record<CaseType, string> = {
  refund_only: '仅退款',
  return_refund: '退货退款',
  exchange: '换货',
  resend: '补发',
  compensation: '补偿',
  logistics: '物流投诉',
}

export const REASON_CODES = [
  'quality_defect',
  'not_as_described',
  'safety_allergy',
  'damaged_in_transit',
  'missing_item',
  'wrong_item',
  'lost_parcel',
  'late_delivery',
  'no_reason_7d',
  'taste_usage',
  'size_fit',
  'other',
] as const
export const ReasonCodeSchema = z.enum(REASON_CODES)
export type ReasonCode = z.infer<typeof ReasonCodeSchema>

/** Default Chinese label and Channels shop reason code (视频号小店售后原因编码) where one exists. */
export const REASON_DEFAULTS: Record<ReasonCode, { label: string; channelsCode: string | null }> = {
  quality_defect: { label: '质量问题', channelsCode: '21' },
  not_as_described: { label: '与描述不符', channelsCode: '11' },
  safety_allergy: { label: '安全/过敏问题', channelsCode: '21' },
  damaged_in_transit: { label: '破损/污渍', channelsCode: '40' },
  missing_item: { label: '少件/漏发', channelsCode: '05' },
  wrong_item: { label: '卖家发错货', channelsCode: '06' },
  lost_parcel: { label: '未收到商品', channelsCode: '07' },
  late_delivery: { label: '快递长时间未送达', channelsCode: '15' },
  no_reason_7d: { label: '7天无理由', channelsCode: '19' },
  taste_usage: { label: '口感/使用问题', channelsCode: null },
  size_fit: { label: '尺码/不合适', channelsCode: null },
  other: { label: '其他', channelsCode: null },
}

export const SeveritySchema = z.enum(['P1', 'P2', 'P3'])
export type Severity = z.infer<typeof SeveritySchema>
export const TeamSchema = z.enum(['quality', 'logistics', 'warehouse', 'general'])
export type Team = z.infer<typeof TeamSchema>
export const StaffRoleSchema = z.enum(['agent', 'supervisor', 'owner'])
export type StaffRole = z.infer<typeof StaffRoleSchema>

export const DesiredRemedySchema = z.enum(['refund', 'return_refund', 'exchange', 'resend', 'compensation', 'contact_me'])
export type DesiredRemedy = z.infer<typeof DesiredRemedySchema>

/** The remedy a case type asks for (the buyer's form asks once; a shop after-sale's type implies it). */
export const REMEDY_FOR_TYPE: Record<CaseType, DesiredRemedy> = {
  refund_only: 'refund',
  return_refund: 'return_refund',
  exchange: 'exchange',
  resend: 'resend',
  compensation: 'compensation',
  logistics: 'contact_me',
}

// ---------------------------------------------------------------- order snapshot

export const OrderItemSchema = z.object({
  skuId: z.string().min(1),
  name: z.string().min(1),
  qty: z.number().int().positive().max(100_000),
  unitPriceFen: FenSchema,
  batch: z.string().optional(),
  /** 不支持7天无理由 (final sale, e.g. opened food) */
  finalSale: z.boolean().optional(),
  /** 运费险: the buyer's return shipping of this product is paid by the freight insurance (absent = unknown / none) */
  freightInsurance: z.boolean().optional(),
  /** the shop's product id of this SKU (Channels orders; platform calls name product and SKU) */
  productId: z.string().max(64).optional(),
})
export type OrderItem = z.infer<typeof OrderItemSchema>

export const OrderSnapshotSchema = z.object({
  orderId: z.string().min(1),
  buyerOpenid: z.string().min(1),
  items: z.array(OrderItemSchema).min(1),
  paidFen: FenSchema,
  paidAt: IsoTimeSchema,
  shippedAt: IsoTimeSchema.optional(),
  promisedDeliveryAt: IsoTimeSchema.optional(),
  deliveredAt: IsoTimeSchema.optional(),
  carrier: z.string().optional(),
  trackingNo: z.string().optional(),
  /** where the order came from: the Channels shop sync, or a CSV import / the demo seed (absent) */
  source: z.enum(['channels', 'csv']).optional(),
  /** the buyer's unionid (links the shop's openid and the mini-program's openid of one WeChat user) */
  buyerUnionid: z.string().optional(),
  /** the shop's openid of the buyer (differs from the mini-program's) */
  shopOpenid: z.string().optional(),
  /** the receiver's name on the order (shop orders), so staff alerts can name the buyer */
  buyerName: z.string().max(64).optional(),
})
export type OrderSnapshot = z.infer<typeof OrderSnapshotSchema>

export const ClaimedItemSchema = z.object({ skuId: z.string().min(1), qty: z.number().int().positive().max(100_000) })
export type ClaimedItem = z.infer<typeof ClaimedItemSchema>

export const EvidenceSchema = z.object({
  fileId: z.string().min(1),
  kind: z.enum(['image', 'video']),
  size: z.number().int().min(0),
  mime: z.string().min(1),
})
export type Evidence = z.infer<typeof EvidenceSchema>

// ---------------------------------------------------------------- actors

export const ActorSchema = z.object({
  kind: z.enum(['buyer', 'staff', 'system']),
  id: z.string().min(1),
  role: StaffRoleSchema.optional(),
})
export type Actor = z.infer<typeof ActorSchema>

// ---------------------------------------------------------------- SLA

/**
 * How an SLA target's time runs: `business` = only business hours count; `calendar` = wall time,
 * the deadline then moved into business hours; `24x7` = wall time, due whenever it falls (safety
 * cases: "immediate", DESIGN §3).
 */
export const SlaClockSchema = z.enum(['business', 'calendar', '24x7'])
export type SlaClock = z.infer<typeof SlaClockSchema>

export const SlaTargetStateSchema = z.object({
  clock: SlaClockSchema,
  /** length of the target in ms of its clock (business ms or wall ms) */
  targetMs: z.number().int().min(0),
  startedAt: IsoTimeSchema,
  dueAt: IsoTimeSchema,
  /** set when the target was met (first response given / case resolved) */
  metAt: IsoTimeSchema.nullable(),
  /** remaining ms of its clock while the SLA is paused, else null */
  pausedRemainingMs: z.number().int().nullable(),
  /** when this target's warning was sent (each target warns once on its own); absent on older documents */
  warnedAt: IsoTimeSchema.nullable().optional(),
})
export type SlaTargetState = z.infer<typeof SlaTargetStateSchema>

export const SlaStateSchema = z.object({
  severity: SeveritySchema,
  firstResponse: SlaTargetStateSchema,
  resolution: SlaTargetStateSchema,
  /** when the clock was paused (waiting on the buyer), else null */
  pausedAt: IsoTimeSchema.nullable(),
  warnedAt: IsoTimeSchema.nullable(),
  breachedAt: IsoTimeSchema.nullable(),
  breachedTarget: z.enum(['first_response', 'resolution']).nullable(),
  /** the SLA stopped (resolved / rejected / final) */
  stoppedAt: IsoTimeSchema.nullable(),
})
export type SlaState = z.infer<typeof SlaStateSchema>

/** What the case is waiting on from the buyer, and until when. */
export const BuyerDeadlineKindSchema = z.enum(['info', 'offer', 'return', 'receipt', 'appeal', 'rate'])
export type BuyerDeadlineKind = z.infer<typeof BuyerDeadlineKindSchema>
export const BuyerDeadlineSchema = z.object({ kind: BuyerDeadlineKindSchema, dueAt: IsoTimeSchema })
export type BuyerDeadline = z.infer<typeof BuyerDeadlineSchema>

// ---------------------------------------------------------------- offers

export const OfferKindSchema = z.enum([
  /** money back, goods stay with the buyer (full or partial) */
  'refund',
  /** goods come back, refund after inspection passes */
  'return_refund',
  /** goods come back, another one goes out */
  'exchange',
  /** send (again) the missing / damaged / right items */
  'resend',
  /** money compensation (e.g. late delivery ¥10/day) */
  'compensation',
  /** shop coupon */
  'coupon',
  /** guidance first (taste / usage) */
  'guidance',
])
export type OfferKind = z.infer<typeof OfferKindSchema>
export const OFFER_KIND_LABELS: Record<OfferKind, string> = {
  refund: '退款',
  return_refund: '退货退款',
  exchange: '换货',
  resend: '补发',
  compensation: '现金补偿',
  coupon: '优惠券',
  guidance: '使用建议',
}

/** Who pays the buyer's return shipping: 'insurance' = the order's 运费险 (the buyer pays nothing). */
export const ShippingPayerSchema = z.enum(['seller', 'buyer', 'insurance'])
export type ShippingPayer = z.infer<typeof ShippingPayerSchema>
/** Who pays, as staff read it and as the buyer reads it ("运费由…承担"). */
export const SHIPPING_PAYER_STAFF: Record<ShippingPayer, string> = { seller: '商家', buyer: '买家', insurance: '运费险' }
export const SHIPPING_PAYER_BUYER: Record<ShippingPayer, string> = { seller: '商家', buyer: '您', insurance: '运费险' }

/**
 * The return of these items is covered by freight insurance: every returned product carries it
 * (no items named = every product of the order), or the platform said the insurance pays.
 */
type InsuredItems = { items: Array<{ skuId: string; freightInsurance?: boolean }> }

export function freightInsured(order: InsuredItems, items: Array<{ skuId: string }>, platform?: { refundByInsurance?: boolean } | null): boolean {
  if (platform?.refundByInsurance) return true
  const skus = items.length ? items.map((i) => i.skuId) : order.items.map((i) => i.skuId)
  return skus.length > 0 && skus.every((sku) => order.items.find((o) => o.skuId === sku)?.freightInsurance === true)
}

/** Whether the order says anything about 运费险 (true / false), or nothing (null: older or CSV orders). */
export function orderFreightInsurance(order: InsuredItems): boolean | null {
  const known = order.items.filter((i) => i.freightInsurance !== undefined)
  if (!known.length) return null
  return known.some((i) => i.freightInsurance === true)
}

export const OfferStatusSchema = z.enum(['suggested', 'offered', 'accepted', 'declined', 'expired', 'withdrawn'])
export type OfferStatus = z.infer<typeof OfferStatusSchema>

/** An offer as a staff member (or the engine) proposes it. */
export const OfferInputSchema = z.object({
  rule: z.string().min(1).default('manual'),
  kind: OfferKindSchema,
  /** cash back to the buyer (refund / return refund) */
  refundFen: FenSchema.default(0),
  /** cash compensation on top of / instead of a refund */
  compensationFen: FenSchema.default(0),
  couponFen: PerkFenSchema.default(0),
  giftValueFen: PerkFenSchema.default(0),
  /** items to (re)send for resend / exchange */
  items: z.array(ClaimedItemSchema).default([]),
  /** 上门取件 booked by the seller */
  pickup: z.boolean().default(false),
  shippingPaidBy: ShippingPayerSchema.default('seller'),
  explanation: z.string().min(1).max(200),
})
export type OfferInput = z.input<typeof OfferInputSchema>

export const OfferSchema = OfferInputSchema.extend({
  id: z.string().min(1),
  needsSupervisor: z.boolean(),
  status: OfferStatusSchema,
  createdAt: IsoTimeSchema,
  /** offers made together are alternatives: the buyer picks one */
  group: z.string().nullable(),
})
export type Offer = z.infer<typeof OfferSchema>

// ---------------------------------------------------------------- legs, refunds

export const ReturnShipmentSchema = z.object({
  status: z.enum(['pending', 'shipped', 'received']),
  pickup: z.boolean(),
  shippingPaidBy: ShippingPayerSchema,
  /** 'inspect' = refund / exchange gated by inspection; 'collect' = just take back the wrong / damaged goods */
  purpose: z.enum(['inspect', 'collect']),
  items: z.array(ClaimedItemSchema),
  carrier: z.string().nullable(),
  trackingNo: z.string().nullable(),
  shippedAt: IsoTimeSchema.nullable(),
  receivedAt: IsoTimeSchema.nullable(),
})
export type ReturnShipment = z.infer<typeof ReturnShipmentSchema>

export const InspectionSchema = z.object({
  result: z.enum(['pass', 'fail']),
  note: z.string(),
  photos: z.array(z.string()),
  at: IsoTimeSchema,
  by: z.string(),
})
export type Inspection = z.infer<typeof InspectionSchema>

export const RefundSchema = z.object({
  /** idempotency key for the payment side */
  key: z.string().min(1),
  amountFen: FenSchema,
  /** refund of goods value vs. compensation */
  purpose: z.enum(['refund', 'compensation']),
  /** compensation: the incident it pays for and that incident's cap when it was granted (the store's ledger enforces it) */
  incident: z.string().max(200).optional(),
  incidentCapFen: FenSchema.optional(),
  /** paid outside any payment channel and recorded by staff with its proof (other-channel orders) */
  manual: z.object({ proof: z.array(z.string().min(1)).min(1).max(9), by: z.string(), note: z.string().max(200) }).optional(),
  /** paid by the Channels shop (退差价 refundpricediff, request_id = key) on this SKU; the after-sale it opened once the platform took it */
  shop: z.object({ skuId: z.string(), afterSaleOrderId: z.string().nullable() }).optional(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  requestedAt: IsoTimeSchema,
  settledAt: IsoTimeSchema.nullable(),
  failureReason: z.string().nullable(),
})
export type Refund = z.infer<typeof RefundSchema>

export const ReplacementShipmentSchema = z.object({
  id: z.string().min(1),
  items: z.array(ClaimedItemSchema),
  giftValueFen: FenSchema,
  status: z.enum(['to_ship', 'shipped', 'received']),
  /** shipped before the return arrived (双向发货) */
  early: z.boolean(),
  carrier: z.string().nullable(),
  trackingNo: z.string().nullable(),
  shippedAt: IsoTimeSchema.nullable(),
  /** a resend on a Channels order registered with the shop (订单补发货): pending until the platform answers */
  shopCall: z.object({ status: z.enum(['pending', 'done', 'refused']), message: z.string().nullable() }).optional(),
})
export type ReplacementShipment = z.infer<typeof ReplacementShipmentSchema>

export const RatingSchema = z.object({
  score: z.number().int().min(1).max(5),
  comment: z.string().max(500),
  at: IsoTimeSchema,
})
export type Rating = z.infer<typeof RatingSchema>

export const CaseFlagsSchema = z.object({
  escalated: z.boolean(),
  risk: z.boolean(),
  warehouseCheck: z.boolean(),
  buyerNotNotified: z.boolean(),
  refundFailed: z.boolean(),
  supervisorInformed: z.boolean(),
  negativeReview: z.boolean(),
  /** trusted returning buyer (老客户): exchange ships before the return arrives */
  trusted: z.boolean(),
})
export type CaseFlags = z.infer<typeof CaseFlagsSchema>

// ---------------------------------------------------------------- timeline

export const TimelineEntrySchema = z.object({
  id: z.string().min(1),
  at: IsoTimeSchema,
  actor: z.object({ kind: z.enum(['buyer', 'staff', 'system']), id: z.string() }),
  /** the command type, or 'opened' */
  type: z.string().min(1),
  fromStatus: CaseStatusSchema.nullable(),
  toStatus: CaseStatusSchema,
  /** Chinese, buyer-readable (staff-only text when internal) */
  text: z.string(),
  /** staff notes: never shown to the buyer */
  internal: z.boolean(),
  data: z.record(z.unknown()).optional(),
})
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>

// ---------------------------------------------------------------- approvals, follow-ups (issue 15)

/** Staff commands an agent may submit for a supervisor's approval (money above the threshold / risky buyer). */
export const APPROVABLE_COMMANDS = ['approve', 'make_offer', 'issue_refund', 'platform_accept', 'record_manual_refund'] as const

/** An agent's request for approval: the command waits here until a supervisor decides. */
export const ApprovalRequestSchema = z.object({
  id: z.string().min(1),
  /** the staff command to apply on approval (parsed, without expectedVersion) */
  command: z.object({ type: z.enum(APPROVABLE_COMMANDS) }).passthrough(),
  /** the full value approved (cash + coupon + gift + goods sent ahead): execution must give exactly this */
  amountFen: FenSchema,
  /** of which cash */
  cashFen: FenSchema.default(0),
  /** exactly what is approved, Chinese ("同意仅退款¥99", "发放¥300优惠券") */
  summary: z.string().max(400).default(''),
  /** why it needs a supervisor (threshold / risk flag), Chinese */
  why: z.string(),
  note: z.string(),
  requestedBy: z.string(),
  requestedAt: IsoTimeSchema,
  /** unanswered until then → escalated to the owner */
  escalateAt: IsoTimeSchema,
  escalatedAt: IsoTimeSchema.nullable(),
  status: z.enum(['pending', 'approved', 'refused', 'withdrawn']),
  decidedBy: z.string().nullable(),
  decidedAt: IsoTimeSchema.nullable(),
  decisionNote: z.string().nullable(),
})
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>

export const REVIEW_CAUSES = ['product', 'logistics', 'service', 'expectation', 'other'] as const
export const ReviewCauseSchema = z.enum(REVIEW_CAUSES)
export type ReviewCause = z.infer<typeof ReviewCauseSchema>
export const REVIEW_CAUSE_LABELS: Record<ReviewCause, string> = {
  product: '产品质量',
  logistics: '物流快递',
  service: '客服服务',
  expectation: '与预期不符',
  other: '其他',
}
export const CONTACT_CHANNELS = ['phone', 'wechat', 'sms', 'other'] as const
export const ContactChannelSchema = z.enum(CONTACT_CHANNELS)
export const CONTACT_CHANNEL_LABELS: Record<(typeof CONTACT_CHANNELS)[number], string> = { phone: '电话', wechat: '微信', sms: '短信', other: '其他' }
export const ContactOutcomeSchema = z.enum(['reached', 'no_answer', 'refused'])
export const CONTACT_OUTCOME_LABELS: Record<z.infer<typeof ContactOutcomeSchema>, string> = { reached: '已沟通', no_answer: '未接通', refused: '买家拒绝沟通' }
export const ReviewOutcomeSchema = z.enum(['updated', 'not_updated', 'unreachable'])
export type ReviewOutcome = z.infer<typeof ReviewOutcomeSchema>
export const REVIEW_OUTCOME_LABELS: Record<ReviewOutcome, string> = { updated: '买家已追评/改评', not_updated: '买家未改评', unreachable: '联系不上买家' }

/** 差评 follow-up (seed 002): analyse the cause, contact the buyer, make it right, reply publicly. */
export const ReviewFollowUpSchema = z.object({
  openedAt: IsoTimeSchema,
  /** answer within the policy's hours (24 h by default) */
  dueAt: IsoTimeSchema,
  trigger: z.object({ score: z.number().int(), keywords: z.array(z.string()) }),
  cause: z.object({ category: ReviewCauseSchema, text: z.string(), at: IsoTimeSchema, by: z.string() }).nullable(),
  contacts: z.array(z.object({ at: IsoTimeSchema, by: z.string(), channel: ContactChannelSchema, outcome: ContactOutcomeSchema, note: z.string() })),
  remedy: z.object({ kind: z.enum(['none', 'new_case']), caseId: z.string().nullable(), note: z.string(), at: IsoTimeSchema, by: z.string() }).nullable(),
  reply: z.object({ text: z.string(), at: IsoTimeSchema, by: z.string() }).nullable(),
  outcome: ReviewOutcomeSchema.nullable(),
  closedAt: IsoTimeSchema.nullable(),
  /** last reminder sent to the agent (at most one a day) */
  remindedAt: IsoTimeSchema.nullable(),
})
export type ReviewFollowUp = z.infer<typeof ReviewFollowUpSchema>

export const VisitOutcomeSchema = z.enum(['satisfied', 'not_satisfied', 'unreachable'])
export type VisitOutcome = z.infer<typeof VisitOutcomeSchema>
export const VISIT_OUTCOME_LABELS: Record<VisitOutcome, string> = { satisfied: '买家满意', not_satisfied: '买家不满意', unreachable: '联系不上' }

/** What a buyer asked for in a 回访, kept on their profile for whoever serves them next (issue 23). */
export const BUYER_PREFERENCES = ['prefer_phone', 'prefer_wechat', 'no_phone', 'refund_only', 'no_coupon'] as const
export const BuyerPreferenceSchema = z.enum(BUYER_PREFERENCES)
export type BuyerPreference = z.infer<typeof BuyerPreferenceSchema>
export const BUYER_PREFERENCE_LABELS: Record<BuyerPreference, string> = {
  prefer_phone: '偏好电话联系',
  prefer_wechat: '偏好微信联系',
  no_phone: '不要打电话',
  refund_only: '只要退款',
  no_coupon: '不要优惠券补偿',
}
/** The buyer's preferences as last recorded (a later 回访 replaces them), with where they came from. */
export const BuyerPreferencesSchema = z.object({
  items: z.array(BuyerPreferenceSchema).max(BUYER_PREFERENCES.length),
  note: z.string().max(200),
  at: IsoTimeSchema,
  /** staff id of whoever recorded them */
  by: z.string(),
  caseId: z.string(),
  caseNo: z.string(),
})
export type BuyerPreferences = z.infer<typeof BuyerPreferencesSchema>

// ---------------------------------------------------------------- Channels shop (视频号小店) after-sales

/** Where a case was filed: in the mini-program, or as an after-sale order of the Channels shop. */
export const CaseSourceSchema = z.enum(['miniprogram', 'channels'])
export type CaseSource = z.infer<typeof CaseSourceSchema>
export const CASE_SOURCE_LABELS: Record<CaseSource, string> = { miniprogram: '小程序', channels: '视频号小店' }

/** Every after-sale status of the shop (the wire contract's list, types/channels.ts). */
export const PlatformStatusSchema = AfterSaleStatusSchema
export type PlatformStatus = AfterSaleStatus
export const PlatformTypeSchema = AfterSaleTypeSchema
export type PlatformType = AfterSaleType

/** The seller's calls on a platform after-sale order (each one an outbox entry, run once by key). */
export const PLATFORM_CALLS = ['accept_refund', 'accept_return', 'confirm_receipt_refund', 'reject', 'negotiate', 'refund_certificate', 'exchange_reship', 'complaint_proof', 'complaint_material'] as const
export const PlatformCallSchema = z.enum(PLATFORM_CALLS)
export type PlatformCall = z.infer<typeof PlatformCallSchema>
/** A desk remedy the shop carries out on a Channels order that has no platform after-sale (ShopCallEvent). */
export const SHOP_CALLS = ['refund_price_diff', 'delivery_compensation'] as const
export const ShopCallSchema = z.enum(SHOP_CALLS)
export type ShopCall = z.infer<typeof ShopCallSchema>
export const SHOP_CALL_LABELS: Record<ShopCall, string> = { refund_price_diff: '平台退差价', delivery_compensation: '平台补发货' }
export const PLATFORM_CALL_LABELS: Record<PlatformCall, string> = {
  accept_refund: '同意退款',
  accept_return: '同意退货',
  confirm_receipt_refund: '确认收货并退款',
  reject: '拒绝申请',
  negotiate: '发起协商',
  refund_certificate: '上传退款凭证',
  exchange_reship: '换货发出新商品',
  complaint_proof: '纠纷举证',
  complaint_material: '纠纷留言',
}

/**
 * An after-sale order of the shop as the desk keeps it (domain units: fen, ISO UTC). Produced
 * from `getaftersaleorder` by the sync use case; the platform's words are kept next to the
 * seller's mapping (reason text, status).
 */
export const PlatformSnapshotSchema = z.object({
  afterSaleOrderId: z.string().min(1),
  orderId: z.string().min(1),
  type: PlatformTypeSchema,
  status: PlatformStatusSchema,
  /** the platform's reason code and its own text (newer codes mean nothing without the text) */
  reasonCode: z.string(),
  reasonText: z.string(),
  refundFen: FenSchema,
  productId: z.string(),
  skuId: z.string(),
  count: z.number().int().min(1),
  description: z.string().max(1000),
  /** the buyer's photos / videos as platform media ids */
  mediaIds: z.array(z.string()),
  telNumber: z.string().nullable(),
  returnWaybill: z.object({ waybillId: z.string(), deliveryId: z.string(), deliveryName: z.string() }).nullable(),
  /** the seller must act before this instant or the platform decides (null when nothing waits on the seller) */
  deadline: IsoTimeSchema.nullable(),
  /** refund result as the platform reported it */
  refundResp: z.object({ code: z.string(), ret: z.number().int(), message: z.string() }).nullable(),
  complaintId: z.string().nullable(),
  /** the shop's openid of the buyer, and the unionid when the shop is bound to the open platform */
  shopOpenid: z.string(),
  unionid: z.string().nullable(),
  createTime: IsoTimeSchema,
  /** the platform's update_time: a snapshot older than the stored one is ignored */
  updateTime: IsoTimeSchema,
  /** 最终由运费险出资: the freight insurance pays this return (absent on older snapshots) */
  refundByInsurance: z.boolean().optional(),
  /** 小额保障退款: the platform's low-price guarantee refunds it */
  lowPriceInsuranceRefund: z.boolean().optional(),
  /** exchange_product_info: the SKU and unit price asked for against the ordered one (EXCHANGE; absent when the platform gave none) */
  exchange: z.object({ oldSkuId: z.string(), newSkuId: z.string(), oldSkuPriceFen: FenSchema, newSkuPriceFen: FenSchema }).optional(),
})
export type PlatformSnapshot = z.infer<typeof PlatformSnapshotSchema>

export const PlatformCallStateSchema = z.object({
  key: z.string(),
  call: PlatformCallSchema,
  at: IsoTimeSchema,
  /** pending until the dispatcher records the platform's answer */
  outcome: z.enum(['pending', 'done', 'refused']),
  /** the platform's refusal in Chinese (errcode kept) */
  message: z.string().nullable(),
  errcode: z.number().int().nullable(),
})
export type PlatformCallState = z.infer<typeof PlatformCallStateSchema>

/** A platform media id (the buyer's photo / video) fetched once and kept as a desk file. */
export const PlatformMediaSchema = EvidenceSchema.extend({ mediaId: z.string().min(1).max(512) })
export type PlatformMedia = z.infer<typeof PlatformMediaSchema>

/** The platform side of a case that came from the shop. */
export const PlatformBlockSchema = PlatformSnapshotSchema.extend({
  /** when the desk last read the order from the platform */
  syncedAt: IsoTimeSchema,
  /** the seller's last call on this order and its outcome */
  lastCall: PlatformCallStateSchema.nullable(),
  /** the buyer's platform media already fetched and stored with the case (absent on older cases) */
  media: z.array(PlatformMediaSchema).max(50).optional(),
})
export type PlatformBlock = z.infer<typeof PlatformBlockSchema>

/** One entry of the platform's dispute history (getcomplaintorder `history[]`). */
export const DisputeHistoryItemSchema = z.object({
  /** the platform's history code (item_type) */
  itemType: z.number().int(),
  at: IsoTimeSchema,
  content: z.string().max(2000),
  mediaIds: z.array(z.string()).max(50),
})
export type DisputeHistoryItem = z.infer<typeof DisputeHistoryItemSchema>

/** A dispute (纠纷单) as the desk reads it from the platform (domain units: ISO UTC). */
export const DisputeSnapshotSchema = z.object({
  complaintId: z.string().min(1).max(64),
  afterSaleOrderId: z.string().min(1),
  /** the platform's dispute status (100–116, 305, 307) */
  status: z.number().int(),
  history: z.array(DisputeHistoryItemSchema).max(200),
  /** the after-sale's seller deadline as the platform reported it when the dispute was read (null: none given) */
  platformDeadline: IsoTimeSchema.nullable(),
})
export type DisputeSnapshot = z.infer<typeof DisputeSnapshotSchema>

/** The seller's answer in a dispute (举证 / 留言) and what the platform said to it. */
export const DisputeCallStateSchema = PlatformCallStateSchema.extend({ text: z.string(), photos: z.number().int().min(0) })

/** The dispute on a shop case: the platform's side plus what the desk did and when it had to. */
export const DisputeBlockSchema = DisputeSnapshotSchema.extend({
  openedAt: IsoTimeSchema,
  /** when the desk first saw the current status */
  statusSince: IsoTimeSchema,
  /** the seller's next deadline while the dispute waits on the seller; null otherwise */
  deadline: IsoTimeSchema.nullable(),
  /** 'platform': the platform's own deadline; 'estimated': 48 h from the status (the dispute answer gives none) */
  deadlineSource: z.enum(['platform', 'estimated']).nullable(),
  /** the deadline a warning was already sent for (one warning per deadline) */
  warnedFor: IsoTimeSchema.nullable(),
  lastCall: DisputeCallStateSchema.nullable(),
  /** the seller answered (proof or message accepted by the platform), newest last */
  answers: z.array(z.object({ at: IsoTimeSchema, call: PlatformCallSchema, beforeDeadline: z.boolean() })).max(50),
  /** timeouts the platform recorded (305 the buyer's, 307 the seller's, 109 both) */
  timeouts: z.array(z.number().int()).max(10),
  /** the end of the dispute: won (nobody refunded), lost (the platform refunded the buyer), closed (mediation closed) */
  outcome: z.enum(['won', 'lost', 'closed']).nullable(),
  endedAt: IsoTimeSchema.nullable(),
})
export type DisputeBlock = z.infer<typeof DisputeBlockSchema>

/** A platform ticket (客诉工单, e.g. 催发货) as the desk reads it (domain units). */
export const PlatformTicketSnapshotSchema = z.object({
  ticketId: z.string().min(1).max(64),
  /** ticket_class_type (9 催发货) */
  classType: z.number().int(),
  /** ticket_state: 1 待商家处理, 2 待平台处理, 3 已完结 */
  state: z.number().int().min(1).max(3),
  orderId: z.string(),
  afterSaleOrderId: z.string(),
  /** the platform's words, tags removed */
  description: z.string().max(1000),
  createdAt: IsoTimeSchema,
  /** the seller must handle it before this instant (null: none given) */
  deadline: IsoTimeSchema.nullable(),
  /** platform_review_result (0 = not reviewed yet) */
  reviewResult: z.number().int(),
  /** the platform said the seller's time ran out (ec_platform_kf_ticket_timeout) */
  timedOut: z.boolean(),
})
export type PlatformTicketSnapshot = z.infer<typeof PlatformTicketSnapshotSchema>
export const PlatformTicketSchema = PlatformTicketSnapshotSchema.extend({ seenAt: IsoTimeSchema, warnedFor: IsoTimeSchema.nullable() })
export type PlatformTicket = z.infer<typeof PlatformTicketSchema>

// ---------------------------------------------------------------- case

export const CaseSchema = z.object({
  id: z.string().min(1),
  caseNo: z.string().min(1),
  buyerOpenid: z.string().min(1),
  order: OrderSnapshotSchema,
  claimedItems: z.array(ClaimedItemSchema).min(1),
  type: CaseTypeSchema,
  reason: ReasonCodeSchema,
  description: z.string().max(1000),
  evidence: z.array(EvidenceSchema),
  desiredRemedy: DesiredRemedySchema,
  severity: SeveritySchema,
  team: TeamSchema,
  assigneeId: z.string().nullable(),
  status: CaseStatusSchema,
  sla: SlaStateSchema,
  buyerDeadline: BuyerDeadlineSchema.nullable(),
  offers: z.array(OfferSchema),
  acceptedOfferId: z.string().nullable(),
  returnShipment: ReturnShipmentSchema.nullable(),
  inspection: InspectionSchema.nullable(),
  refunds: z.array(RefundSchema),
  replacementShipments: z.array(ReplacementShipmentSchema),
  rating: RatingSchema.nullable(),
  flags: CaseFlagsSchema,
  /** one-line reason of the routing decision (staff-facing) */
  routingNote: z.string(),
  appealCount: z.number().int().min(0),
  policyVersion: z.number().int().min(1),
  version: z.number().int().min(1),
  createdAt: IsoTimeSchema,
  updatedAt: IsoTimeSchema,
  closedAt: IsoTimeSchema.optional(),
  /** follow-up visit (回访) reminder for the agent after resolution; absent on older documents */
  followUp: z
    .object({
      dueAt: IsoTimeSchema,
      remindedAt: IsoTimeSchema.nullable(),
      /** what the visit found (absent until the agent records it) */
      outcome: VisitOutcomeSchema.nullable().optional(),
      doneAt: IsoTimeSchema.nullable().optional(),
      /** not satisfied → the new case opened for it */
      linkedCaseId: z.string().nullable().optional(),
    })
    .nullable()
    .optional(),
  /** approvals asked for on this case, newest last (absent on older documents) */
  approvals: z.array(ApprovalRequestSchema).optional(),
  /** 差评 follow-up task (absent unless a negative review arrived) */
  reviewFollowUp: ReviewFollowUpSchema.nullable().optional(),
  /** the case this one was opened from (回访 not satisfied, 差评 remedy) */
  linkedFromCaseId: z.string().nullable().optional(),
  timeline: z.array(TimelineEntrySchema),
  /** where the case was filed; absent on cases filed before the shop was connected (= mini-program) */
  source: CaseSourceSchema.optional(),
  /** the shop's after-sale order behind a `channels` case */
  platform: PlatformBlockSchema.nullable().optional(),
  /** the buyer asked the platform to step in (纠纷单): its status, history and the seller's deadline */
  dispute: DisputeBlockSchema.nullable().optional(),
  /** the platform's tickets (客诉工单, e.g. 催发货) on this case's order */
  platformTickets: z.array(PlatformTicketSchema).max(20).optional(),
})
export type Case = z.infer<typeof CaseSchema>

/** 小程序 / 视频号小店 */
export const caseSourceOf = (c: Pick<Case, 'source'>): CaseSource => c.source ?? 'miniprogram'


// ---------------------------------------------------------------- inputs to the core

/** A past case of this buyer for the same order (for eligibility limits). */
export const PastCaseSchema = z.object({
  caseId: z.string(),
  orderId: z.string(),
  claimedItems: z.array(ClaimedItemSchema),
  type: CaseTypeSchema,
  status: CaseStatusSchema,
  createdAt: IsoTimeSchema,
})
export type PastCase = z.infer<typeof PastCaseSchema>

export const BuyerProfileSchema = z.object({
  openid: z.string(),
  /** 专属客服 */
  dedicatedRepId: z.string().nullable().default(null),
  /** trusted (老客户): exchange ships before the return arrives */
  trusted: z.boolean().default(false),
  refundCount90d: z.number().int().min(0).default(0),
  /** where `trusted` comes from: the policy's rule, or a supervisor's / owner's decision (set_buyer_trust) */
  trustSource: z.enum(['rule', 'supervisor']).optional(),
})
export type BuyerProfile = z.input<typeof BuyerProfileSchema>

/** One supervisor's / owner's trust decision on a buyer (audited: kept on the buyer record, newest last). */
export const TrustChangeSchema = z.object({
  at: IsoTimeSchema,
  /** staff id */
  by: z.string().min(1),
  byName: z.string().optional(),
  /** true / false: trusted or not whatever the rule says; null: back to the policy's rule */
  trusted: z.boolean().nullable(),
  reason: z.string(),
})
export type TrustChange = z.infer<typeof TrustChangeSchema>

export const StaffMemberSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  role: StaffRoleSchema,
  teams: z.array(TeamSchema),
  onDuty: z.boolean(),
  /** 接单: supervisors and owners get routed cases only when they switch this on (agents always do while on duty) */
  takesCases: z.boolean().optional(),
  openCases: z.number().int().min(0),
  /** last time a case was assigned; null = never (idlest) */
  lastAssignedAt: IsoTimeSchema.nullable(),
})
export type StaffMember = z.infer<typeof StaffMemberSchema>

/** (issue 24, types/care.ts) A remedy set for a whole batch: new cases of it get this suggestion; buyers reached get it offered. */
export const BATCH_REMEDY_KINDS = ['refund', 'return_refund', 'exchange', 'resend', 'compensation', 'coupon'] as const
export const BatchRemedySchema = z
  .object({
    kind: z.enum(BATCH_REMEDY_KINDS),
    /** refund: the amount per case (default: the claimed value); compensation / coupon: the amount */
    amountFen: FenSchema.optional(),
    note: z.string().trim().max(200).default(''),
  })
  .refine((r) => !(r.kind === 'compensation' || r.kind === 'coupon') || (r.amountFen ?? 0) > 0, { message: '补偿和优惠券需要填写金额', path: ['amountFen'] })
  .refine((r) => r.kind !== 'coupon' || (r.amountFen ?? 0) <= MAX_PERK_FEN, { message: '优惠券金额超出上限', path: ['amountFen'] })
export type BatchRemedy = z.output<typeof BatchRemedySchema>
export const OpenCaseInputSchema = z.object({
  caseId: z.string().min(1).optional(),
  caseNo: z.string().min(1).optional(),
  buyerOpenid: z.string().min(1),
  order: OrderSnapshotSchema,
  claimedItems: z.array(ClaimedItemSchema).min(1),
  type: CaseTypeSchema,
  reason: ReasonCodeSchema,
  description: z.string().max(1000).default(''),
  evidence: z.array(EvidenceSchema).max(9).default([]),
  desiredRemedy: DesiredRemedySchema,
  /** the buyer's past cases for this order */
  history: z.array(PastCaseSchema).default([]),
  buyerProfile: BuyerProfileSchema.optional(),
  /**
   * the shop's after-sale order behind this case (source 视频号小店): the platform already accepted
   * the application, so eligibility is advisory and the platform decides the remedy (no suggestions)
   */
  platform: PlatformBlockSchema.optional(),
  /** the remedy the owner set for the batch of a claimed item (issue 24): the engine suggests it instead of guessing */
  batchRemedy: BatchRemedySchema.optional(),
  /** the platform demands it (客诉工单, e.g. 催发货): the buyer's eligibility does not apply */
  raisedByPlatform: z.boolean().optional(),
  /** facts the buyer states that the engine uses */
  facts: z
    .object({
      /** units damaged (defaults to claimed units) */
      damagedUnits: z.number().int().min(0).optional(),
      /** buyer says the defect is minor and they can live with it */
      minorDefect: z.boolean().optional(),
    })
    .default({}),
})
export type OpenCaseInput = z.input<typeof OpenCaseInputSchema>

// ---------------------------------------------------------------- commands

/** The platform's reason numbers have at most 8 digits (its after-sale reasons look like 10000021). */
export const MAX_REJECT_REASON_TYPE = 99_999_999

const base = { expectedVersion: z.number().int().min(1).optional() }
const text = z.string().max(1000)
const Tracking = { carrier: z.string().min(1).max(40), trackingNo: z.string().min(1).max(40) }

// payloads of the commands an agent may submit for approval: one shape for the command and for the request
const ApprovePayload = {
  /** override amount (fen) for refund_only / return_refund / compensation; defaults to the engine's remedy or the claimed value */
  amountFen: FenSchema.optional(),
  /** book a pickup (上门取件) for the return */
  pickup: z.boolean().optional(),
  shippingPaidBy: ShippingPayerSchema.optional(),
  /** exchange: ship the replacement now without waiting for the return (双向发货) */
  shipReplacementNow: z.boolean().optional(),
  /** 'requested' = carry out what the buyer asked for instead of the engine's remedy (needs changeReason) */
  remedy: z.enum(['engine', 'requested']).optional(),
  /** why the staff member changed the engine's remedy (kept in the timeline) */
  changeReason: z.string().trim().min(2).max(200).optional(),
  text: text.optional(),
}
const MakeOfferPayload = {
  /** ids of engine suggestions to offer, and / or new offers; several = buyer's choice */
  offerIds: z.array(z.string()).default([]),
  offers: z.array(OfferInputSchema).default([]),
  text: text.optional(),
}
const IssueRefundPayload = { amountFen: FenSchema.refine((n) => n > 0, '退款金额必须大于0'), purpose: z.enum(['refund', 'compensation']).default('refund'), text: text.optional() }
const PlatformAcceptPayload = { addressId: z.string().min(1).max(64).optional(), text: text.optional() }
const ManualRefundPayload = {
  amountFen: FenSchema.refine((n) => n > 0, '退款金额必须大于0'),
  purpose: z.enum(['refund', 'compensation']).default('refund'),
  /** the transfer's proof: screenshots / receipts uploaded by staff */
  proof: z.array(z.string().min(1).max(200)).min(1, '请上传退款凭证').max(9),
  note: z.string().trim().min(2, '请写明退款方式和流水号').max(200),
}

export const CaseCommandSchema = z.discriminatedUnion('type', [
  // staff
  z.object({ type: z.literal('respond'), text: text.min(1), ...base }),
  z.object({ type: z.literal('ask_info'), text: text.min(1), ...base }),
  z.object({ type: z.literal('make_offer'), ...MakeOfferPayload, ...base }),
  /** take back the offers the buyer has not answered (the case goes back to the agent); `reason` is shown to the buyer */
  z.object({ type: z.literal('withdraw_offer'), reason: z.string().trim().max(200).optional(), ...base }),
  z.object({ type: z.literal('approve'), ...ApprovePayload, ...base }),
  z.object({ type: z.literal('reject'), text: text.min(1), ...base }),
  z.object({ type: z.literal('receive_return'), text: text.optional(), ...base }),
  z.object({
    type: z.literal('inspect'),
    result: z.enum(['pass', 'fail']),
    note: text.min(1),
    photos: z.array(z.string()).default([]),
    ...base,
  }),
  z.object({ type: z.literal('issue_refund'), ...IssueRefundPayload, ...base }),
  z.object({ type: z.literal('ship_replacement'), ...Tracking, ...base }),
  z.object({ type: z.literal('record_manual_refund'), ...ManualRefundPayload, ...base }),
  z.object({ type: z.literal('note'), text: text.min(1), ...base }),
  z.object({ type: z.literal('reassign'), assigneeId: z.string().min(1).nullable(), team: TeamSchema.optional(), text: text.optional(), ...base }),
  z.object({ type: z.literal('escalate'), text: text.min(1), ...base }),
  // buyer
  z.object({ type: z.literal('provide_info'), text: text.min(1), evidence: z.array(EvidenceSchema).max(9).default([]), ...base }),
  z.object({ type: z.literal('accept_offer'), offerId: z.string().min(1), ...base }),
  z.object({ type: z.literal('decline_offer'), offerId: z.string().min(1).optional(), text: text.optional(), ...base }),
  z.object({ type: z.literal('cancel'), text: text.optional(), ...base }),
  z.object({ type: z.literal('ship_return'), ...Tracking, ...base }),
  z.object({ type: z.literal('confirm_receipt'), ...base }),
  z.object({ type: z.literal('rate'), score: z.number().int().min(1).max(5), comment: z.string().max(500).default(''), ...base }),
  z.object({ type: z.literal('appeal'), text: text.min(1), evidence: z.array(EvidenceSchema).max(9).default([]), ...base }),
  // system (timers, payment callbacks)
  z.object({ type: z.literal('refund_confirmed'), key: z.string().min(1), ...base }),
  z.object({ type: z.literal('refund_failed'), key: z.string().min(1), reason: z.string().max(200).default(''), ...base }),
  z.object({ type: z.literal('expire'), deadline: BuyerDeadlineKindSchema, ...base }),
  z.object({ type: z.literal('sla_warn'), ...base }),
  z.object({ type: z.literal('sla_breach'), ...base }),
  z.object({ type: z.literal('followup_remind'), ...base }),
  // closing the loop (issue 15)
  z.object({
    type: z.literal('submit_for_approval'),
    /** the command the agent may not run alone (above the threshold / risky buyer) */
    request: z.discriminatedUnion('type', [
      z.object({ type: z.literal('approve'), ...ApprovePayload }),
      z.object({ type: z.literal('make_offer'), ...MakeOfferPayload }),
      z.object({ type: z.literal('issue_refund'), ...IssueRefundPayload }),
      z.object({ type: z.literal('platform_accept'), ...PlatformAcceptPayload }),
      z.object({ type: z.literal('record_manual_refund'), ...ManualRefundPayload }),
    ]),
    note: text.default(''),
    ...base,
  }),
  z.object({ type: z.literal('decide_approval'), approvalId: z.string().min(1), decision: z.enum(['approved', 'refused']), note: text.default(''), ...base }),
  z.object({ type: z.literal('approval_escalate'), ...base }),
  z.object({
    type: z.literal('review_step'),
    step: z.discriminatedUnion('step', [
      z.object({ step: z.literal('analyse'), cause: ReviewCauseSchema, text: text.min(1) }),
      z.object({ step: z.literal('contact'), channel: ContactChannelSchema, outcome: ContactOutcomeSchema, note: text.default('') }),
      z.object({ step: z.literal('remedy'), mode: z.enum(['none', 'new_case']), caseId: z.string().nullable().default(null), note: text.default('') }),
      z.object({ step: z.literal('reply'), text: z.string().min(1).max(500) }),
      z.object({ step: z.literal('close'), outcome: ReviewOutcomeSchema }),
    ]),
    ...base,
  }),
  z.object({ type: z.literal('review_remind'), ...base }),
  z.object({
    type: z.literal('record_visit'),
    outcome: VisitOutcomeSchema,
    note: text.default(''),
    linkedCaseId: z.string().nullable().default(null),
    /** what the buyer asked for, saved on their profile (replaces what was there); null = unchanged */
    preferences: z
      .object({ items: z.array(BuyerPreferenceSchema).max(BUYER_PREFERENCES.length), note: z.string().trim().max(200, '偏好说明最多200个字').default('') })
      .nullable()
      .default(null),
    ...base,
  }),
  // Channels shop after-sales (core/commands/platform.ts): the seller's platform calls …
  z.object({ type: z.literal('platform_accept'), ...PlatformAcceptPayload, ...base }),
  z.object({
    type: z.literal('platform_reject'),
    /** one of the platform's reject reasons (rejectreason/get) */
    rejectReasonType: z.number({ invalid_type_error: '请选择拒绝原因' }).int('拒绝原因编号无效').min(1, '拒绝原因编号无效').max(MAX_REJECT_REASON_TYPE, '拒绝原因编号无效'),
    text: z.string().min(1).max(200),
    ...base,
  }),
  z.object({ type: z.literal('platform_certificate'), certificates: z.array(z.string().min(1).max(200)).min(1).max(9), text: z.string().min(1).max(200), ...base }),
  z.object({ type: z.literal('platform_reship'), deliveryId: z.string().min(1).max(40), waybillId: z.string().min(1).max(40), ...base }),
  // … and what the platform says (system)
  z.object({ type: z.literal('platform_sync'), snapshot: PlatformSnapshotSchema, media: z.array(PlatformMediaSchema).max(50).optional(), ...base }),
  z.object({ type: z.literal('platform_call_result'), callKey: z.string().min(1), outcome: z.enum(['done', 'refused']), errcode: z.number().int().optional(), message: z.string().max(500).optional(), ...base }),
  /** the shop's answer to a desk remedy on a Channels order (core/commands/shop_call.ts): `ref` = the refund key or the resend leg id */
  z.object({ type: z.literal('shop_call_result'), call: ShopCallSchema, ref: z.string().min(1), outcome: z.enum(['accepted', 'refused']), afterSaleOrderId: z.string().max(64).optional(), message: z.string().max(500).optional(), ...base }),
  // disputes (纠纷单) and platform tickets (客诉工单): core/commands/dispute_*.ts, ticket_sync.ts
  /** 举证: only while the platform waits on the seller's proof; photos are desk file ids (case evidence or new uploads) */
  z.object({ type: z.literal('dispute_proof'), text: z.string().trim().min(1, '请填写举证说明').max(500, '举证说明最多500字'), photos: z.array(z.string().min(1).max(200)).max(20, '图片最多20张').default([]), ...base }),
  /** 留言: only while customer service handles the dispute (103) */
  z.object({ type: z.literal('dispute_message'), text: z.string().trim().min(1, '请填写留言').max(500, '留言最多500字'), photos: z.array(z.string().min(1).max(200)).max(20, '图片最多20张').default([]), ...base }),
  z.object({ type: z.literal('dispute_sync'), snapshot: DisputeSnapshotSchema, ...base }),
  z.object({ type: z.literal('dispute_call_result'), callKey: z.string().min(1), outcome: z.enum(['done', 'refused']), errcode: z.number().int().optional(), message: z.string().max(500).optional(), ...base }),
  z.object({ type: z.literal('ticket_sync'), ticket: PlatformTicketSnapshotSchema, ...base }),
  /** the platform's deadline on a dispute or ticket is near: the agent is told once per deadline */
  z.object({ type: z.literal('shop_deadline_warn'), ...base }),
])
export type CaseCommand = z.input<typeof CaseCommandSchema>
export type ParsedCaseCommand = z.output<typeof CaseCommandSchema>
export type CommandType = ParsedCaseCommand['type']

// ---------------------------------------------------------------- events (outbox)

export const BuyerMessageEventSchema = z.object({
  kind: z.literal('buyer_message'),
  /** idempotency key: caseId:version:index */
  key: z.string(),
  /** business event, e.g. case_submitted */
  event: z.string(),
  templateKey: z.string(),
  templateId: z.string(),
  caseId: z.string(),
  openid: z.string(),
  page: z.string(),
  /** WeChat subscription-message data: { thing1: { value } ... } already within limits */
  data: z.record(z.object({ value: z.string() })),
})
/** What a staff alert is about (labels in types/alerts.ts). */
export const StaffAlertKindSchema = z.enum([
  'p1_opened', 'sla_warning', 'sla_breach', 'escalated', 'approval_needed', 'risk_buyer', 'serious_quality', 'negative_review_followup',
  'followup_visit', 'refund_failed', 'appeal', 'unassigned', 'platform_refused', 'platform_update',
  /** a case was routed or reassigned to this staff member */
  'case_assigned',
  /** a supervisor approved or refused what this agent submitted */
  'approval_decided',
  /** a 差评 follow-up step is due (at most one contact reminder a day) */
  'review_followup_due',
  /** the buyer answered: more words or evidence (provide_info) */
  'buyer_replied',
  /** the buyer declined the offers on the table (with their words, if any) */
  'offer_declined',
  /** many cases on one SKU and batch within the window (issue 24) */
  'batch_problem',
  /** a dispute (纠纷单) opened or moved; a platform ticket (客诉工单) arrived or moved */
  'dispute_update',
  'platform_ticket',
  /** the seller's deadline on a dispute or a platform ticket is near */
  'platform_deadline',
])
export type StaffAlertKind = z.infer<typeof StaffAlertKindSchema>
/** What a person needs to act on an alert without opening the case (core/alert-context.ts builds it). */
export const StaffAlertContextSchema = z.object({
  /** the claimed products, e.g. "明前龙井 ×2、茶杯" */
  product: z.string(),
  /** the receiver's name on the order, else a masked buyer id ("买家…ab12") */
  buyer: z.string(),
  reason: ReasonCodeSchema,
  /** the policy's label of the reason when the alert was raised */
  reasonLabel: z.string(),
  /** money at stake, fen: the accepted / offered / just-declined offer's value, else the claimed value */
  amountFen: FenSchema,
  amountKind: z.enum(['accepted', 'offered', 'declined', 'claimed']),
  /** the deadline the case runs against now: the seller's (SLA or the platform's) or the buyer's wait */
  dueAt: IsoTimeSchema.nullable(),
  dueKind: z.enum(['sla', 'platform', 'buyer']).nullable(),
})
export type StaffAlertContext = z.infer<typeof StaffAlertContextSchema>
export const StaffAlertEventSchema = z.object({
  kind: z.literal('staff_alert'),
  key: z.string(),
  caseId: z.string(),
  /** a staff id, 'supervisor' for the supervisors, 'owner' for the owners */
  to: z.string(),
  alert: StaffAlertKindSchema,
  text: z.string(),
  dueAt: IsoTimeSchema.optional(),
  /** product · buyer · reason · amount · deadline; absent on alerts raised before it existed */
  context: StaffAlertContextSchema.optional(),
  /** a batch alert (issue 24): its page shows the cases side by side */
  batchAlertId: z.string().optional(),
  /** the case's number and team when raised, so the fan-out need not read the case */
  caseNo: z.string().optional(),
  team: z.string().optional(),
})
export const RefundRequestEventSchema = z.object({
  kind: z.literal('refund_requested'),
  key: z.string(),
  caseId: z.string(),
  refundKey: z.string(),
  orderId: z.string(),
  amountFen: FenSchema,
})
export const WarehouseTaskEventSchema = z.object({
  kind: z.literal('warehouse_task'),
  key: z.string(),
  caseId: z.string(),
  task: z.enum(['ship_replacement', 'check_order', 'book_pickup', 'issue_coupon']),
  items: z.array(ClaimedItemSchema),
  giftValueFen: FenSchema,
  couponFen: FenSchema,
  text: z.string(),
})
/** A seller's decision on a platform after-sale order, to be sent to the shop once by `key`. */
export const PlatformCallEventSchema = z.object({
  kind: z.literal('platform_call'),
  key: z.string(),
  caseId: z.string(),
  afterSaleOrderId: z.string(),
  call: PlatformCallSchema,
  /** the call's key on the case (`platform.lastCall.key`): its answer is recorded against it */
  callKey: z.string(),
  /** accept_return: the seller's return address id (merchant/address/list) */
  addressId: z.string().optional(),
  /** reject: one of the platform's reject reasons (rejectreason/get) and the seller's words */
  rejectReasonType: z.number().int().optional(),
  rejectReason: z.string().optional(),
  /** refund_certificate: platform media ids and a description */
  certificates: z.array(z.string()).optional(),
  desc: z.string().optional(),
  /** exchange_reship: the new parcel */
  waybillId: z.string().optional(),
  deliveryId: z.string().optional(),
  /** complaint_proof / complaint_material: the dispute, the seller's words and desk file ids of the images */
  complaintId: z.string().optional(),
  content: z.string().optional(),
  photos: z.array(z.string()).optional(),
})
export type PlatformCallEvent = z.infer<typeof PlatformCallEventSchema>
/**
 * A desk remedy on a Channels order without a platform after-sale, carried out by the shop once by
 * `ref` (app/usecases/run-shop-call.ts): money by 退差价 (refundpricediff, request_id = the refund
 * key), a resend by 订单补发货 (order/delivery/compensation).
 */
export const ShopCallEventSchema = z.object({
  kind: z.literal('shop_call'),
  key: z.string(),
  caseId: z.string(),
  call: ShopCallSchema,
  orderId: z.string(),
  /** the refund key (refund_price_diff) or the replacement leg id (delivery_compensation) */
  ref: z.string(),
  /** refund_price_diff: the SKU charged, the amount, the reason code (10001336 双方协商一致退差价 …) and the seller's words */
  skuId: z.string().optional(),
  amountFen: FenSchema.optional(),
  reason: z.string().optional(),
  desc: z.string().max(200).optional(),
  /** delivery_compensation: the parcel and why (1 漏发 2 拆分包裹 3 坏损 4 赠品) */
  deliveryId: z.string().optional(),
  waybillId: z.string().optional(),
  items: z.array(ClaimedItemSchema).optional(),
  compensationReason: z.number().int().min(1).max(4).optional(),
})
export type ShopCallEvent = z.infer<typeof ShopCallEventSchema>
/**
 * The buyer's platform photos / videos of a Channels after-sale, fetched by media id and kept with
 * the case by the dispatcher (app/usecases/run-platform-media.ts), off the push path. `key` is per
 * case and media id set, so a repeated push or poll adds no second row.
 */
export const PlatformMediaEventSchema = z.object({
  kind: z.literal('platform_media'),
  key: z.string(),
  caseId: z.string(),
  afterSaleOrderId: z.string(),
  mediaIds: z.array(z.string()).max(10),
})
export type PlatformMediaEvent = z.infer<typeof PlatformMediaEventSchema>
/** A 回访's preferences for the buyer's profile: written once after the case, newest `at` wins. */
export const BuyerPreferencesEventSchema = z.object({
  kind: z.literal('buyer_preferences'),
  key: z.string(),
  caseId: z.string(),
  buyerOpenid: z.string(),
  preferences: BuyerPreferencesSchema,
})
export const CaseEventSchema = z.discriminatedUnion('kind', [
  BuyerMessageEventSchema,
  StaffAlertEventSchema,
  RefundRequestEventSchema,
  WarehouseTaskEventSchema,
  PlatformCallEventSchema,
  ShopCallEventSchema,
  BuyerPreferencesEventSchema,
  PlatformMediaEventSchema,
])
export type CaseEvent = z.infer<typeof CaseEventSchema>
export type BuyerMessageEvent = z.infer<typeof BuyerMessageEventSchema>
export type StaffAlertEvent = z.infer<typeof StaffAlertEventSchema>

// ---------------------------------------------------------------- errors

export const CORE_ERROR_CODES = ['NOT_ALLOWED_IN_STATUS', 'FORBIDDEN', 'VALIDATION', 'LIMIT_EXCEEDED', 'CONFLICT'] as const
export type CoreErrorCode = (typeof CORE_ERROR_CODES)[number]
export interface CoreError {
  code: CoreErrorCode
  message: string
  details: { status?: CaseStatus; command?: string; [k: string]: unknown }
}
export type Result<T> = { ok: true; value: T } | { ok: false; error: CoreError }
