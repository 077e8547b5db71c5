import { Switch, Text, View } from '@tarojs/components'
import type { Policy } from '@contract/policy'
import { CarePolicySchema } from '@contract/care'
import { Section } from '../ui'

/**
 * 主动关怀 (issue 24) in the policy editor: the batch watch (how many cases on one batch within how
 * many hours raise an alert), 签收回访 (off by default: a share of signed orders, days after
 * signing) and the 差好评 words. Numbers and words use the editor's own fields (passed in).
 */
export function CareSection({
  p,
  ro,
  update,
  NumField,
  TextField,
}: {
  p: Policy
  ro: boolean
  update(fn: (x: Policy) => void): void
  NumField(props: { id: string; label: string; value: number; kind: 'int'; onChange(v: number): void; disabled?: boolean }): JSX.Element
  TextField(props: { id: string; label: string; initial: string; onChange(t: string): void; disabled?: boolean; placeholder?: string }): JSX.Element
}) {
  const care = p.care ?? CarePolicySchema.parse({})
  const edit = (fn: (c: Policy['care']) => void) =>
    update((x) => {
      x.care = x.care ?? CarePolicySchema.parse({})
      fn(x.care)
    })
  return (
    <Section title="主动关怀" id="policy-care">
      <View className="adm-field">
        <Text className="adm-field__label">批次问题预警（同一批次短时间内多单质量问题时通知店主和品质组）</Text>
        <Switch id="care-batch-on" checked={care.batch.enabled} disabled={ro || undefined} onChange={(e) => edit((c) => void (c.batch.enabled = e.detail.value))} />
      </View>
      <NumField id="care-batch-threshold" label="预警：售后单数达到" kind="int" value={care.batch.threshold} disabled={ro} onChange={(v) => edit((c) => void (c.batch.threshold = v))} />
      <NumField id="care-batch-hours" label="预警：统计最近小时数" kind="int" value={care.batch.windowHours} disabled={ro} onChange={(v) => edit((c) => void (c.batch.windowHours = v))} />
      <View className="adm-field">
        <Text className="adm-field__label">签收回访（签收几天后给买家发一条“用得满意吗”）</Text>
        <Switch id="care-delivery-on" checked={care.delivery.enabled} disabled={ro || undefined} onChange={(e) => edit((c) => void (c.delivery.enabled = e.detail.value))} />
      </View>
      <NumField id="care-delivery-days" label="签收后天数" kind="int" value={care.delivery.afterDays} disabled={ro} onChange={(v) => edit((c) => void (c.delivery.afterDays = v))} />
      <NumField id="care-delivery-share" label="覆盖订单比例（%）" kind="int" value={care.delivery.sharePercent} disabled={ro} onChange={(v) => edit((c) => void (c.delivery.sharePercent = v))} />
      <TextField
        id="care-mixed-words"
        label="差好评关键词（好评里出现这些词也按差评跟进，用、分隔）"
        initial={care.mixedReviewKeywords.join('、')}
        disabled={ro}
        onChange={(t) => edit((c) => void (c.mixedReviewKeywords = t.split(/[、,，\s]+/).map((w) => w.trim()).filter(Boolean)))}
      />
    </Section>
  )
}
