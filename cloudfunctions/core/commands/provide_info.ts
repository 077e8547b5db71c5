/** provide_info (buyer): more words and evidence; answers an ask_info (back to review). */
import { raise } from '../errors'
import { alert, type CommandSpec } from './work'

const MAX_EVIDENCE = 18

export const provide_info: CommandSpec<'provide_info'> = {
  act(w, cmd) {
    const c = w.c
    if (c.evidence.length + cmd.evidence.length > MAX_EVIDENCE) raise('LIMIT_EXCEEDED', `凭证最多${MAX_EVIDENCE}个`)
    c.evidence.push(...cmd.evidence)
    w.to = c.status === 'awaiting_buyer' ? 'in_review' : c.status
    w.text = `买家补充：${cmd.text}`
    w.data = cmd.evidence.length ? { evidence: cmd.evidence.map((e) => e.fileId) } : undefined
    const files = cmd.evidence.length ? `（新凭证${cmd.evidence.length}个）` : ''
    alert(w, c.assigneeId ?? 'supervisor', 'buyer_replied', `售后单 ${c.caseNo} 买家补充${files}：${cmd.text}`)
  },
}
