import Taro from '@tarojs/taro'
import { Image, Text, View } from '@tarojs/components'
import type { BuyerCaseView } from '@contract/buyer-view'
import { SHIPPING_PAYER_BUYER } from '@contract/domain'
import { evidenceUrl } from '../api/upload'
import { formatYuan } from '../utils/money'
import { REFUND_STATUS_LABELS, REMEDY_LABELS, REPLACEMENT_STATUS_LABELS, RETURN_STATUS_LABELS } from '../utils/labels'
import { formatTime } from '../utils/time'

/** What the buyer asked for and what has happened to goods and money so far. */
export function CaseDetails({ view }: { view: BuyerCaseView }) {
  const nameOf = (sku: string) => view.order.items.find((i) => i.skuId === sku)?.name ?? sku
  const ret = view.returnShipment
  const images = view.evidence.filter((e) => e.kind === 'image').map((e) => evidenceUrl(e.fileId)).filter(Boolean)
  const preview = (fileId: string) => {
    Taro.previewImage({ urls: images, current: evidenceUrl(fileId) }).catch(() => undefined)
  }
  return (
    <View>
      {ret ? (
        <View className="card" id="return-info">
          <Text className="section-title">退货寄回</Text>
          <Text className="block">
            {RETURN_STATUS_LABELS[ret.status]}
            {ret.pickup ? '（商家已预约快递上门取件）' : ''}
          </Text>
          {ret.carrier || ret.trackingNo ? (
            <Text className="block small gap">
              {ret.carrier} {ret.trackingNo}
            </Text>
          ) : null}
          <Text className="muted block">{`运费由${SHIPPING_PAYER_BUYER[ret.shippingPaidBy]}承担`}</Text>
        </View>
      ) : null}

      {view.inspection ? (
        <View className="card" id="inspection-info">
          <Text className="section-title">验货结果</Text>
          <Text className="block">{view.inspection.result === 'pass' ? '验货通过' : '验货未通过'}</Text>
          {view.inspection.note ? <Text className="muted block">{view.inspection.note}</Text> : null}
        </View>
      ) : null}

      {view.refunds.length > 0 ? (
        <View className="card" id="refund-info">
          <Text className="section-title">退款</Text>
          {view.refunds.map((r) => (
            <View key={r.key} className="row gap">
              <Text>
                {r.purpose === 'compensation' ? '补偿' : '退款'} <Text className="amount">{formatYuan(r.amountFen)}</Text>
              </Text>
              <Text className="muted">{REFUND_STATUS_LABELS[r.status]}</Text>
            </View>
          ))}
        </View>
      ) : null}

      {view.exchangeDifference ? (
        <View className="card" id="exchange-difference">
          <Text className="section-title">换货差价</Text>
          <Text className="block">
            原规格 {formatYuan(view.exchangeDifference.oldSkuPriceFen)} → 新规格 {formatYuan(view.exchangeDifference.newSkuPriceFen)}
          </Text>
          <Text className="muted block">
            {view.exchangeDifference.settlement === 'refund'
              ? `差价 ${formatYuan(view.exchangeDifference.differenceFen)} 将由平台原路退回`
              : `新规格更贵，需补差价 ${formatYuan(view.exchangeDifference.differenceFen)}，客服会与您联系`}
          </Text>
        </View>
      ) : null}

      {view.replacementShipments.length > 0 ? (
        <View className="card" id="replacement-info">
          <Text className="section-title">补发 / 换货</Text>
          {view.replacementShipments.map((s) => (
            <View key={s.id} className="gap">
              <Text className="block">
                {s.items.map((i) => `${nameOf(i.skuId)} ×${i.qty}`).join('、')} · {REPLACEMENT_STATUS_LABELS[s.status]}
              </Text>
              {s.trackingNo ? (
                <Text className="muted block">
                  {s.carrier} {s.trackingNo}
                </Text>
              ) : null}
            </View>
          ))}
        </View>
      ) : null}

      <View className="card" id="request-info">
        <Text className="section-title">申请内容</Text>
        {view.claimedItems.map((c) => (
          <Text key={c.skuId} className="block">
            {nameOf(c.skuId)} ×{c.qty}
          </Text>
        ))}
        <Text className="muted block gap">期望：{REMEDY_LABELS[view.desiredRemedy]}</Text>
        {view.description ? <Text className="block gap">{view.description}</Text> : null}
        {view.evidence.length > 0 ? (
          <View id="request-evidence">
            <View className="evidence-strip">
              {view.evidence.map((e, i) =>
                e.kind === 'image' ? (
                  <View key={e.fileId} className="evidence-thumb" id={`request-evidence-${i}`} onClick={() => preview(e.fileId)}>
                    {/* a file that is not the desk's own is never loaded */}
                    {evidenceUrl(e.fileId) ? <Image className="evidence-thumb__img" src={evidenceUrl(e.fileId)} mode="aspectFill" /> : <Text>无效凭证</Text>}
                  </View>
                ) : (
                  <View key={e.fileId} className="evidence-thumb" id={`request-evidence-${i}`}>
                    <Text>▶ 视频</Text>
                  </View>
                ),
              )}
            </View>
            <Text className="muted block gap">已上传凭证 {view.evidence.length} 个</Text>
          </View>
        ) : null}
        <Text className="muted block">提交于 {formatTime(view.createdAt)}</Text>
      </View>
    </View>
  )
}
