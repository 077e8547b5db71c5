/** rate (buyer): score the service; closes the case. A bad score asks the agent to call back in time. */
import { openReviewFollowUp } from './review'
import { alert, type CommandSpec } from './work'

export const rate: CommandSpec<'rate'> = {
  act(w, cmd, ctx) {
    const c = w.c
    const { negativeReviewMaxScore, negativeReviewReplyHours } = ctx.policy.sla
    c.rating = { score: cmd.score, comment: cmd.comment, at: ctx.now }
    w.to = 'closed'
    w.text = `买家评价：${cmd.score}星${cmd.comment ? `，${cmd.comment}` : ''}`
    // 差评: a low score or a comment with the policy's negative words opens the follow-up task
    const f = openReviewFollowUp(cmd.score, cmd.comment, ctx.now, ctx.policy)
    if (f) {
      c.flags.negativeReview = true
      c.reviewFollowUp = f
      const why = cmd.score <= negativeReviewMaxScore ? `${cmd.score}星` : `${cmd.score}星好评但评价含"${f.trigger.keywords.join('、')}"，按差评跟进`
      alert(w, c.assigneeId ?? 'supervisor', 'negative_review_followup', `售后单 ${c.caseNo} 收到差评（${why}），请在${negativeReviewReplyHours}小时内跟进`, f.dueAt)
    }
  },
}
