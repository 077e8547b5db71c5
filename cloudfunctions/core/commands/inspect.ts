/**
 * inspect (staff): the returned goods are checked. Fail → rejected (the buyer may appeal); pass →
 * the agreed remedy goes on: refund released, or the exchange goods sent.
 */
import { addRefund, newLeg, warehouse, type CommandSpec } from './work'

export const inspect: CommandSpec<'inspect'> = {
  act(w, cmd, ctx) {
    const c = w.c
    c.inspection = { result: cmd.result, note: cmd.note, photos: cmd.photos, at: ctx.now, by: ctx.actor.id }
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
