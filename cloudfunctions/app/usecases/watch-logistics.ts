import type { Deps } from '../deps'
import { livePolicy, outboxOf, roster } from '../shared'
import { openCase, proactiveLogisticsCase } from '../../core'
import { localDate, toMs } from '../../core/tz'
import { pastCases } from './submit-case'
import { buyerProfileFor, profileOf } from './buyer-profile'

const DAY = 86_400_000

export interface LogisticsWatchStats {
  examined: number
  /** logistics cases this pass opened */
  opened: number
  /** an open case already covers the order, or another scheduler opened it first */
  skipped: number
}

/**
 * Logistics watch (seeds 002/003 proactive care): orders shipped more than the policy's N days ago
 * and still not signed get a logistics case opened by the system, which tells the buyer we are on it.
 * Reads only candidates through the store's watch index. Two overlapping passes open one case per
 * order: the case is created under the idempotency key `logistics-watch:<orderId>`.
 */
export async function watchLogistics(deps: Deps, opts: { limit?: number; live?: Awaited<ReturnType<typeof livePolicy>> } = {}): Promise<LogisticsWatchStats> {
  const now = deps.now()
  const { policy, version } = opts.live ?? (await livePolicy(deps))
  const cutoff = new Date(toMs(now) - policy.limits.unsignedAfterShipDays * DAY).toISOString()
  const orders = await deps.store.unsignedOrders(cutoff, opts.limit ?? 100)
  const stats: LogisticsWatchStats = { examined: orders.length, opened: 0, skipped: 0 }
  if (!orders.length) return stats
  const staff = await roster(deps)
  for (const rec of orders) {
    const input = proactiveLogisticsCase(rec.order, now, policy)
    const openid = rec.order.buyerOpenid
    const history = input ? await pastCases(deps, rec.order.orderId) : []
    // any after-sales on this order that was not withdrawn means the buyer and the shop are already in touch
    const covered = history.some((h) => h.status !== 'cancelled')
    if (input && !covered) {
      // the same history, risk flag and trust as a mini-program case, across the buyer's ids
      const [buyer, caseNo] = await Promise.all([
        buyerProfileFor(deps, openid, now, policy, { unionid: rec.order.buyerUnionid, shopOpenid: rec.order.shopOpenid }),
        deps.store.nextCaseNo(localDate(toMs(now), policy.calendar.timezone)),
      ])
      const opened = openCase(
        {
          ...input,
          caseId: deps.newId(),
          caseNo,
          history,
          buyerProfile: profileOf(buyer),
        },
        { now, policy, newId: deps.newId, roster: staff, actor: { kind: 'system', id: 'logistics-watch' } },
      )
      if (opened.ok) {
        const res = await deps.store.createCase(opened.value.case, outboxOf(opened.value.events), { scope: 'logistics-watch', key: rec.order.orderId })
        if (res.created) stats.opened++
        else stats.skipped++
      } else {
        deps.log(`logistics watch: could not open a case for ${rec.order.orderId} (policy v${version}): ${opened.error.message}`)
        stats.skipped++
      }
    } else stats.skipped++
    await deps.store.markOrderWatched(rec.order.orderId, now)
  }
  return stats
}
