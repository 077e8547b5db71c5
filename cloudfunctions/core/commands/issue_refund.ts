/** issue_refund (staff): pay a refund or compensation now (within what is left of the paid amount). */
import { yuan } from '../money'
import { addRefund, nothingLeftRefusal, requireApproval, riskRefusal, type CommandSpec } from './work'

export const issue_refund: CommandSpec<'issue_refund'> = {
  guard: (c, ctx) => riskRefusal(c, ctx.actor, '退款') ?? nothingLeftRefusal(c, ctx),
  act(w, cmd, ctx) {
    requireApproval(cmd.amountFen, cmd.amountFen, w.c, ctx, '退款')
    addRefund(w, cmd.amountFen, cmd.purpose, ctx)
    w.to = 'refunding'
    w.text = cmd.text ?? `已发起${cmd.purpose === 'refund' ? '退款' : '补偿'}${yuan(cmd.amountFen)}`
    w.buyer.push({ event: 'refund_issued', extra: { amountFen: cmd.amountFen } })
  },
}
