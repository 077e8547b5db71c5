import type { Page } from '@contract/actions'
import type { BuyerCaseSummary } from '@contract/buyer-view'
import type { Deps } from '../deps'
import type { Caller } from '../function'
import { actorOf, livePolicy, loadCaseFor, otherCasesFen } from '../shared'
import { remainingFen } from '../../core'
import { buyerSummary, buyerView, staffView, summary } from '../views'
import { buyerProfileFor } from './buyer-profile'

/** The buyer's own cases, newest first, keyset-paged. */
export async function listMyCases(deps: Deps, openid: string, cursor: string | null | undefined, limit: number): Promise<Page<BuyerCaseSummary>> {
  const page = await deps.store.listCases({ buyerOpenid: openid }, { limit, cursor: cursor ?? null })
  return { items: page.items.map(buyerSummary), next: page.next }
}

/** One case as the caller may see it (buyers: only their own, without internal notes). */
export async function getCase(deps: Deps, caller: Caller, caseId: string) {
  const [c, { policy }] = await Promise.all([loadCaseFor(deps, caller, caseId), livePolicy(deps)])
  const now = deps.now()
  if (caller.kind === 'buyer') return buyerView(c, now, policy)
  const [past, buyer, guard] = await Promise.all([
    deps.store.listCases({ buyerOpenid: c.buyerOpenid }, { limit: 20 }),
    buyerProfileFor(deps, c.buyerOpenid, now, policy, { unionid: c.order.buyerUnionid, shopOpenid: c.order.shopOpenid }),
    deps.store.getOrderGuard(c.order.orderId),
  ])
  return {
    ...staffView(c, now, policy, actorOf(caller), otherCasesFen(guard, c.id)),
    // what this case may still pay back: the ORDER's paid amount minus every case's refunds
    refundableFen: remainingFen(c, otherCasesFen(guard, c.id)),
    buyerHistory: {
      pastCases: past.items.filter((p) => p.id !== c.id).map((p) => summary(p, now, policy)),
      refundCount90d: buyer.refundCount90d,
      dedicatedRepId: buyer.dedicatedRepId,
      // today's standing (the case's own flag is what it was opened with)
      trusted: buyer.trusted,
      trustSource: buyer.trustSource,
      trustRule: buyer.rule,
      trustHistory: buyer.trustHistory,
    },
  }
}
