import { UNREAD_CAP, type InboxOutputs } from '@contract/alerts'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy } from '../shared'
import type { StaffRecord } from '../../ports/store'

/** The caller's own inbox, newest first, with the unread count (capped). */
export async function listInbox(deps: Deps, me: StaffRecord, q: { unreadOnly: boolean; cursor?: string | null; limit: number }): Promise<InboxOutputs['inbox']> {
  let page
  try {
    page = await deps.store.listInbox(me.id, { unreadOnly: q.unreadOnly, limit: q.limit, cursor: q.cursor ?? null })
  } catch (e) {
    if (e instanceof Error && e.message === 'invalid cursor') throw new AppError('VALIDATION', '分页参数无效，请刷新后重试')
    throw e
  }
  return { items: page.items, next: page.next, unread: await deps.store.countUnread(me.id, UNREAD_CAP) }
}

/** Marks the caller's entries read (ids of another staff member's entries change nothing). */
export async function markInboxRead(deps: Deps, me: StaffRecord, q: { ids: string[] } | { all: true }): Promise<InboxOutputs['mark_inbox_read']> {
  const marked = await deps.store.markInboxRead(me.id, 'all' in q ? 'all' : q.ids, deps.now())
  return { marked, unread: await deps.store.countUnread(me.id, UNREAD_CAP) }
}

/**
 * Records a staff member's answer to requestSubscribeMessage for the staff alert template: each
 * "accept" is one push credit, spent by the dispatcher like a buyer's.
 */
export async function recordStaffSubscriptions(
  deps: Deps,
  me: StaffRecord,
  results: { templateId: string; result: string }[],
): Promise<InboxOutputs['record_staff_subscriptions']> {
  const { policy } = await livePolicy(deps)
  const templateId = policy.staffAlerts.template.templateId
  if (results.some((r) => r.templateId !== templateId)) throw new AppError('VALIDATION', '只能订阅员工提醒模板')
  let credits = (await deps.store.getCredits(me.id))[templateId] ?? 0
  for (const r of results) if (r.result === 'accept') credits = await deps.store.addCredits(me.id, templateId, 1)
  return { templateId, credits }
}
