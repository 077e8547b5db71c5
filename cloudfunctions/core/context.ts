import type { Actor, BuyerProfile, StaffMember } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { OrderLedger } from './money-guard'

/** Everything impure comes in here: the clock, ids, the policy, the roster. */
export interface CoreContext {
  /** ISO-8601 UTC "now" */
  now: string
  actor: Actor
  policy: Policy
  /** fresh unique id (offers, timeline entries, replacement legs) */
  newId(): string
  roster?: StaffMember[]
  buyerProfile?: BuyerProfile
  /**
   * What the OTHER cases of this case's order committed — in total, per SKU, per incident (the
   * store's per-order ledger): the money guard (money-guard.ts) caps this case by it.
   */
  orderLedger?: OrderLedger
}
