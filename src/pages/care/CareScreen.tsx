import { useState } from 'react'
import Taro, { useRouter } from '@tarojs/taro'
import { Button, Text, Textarea, View } from '@tarojs/components'
import type { CareReplyResult } from '@contract/care'
import { call } from '../../api/client'
import '../../components/ui.css'

/**
 * The buyer's answer to a 签收回访: 满意, or not with a few words — that opens an after-sales case
 * the shop follows up (the buyer can then follow it under 我的售后).
 */
export function CareScreen() {
  const orderId = decodeURIComponent(useRouter().params.orderId ?? '')
  const [unhappy, setUnhappy] = useState(false)
  const [text, setText] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const [done, setDone] = useState<CareReplyResult | null>(null)

  const send = async (satisfied: boolean) => {
    setBusy(true)
    setError('')
    try {
      setDone(await call<CareReplyResult>('aftersale', 'care_reply', { orderId, satisfied, text: satisfied ? '' : text }))
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }

  if (!orderId) return <View className="page"><Text className="state block">没有找到这个订单</Text></View>
  if (done) {
    return (
      <View className="page" id="care-done">
        <View className="card">
          <Text className="section-title">{done.satisfied ? '感谢您的反馈！' : '已收到，客服会尽快联系您'}</Text>
          {!done.recorded && <Text className="muted block">这个订单已经反馈过了，以第一次反馈为准</Text>}
          {done.caseId && (
            <Button id="care-open-case" className="btn btn--ghost btn--block" onClick={() => Taro.navigateTo({ url: `/pages/case/index?id=${encodeURIComponent(done.caseId!)}` })}>
              查看售后进度 {done.caseNo ?? ''}
            </Button>
          )}
        </View>
      </View>
    )
  }
  return (
    <View className="page" id="care">
      <View className="card">
        <Text className="section-title">订单 {orderId} 已签收，用得满意吗？</Text>
        <View className="btn-row">
          <Button id="care-happy" className="btn btn--primary" disabled={busy || undefined} onClick={() => send(true)}>
            满意
          </Button>
          <Button id="care-unhappy" className="btn btn--ghost" disabled={busy || undefined} onClick={() => setUnhappy(true)}>
            不太满意
          </Button>
        </View>
        {unhappy && (
          <View className="gap">
            <Text className="field">哪里不满意？（选填）</Text>
            <Textarea id="care-text" className="textarea" value={text} maxlength={500} placeholder="比如：包装破损、和描述不一样" onInput={(e) => setText(e.detail.value)} />
            <Button id="care-send" className="btn btn--primary btn--block" disabled={busy || undefined} onClick={() => send(false)}>
              {busy ? '提交中…' : '提交，请客服联系我'}
            </Button>
          </View>
        )}
        {error && <Text className="error-text" id="care-error">{error}</Text>}
      </View>
    </View>
  )
}
