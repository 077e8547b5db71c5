/**
 * record_visit (staff): the outcome of the 回访 (seed 001) — satisfied, not satisfied (the app opens
 * a new linked case and passes its id) or unreachable. A rating that came first closed the case
 * and made the visit moot (the table only allows this while resolved).
 */
import { VISIT_OUTCOME_LABELS } from '@contract/domain'
import { raise } from '../errors'
import { refuse, type CommandSpec } from './work'

export const record_visit: CommandSpec<'record_visit'> = {
  guard(c) {
    const f = c.followUp
    if (!f) return refuse('VALIDATION', '这个售后单没有回访任务')
    return f.outcome ? refuse('VALIDATION', '回访结果已记录') : null
  },
  act(w, cmd, ctx) {
    if (cmd.outcome === 'not_satisfied' && !cmd.linkedCaseId) raise('VALIDATION', '买家不满意时需要新建关联售后单', { field: 'linkedCaseId' })
    w.c.followUp = { ...w.c.followUp!, outcome: cmd.outcome, doneAt: ctx.now, linkedCaseId: cmd.linkedCaseId }
    w.internal = true
    w.text = `回访：${VISIT_OUTCOME_LABELS[cmd.outcome]}${cmd.note ? `，${cmd.note}` : ''}${cmd.linkedCaseId ? '（已新建关联售后单）' : ''}`
    w.data = { outcome: cmd.outcome, ...(cmd.linkedCaseId ? { linkedCaseId: cmd.linkedCaseId } : {}) }
  },
}
