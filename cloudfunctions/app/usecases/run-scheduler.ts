import type { Case, CaseCommand } from '@contract/domain'
import type { Deps } from '../deps'
import { livePolicy, outboxOf } from '../shared'
import { decide, nextTimers, slaState, targetToWarn } from '../../core'
import { pendingApproval } from '../../core/commands/approvals'
import { reviewReminderAt } from '../../core/commands/review'
import { StoreConflict } from '../../ports/store'
import { watchLogistics, type LogisticsWatchStats } from './watch-logistics'
import { syncShopOrders, type OrderSyncStats } from './sync-shop-orders'
import { pollAfterSales, type AfterSalePollStats } from './poll-aftersales'
import { pollDisputes, pollTickets } from './import-dispute'
import { calendarLogWarning } from '../official-calendar'
import { continueOutreaches, OUTREACHES_PER_PASS } from './batch-watch'
import { runDeliveryCare, type DeliveryCareStats } from './delivery-care'
import { deadlinesToWarn } from '../../core/dispute-status'

export interface SchedulerStats {
  examined: number
  acted: number
  /** lost a compare-and-set to another scheduler or a person: their write stands */
  raced: number
  byCommand: Record<string, number>
  /** the time budget ran out: the cases not reached are still due (next pass) */
  stoppedEarly?: boolean
  logistics: LogisticsWatchStats
  /** the Channels shop pass (only when a shop is connected); `error` when the shop could not be reached */
  shop?: { orders: OrderSyncStats | null; afterSales: AfterSalePollStats | null; error: string | null; disputes?: { read: number; failed: number } | null; tickets?: { read: number; failed: number } | null }
  /** uploaded files never attached to a case within a day, deleted */
  swept: number
  /** issue 24: batch outreaches continued, 签收回访 messages enqueued */
  outreaches?: number
  care?: DeliveryCareStats
}

/** Cases saved per write when the store batches them (one CloudBase transaction). */
const SAVE_BATCH = 20

/** An upload no case carries after this long is deleted (a form abandoned, or junk). */
export const UNATTACHED_MEDIA_TTL_MS = 86_400_000

/** The one timer command a due case needs now, or null (nothing is due yet). */
export function dueCommand(c: Case, now: string, policy: Parameters<typeof slaState>[2]): CaseCommand | null {
  // follow-up tasks (issue 15): an unanswered approval goes to the owner; an open 差评 follow-up reminds once a day
  const approval = pendingApproval(c)
  if (approval && !approval.escalatedAt && Date.parse(approval.escalateAt) <= Date.parse(now) && c.status !== 'closed' && c.status !== 'cancelled') return { type: 'approval_escalate' }
  const review = c.reviewFollowUp
  if (review && !review.closedAt && Date.parse(reviewReminderAt(review)) <= Date.parse(now)) return { type: 'review_remind' }
  if (c.buyerDeadline && Date.parse(c.buyerDeadline.dueAt) <= Date.parse(now)) return { type: 'expire', deadline: c.buyerDeadline.kind }
  if (nextTimers(c, now, policy).some((t) => t.command === 'followup_remind' && Date.parse(t.at) <= Date.parse(now))) return { type: 'followup_remind' }
  if (deadlinesToWarn(c, now).length) return { type: 'shop_deadline_warn' }
  if (c.sla.stoppedAt || c.sla.pausedAt) return null
  const rep = slaState(c, now, policy)
  if (rep.state === 'breached' && !c.sla.breachedAt) return { type: 'sla_breach' }
  if (targetToWarn(c.sla, now, policy)) return { type: 'sla_warn' }
  return null
}

/**
 * One scheduler pass (CloudBase timer trigger every minute; the local gateway runs it too): reads
 * only what is due through the store's due index and applies the timer command each case needs —
 * buyer-side expiries, SLA warnings and breaches (escalation + supervisor alert), closing resolved
 * cases, the agent's follow-up visit reminder; then the logistics watch over unsigned orders and the
 * sweep of uploads never attached to a case. Safe when two passes overlap: every action is a compare-and-set on the case version, so
 * each happens once and the loser moves on. The due steps of a case are applied in memory and
 * saved once; a store with `saveCases` writes them in batches (one transaction per batch).
 */
/** The day the missing-calendar warning was last logged (once a day per instance is enough). */
let calendarWarnedOn = ''

export async function runScheduler(deps: Deps, opts: { limit?: number; budgetMs?: number } = {}): Promise<SchedulerStats> {
  // stop on a time budget below the function's timeout: what is left stays due and the next pass resumes it
  const until = Date.now() + (opts.budgetMs ?? Number.POSITIVE_INFINITY)
  const now = deps.now()
  const warning = calendarLogWarning(now)
  if (warning && calendarWarnedOn !== now.slice(0, 10)) {
    calendarWarnedOn = now.slice(0, 10)
    deps.log(`scheduler: ${warning}`)
  }
  // the opening reads at once where the store can (one round trip on CloudBase; the policy head rides along), else side by side
  const opening = deps.store.schedulerReads ? await deps.store.schedulerReads(now, opts.limit ?? 200, OUTREACHES_PER_PASS) : null
  // the policy is read once per pass and handed to the sub-passes; the due reads need only the time
  const [live, timed, tasks] = opening
    ? [await livePolicy(deps), opening.due, opening.tasks]
    : await Promise.all([livePolicy(deps), deps.store.dueCases(now, opts.limit ?? 200), deps.store.dueTaskCases(now, opts.limit ?? 200)])
  const { policy } = live
  const due = [...timed, ...tasks.filter((t) => !timed.some((c) => c.id === t.id))]
  const stats: SchedulerStats = { examined: due.length, acted: 0, raced: 0, byCommand: {}, logistics: { examined: 0, opened: 0, skipped: 0 }, swept: 0 }
  // Every due step of a case is applied in memory, then the case is saved once; a store that
  // writes many cases at once (CloudBase: one transaction) gets them in batches.
  const pendingWrites: Array<{ next: Case; expectedVersion: number; outbox: ReturnType<typeof outboxOf>; commands: string[] }> = []
  const flush = async () => {
    const batch = pendingWrites.splice(0)
    if (!batch.length) return
    const count = (b: (typeof batch)[number]) => {
      stats.acted += b.commands.length
      for (const t of b.commands) stats.byCommand[t] = (stats.byCommand[t] ?? 0) + 1
    }
    if (deps.store.saveCases) {
      const { raced } = await deps.store.saveCases(batch.map(({ next, expectedVersion, outbox }) => ({ next, expectedVersion, outbox })))
      stats.raced += raced.length
      for (const b of batch) if (!raced.includes(b.next.id)) count(b)
      return
    }
    for (const b of batch) {
      try {
        await deps.store.saveCase(b.next, b.expectedVersion, b.outbox)
        count(b)
      } catch (e) {
        if (!(e instanceof StoreConflict)) throw e
        stats.raced++ // lost to another scheduler or a person: their write stands
      }
    }
  }
  for (const c of due) {
    if (Date.now() > until) {
      stats.stoppedEarly = true
      break
    }
    // A case may need more than one thing (warning then breach): apply until nothing is due.
    let cur = c
    const commands: string[] = []
    const outbox: ReturnType<typeof outboxOf> = []
    for (let step = 0; step < 4; step++) {
      const command = dueCommand(cur, now, policy)
      if (!command) break
      const res = decide(cur, command, { now, policy, newId: deps.newId, actor: { kind: 'system', id: 'scheduler' } })
      if (!res.ok) {
        deps.log(`scheduler: ${command.type} refused on ${cur.id}: ${res.error.message}`)
        break
      }
      commands.push(command.type)
      outbox.push(...outboxOf(res.value.events))
      cur = res.value.case
    }
    if (commands.length) pendingWrites.push({ next: cur, expectedVersion: c.version, outbox, commands })
    if (pendingWrites.length >= SAVE_BATCH) await flush()
  }
  await flush()
  if (!stats.stoppedEarly) {
    // independent of each other: run side by side (the pass waits for the slowest, not the sum)
    const [logistics, swept, , outreaches, care] = await Promise.all([
      watchLogistics(deps, { limit: opts.limit ?? 200, live }),
      deps.media.sweep(new Date(Date.parse(now) - UNATTACHED_MEDIA_TTL_MS).toISOString(), opts.limit ?? 200),
      // the push endpoint's remembered nonces, once their window has passed (none expired: nothing to purge)
      opening && !opening.noncesExpired ? 0 : deps.store.purgePushNonces(now, 1_000),
      continueOutreaches(deps, { budgetMs: Math.max(0, Math.min(10_000, until - Date.now())), ...(opening ? { running: opening.running } : {}) }),
      runDeliveryCare(deps, { limit: opts.limit ?? 200, live }),
    ])
    Object.assign(stats, { logistics, swept, outreaches, care })
  }
  if (deps.shop && !stats.stoppedEarly) stats.shop = await shopPass(deps)
  return stats
}

/**
 * The shop's orders, then its after-sales (pushes are not guaranteed: this pass finds what a lost
 * push missed). A shop that cannot be reached fails this part only; the cursors stay where they
 * were and the next pass reads the same windows.
 */
async function shopPass(deps: Deps): Promise<NonNullable<SchedulerStats['shop']>> {
  const out: NonNullable<SchedulerStats['shop']> = { orders: null, afterSales: null, error: null }
  try {
    out.orders = await syncShopOrders(deps)
    out.afterSales = await pollAfterSales(deps)
    // disputes and tickets on their own: a shop without the 客诉工单 permission must not fail the pass
    out.disputes = await pollDisputes(deps).catch((e) => (deps.log('scheduler: dispute poll failed', e), null))
    out.tickets = await pollTickets(deps).catch((e) => (deps.log('scheduler: ticket poll failed', e), null))
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e)
    deps.log('scheduler: shop pass failed', e)
  }
  return out
}
