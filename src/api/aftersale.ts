import type { z } from 'zod'
import type { AftersaleOutputs, BuyerCommand, SubmitInput, SubscriptionResultSchema } from '@contract/actions'
import type { BuyerCaseView as CaseView } from '@contract/buyer-view'
import type { ClaimedItem, Evidence, ReasonCode } from '@contract/domain'
import { call } from './client'

/**
 * Typed wrappers over the buyer function `aftersale`. Pages call these and render what comes back.
 */

/** Inputs of the buyer commands, without the case reference that `command()` adds. */
export interface CommandData {
  cancel: { text?: string }
  provide_info: { text: string; evidence?: Evidence[] }
  accept_offer: { offerId: string }
  decline_offer: { offerId?: string; text?: string }
  ship_return: { carrier: string; trackingNo: string }
  confirm_receipt: Record<string, never>
  rate: { score: number; comment?: string }
  appeal: { text: string; evidence?: Evidence[] }
}

export type SubscriptionResult = z.input<typeof SubscriptionResultSchema>['results'][number]

function isCaseView(x: unknown): x is CaseView {
  return !!x && typeof x === 'object' && Array.isArray((x as CaseView).timeline) && Array.isArray((x as CaseView).actions)
}

export const api = {
  whoami: () => call<AftersaleOutputs['whoami']>('aftersale', 'whoami', {}),
  listOrders: (limit = 50) => call<AftersaleOutputs['list_orders']>('aftersale', 'list_orders', { limit }),
  checkEligibility: (orderId: string, claimedItems: ClaimedItem[], reason: ReasonCode) =>
    call<AftersaleOutputs['check_eligibility']>('aftersale', 'check_eligibility', { orderId, claimedItems, reason }),
  submit: (input: SubmitInput, idempotencyKey: string) =>
    call<AftersaleOutputs['submit']>('aftersale', 'submit', input, idempotencyKey),
  listCases: (cursor: string | null = null, limit = 20) =>
    call<AftersaleOutputs['list_cases']>('aftersale', 'list_cases', { cursor, limit }),
  getCase: (caseId: string) => call<AftersaleOutputs['get_case']>('aftersale', 'get_case', { caseId }),
  recordSubscriptions: (results: SubscriptionResult[]) =>
    call<AftersaleOutputs['record_subscriptions']>('aftersale', 'record_subscriptions', { results }),
  getPolicy: () => call<AftersaleOutputs['get_policy']>('aftersale', 'get_policy', {}),

  /**
   * Issue a buyer command on a case (compare-and-set on `expectedVersion`). Answers the case as it
   * is now: the function's answer when it is a case view (or `{ case }`), else a fresh get_case.
   */
  async command<C extends BuyerCommand>(
    type: C,
    caseId: string,
    data: CommandData[C],
    opts: { expectedVersion?: number; idempotencyKey?: string } = {},
  ): Promise<CaseView> {
    const answer = await call<unknown>(
      'aftersale',
      type,
      { caseId, expectedVersion: opts.expectedVersion, ...data },
      opts.idempotencyKey,
    )
    if (isCaseView(answer)) return answer
    const wrapped = answer && typeof answer === 'object' ? (answer as { case?: unknown }).case : undefined
    if (isCaseView(wrapped)) return wrapped
    return api.getCase(caseId)
  },
}
