import { useEffect, useMemo, useRef, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Text, Textarea, View } from '@tarojs/components'
import type { EligibilityView, OrderView, PublicPolicy, SubmitInput } from '@contract/actions'
import type { BuyerCaseView } from '@contract/buyer-view'
import { REASON_DEFAULTS, REMEDY_FOR_TYPE, type CaseType, type ClaimedItem, type Evidence, type ReasonCode } from '@contract/domain'
import { api } from '../../api/aftersale'
import { newIdempotencyKey } from '../../api/client'
import { Chip } from '../../components/Chip'
import { EvidenceUploader } from '../../components/EvidenceUploader'
import { Empty, ErrorView, Loading } from '../../components/States'
import { Stepper } from '../../components/Stepper'
import { formatYuan } from '../../utils/money'
import { requestSubscriptions } from '../../utils/subscribe'
import { formatDate, formatTime } from '../../utils/time'

type FieldErrors = Partial<Record<'order' | 'items' | 'reason' | 'type' | 'evidence' | 'eligibility', string>>

// The form asks once what the buyer wants: each answer is a case type, and the desired remedy the
// contract also records follows from it (REMEDY_FOR_TYPE).

/** The answers in the buyer's words. */
export const WANT_LABELS: Record<CaseType, string> = {
  refund_only: '退款（不用退货）',
  return_refund: '退货退款',
  exchange: '换货',
  resend: '补发',
  compensation: '给我补偿',
  logistics: '帮我查物流',
}

/**
 * One line about the answers that are not available, saying why and what to do instead (instead
 * of the same sentence once per type): the reason itself refuses everything → choose another
 * reason; the reason allows only some answers → name them.
 */
export function refusedLine(elig: EligibilityView, reasonLabel: string): string | null {
  if (elig.errors.length > 0) return null
  const allowed = elig.types.filter((t) => t.allowed)
  const refused = elig.types.filter((t) => !t.allowed)
  if (refused.length === 0) return null
  if (allowed.length === 0) {
    const why = [...new Set(refused.map((t) => t.reason))][0] ?? ''
    return `“${reasonLabel}”现在不能申请：${why}。请换一个售后原因`
  }
  const names = allowed.map((t) => WANT_LABELS[t.type]).join('、')
  const specific = [...new Set(refused.map((t) => t.reason))].filter((r) => !r.startsWith(`“${reasonLabel}”不支持`))
  const why = specific.length > 0 ? specific.join('；') : `“${reasonLabel}”不支持${refused.map((t) => WANT_LABELS[t.type]).join('、')}`
  return `${why}，可以选择：${names}`
}

function message(e: unknown): string {
  return (e as Error)?.message || '出错了，请稍后再试'
}

/**
 * The new-case form. Types come from check_eligibility for the chosen order, items and reason;
 * one idempotency key per form, so a double tap (or a retry after a network error) files one case.
 */
export function NewCaseForm({ orderId, onSubmitted }: { orderId?: string; onSubmitted?: (c: BuyerCaseView) => void }) {
  const [loadState, setLoadState] = useState<'loading' | 'ready' | 'error'>('loading')
  const [loadError, setLoadError] = useState('')
  const [orders, setOrders] = useState<OrderView[]>([])
  const [policy, setPolicy] = useState<PublicPolicy | null>(null)
  const [pickedOrderId, setPickedOrderId] = useState<string | undefined>(orderId)

  const [qty, setQty] = useState<Record<string, number>>({})
  const [reason, setReason] = useState<ReasonCode | null>(null)
  const [elig, setElig] = useState<EligibilityView | null>(null)
  const [eligState, setEligState] = useState<'idle' | 'checking' | 'error'>('idle')
  const [eligTry, setEligTry] = useState(0)
  const [type, setType] = useState<CaseType | null>(null)
  const [description, setDescription] = useState('')
  const [evidence, setEvidence] = useState<Evidence[]>([])
  const [uploading, setUploading] = useState(false)
  const [minorDefect, setMinorDefect] = useState(false)
  // messages appear after the first submit attempt and follow the fields from then on
  const [tried, setTried] = useState(false)
  const [submitError, setSubmitError] = useState('')
  const [submitting, setSubmitting] = useState(false)

  const keyRef = useRef(newIdempotencyKey())
  const inFlight = useRef(false)
  const eligSeq = useRef(0)

  const load = () => {
    setLoadState('loading')
    Promise.all([api.listOrders(), api.getPolicy()])
      .then(([o, p]) => {
        setOrders(o)
        setPolicy(p)
        setLoadState('ready')
      })
      .catch((e) => {
        setLoadError(message(e))
        setLoadState('error')
      })
  }
  useEffect(load, [])

  const orderView = orders.find((o) => o.order.orderId === pickedOrderId)
  const order = orderView?.order

  // a one-item order starts with that item selected
  useEffect(() => {
    if (order && order.items.length === 1) setQty({ [order.items[0].skuId]: order.items[0].qty })
    else setQty({})
  }, [order])

  const claimed: ClaimedItem[] = useMemo(
    () => (order ? order.items.filter((i) => (qty[i.skuId] ?? 0) > 0).map((i) => ({ skuId: i.skuId, qty: qty[i.skuId] })) : []),
    [order, qty],
  )
  const claimedKey = JSON.stringify(claimed)

  // ask the function which types this order, these items and this reason allow
  useEffect(() => {
    if (!order || !reason || claimed.length === 0) {
      eligSeq.current++
      setElig(null)
      setEligState('idle')
      return
    }
    const seq = ++eligSeq.current
    setEligState('checking')
    api
      .checkEligibility(order.orderId, claimed, reason)
      .then((r) => {
        if (seq !== eligSeq.current) return
        setElig(r)
        setEligState('idle')
        setType((t) => (t && r.types.some((o) => o.type === t && o.allowed) ? t : null))
      })
      .catch(() => {
        if (seq !== eligSeq.current) return
        setElig(null)
        setEligState('error')
      })
    // claimedKey stands for `claimed`
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [order, reason, claimedKey, eligTry])

  const reasonLabel = (code: ReasonCode) => policy?.reasons.find((r) => r.code === code)?.label ?? REASON_DEFAULTS[code]?.label ?? code

  const validate = (): FieldErrors => {
    const e: FieldErrors = {}
    if (!order) e.order = '请选择要售后的订单'
    if (claimed.length === 0) e.items = '请选择要申请售后的商品'
    if (!reason) e.reason = '请选择售后原因'
    if (reason && claimed.length > 0) {
      if (eligState === 'checking') e.type = '正在查询可申请的售后类型，请稍候'
      else if (eligState === 'error') e.type = '查询可申请的售后类型失败，请重试'
      else if (elig && elig.errors.length > 0) e.eligibility = elig.errors[0]
      else if (elig && !elig.types.some((t) => t.allowed)) e.reason = '这个原因现在不能申请，请换一个售后原因'
      else if (!type) e.type = '请选择您希望怎么处理'
    }
    if (uploading) e.evidence = '图片/视频还在上传，请稍候再提交'
    return e
  }
  const errors: FieldErrors = tried ? validate() : {}

  const submit = () => {
    if (inFlight.current) return
    const e = validate()
    setTried(true)
    setSubmitError('')
    if (Object.keys(e).length > 0 || !order || !reason || !type) return
    inFlight.current = true
    setSubmitting(true)
    // must run inside the tap, before any await (WeChat only allows subscription prompts from a tap)
    const subscribed = requestSubscriptions(policy?.templateIds.map((t) => t.templateId) ?? [])
    const input: SubmitInput = {
      orderId: order.orderId,
      claimedItems: claimed,
      type,
      reason,
      description: description.trim(),
      evidence,
      desiredRemedy: REMEDY_FOR_TYPE[type],
      facts: reason === 'quality_defect' && minorDefect ? { minorDefect: true } : {},
    }
    void (async () => {
      await subscribed
      try {
        const res = await api.submit(input, keyRef.current)
        onSubmitted?.(res.case)
        Taro.redirectTo({ url: `/pages/case/index?id=${encodeURIComponent(res.case.id)}` }).catch(() => undefined)
      } catch (err) {
        // same key on retry: if the first attempt did reach the server, no second case is created
        setSubmitError(message(err))
        inFlight.current = false
        setSubmitting(false)
      }
    })()
  }

  if (loadState === 'loading') return <Loading />
  if (loadState === 'error') return <ErrorView message={loadError} onRetry={load} />

  if (!order) {
    return (
      <View id="new-case">
        {pickedOrderId ? <Text className="error-text">没有找到这个订单，请从下面选择</Text> : null}
        <Text className="section-title">选择要售后的订单</Text>
        {orders.length === 0 ? <Empty text="暂无可申请售后的订单" /> : null}
        {orders.map((o) => (
          <View key={o.order.orderId} className="card" id={`pick-${o.order.orderId}`} onClick={() => setPickedOrderId(o.order.orderId)}>
            <Text className="block">{o.order.items.map((i) => i.name).join('、')}</Text>
            <Text className="muted block">
              订单 {o.order.orderId} · 实付 {formatYuan(o.order.paidFen)}
            </Text>
          </View>
        ))}
      </View>
    )
  }

  const toggle = (sku: string, max: number) => setQty((q) => ({ ...q, [sku]: (q[sku] ?? 0) > 0 ? 0 : max }))

  return (
    <View id="new-case">
      <View className="card" id="order-card">
        <Text className="section-title">订单 {order.orderId}</Text>
        <Text className="muted block">
          实付 {formatYuan(order.paidFen)} · 下单 {formatTime(order.paidAt)}
          {order.deliveredAt ? ` · 签收 ${formatDate(order.deliveredAt)}` : ''}
        </Text>
        {orderView?.hints.map((h) => (
          <Text key={h} className="hint-text">
            {h}
          </Text>
        ))}
        {orderView && orderView.openCaseIds.length > 0 ? (
          <Text
            className="link block gap"
            id="open-case-link"
            onClick={() => Taro.navigateTo({ url: `/pages/case/index?id=${encodeURIComponent(orderView.openCaseIds[0])}` })}
          >
            该订单已有进行中的售后，点此查看 ›
          </Text>
        ) : null}
      </View>

      <View className="card">
        <Text className="section-title">选择商品和数量</Text>
        {order.items.map((i) => {
          const n = qty[i.skuId] ?? 0
          return (
            <View key={i.skuId} className="item row">
              <Text id={`item-${i.skuId}`} onClick={() => toggle(i.skuId, i.qty)}>
                {n > 0 ? '☑' : '☐'} {i.name}（{formatYuan(i.unitPriceFen)} ×{i.qty}）
              </Text>
              {n > 0 ? <Stepper id={`qty-${i.skuId}`} value={n} max={i.qty} onChange={(v) => setQty((q) => ({ ...q, [i.skuId]: v }))} /> : null}
            </View>
          )
        })}
        {errors.items ? <Text className="error-text" id="err-items">{errors.items}</Text> : null}
      </View>

      <View className="card">
        <Text className="section-title">售后原因</Text>
        <View className="chips">
          {(policy?.reasons ?? []).map((r) => (
            <Chip key={r.code} id={`reason-${r.code}`} on={reason === r.code} onTap={() => setReason(r.code as ReasonCode)}>
              {r.label}
            </Chip>
          ))}
        </View>
        {errors.reason ? <Text className="error-text" id="err-reason">{errors.reason}</Text> : null}
        {reason === 'quality_defect' ? (
          <Text className="block gap small" id="minor-defect" onClick={() => setMinorDefect((v) => !v)}>
            {minorDefect ? '☑' : '☐'} 问题比较轻微，不影响使用
          </Text>
        ) : null}
      </View>

      <View className="card" id="types">
        <Text className="section-title">您希望怎么处理</Text>
        {!reason || claimed.length === 0 ? <Text className="muted block">选好商品和原因后，这里会显示可以选择的处理方式</Text> : null}
        {eligState === 'checking' ? <Text className="muted block">正在查询可以怎么处理…</Text> : null}
        {eligState === 'error' ? (
          <Text className="error-text" id="elig-retry" onClick={() => setEligTry((n) => n + 1)}>
            查询失败，点此重试
          </Text>
        ) : null}
        {elig && eligState === 'idle' ? (
          <View>
            {/* an item-level refusal (already claimed, over the limit) is about these items, said once */}
            {elig.errors.length > 0 ? (
              <Text className="error-text" id="elig-errors">
                {elig.errors[0]}
              </Text>
            ) : null}
            <View className="chips">
              {elig.types
                .filter((o) => o.allowed)
                .map((o) => (
                  <Chip key={o.type} id={`type-${o.type}`} on={type === o.type} onTap={() => setType(o.type)}>
                    {WANT_LABELS[o.type]}
                  </Chip>
                ))}
            </View>
            {reason && refusedLine(elig, reasonLabel(reason)) ? (
              <Text className="hint-text" id="refused-line">
                {refusedLine(elig, reasonLabel(reason))}
              </Text>
            ) : null}
            <View id="elig-hints">
              {/* hints the order card already shows are not repeated here */}
              {elig.hints
                .filter((h) => !orderView?.hints.includes(h))
                .map((h) => (
                  <Text key={h} className="hint-text">
                    {h}
                  </Text>
                ))}
              {elig.noReasonDeadline && ![...elig.hints, ...(orderView?.hints ?? [])].some((h) => h.includes('无理由')) ? (
                <Text className="hint-text">7天无理由退货 可申请至 {formatTime(elig.noReasonDeadline)}</Text>
              ) : null}
            </View>
          </View>
        ) : null}
        {errors.type ? <Text className="error-text" id="err-type">{errors.type}</Text> : null}
        {errors.eligibility && !(elig && elig.errors.length > 0) ? <Text className="error-text" id="err-eligibility">{errors.eligibility}</Text> : null}
      </View>

      <View className="card">
        <Text className="section-title">问题描述</Text>
        <Textarea
          id="description"
          className="textarea"
          value={description}
          maxlength={1000}
          placeholder="说说遇到了什么问题（选填）"
          onInput={(e) => setDescription(e.detail.value ?? '')}
        />
        <Text className="muted block">{description.length}/1000</Text>
        <Text className="section-title gap">图片 / 视频凭证</Text>
        <EvidenceUploader onChange={setEvidence} onBusyChange={setUploading} />
        {errors.evidence ? <Text className="error-text" id="err-evidence">{errors.evidence}</Text> : null}
      </View>

      {reason ? <Text className="quiet-hint">原因：{reasonLabel(reason)}</Text> : null}
      {submitError ? <Text className="error-text" id="submit-error">{submitError}</Text> : null}
      <Button id="submit" className="btn btn--primary btn--block" disabled={submitting || undefined} onClick={submit}>
        {submitting ? '提交中…' : '提交申请'}
      </Button>
    </View>
  )
}
