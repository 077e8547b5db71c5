/** followup_remind (system timer): remind the agent to call the buyer back (回访) after resolution. */
import { toMs } from '../tz'
import { alert, refuse, type CommandSpec } from './work'

export const followup_remind: CommandSpec<'followup_remind'> = {
  guard(c, { now }) {
    const f = c.followUp
    if (!f || f.remindedAt) return refuse('VALIDATION', '没有待提醒的回访')
    if (toMs(now) < toMs(f.dueAt)) return refuse('VALIDATION', '尚未到回访时间')
    return null
  },
  act(w, _cmd, ctx) {
    w.c.followUp = { ...w.c.followUp!, remindedAt: ctx.now }
    w.internal = true
    w.text = '已提醒负责客服回访买家'
    alert(w, w.c.assigneeId ?? 'supervisor', 'followup_visit', `售后单 ${w.c.caseNo} 已处理完成，请回访买家确认是否满意`)
  },
}
