import type { Actor, BuyerProfile, StaffMember } from '@contract/domain'
import type { Policy } from '@contract/policy'

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
   * Refunds + compensation already committed on the OTHER cases of this case's order (the
   * store's per-order ledger): what a case may still pay is the order's paid amount minus all of it.
   */
  orderCommittedFen?: number
}
