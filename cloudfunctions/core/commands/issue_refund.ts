/** issue_refund (staff): pay a refund or compensation now (within the money guard; above the threshold via a supervisor). */
import { yuan } from '../money'
import { addRefund, checkRoom, nothingLeftRefusal, requireApproval, type CommandSpec } from './work'

export const issue_refund: CommandSpec<'issue_refund'> = {
  guard: (c, ctx) => nothingLeftRefusal(c, ctx),
  act(w, cmd, ctx) {
    const what = cmd.purpose === 'refund' ? '退款' : '补偿'
    checkRoom(w.c, cmd.amountFen, cmd.purpose, ctx)
    requireApproval(w, { valueFen: cmd.amountFen, cashFen: cmd.amountFen, summary: `${what}${yuan(cmd.amountFen)}` }, ctx, what)
    addRefund(w, cmd.amountFen, cmd.purpose, ctx)
    w.to = 'refunding'
    w.text = cmd.text ?? `已发起${what}${yuan(cmd.amountFen)}`
  },
}
