import { Button, Text, View } from '@tarojs/components'
import type { BuyerOffer as Offer } from '@contract/buyer-view'
import { SHIPPING_PAYER_BUYER, type OrderItem } from '@contract/domain'
import { formatYuan } from '../utils/money'
import { OFFER_KIND_LABELS } from '../utils/labels'

const OFFER_STATUS_TEXT: Partial<Record<Offer['status'], string>> = {
  accepted: '已接受',
  declined: '已拒绝',
  expired: '已过期',
  withdrawn: '已撤回',
}

/** What the offer's items are to the buyer: goods to send back, or goods the shop sends out. */
const ITEMS_LABEL: Partial<Record<Offer['kind'], string>> = {
  return_refund: '需寄回',
  exchange: '寄回换新',
  resend: '补发',
}

/** One remedy offered to the buyer: the engine's explanation, the amounts in 元, what happens to the goods. */
export function OfferCard({
  offer,
  orderItems,
  canAccept,
  busy,
  onAccept,
}: {
  offer: Offer
  orderItems: OrderItem[]
  canAccept: boolean
  busy?: boolean
  onAccept?: (offer: Offer) => void
}) {
  const nameOf = (sku: string) => orderItems.find((i) => i.skuId === sku)?.name ?? sku
  const returns = offer.kind === 'return_refund' || offer.kind === 'exchange' || offer.pickup
  return (
    <View className="offer" id={`offer-${offer.id}`}>
      <View className="row">
        <Text className="offer__title">{OFFER_KIND_LABELS[offer.kind]}</Text>
        {OFFER_STATUS_TEXT[offer.status] ? <Text className="muted">{OFFER_STATUS_TEXT[offer.status]}</Text> : null}
      </View>
      {/* each offer stands on its own (the list says 任选其一); older offers were written with a leading "或者：" */}
      <Text className="offer__why">{offer.explanation.replace(/^或者[：:，,]\s*/, '')}</Text>
      {offer.refundFen > 0 ? (
        <Text className="offer__line">
          退款 <Text className="amount">{formatYuan(offer.refundFen)}</Text>
        </Text>
      ) : null}
      {offer.compensationFen > 0 ? (
        <Text className="offer__line">
          补偿 <Text className="amount">{formatYuan(offer.compensationFen)}</Text>
        </Text>
      ) : null}
      {offer.couponFen > 0 ? <Text className="offer__line">优惠券 {formatYuan(offer.couponFen)}</Text> : null}
      {offer.giftValueFen > 0 ? <Text className="offer__line">附赠小礼物（价值 {formatYuan(offer.giftValueFen)}）</Text> : null}
      {offer.items.length > 0 ? (
        <Text className="offer__line">
          {ITEMS_LABEL[offer.kind] ?? '商品'}：{offer.items.map((i) => `${nameOf(i.skuId)} ×${i.qty}`).join('、')}
        </Text>
      ) : null}
      {offer.pickup ? <Text className="offer__line">商家安排快递上门取件</Text> : null}
      {returns ? <Text className="offer__line muted">{`退回运费由${SHIPPING_PAYER_BUYER[offer.shippingPaidBy]}承担`}</Text> : null}
      {canAccept && offer.status === 'offered' ? (
        <Button
          id={`accept-${offer.id}`}
          className="btn btn--primary btn--small btn--block"
          disabled={busy || undefined}
          onClick={() => onAccept?.(offer)}
        >
          接受此方案
        </Button>
      ) : null}
    </View>
  )
}
