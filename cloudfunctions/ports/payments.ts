import type { OrderSnapshot } from '@contract/domain'
/** Refunds go through this port; idempotent by refund key, never above what is refundable. */
export interface RefundRequest {
  key: string
  caseId: string
  orderId: string
  amountFen: number
  /** what the order allows in total (paid amount) */
  paidFen: number
}
export type RefundOutcome = { ok: true; duplicate: boolean } | { ok: false; reason: string }
export interface PaymentPort {
  refund(r: RefundRequest): Promise<RefundOutcome>
  /**
   * A port that answers a refund at once from the order alone — the local ledger (its refund is
   * nothing but its record, which the use case writes with the case's own write: `saveCase`
   * opts.refunds) or a port that has no channel for the order and refuses — so the outcome is
   * decided on the case before the write: one write instead of a write, a payment and a second
   * write. The store's order guard holds the cap inside that write. Ports that move money leave
   * it out.
   */
  inWrite?(r: RefundRequest, order: OrderSnapshot): RefundOutcome
}
