import type { StaffRecord } from '../../ports/store'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy } from '../shared'
import { buyerProfileFor } from './buyer-profile'

/**
 * A supervisor's / owner's trust decision on a buyer (老客户: an exchange ships before the return
 * arrives): `trusted` true or false whatever the policy's rule says, null = back to the rule.
 * Recorded with who, when and why in the buyer's history in one atomic write; it applies to cases
 * opened from now on (a case keeps the flag it was opened with). Roles are checked by the function.
 */
export async function setBuyerTrust(deps: Deps, me: StaffRecord, buyerOpenid: string, trusted: boolean | null, reason: string) {
  if (me.role === 'agent') throw new AppError('FORBIDDEN', '只有主管或店主可以设定老客户')
  const [known, orders] = await Promise.all([deps.store.getBuyer(buyerOpenid), deps.store.listOrdersByBuyer(buyerOpenid, 1)])
  // a typo must not create a record for nobody
  if (!known && orders.length === 0) throw new AppError('NOT_FOUND', '没有找到这个买家')
  const now = deps.now()
  await deps.store.setBuyerTrust(buyerOpenid, { at: now, by: me.id, byName: me.name, trusted, reason })
  const { policy } = await livePolicy(deps)
  const s = await buyerProfileFor(deps, buyerOpenid, now, policy)
  return { openid: buyerOpenid, trusted: s.trusted, trustSource: s.trustSource, trustHistory: s.trustHistory }
}
