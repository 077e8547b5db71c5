import type { z } from 'zod'
import { QUEUE_COUNT_CAP, TASK_TABS, type CaseSummary, type Page, type QueueInputSchema, type QueueTab, type AdminOutputs } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { Deps } from '../deps'
import { countOne, type CountQuery, type QueueFilter, type StaffRecord, type TaskFilter } from '../../ports/store'
import { livePolicy } from '../shared'
import { lineSummary, summary } from '../views'
import { listCaseLines } from './read-cases'

const TABS: QueueTab[] = ['mine', 'team', 'unassigned', 'overdue', 'escalated', 'all']

type TaskTab = (typeof TASK_TABS)[number]
const isTaskTab = (t: QueueTab): t is TaskTab => (TASK_TABS as readonly string[]).includes(t)
const lead = (me: StaffRecord) => me.role !== 'agent'

/** 待审批: every pending approval; 差评跟进 / 回访: the agent's own (leads see all), visits once due. */
function taskFilter(tab: TaskTab, me: StaffRecord, now: string): TaskFilter {
  if (tab === 'approvals') return { kind: 'approval' }
  if (tab === 'reviews') return lead(me) ? { kind: 'review' } : { kind: 'review', owner: me.id }
  return lead(me) ? { kind: 'visit', dueBefore: now } : { kind: 'visit', owner: me.id, dueBefore: now }
}

/** The task's own deadline badge: warning in the policy's last share of its time, breached after. */
function taskView(tab: TaskTab, c: Case, now: string, policy: Policy): CaseSummary['task'] {
  const pending = (c.approvals ?? []).find((a) => a.status === 'pending')
  let t: { kind: 'approval' | 'review' | 'visit'; start: string; due: string } | null = null
  if (tab === 'approvals' && pending) t = { kind: 'approval', start: pending.requestedAt, due: pending.escalateAt }
  else if (tab === 'reviews' && c.reviewFollowUp) t = { kind: 'review', start: c.reviewFollowUp.openedAt, due: c.reviewFollowUp.dueAt }
  else if (tab === 'visits' && c.followUp) t = { kind: 'visit', start: c.updatedAt, due: c.followUp.dueAt }
  if (!t) return undefined
  const msLeft = Date.parse(t.due) - Date.parse(now)
  const span = Math.max(1, Date.parse(t.due) - Date.parse(t.start))
  const state = msLeft < 0 ? 'breached' : msLeft <= (1 - policy.sla.warnRatio) * span ? 'warning' : 'on_time'
  return { kind: t.kind, dueAt: t.due, state, msLeft, ...(t.kind === 'approval' && pending ? { amountFen: pending.amountFen } : {}) }
}

function tabFilter(tab: QueueTab, me: StaffRecord, now: string, team?: QueueFilter['team']): QueueFilter {
  switch (tab) {
    case 'mine':
      return { assigneeId: me.id, open: true }
    case 'team':
      return { team: team ?? me.teams[0], open: true }
    case 'unassigned':
      return { unassigned: true, open: true }
    case 'overdue':
      // open cases whose SLA is breached (the badge 已超时), whether or not the scheduler marked them yet
      return { slaState: { state: 'breached', at: now }, open: true }
    case 'escalated':
      return { escalated: true, open: true }
    case 'all':
    default:
      return {}
  }
}

/**
 * The seller's queue: one tab with filters, sorted by what is due first, keyset-paged, plus the
 * count of every tab. The SLA-state filter is evaluated by the store at this request's `now`, on
 * the same rule as the badges (a page and the next one may disagree about a case whose state
 * changed in between; paging stays on the due-time keyset).
 */
export async function queueCases(deps: Deps, me: StaffRecord, input: z.output<typeof QueueInputSchema>): Promise<AdminOutputs['queue']> {
  const { policy } = await livePolicy(deps)
  const now = deps.now()
  const extra: QueueFilter = {
    ...(input.status ? { status: input.status } : {}),
    ...(input.severity ? { severity: input.severity } : {}),
    ...(input.reason ? { reason: input.reason } : {}),
    ...(input.slaState ? { slaState: { state: input.slaState, at: now } } : {}),
    ...(input.createdFrom ? { createdFrom: input.createdFrom } : {}),
    ...(input.createdTo ? { createdTo: input.createdTo } : {}),
  }
  const tab = input.tab
  // the task tabs' badge reads the task inside the case (whole documents); the others need only the list lines
  const pageOf = async (): Promise<Page<CaseSummary>> => {
    if (isTaskTab(tab)) {
      const page = await deps.store.listTaskCases(taskFilter(tab, me, now), { limit: input.limit, cursor: input.cursor ?? null })
      return {
        items: page.items.map((c) => {
          const s = summary(c, now, policy)
          const task = taskView(tab, c, now, policy)
          return task ? { ...s, task } : s
        }),
        next: page.next,
      }
    }
    const filter = { ...tabFilter(tab, me, now, input.team), ...extra, ...(input.team && tab !== 'team' ? { team: input.team } : {}) }
    const page = await listCaseLines(deps, filter, { limit: input.limit, cursor: input.cursor ?? null, order: tab === 'all' ? 'created_desc' : 'due_asc' })
    return { items: page.items.map((l) => lineSummary(l, now, policy)), next: page.next }
  }
  const queries: CountQuery[] = [...TABS.map((t) => ({ cases: tabFilter(t, me, now, input.team) })), ...TASK_TABS.map((t) => ({ tasks: taskFilter(t, me, now) }))]
  const { store } = deps
  // every badge in one request where the store can (CloudBase: one aggregate instead of nine counts)
  const countAll = store.countMany
    ? store.countMany(queries, QUEUE_COUNT_CAP)
    : Promise.all(queries.map((q) => countOne(store, q, QUEUE_COUNT_CAP)))
  const [page, counts] = await Promise.all([pageOf(), countAll])
  const all: QueueTab[] = [...TABS, ...TASK_TABS]
  return {
    items: page.items,
    next: page.next,
    counts: Object.fromEntries(all.map((t, i) => [t, counts[i]])) as Record<QueueTab, number>,
  }
}
