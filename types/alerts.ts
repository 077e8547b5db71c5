/**
 * Staff alerts as people receive them: the inbox in the admin pages, WeChat subscription messages
 * to staff who subscribed, and each team's WeCom (企业微信) group robot. zod only — shared with the
 * mini-program.
 */
import { z } from 'zod'
import type { StaffAlertContext, StaffAlertKind } from './domain'

/** Chinese name of each alert kind (inbox, subscription message, WeCom). */
export const STAFF_ALERT_LABELS: Record<StaffAlertKind | 'delivery_failed', string> = {
  p1_opened: 'P1 紧急售后',
  sla_warning: '即将超时',
  sla_breach: '已超时',
  escalated: '已升级',
  approval_needed: '待审批',
  risk_buyer: '风险买家',
  serious_quality: '严重质量问题',
  negative_review_followup: '差评跟进',
  followup_visit: '回访提醒',
  refund_failed: '退款失败',
  appeal: '买家申诉',
  unassigned: '无人接单',
  platform_refused: '小店拒绝操作',
  platform_update: '小店售后更新',
  case_assigned: '新分配给我',
  approval_decided: '审批结果',
  review_followup_due: '差评跟进提醒',
  buyer_replied: '买家已回复',
  offer_declined: '买家未接受方案',
  batch_problem: '批次问题预警',
  dispute_update: '平台纠纷',
  platform_ticket: '平台客诉工单',
  platform_deadline: '平台截止将至',
  delivery_failed: '提醒发送失败',
}

/** What the alert's amount is (StaffAlertContext.amountKind). */
export const ALERT_AMOUNT_LABELS: Record<StaffAlertContext['amountKind'], string> = {
  accepted: '已接受方案',
  offered: '待买家确认',
  declined: '买家未接受',
  claimed: '申请金额',
}
/** Whose deadline the alert's deadline is (StaffAlertContext.dueKind). */
export const ALERT_DUE_LABELS: Record<NonNullable<StaffAlertContext['dueKind']>, string> = {
  sla: '处理截止',
  platform: '小店截止',
  buyer: '等买家至',
}

/** One alert in one staff member's inbox. */
export interface InboxItem {
  /** `<outbox key of the alert>:<staff id>` — the same alert never lands twice */
  id: string
  staffId: string
  caseId: string
  caseNo: string
  kind: StaffAlertKind | 'delivery_failed'
  text: string
  dueAt: string | null
  /** product · buyer · reason · amount · deadline of the case when the alert was raised (absent on older entries) */
  context?: StaffAlertContext
  /** a batch alert's page (issue 24) */
  batchAlertId?: string
  createdAt: string
  readAt: string | null
}

export const InboxInputSchema = z.object({
  unreadOnly: z.boolean().default(false),
  cursor: z.string().max(200).nullable().optional(),
  limit: z.number().int().min(1).max(100).default(20),
})

export const MarkInboxReadInputSchema = z.union([
  z.object({ ids: z.array(z.string().min(1).max(200)).min(1).max(100) }),
  z.object({ all: z.literal(true) }),
])

export const StaffSubscriptionInputSchema = z.object({
  results: z.array(z.object({ templateId: z.string().min(1).max(64), result: z.enum(['accept', 'reject', 'ban', 'filter']) })).min(1).max(5),
})

/** Unread counts stop here (shown "99+"): counting costs at most this many index entries. */
export const UNREAD_CAP = 100
export const unreadLabel = (n: number): string => (n >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(n))

export interface InboxOutputs {
  inbox: { items: InboxItem[]; next: string | null; unread: number }
  mark_inbox_read: { marked: number; unread: number }
  record_staff_subscriptions: { templateId: string; credits: number }
}
