/**
 * ship_replacement (staff): the resend / exchange goods leave the warehouse. In review it moves the
 * case to replacement_shipped; an early leg (双向发货) ships while the return is still under way.
 */
import type { Case } from '@contract/domain'
import { compensationReasonFor, isShopDeskCase } from '../shop-remedy'
import { refuse, type CommandSpec } from './work'

const legToShip = (c: Case) => c.replacementShipments.find((l) => l.status === 'to_ship')

export const ship_replacement: CommandSpec<'ship_replacement'> = {
  guard(c) {
    const leg = legToShip(c)
    if (!leg) return refuse('VALIDATION', '没有待发出的补发/换货商品')
    if (c.status !== 'in_review' && !leg.early) return refuse('NOT_ALLOWED_IN_STATUS', '需等退货验货通过后再发出换货商品（非双向发货）')
    return null
  },
  act(w, cmd, ctx) {
    const c = w.c
    const leg = legToShip(c)!
    leg.status = 'shipped'
    leg.carrier = cmd.carrier
    leg.trackingNo = cmd.trackingNo
    leg.shippedAt = ctx.now
    if (c.status === 'in_review') w.to = 'replacement_shipped'
    else w.buyer.push({ event: 'replacement_shipped', extra: { carrier: cmd.carrier, trackingNo: cmd.trackingNo } })
    w.text = `商品已发出：${cmd.carrier} ${cmd.trackingNo}`
    w.data = { carrier: cmd.carrier, trackingNo: cmd.trackingNo, legId: leg.id }
    if (isShopDeskCase(c)) {
      // a Channels order: the parcel is registered with the shop as 订单补发货 (run once by leg id)
      leg.shopCall = { status: 'pending', message: null }
      const giftOnly = leg.items.length === 0 && leg.giftValueFen > 0
      w.events.push({
        kind: 'shop_call', call: 'delivery_compensation', caseId: c.id, orderId: c.order.orderId, ref: leg.id,
        deliveryId: cmd.carrier, waybillId: cmd.trackingNo, items: leg.items.length ? leg.items : c.claimedItems,
        compensationReason: compensationReasonFor(c.reason, giftOnly),
      })
    }
  },
}
