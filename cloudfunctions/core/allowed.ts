/**
 * The one answer to "may this actor run this command on this case now?": the transition table
 * (status, actor kind, own case) and then the command's guard. decide() refuses with exactly this
 * answer; allowedCommands() lists the commands it lets through, so the app's buttons are the
 * commands decide() would accept (the payload may still be refused, e.g. an amount too high).
 *
 * @example
 *   allowedCommands(c, { actor: { kind: 'buyer', id: c.buyerOpenid }, policy, now }) // ['cancel', 'ship_return']
 */
import { FINAL_STATUSES, type Case, type CommandType, type CoreError } from '@contract/domain'
import { COMMANDS, type GuardContext } from './commands'
import { platformRefusal } from './platform-status'
import { rowOf, TRANSITIONS } from './transitions'

/** What of the transition table bars the command's row on `c` for this kind of actor, or null. */
function tableBar(c: Case, row: ReturnType<typeof rowOf>, actorKind: GuardContext['actor']['kind']): 'finished' | 'status' | 'actor' | null {
  const self = row.self.includes(c.status)
  // a finished case takes only what its row lists there (the 差评 follow-up of a closed case)
  if (!self && FINAL_STATUSES.includes(c.status)) return 'finished'
  if (!self && !row.from[c.status]?.length) return 'status'
  if (!row.by.includes(actorKind)) return 'actor'
  return null
}

/** Why `actor` may not run `command` on `c` now, or null when it may. */
export function refusal(c: Case, command: CommandType, ctx: GuardContext): CoreError | null {
  const { actor } = ctx
  const details = { status: c.status, command }
  const barred = tableBar(c, rowOf(command), actor.kind)
  if (barred === 'finished') return { code: 'NOT_ALLOWED_IN_STATUS', message: '售后单已结束，不能再操作', details }
  if (barred === 'status') return { code: 'NOT_ALLOWED_IN_STATUS', message: `当前状态（${c.status}）不能执行 ${command}`, details }
  if (barred === 'actor') return { code: 'FORBIDDEN', message: '无权执行该操作', details: { ...details, actor: actor.kind } }
  if (actor.kind === 'buyer' && actor.id !== c.buyerOpenid) return { code: 'FORBIDDEN', message: '只能操作自己的售后单', details }
  // nobody decides their own request: a staff member who filed this case as a buyer does not work it
  if (actor.kind === 'staff' && actor.id === c.buyerOpenid) return { code: 'FORBIDDEN', message: '这是您自己作为买家提交的售后单，请由其他同事处理', details }
  // where the case came from: a shop after-sale is decided through the platform (platform-status.ts)
  const source = platformRefusal(c, command, actor.kind)
  if (source) return { ...source, details }
  const no = COMMANDS[command].guard?.(c, ctx)
  return no ? { code: no.code, message: no.message, details: { ...details, ...no.details } } : null
}

/** Exactly the commands decide() would let `actor` run on `c` now, in table order. */
export function allowedCommands(c: Case, ctx: GuardContext): CommandType[] {
  // most of the table is barred by the table itself: those rows skip building the refusal they would give
  return TRANSITIONS.filter((r) => !tableBar(c, rowOf(r.command), ctx.actor.kind) && !refusal(c, r.command, ctx)).map((r) => r.command)
}
