/** respond (staff): answer the buyer; takes a new case into review. */
import type { CommandSpec } from './work'

export const respond: CommandSpec<'respond'> = {
  act(w, cmd) {
    w.to = 'in_review'
    w.text = cmd.text
    w.buyer.push({ event: 'case_responded' })
  },
}
