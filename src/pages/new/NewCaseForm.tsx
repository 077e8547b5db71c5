import { useEffect, useMemo, useRef, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Text, Textarea, View } from '@tarojs/components'
import type { CaseView, EligibilityView, OrderView, PublicPolicy, SubmitInput } from '@contract/actions'
import { CASE_TYPE_LABELS, REASON_DEFAULTS, type CaseType, type ClaimedItem, type DesiredRemedy, type Evidence, type ReasonCode } from '@contract/domain'
import { api } from '../../api/aftersale'
import { newIdempotencyKey } from '../../api/client'
import { Chip } from '../../components/Chip'
import { EvidenceUploader } from '../../components/EvidenceUploader'
import { Empty, ErrorView, Loading } from '../../components/States'
import { Stepper } from '../../components/Stepper'
import { REMEDY_LABELS } from '../../utils/labels'
import { formatYuan } from '../../utils/money'
import { requestSubscriptions } from '../../utils/subscribe'
import { formatDate, formatTime } from '../../utils/time'

type FieldErrors = Partial<Record<'order' | 'items' | 'reason' | 'type' | 'remedy' | 'evidence' | 'eligibility', string>>

/** A convenience default for "what do you want", matching the chosen type; the buyer can change it. */
const REMEDY_FOR_TYPE: Record<CaseType, DesiredRemedy> = {
  refund_only: 'refund',
  return_refund: 'return_refund',
  exchange: 'exchange',
  resend: 'resend',
  compensation: 'compensation',
  logistics: 'contact_me',
}

const REMEDIES = Object.keys(REMEDY_LABELS) as DesiredRemedy[]

function message(e: unknown): string {
  return (e as Error)?.message || '出错了，请稍后再试'
}

/**
 * The new-case form. Types come from check_eligibility for the chosen order, items and reason;
 * one idempotency key per form, so a double tap (or a retry after a network error) files one case.
 */
export function NewCaseForm({ orderId, onSubmitted }: { orderId?: string; onSubmitted?: (c: CaseView) => void }) {
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
  const [remedy, setRemedy] = useState<DesiredRemedy | null>(null)
  const [minorDefect, setMinorDefect] = useState(false)
  const [errors, setErrors] = useState<FieldErrors>({})
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
      else if (elig && !elig.ok) e.eligibility = elig.errors[0] ?? '该订单暂不能申请售后'
      else if (!type) e.type = '请选择售后类型'
    }
    if (!remedy) e.remedy = '请选择您希望的处理方式'
    if (uploading) e.evidence = '图片/视频还在上传，请稍候再提交'
    return e
  }

  const submit = () => {
    if (inFlight.current) return
    const e = validate()
    setErrors(e)
    setSubmitError('')
    if (Object.keys(e).length > 0 || !order || !reason || !type || !remedy) return
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
      desiredRemedy: remedy,
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
        <Text className="section-title">售后类型</Text>
        {!reason || claimed.length === 0 ? <Text className="muted block">选好商品和原因后，这里会显示可以申请的类型</Text> : null}
        {eligState === 'checking' ? <Text className="muted block">正在查询可申请的类型…</Text> : null}
        {eligState === 'error' ? (
          <Text className="error-text" id="elig-retry" onClick={() => setEligTry((n) => n + 1)}>
            查询失败，点此重试
          </Text>
        ) : null}
        {elig && eligState === 'idle' ? (
          <View>
            {elig.errors.length > 0 ? (
              <View id="elig-errors">
                {elig.errors.map((m) => (
                  <Text key={m} className="error-text">
                    {m}
                  </Text>
                ))}
              </View>
            ) : null}
            <View className="chips">
              {elig.types
                .filter((o) => o.allowed)
                .map((o) => (
                  <Chip key={o.type} id={`type-${o.type}`} on={type === o.type} onTap={() => {
                    setType(o.type)
                    setRemedy((r) => r ?? REMEDY_FOR_TYPE[o.type])
                  }}>
                    {CASE_TYPE_LABELS[o.type]}
                  </Chip>
                ))}
            </View>
            {elig.types
              .filter((o) => !o.allowed)
              .map((o) => (
                <Text key={o.type} className="refusal" id={`refused-${o.type}`}>
                  {CASE_TYPE_LABELS[o.type]}不可申请：{o.reason}
                </Text>
              ))}
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
        {errors.eligibility ? <Text className="error-text" id="err-eligibility">{errors.eligibility}</Text> : null}
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

      <View className="card">
        <Text className="section-title">您希望怎么处理</Text>
        <View className="chips">
          {REMEDIES.map((r) => (
            <Chip key={r} id={`remedy-${r}`} on={remedy === r} onTap={() => setRemedy(r)}>
              {REMEDY_LABELS[r]}
            </Chip>
          ))}
        </View>
        {errors.remedy ? <Text className="error-text" id="err-remedy">{errors.remedy}</Text> : null}
      </View>

      {reason ? <Text className="quiet-hint">原因：{reasonLabel(reason)}</Text> : null}
      {submitError ? <Text className="error-text" id="submit-error">{submitError}</Text> : null}
      <Button id="submit" className="btn btn--primary btn--block" disabled={submitting || undefined} onClick={submit}>
        {submitting ? '提交中…' : '提交申请'}
      </Button>
    </View>
  )
}
