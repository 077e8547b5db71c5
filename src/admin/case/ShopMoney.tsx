import { Text, View } from '@tarojs/components'
import type { CaseView } from '@contract/actions'
import { yuan } from '../format'

type Refund = CaseView['refunds'][number]
type Leg = CaseView['replacementShipments'][number]

/**
 * A refund the Channels shop pays (退差价): where it stands on the platform. The refund is only
 * 已到账 once the platform's after-sale reports the money moved.
 */
export function refundStatusText(r: Refund): string {
  if (r.status === 'failed') return `失败：${r.failureReason ?? ''}`
  if (r.status === 'succeeded') return r.shop ? '平台已退款，已到账' : '已到账'
  if (!r.shop) return '处理中'
  return r.shop.afterSaleOrderId ? `平台退款中（平台售后单 ${r.shop.afterSaleOrderId}）` : '等待平台受理退差价'
}

/** A resend registered with the shop (补发货). */
export function legShopText(l: Leg): string {
  if (!l.shopCall) return ''
  return { pending: ' · 平台补发登记中', done: ' · 已登记平台补发', refused: ` · 平台未接受补发：${l.shopCall.message ?? ''}` }[l.shopCall.status]
}

/** A shop exchange to another price: both prices and who settles the difference. */
export function ExchangeDifferenceRow({ view }: { view: Pick<CaseView, 'platform'> }) {
  const x = view.platform?.exchange
  if (!x || x.oldSkuPriceFen === x.newSkuPriceFen) return null
  const n = Math.max(1, view.platform?.count ?? 1)
  const diff = (x.oldSkuPriceFen - x.newSkuPriceFen) * n
  return (
    <View className="adm-row" id="exchange-difference">
      <Text className="adm-row__k">换货差价</Text>
      <Text>
        原规格 {yuan(x.oldSkuPriceFen)} → 新规格 {yuan(x.newSkuPriceFen)}
        {n > 1 ? ` ×${n}` : ''} · {diff > 0 ? `差价 ${yuan(diff)} 发出新商品时由平台退给买家` : `买家需补差价 ${yuan(-diff)}`}
      </Text>
    </View>
  )
}
