/**
 * The ONE table mirroring the Channels shop's after-sale statuses onto the desk (issue 12 §5).
 * Typed as a Record over every status of the wire contract, so a status added there fails the
 * typecheck until it has a row here. For every platform status: the case status it puts the case in, whom the platform waits on, the
 * seller's platform calls allowed now, and who is told when the platform moves there. Everything
 * that needs to know what a platform status means asks this table (the sync, the case view's
 * buttons, the seller commands' guards, the queue's deadline mark).
 */
import { PLATFORM_CALL_LABELS } from '@contract/domain'
import type { Case, CaseStatus, CaseType, PlatformCall, PlatformSnapshot, PlatformStatus, PlatformType, ReasonCode, SlaState, SlaTargetState } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { AFTER_SALE_STATUS_TEXT } from '@contract/channels'
import { yuan } from './money'
import { toIso, toMs } from './tz'

const PLATFORM_TYPE_TEXT: Record<PlatformType, string> = { REFUND: '仅退款', RETURN: '退货退款', EXCHANGE: '换货' }

export interface PlatformStatusRow {
  /** the case status the desk mirrors; `byType` overrides it for one platform type */
  caseStatus: CaseStatus
  byType?: Partial<Record<PlatformType, CaseStatus>>
  /** whom the platform waits on now; `seller` makes the platform deadline a hard deadline for the desk */
  waitsOn: 'seller' | 'buyer' | 'platform' | 'none'
  /** the seller's platform calls allowed in this status, per platform type */
  sellerMay: Partial<Record<PlatformType, PlatformCall[]>>
  /** a platform-side move here alerts the case's agent (or the supervisors when unassigned) */
  alertAgent: string | null
  /** the platform refunded the buyer (refunds on the case are settled) */
  refunded?: boolean
  /** the platform's refund failed */
  refundFailed?: boolean
  /** case statuses the desk may move to on its own while the platform stays here (receipt → inspection) */
  deskMay?: CaseStatus[]
}

const ALL = (calls: PlatformCall[]): Partial<Record<PlatformType, PlatformCall[]>> => ({ REFUND: calls, RETURN: calls, EXCHANGE: calls })

export const PLATFORM_STATUS_TABLE: Record<PlatformStatus, PlatformStatusRow> = {
  MERCHANT_PROCESSING: {
    caseStatus: 'in_review',
    waitsOn: 'seller',
    sellerMay: { REFUND: ['accept_refund', 'reject'], RETURN: ['accept_return', 'reject'], EXCHANGE: ['accept_return', 'reject'] },
    alertAgent: null,
  },
  USER_WAIT_RETURN: { caseStatus: 'awaiting_return', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  MERCHANT_WAIT_RECEIPT: {
    caseStatus: 'return_shipped',
    waitsOn: 'seller',
    sellerMay: { RETURN: ['confirm_receipt_refund', 'reject'], EXCHANGE: ['exchange_reship', 'reject'] },
    alertAgent: '买家已在平台寄回商品，请收货后处理',
    // the desk receives and inspects the goods before it lets the platform refund
    deskMay: ['inspecting', 'in_review'],
  },
  PLATFORM_REFUNDING: { caseStatus: 'refunding', waitsOn: 'platform', sellerMay: {}, alertAgent: null },
  MERCHANT_REFUND_SUCCESS: { caseStatus: 'resolved', waitsOn: 'none', sellerMay: {}, alertAgent: null, refunded: true },
  MERCHANT_RETURN_SUCCESS: { caseStatus: 'resolved', waitsOn: 'none', sellerMay: {}, alertAgent: null, refunded: true },
  PLATFORM_REFUND_FAIL: {
    caseStatus: 'in_review',
    waitsOn: 'seller',
    // retry the refund, or refund offline and upload the evidence
    sellerMay: ALL(['accept_refund', 'refund_certificate']),
    alertAgent: '平台退款失败，请重新发起退款或线下退款后上传凭证',
    refundFailed: true,
  },
  MERCHANT_REFUND_RETRY_FAIL: {
    caseStatus: 'closed',
    waitsOn: 'none',
    sellerMay: {},
    alertAgent: '商家打款失败，平台客服已关闭售后，请联系买家线下处理',
    refundFailed: true,
  },
  MERCHANT_OVERDUE_REFUND: {
    caseStatus: 'in_review',
    waitsOn: 'seller',
    sellerMay: ALL(['accept_refund', 'refund_certificate']),
    alertAgent: '已超过平台处理期限，商家逾期未退款，请立即处理',
  },
  MERCHANT_REJECT_REFUND: { caseStatus: 'rejected', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  MERCHANT_REJECT_RETURN: { caseStatus: 'rejected', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  USER_CANCELD: { caseStatus: 'cancelled', waitsOn: 'none', sellerMay: {}, alertAgent: '买家已在平台撤销售后申请' },
  RETURN_CLOSED: { caseStatus: 'closed', waitsOn: 'none', sellerMay: {}, alertAgent: '平台已关闭退货退款' },
  MERCHANT_FAIL: { caseStatus: 'closed', waitsOn: 'none', sellerMay: {}, alertAgent: '平台已关闭售后' },
  USER_WAIT_CONFIRM: {
    caseStatus: 'offer_pending',
    // after an exchange reship the buyer confirms the new parcel
    byType: { EXCHANGE: 'replacement_shipped' },
    waitsOn: 'buyer',
    sellerMay: {},
    alertAgent: null,
  },
  USER_WAIT_CONFIRM_UPDATE: { caseStatus: 'offer_pending', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  USER_WAIT_HANDLE_MERCHANT_AFTER_SALE: { caseStatus: 'offer_pending', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  // exchange and interception statuses seen in WxJava / SKIT
  WAIT_PACKAGE_INTERCEPT: { caseStatus: 'in_review', waitsOn: 'platform', sellerMay: {}, alertAgent: null },
  MERCHANT_REJECT_EXCHANGE: { caseStatus: 'rejected', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  MERCHANT_REJECT_RESHIP: { caseStatus: 'rejected', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  USER_WAIT_RECEIPT: { caseStatus: 'replacement_shipped', waitsOn: 'buyer', sellerMay: {}, alertAgent: null },
  MERCHANT_EXCHANGE_SUCCESS: { caseStatus: 'resolved', waitsOn: 'none', sellerMay: {}, alertAgent: null },
}

/** The platform's own words for a status. */
export { PLATFORM_CALL_LABELS }

export const platformStatusText = (status: PlatformStatus): string => AFTER_SALE_STATUS_TEXT[status]

export function platformRow(status: PlatformStatus): PlatformStatusRow {
  return PLATFORM_STATUS_TABLE[status]
}

/** The case status a platform status puts the case in. */
export function mirroredStatus(status: PlatformStatus, type: PlatformType): CaseStatus {
  const row = PLATFORM_STATUS_TABLE[status]
  return row.byType?.[type] ?? row.caseStatus
}

/** The seller's platform calls allowed now. */
export function sellerCalls(status: PlatformStatus, type: PlatformType): PlatformCall[] {
  return PLATFORM_STATUS_TABLE[status].sellerMay[type] ?? []
}

/** The platform deadline binds the seller only while the platform waits on the seller. */
export function sellerDeadline(p: Pick<PlatformSnapshot, 'status' | 'deadline'>): string | null {
  return PLATFORM_STATUS_TABLE[p.status].waitsOn === 'seller' ? p.deadline : null
}


/** The desk's case type for a platform type. */
export function caseTypeOf(type: PlatformType): CaseType {
  return type === 'REFUND' ? 'refund_only' : type === 'RETURN' ? 'return_refund' : 'exchange'
}

/**
 * The seller's reason for a platform reason: the policy's reasons carry the shop's two-digit codes
 * (DESIGN §2: 05 少件/漏发 … 40 破损/污渍); the platform sends them as 100000NN. A code the seller has
 * not mapped becomes `other` — the platform's text is kept on the case either way.
 */
export function deskReasonOf(reasonCode: string, policy: Policy): ReasonCode {
  const two = reasonCode.replace(/\D/g, '').slice(-2).padStart(2, '0')
  return policy.reasons.find((r) => r.channelsCode === two)?.code ?? 'other'
}

/**
 * Never later than the platform: a running SLA target due after the seller's platform deadline is
 * brought forward to it, on the wall clock (the platform does not wait for business hours), with
 * its length shortened so the 80 % warning fires before the platform decides. Paused, met and
 * earlier targets are left alone.
 */
export function clampSlaToDeadline(sla: SlaState, deadline: string | null): SlaState {
  if (!deadline || sla.stoppedAt) return sla
  const dl = toMs(deadline)
  const clamp = (t: SlaTargetState): SlaTargetState => {
    if (t.metAt || t.pausedRemainingMs !== null || toMs(t.dueAt) <= dl) return t
    return { ...t, clock: 'calendar', dueAt: toIso(dl), targetMs: Math.max(1, dl - toMs(t.startedAt)) }
  }
  const firstResponse = clamp(sla.firstResponse)
  const resolution = clamp(sla.resolution)
  return firstResponse === sla.firstResponse && resolution === sla.resolution ? sla : { ...sla, firstResponse, resolution }
}

/**
 * The case status a snapshot means for this case: a case not yet answered stays `submitted`, and
 * a step the desk took on its own within the same platform status (received, inspecting) stays.
 */
export function expectedCaseStatus(c: Pick<Case, 'status'> & { platform?: Pick<PlatformSnapshot, 'status'> | null }, snap: Pick<PlatformSnapshot, 'status' | 'type'>): CaseStatus {
  const to = mirroredStatus(snap.status, snap.type)
  if (c.platform?.status === snap.status && PLATFORM_STATUS_TABLE[snap.status].deskMay?.includes(c.status)) return c.status
  return to === 'in_review' && c.status === 'submitted' ? 'submitted' : to
}

/** A deadline the platform moved by less than this is the same deadline (a relative `deadline` read at another instant). */
const DEADLINE_SLACK_MS = 60_000

/**
 * What a snapshot changes that the desk shows, besides the status (Chinese, for the staff
 * timeline); empty when nothing. The relative deadline read a few seconds apart is no change.
 */
export function platformChanges(p: PlatformSnapshot, snap: PlatformSnapshot): string[] {
  const out: string[] = []
  const dl = (x: string | null) => (x ? toMs(x) : null)
  const a = dl(p.deadline)
  const b = dl(snap.deadline)
  if ((a === null) !== (b === null) || (a !== null && b !== null && Math.abs(a - b) >= DEADLINE_SLACK_MS)) out.push(snap.deadline ? '平台处理期限已更新' : '平台处理期限已取消')
  if (p.refundFen !== snap.refundFen) out.push(`申请退款金额改为${yuan(snap.refundFen)}`)
  if (p.type !== snap.type) out.push(`售后类型改为${PLATFORM_TYPE_TEXT[snap.type]}`)
  if ((p.returnWaybill?.waybillId ?? '') !== (snap.returnWaybill?.waybillId ?? '')) out.push(`退货单号${snap.returnWaybill?.waybillId ?? '已清除'}`)
  if ((p.refundResp?.message ?? '') !== (snap.refundResp?.message ?? '') || (p.refundResp?.code ?? '') !== (snap.refundResp?.code ?? '')) out.push(`平台退款结果：${snap.refundResp?.message || snap.refundResp?.code || '无'}`)
  if (p.description !== snap.description) out.push('买家修改了说明')
  if ((snap.mediaIds ?? []).some((m) => !(p.mediaIds ?? []).includes(m))) out.push('买家补充了凭证')
  if ((p.complaintId ?? '') !== (snap.complaintId ?? '')) out.push(snap.complaintId ? `平台纠纷单 ${snap.complaintId}` : '平台纠纷单已结束')
  return out
}

/**
 * Nothing to do with this snapshot: the platform's update_time is older than the case's (a late
 * push or a slow poll), or it shows the status the case already shows with nothing else the desk
 * shows changed (a duplicate push, a poll after the push, the relative deadline read again).
 */
export function isStaleSnapshot(c: Pick<Case, 'status' | 'platform'>, snap: PlatformSnapshot): boolean {
  const p = c.platform
  if (!p) return false
  if (toMs(snap.updateTime) < toMs(p.updateTime)) return true
  return p.status === snap.status && platformChanges(p, snap).length === 0 && (c.status === expectedCaseStatus(c, snap) || p.lastCall?.outcome === 'pending')
}

/** The seller's "agree" on a platform after-sale in its current status (refund, return, or receipt + refund). */
export function acceptCallFor(p: Pick<PlatformSnapshot, 'status' | 'type'>): PlatformCall {
  const calls = sellerCalls(p.status, p.type)
  return calls.find((c) => c === 'confirm_receipt_refund' || c === 'accept_refund' || c === 'accept_return') ?? (p.type === 'REFUND' ? 'accept_refund' : 'accept_return')
}

/** Desk commands that stay available on a shop after-sale; the remedy, the money and the buyer's steps belong to the platform. */
/** the shop's answers to a 退差价 on a platform case (an exchange's price difference, core/shop-remedy.ts) */
const SHOP_ANSWERS: ReadonlySet<string> = new Set(['shop_call_result', 'refund_confirmed', 'refund_failed'])
// the follow-up after the platform settled (回访, 差评) is the desk's own: the platform has no part in it
const KEPT_ON_PLATFORM_CASES: ReadonlySet<string> = new Set(['respond', 'note', 'reassign', 'escalate', 'sla_warn', 'sla_breach', 'followup_remind', 'expire', 'record_visit', 'review_step',
  // disputes and platform tickets are the platform's own processes on the case
  'dispute_proof', 'dispute_message', 'dispute_sync', 'dispute_call_result', 'ticket_sync', 'shop_deadline_warn'])
/** The desk's own receipt and inspection of a shop return (the refund then goes through the platform): checked by platformInspectRefusal. */
const INSPECTION_ON_PLATFORM_RETURNS: ReadonlySet<string> = new Set(['receive_return', 'inspect'])

/** A shop return is received and inspected (验货) at the desk before the platform refunds, unless the policy turns it off. */
export function inspectsPlatformReturn(p: Pick<PlatformSnapshot, 'type'>, policy: Pick<Policy, 'platformReturns'>): boolean {
  return p.type === 'RETURN' && policy.platformReturns?.inspectBeforeRefund !== false
}

/**
 * Why the desk may not receive / inspect a shop return now, or null: only a RETURN whose goods
 * the platform says are on their way back to the seller (待商家收货), with inspection in the policy
 * and no platform call in flight.
 */
export function platformInspectRefusal(c: Pick<Case, 'platform'>, policy: Pick<Policy, 'platformReturns'>): { code: 'NOT_ALLOWED_IN_STATUS' | 'CONFLICT'; message: string } | null {
  const p = c.platform
  if (!p) return null
  if (!inspectsPlatformReturn(p, policy)) return { code: 'NOT_ALLOWED_IN_STATUS', message: p.type === 'RETURN' ? '店铺设置为确认收货即退款，请使用「确认收货并退款」' : '视频号小店的该类售后不需要验货' }
  if (p.status !== 'MERCHANT_WAIT_RECEIPT') return { code: 'NOT_ALLOWED_IN_STATUS', message: `平台状态为「${platformStatusText(p.status)}」，现在不能收货验货` }
  if (p.lastCall?.outcome === 'pending') return { code: 'CONFLICT', message: `上一个平台操作「${PLATFORM_CALL_LABELS[p.lastCall.call]}」还在处理中，请稍后` }
  return null
}

/**
 * Why a command may not run on this case because of where it came from, or null: platform
 * commands need a shop after-sale; on a shop after-sale the desk's own remedy and buyer commands
 * give way to the platform calls (the buyer acts on the order's after-sale page in WeChat).
 */
export function platformRefusal(c: Pick<Case, 'platform'>, command: string, actorKind: 'buyer' | 'staff' | 'system'): { code: 'NOT_ALLOWED_IN_STATUS'; message: string } | null {
  if (command.startsWith('platform_')) return c.platform ? null : { code: 'NOT_ALLOWED_IN_STATUS', message: '不是视频号小店的售后单' }
  if (!c.platform || KEPT_ON_PLATFORM_CASES.has(command) || INSPECTION_ON_PLATFORM_RETURNS.has(command)) return null
  if (actorKind === 'system' && SHOP_ANSWERS.has(command)) return null
  return {
    code: 'NOT_ALLOWED_IN_STATUS',
    message: actorKind === 'buyer' ? '这是视频号小店的售后单，请在微信订单的售后页面操作' : '视频号小店的售后单由平台退款和流转，请使用平台操作（同意/拒绝/上传凭证）',
  }
}
