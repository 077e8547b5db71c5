/**
 * ticket_sync (system): a platform ticket (客诉工单, e.g. 催发货) on the case's order, as the
 * platform answered it (getmchticketdetail). New: the agent is told with the deadline. A state
 * back to an earlier one, or nothing new, is refused with CONFLICT (duplicate / late pushes).
 */
import { TICKET_REVIEW_TEXT } from '@contract/channels'
import { raise } from '../errors'
import { ticketClassText, ticketStateText } from '../dispute-status'
import { formatLocalTime, toMs } from '../tz'
import { alert, type CommandSpec } from './work'

export const ticket_sync: CommandSpec<'ticket_sync'> = {
  act(w, cmd, ctx) {
    const t = cmd.ticket
    const list = [...(w.c.platformTickets ?? [])]
    const i = list.findIndex((x) => x.ticketId === t.ticketId)
    const before = i >= 0 ? list[i] : null
    if (before) {
      const nothingNew = before.state === t.state && before.reviewResult === t.reviewResult && before.timedOut === (t.timedOut || before.timedOut) && before.deadline === t.deadline
      if (nothingNew || t.state < before.state) raise('CONFLICT', '客诉工单没有新变化，已忽略', { ticketId: t.ticketId })
    }
    const next = { ...t, timedOut: t.timedOut || !!before?.timedOut, seenAt: before?.seenAt ?? ctx.now, warnedFor: before?.warnedFor ?? null }
    if (before) list[i] = next
    else list.push(next)
    w.c.platformTickets = list.slice(-20)
    const cls = ticketClassText(t.classType)
    const to = w.c.assigneeId ?? 'supervisor'
    const due = t.deadline && t.state === 1 ? `，请于 ${formatLocalTime(toMs(t.deadline), ctx.policy.calendar.timezone)} 前在微信小店后台处理` : ''
    w.internal = true
    w.data = { ticketId: t.ticketId, ticketState: t.state }
    if (!before) {
      w.text = `平台客诉工单「${cls}」（${t.ticketId}）：${ticketStateText(t.state)}${t.description ? `。${t.description}` : ''}`
      alert(w, to, 'platform_ticket', `售后单 ${w.c.caseNo}：平台客诉工单「${cls}」${ticketStateText(t.state)}${due}`, t.state === 1 ? (t.deadline ?? undefined) : undefined)
      return
    }
    const review = t.reviewResult ? `，${TICKET_REVIEW_TEXT[t.reviewResult] ?? `审核结果 ${t.reviewResult}`}` : ''
    w.text = `平台客诉工单「${cls}」：${ticketStateText(t.state)}${next.timedOut && !before.timedOut ? '（商家处理超时）' : ''}${review}`
    if (next.timedOut && !before.timedOut) alert(w, 'supervisor', 'platform_ticket', `售后单 ${w.c.caseNo}：客诉工单「${cls}」商家处理超时，平台将按规则判定`)
    else if (t.state !== before.state) alert(w, to, 'platform_ticket', `售后单 ${w.c.caseNo}：客诉工单「${cls}」${ticketStateText(t.state)}${review}`)
  },
}
