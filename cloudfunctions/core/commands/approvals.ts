/**
 * Approvals (issue 15): an agent whose approve / offer / refund needs a supervisor (above the
 * threshold, or a buyer flagged risky) submits it in one tap; a supervisor approves — the stored
 * command then runs as theirs, in the same write — or refuses with a note; an approval nobody
 * answers goes to the owner after the policy's hours.
 */
import { cloneJson } from '../clone'
import type { ApprovalRequest, Case } from '@contract/domain'
import type { CoreContext } from '../context'
import { CoreFailure, raise } from '../errors'
import { yuan } from '../money'
import { allowedIn } from '../transitions'
import { HOUR_MS, toIso, toMs } from '../tz'
import { approve } from './approve'
import { issue_refund } from './issue_refund'
import { make_offer } from './make_offer'
import { platform_accept } from './platform'
import { record_manual_refund } from './record_manual_refund'
import { alert, isSupervisor, nothingLeftRefusal, refuse, type Cmd, type CommandSpec, type Work } from './work'

type Request = Cmd<'submit_for_approval'>['request']

const INNER = { approve, make_offer, issue_refund, platform_accept, record_manual_refund } as const

export function pendingApproval(c: Case): ApprovalRequest | undefined {
  return (c.approvals ?? []).find((a) => a.status === 'pending')
}

/** Runs the requested command's guard and act on `w` as a supervisor would (throws its refusal). */
function runAsSupervisor(w: Work, req: Request, ctx: CoreContext, by: string): void {
  if (!allowedIn(req.type, w.c.status)) raise('NOT_ALLOWED_IN_STATUS', `当前状态不能执行该操作（${req.type}）`)
  const sctx: CoreContext = { ...ctx, actor: { kind: 'staff', id: by, role: 'supervisor' } }
  const spec = INNER[req.type] as CommandSpec<typeof req.type>
  const no = spec.guard?.(w.c, sctx)
  if (no) raise(no.code, no.message, no.details)
  spec.act(w, req as never, sctx)
}

/**
 * Records an approval request for `request` on `w`: a dry run as a supervisor proves it can be
 * carried out and measures exactly what it gives (its full value and a sentence); nothing of value
 * (¥0) needs no approval. Used by submit_for_approval and by decide() when an agent's own money
 * command needs a supervisor (one tap).
 */
export function recordApprovalRequest(w: Work, request: Request, note: string, ctx: CoreContext, why0?: string): void {
  // an agent's newer request replaces the one still waiting (a changed offer needs its own approval)
  const waiting = pendingApproval(w.c)
  if (waiting) w.c.approvals = (w.c.approvals ?? []).map((x) => (x.id === waiting.id ? { ...x, status: 'withdrawn' as const, decidedAt: ctx.now, decisionNote: '已被新的审批申请替换' } : x))
  const before = w.c
  const scratch: Work = { c: cloneJson(before), to: before.status, text: '', internal: false, events: [], buyer: [] }
  try {
    runAsSupervisor(scratch, request, ctx, ctx.actor.id)
  } catch (e) {
    if (e instanceof CoreFailure) raise(e.error.code, `无法提交审批：${e.error.message}`, e.error.details)
    throw e
  }
  const given = scratch.given
  if (!given || given.valueFen <= 0) raise('VALIDATION', '该操作不涉及金额或价值，无需主管审批')
  const th = ctx.policy.compensation.approvalThresholdFen
  const why = why0 ?? (before.flags.risk ? '买家已标记退款风险' : `总价值${yuan(given.valueFen)}超过审批门槛${yuan(th)}`)
  const escalateAt = toIso(toMs(ctx.now) + ctx.policy.loop.approvalEscalateHours * HOUR_MS)
  const a: ApprovalRequest = {
    id: ctx.newId(),
    command: request,
    amountFen: given.valueFen,
    cashFen: given.cashFen,
    summary: given.summary,
    why,
    note,
    requestedBy: ctx.actor.id,
    requestedAt: ctx.now,
    escalateAt,
    escalatedAt: null,
    status: 'pending',
    decidedBy: null,
    decidedAt: null,
    decisionNote: null,
  }
  w.c.approvals = [...(before.approvals ?? []), a]
  w.to = w.c.status
  w.internal = true
  w.text = `${waiting ? '替换待审批申请，' : ''}提交主管审批：${given.summary}（${why}）${note ? `，${note}` : ''}`
  w.data = { approvalId: a.id, amountFen: given.valueFen }
  w.given = undefined
  alert(w, 'supervisor', 'approval_needed', `售后单 ${w.c.caseNo} 待审批：${given.summary}，价值${yuan(given.valueFen)}（${why}）`, escalateAt)
}

export const submit_for_approval: CommandSpec<'submit_for_approval'> = {
  guard(c, ctx) {
    if (isSupervisor(ctx.actor)) return refuse('VALIDATION', '主管可直接操作，无需提交审批')
    if (pendingApproval(c)) return refuse('CONFLICT', '已有一条待主管审批的申请')
    // every request that needs a supervisor gives something of value
    return nothingLeftRefusal(c, ctx)
  },
  act(w, cmd, ctx) {
    recordApprovalRequest(w, cmd.request, cmd.note, ctx)
  },
}

export const decide_approval: CommandSpec<'decide_approval'> = {
  guard(c, { actor }) {
    if (!isSupervisor(actor)) return refuse('FORBIDDEN', '只有主管或店主可以审批')
    const a = pendingApproval(c)
    if (!a) return refuse('VALIDATION', '没有待审批的申请')
    if (a.requestedBy === actor.id) return refuse('FORBIDDEN', '不能审批自己提交的申请，请由其他主管或店主审批')
    return null
  },
  act(w, cmd, ctx) {
    const a = pendingApproval(w.c)!
    if (a.id !== cmd.approvalId) raise('CONFLICT', '这条审批已处理或已被新的申请替换，请刷新')
    const decided = { ...a, status: cmd.decision, decidedBy: ctx.actor.id, decidedAt: ctx.now, decisionNote: cmd.note || null }
    w.c.approvals = (w.c.approvals ?? []).map((x) => (x.id === a.id ? decided : x))
    if (cmd.decision === 'approved') {
      runAsSupervisor(w, a.command as Request, ctx, ctx.actor.id)
      // what executes is exactly what was approved: a changed value needs a new approval
      const value = w.given?.valueFen ?? 0
      if (value !== a.amountFen) raise('CONFLICT', `方案价值已变化（审批的是${yuan(a.amountFen)}，现在是${yuan(value)}），请驳回后重新提交审批`, { approvedFen: a.amountFen, nowFen: value })
      // the buyer sees the remedy (the command's own text); the approval stays in the staff data
    } else {
      if (!cmd.note) raise('VALIDATION', '驳回审批请填写原因', { field: 'note' })
      w.internal = true
      w.text = `主管未批准「${a.summary || yuan(a.amountFen)}」：${cmd.note}`
    }
    w.data = { ...(w.data ?? {}), approvalId: a.id, decision: cmd.decision, approvedFen: a.amountFen, ...(cmd.note ? { approvalNote: cmd.note } : {}) }
    alert(w, a.requestedBy, 'approval_decided', `售后单 ${w.c.caseNo} 的审批「${a.summary || yuan(a.amountFen)}」${cmd.decision === 'approved' ? '已通过' : `未通过：${cmd.note}`}`)
  },
}

export const approval_escalate: CommandSpec<'approval_escalate'> = {
  guard(c, { now }) {
    const a = pendingApproval(c)
    if (!a || a.escalatedAt) return refuse('VALIDATION', '没有需要升级的审批')
    return toMs(now) < toMs(a.escalateAt) ? refuse('VALIDATION', '审批尚未超时') : null
  },
  act(w, _cmd, ctx) {
    const a = pendingApproval(w.c)!
    w.c.approvals = (w.c.approvals ?? []).map((x) => (x.id === a.id ? { ...x, escalatedAt: ctx.now } : x))
    w.c.flags.escalated = true
    w.internal = true
    w.text = `审批${ctx.policy.loop.approvalEscalateHours}小时无人处理，已升级给店主`
    alert(w, 'owner', 'escalated', `售后单 ${w.c.caseNo} 的审批（${yuan(a.amountFen)}）超过${ctx.policy.loop.approvalEscalateHours}小时无人处理`)
  },
}
