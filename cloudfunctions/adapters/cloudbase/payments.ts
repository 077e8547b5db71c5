import type { OrderSnapshot } from '@contract/domain'
import type { PaymentPort, RefundOutcome, RefundRequest } from '../../ports/payments'
import type { Store } from '../../ports/store'

/**
 * The payment port on CloudBase (issue 12 §6): no refund is ever "recorded" without money moving.
 * - A Channels shop order refunds only through the platform: a shop after-sale's refund is the
 *   platform's `acceptapply` (a platform call, not this port), and the desk's own money on a shop
 *   order is a 退差价 (refundpricediff, outbox `shop_call`) — neither reaches this port; full
 *   refunds and returns are the buyer's after-sale in WeChat.
 * - Orders from other channels (CSV) have no payment API behind the desk: the refund is refused
 *   here with the instruction to refund by hand; the case goes back to the agent flagged
 *   "退款失败" with that reason, and the agent records the manual refund with its evidence.
 * The local demo keeps `LocalPayments` (a refund row, no money).
 */
export class NoSilentRefunds implements PaymentPort {
  constructor(private readonly store: Pick<Store, 'getOrder'>) {}

  async refund(r: RefundRequest): Promise<RefundOutcome> {
    const order = await this.store.getOrder(r.orderId)
    return refusal(order?.order.source)
  }

  /** The refusal needs nothing but the order's source: decided with the case's own write. */
  inWrite(_r: RefundRequest, order: OrderSnapshot): RefundOutcome {
    return refusal(order.source)
  }
}

function refusal(source: OrderSnapshot['source']): RefundOutcome {
  if (source === 'channels') return { ok: false, reason: '视频号小店订单的退款只能由平台处理：请引导买家在微信订单页申请售后' }
  return { ok: false, reason: '该订单没有可用的退款通道：请线下退款后在售后单上登记退款凭证' }
}
