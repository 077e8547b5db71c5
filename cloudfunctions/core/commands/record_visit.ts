/**
 * record_visit (staff): the outcome of the 回访 (seed 001) — satisfied, not satisfied (the app opens
 * a new linked case and passes its id) or unreachable. A rating that came first closed the case
 * and made the visit moot (the table only allows this while resolved). Preferences the buyer
 * stated (偏好电话联系, 只要退款 …) go to their profile through the outbox, so the next agent on any
 * of their cases sees them (issue 23).
 */
import { BUYER_PREFERENCE_LABELS, VISIT_OUTCOME_LABELS } from '@contract/domain'
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
    const prefs = cmd.preferences
    const items = prefs ? [...new Set(prefs.items)] : []
    if (items.includes('prefer_phone') && items.includes('no_phone')) raise('VALIDATION', '“偏好电话联系”和“不要打电话”不能同时选', { field: 'preferences' })
    w.c.followUp = { ...w.c.followUp!, outcome: cmd.outcome, doneAt: ctx.now, linkedCaseId: cmd.linkedCaseId }
    w.internal = true
    const prefText = prefs ? `；买家偏好：${[...items.map((k) => BUYER_PREFERENCE_LABELS[k]), prefs.note].filter(Boolean).join('、') || '无（已清除）'}` : ''
    w.text = `回访：${VISIT_OUTCOME_LABELS[cmd.outcome]}${cmd.note ? `，${cmd.note}` : ''}${cmd.linkedCaseId ? '（已新建关联售后单）' : ''}${prefText}`
    w.data = { outcome: cmd.outcome, ...(cmd.linkedCaseId ? { linkedCaseId: cmd.linkedCaseId } : {}), ...(prefs ? { preferences: items } : {}) }
    if (prefs) {
      const preferences = { items, note: prefs.note, at: ctx.now, by: ctx.actor.id, caseId: w.c.id, caseNo: w.c.caseNo }
      w.events.push({ kind: 'buyer_preferences', caseId: w.c.id, buyerOpenid: w.c.buyerOpenid, preferences })
    }
  },
}
