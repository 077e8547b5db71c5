/**
 * make_offer (staff): put engine suggestions and / or new offers to the buyer (several = the buyer
 * picks one). Earlier open offers are withdrawn: made again while the buyer has not answered
 * (offer_pending), it revises them — the buyer gets a fresh wait and a new message.
 */
import { raise } from '../errors'
import { buyerDeadline } from '../sla'
import { cashOf, valueOf } from '../offers'
import { remedyRefusal } from './remedy'
import { goodsValueFen, requireApproval, withdrawOffered, type CommandSpec } from './work'

const REOFFERABLE = new Set(['suggested', 'declined', 'expired', 'withdrawn'])

export const make_offer: CommandSpec<'make_offer'> = {
  act(w, cmd, ctx) {
    const c = w.c
    const revising = c.status === 'offer_pending'
    const fromSuggestions = cmd.offerIds.map((id) => {
      const o = c.offers.find((x) => x.id === id)
      if (!o) raise('VALIDATION', `没有这个方案：${id}`)
      // a revision may keep some of the open offers
      if (!REOFFERABLE.has(o.status) && !(revising && o.status === 'offered')) raise('VALIDATION', '该方案已提供或已处理')
      return o
    })
    const fresh = cmd.offers.map((o) => {
      for (const it of o.items) {
        const item = c.order.items.find((i) => i.skuId === it.skuId)
        if (!item || it.qty > item.qty) raise('VALIDATION', `方案中的商品 ${it.skuId} 不在订单中或数量超出`)
      }
      if (o.compensationFen > 0 && o.kind !== 'refund' && o.kind !== 'compensation') raise('VALIDATION', '只有退款/补偿方案可以包含补偿金额')
      if (o.refundFen > 0 && !(o.kind === 'refund' || o.kind === 'return_refund' || o.kind === 'compensation')) raise('VALIDATION', '该类方案不能包含退款金额')
      return o
    })
    const all = fromSuggestions.length + fresh.length
    if (all === 0) raise('VALIDATION', '请至少选择一个方案')
    if (all > 3) raise('VALIDATION', '一次最多提供3个方案供买家选择')
    const th = ctx.policy.compensation.approvalThresholdFen
    const all2 = [...fromSuggestions, ...fresh]
    for (const o of all2) {
      // the money guard: an offer the buyer could accept but the desk could not pay is never made
      const no = remedyRefusal({ ...o, id: '', status: 'offered', createdAt: ctx.now, group: null, needsSupervisor: false }, c, ctx)
      if (no) raise(no.code, no.message, no.details)
    }
    // the buyer takes one of them: the threshold applies to the most valuable
    const valued = all2.map((o) => ({ o, value: valueOf(o) + (o.kind === 'resend' ? goodsValueFen(c, o.items) : 0) }))
    const top = valued.reduce((a, b) => (b.value > a.value ? b : a))
    requireApproval(w, { valueFen: top.value, cashFen: Math.max(...all2.map(cashOf)), summary: `提供方案：${all2.map((o) => o.explanation).join('；')}` }, ctx, '方案')
    withdrawOffered(c)
    const group = all > 1 ? ctx.newId() : null
    for (const o of fromSuggestions) {
      o.status = 'offered'
      o.group = group
    }
    for (const o of fresh) c.offers.push({ ...o, id: ctx.newId(), needsSupervisor: valueOf(o) > th, status: 'offered', createdAt: ctx.now, group })
    const offered = c.offers.filter((o) => o.status === 'offered')
    w.to = 'offer_pending'
    w.text = cmd.text ?? (revising ? '方案已更新，' : '') + (offered.length > 1 ? `为您提供${offered.length}个方案，请选择：${offered.map((o) => o.explanation).join('；')}` : `为您提供方案：${offered[0].explanation}`)
    w.data = { offerIds: offered.map((o) => o.id) }
    if (revising) {
      // the status does not change, so finish() neither restarts the wait nor tells the buyer
      if (c.buyerDeadline?.kind === 'offer') c.buyerDeadline = buyerDeadline('offer', ctx.now, ctx.policy)
      w.buyer.push({ event: 'offer_made' })
    }
  },
}
