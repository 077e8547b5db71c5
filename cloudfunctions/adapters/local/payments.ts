import type { PaymentPort, RefundOutcome, RefundRequest } from '../../ports/payments'
import type { Store } from '../../ports/store'

/**
 * Local payment adapter: records refunds in the store. Idempotent by refund key (a retry of the
 * same key is a success, never a second payment) and never above what is refundable.
 */
export class LocalPayments implements PaymentPort {
  constructor(
    private store: Store,
    private now: () => string,
  ) {}

  // Refunds of one order are serialised (the gateway is one process) so the cap check and the
  // record cannot interleave between two cases of the same order.
  private locks = new Map<string, Promise<unknown>>()

  refund(r: RefundRequest): Promise<RefundOutcome> {
    const prev = this.locks.get(r.orderId) ?? Promise.resolve()
    const next = prev.then(() => this.refundNow(r))
    const tail = next.catch(() => undefined)
    this.locks.set(r.orderId, tail)
    void tail.then(() => {
      if (this.locks.get(r.orderId) === tail) this.locks.delete(r.orderId)
    })
    return next
  }

  /** The record is written with the case (the order guard caps it there): see PaymentPort.inWrite. */
  inWrite(r: RefundRequest): RefundOutcome {
    return validAmount(r) ? { ok: true, duplicate: false } : { ok: false, reason: '退款金额无效' }
  }

  private async refundNow(r: RefundRequest): Promise<RefundOutcome> {
    if (!validAmount(r)) return { ok: false, reason: '退款金额无效' }
    if (await this.store.getRefund(r.key)) return { ok: true, duplicate: true }
    const already = await this.store.refundedForOrder(r.orderId)
    if (already + r.amountFen > r.paidFen) {
      return { ok: false, reason: `退款总额不能超过实付金额（已退 ${(already / 100).toFixed(2)} 元）` }
    }
    const res = await this.store.recordRefund({ key: r.key, caseId: r.caseId, orderId: r.orderId, amountFen: r.amountFen, createdAt: this.now() })
    return { ok: true, duplicate: !res.created }
  }
}

const validAmount = (r: RefundRequest) => Number.isInteger(r.amountFen) && r.amountFen > 0
