/** cancel (buyer): withdraw the request, unless money is already on its way. */
import { refuse, replacementLeft, type CommandSpec } from './work'

export const cancel: CommandSpec<'cancel'> = {
  guard(c) {
    if (c.refunds.some((r) => r.status === 'pending')) return refuse('NOT_ALLOWED_IN_STATUS', '退款处理中，不能撤销')
    // 双向发货: the new goods are on their way, so the exchange must run to its end (the old goods come back)
    if (replacementLeft(c)) return refuse('NOT_ALLOWED_IN_STATUS', '换货商品已发出，不能撤销，请按约定寄回原商品')
    return null
  },
  act(w, cmd) {
    w.to = 'cancelled'
    w.text = cmd.text ? `买家撤销申请：${cmd.text}` : '买家撤销了售后申请'
  },
}
