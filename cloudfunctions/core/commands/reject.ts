/** reject (staff): turn the request down; the buyer may appeal within the policy's window. */
import type { CommandSpec } from './work'

export const reject: CommandSpec<'reject'> = {
  act(w, cmd) {
    w.to = 'rejected'
    w.text = `售后申请未通过：${cmd.text}`
  },
}
