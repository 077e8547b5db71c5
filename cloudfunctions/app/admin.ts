import { adminInputs, STAFF_COMMANDS, type AdminAction } from '@contract/actions'
import type { StaffRole } from '@contract/domain'
import type { Deps } from './deps'
import { action, makeFunction, type ActionDef, type Caller } from './function'
import { commandAction } from './aftersale'
import { getCase } from './usecases/read-cases'
import { queueCases } from './usecases/queue-cases'
import { listStaff, searchBuyers, setDedicatedRep, setDuty, upsertStaff } from './usecases/manage-staff'
import { getPolicy, policyHistory, updatePolicy } from './usecases/manage-policy'
import { cancelWhatIf, previewPolicy } from './usecases/policy-what-if'
import { analytics } from './usecases/analytics'
import { exportCases } from './usecases/export-cases'
import { shopOptions } from './usecases/shop-options'
import { listInbox, markInboxRead, recordStaffSubscriptions } from './usecases/staff-inbox'
import { openLinkedCase } from './usecases/linked-case'
import { setBuyerTrust } from './usecases/buyer-trust'

const I = adminInputs
const ANY: readonly StaffRole[] = ['agent', 'supervisor', 'owner']
const LEADS: readonly StaffRole[] = ['supervisor', 'owner']
const OWNER: readonly StaffRole[] = ['owner']

const staffOf = (c: Caller) => {
  if (c.kind !== 'staff') throw new Error('admin actions need a staff caller')
  return c.staff
}

/** The seller staff's function. Roles are enforced here and in the core (approval threshold). */
export const adminActions: Record<AdminAction, ActionDef> = {
  whoami: action({ input: I.whoami, roles: ANY, run: async (_d, c) => ({ openid: c.openid, role: staffOf(c).role, name: staffOf(c).name, teams: staffOf(c).teams }) }),
  queue: action({ input: I.queue, roles: ANY, run: (d, c, i) => queueCases(d, staffOf(c), i) }),
  get_case: action({ input: I.get_case, roles: ANY, run: (d, c, i) => getCase(d, c, i.caseId) }),
  list_staff: action({ input: I.list_staff, roles: ANY, run: (d) => listStaff(d) }),
  upsert_staff: action({ input: I.upsert_staff, roles: LEADS, run: (d, c, i) => upsertStaff(d, staffOf(c), i) }),
  set_duty: action({ input: I.set_duty, roles: ANY, run: (d, c, i) => setDuty(d, staffOf(c), i.id, i.onDuty, i.takesCases) }),
  set_dedicated_rep: action({ input: I.set_dedicated_rep, roles: LEADS, run: (d, c, i) => setDedicatedRep(d, staffOf(c), i.buyerOpenid, i.repId, i.trusted) }),
  // trust decides whether an exchange ships before the return: supervisors and owners only, with a reason
  set_buyer_trust: action({ input: I.set_buyer_trust, roles: LEADS, run: (d, c, i) => setBuyerTrust(d, staffOf(c), i.buyerOpenid, i.trusted, i.reason) }),
  // the picker for dedicated reps (names and phone tails of buyers: the leads who assign them)
  search_buyers: action({ input: I.search_buyers, roles: LEADS, run: (d, _c, i) => searchBuyers(d, i.q) }),
  get_policy: action({ input: I.get_policy, roles: ANY, run: (d) => getPolicy(d) }),
  update_policy: action({ input: I.update_policy, roles: OWNER, run: (d, c, i) => updatePolicy(d, c.openid, i.expectedVersion, i.policy, i.preview, i.rulesPreview) }),
  list_policy_versions: action({ input: I.list_policy_versions, roles: LEADS, run: (d) => policyHistory(d) }),
  // the what-if reads every case of the range: the owner's tool, like saving
  preview_policy: action({ input: I.preview_policy, roles: OWNER, run: (d, _c, i) => previewPolicy(d, i) }),
  cancel_preview: action({ input: I.cancel_preview, roles: OWNER, run: (d) => cancelWhatIf(d) }),
  // analytics and the bulk case export (buyer ids, orders, money) are for supervisors and owners
  analytics: action({ input: I.analytics, roles: LEADS, run: (d, _c, i) => analytics(d, i) }),
  export_cases: action({ input: I.export_cases, roles: LEADS, run: (d, _c, i) => exportCases(d, i) }),
  shop_options: action({ input: I.shop_options, roles: ANY, run: (d) => shopOptions(d) }),
  // each staff member's own inbox and push subscription (issue 15)
  inbox: action({ input: I.inbox, roles: ANY, run: (d, c, i) => listInbox(d, staffOf(c), i) }),
  mark_inbox_read: action({ input: I.mark_inbox_read, roles: ANY, run: (d, c, i) => markInboxRead(d, staffOf(c), i) }),
  open_linked_case: action({ input: I.open_linked_case, roles: ANY, run: (d, c, i) => openLinkedCase(d, c, i.caseId, i.purpose, i.note) }),
  record_staff_subscriptions: action({ input: I.record_staff_subscriptions, roles: ANY, run: (d, c, i) => recordStaffSubscriptions(d, staffOf(c), i.results) }),
  ...(Object.fromEntries(STAFF_COMMANDS.map((t) => [t, commandAction(t, I[t], ANY)])) as Record<(typeof STAFF_COMMANDS)[number], ActionDef>),
}

export const adminFunction = (deps: Deps) => makeFunction('staff', adminActions, deps)
