/**
 * decide(case, command, ctx): the single entry for every state change. The pipeline is the same
 * for every command: parse → version check → `refusal` (table + the command's guard, the same
 * answer `allowedCommands` gives) → the command's act (commands/<name>.ts) → table check of the
 * move → finish (status, SLA clock, buyer wait, follow-up, buyer messages from the catalogue,
 * timeline entry, outbox keys). Returns the new case (version + 1) with the outbox events.
 *
 * @example
 *   const r = decide(c, { type: 'respond', text: '您好，已收到' }, { now, actor: { kind: 'staff', id: 'a1', role: 'agent' }, policy, newId })
 *   if (r.ok) await store.compareAndSet(c.id, c.version, r.value.case, r.value.events)
 */
import { cloneJson } from './clone'
import { APPROVABLE_COMMANDS, CaseCommandSchema, FINAL_STATUSES, OPEN_STATUSES, PAUSED_STATUSES, type Case, type CaseCommand, type CaseEvent, type CommandType, type Result } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { withAlertContext } from './alert-context'
import { refusal } from './allowed'
import { COMMANDS, type CommandSpec, type Work } from './commands'
import { recordApprovalRequest } from './commands/approvals'
import { isSupervisor } from './commands/work'
import type { CoreContext } from './context'
import { CoreFailure, fail, ok } from './errors'
import { buildBuyerMessage, enterMessages } from './messages'
import { buyerDeadline, markFirstResponse, pauseSla, restartResolution, resumeSla, stopSla } from './sla'
import { clampSlaToDeadline, sellerDeadline } from './platform-status'
import { isListed, waitIn } from './transitions'
import { HOUR_MS, toIso, toMs } from './tz'

export interface DecideOutput {
  case: Case
  events: CaseEvent[]
}

/** A staff answer of any of these meets the first-response target. */
const FIRST_RESPONSE_COMMANDS: ReadonlySet<CommandType> = new Set(['respond', 'ask_info', 'make_offer', 'approve', 'reject', 'platform_accept', 'platform_reject'])

export function decide(current: Case, command: CaseCommand | unknown, ctx: CoreContext): Result<DecideOutput> {
  const parsed = CaseCommandSchema.safeParse(command)
  const rawType = typeof command === 'object' && command !== null && 'type' in command ? String((command as { type: unknown }).type) : undefined
  if (!parsed.success) {
    return fail('VALIDATION', `指令无效：${parsed.error.issues.map((i) => `${i.path.join('.') || '(command)'} ${i.message}`).join('；')}`, { status: current.status, command: rawType })
  }
  const cmd = parsed.data
  const details = { status: current.status, command: cmd.type }
  if (cmd.expectedVersion !== undefined && cmd.expectedVersion !== current.version)
    return fail('CONFLICT', '售后单已被他人更新，请刷新后重试', { ...details, expectedVersion: cmd.expectedVersion, version: current.version })
  const no = refusal(current, cmd.type, ctx)
  if (no) return { ok: false, error: no }

  let w: Work = { c: cloneJson(current), to: current.status, text: '', internal: false, events: [], buyer: [] }
  let type: CommandType = cmd.type
  try {
    ;(COMMANDS[cmd.type] as CommandSpec<typeof cmd.type>).act(w, cmd as never, ctx)
  } catch (e) {
    if (!(e instanceof CoreFailure)) throw e
    // an agent's own money command above the threshold (or for a risky buyer) becomes the approval
    // request of exactly that command, in the same tap; the supervisor's decision then runs it
    const approvable = (APPROVABLE_COMMANDS as readonly string[]).includes(cmd.type)
    if (!(e.error.details?.approvalRequired && approvable && ctx.actor.kind === 'staff' && !isSupervisor(ctx.actor))) {
      return { ok: false, error: { ...e.error, details: { ...details, ...e.error.details } } }
    }
    const { expectedVersion: _v, ...request } = cmd
    w = { c: cloneJson(current), to: current.status, text: '', internal: false, events: [], buyer: [] }
    type = 'submit_for_approval'
    try {
      recordApprovalRequest(w, request as never, '', ctx, String(e.error.details.why ?? '') || undefined)
    } catch (e2) {
      if (e2 instanceof CoreFailure) return { ok: false, error: { ...e2.error, details: { ...details, ...e2.error.details } } }
      throw e2
    }
  }
  if (!isListed(type, current.status, w.to)) {
    // an act asked for a move the table does not list: a bug, never a silent state change
    throw new Error(`transition ${current.status} -(${type})-> ${w.to} is not in the table`)
  }
  return ok(finish(current, w, type, ctx))
}

function finish(current: Case, w: Work, command: CommandType, ctx: CoreContext): DecideOutput {
  const { c, to } = w
  const from = current.status
  const policy: Policy = ctx.policy
  c.status = to
  c.version = current.version + 1
  c.updatedAt = ctx.now

  // SLA: a staff answer meets the first response; an appeal restarts the resolution clock; leaving
  // the open statuses stops it; waiting on the buyer pauses it
  // (a system actor runs these only as an owner's auto-decision rule: its decision answers the buyer)
  if (ctx.actor.kind !== 'buyer' && FIRST_RESPONSE_COMMANDS.has(command)) c.sla = markFirstResponse(c.sla, ctx.now)
  if (command === 'appeal') c.sla = restartResolution(c.sla, ctx.now, policy)
  else if (!OPEN_STATUSES.includes(to)) c.sla = stopSla(c.sla, ctx.now, to === 'resolved')
  else if (PAUSED_STATUSES.includes(to) && !PAUSED_STATUSES.includes(from)) c.sla = pauseSla(c.sla, ctx.now, policy)
  else if (!PAUSED_STATUSES.includes(to) && PAUSED_STATUSES.includes(from)) c.sla = resumeSla(c.sla, ctx.now, policy)
  // a shop after-sale: the platform decides at its deadline, so the desk's targets never run past it
  if (c.platform) c.sla = clampSlaToDeadline(c.sla, sellerDeadline(c.platform))

  if (to !== from) {
    // on a shop after-sale the buyer's steps have the platform's clocks; the desk only closes resolved ones
    const wait = c.platform && waitIn(to) !== 'rate' ? null : waitIn(to)
    c.buyerDeadline = wait ? buyerDeadline(wait, ctx.now, policy) : null
    w.buyer.push(...enterMessages(c, command))
  }
  if (FINAL_STATUSES.includes(to) && to !== from) c.closedAt = ctx.now
  // follow-up visit (回访, seed 002): once per resolution; a rating or closing first makes it moot
  if (to === 'resolved' && from !== 'resolved') {
    const hours = policy.sla.followUpVisitHours ?? 48
    c.followUp = hours > 0 ? { dueAt: toIso(toMs(ctx.now) + hours * HOUR_MS), remindedAt: null } : null
  }

  c.timeline.push({
    id: ctx.newId(),
    at: ctx.now,
    actor: { kind: ctx.actor.kind, id: ctx.actor.id },
    type: command,
    fromStatus: from,
    toStatus: to,
    text: w.text,
    internal: w.internal,
    ...(w.data ? { data: w.data } : {}),
  })

  // outbox: deterministic keys, so a retried write cannot send twice
  let i = 0
  const key = () => `${c.id}:v${c.version}:${i++}`
  // every staff alert names the product, buyer, reason, money and deadline of the case as it now is
  // (an event with its own key — a media fetch, keyed by its media ids — keeps it: a later version asking for the same adds no row)
  const events: CaseEvent[] = withAlertContext(w.events, c, policy).map((e) => ({ ...e, key: e.key ?? key() }) as CaseEvent)
  for (const b of w.buyer) {
    const m = buildBuyerMessage(b.event, c, policy, key(), ctx.now, b.extra)
    if (m) events.push(m)
  }
  return { case: c, events }
}
