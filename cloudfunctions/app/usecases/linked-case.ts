import type { Deps } from '../deps'
import type { Caller } from '../function'
import { loadCaseFor } from '../shared'
import { submitCase } from './submit-case'

/**
 * Opens a new case linked to `caseId` for the same buyer, order and items (回访 not satisfied, a
 * 差评 remedy), so the new offer goes through the normal flow: routing, offers, approvals. One per
 * parent and purpose (the idempotency key), under the buyer's own rules (eligibility, limits).
 */
export async function openLinkedCase(deps: Deps, caller: Caller, caseId: string, purpose: 'visit' | 'review', note: string) {
  const parent = await loadCaseFor(deps, caller, caseId)
  const why = purpose === 'visit' ? '回访买家不满意' : '差评补救'
  const res = await submitCase(
    deps,
    parent.buyerOpenid,
    {
      orderId: parent.order.orderId,
      claimedItems: parent.claimedItems,
      type: parent.type,
      reason: parent.reason,
      description: `${why}（原售后单 ${parent.caseNo}）${note ? `：${note}` : ''}`.slice(0, 1000),
      evidence: [],
      desiredRemedy: 'contact_me',
      facts: {},
    },
    `linked-${purpose}-${parent.id}`,
    { linkedFrom: parent.id, unionid: parent.order.buyerUnionid },
  )
  return { caseId: res.case.id, caseNo: res.case.caseNo, created: res.created }
}
