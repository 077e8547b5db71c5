/** appeal (buyer): contest a rejection within the policy's window, a limited number of times; escalated. */
import { toMs } from '../tz'
import { alert, refuse, type CommandSpec } from './work'

export const appeal: CommandSpec<'appeal'> = {
  guard(c, { policy, now }) {
    if (c.appealCount >= policy.limits.maxAppeals) return refuse('LIMIT_EXCEEDED', `申诉次数已达上限（${policy.limits.maxAppeals}次）`)
    if (c.buyerDeadline?.kind === 'appeal' && toMs(now) > toMs(c.buyerDeadline.dueAt)) return refuse('NOT_ALLOWED_IN_STATUS', `申诉期已过（${policy.buyerWait.appealDays}天内可申诉）`)
    return null
  },
  act(w, cmd) {
    const c = w.c
    c.appealCount += 1
    c.evidence.push(...cmd.evidence)
    c.flags.escalated = true
    w.to = 'in_review'
    w.text = `买家申诉：${cmd.text}`
    w.buyer.push({ event: 'appeal_received' })
    alert(w, 'supervisor', 'appeal', `售后单 ${c.caseNo} 买家申诉，请复核：${cmd.text}`)
  },
}
