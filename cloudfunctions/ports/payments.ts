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
}
