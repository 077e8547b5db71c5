/**
 * The payment callbacks (system): refund_confirmed / refund_failed for one refund key. A second
 * callback for a settled key is a CONFLICT the caller treats as a no-op.
 */
import type { Case, Refund } from '@contract/domain'
import { raise } from '../errors'
import { yuan } from '../money'
import { alert, refuse, type CommandSpec } from './work'

function pendingRefund(c: Case, key: string): Refund {
  const r = c.refunds.find((x) => x.key === key)
  if (!r) raise('VALIDATION', `没有这笔退款：${key}`)
  if (r.status !== 'pending') raise('CONFLICT', '该退款已处理', { key })
  return r
}

/** a payment answer only while some money is still pending on the case */
const somePending: CommandSpec<'refund_confirmed'>['guard'] = (c) => (c.refunds.some((r) => r.status === 'pending') ? null : refuse('CONFLICT', '没有待处理的退款'))

export const refund_confirmed: CommandSpec<'refund_confirmed'> = {
  guard: somePending,
  act(w, cmd, ctx) {
    const r = pendingRefund(w.c, cmd.key)
    r.status = 'succeeded'
    r.settledAt = ctx.now
    // only a case waiting on its money moves (an exchange's price difference settles beside the exchange)
    if (w.c.status === 'refunding') w.to = w.c.refunds.some((x) => x.status === 'pending') ? 'refunding' : 'resolved'
    w.text = `${r.purpose === 'refund' ? '退款' : '补偿'}${yuan(r.amountFen)}已到账`
    w.buyer.push({ event: 'refund_succeeded', extra: { amountFen: r.amountFen } })
  },
}

export const refund_failed: CommandSpec<'refund_failed'> = {
  guard: somePending,
  act(w, cmd, ctx) {
    const r = pendingRefund(w.c, cmd.key)
    r.status = 'failed'
    r.settledAt = ctx.now
    r.failureReason = cmd.reason
    w.c.flags.refundFailed = true
    if (w.c.status === 'refunding') w.to = 'in_review'
    w.text = '退款未成功，客服会尽快重新处理'
    alert(w, w.c.assigneeId ?? 'supervisor', 'refund_failed', `售后单 ${w.c.caseNo} 退款${yuan(r.amountFen)}失败：${cmd.reason || '原因未知'}`)
  },
}
