/** cancel (buyer): withdraw the request, unless money is already on its way. */
import { refuse, type CommandSpec } from './work'

export const cancel: CommandSpec<'cancel'> = {
  guard: (c) => (c.refunds.some((r) => r.status === 'pending') ? refuse('NOT_ALLOWED_IN_STATUS', '退款处理中，不能撤销') : null),
  act(w, cmd) {
    w.to = 'cancelled'
    w.text = cmd.text ? `买家撤销申请：${cmd.text}` : '买家撤销了售后申请'
  },
}
