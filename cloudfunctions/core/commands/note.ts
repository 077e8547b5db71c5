/** note (staff): an internal note on the timeline. */
import type { CommandSpec } from './work'

export const note: CommandSpec<'note'> = {
  act(w, cmd) {
    w.internal = true
    w.text = cmd.text
  },
}
