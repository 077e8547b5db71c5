import { useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Text, Textarea, View } from '@tarojs/components'
import type { BuyerHistoryView } from '@contract/actions'
import { adminApi, type Me } from '../api'
import { fmtShort } from '../format'
import { Chip, isLead, messageOf } from '../ui'

type Choice = 'trusted' | 'not_trusted' | 'rule'
const CHOICES: Record<Choice, string> = { trusted: '设为老客户', not_trusted: '取消老客户', rule: '按规则判断' }
const VALUE: Record<Choice, boolean | null> = { trusted: true, not_trusted: false, rule: null }

const decisionText = (t: boolean | null) => (t === null ? '恢复按规则判断' : t ? '设为老客户' : '取消老客户')

/**
 * The buyer panel's trust rows: whether the buyer is 老客户 (an exchange ships before the return
 * arrives) and why — the policy's rule with its numbers, or a supervisor's decision — with every
 * decision (who, when, why). Supervisors and owners set or revoke it here with a reason; the
 * function enforces the role, this only hides the form from agents.
 */
export function BuyerTrust({ buyerOpenid, history, me, onChanged }: { buyerOpenid: string; history: BuyerHistoryView; me: Me; onChanged: () => void }) {
  const [choice, setChoice] = useState<Choice>(history.trusted ? 'not_trusted' : 'trusted')
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const r = history.trustRule
  const ruleText = `规则：${r.orderDays}天内签收${r.completedOrders >= r.minOrders ? `≥${r.minOrders}` : r.completedOrders}单（需${r.minOrders}单）` +
    `，90天内${history.refundCount90d > 0 ? `有${history.refundCount90d}次退款` : '无退款'}${r.riskCases90d > 0 ? '、有风险标记' : ''} → ${r.trusted ? '符合' : '不符合'}`

  async function save() {
    setBusy(true)
    try {
      await adminApi.setBuyerTrust({ buyerOpenid, trusted: VALUE[choice], reason })
      Taro.showToast({ title: '已记录', icon: 'success' })
      setReason('')
      onChanged()
    } catch (e) {
      Taro.showToast({ title: messageOf(e), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  return (
    <View id="buyer-trust">
      <View className="adm-row">
        <Text className="adm-row__k">老客户（换货先发）</Text>
        <Text id="trust-state">
          {history.trusted ? '是' : '否'}（{history.trustSource === 'supervisor' ? '主管设定' : '按规则'}）
        </Text>
      </View>
      <View className="adm-muted" id="trust-rule">
        <Text>{ruleText}</Text>
      </View>
      {history.trustHistory
        .slice()
        .reverse()
        .map((h, i) => (
          <View key={`${h.at}-${i}`} className="adm-muted" id={`trust-change-${i}`}>
            <Text>
              {fmtShort(h.at)} {h.byName ?? h.by}：{decisionText(h.trusted)}，原因：{h.reason}
            </Text>
          </View>
        ))}
      {isLead(me) && (
        <View className="adm-field" id="trust-form">
          <View>
            {(Object.keys(CHOICES) as Choice[]).map((k) => (
              <Chip key={k} id={`trust-${k}`} on={choice === k} onClick={() => setChoice(k)}>
                {CHOICES[k]}
              </Chip>
            ))}
          </View>
          <Textarea id="trust-reason" className="adm-textarea" value={reason} placeholder="原因（必填，2–200字）" onInput={(e) => setReason(e.detail.value)} />
          <Button id="trust-save" className="adm-btn" disabled={busy || reason.trim().length < 2 || undefined} onClick={save}>
            保存
          </Button>
        </View>
      )}
    </View>
  )
}
