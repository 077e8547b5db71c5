/**
 * dispute_call_result (system): the platform's answer to a 举证 / 留言. Accepted: recorded as an
 * answer (before or after the deadline that ran when the agent sent it). Refused: the agent is
 * told why, in Chinese, and may answer again.
 */
import { PLATFORM_CALL_LABELS } from '@contract/domain'
import { raise } from '../errors'
import { toMs } from '../tz'
import { alert, refuse, type CommandSpec } from './work'

export const dispute_call_result: CommandSpec<'dispute_call_result'> = {
  guard: (c) => (c.dispute?.lastCall?.outcome === 'pending' ? null : refuse('CONFLICT', '没有等待平台答复的纠纷操作')),
  act(w, cmd, ctx) {
    const d = w.c.dispute
    const last = d?.lastCall
    if (!d || !last || last.key !== cmd.callKey || last.outcome !== 'pending') raise('CONFLICT', '该纠纷操作的结果已记录', { callKey: cmd.callKey })
    const label = PLATFORM_CALL_LABELS[last.call]
    w.internal = true
    if (cmd.outcome === 'done') {
      d.lastCall = { ...last, outcome: 'done', message: cmd.message ?? null }
      d.answers = [...d.answers, { at: ctx.now, call: last.call, beforeDeadline: !d.deadline || toMs(last.at) <= toMs(d.deadline) }].slice(-50)
      w.text = `平台已收到「${label}」`
      return
    }
    const reason = cmd.message || '平台未说明原因'
    d.lastCall = { ...last, outcome: 'refused', message: reason, errcode: cmd.errcode ?? null }
    w.text = `平台未接受「${label}」：${reason}`
    alert(w, w.c.assigneeId ?? 'supervisor', 'platform_refused', `售后单 ${w.c.caseNo} 平台未接受「${label}」：${reason}`, d.deadline ?? undefined)
  },
}
