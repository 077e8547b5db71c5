/** escalate (staff): hand the case up to the supervisors. */
import { alert, type CommandSpec } from './work'

export const escalate: CommandSpec<'escalate'> = {
  act(w, cmd) {
    w.c.flags.escalated = true
    w.internal = true
    w.text = `升级至主管/售后专员：${cmd.text}`
    alert(w, 'supervisor', 'escalated', `售后单 ${w.c.caseNo} 已升级：${cmd.text}`)
  },
}
