/**
 * Every action's input (zod) and output (type) for the two functions. The mini-program and the
 * functions import this same file: a schema change breaks the typecheck on both sides.
 */
import { z } from 'zod'
import {
  CaseCommandSchema,
  CaseTypeSchema,
  ClaimedItemSchema,
  DesiredRemedySchema,
  EvidenceSchema,
  ReasonCodeSchema,
  SeveritySchema,
  StaffRoleSchema,
  TeamSchema,
  CaseStatusSchema,
  type Case,
  type CaseSource,
  type PlatformCall,
  type CaseType,
  type CommandType,
  type OrderSnapshot,
  type StaffMember,
  type TrustChange,
  type BuyerPreferences,
} from './domain'
import type { Policy } from './policy'
import type { BuyerCaseSummary, BuyerCaseView } from './buyer-view'
import { InboxInputSchema, MarkInboxReadInputSchema, StaffSubscriptionInputSchema, type InboxOutputs } from './alerts'
import { ActBatchAlertInputSchema, BatchAlertsInputSchema, BulkInputSchema, CareReplyInputSchema, GetBatchAlertInputSchema, type BatchAlert, type BatchAlertView, type BulkResult, type CareReplyResult } from './care'

const Id = z.string().min(1).max(64)
const Cursor = z.string().max(200).nullable().optional()
const Limit = z.number().int().min(1).max(100).default(20)

// ---------------------------------------------------------------- views

/** What the viewer should do next, in plain words (the tracker's headline). */
export interface NextStep {
  actor: 'buyer' | 'seller' | 'none'
  text: string
  dueAt: string | null
}

export interface SlaView {
  state: 'on_time' | 'warning' | 'breached'
  dueAt: string | null
  msLeft: number | null
  paused: boolean
}

/** A case as staff see it (a buyer's view is the allow-list `BuyerCaseView` of ./buyer-view). */
export type CaseView = Omit<Case, 'routingNote'> & {
  routingNote?: string
  /** shop after-sales: the queue's mark plus the seller's platform calls allowed now */
  platformMark?: PlatformMark | null
  next: NextStep
  /** commands this viewer may issue now */
  actions: CommandType[]
  sla: Case['sla'] & { report: SlaView }
  /** staff only: the money guard's answer for this case (what may go out, and what a tap on 同意 does) */
  money?: MoneyView
}

/** The core's money answers for the staff case page: the page shows them, it never re-derives them. */
export interface MoneyView {
  /** most that may still go out as a refund / as compensation, each with its reason ("本单该商品还可退¥40") */
  refundMaxFen: number
  refundWhy: string
  compensationMaxFen: number
  compensationWhy: string
  thresholdFen: number
  /** value already given or on its way on this case (counts toward the threshold) */
  givenFen: number
  /** what the viewer's 同意 would do now: run, go to a supervisor for approval, or be refused (null: not offered) */
  approve: { outcome: 'runs' | 'approval' | 'refused'; summary: string; valueFen: number; message: string } | null
  /** the request waiting for a supervisor, as the agent and supervisor see it */
  pendingApproval: { id: string; summary: string; valueFen: number; why: string; requestedBy: string; requestedAt: string; mine: boolean } | null
}

export interface CaseSummary {
  id: string
  caseNo: string
  status: Case['status']
  type: Case['type']
  reason: Case['reason']
  severity: Case['severity']
  team: Case['team']
  assigneeId: string | null
  orderId: string
  title: string
  createdAt: string
  updatedAt: string
  escalated: boolean
  sla: SlaView
  next: NextStep
  /** 小程序 / 视频号小店 */
  source: CaseSource
  /** a shop after-sale: its status in the platform's words, and when the platform decides if the seller does nothing */
  platform: PlatformMark | null
  /** the buyer answered (reply, decline, appeal) and no staff member acted since: 买家已回复 */
  buyerReplied: boolean
  /** the version the summary was read at (bulk actions send it back: a case changed since is refused) */
  version?: number
  /** a platform dispute (纠纷单) or ticket (客诉工单) waits on the seller: what and until when (absent otherwise) */
  shopDeadline?: { label: string; dueAt: string } | null
  /** on the follow-up tabs: that task's own deadline and badge (差评 24 h, approval escalation, visit due) */
  task?: { kind: 'approval' | 'review' | 'visit'; dueAt: string; state: SlaView['state']; msLeft: number; amountFen?: number }
}

/** What the seller picks from when deciding on a shop after-sale. */
export interface ShopOptions {
  rejectReasons: { type: number; text: string; detail: string }[]
  addresses: { id: string; label: string; isDefault: boolean }[]
}

/** What the queue and the case header show of a platform after-sale. */
export interface PlatformMark {
  afterSaleOrderId: string
  statusText: string
  /** the seller's hard deadline (平台将于 … 自动处理); null while the platform waits on the buyer or itself */
  deadline: string | null
  /** what 同意 means now (refund / return / receipt + refund) */
  acceptCall: PlatformCall
  /** the platform's own words for the reason (「不想要了」): shown instead of the desk's label */
  reasonText?: string
}

export interface TypeOption {
  type: CaseType
  allowed: boolean
  reason: string
}

export interface EligibilityView {
  ok: boolean
  types: TypeOption[]
  errors: string[]
  hints: string[]
  noReasonDeadline: string | null
}

export interface OrderView {
  order: OrderSnapshot
  /** open cases of this order (the buyer continues there) */
  openCaseIds: string[]
  /** '7天无理由退货 可申请至 …' etc. */
  hints: string[]
}

export interface Page<T> {
  items: T[]
  next: string | null
}

// ---------------------------------------------------------------- buyer function: aftersale

const caseRef = { caseId: Id }
const commandOf = <T extends CommandType>(type: T) => {
  const opt = CaseCommandSchema.optionsMap.get(type)
  if (!opt) throw new Error(`unknown command ${type}`)
  return (opt as z.AnyZodObject).omit({ type: true }).extend(caseRef)
}

/** Buyer commands exposed as actions of the same name. */
export const BUYER_COMMANDS = ['cancel', 'provide_info', 'accept_offer', 'decline_offer', 'ship_return', 'confirm_receipt', 'rate', 'appeal'] as const
export type BuyerCommand = (typeof BUYER_COMMANDS)[number]

export const SubmitInputSchema = z.object({
  orderId: Id,
  claimedItems: z.array(ClaimedItemSchema).min(1).max(50),
  type: CaseTypeSchema,
  reason: ReasonCodeSchema,
  description: z.string().max(1000).default(''),
  evidence: z.array(EvidenceSchema).max(10).default([]),
  desiredRemedy: DesiredRemedySchema,
  facts: z.object({ damagedUnits: z.number().int().min(0).optional(), minorDefect: z.boolean().optional() }).default({}),
})
export type SubmitInput = z.input<typeof SubmitInputSchema>

export const SubscriptionResultSchema = z.object({
  results: z
    .array(z.object({ templateId: z.string().min(1).max(64), result: z.enum(['accept', 'reject', 'ban', 'filter']) }))
    .min(1)
    .max(5),
})

export const aftersaleInputs = {
  whoami: z.object({}),
  list_orders: z.object({ limit: Limit }),
  check_eligibility: z.object({ orderId: Id, claimedItems: z.array(ClaimedItemSchema).min(1).max(50), reason: ReasonCodeSchema }),
  submit: SubmitInputSchema,
  list_cases: z.object({ cursor: Cursor, limit: Limit }),
  get_case: z.object(caseRef),
  record_subscriptions: SubscriptionResultSchema,
  get_policy: z.object({}),
  cancel: commandOf('cancel'),
  provide_info: commandOf('provide_info'),
  accept_offer: commandOf('accept_offer'),
  decline_offer: commandOf('decline_offer'),
  ship_return: commandOf('ship_return'),
  confirm_receipt: commandOf('confirm_receipt'),
  rate: commandOf('rate'),
  appeal: commandOf('appeal'),
  /** 签收回访: the buyer's answer (not 满意 opens a case) */
  care_reply: CareReplyInputSchema,
} satisfies Record<string, z.ZodTypeAny>
export type AftersaleAction = keyof typeof aftersaleInputs

export interface PublicPolicy {
  version: number
  reasons: { code: string; label: string; allowedTypes: CaseType[] }[]
  noReasonDays: number
  maxRequestsPerSku: number
  buyerWait: Policy['buyerWait']
  cannedReplies: Partial<Record<string, string>>
  templateIds: { key: string; templateId: string }[]
  /** null until the seller sets one */
  returnAddress: Policy['returnAddress'] | null
}

export interface AftersaleOutputs {
  whoami: { openid: string; role: 'buyer' }
  list_orders: OrderView[]
  check_eligibility: EligibilityView
  submit: { case: BuyerCaseView; created: boolean }
  list_cases: Page<BuyerCaseSummary>
  get_case: BuyerCaseView
  record_subscriptions: { credits: Record<string, number> }
  get_policy: PublicPolicy
  care_reply: CareReplyResult
}

// ---------------------------------------------------------------- staff function: admin

export const STAFF_COMMANDS = [
  'respond', 'ask_info', 'make_offer', 'withdraw_offer', 'approve', 'reject', 'receive_return', 'inspect', 'issue_refund',
  'ship_replacement', 'record_manual_refund', 'note', 'reassign', 'escalate', 'submit_for_approval', 'decide_approval', 'review_step', 'record_visit',
  // shop after-sales (视频号小店): the seller's decisions go to the platform
  'platform_accept', 'platform_reject', 'platform_certificate', 'platform_reship',
  // disputes (纠纷单): 举证 / 留言 go to the platform
  'dispute_proof', 'dispute_message',
] as const
export type StaffCommand = (typeof STAFF_COMMANDS)[number]

/** Queue tab counts are exact below this and mean "this many or more" at it. */
export const QUEUE_COUNT_CAP = 1000
export const countLabel = (n: number | undefined): string => (n === undefined ? '' : n >= QUEUE_COUNT_CAP ? `${QUEUE_COUNT_CAP - 1}+` : String(n))

export const QueueTabSchema = z.enum(['mine', 'team', 'unassigned', 'overdue', 'escalated', 'all', 'approvals', 'reviews', 'visits'])
/** Tabs of follow-up work (issue 15): 待审批, 差评跟进, 回访 — sorted by their own deadline. */
export const TASK_TABS = ['approvals', 'reviews', 'visits'] as const
export type QueueTab = z.infer<typeof QueueTabSchema>

export const QueueInputSchema = z.object({
  tab: QueueTabSchema.default('mine'),
  status: z.array(CaseStatusSchema).max(13).optional(),
  severity: SeveritySchema.optional(),
  reason: ReasonCodeSchema.optional(),
  team: TeamSchema.optional(),
  /** cases whose SLA badge shows this state now (paused clocks: the state they paused in; stopped: on time unless breached) */
  slaState: z.enum(['on_time', 'warning', 'breached']).optional(),
  createdFrom: z.string().datetime().optional(),
  createdTo: z.string().datetime().optional(),
  cursor: Cursor,
  limit: Limit,
})

export const StaffInputSchema = z.object({
  id: Id,
  name: z.string().min(1).max(40),
  role: StaffRoleSchema,
  teams: z.array(TeamSchema).min(1),
  onDuty: z.boolean(),
  active: z.boolean().default(true),
})

/** A date range of case creation (UTC instants, `to` exclusive); at most about a year. */
const CaseRangeSchema = {
  from: z.string().datetime().optional(),
  to: z.string().datetime().optional(),
}
const rangeOk = (r: { from?: string; to?: string }) => !r.from || !r.to || (Date.parse(r.from) < Date.parse(r.to) && Date.parse(r.to) - Date.parse(r.from) <= 370 * 86_400_000)
const RANGE_MSG = { message: '时间范围无效（开始须早于结束，且不超过一年）', path: ['from'] }

export const AnalyticsInputSchema = z.object(CaseRangeSchema).refine(rangeOk, RANGE_MSG)

/** Policy what-if: the draft policy (validated like a save) replayed over the cases created in a range (default: the last 30 days). */
export const WhatIfInputSchema = z
  .object({ ...CaseRangeSchema, policy: z.unknown(), changedLimit: z.number().int().min(0).max(500).default(100) })
  .refine(rangeOk, RANGE_MSG)

export const ExportCasesInputSchema = z
  .object({
    ...CaseRangeSchema,
    status: z.array(CaseStatusSchema).max(13).optional(),
    severity: SeveritySchema.optional(),
    reason: ReasonCodeSchema.optional(),
    team: TeamSchema.optional(),
  })
  .refine(rangeOk, RANGE_MSG)

export const adminInputs = {
  whoami: z.object({}),
  queue: QueueInputSchema,
  get_case: z.object(caseRef),
  list_staff: z.object({}),
  upsert_staff: StaffInputSchema,
  /** `takesCases`: 接单 of a supervisor / owner (routing assigns them cases only when on) */
  set_duty: z.object({ id: Id, onDuty: z.boolean(), takesCases: z.boolean().optional() }),
  /** `trusted` is deprecated (use set_buyer_trust): when sent it is recorded as a trust decision with a fixed reason */
  set_dedicated_rep: z.object({ buyerOpenid: Id, repId: Id.nullable(), trusted: z.boolean().optional() }),
  /** find a buyer by name, phone tail (4 digits) or order number; empty `q` = only the saved assignments */
  search_buyers: z.object({ q: z.string().trim().max(40, '搜索内容最多40个字').default('') }),
  /** supervisors / owners: trusted (老客户, exchange ships first) or not whatever the rule says; null = back to the rule */
  set_buyer_trust: z.object({
    buyerOpenid: Id,
    trusted: z.boolean().nullable(),
    reason: z.string().trim().min(2, '请填写原因（至少2个字）').max(200, '原因最多200个字'),
  }),
  get_policy: z.object({}),
  /** `preview`: the range of the what-if the owner looked at; the server recomputes it and records its summary on the new version */
  update_policy: z.object({
    expectedVersion: z.number().int().min(0),
    policy: z.unknown(),
    preview: z.object(CaseRangeSchema).refine(rangeOk, RANGE_MSG).optional(),
    /** changed auto-decision rules: the `autoRules.token` of the preview_policy run that showed exactly these rules */
    rulesPreview: z.string().max(80).optional(),
  }),
  list_policy_versions: z.object({}),
  preview_policy: WhatIfInputSchema,
  /** stops the shop's running what-if (one runs at a time) */
  cancel_preview: z.object({}),
  respond: commandOf('respond'),
  ask_info: commandOf('ask_info'),
  make_offer: commandOf('make_offer'),
  withdraw_offer: commandOf('withdraw_offer'),
  approve: commandOf('approve'),
  reject: commandOf('reject'),
  receive_return: commandOf('receive_return'),
  inspect: commandOf('inspect'),
  issue_refund: commandOf('issue_refund'),
  ship_replacement: commandOf('ship_replacement'),
  record_manual_refund: commandOf('record_manual_refund'),
  note: commandOf('note'),
  reassign: commandOf('reassign'),
  escalate: commandOf('escalate'),
  submit_for_approval: commandOf('submit_for_approval'),
  decide_approval: commandOf('decide_approval'),
  review_step: commandOf('review_step'),
  open_linked_case: z.object({ caseId: Id, purpose: z.enum(['visit', 'review']), note: z.string().max(500).default('') }),
  record_visit: commandOf('record_visit'),
  platform_accept: commandOf('platform_accept'),
  platform_reject: commandOf('platform_reject'),
  platform_certificate: commandOf('platform_certificate'),
  platform_reship: commandOf('platform_reship'),
  dispute_proof: commandOf('dispute_proof'),
  dispute_message: commandOf('dispute_message'),
  shop_options: z.object({}),
  analytics: AnalyticsInputSchema,
  export_cases: ExportCasesInputSchema,
  inbox: InboxInputSchema,
  mark_inbox_read: MarkInboxReadInputSchema,
  record_staff_subscriptions: StaffSubscriptionInputSchema,
  // issue 24: batch alerts (leads read, the owner acts) and bulk actions (idempotency key required)
  batch_alerts: BatchAlertsInputSchema,
  get_batch_alert: GetBatchAlertInputSchema,
  act_batch_alert: ActBatchAlertInputSchema,
  bulk_command: BulkInputSchema,
} satisfies Record<string, z.ZodTypeAny>
export type AdminAction = keyof typeof adminInputs

/** The buyer panel of a staff case page: history, risk count and trust (who decided it and why). */
export interface BuyerHistoryView {
  pastCases: CaseSummary[]
  refundCount90d: number
  dedicatedRepId: string | null
  /** trusted for two-way exchange (老客户) today: the supervisor's decision if any, else the rule */
  trusted: boolean
  trustSource: 'rule' | 'supervisor'
  /** what the policy's rule alone says and on what (orders signed for in `orderDays`, risk-flagged cases in 90 days) */
  trustRule: { trusted: boolean; completedOrders: number; riskCases90d: number; minOrders: number; orderDays: number }
  /** supervisors' trust decisions, oldest first */
  trustHistory: TrustChange[]
  /** what the buyer asked for in their last 回访 (absent / null: nothing recorded) */
  preferences?: BuyerPreferences | null
}

/** A case linked to this one (issue 23): opened from its 回访 / 差评 remedy, or the case this one was opened from. */
export interface LinkedCaseView {
  id: string
  caseNo: string
  status: Case['status']
  /** visit: opened for this case's 回访; review: for its 差评 remedy; parent: this case was opened from it */
  purpose: 'visit' | 'review' | 'parent'
}

export interface StaffView extends StaffMember {
  active: boolean
}

/** A buyer as staff pick them (the dedicated-rep form): who they are to a person, not their openid. */
export interface BuyerPick {
  openid: string
  name: string | null
  phoneTail: string | null
  /** the order the search matched, else their latest order */
  orderId: string | null
  dedicatedRepId: string | null
  repName: string | null
  trusted: boolean
}

export interface AdminOutputs extends InboxOutputs {
  open_linked_case: { caseId: string; caseNo: string; created: boolean }
  whoami: { openid: string; role: StaffMember['role']; name: string; teams: StaffMember['teams'] }
  /** tab counts stop at QUEUE_COUNT_CAP (shown as "999+") so a queue call stays cheap at any size */
  queue: Page<CaseSummary> & { counts: Record<QueueTab, number> }
  get_case: CaseView & { refundableFen: number; buyerHistory: BuyerHistoryView; linkedCases?: LinkedCaseView[] }
  list_staff: StaffView[]
  upsert_staff: StaffView
  set_duty: StaffView
  /** `changed`: false when the save matched what was already recorded (nothing written) */
  set_dedicated_rep: { openid: string; dedicatedRepId: string | null; trusted: boolean; changed: boolean }
  set_buyer_trust: { openid: string; trusted: boolean; trustSource: 'rule' | 'supervisor'; trustHistory: TrustChange[] }
  /** `matches`: buyers found for `q`; `assigned`: every buyer with a dedicated rep */
  search_buyers: { matches: BuyerPick[]; assigned: BuyerPick[] }
  /** `calendarWarning`: set when the official holiday data does not cover the next 60 days */
  get_policy: { version: number; policy: Policy; updatedBy: string; updatedAt: string; calendarWarning?: string | null }
  update_policy: { version: number; policy: Policy; updatedBy: string; updatedAt: string; whatIf?: WhatIfSummary | null }
  list_policy_versions: PolicyVersionView[]
  preview_policy: WhatIfView
  /** false when no what-if was running */
  cancel_preview: { cancelled: boolean }
  analytics: AnalyticsView
  export_cases: CaseExport
  /** the shop's reject reasons and return addresses (read from the platform) */
  shop_options: ShopOptions
  batch_alerts: { items: BatchAlert[] }
  get_batch_alert: BatchAlertView
  act_batch_alert: BatchAlertView
  bulk_command: BulkResult
}

// ---------------------------------------------------------------- analytics and export (admin)

/** Cases of one group (a reason, product, SKU or batch) per week of the range. */
export interface AnalyticsGroupRow {
  key: string
  label: string
  total: number
  /** aligned with AnalyticsView.weeks */
  perWeek: number[]
  /** share of the group's cases whose buyer already had an earlier case in the same group (0…1) */
  repeatRate: number
}

/** A reason on a product whose cases grew in the latest week against the weeks before. */
export interface RisingProblem {
  key: string
  reason: string
  reasonLabel: string
  skuId: string
  product: string
  latest: number
  previousAvg: number
  delta: number
}

export interface HitRate {
  hit: number
  total: number
  /** hit / total, null when nothing was measurable */
  rate: number | null
}

export interface MoneyRow {
  /** accepted offer kind, else the case type */
  remedy: string
  label: string
  cases: number
  refundFen: number
  compensationFen: number
  couponFen: number
  giftFen: number
  replacementFen: number
  totalFen: number
}

export interface AnalyticsView {
  from: string
  to: string
  generatedAt: string
  timezone: string
  /** Monday of each week (YYYY-MM-DD, shop time zone), oldest first */
  weeks: string[]
  totalCases: number
  /** more cases than the analysis reads at once: figures cover the newest ones */
  truncated: boolean
  perWeek: number[]
  /** share of cases whose buyer already had an earlier case in the range */
  repeatRate: number | null
  byReason: AnalyticsGroupRow[]
  byProduct: AnalyticsGroupRow[]
  bySku: AnalyticsGroupRow[]
  byBatch: AnalyticsGroupRow[]
  rising: RisingProblem[]
  sla: { firstResponse: HitRate; resolution: HitRate; overall: HitRate }
  times: { medianFirstResponseMs: number | null; firstResponseCount: number; medianResolutionMs: number | null; resolutionCount: number }
  money: { rows: MoneyRow[]; totalFen: number }
  csat: { count: number; average: number | null; satisfiedRate: number | null; distribution: [number, number, number, number, number] }
  followUps: FollowUpStats
  /** batch alerts opened in the range and what was done (issue 24) */
  batchAlerts?: BatchAlert[]
  /** platform disputes (纠纷单) on the cases created in the range */
  disputes: DisputeStats
}

/** Platform disputes: how many, how they ended, whether the seller answered in time. */
export interface DisputeStats {
  opened: number
  /** still running */
  open: number
  /** ended without the platform refunding the buyer */
  won: number
  /** the platform refunded the buyer */
  lost: number
  /** 调解关闭 */
  closed: number
  /** the seller's proof / message reached the platform before its deadline */
  answeredInTime: number
  /** the platform recorded the seller's timeout (307) */
  sellerTimeouts: number
}

/** 差评 follow-up and 回访 over the cases created in the range. */
export interface FollowUpStats {
  /** cases that got a 差评 follow-up */
  reviews: number
  /** reached out (first contact attempt or public reply) within the task's hours (24 h by default); one still running and not yet due is not counted */
  onTime: HitRate
  /** of all 差评: the buyer updated the review (追评/改评) */
  updated: HitRate
  /** how the follow-ups closed; `open` = still running */
  outcomes: { updated: number; not_updated: number; unreachable: number; open: number }
  /** 回访 outcomes recorded */
  visits: { total: number; satisfied: number; not_satisfied: number; unreachable: number }
}

/** The case list as CSV text (UTF-8 with BOM, RFC 4180 quoting). */
export interface CaseExport {
  filename: string
  csv: string
  rows: number
  truncated: boolean
}

// ---------------------------------------------------------------- policy what-if and history (admin)

/** What the what-if compares per case, in the order the editor lists them. */
export const WHAT_IF_FIELDS = ['severity', 'team', 'offer', 'amount', 'approval', 'buyerDeadline', 'sla'] as const
export type WhatIfField = (typeof WHAT_IF_FIELDS)[number]
export const WHAT_IF_FIELD_LABELS: Record<WhatIfField, string> = {
  severity: '紧急程度',
  team: '处理小组',
  offer: '建议方案',
  amount: '方案金额',
  approval: '需主管审批',
  buyerDeadline: '买家截止时间',
  sla: '时效结果',
}

export interface WhatIfMoneyRow {
  /** offer kind of the offer the case lands on (the engine rule the staff accepted, else the first suggestion) */
  remedy: string
  label: string
  beforeFen: number
  afterFen: number
  diffFen: number
}

/** The numbers of one what-if run; recorded on the policy version it led to. */
export interface WhatIfSummary {
  from: string
  to: string
  generatedAt: string
  /** the live policy version the draft was compared with */
  baseVersion: number
  cases: number
  /** more cases than one run reads: figures cover the newest ones */
  truncated: boolean
  changedCases: number
  counts: Record<WhatIfField, number>
  sla: { metToBreached: number; breachedToMet: number; before: HitRate; after: HitRate }
  money: { rows: WhatIfMoneyRow[]; beforeFen: number; afterFen: number; diffFen: number }
  /** the draft's auto-decision rules on the same cases (absent on summaries recorded before them) */
  autoRules?: WhatIfRules
}

/** What each of the draft's auto-decision rules would have decided of the range's cases, and the money. */
export interface WhatIfRules {
  rows: Array<{ id: string; name: string; enabled: boolean; cases: number; amountFen: number; cappedCases: number }>
  decidedCases: number
  amountFen: number
  /** send with update_policy (`rulesPreview`) to save exactly these rules */
  token: string
}

export interface WhatIfChange {
  caseId: string
  caseNo: string
  createdAt: string
  product: string
  reasonLabel: string
  fields: { field: WhatIfField; before: string; after: string }[]
}

export interface WhatIfView extends WhatIfSummary {
  /** changed cases, newest first, up to `changedLimit` */
  changes: WhatIfChange[]
}

/** One field that differs between two policy versions, in the seller's words. */
export interface PolicyFieldChange {
  path: string
  label: string
  before: string
  after: string
}

export interface PolicyVersionView {
  version: number
  updatedBy: string
  /** staff name of updatedBy ('系统默认' for the default, the id when no longer on the roster) */
  updatedByName: string
  updatedAt: string
  /** field-level diff against the previous version (empty for the first) */
  changes: PolicyFieldChange[]
  whatIf: WhatIfSummary | null
}
