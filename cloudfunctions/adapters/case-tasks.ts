/**
 * Follow-up work derived from a case document (issue 15), stored by both adapters in the same
 * write as the case (one row per kind the case has ever had, keyed `<caseId>:<kind>`), so the
 * 待审批 / 差评跟进 / 回访 lists and the scheduler's reminders query an index instead of the
 * cases. The case document stays the one truth; a row only mirrors it.
 */
import type { Case } from '@contract/domain'
import { NO_DUE, iso } from './case-index'

export type TaskKind = 'approval' | 'review' | 'visit'

export interface CaseTask {
  id: string
  caseId: string
  kind: TaskKind
  /** whose list: a staff id, or 'supervisor' (approvals; unassigned cases) */
  owner: string
  open: boolean
  /** the deadline shown on the list (escalation / 24 h reply / visit due) */
  dueAt: string
  /** next instant the scheduler must look at this case for this task (NO_DUE: nothing) */
  nextAt: string
}

const DAY_MS = 86_400_000
const plus = (at: string, ms: number) => new Date(Date.parse(at) + ms).toISOString()

/**
 * When the agent may next be reminded of an open 差评 follow-up: a day after the last reminder
 * (the rating's own alert counts as the first) and a day after the last contact with the buyer —
 * at most one reminder a day, never on the day the buyer was contacted.
 */
export function reviewReminderAt(f: NonNullable<Case['reviewFollowUp']>): string {
  const last = [f.remindedAt ?? f.openedAt, ...f.contacts.map((x) => x.at)].reduce((a, b) => (Date.parse(a) > Date.parse(b) ? a : b))
  return plus(last, DAY_MS)
}

export function caseTasks(c: Case): CaseTask[] {
  const out: CaseTask[] = []
  const mk = (kind: TaskKind, owner: string, open: boolean, dueAt: string, nextAt: string | null): CaseTask => ({
    id: `${c.id}:${kind}`,
    caseId: c.id,
    kind,
    owner,
    open,
    dueAt: iso(dueAt),
    nextAt: open && nextAt ? iso(nextAt) : NO_DUE,
  })
  const approvals = c.approvals ?? []
  if (approvals.length) {
    const pending = approvals.find((a) => a.status === 'pending')
    const last = pending ?? approvals[approvals.length - 1]
    out.push(mk('approval', 'supervisor', !!pending && c.status !== 'closed' && c.status !== 'cancelled', last.escalateAt, pending && !pending.escalatedAt ? pending.escalateAt : null))
  }
  const f = c.reviewFollowUp
  if (f) out.push(mk('review', c.assigneeId ?? 'supervisor', !f.closedAt, f.dueAt, reviewReminderAt(f)))
  const v = c.followUp
  if (v) out.push(mk('visit', c.assigneeId ?? 'supervisor', c.status === 'resolved' && !v.outcome, v.dueAt, null))
  return out
}
