/**
 * What each dispute (纠纷单) status and platform ticket (客诉工单) state means for the desk: whom the
 * platform waits on, which seller answer it takes now, how a dispute ended, and the seller's
 * deadline with its warning instant. The one place the dispute commands, the timers, the queue
 * order and the case page ask (issue 21 §2).
 */
import type { Case, DisputeBlock, PlatformTicket } from '@contract/domain'
import { COMPLAINT_STATUS_TEXT, TICKET_CLASS_TEXT, TICKET_STATE_TEXT } from '@contract/channels'
import { toIso, toMs } from './tz'

const HOUR = 3_600_000

/** The platform waits on the seller: the dispute's deadline runs (100 待商家处理纠纷, 106 待商家补充凭证, 108 待双方补充凭证, 110 待商家确认). */
export const DISPUTE_SELLER_WAITS: ReadonlySet<number> = new Set([100, 106, 108, 110])
/** 举证 (addcomplaintproof) is taken only while the platform waits on the seller's proof. */
export const DISPUTE_PROOF_STATES: ReadonlySet<number> = new Set([106, 108])
/** 留言 (addcomplaintmaterial) is taken only while customer service handles the dispute. */
export const DISPUTE_MESSAGE_STATES: ReadonlySet<number> = new Set([103])
/** The dispute is over: 102 取消客服介入, 112 调解完成, 115 退款核实完成, 116 调解关闭. */
export const DISPUTE_FINAL: ReadonlySet<number> = new Set([102, 112, 115, 116])
/** The platform recorded a timeout: 109 both, 305 the buyer's, 307 the seller's. */
export const DISPUTE_TIMEOUTS: ReadonlySet<number> = new Set([109, 305, 307])
/** The platform's statuses that mean the buyer gets the money back (114 重新退款中, 115 退款核实完成). */
const DISPUTE_REFUNDS: ReadonlySet<number> = new Set([114, 115])

/** No dispute deadline is in the platform's dispute answer: without the after-sale's own, the desk counts 48 h (the platform's published 举证 window). */
export const ESTIMATED_DISPUTE_WINDOW_MS = 48 * HOUR
/** The agent is warned this long before a platform deadline (or at once when less is left). */
export const PLATFORM_WARN_LEAD_MS = 12 * HOUR

export const disputeStatusText = (status: number): string => COMPLAINT_STATUS_TEXT[status] ?? `纠纷状态 ${status}`
export const ticketStateText = (state: number): string => TICKET_STATE_TEXT[state] ?? `工单状态 ${state}`
export const ticketClassText = (type: number): string => TICKET_CLASS_TEXT[type] ?? `工单类型 ${type}`

/** What the seller is asked to do now, in Chinese (the case page's line), or null. */
export function disputeNextStep(status: number): string | null {
  if (DISPUTE_PROOF_STATES.has(status)) return '平台要求商家举证：请上传凭证并说明'
  if (DISPUTE_MESSAGE_STATES.has(status)) return '平台客服处理中：可补充留言'
  if (status === 100) return '买家申请平台介入：请在微信小店后台处理纠纷'
  if (status === 110) return '平台待商家确认处理结果：请在微信小店后台确认'
  return null
}

/**
 * How a dispute ended: lost when the platform refunded the buyer (114 / 115, or 112 with the
 * after-sale refunded), closed on 116 调解关闭, else won (the buyer withdrew, 102, or mediation
 * ended without a refund).
 */
export function disputeOutcome(status: number, afterSaleRefunded: boolean): DisputeBlock['outcome'] {
  if (!DISPUTE_FINAL.has(status)) return null
  if (status === 116) return 'closed'
  if (DISPUTE_REFUNDS.has(status) || (status === 112 && afterSaleRefunded)) return 'lost'
  return 'won'
}
export const DISPUTE_OUTCOME_TEXT: Record<NonNullable<DisputeBlock['outcome']>, string> = { won: '未退款（商家胜诉）', lost: '平台判退款给买家', closed: '调解关闭' }

/** The seller's deadline in this status: the platform's own when it gave one, else the estimate. */
export function disputeDeadline(status: number, statusSince: string, platformDeadline: string | null, now: string): Pick<DisputeBlock, 'deadline' | 'deadlineSource'> {
  if (!DISPUTE_SELLER_WAITS.has(status)) return { deadline: null, deadlineSource: null }
  if (platformDeadline && toMs(platformDeadline) > toMs(now)) return { deadline: platformDeadline, deadlineSource: 'platform' }
  return { deadline: toIso(toMs(statusSince) + ESTIMATED_DISPUTE_WINDOW_MS), deadlineSource: 'estimated' }
}

/** When to warn about `deadline`: the lead before it, never before `since`. */
export const warnAtFor = (deadline: string, since: string): string => toIso(Math.max(toMs(since), toMs(deadline) - PLATFORM_WARN_LEAD_MS))

export interface PlatformDeadline {
  kind: 'dispute' | 'ticket'
  id: string
  deadline: string
  warnAt: string
  warned: boolean
  /** Chinese: what is due ("纠纷举证" / "客诉工单「催发货」") */
  label: string
}

const ticketOpen = (t: PlatformTicket): boolean => t.state === 1 && !!t.deadline

/** The platform deadlines that run on this case now (the dispute's, each open ticket's), earliest first. */
export function platformDeadlines(c: Pick<Case, 'dispute' | 'platformTickets'>): PlatformDeadline[] {
  const out: PlatformDeadline[] = []
  const d = c.dispute
  if (d && !d.outcome && d.deadline) {
    out.push({ kind: 'dispute', id: d.complaintId, deadline: d.deadline, warnAt: warnAtFor(d.deadline, d.statusSince), warned: d.warnedFor === d.deadline, label: `纠纷「${disputeStatusText(d.status)}」` })
  }
  for (const t of c.platformTickets ?? []) {
    if (!ticketOpen(t)) continue
    out.push({ kind: 'ticket', id: t.ticketId, deadline: t.deadline!, warnAt: warnAtFor(t.deadline!, t.seenAt), warned: t.warnedFor === t.deadline, label: `客诉工单「${ticketClassText(t.classType)}」` })
  }
  return out.sort((a, b) => toMs(a.deadline) - toMs(b.deadline))
}

/** The earliest platform deadline still running (queue order, alert context), or null. */
export function earliestPlatformDeadline(c: Pick<Case, 'dispute' | 'platformTickets'>): string | null {
  return platformDeadlines(c)[0]?.deadline ?? null
}

/** Deadlines whose warning is due at `now` and not sent yet. */
export function deadlinesToWarn(c: Pick<Case, 'dispute' | 'platformTickets'>, now: string): PlatformDeadline[] {
  return platformDeadlines(c).filter((d) => !d.warned && toMs(d.warnAt) <= toMs(now))
}

/** The platform's ticket text without its HTML (links, tags) and entities, bounded. */
export function plainTicketText(html: string): string {
  let out = ''
  let inTag = false
  for (const ch of html.slice(0, 4000)) {
    if (ch === '<') inTag = true
    else if (ch === '>') inTag = false
    else if (!inTag) out += ch
  }
  return out.replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim().slice(0, 1000)
}
