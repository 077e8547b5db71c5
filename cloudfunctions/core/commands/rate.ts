/** rate (buyer): score the service; closes the case. A bad score asks the agent to call back in time. */
import { HOUR_MS, toIso, toMs } from '../tz'
import { alert, type CommandSpec } from './work'

export const rate: CommandSpec<'rate'> = {
  act(w, cmd, ctx) {
    const c = w.c
    const { negativeReviewMaxScore, negativeReviewReplyHours } = ctx.policy.sla
    c.rating = { score: cmd.score, comment: cmd.comment, at: ctx.now }
    w.to = 'closed'
    w.text = `买家评价：${cmd.score}星${cmd.comment ? `，${cmd.comment}` : ''}`
    if (cmd.score <= negativeReviewMaxScore) {
      c.flags.negativeReview = true
      const due = toIso(toMs(ctx.now) + negativeReviewReplyHours * HOUR_MS)
      alert(w, c.assigneeId ?? 'supervisor', 'negative_review_followup', `售后单 ${c.caseNo} 收到差评，请在${negativeReviewReplyHours}小时内回访`, due)
    }
  },
}
