/** confirm_receipt (buyer): the resend / exchange goods arrived; the case is resolved. */
import type { CommandSpec } from './work'

export const confirm_receipt: CommandSpec<'confirm_receipt'> = {
  act(w) {
    for (const l of w.c.replacementShipments) if (l.status === 'shipped') l.status = 'received'
    w.to = 'resolved'
    w.text = '买家已确认收货'
  },
}
