/**
 * record_manual_refund (staff): money paid back outside the payment channels — a bank or WeChat
 * transfer for an order from another channel — recorded with its proof. It moved already, so it is
 * recorded as settled, but it obeys the same money guard (items, order, incident) and the same
 * approval threshold as any refund. Shop (视频号小店) orders settle through the platform only.
 */
import { yuan } from '../money'
import { incidentCap, incidentKey } from '../money-guard'
import { checkRoom, nothingLeftRefusal, refuse, requireApproval, type CommandSpec } from './work'

export const record_manual_refund: CommandSpec<'record_manual_refund'> = {
  guard(c, ctx) {
    if (c.order.source === 'channels' || c.platform) return refuse('NOT_ALLOWED_IN_STATUS', '视频号小店订单的退款只能由平台处理，不能登记线下退款')
    return nothingLeftRefusal(c, ctx)
  },
  act(w, cmd, ctx) {
    const what = cmd.purpose === 'refund' ? '退款' : '补偿'
    checkRoom(w.c, cmd.amountFen, cmd.purpose, ctx)
    requireApproval(w, { valueFen: cmd.amountFen, cashFen: cmd.amountFen, summary: `登记线下${what}${yuan(cmd.amountFen)}（${cmd.note}）` }, ctx, what)
    const key = `${w.c.id}-r${w.c.refunds.length + 1}`
    const incident = cmd.purpose === 'compensation' ? { incident: incidentKey(w.c), incidentCapFen: incidentCap(w.c, ctx.policy, ctx.now).capFen } : {}
    w.c.refunds.push({ key, amountFen: cmd.amountFen, purpose: cmd.purpose, ...incident, status: 'succeeded', requestedAt: ctx.now, settledAt: ctx.now, failureReason: null, manual: { proof: cmd.proof, by: ctx.actor.id, note: cmd.note } })
    w.c.flags.refundFailed = false
    w.to = 'resolved'
    w.text = `商家已线下${what}${yuan(cmd.amountFen)}，请留意到账`
    w.data = { refundKey: key, proof: cmd.proof.length }
    w.buyer.push({ event: 'refund_succeeded', extra: { amountFen: cmd.amountFen } })
  },
}
