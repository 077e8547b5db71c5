import { useState } from 'react'
import { Button, Input, Switch, Text, View } from '@tarojs/components'
import type { WhatIfRules } from '@contract/actions'
import {
  AUTO_RULE_ACTION_LABELS,
  AUTO_RULE_BUYER,
  AUTO_RULE_BUYER_LABELS,
  AUTO_RULE_SHIPPED,
  AUTO_RULE_SHIPPED_LABELS,
  MAX_AUTO_RULES,
  type AutoRule,
  type AutoRuleWhen,
} from '@contract/auto-rules'
import { CASE_SOURCE_LABELS, CASE_TYPES, CASE_TYPE_LABELS, type CaseSource } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { fenToInput, inputToFen, yuan } from '../format'
import { Chip, Section } from '../ui'

const SOURCES: CaseSource[] = ['miniprogram', 'channels']

/** A text input for an optional number: empty = no limit; an unparsable value is NaN so the schema flags it. */
function OptionalNumber(props: { id: string; label: string; value: number | undefined; kind: 'yuan' | 'int'; disabled: boolean; required?: boolean; onChange(v: number | undefined): void }) {
  const [text, setText] = useState(props.value === undefined ? '' : props.kind === 'yuan' ? fenToInput(props.value) : String(props.value))
  const [bad, setBad] = useState(false)
  return (
    <View className="adm-field">
      <Text className="adm-field__label">
        {props.label}
        {props.kind === 'yuan' ? (props.required ? '（元）' : '（元，留空为不限）') : '（留空为不限）'}
      </Text>
      <Input
        id={props.id}
        className="adm-input"
        type="digit"
        value={text}
        disabled={props.disabled || undefined}
        onInput={(e) => {
          const t = e.detail.value.trim()
          setText(e.detail.value)
          if (!t) {
            setBad(false)
            return props.onChange(undefined)
          }
          const n = props.kind === 'yuan' ? (inputToFen(t) ?? NaN) : /^\d+$/.test(t) ? Number(t) : NaN
          setBad(Number.isNaN(n))
          props.onChange(n)
        }}
      />
      {bad && <Text className="adm-field__error">{props.kind === 'yuan' ? '请输入金额，最多两位小数' : '请输入整数'}</Text>}
    </View>
  )
}

/** Toggles `v` in a list of choices; an empty list means "不限" (the condition is dropped). */
function toggled<T>(all: readonly T[], cur: readonly T[] | undefined, v: T): T[] | undefined {
  const now = cur ?? []
  const next = now.includes(v) ? now.filter((x) => x !== v) : all.filter((x) => x === v || now.includes(x))
  return next.length ? next : undefined
}

function newRule(existing: AutoRule[]): AutoRule {
  let n = existing.length + 1
  while (existing.some((r) => r.id === `rule-${n}`)) n++
  return { id: `rule-${n}`, name: `规则${n}`, enabled: true, dailyCapFen: 50_000, when: { types: ['refund_only'], shipped: 'not_shipped', maxAmountFen: 5_000, buyer: 'not_risky' }, action: 'approve' }
}

/**
 * The policy's auto-decision rules (issue #24): order, on/off, daily cap, conditions, action, and
 * what the last preview says each would have decided (shown next to its button). A changed rule is
 * saved only after a preview of exactly these rules (the function checks the preview's token).
 */
export function RulesSection(props: {
  policy: Policy
  ro: boolean
  update(fn: (p: Policy) => void): void
  preview: WhatIfRules | null
  stale: boolean
  previewing: boolean
  days: number
  canPreview: boolean
  onPreview(): void
}) {
  const { policy: p, ro, update, preview } = props
  const rules = p.autoRules ?? []
  const reasons = p.reasons.filter((r) => r.enabled !== false)
  const setWhen = (i: number, fn: (w: AutoRuleWhen) => void) =>
    update((x) => {
      const w = { ...x.autoRules[i].when }
      fn(w)
      for (const k of Object.keys(w) as (keyof AutoRuleWhen)[]) if (w[k] === undefined) delete w[k]
      x.autoRules[i].when = w
    })
  const move = (i: number, by: -1 | 1) =>
    update((x) => {
      const j = i + by
      if (j < 0 || j >= x.autoRules.length) return
      ;[x.autoRules[i], x.autoRules[j]] = [x.autoRules[j], x.autoRules[i]]
    })

  return (
    <Section title="自动处理规则" id="policy-rules">
      <Text className="adm-muted block">
        新售后单按顺序找第一条启用且条件都符合的规则，由系统自动同意。金额超过审批门槛、买家有退款风险、超出可退金额或当天额度用完时，仍由人工处理；安全问题从不自动处理。改了规则要先预览影响才能保存。
      </Text>
      {rules.length === 0 && <Text className="adm-muted block">还没有规则</Text>}
      {rules.map((r, i) => {
        const row = preview?.rows.find((x) => x.id === r.id)
        return (
          <View key={r.id} className="adm-offer" id={`rule-${r.id}`}>
            <View className="adm-row adm-row--center">
              <Text className="adm-row__main">
                第 {i + 1} 条
              </Text>
              <View className="adm-switch">
                <Text className="adm-switch__label" id={`rule-state-${r.id}`}>
                  {r.enabled ? '已启用' : '已停用'}
                </Text>
                <Switch id={`rule-enabled-${r.id}`} checked={r.enabled} disabled={ro || undefined} color="#07c160" onChange={(e) => update((x) => void (x.autoRules[i].enabled = e.detail.value))} />
              </View>
            </View>
            <View className="adm-field">
              <Text className="adm-field__label">规则名称</Text>
              <Input id={`rule-name-${r.id}`} className="adm-input" value={r.name} disabled={ro || undefined} onInput={(e) => update((x) => void (x.autoRules[i].name = e.detail.value))} />
            </View>
            <OptionalNumber id={`rule-cap-${r.id}`} label="每天最多自动处理金额" kind="yuan" required value={r.dailyCapFen} disabled={ro} onChange={(v) => update((x) => void (x.autoRules[i].dailyCapFen = v ?? NaN))} />

            <Text className="adm-field__label">售后类型（不选为不限）</Text>
            <View>
              {CASE_TYPES.map((t) => (
                <Chip key={t} id={`rule-${r.id}-type-${t}`} on={r.when.types?.includes(t)} onClick={() => !ro && setWhen(i, (w) => void (w.types = toggled(CASE_TYPES, w.types, t)))}>
                  {CASE_TYPE_LABELS[t]}
                </Chip>
              ))}
            </View>
            <Text className="adm-field__label">售后原因（不选为不限）</Text>
            <View>
              {reasons.map((x) => (
                <Chip
                  key={x.code}
                  id={`rule-${r.id}-reason-${x.code}`}
                  on={r.when.reasons?.includes(x.code)}
                  onClick={() => !ro && setWhen(i, (w) => void (w.reasons = toggled(reasons.map((y) => y.code), w.reasons, x.code)))}
                >
                  {x.label}
                </Chip>
              ))}
            </View>
            <OptionalNumber id={`rule-amount-${r.id}`} label="金额不超过" kind="yuan" value={r.when.maxAmountFen} disabled={ro} onChange={(v) => setWhen(i, (w) => void (w.maxAmountFen = v))} />
            <Text className="adm-field__label">发货情况</Text>
            <View>
              <Chip id={`rule-${r.id}-shipped-any`} on={!r.when.shipped} onClick={() => !ro && setWhen(i, (w) => void (w.shipped = undefined))}>
                不限
              </Chip>
              {AUTO_RULE_SHIPPED.map((s) => (
                <Chip key={s} id={`rule-${r.id}-shipped-${s}`} on={r.when.shipped === s} onClick={() => !ro && setWhen(i, (w) => void (w.shipped = s))}>
                  {AUTO_RULE_SHIPPED_LABELS[s]}
                </Chip>
              ))}
            </View>
            <OptionalNumber id={`rule-days-${r.id}`} label="签收后天数不超过" kind="int" value={r.when.maxDaysSinceDelivery} disabled={ro} onChange={(v) => setWhen(i, (w) => void (w.maxDaysSinceDelivery = v))} />
            <Text className="adm-field__label">买家</Text>
            <View>
              <Chip id={`rule-${r.id}-buyer-any`} on={!r.when.buyer} onClick={() => !ro && setWhen(i, (w) => void (w.buyer = undefined))}>
                不限
              </Chip>
              {AUTO_RULE_BUYER.map((b) => (
                <Chip key={b} id={`rule-${r.id}-buyer-${b}`} on={r.when.buyer === b} onClick={() => !ro && setWhen(i, (w) => void (w.buyer = b))}>
                  {AUTO_RULE_BUYER_LABELS[b]}
                </Chip>
              ))}
            </View>
            <Text className="adm-field__label">来源（不选为不限）</Text>
            <View>
              {SOURCES.map((s) => (
                <Chip key={s} id={`rule-${r.id}-source-${s}`} on={r.when.sources?.includes(s)} onClick={() => !ro && setWhen(i, (w) => void (w.sources = toggled(SOURCES, w.sources, s)))}>
                  {CASE_SOURCE_LABELS[s]}
                </Chip>
              ))}
            </View>
            <Text className="adm-field__label">执行</Text>
            <Text className="block">{AUTO_RULE_ACTION_LABELS[r.action]}</Text>
            {row && (
              <Text className="adm-muted block" id={`rule-preview-${r.id}`}>
                预览{props.stale ? '（已过期，请重新预览）' : ''}：近{props.days}天会自动处理 {row.cases} 单，共{yuan(row.amountFen)}
                {row.cappedCases ? `；因当天额度用完转人工 ${row.cappedCases} 单` : ''}
              </Text>
            )}
            {!ro && (
              <View className="adm-inline-actions">
                <Text className="adm-link-btn" id={`rule-up-${r.id}`} onClick={() => move(i, -1)}>
                  上移
                </Text>
                <Text className="adm-link-btn" id={`rule-down-${r.id}`} onClick={() => move(i, 1)}>
                  下移
                </Text>
                <Text className="adm-link-btn adm-link-btn--danger" id={`rule-remove-${r.id}`} onClick={() => update((x) => void x.autoRules.splice(i, 1))}>
                  删除
                </Text>
              </View>
            )}
          </View>
        )
      })}
      {!ro && (
        <View className="adm-inline-actions">
          {rules.length < MAX_AUTO_RULES && (
            <Text className="adm-link-btn" id="rule-add" onClick={() => update((x) => void (x.autoRules = [...(x.autoRules ?? []), newRule(x.autoRules ?? [])]))}>
              ＋ 添加规则
            </Text>
          )}
        </View>
      )}
      {!ro && (
        <View className="adm-row adm-row--center" id="rules-preview-bar">
          <Button id="rules-preview" className="adm-btn adm-btn--small" disabled={props.previewing || !props.canPreview || undefined} onClick={props.onPreview}>
            {props.previewing ? '计算中…' : '预览规则影响'}
          </Button>
          <Text className="adm-muted adm-row__main" id="rules-preview-result">
            {preview && !props.stale
              ? `近${props.days}天会有 ${preview.decidedCases} 单被规则自动处理，共${yuan(preview.amountFen)}`
              : props.canPreview
                ? '保存前需要预览'
                : '修改后可预览'}
          </Text>
        </View>
      )}
    </Section>
  )
}
