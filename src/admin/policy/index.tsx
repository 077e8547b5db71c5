import { useCallback, useEffect, useMemo, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Input, Text, Textarea, View } from '@tarojs/components'
import type { AdminOutputs } from '@contract/actions'
import { parsePolicy, type Policy } from '@contract/policy'
import type { Severity } from '@contract/domain'
import { ApiFailure } from '../../api/client'
import { adminApi, type Me } from '../api'
import { TEAMS, TEAM_LABELS } from '../labels'
import { fenToInput, fmtTime, inputToFen } from '../format'
import { Chip, ErrorView, Loading, Section, StaffGate, messageOf } from '../ui'

type Loaded = AdminOutputs['get_policy']
type Versions = AdminOutputs['list_policy_versions']
type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok'; rec: Loaded }

const WEEKDAYS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六']
const DAY_KEYS = ['0', '1', '2', '3', '4', '5', '6'] as const
const SEVERITIES: Severity[] = ['P1', 'P2', 'P3']

/** A number input kept as text while typing; an unparsable value becomes NaN so the schema flags it. */
function NumField(props: { id: string; label: string; value: number; kind: 'yuan' | 'int' | 'hours' | 'percent'; onChange(v: number): void; disabled?: boolean }) {
  const { id, label, value, kind, onChange, disabled } = props
  const show = (v: number) =>
    Number.isNaN(v) ? '' : kind === 'yuan' ? fenToInput(v) : kind === 'hours' ? String(Math.round((v / 60) * 100) / 100) : kind === 'percent' ? String(Math.round(v * 100)) : String(v)
  const [text, setText] = useState(show(value))
  const [bad, setBad] = useState(false)
  const parse = (t: string): number => {
    const s = t.trim()
    if (kind === 'yuan') return inputToFen(s) ?? NaN
    if (!/^\d+(\.\d+)?$/.test(s)) return NaN
    const n = Number(s)
    if (kind === 'hours') return Math.round(n * 60)
    if (kind === 'percent') return n / 100
    return Number.isInteger(n) ? n : NaN
  }
  const unit = { yuan: '元', int: '', hours: '小时', percent: '%' }[kind]
  return (
    <View className="adm-field">
      <Text className="adm-field__label">
        {label}
        {unit ? `（${unit}）` : ''}
      </Text>
      <Input
        id={id}
        className="adm-input"
        type="digit"
        value={text}
        disabled={disabled || undefined}
        onInput={(e) => {
          const t = e.detail.value
          setText(t)
          const n = parse(t)
          setBad(Number.isNaN(n))
          onChange(n)
        }}
      />
      {bad && <Text className="adm-field__error">{kind === 'yuan' ? '请输入金额，最多两位小数' : '请输入数字'}</Text>}
    </View>
  )
}

const windowsText = (ws: { start: string; end: string }[] | undefined) => (ws ?? []).map((w) => `${w.start}-${w.end}`).join(',')
const parseWindows = (t: string) =>
  t
    .split(/[,，\s]+/)
    .filter(Boolean)
    .map((part) => {
      const [start = '', end = ''] = part.split('-')
      return { start: start.trim(), end: end.trim() }
    })
const listText = (xs: string[]) => xs.join('\n')
const parseList = (t: string) => t.split(/[\s,，]+/).filter(Boolean)
const fieldsText = (f: Record<string, string>) => Object.entries(f).map(([k, v]) => `${k}=${v}`).join('\n')
const parseFields = (t: string) =>
  Object.fromEntries(
    t
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const i = l.indexOf('=')
        return i < 0 ? [l, ''] : [l.slice(0, i).trim(), l.slice(i + 1).trim()]
      }),
  )

/** Text areas whose text is parsed on every keystroke but kept as typed. */
function TextField(props: { id: string; label: string; initial: string; onChange(t: string): void; disabled?: boolean; area?: boolean; placeholder?: string }) {
  const [text, setText] = useState(props.initial)
  const onInput = (e: { detail: { value: string } }) => {
    setText(e.detail.value)
    props.onChange(e.detail.value)
  }
  return (
    <View className="adm-field">
      <Text className="adm-field__label">{props.label}</Text>
      {props.area ? (
        <Textarea id={props.id} className="adm-textarea" value={text} maxlength={2000} disabled={props.disabled || undefined} placeholder={props.placeholder} onInput={onInput} />
      ) : (
        <Input id={props.id} className="adm-input" value={text} disabled={props.disabled || undefined} placeholder={props.placeholder} onInput={onInput} />
      )}
    </View>
  )
}

/**
 * Policy editor: reasons and labels, compensation (yuan in the form, integer fen in the policy),
 * SLA targets, business hours and holidays, subscription templates and canned replies. Validated
 * on every change with the core's schema (parsePolicy); the function validates again and keeps
 * every version with who and when. Only owners save (the function enforces it).
 */
export function PolicyScreen({ me }: { me: Me }) {
  const [state, setState] = useState<State>({ kind: 'loading' })
  const [draft, setDraft] = useState<Policy | null>(null)
  const [versions, setVersions] = useState<Versions | null>(null)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState<string | null>(null)
  const [formKey, setFormKey] = useState(0)
  const canSave = me.role === 'owner'

  const load = useCallback(() => {
    setState({ kind: 'loading' })
    adminApi.getPolicy().then(
      (rec) => {
        setState({ kind: 'ok', rec })
        setDraft(structuredCloneSafe(rec.policy))
        setFormKey((k) => k + 1)
      },
      (e: unknown) => setState({ kind: 'error', message: messageOf(e) }),
    )
    if (me.role !== 'agent') adminApi.listPolicyVersions().then(setVersions, () => setVersions(null))
  }, [me.role])
  useEffect(load, [load])

  const check = useMemo(() => (draft ? parsePolicy(draft) : null), [draft])
  const update = (fn: (p: Policy) => void) =>
    setDraft((cur) => {
      if (!cur) return cur
      const next = structuredCloneSafe(cur)
      fn(next)
      return next
    })

  const save = async () => {
    if (state.kind !== 'ok' || !draft || !check?.ok) return
    const r = await Taro.showModal({ title: '保存策略', content: `保存为第 ${state.rec.version + 1} 版？新售后单将按新策略处理。` })
    if (!r.confirm) return
    setSaving(true)
    setSaveError(null)
    try {
      const rec = await adminApi.updatePolicy(state.rec.version, draft)
      Taro.showToast({ title: `已保存为第 ${rec.version} 版`, icon: 'none' })
      load()
    } catch (e) {
      setSaveError(e instanceof ApiFailure && e.code === 'CONFLICT' ? `${e.message}（刷新会丢弃未保存的修改）` : messageOf(e))
    } finally {
      setSaving(false)
    }
  }

  if (state.kind === 'loading' || (state.kind === 'ok' && !draft)) return <Loading />
  if (state.kind === 'error') return <ErrorView message={state.message} onRetry={load} />
  const p = draft as Policy
  const ro = !canSave

  return (
    <View className="adm-page" id="adm-policy" key={formKey}>
      <Section title={`当前第 ${state.rec.version} 版`} id="policy-head">
        <Text className="adm-muted">
          {state.rec.updatedBy} 于 {fmtTime(state.rec.updatedAt)} 修改{ro ? ' · 仅店主可修改' : ''}
        </Text>
        {state.rec.calendarWarning && (
          <View className="adm-errors" id="policy-calendar-warning">
            <Text>{state.rec.calendarWarning}</Text>
          </View>
        )}
        {check && !check.ok && (
          <View className="adm-errors" id="policy-errors">
            {check.errors.map((e) => (
              <Text key={e} style={{ display: 'block' }}>
                {e}
              </Text>
            ))}
          </View>
        )}
        {check?.ok && (
          <Text className="adm-ok" id="policy-ok">
            校验通过
          </Text>
        )}
        {saveError && (
          <View className="adm-errors" id="policy-save-error">
            <Text>{saveError}</Text>
          </View>
        )}
        {canSave && (
          <View>
            <Button id="policy-save" className="adm-btn adm-btn--primary" disabled={saving || !check?.ok || undefined} onClick={save}>
              {saving ? '保存中…' : '保存新版本'}
            </Button>
            <Button id="policy-reset" className="adm-btn" onClick={load}>
              放弃修改
            </Button>
          </View>
        )}
      </Section>

      <Section title="售后原因" id="policy-reasons">
        {p.reasons.map((r, i) => (
          <View key={r.code} className="adm-offer">
            <TextField id={`reason-label-${r.code}`} label={`${r.code}${r.channelsCode ? `（小店编码 ${r.channelsCode}）` : ''}`} initial={r.label} disabled={ro} onChange={(t) => update((x) => void (x.reasons[i].label = t))} />
            <View>
              {TEAMS.map((t) => (
                <Chip key={t} on={r.team === t} onClick={() => !ro && update((x) => void (x.reasons[i].team = t))}>
                  {TEAM_LABELS[t]}
                </Chip>
              ))}
            </View>
            <View>
              {SEVERITIES.map((s) => (
                <Chip key={s} on={r.severity === s} onClick={() => !ro && update((x) => void (x.reasons[i].severity = s))}>
                  {s}
                </Chip>
              ))}
            </View>
          </View>
        ))}
      </Section>

      <Section title="补偿规则" id="policy-compensation">
        <NumField id="comp-latePerDay" label="延迟发货每天补偿" kind="yuan" value={p.compensation.latePerDayFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.latePerDayFen = v))} />
        <NumField id="comp-lateCap" label="延迟补偿上限" kind="yuan" value={p.compensation.lateCapFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.lateCapFen = v))} />
        <NumField id="comp-gift" label="错发赠品价值" kind="yuan" value={p.compensation.giftValueFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.giftValueFen = v))} />
        <NumField id="comp-coupon" label="优惠券面额" kind="yuan" value={p.compensation.couponFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.couponFen = v))} />
        <NumField id="comp-threshold" label="超过此金额需主管审批" kind="yuan" value={p.compensation.approvalThresholdFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.approvalThresholdFen = v))} />
        <NumField id="comp-partial" label="轻微瑕疵部分退款比例（%）" kind="int" value={p.compensation.partialRefundPercent} disabled={ro} onChange={(v) => update((x) => void (x.compensation.partialRefundPercent = v))} />
        <NumField id="comp-pickup" label="破损超过几件预约取件" kind="int" value={p.compensation.damagedPickupAboveUnits} disabled={ro} onChange={(v) => update((x) => void (x.compensation.damagedPickupAboveUnits = v))} />
        <NumField id="comp-risk" label="90天退款几次标记风险" kind="int" value={p.compensation.riskRefundCount90d} disabled={ro} onChange={(v) => update((x) => void (x.compensation.riskRefundCount90d = v))} />
      </Section>

      <Section title="SLA 时效" id="policy-sla">
        {SEVERITIES.map((s) => (
          <View key={s} className="adm-offer">
            <Text className="adm-section__title">{s}</Text>
            {(['firstResponse', 'resolution'] as const).map((k) => (
              <View key={k}>
                <NumField
                  id={`sla-${s}-${k}`}
                  label={k === 'firstResponse' ? '首次响应' : '解决'}
                  kind="hours"
                  value={p.sla.targets[s][k].minutes}
                  disabled={ro}
                  onChange={(v) => update((x) => void (x.sla.targets[s][k].minutes = v))}
                />
                <Chip on={p.sla.targets[s][k].clock === 'business'} onClick={() => !ro && update((x) => void (x.sla.targets[s][k].clock = 'business'))}>
                  按营业时间
                </Chip>
                <Chip on={p.sla.targets[s][k].clock === 'calendar'} onClick={() => !ro && update((x) => void (x.sla.targets[s][k].clock = 'calendar'))}>
                  按自然时间
                </Chip>
                <Chip on={p.sla.targets[s][k].clock === '24x7'} onClick={() => !ro && update((x) => void (x.sla.targets[s][k].clock = '24x7'))}>
                  全天候（7×24）
                </Chip>
              </View>
            ))}
          </View>
        ))}
        <NumField id="sla-warn" label="超时预警点" kind="percent" value={p.sla.warnRatio} disabled={ro} onChange={(v) => update((x) => void (x.sla.warnRatio = v))} />
        <NumField id="sla-negative" label="差评回访时限（小时）" kind="int" value={p.sla.negativeReviewReplyHours} disabled={ro} onChange={(v) => update((x) => void (x.sla.negativeReviewReplyHours = v))} />
        <NumField id="sla-followup" label="解决后几小时提醒客服回访（0 = 不提醒）" kind="int" value={p.sla.followUpVisitHours} disabled={ro} onChange={(v) => update((x) => void (x.sla.followUpVisitHours = v))} />
      </Section>

      <Section title="营业时间与节假日" id="policy-calendar">
        <TextField id="cal-tz" label="时区" initial={p.calendar.timezone} disabled={ro} onChange={(t) => update((x) => void (x.calendar.timezone = t.trim()))} />
        {DAY_KEYS.map((d) => (
          <TextField
            key={d}
            id={`cal-day-${d}`}
            label={`${WEEKDAYS[Number(d)]}（如 09:00-12:00,13:00-21:00，留空为休息）`}
            initial={windowsText(p.calendar.businessHours[d])}
            disabled={ro}
            onChange={(t) => update((x) => void (x.calendar.businessHours[d] = parseWindows(t)))}
          />
        ))}
        <TextField id="cal-holidays" area label="节假日（YYYY-MM-DD，每行一个）" initial={listText(p.calendar.holidays)} disabled={ro} onChange={(t) => update((x) => void (x.calendar.holidays = parseList(t)))} />
        <TextField id="cal-makeup" area label="调休上班日" initial={listText(p.calendar.makeupWorkdays)} disabled={ro} onChange={(t) => update((x) => void (x.calendar.makeupWorkdays = parseList(t)))} />
      </Section>

      <Section title="买家等待时限（天）与限制" id="policy-waits">
        {(Object.keys(p.buyerWait) as (keyof Policy['buyerWait'])[]).map((k) => (
          <NumField key={k} id={`wait-${k}`} label={WAIT_LABELS[k]} kind="int" value={p.buyerWait[k]} disabled={ro} onChange={(v) => update((x) => void (x.buyerWait[k] = v))} />
        ))}
        <NumField id="limit-noReason" label="无理由退货天数" kind="int" value={p.limits.noReasonDays} disabled={ro} onChange={(v) => update((x) => void (x.limits.noReasonDays = v))} />
        <NumField id="limit-perSku" label="同一商品最多申请次数" kind="int" value={p.limits.maxRequestsPerSku} disabled={ro} onChange={(v) => update((x) => void (x.limits.maxRequestsPerSku = v))} />
      </Section>

      <Section title="订阅消息模板" id="policy-templates">
        {Object.entries(p.templates).map(([key, t]) => (
          <View key={key} className="adm-offer">
            <TextField id={`tpl-${key}-id`} label={`${key} 模板 ID`} initial={t.templateId} disabled={ro} onChange={(v) => update((x) => void (x.templates[key].templateId = v.trim()))} />
            <TextField
              id={`tpl-${key}-fields`}
              area
              label="字段映射（每行 thing1=caseNo）"
              initial={fieldsText(t.fields)}
              disabled={ro}
              onChange={(v) => update((x) => void (x.templates[key].fields = parseFields(v)))}
            />
          </View>
        ))}
      </Section>

      <Section title="话术（按原因）" id="policy-canned">
        {p.reasons.map((r) => (
          <TextField
            key={r.code}
            id={`canned-${r.code}`}
            area
            label={r.label}
            initial={p.cannedReplies[r.code] ?? ''}
            disabled={ro}
            onChange={(v) =>
              update((x) => {
                if (v.trim()) x.cannedReplies[r.code] = v
                else delete x.cannedReplies[r.code]
              })
            }
          />
        ))}
      </Section>

      <Section title="退货寄回地址" id="policy-return-address">
        <TextField id="ret-name" label="收件人" initial={p.returnAddress.name} disabled={ro} onChange={(v) => update((x) => void (x.returnAddress.name = v.trim()))} />
        <TextField id="ret-phone" label="电话" initial={p.returnAddress.phone} disabled={ro} onChange={(v) => update((x) => void (x.returnAddress.phone = v.trim()))} />
        <TextField id="ret-address" area label="地址（买家填写退货物流时看到）" initial={p.returnAddress.address} disabled={ro} onChange={(v) => update((x) => void (x.returnAddress.address = v.trim()))} />
      </Section>

      {versions && (
        <Section title="历史版本" id="policy-versions">
          {versions.length === 0 && <Text className="adm-muted">暂无</Text>}
          {[...versions]
            .sort((a, b) => b.version - a.version)
            .map((v) => (
              <View className="adm-row" key={v.version}>
                <Text>第 {v.version} 版</Text>
                <Text className="adm-muted">
                  {v.updatedBy} · {fmtTime(v.updatedAt)}
                </Text>
              </View>
            ))}
        </Section>
      )}
    </View>
  )
}

const WAIT_LABELS: Record<keyof Policy['buyerWait'], string> = {
  infoDays: '补充信息',
  offerDays: '确认方案',
  returnShipDays: '寄回商品',
  appealDays: '申诉',
  receiptDays: '确认收货',
  rateDays: '评价',
}

function structuredCloneSafe<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T
}

export default function PolicyPage() {
  return <StaffGate>{(me) => <PolicyScreen me={me} />}</StaffGate>
}
