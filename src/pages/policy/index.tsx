import { useEffect, useState } from 'react'
import { Text, View } from '@tarojs/components'
import type { PublicPolicy } from '@contract/actions'
import { CASE_TYPE_LABELS, REASON_DEFAULTS, type ReasonCode } from '@contract/domain'
import { api } from '../../api/aftersale'
import { ErrorView, Loading } from '../../components/States'
import '../../components/ui.css'

/** Policy / FAQ, generated from the seller's current policy (get_policy). */
export function PolicyScreen() {
  const [policy, setPolicy] = useState<PublicPolicy | null>(null)
  const [error, setError] = useState('')
  const load = () => {
    setError('')
    api.getPolicy().then(setPolicy, (e) => setError((e as Error).message))
  }
  useEffect(load, [])
  if (error) return <ErrorView message={error} onRetry={load} />
  if (!policy) return <Loading />
  const w = policy.buyerWait
  const replyFor = (code: string) => policy.cannedReplies[code]
  return (
    <View id="policy">
      <View className="card">
        <Text className="section-title">售后须知</Text>
        <Text className="block">· 签收后 {policy.noReasonDays} 天内可申请无理由退货（不支持无理由退货的商品除外），商家验货通过后退款。</Text>
        <Text className="block gap">· 同一件商品最多可申请 {policy.maxRequestsPerSku} 次售后。</Text>
        <Text className="block gap">· 商家请您补充信息后，请在 {w.infoDays} 天内补充，逾期申请将自动关闭。</Text>
        <Text className="block gap">· 商家给出处理方案后，请在 {w.offerDays} 天内确认是否接受。</Text>
        <Text className="block gap">· 需要寄回商品的，请在 {w.returnShipDays} 天内寄出并填写物流单号。</Text>
        <Text className="block gap">· 补发/换货发出后 {w.receiptDays} 天未确认收货的，将自动确认。</Text>
        <Text className="block gap">· 申请被驳回的，可在 {w.appealDays} 天内申请复核。</Text>
        <Text className="block gap">· 售后完成后 {w.rateDays} 天内可以评价这次服务。</Text>
      </View>
      <View className="card">
        <Text className="section-title">各原因可申请的售后类型</Text>
        {policy.reasons.map((r) => (
          <View key={r.code} className="item" id={`policy-reason-${r.code}`}>
            <Text className="block">{r.label || REASON_DEFAULTS[r.code as ReasonCode]?.label}</Text>
            <Text className="muted block">{r.allowedTypes.map((t) => CASE_TYPE_LABELS[t]).join(' / ')}</Text>
            {replyFor(r.code) ? <Text className="small block gap">{replyFor(r.code)}</Text> : null}
          </View>
        ))}
      </View>
      <View className="card">
        <Text className="section-title">消息通知</Text>
        <Text className="block">提交申请或接受方案时，微信会询问是否接收进度通知。同意后，处理进度、需要您操作的事项和退款结果会通过服务通知提醒您。</Text>
      </View>
    </View>
  )
}

export default function PolicyPage() {
  return (
    <View className="page">
      <PolicyScreen />
    </View>
  )
}
