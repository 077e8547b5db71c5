/**
 * The return leg: ship_return (buyer, or staff for a pickup) and receive_return (staff). An
 * `inspect` return moves the case (awaiting_return → return_shipped → inspecting); a `collect`
 * pickup (wrong / damaged goods taken back) moves along without changing the status.
 */
import type { Case, CaseStatus, ReturnShipment } from '@contract/domain'
import { platformInspectRefusal } from '../platform-status'
import { refuse, type CommandSpec, type Refusal } from './work'

/**
 * The leg must exist and not be past `done` yet; an `inspect` return also only moves in `statuses`.
 */
function legGuard(done: (status: ReturnShipment['status']) => boolean, doneMsg: string, statuses: CaseStatus[], statusMsg: string) {
  return (c: Case): Refusal | null => {
    const rs = c.returnShipment
    if (!rs) return refuse('VALIDATION', '该售后单没有退货')
    if (done(rs.status)) return refuse('VALIDATION', doneMsg)
    if (rs.purpose === 'inspect' && !statuses.includes(c.status)) return refuse('NOT_ALLOWED_IN_STATUS', statusMsg)
    return null
  }
}

const shipRefusal = legGuard((s) => s !== 'pending', '退货已寄出', ['awaiting_return'], '当前状态不能填写退货单号')
const receiveRefusal = legGuard((s) => s === 'received', '退货已签收', ['awaiting_return', 'return_shipped'], '当前状态不能签收退货')

export const ship_return: CommandSpec<'ship_return'> = {
  guard: shipRefusal,
  act(w, cmd, ctx) {
    const rs = Object.assign(w.c.returnShipment!, { status: 'shipped', carrier: cmd.carrier, trackingNo: cmd.trackingNo, shippedAt: ctx.now } as const)
    if (rs.purpose === 'inspect') w.to = 'return_shipped'
    w.text = `退货已寄出：${cmd.carrier} ${cmd.trackingNo}`
    w.data = { carrier: cmd.carrier, trackingNo: cmd.trackingNo }
  },
}

export const receive_return: CommandSpec<'receive_return'> = {
  // a shop return: received here only when the desk inspects it before the platform refunds
  guard: (c, ctx) => platformInspectRefusal(c, ctx.policy) ?? receiveRefusal(c),
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
