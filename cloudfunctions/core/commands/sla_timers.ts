/** The SLA timers (system): sla_warn when the badge turns to warning, sla_breach when it is overdue (escalates). */
import type { Case } from '@contract/domain'
import { slaState, targetToWarn, type SlaLevel, type SlaReport } from '../sla'
import { formatLocalTime, toMs } from '../tz'
import { alert, refuse, type CommandSpec, type Guard } from './work'

const targetName = (r: SlaReport) => (r.target === 'first_response' ? '首次响应' : '处理完成')
const TARGET_LABEL = { firstResponse: '首次响应', resolution: '处理完成' } as const

/** The badge shows `level` now and the case has not been marked for it yet. */
function slaGuard(level: SlaLevel, marked: (c: Case) => boolean, message: string): Guard {
  return (c, { policy, now }) => {
    const rep = slaState(c, now, policy)
    return marked(c) || rep.state !== level ? refuse('VALIDATION', message, { sla: rep.state }) : null
  }
}

/** Each target (first response, resolution) warns once on its own. */
export const sla_warn: CommandSpec<'sla_warn'> = {
  guard(c, { policy, now }) {
    return targetToWarn(c.sla, now, policy) ? null : refuse('VALIDATION', '当前不需要时效预警', { sla: slaState(c, now, policy).state })
  },
  act(w, _cmd, ctx) {
    const name = targetToWarn(w.c.sla, ctx.now, ctx.policy)!
    const dueAt = w.c.sla[name].dueAt
    w.c.sla = { ...w.c.sla, warnedAt: ctx.now, [name]: { ...w.c.sla[name], warnedAt: ctx.now } }
    w.internal = true
    // staff read this line: shop-local time, never a raw ISO instant
    w.text = `时效预警：${TARGET_LABEL[name]}将于 ${formatLocalTime(toMs(dueAt), ctx.policy.calendar.timezone)} 到期`
    alert(w, w.c.assigneeId ?? 'supervisor', 'sla_warning', `售后单 ${w.c.caseNo} ${TARGET_LABEL[name]}即将超时`, dueAt)
  },
}

export const sla_breach: CommandSpec<'sla_breach'> = {
  guard: slaGuard('breached', (c) => !!c.sla.breachedAt, '当前未超时'),
  act(w, _cmd, ctx) {
    const rep = slaState(w.c, ctx.now, ctx.policy)
    w.c.sla = { ...w.c.sla, breachedAt: ctx.now, breachedTarget: rep.target }
    w.c.flags.escalated = true
    w.internal = true
    w.text = `已超时（${targetName(rep)}），已升级主管`
    alert(w, 'supervisor', 'sla_breach', `售后单 ${w.c.caseNo} 已超时，已自动升级`)
  },
}
