import type { CaseCommand } from '@contract/domain'
import { aftersaleInputs, BUYER_COMMANDS, type AftersaleAction } from '@contract/actions'
import type { Deps } from './deps'
import { action, makeFunction, type ActionDef, type Caller } from './function'
import { submitCase } from './usecases/submit-case'
import { applyCommand } from './usecases/apply-command'
import { getCase, listMyCases } from './usecases/read-cases'
import { checkOrderEligibility, listMyOrders } from './usecases/orders'
import { publicPolicy } from './usecases/manage-policy'
import { recordSubscriptions } from './usecases/record-subscriptions'
import { replyToCare } from './usecases/delivery-care'

const I = aftersaleInputs

/** Turns `{ caseId, ...fields }` of a command action back into the core's command. */
export function commandAction(type: string, schema: (typeof I)[keyof typeof I] | ActionDef['input'], roles?: ActionDef['roles']) {
  return action({
    input: schema,
    roles,
    run: (deps, caller: Caller, input: { caseId: string } & Record<string, unknown>, idempotencyKey?: string) => {
      const { caseId, ...rest } = input
      return applyCommand(deps, caller, caseId, { ...rest, type } as CaseCommand, idempotencyKey)
    },
  })
}

/** The buyer's function: every action acts on the caller's own orders and cases only. */
export const aftersaleActions: Record<AftersaleAction, ActionDef> = {
  whoami: action({ input: I.whoami, run: async (_d, c) => ({ openid: c.openid, role: 'buyer' }) }),
  list_orders: action({ input: I.list_orders, run: (d, c, i) => listMyOrders(d, c.openid, i.limit, c.kind === 'buyer' ? c.unionid : undefined) }),
  check_eligibility: action({ input: I.check_eligibility, run: (d, c, i) => checkOrderEligibility(d, c.openid, i.orderId, i.claimedItems, i.reason) }),
  submit: action({ input: I.submit, run: (d, c, i, key) => submitCase(d, c.openid, i, key, c.kind === 'buyer' && c.unionid ? { unionid: c.unionid } : {}) }),
  list_cases: action({ input: I.list_cases, run: (d, c, i) => listMyCases(d, c.openid, i.cursor, i.limit) }),
  get_case: action({ input: I.get_case, run: (d, c, i) => getCase(d, c, i.caseId) }),
  record_subscriptions: action({ input: I.record_subscriptions, run: (d, c, i) => recordSubscriptions(d, c.openid, i.results) }),
  get_policy: action({ input: I.get_policy, run: (d) => publicPolicy(d) }),
  care_reply: action({ input: I.care_reply, run: (d, c, i) => replyToCare(d, c.openid, i, c.kind === 'buyer' ? c.unionid : undefined) }),
  ...(Object.fromEntries(BUYER_COMMANDS.map((t) => [t, commandAction(t, I[t])])) as Record<(typeof BUYER_COMMANDS)[number], ActionDef>),
}

export const aftersaleFunction = (deps: Deps) => makeFunction('buyer', aftersaleActions, deps)
