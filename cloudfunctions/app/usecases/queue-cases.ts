import type { z } from 'zod'
import { QUEUE_COUNT_CAP, type QueueInputSchema, type QueueTab, type AdminOutputs } from '@contract/actions'
import type { Deps } from '../deps'
import type { QueueFilter, StaffRecord } from '../../ports/store'
import { livePolicy } from '../shared'
import { summary } from '../views'

const TABS: QueueTab[] = ['mine', 'team', 'unassigned', 'overdue', 'escalated', 'all']

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
  const filter = { ...tabFilter(input.tab, me, now, input.team), ...extra, ...(input.team && input.tab !== 'team' ? { team: input.team } : {}) }
  const [page, ...counts] = await Promise.all([
    deps.store.listCases(filter, { limit: input.limit, cursor: input.cursor ?? null, order: input.tab === 'all' ? 'created_desc' : 'due_asc' }),
    ...TABS.map((t) => deps.store.countCases(tabFilter(t, me, now, input.team), QUEUE_COUNT_CAP)),
  ])
  return {
    items: page.items.map((c) => summary(c, now, policy, 'staff')),
    next: page.next,
    counts: Object.fromEntries(TABS.map((t, i) => [t, counts[i]])) as Record<QueueTab, number>,
  }
}
