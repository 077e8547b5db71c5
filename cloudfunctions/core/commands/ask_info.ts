/** ask_info (staff): ask the buyer for more information; the SLA pauses while they answer. */
import type { CommandSpec } from './work'

export const ask_info: CommandSpec<'ask_info'> = {
  act(w, cmd) {
    w.to = 'awaiting_buyer'
    w.text = `请补充信息：${cmd.text}`
  },
}
