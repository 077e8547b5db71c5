import { useCallback, useEffect, useMemo, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Input, Text, Textarea, View } from '@tarojs/components'
import { WHAT_IF_FIELDS, WHAT_IF_FIELD_LABELS, type AdminOutputs } from '@contract/actions'
import { parsePolicy, type Policy } from '@contract/policy'
import { CASE_TYPES, CASE_TYPE_LABELS, type Severity } from '@contract/domain'
import {
  BUYER_WAIT_LABELS,
  CLOCK_LABELS,
  COMPENSATION_LABELS,
  LIMIT_LABELS,
  PLATFORM_RETURNS_LABEL,
  SEVERITY_EXPLAINED,
  SLA_FIELD_LABELS,
  TARGET_LABELS,
  TEMPLATE_LABELS,
  TEMPLATE_SOURCE_LABELS,
  WEEKDAY_LABELS,
  diffPolicy,
  templateFieldLabel,
} from '@contract/policy-labels'
import { ApiFailure } from '../../api/client'
import { adminApi, type Me } from '../api'
import { TEAMS, TEAM_LABELS } from '../labels'
import { fenToInput, fmtTime, inputToFen, yuan } from '../format'
import { Chip, ErrorView, Loading, Section, StaffGate, messageOf } from '../ui'
import { RulesSection } from './RulesSection'

type Loaded = AdminOutputs['get_policy']
type Versions = AdminOutputs['list_policy_versions']
type State = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok'; rec: Loaded }

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

const SECTIONS = [
  { id: 'policy-reasons', label: '售后原因' },
  { id: 'policy-compensation', label: '补偿' },
  { id: 'policy-sla', label: '时效' },
  { id: 'policy-calendar', label: '营业时间' },
  { id: 'policy-templates', label: '消息通知' },
  { id: 'policy-canned', label: '快捷回复' },
  { id: 'policy-rules', label: '自动处理' },
  { id: 'policy-versions', label: '历史版本' },
] as const

const PERIODS = [7, 30, 90] as const
type WhatIf = AdminOutputs['preview_policy']

/**
 * Policy editor for a phone: section shortcuts on top, every label in the seller's words (no
 * reason codes, template keys or field names), reasons that can be removed, added back and
 * reordered with the types each allows, a sticky bar with the unsaved-change count, and a what-if
 * of the draft on the recent cases before saving (the summary is recorded on the new version).
 * Validated on every change with the core's schema; the function validates again. Only owners save.
 */
export function PolicyScreen({ me }: { me: Me }) {
  const [state, setState] = useState<State>({ kind: 'loading' })
  const [draft, setDraft] = useState<Policy | null>(null)
  const [versions, setVersions] = useState<Versions | null>(null)
  const [saving, setSaving] = useState(false)
  const [saveError, setSaveError] = useState<string | null>(null)
  const [formKey, setFormKey] = useState(0)
  const [days, setDays] = useState<(typeof PERIODS)[number]>(30)
  const [whatIf, setWhatIf] = useState<{ key: string; days: number; view: WhatIf } | null>(null)
  const [previewing, setPreviewing] = useState(false)
  const [openVersion, setOpenVersion] = useState<number | null>(null)
  const canSave = me.role === 'owner'

  const load = useCallback(() => {
    setState({ kind: 'loading' })
    setWhatIf(null)
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
  const changes = useMemo(() => (draft && state.kind === 'ok' ? diffPolicy(state.rec.policy, draft) : []), [draft, state])
  const draftKey = useMemo(() => JSON.stringify(draft), [draft])
  const update = (fn: (p: Policy) => void) =>
    setDraft((cur) => {
      if (!cur) return cur
      const next = structuredCloneSafe(cur)
      fn(next)
      return next
    })

  const rangeOf = (d: number) => ({ from: new Date(Date.now() - d * 86_400_000).toISOString() })

  const preview = async (): Promise<WhatIf | null> => {
    if (!draft || !check?.ok) return null
    if (whatIf && whatIf.key === draftKey && whatIf.days === days) return whatIf.view
    setPreviewing(true)
    setSaveError(null)
    try {
      const view = await adminApi.previewPolicy({ policy: draft, ...rangeOf(days) })
      setWhatIf({ key: draftKey, days, view })
      return view
    } catch (e) {
      setSaveError(messageOf(e))
      return null
    } finally {
      setPreviewing(false)
    }
  }

  const save = async () => {
    if (state.kind !== 'ok' || !draft || !check?.ok) return
    // the owner sees what the change does to recent cases before it lands
    const view = await preview()
    if (!view) return
    const r = await Taro.showModal({
      title: `保存为第 ${state.rec.version + 1} 版？`,
      content: `近${days}天的 ${view.cases} 个售后单中，${view.changedCases} 个会有变化，补偿金额${signedYuan(view.money.diffFen)}。${view.autoRules ? `自动处理规则会处理 ${view.autoRules.decidedCases} 单，共${yuan(view.autoRules.amountFen)}。` : ''}新售后单将按新策略处理。`,
    })
    if (!r.confirm) return
    setSaving(true)
    try {
      // changed auto-decision rules carry the token of the preview that showed exactly them
      const rec = await adminApi.updatePolicy(state.rec.version, draft, { from: view.from, to: view.to }, view.autoRules?.token)
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
  const enabled = p.reasons.filter((r) => r.enabled !== false)
  const removed = p.reasons.filter((r) => r.enabled === false)
  const fresh = whatIf && whatIf.key === draftKey && whatIf.days === days ? whatIf.view : null
  const move = (i: number, by: -1 | 1) =>
    update((x) => {
      // move among the reasons buyers see; removed ones keep their place at the end
      const shown = x.reasons.filter((r) => r.enabled !== false)
      const j = i + by
      if (j < 0 || j >= shown.length) return
      ;[shown[i], shown[j]] = [shown[j], shown[i]]
      x.reasons = [...shown, ...x.reasons.filter((r) => r.enabled === false)]
    })
  const setEnabled = (code: string, on: boolean) =>
    update((x) => {
      const r = x.reasons.find((y) => y.code === code)
      if (!r) return
      r.enabled = on
      x.reasons = [...x.reasons.filter((y) => y.enabled !== false), ...x.reasons.filter((y) => y.enabled === false)]
    })

  return (
    <View className="adm-page adm-page--policy" id="adm-policy" key={formKey}>
      <View className="adm-ptabs" id="policy-nav">
        {SECTIONS.filter((s) => s.id !== 'policy-versions' || versions).map((s) => (
          <Text key={s.id} className="adm-ptab" onClick={() => void Taro.pageScrollTo({ selector: `#${s.id}`, duration: 200 }).catch(() => undefined)}>
            {s.label}
          </Text>
        ))}
      </View>

      <Section title={`当前第 ${state.rec.version} 版`} id="policy-head">
        <Text className="adm-muted">
          {state.rec.updatedBy === 'seed' || state.rec.updatedBy === 'default' ? '系统默认' : (versions?.find((v) => v.version === state.rec.version)?.updatedByName ?? state.rec.updatedBy)} 于 {fmtTime(state.rec.updatedAt)} 修改
          {ro ? ' · 仅店主可修改' : ''}
        </Text>
        {state.rec.calendarWarning && (
          <View className="adm-errors" id="policy-calendar-warning">
            <Text>{state.rec.calendarWarning}</Text>
            <Text className="adm-link-btn block" onClick={() => void Taro.pageScrollTo({ selector: '#policy-calendar', duration: 200 }).catch(() => undefined)}>
              去补充休息日
            </Text>
          </View>
        )}
        {check && !check.ok && (
          <View className="adm-errors" id="policy-errors">
            {check.errors.map((e) => (
              <Text key={e} style={{ display: 'block' }}>
                {readableError(e, p)}
              </Text>
            ))}
          </View>
        )}
        {check?.ok && (
          <Text className="adm-ok" id="policy-ok">
            校验通过
          </Text>
        )}
      </Section>

      {(fresh || previewing) && <WhatIfPanel view={fresh} loading={previewing} days={days} />}

      <Section title="售后原因" id="policy-reasons">
        <Text className="adm-muted block">买家按这里的顺序看到原因；删除的原因买家不能再选，历史售后单不受影响。</Text>
        {enabled.map((r, i) => {
          const at = p.reasons.findIndex((x) => x.code === r.code)
          return (
            <View key={r.code} className="adm-offer" id={`reason-${r.code}`}>
              <TextField id={`reason-label-${r.code}`} label={`原因名称${r.channelsCode ? `（视频号原因编号 ${r.channelsCode}）` : ''}`} initial={r.label} disabled={ro} onChange={(t) => update((x) => void (x.reasons[at].label = t))} />
              <Text className="adm-field__label">处理小组</Text>
              <View>
                {TEAMS.map((t) => (
                  <Chip key={t} on={r.team === t} onClick={() => !ro && update((x) => void (x.reasons[at].team = t))}>
                    {p.teams.find((x) => x.code === t)?.label ?? TEAM_LABELS[t]}
                  </Chip>
                ))}
              </View>
              <Text className="adm-field__label">紧急程度</Text>
              <View>
                {SEVERITIES.map((s) => (
                  <Chip key={s} id={`reason-${r.code}-sev-${s}`} on={r.severity === s} onClick={() => !ro && update((x) => void (x.reasons[at].severity = s))}>
                    {SEVERITY_EXPLAINED[s].short}
                  </Chip>
                ))}
              </View>
              <Text className="adm-muted block">{SEVERITY_EXPLAINED[r.severity].long}</Text>
              <Text className="adm-field__label">买家可选的处理方式</Text>
              <View>
                {CASE_TYPES.map((t) => (
                  <Chip
                    key={t}
                    id={`reason-${r.code}-type-${t}`}
                    on={r.allowedTypes.includes(t)}
                    onClick={() =>
                      !ro &&
                      update((x) => {
                        const cur = x.reasons[at].allowedTypes
                        x.reasons[at].allowedTypes = cur.includes(t) ? cur.filter((y) => y !== t) : CASE_TYPES.filter((y) => y === t || cur.includes(y))
                      })
                    }
                  >
                    {CASE_TYPE_LABELS[t]}
                  </Chip>
                ))}
              </View>
              {!ro && (
                <View className="adm-inline-actions">
                  <Text className="adm-link-btn" id={`reason-up-${r.code}`} onClick={() => move(i, -1)}>
                    上移
                  </Text>
                  <Text className="adm-link-btn" id={`reason-down-${r.code}`} onClick={() => move(i, 1)}>
                    下移
                  </Text>
                  <Text className="adm-link-btn adm-link-btn--danger" id={`reason-remove-${r.code}`} onClick={() => setEnabled(r.code, false)}>
                    删除
                  </Text>
                </View>
              )}
            </View>
          )
        })}
        {removed.length > 0 && (
          <View id="reasons-removed">
            <Text className="adm-field__label">已删除的原因（点击加回）</Text>
            {removed.map((r) => (
              <Chip key={r.code} id={`reason-add-${r.code}`} onClick={() => !ro && setEnabled(r.code, true)}>
                ＋ {r.label}
              </Chip>
            ))}
          </View>
        )}
      </Section>

      <Section title="补偿规则" id="policy-compensation">
        <NumField id="comp-latePerDay" label={COMPENSATION_LABELS.latePerDayFen.label} kind="yuan" value={p.compensation.latePerDayFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.latePerDayFen = v))} />
        <NumField id="comp-lateCap" label={COMPENSATION_LABELS.lateCapFen.label} kind="yuan" value={p.compensation.lateCapFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.lateCapFen = v))} />
        <NumField id="comp-gift" label={COMPENSATION_LABELS.giftValueFen.label} kind="yuan" value={p.compensation.giftValueFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.giftValueFen = v))} />
        <NumField id="comp-coupon" label={COMPENSATION_LABELS.couponFen.label} kind="yuan" value={p.compensation.couponFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.couponFen = v))} />
        <NumField id="comp-threshold" label={COMPENSATION_LABELS.approvalThresholdFen.label} kind="yuan" value={p.compensation.approvalThresholdFen} disabled={ro} onChange={(v) => update((x) => void (x.compensation.approvalThresholdFen = v))} />
        <NumField id="comp-partial" label={`${COMPENSATION_LABELS.partialRefundPercent.label}（%）`} kind="int" value={p.compensation.partialRefundPercent} disabled={ro} onChange={(v) => update((x) => void (x.compensation.partialRefundPercent = v))} />
        <NumField id="comp-pickup" label={COMPENSATION_LABELS.damagedPickupAboveUnits.label} kind="int" value={p.compensation.damagedPickupAboveUnits} disabled={ro} onChange={(v) => update((x) => void (x.compensation.damagedPickupAboveUnits = v))} />
        <NumField id="comp-risk" label={COMPENSATION_LABELS.riskRefundCount90d.label} kind="int" value={p.compensation.riskRefundCount90d} disabled={ro} onChange={(v) => update((x) => void (x.compensation.riskRefundCount90d = v))} />
        <NumField id="comp-trust-orders" label={COMPENSATION_LABELS.trustMinOrders.label} kind="int" value={p.compensation.trustMinOrders} disabled={ro} onChange={(v) => update((x) => void (x.compensation.trustMinOrders = v))} />
        <NumField id="comp-trust-days" label={`${COMPENSATION_LABELS.trustOrderDays.label}（天）`} kind="int" value={p.compensation.trustOrderDays} disabled={ro} onChange={(v) => update((x) => void (x.compensation.trustOrderDays = v))} />
        <Text className="adm-muted">老客户还需近90天没有退款、没有风险标记；主管可在售后单的买家信息里手动设定或取消。</Text>
      </Section>

      <Section title="处理时效" id="policy-sla">
        {SEVERITIES.map((s) => (
          <View key={s} className="adm-offer">
            <Text className="adm-section__title">{SEVERITY_EXPLAINED[s].short}</Text>
            <Text className="adm-muted block">{SEVERITY_EXPLAINED[s].long}</Text>
            {(['firstResponse', 'resolution'] as const).map((k) => (
              <View key={k}>
                <NumField
                  id={`sla-${s}-${k}`}
                  label={`${TARGET_LABELS[k]}时限`}
                  kind="hours"
                  value={p.sla.targets[s][k].minutes}
                  disabled={ro}
                  onChange={(v) => update((x) => void (x.sla.targets[s][k].minutes = v))}
                />
                {(['business', 'calendar', '24x7'] as const).map((c) => (
                  <Chip key={c} on={p.sla.targets[s][k].clock === c} onClick={() => !ro && update((x) => void (x.sla.targets[s][k].clock = c))}>
                    {CLOCK_LABELS[c]}
                  </Chip>
                ))}
              </View>
            ))}
          </View>
        ))}
        <NumField id="sla-warn" label={SLA_FIELD_LABELS.warnRatio} kind="percent" value={p.sla.warnRatio} disabled={ro} onChange={(v) => update((x) => void (x.sla.warnRatio = v))} />
        <NumField id="sla-negative" label={SLA_FIELD_LABELS.negativeReviewReplyHours} kind="int" value={p.sla.negativeReviewReplyHours} disabled={ro} onChange={(v) => update((x) => void (x.sla.negativeReviewReplyHours = v))} />
        <NumField id="sla-followup" label={SLA_FIELD_LABELS.followUpVisitHours} kind="int" value={p.sla.followUpVisitHours} disabled={ro} onChange={(v) => update((x) => void (x.sla.followUpVisitHours = v))} />
        <Text className="adm-section__title block">买家等待时限与限制</Text>
        {(Object.keys(p.buyerWait) as (keyof Policy['buyerWait'])[]).map((k) => (
          <NumField key={k} id={`wait-${k}`} label={BUYER_WAIT_LABELS[k]} kind="int" value={p.buyerWait[k]} disabled={ro} onChange={(v) => update((x) => void (x.buyerWait[k] = v))} />
        ))}
        <NumField id="limit-noReason" label={LIMIT_LABELS.noReasonDays} kind="int" value={p.limits.noReasonDays} disabled={ro} onChange={(v) => update((x) => void (x.limits.noReasonDays = v))} />
        <NumField id="limit-perSku" label={LIMIT_LABELS.maxRequestsPerSku} kind="int" value={p.limits.maxRequestsPerSku} disabled={ro} onChange={(v) => update((x) => void (x.limits.maxRequestsPerSku = v))} />
      </Section>

      <Section title="营业时间与节假日" id="policy-calendar">
        {DAY_KEYS.map((d) => (
          <TextField
            key={d}
            id={`cal-day-${d}`}
            label={`${WEEKDAY_LABELS[Number(d)]}（如 09:00-12:00,13:00-21:00，留空为休息）`}
            initial={windowsText(p.calendar.businessHours[d])}
            disabled={ro}
            onChange={(t) => update((x) => void (x.calendar.businessHours[d] = parseWindows(t)))}
          />
        ))}
        <TextField id="cal-holidays" area label="节假日（如 2026-10-01，每行一个）" initial={listText(p.calendar.holidays)} disabled={ro} onChange={(t) => update((x) => void (x.calendar.holidays = parseList(t)))} />
        <TextField id="cal-makeup" area label="调休上班日（周末上班的日期）" initial={listText(p.calendar.makeupWorkdays)} disabled={ro} onChange={(t) => update((x) => void (x.calendar.makeupWorkdays = parseList(t)))} />
        <TextField id="cal-tz" label="时区（中国大陆填 Asia/Shanghai）" initial={p.calendar.timezone} disabled={ro} onChange={(t) => update((x) => void (x.calendar.timezone = t.trim()))} />
      </Section>

      <Section title="消息通知" id="policy-templates">
        <Text className="adm-muted block">在微信公众平台申请订阅消息模板后，填入模板编号，并为每一项选择要显示的内容。</Text>
        {Object.entries(p.templates).map(([key, t]) => (
          <View key={key} className="adm-offer" id={`tpl-${key}`}>
            <Text className="adm-section__title block">{TEMPLATE_LABELS[key] ?? '自定义通知'}</Text>
            <TextField id={`tpl-${key}-id`} label="模板编号" initial={t.templateId} disabled={ro} onChange={(v) => update((x) => void (x.templates[key].templateId = v.trim()))} />
            {Object.entries(t.fields).map(([field, source]) => (
              <View key={field} className="adm-field">
                <Text className="adm-field__label">{templateFieldLabel(field)}</Text>
                <View>
                  {sourcesFor(field).map((src) => (
                    <Chip key={src} on={source === src} onClick={() => !ro && update((x) => void (x.templates[key].fields[field] = src))}>
                      {TEMPLATE_SOURCE_LABELS[src] ?? src}
                    </Chip>
                  ))}
                </View>
              </View>
            ))}
          </View>
        ))}
      </Section>

      <Section title="快捷回复" id="policy-canned">
        <Text className="adm-muted block">客服处理对应原因时可一键发送，也会显示在买家的售后须知里。</Text>
        {enabled.map((r) => (
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
        <Text className="adm-section__title block">退货寄回地址</Text>
        <TextField id="ret-name" label="收件人" initial={p.returnAddress.name} disabled={ro} onChange={(v) => update((x) => void (x.returnAddress.name = v.trim()))} />
        <TextField id="ret-phone" label="电话" initial={p.returnAddress.phone} disabled={ro} onChange={(v) => update((x) => void (x.returnAddress.phone = v.trim()))} />
        <TextField id="ret-address" area label="地址（买家填写退货物流时看到）" initial={p.returnAddress.address} disabled={ro} onChange={(v) => update((x) => void (x.returnAddress.address = v.trim()))} />
        <Text className="adm-section__title block">{PLATFORM_RETURNS_LABEL}</Text>
        <View>
          <Chip id="platform-inspect-on" on={p.platformReturns.inspectBeforeRefund} onClick={() => !ro && update((x) => void (x.platformReturns = { inspectBeforeRefund: true }))}>
            先验货再退款
          </Chip>
          <Chip id="platform-inspect-off" on={!p.platformReturns.inspectBeforeRefund} onClick={() => !ro && update((x) => void (x.platformReturns = { inspectBeforeRefund: false }))}>
            确认收货即退款
          </Chip>
        </View>
        <Text className="adm-muted block">买家在视频号小店寄回的商品，默认先确认收货、验货通过后再让平台退款；关闭后「确认收货并退款」一步完成。</Text>
      </Section>

      <RulesSection
        policy={p}
        ro={ro}
        update={update}
        preview={whatIf?.view.autoRules ?? null}
        stale={!fresh}
        previewing={previewing}
        days={whatIf?.days ?? days}
        canPreview={!!changes.length && !!check?.ok}
        onPreview={() => void preview()}
      />

      {versions && (
        <Section title="历史版本" id="policy-versions">
          {versions.length === 0 && <Text className="adm-muted">暂无</Text>}
          {versions.map((v) => (
            <View className="adm-offer" key={v.version} id={`version-${v.version}`} onClick={() => setOpenVersion((o) => (o === v.version ? null : v.version))}>
              <View className="adm-row">
                <Text>第 {v.version} 版</Text>
                <Text className="adm-muted">
                  {v.updatedByName} · {fmtTime(v.updatedAt)}
                </Text>
              </View>
              <Text className="adm-muted block">
                {v.changes.length ? `改动 ${v.changes.length} 处` : '无改动'}
                {v.whatIf ? ` · 保存前预览：近期 ${v.whatIf.cases} 单中 ${v.whatIf.changedCases} 单有变化，金额${signedYuan(v.whatIf.money.diffFen)}` : ''}
                {v.changes.length ? (openVersion === v.version ? ' · 收起' : ' · 展开') : ''}
              </Text>
              {openVersion === v.version &&
                v.changes.map((c) => (
                  <Text key={c.path} className="adm-diff block">
                    {c.label}：{c.before || '（空）'} → {c.after || '（空）'}
                  </Text>
                ))}
            </View>
          ))}
        </Section>
      )}

      {canSave && (
        <View className="adm-savebar" id="policy-savebar">
          <View className="adm-savebar__row">
            <Text id="policy-dirty" className={changes.length ? 'adm-savebar__dirty' : 'adm-muted'}>
              {changes.length ? `${changes.length} 处未保存的修改` : '没有未保存的修改'}
            </Text>
            <View className="adm-savebar__periods">
              {PERIODS.map((d) => (
                <Chip key={d} id={`whatif-days-${d}`} on={days === d} onClick={() => setDays(d)}>
                  近{d}天
                </Chip>
              ))}
            </View>
          </View>
          {/* the what-if answers where the owner tapped: a summary in the bar, details on tap */}
          {previewing && !fresh && (
            <Text className="adm-muted block" id="whatif-summary">
              正在按新策略重算近{days}天的售后单…
            </Text>
          )}
          {fresh && (
            <View className="adm-savebar__summary" id="whatif-summary">
              <Text className="block">
                近{days}天 {fresh.cases} 单中 <Text className="adm-savebar__dirty">{fresh.changedCases} 单有变化</Text>，补偿{signedYuan(fresh.money.diffFen)}，时效达标率 {ratePct(fresh.sla.before.rate)} → {ratePct(fresh.sla.after.rate)}
              </Text>
              <Text id="whatif-details" className="adm-link-btn" onClick={() => void Taro.pageScrollTo({ selector: '#policy-whatif', duration: 200 }).catch(() => undefined)}>
                查看明细
              </Text>
            </View>
          )}
          {saveError && (
            <Text className="adm-field__error block" id="policy-save-error">
              {saveError}
            </Text>
          )}
          <View className="adm-savebar__row">
            <Button id="policy-reset" className="adm-btn adm-btn--small" disabled={!changes.length || undefined} onClick={load}>
              放弃修改
            </Button>
            <Button id="policy-preview" className="adm-btn adm-btn--small" disabled={previewing || !changes.length || !check?.ok || undefined} onClick={() => void preview()}>
              {previewing ? '计算中…' : '预览影响'}
            </Button>
            {previewing && (
              // one what-if runs at a time for the shop: the owner can stop a long one
              <Button id="policy-preview-cancel" className="adm-btn adm-btn--small" onClick={() => void adminApi.cancelPreview().catch(() => undefined)}>
                取消计算
              </Button>
            )}
            <Button id="policy-save" className="adm-btn adm-btn--small adm-btn--primary" disabled={saving || !changes.length || !check?.ok || undefined} onClick={save}>
              {saving ? '保存中…' : '保存新版本'}
            </Button>
          </View>
        </View>
      )}
    </View>
  )
}

/** What the draft would have done to the recent cases: counts, money, SLA and each changed case. */
function WhatIfPanel({ view, loading, days }: { view: WhatIf | null; loading: boolean; days: number }) {
  if (!view) return <Section title="影响预览" id="policy-whatif"><Loading text="正在按新策略重算近期售后单…" /></Section>
  const pct = ratePct
  return (
    <Section title={`影响预览（近${days}天）`} id="policy-whatif">
      {loading && <Text className="adm-muted block">更新中…</Text>}
      <Text className="block" id="whatif-headline">
        {view.cases} 个售后单中，{view.changedCases} 个会有变化{view.truncated ? '（单量过多，只统计了最近的部分）' : ''}
      </Text>
      <View className="adm-kpis">
        {WHAT_IF_FIELDS.map((f) => (
          <View className="adm-kpi" key={f}>
            <Text className="adm-kpi__value" id={`whatif-count-${f}`}>
              {view.counts[f]}
            </Text>
            <Text className="adm-kpi__label">{WHAT_IF_FIELD_LABELS[f]}变化</Text>
          </View>
        ))}
      </View>
      <Text className="block" id="whatif-sla">
        时效达标率 {pct(view.sla.before.rate)} → {pct(view.sla.after.rate)}（达标变超时 {view.sla.metToBreached} 单，超时变达标 {view.sla.breachedToMet} 单）
      </Text>
      <Text className="block" id="whatif-money">
        补偿金额 {yuan(view.money.beforeFen)} → {yuan(view.money.afterFen)}（{signedYuan(view.money.diffFen)}）
      </Text>
      {view.money.rows.map((r) => (
        <Text key={r.remedy} className="adm-muted block">
          {r.label}：{yuan(r.beforeFen)} → {yuan(r.afterFen)}（{signedYuan(r.diffFen)}）
        </Text>
      ))}
      {view.changes.length > 0 && <Text className="adm-section__title block">有变化的售后单</Text>}
      {view.changes.map((c) => (
        <View key={c.caseId} className="adm-offer" id={`whatif-case-${c.caseNo}`}>
          <Text className="block">
            {c.caseNo} · {c.product} · {c.reasonLabel}
          </Text>
          {c.fields.map((f) => (
            <Text key={f.field} className="adm-diff block">
              {WHAT_IF_FIELD_LABELS[f.field]}：{f.before} → {f.after}
            </Text>
          ))}
        </View>
      ))}
      {view.changedCases > view.changes.length && <Text className="adm-muted block">另有 {view.changedCases - view.changes.length} 单未列出</Text>}
    </Section>
  )
}

const ratePct = (r: number | null) => (r === null ? '—' : `${Math.round(r * 1000) / 10}%`)
const signedYuan = (fen: number) => (fen === 0 ? '不变' : `${fen > 0 ? '+' : '-'}${yuan(Math.abs(fen))}`)

/** Template fields of a kind accept only some sources (a time field shows a time). */
function sourcesFor(field: string): string[] {
  const kind = field.replace(/\d+$/, '')
  const by: Record<string, string[]> = {
    time: ['updatedAt', 'deadline'],
    date: ['deadlineDate'],
    amount: ['amountFen'],
    character_string: ['caseNo', 'trackingNo'],
    phrase: ['statusPhrase'],
    thing: ['productName', 'nextStep', 'actionText', 'carrier', 'statusPhrase'],
  }
  return by[kind] ?? Object.keys(TEMPLATE_SOURCE_LABELS)
}

/** "compensation.lateCapFen: 延迟补偿上限不能低于…" → the message with the field's Chinese name. */
function readableError(e: string, p: Policy): string {
  const i = e.indexOf(': ')
  if (i < 0) return e
  const path = e.slice(0, i)
  const msg = e.slice(i + 2)
  const parts = path.split('.')
  let where = ''
  if (parts[0] === 'compensation') where = COMPENSATION_LABELS[parts[1] as keyof Policy['compensation']]?.label ?? ''
  else if (parts[0] === 'buyerWait') where = BUYER_WAIT_LABELS[parts[1] as keyof Policy['buyerWait']] ?? ''
  else if (parts[0] === 'limits') where = LIMIT_LABELS[parts[1] as keyof Policy['limits']] ?? ''
  else if (parts[0] === 'reasons' && parts[1] !== undefined) where = `售后原因「${p.reasons[Number(parts[1])]?.label ?? ''}」`
  else if (parts[0] === 'sla' && parts[1] === 'targets') where = `${SEVERITY_EXPLAINED[parts[2] as Severity]?.short ?? ''} ${TARGET_LABELS[parts[3] as 'firstResponse'] ?? ''}时限`
  else if (parts[0] === 'sla') where = SLA_FIELD_LABELS[parts[1] as keyof typeof SLA_FIELD_LABELS] ?? ''
  else if (parts[0] === 'calendar') where = parts[1] === 'businessHours' ? `${WEEKDAY_LABELS[Number(parts[2])] ?? ''}营业时间` : parts[1] === 'holidays' ? '节假日' : parts[1] === 'makeupWorkdays' ? '调休上班日' : '时区'
  else if (parts[0] === 'templates') where = `「${TEMPLATE_LABELS[parts[1]] ?? '通知'}」`
  else if (parts[0] === 'autoRules') where = parts[1] !== undefined ? `自动处理规则「${p.autoRules?.[Number(parts[1])]?.name ?? ''}」` : '自动处理规则'
  return where ? `${where}：${msg}` : msg
}

function structuredCloneSafe<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T
}

export default function PolicyPage() {
  return <StaffGate>{(me) => <PolicyScreen me={me} />}</StaffGate>
}
