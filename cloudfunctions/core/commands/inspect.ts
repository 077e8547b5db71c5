/**
 * inspect (staff): the returned goods are checked. Fail → rejected (the buyer may appeal); pass →
 * the agreed remedy goes on: refund released, or the exchange goods sent.
 */
import { yuan } from '../money'
import { platformInspectRefusal } from '../platform-status'
import { CoreFailure } from '../errors'
import { platformRefund } from './platform'
import { addRefund, newLeg, warehouse, type CommandSpec } from './work'

export const inspect: CommandSpec<'inspect'> = {
  guard: (c, ctx) => platformInspectRefusal(c, ctx.policy),
  act(w, cmd, ctx) {
    const c = w.c
    c.inspection = { result: cmd.result, note: cmd.note, photos: cmd.photos, at: ctx.now, by: ctx.actor.id }
    if (c.platform) {
      // a shop return: passing lets the platform refund (receipt + refund); failing hands it back to
      // the agent, who rejects on the platform (with the photos) or negotiates with the buyer
      if (cmd.result === 'fail') {
        w.to = 'in_review'
        w.text = `验货未通过：${cmd.note}`
        return
      }
      try {
        platformRefund(w, 'confirm_receipt_refund', `验货通过：${cmd.note}。商家已确认收货并同意退款${yuan(c.platform.refundFen)}，平台退款中`, ctx)
      } catch (e) {
        // above the agent's approval threshold: the inspection stands, the refund goes through approval
        if (!(e instanceof CoreFailure && e.error.details?.approvalRequired)) throw e
        w.given = undefined
        w.to = 'in_review'
        w.text = `验货通过：${cmd.note}。退款${yuan(c.platform.refundFen)}需主管审批，请点「确认收货并退款」提交审批`
      }
      return
    }
    if (cmd.result === 'fail') {
      w.to = 'rejected'
      w.text = `验货未通过：${cmd.note}`
      return
    }
    const offer = c.offers.find((o) => o.id === c.acceptedOfferId)
    w.text = `验货通过：${cmd.note}`
    if (offer?.kind === 'return_refund' && offer.refundFen > 0) {
      // amount was approved when the remedy was approved / offered; inspection only releases it
      addRefund(w, offer.refundFen, 'refund', ctx)
      w.to = 'refunding'
    } else if (offer?.kind === 'exchange') {
      if (c.replacementShipments.some((l) => l.status !== 'to_ship')) w.to = 'resolved'
      else {
        if (!c.replacementShipments.some((l) => l.status === 'to_ship')) c.replacementShipments.push(newLeg(ctx, offer.items, offer.giftValueFen, false))
        warehouse(w, 'ship_replacement', '验货通过，发出换货商品', offer.items, { giftValueFen: offer.giftValueFen })
        w.to = 'in_review'
      }
    } else w.to = offer?.kind === 'return_refund' ? 'resolved' : 'in_review'
  },
}
