/**
 * shop_deadline_warn (system): a platform deadline on the case (the dispute's next step, an open
 * ticket) is near — the agent (else the supervisors) is told once per deadline, like an SLA warning.
 */
import { deadlinesToWarn } from '../dispute-status'
import { formatLocalTime, toMs } from '../tz'
import { alert, refuse, type CommandSpec } from './work'

export const shop_deadline_warn: CommandSpec<'shop_deadline_warn'> = {
  guard(c, { now }) {
    return deadlinesToWarn(c, now).length ? null : refuse('VALIDATION', '当前没有即将到期的平台截止时间')
  },
  act(w, _cmd, ctx) {
    const due = deadlinesToWarn(w.c, ctx.now)
    const tz = ctx.policy.calendar.timezone
    for (const d of due) {
      if (d.kind === 'dispute' && w.c.dispute) w.c.dispute = { ...w.c.dispute, warnedFor: d.deadline }
      if (d.kind === 'ticket') w.c.platformTickets = (w.c.platformTickets ?? []).map((t) => (t.ticketId === d.id ? { ...t, warnedFor: d.deadline } : t))
    }
    w.internal = true
    w.text = `平台截止将至：${due.map((d) => `${d.label} ${formatLocalTime(toMs(d.deadline), tz)}`).join('；')}`
    alert(w, w.c.assigneeId ?? 'supervisor', 'platform_deadline', `售后单 ${w.c.caseNo}：${due[0].label}将于 ${formatLocalTime(toMs(due[0].deadline), tz)} 到期，逾期平台将判定`, due[0].deadline)
  },
}
