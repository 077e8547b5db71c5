import type { LinkedCaseView, Page } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { BuyerCaseSummary } from '@contract/buyer-view'
import type { Deps } from '../deps'
import type { Caller } from '../function'
import { actorOf, livePolicy, loadCaseFor, otherCasesLedger } from '../shared'
import type { CaseLine, QueueFilter, Store } from '../../ports/store'
import { buyerView, caseLine, lineBuyerSummary, staffView, summary } from '../views'
import { buyerProfileFor } from './buyer-profile'

/** The buyer's own cases, newest first, keyset-paged. */
export async function listMyCases(deps: Deps, openid: string, cursor: string | null | undefined, limit: number): Promise<Page<BuyerCaseSummary>> {
  const page = await listCaseLines(deps, { buyerOpenid: openid }, { limit, cursor: cursor ?? null })
  return { items: page.items.map(lineBuyerSummary), next: page.next }
}

/** A page of listCases as list lines: the store's own when it keeps them (no whole documents read), else derived here. */
export async function listCaseLines(deps: Deps, filter: QueueFilter, page: Parameters<Store['listCases']>[1]): Promise<Page<CaseLine>> {
  if (deps.store.listCaseLines) return deps.store.listCaseLines(filter, page)
  const cases = await deps.store.listCases(filter, page)
  return { items: cases.items.map(caseLine), next: cases.next }
}

/** One case as the caller may see it (buyers: only their own, without internal notes). */
export async function getCase(deps: Deps, caller: Caller, caseId: string) {
  const [c, { policy }] = await Promise.all([loadCaseFor(deps, caller, caseId), livePolicy(deps)])
  const now = deps.now()
  if (caller.kind === 'buyer') return buyerView(c, now, policy)
  const [past, buyer, guard, linkedCases] = await Promise.all([
    deps.store.listCases({ buyerOpenid: c.buyerOpenid }, { limit: 20 }),
    buyerProfileFor(deps, c.buyerOpenid, now, policy, { unionid: c.order.buyerUnionid, shopOpenid: c.order.shopOpenid }),
    deps.store.getOrderGuard(c.order.orderId),
    linkedCasesOf(deps, c),
  ])
  const view = staffView(c, now, policy, actorOf(caller), otherCasesLedger(guard, c.id))
  return {
    ...view,
    // what this case may still refund: the money guard's answer (items, order, incident)
    refundableFen: view.money?.refundMaxFen ?? 0,
    buyerHistory: {
      pastCases: past.items.filter((p) => p.id !== c.id).map((p) => summary(p, now, policy)),
      refundCount90d: buyer.refundCount90d,
      dedicatedRepId: buyer.dedicatedRepId,
      // today's standing (the case's own flag is what it was opened with)
      trusted: buyer.trusted,
      trustSource: buyer.trustSource,
      trustRule: buyer.rule,
      trustHistory: buyer.trustHistory,
      // what they asked for in a 回访 (any of their cases): the next agent reads it here
      preferences: buyer.preferences,
    },
    linkedCases,
  }
}

/** The cases linked to `c` (its 回访's, its 差评 remedy's, the one it was opened from), with their numbers. */
async function linkedCasesOf(deps: Deps, c: Case): Promise<LinkedCaseView[]> {
  const wanted: Array<[string | null | undefined, LinkedCaseView['purpose']]> = [
    [c.followUp?.linkedCaseId, 'visit'],
    [c.reviewFollowUp?.remedy?.caseId, 'review'],
    [c.linkedFromCaseId, 'parent'],
  ]
  const found = await Promise.all(wanted.map(async ([id, purpose]) => (id ? { purpose, c: await deps.store.getCase(id) } : null)))
  return found.flatMap((x) => (x?.c ? [{ id: x.c.id, caseNo: x.c.caseNo, status: x.c.status, purpose: x.purpose }] : []))
}
