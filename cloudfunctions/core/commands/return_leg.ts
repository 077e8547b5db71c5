/**
 * The return leg: ship_return (buyer, or staff for a pickup) and receive_return (staff). An
 * `inspect` return moves the case (awaiting_return → return_shipped → inspecting); a `collect`
 * pickup (wrong / damaged goods taken back) moves along without changing the status.
 */
import type { Case } from '@contract/domain'
import { refuse, type CommandSpec, type Refusal } from './work'

const NO_RETURN = refuse('VALIDATION', '该售后单没有退货')

function shipRefusal(c: Case): Refusal | null {
  const rs = c.returnShipment
  if (!rs) return NO_RETURN
  if (rs.status !== 'pending') return refuse('VALIDATION', '退货已寄出')
  if (rs.purpose === 'inspect' && c.status !== 'awaiting_return') return refuse('NOT_ALLOWED_IN_STATUS', '当前状态不能填写退货单号')
  return null
}

function receiveRefusal(c: Case): Refusal | null {
  const rs = c.returnShipment
  if (!rs) return NO_RETURN
  if (rs.status === 'received') return refuse('VALIDATION', '退货已签收')
  if (rs.purpose === 'inspect' && c.status !== 'awaiting_return' && c.status !== 'return_shipped') return refuse('NOT_ALLOWED_IN_STATUS', '当前状态不能签收退货')
  return null
}

export const ship_return: CommandSpec<'ship_return'> = {
  guard: shipRefusal,
  act(w, cmd, ctx) {
    const rs = w.c.returnShipment!
    rs.status = 'shipped'
    rs.carrier = cmd.carrier
    rs.trackingNo = cmd.trackingNo
    rs.shippedAt = ctx.now
    if (rs.purpose === 'inspect') w.to = 'return_shipped'
    w.text = `退货已寄出：${cmd.carrier} ${cmd.trackingNo}`
    w.data = { carrier: cmd.carrier, trackingNo: cmd.trackingNo }
  },
}

export const receive_return: CommandSpec<'receive_return'> = {
  guard: receiveRefusal,
  act(w, cmd, ctx) {
    const rs = w.c.returnShipment!
    rs.status = 'received'
    rs.receivedAt = ctx.now
    if (rs.purpose === 'inspect') {
      w.to = 'inspecting'
      w.buyer.push({ event: 'return_received' })
      w.text = cmd.text ?? '商家已收到退货，正在验货'
    } else {
      w.text = cmd.text ?? '商家已收回错发/破损商品'
    }
  },
}
