/**
 * Prevention and automation (issue 24): batch alerts and what the owner did about them, bulk
 * actions over many cases, post-delivery care (签收回访). zod only — shared with the mini-program.
 */
import { z } from 'zod'
import { BatchRemedySchema, FenSchema, OfferInputSchema, PerkFenSchema, ReasonCodeSchema, TeamSchema, type BatchRemedy, type CaseStatus, type ReasonCode } from './domain'

// ---------------------------------------------------------------- policy: care

const int = (min: number, max: number) => z.number().int().min(min, `不能小于${min}`).max(max, `不能大于${max}`)

/**
 * The policy's `care` key: the batch watch (N cases of the watched reasons on one SKU and batch
 * within a window → alert), post-delivery visits (签收回访, off by default) and the words that make
 * a good rating a 差好评.
 */
export const CarePolicySchema = z.object({
  batch: z
    .object({
      enabled: z.boolean().default(true),
      /** reasons that count as a batch problem */
      reasons: z.array(ReasonCodeSchema).min(1).max(12).default(['quality_defect', 'not_as_described', 'safety_allergy']),
      /** this many cases on one SKU and batch … */
      threshold: int(2, 1000).default(5),
      /** … within this many hours → one alert per window */
      windowHours: int(1, 720).default(48),
      /** the team alerted with the owners */
      team: TeamSchema.default('quality'),
    })
    .default({}),
  delivery: z
    .object({
      /** 签收回访: a subscription message a few days after signing (default off) */
      enabled: z.boolean().default(false),
      /** share of signed orders that get one (by order number, the same on every instance) */
      sharePercent: int(1, 100).default(100),
      /** days after signing */
      afterDays: int(1, 30).default(3),
      /** the buyer template used (policy.templates key; its fields: caseNo = order number, productName, nextStep, deadlineDate) */
      templateKey: z.string().min(1).max(40).default('survey'),
    })
    .default({}),
  /** a rating above the 差评 score whose comment has one of these words is a 差好评: followed up like a 差评 */
  mixedReviewKeywords: z.array(z.string().min(1).max(20)).max(50).default(['但是', '不过', '可惜', '有点失望', '希望改进']),
})
export type CarePolicy = z.output<typeof CarePolicySchema>

// ---------------------------------------------------------------- batch remedy and alerts

export { BATCH_REMEDY_KINDS, BatchRemedySchema, type BatchRemedy } from './domain'

export const BATCH_REMEDY_LABELS: Record<BatchRemedy['kind'], string> = {
  refund: '退款（无需寄回）',
  return_refund: '退货退款',
  exchange: '换货',
  resend: '补发',
  compensation: '现金补偿',
  coupon: '优惠券',
}

/** What the owner offers buyers of the batch who did not complain, within a total budget. */
export const OutreachSchema = z.object({
  kind: z.enum(['compensation', 'coupon', 'resend']),
  /** per buyer (compensation / coupon); resend sends the units they bought */
  amountFen: PerkFenSchema.default(0),
  budgetFen: FenSchema.refine((n) => n > 0, '请填写总预算'),
  message: z.string().trim().min(2, '请写一句给买家的话').max(200),
})
  .refine((o) => o.kind === 'resend' || o.amountFen > 0, { message: '请填写每位买家的金额', path: ['amountFen'] })
export type Outreach = z.output<typeof OutreachSchema>

export interface BatchAlertCase {
  caseId: string
  caseNo: string
  createdAt: string
  buyer: string
  reason: ReasonCode
  reasonLabel: string
  status: CaseStatus
  description: string
  /** evidence the buyer attached (urls the admin pages open) */
  photos: Array<{ fileId: string; kind: 'image' | 'video' }>
}

/** One alert: a SKU and batch crossed the threshold within the window. */
export interface BatchAlert {
  id: string
  /** `<skuId>@<batch>` */
  key: string
  skuId: string
  batch: string
  product: string
  openedAt: string
  /** the window counted: [windowFrom, openedAt] */
  windowFrom: string
  threshold: number
  /** the cases that crossed it (ids, newest first) */
  caseIds: string[]
  /** the case whose filing crossed it (the alert's inbox entry opens it) */
  triggerCaseId: string
  version: number
  /** what the owner did (null until then) */
  action: {
    by: string
    byName: string
    at: string
    remedy: BatchRemedy | null
    outreach: Outreach | null
  } | null
  /** the outreach's progress: buyers reached once each, the budget spent */
  progress: {
    status: 'running' | 'done'
    /** last order read (keyset) */
    cursor: string | null
    reached: number
    skipped: number
    refused: number
    spentFen: number
    /** why the outreach stopped early (budget used up…), Chinese */
    note: string | null
    updatedAt: string
  } | null
}

export const ActBatchAlertInputSchema = z.object({
  alertId: z.string().min(1).max(200),
  expectedVersion: z.number().int().min(1),
  remedy: BatchRemedySchema.nullable(),
  outreach: OutreachSchema.nullable(),
}).refine((a) => a.remedy || a.outreach, { message: '请设定批次方案或主动联系买家', path: ['remedy'] })

export interface BatchAlertView extends BatchAlert {
  cases: BatchAlertCase[]
  /** the remedy new cases of this batch get now (may have been set by a later alert) */
  currentRemedy: BatchRemedy | null
}

// ---------------------------------------------------------------- bulk actions

/** Most cases one bulk request may touch. */
export const BULK_MAX = 200

/** What one bulk request applies to every selected case (each through decide on its own). */
export const BulkCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('respond'), text: z.string().min(1).max(1000) }),
  z.object({ type: z.literal('note'), text: z.string().min(1).max(1000) }),
  z.object({ type: z.literal('reassign'), assigneeId: z.string().min(1).max(64).nullable(), team: TeamSchema.optional(), text: z.string().max(1000).optional() }),
  z.object({ type: z.literal('make_offer'), offers: z.array(OfferInputSchema).min(1).max(3), text: z.string().max(1000).optional() }),
  z.object({ type: z.literal('approve'), text: z.string().max(1000).optional() }),
  /** the pending approval of each case (审批通过 / 拒绝) */
  z.object({ type: z.literal('decide_approval'), decision: z.enum(['approved', 'refused']), note: z.string().max(1000).default('') }),
])
export type BulkCommand = z.input<typeof BulkCommandSchema>

export const BulkInputSchema = z.object({
  /** each case with the version the agent saw (a case changed since is refused, not guessed) */
  items: z
    .array(z.object({ caseId: z.string().min(1).max(64), expectedVersion: z.number().int().min(1) }))
    .min(1, '请至少选择一个售后单')
    .max(BULK_MAX, `一次最多批量处理${BULK_MAX}个售后单，请缩小筛选范围后分批处理`)
    .refine((a) => new Set(a.map((i) => i.caseId)).size === a.length, '同一个售后单选了两次'),
  command: BulkCommandSchema,
})

export interface BulkItemResult {
  caseId: string
  caseNo: string | null
  /** applied now; already applied by an earlier try of this request; turned into an approval request; refused */
  outcome: 'applied' | 'replayed' | 'approval' | 'refused'
  status: CaseStatus | null
  /** refusal code and Chinese reason */
  code?: string
  message?: string
}
export interface BulkResult {
  total: number
  applied: number
  refused: number
  results: BulkItemResult[]
}

// ---------------------------------------------------------------- post-delivery care (签收回访)

export const CareReplyInputSchema = z.object({
  orderId: z.string().min(1).max(64),
  satisfied: z.boolean(),
  text: z.string().trim().max(500).default(''),
})
export interface CareReplyResult {
  orderId: string
  satisfied: boolean
  /** a reply that is not 满意 opens a case */
  caseId: string | null
  caseNo: string | null
  /** false: the order was already answered (the first reply stands) */
  recorded: boolean
}

export const BatchAlertsInputSchema = z.object({ limit: z.number().int().min(1).max(100).default(20) })
export const GetBatchAlertInputSchema = z.object({ alertId: z.string().min(1).max(200) })
