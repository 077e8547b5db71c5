/**
 * What a buyer may see of a case: an allow-list. Every field is named here; the server builds the
 * buyer's answer field by field from this list (`app/views.ts`), so a field added to the case stays
 * staff-only until it is added here. Nothing staff-internal belongs here: staff ids, notes, routing,
 * severity, risk and other flags, approvals, 差评 / 回访 records, engine rules, the platform block
 * and its call details, payment failure texts.
 */
import { z } from 'zod'
import { BUYER_COMMANDS } from './actions'
import {
  CaseSourceSchema,
  CaseStatusSchema,
  CaseTypeSchema,
  ClaimedItemSchema,
  DesiredRemedySchema,
  EvidenceSchema,
  FenSchema,
  IsoTimeSchema,
  OfferKindSchema,
  OfferStatusSchema,
  ReasonCodeSchema,
  BuyerDeadlineKindSchema,
  ShippingPayerSchema,
} from './domain'

const Item = ClaimedItemSchema.strict()
const Evidence = EvidenceSchema.strict()

export const BuyerOrderSchema = z
  .object({
    orderId: z.string(),
    items: z.array(z.object({ skuId: z.string(), name: z.string(), qty: z.number().int(), unitPriceFen: FenSchema, finalSale: z.boolean().optional(), freightInsurance: z.boolean().optional() }).strict()),
    paidFen: FenSchema,
    paidAt: IsoTimeSchema,
    shippedAt: IsoTimeSchema.optional(),
    deliveredAt: IsoTimeSchema.optional(),
    carrier: z.string().optional(),
    trackingNo: z.string().optional(),
  })
  .strict()

/** An offer the seller made (never an unsent engine suggestion; no engine rule, no approval need). */
export const BuyerOfferSchema = z
  .object({
    id: z.string(),
    kind: OfferKindSchema,
    refundFen: FenSchema,
    compensationFen: FenSchema,
    couponFen: FenSchema,
    giftValueFen: FenSchema,
    items: z.array(Item),
    pickup: z.boolean(),
    shippingPaidBy: ShippingPayerSchema,
    explanation: z.string(),
    status: OfferStatusSchema.exclude(['suggested']),
    createdAt: IsoTimeSchema,
    group: z.string().nullable(),
  })
  .strict()
export type BuyerOffer = z.infer<typeof BuyerOfferSchema>

/** Timeline data a buyer may see: tracking, offers and their own evidence. */
export const BuyerTimelineDataSchema = z
  .object({
    offerIds: z.array(z.string()).optional(),
    offerId: z.string().optional(),
    carrier: z.string().optional(),
    trackingNo: z.string().optional(),
    legId: z.string().optional(),
    evidence: z.array(z.string()).optional(),
  })
  .strict()
export const BUYER_TIMELINE_DATA = ['offerIds', 'offerId', 'carrier', 'trackingNo', 'legId', 'evidence'] as const

/**
 * Timeline entries a buyer may see, by type (and only when not marked internal): what they did,
 * what the seller answered or decided, goods and money moving, the platform's own steps.
 */
export const BUYER_TIMELINE_TYPES = [
  'opened',
  // the buyer's own steps
  'provide_info', 'accept_offer', 'decline_offer', 'cancel', 'ship_return', 'confirm_receipt', 'rate', 'appeal',
  // the seller's answers and decisions
  'respond', 'ask_info', 'make_offer', 'withdraw_offer', 'approve', 'reject', 'receive_return', 'inspect', 'issue_refund', 'ship_replacement', 'decide_approval',
  // money, deadlines and the shop platform
  'refund_confirmed', 'refund_failed', 'expire',
  'platform_accept', 'platform_reject', 'platform_certificate', 'platform_reship', 'platform_sync',
] as const

/** Who acted, as a buyer may see it: the role (买家 / 客服 / 系统), never an identifier. */
export const BuyerTimelineEntrySchema = z
  .object({
    id: z.string(),
    at: IsoTimeSchema,
    actor: z.object({ kind: z.enum(['buyer', 'staff', 'system']) }).strict(),
    type: z.enum(BUYER_TIMELINE_TYPES),
    fromStatus: CaseStatusSchema.nullable(),
    toStatus: CaseStatusSchema,
    text: z.string(),
    data: BuyerTimelineDataSchema.optional(),
  })
  .strict()
export type BuyerTimelineEntry = z.infer<typeof BuyerTimelineEntrySchema>

export const NextStepSchema = z.object({ actor: z.enum(['buyer', 'seller', 'none']), text: z.string(), dueAt: IsoTimeSchema.nullable() }).strict()

export const BuyerCaseViewSchema = z
  .object({
    id: z.string(),
    caseNo: z.string(),
    order: BuyerOrderSchema,
    claimedItems: z.array(Item),
    type: CaseTypeSchema,
    reason: ReasonCodeSchema,
    /** a shop after-sale: the platform's own words for the reason (「不想要了」), shown instead of the desk's label */
    reasonText: z.string().max(40).optional(),
    description: z.string(),
    evidence: z.array(Evidence),
    desiredRemedy: DesiredRemedySchema,
    status: CaseStatusSchema,
    /** what the case waits on from the buyer, and until when */
    buyerDeadline: z.object({ kind: BuyerDeadlineKindSchema, dueAt: IsoTimeSchema }).strict().nullable(),
    offers: z.array(BuyerOfferSchema),
    acceptedOfferId: z.string().nullable(),
    returnShipment: z
      .object({
        status: z.enum(['pending', 'shipped', 'received']),
        pickup: z.boolean(),
        shippingPaidBy: ShippingPayerSchema,
        /** 'inspect': the refund / exchange waits for the inspection; 'collect': the goods are only taken back */
        purpose: z.enum(['inspect', 'collect']),
        items: z.array(Item),
        carrier: z.string().nullable(),
        trackingNo: z.string().nullable(),
        shippedAt: IsoTimeSchema.nullable(),
        receivedAt: IsoTimeSchema.nullable(),
      })
      .strict()
      .nullable(),
    /** the result and the note the seller wrote for the buyer (no inspector, no internal photos) */
    inspection: z.object({ result: z.enum(['pass', 'fail']), note: z.string(), at: IsoTimeSchema }).strict().nullable(),
    /** money back (no payment failure details) */
    refunds: z.array(z.object({ key: z.string(), amountFen: FenSchema, purpose: z.enum(['refund', 'compensation']), status: z.enum(['pending', 'succeeded', 'failed']), requestedAt: IsoTimeSchema, settledAt: IsoTimeSchema.nullable() }).strict()),
    replacementShipments: z.array(
      z.object({ id: z.string(), items: z.array(Item), status: z.enum(['to_ship', 'shipped', 'received']), carrier: z.string().nullable(), trackingNo: z.string().nullable(), shippedAt: IsoTimeSchema.nullable() }).strict(),
    ),
    rating: z.object({ score: z.number().int(), comment: z.string(), at: IsoTimeSchema }).strict().nullable(),
    /** the buyer turned message notifications off: the page reminds them to come back */
    flags: z.object({ buyerNotNotified: z.boolean() }).strict(),
    /** 小程序 / 视频号小店 */
    source: CaseSourceSchema,
    /** compare-and-set: the buyer's commands name the version they saw */
    version: z.number().int(),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
    closedAt: IsoTimeSchema.optional(),
    timeline: z.array(BuyerTimelineEntrySchema),
    next: NextStepSchema,
    /** commands this buyer may issue now */
    actions: z.array(z.enum(BUYER_COMMANDS)),
  })
  .strict()
export type BuyerCaseView = z.infer<typeof BuyerCaseViewSchema>

/** One line of the buyer's case list. */
export const BuyerCaseSummarySchema = z
  .object({
    id: z.string(),
    caseNo: z.string(),
    status: CaseStatusSchema,
    type: CaseTypeSchema,
    reason: ReasonCodeSchema,
    orderId: z.string(),
    title: z.string(),
    createdAt: IsoTimeSchema,
    updatedAt: IsoTimeSchema,
    next: NextStepSchema,
    source: CaseSourceSchema,
  })
  .strict()
export type BuyerCaseSummary = z.infer<typeof BuyerCaseSummarySchema>
