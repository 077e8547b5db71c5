/**
 * shop_call_result (system): the Channels shop's answer to a desk remedy it carries out (outbox
 * `shop_call`, app/usecases/run-shop-call.ts), by `ref`:
 * - refund_price_diff accepted: the platform opened the 退差价 after-sale; the refund stays pending
 *   until that after-sale reports the money moved (refund_confirmed / refund_failed);
 * - refund_price_diff refused: the refund failed with the platform's reason, back to the agent;
 * - delivery_compensation accepted: the resend is registered with the platform;
 * - delivery_compensation refused (limit of 10 per order, order state …): the parcel is taken back
 *   off the case (to be shipped again or handled otherwise), back to the agent with the reason.
 * A second answer for the same ref is a CONFLICT the caller treats as a no-op.
 */
import { SHOP_CALL_LABELS } from '@contract/domain'
import { raise } from '../errors'
import { yuan } from '../money'
import { alert, refuse, type CommandSpec } from './work'

/** Statuses a desk remedy put the case in; a refusal brings the case back to the agent from there. */
const BACK_TO_AGENT = new Set(['refunding', 'replacement_shipped'])

export const shop_call_result: CommandSpec<'shop_call_result'> = {
  // only while the shop owes an answer: a refund it pays or a resend it registers
  guard: (c) =>
    c.refunds.some((r) => r.shop && r.status === 'pending') || c.replacementShipments.some((l) => l.shopCall?.status === 'pending')
      ? null
      : refuse('CONFLICT', '没有等待平台答复的操作'),
  act(w, cmd, ctx) {
    const c = w.c
    const label = SHOP_CALL_LABELS[cmd.call]
    const reason = cmd.message || '平台未说明原因'
    w.internal = true
    w.data = { shopCall: cmd.call, ref: cmd.ref, outcome: cmd.outcome }
    if (cmd.call === 'refund_price_diff') {
      const r = c.refunds.find((x) => x.key === cmd.ref)
      if (!r?.shop) raise('VALIDATION', `没有这笔平台退款：${cmd.ref}`)
      if (r.status !== 'pending' || (cmd.outcome === 'accepted' && r.shop.afterSaleOrderId)) raise('CONFLICT', '该平台退款的结果已记录', { key: cmd.ref })
      if (cmd.outcome === 'accepted') {
        r.shop = { ...r.shop, afterSaleOrderId: cmd.afterSaleOrderId ?? null }
        w.text = `平台已受理退差价${yuan(r.amountFen)}${cmd.afterSaleOrderId ? `（平台售后单 ${cmd.afterSaleOrderId}）` : ''}，等待平台退款`
        return
      }
      Object.assign(r, { status: 'failed', settledAt: ctx.now, failureReason: reason.slice(0, 200) })
      c.flags.refundFailed = true
      if (BACK_TO_AGENT.has(c.status) && !c.platform) w.to = 'in_review'
      w.text = `平台未接受「${label}」${yuan(r.amountFen)}：${reason}`
      alert(w, c.assigneeId ?? 'supervisor', 'refund_failed', `售后单 ${c.caseNo} 平台未接受退差价${yuan(r.amountFen)}：${reason}，请重新处理`)
      return
    }
    const leg = c.replacementShipments.find((l) => l.id === cmd.ref)
    if (!leg?.shopCall) raise('VALIDATION', `没有这次平台补发：${cmd.ref}`)
    if (leg.shopCall.status !== 'pending') raise('CONFLICT', '该平台补发的结果已记录', { legId: cmd.ref })
    if (cmd.outcome === 'accepted') {
      leg.shopCall = { status: 'done', message: null }
      w.text = `平台已登记补发：${leg.carrier ?? ''} ${leg.trackingNo ?? ''}`.trim()
      return
    }
    leg.shopCall = { status: 'refused', message: reason }
    Object.assign(leg, { status: 'to_ship', carrier: null, trackingNo: null, shippedAt: null })
    if (BACK_TO_AGENT.has(c.status)) w.to = 'in_review'
    w.text = `平台未接受「${label}」：${reason}`
    alert(w, c.assigneeId ?? 'supervisor', 'platform_refused', `售后单 ${c.caseNo} 平台未接受补发：${reason}，请重新处理`)
  },
}
