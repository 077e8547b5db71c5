/** reassign (staff): an agent passes on their own or an unassigned case; supervisors any case. */
import { raise } from '../errors'
import { isSupervisor, refuse, type CommandSpec } from './work'

export const reassign: CommandSpec<'reassign'> = {
  guard(c, { actor }) {
    const own = c.assigneeId !== null && c.assigneeId === actor.id
    return !isSupervisor(actor) && !own && c.assigneeId !== null ? refuse('FORBIDDEN', '只能转派自己负责的售后单，或由主管转派') : null
  },
  act(w, cmd, ctx) {
    const c = w.c
    if (cmd.assigneeId && ctx.roster && !ctx.roster.some((s) => s.id === cmd.assigneeId)) raise('VALIDATION', `没有这位客服：${cmd.assigneeId}`)
    const before = c.assigneeId
    c.assigneeId = cmd.assigneeId
    if (cmd.team) c.team = cmd.team
    w.internal = true
    w.text = cmd.text ?? `转派：${before ?? '队列'} → ${cmd.assigneeId ?? '队列'}${cmd.team ? `（${cmd.team}）` : ''}`
    w.data = { from: before, to: cmd.assigneeId, team: c.team }
  },
}
