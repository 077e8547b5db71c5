import { useEffect, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Input, Text, Textarea, View } from '@tarojs/components'
import type { CaseSummary } from '@contract/actions'
import { BULK_MAX, type BulkCommand, type BulkResult } from '@contract/care'
import { newIdempotencyKey } from '../../api/client'
import { admin, adminApi, type Me } from '../api'
import { Chip, isLead, messageOf } from '../ui'

type Kind = 'respond' | 'note' | 'reassign' | 'make_offer' | 'approve' | 'approved' | 'refused'
const KINDS: Array<{ kind: Kind; label: string; lead?: boolean }> = [
  { kind: 'respond', label: '回复买家' },
  { kind: 'note', label: '内部备注' },
  { kind: 'reassign', label: '转交' },
  { kind: 'make_offer', label: '发优惠券方案' },
  { kind: 'approve', label: '同意申请' },
  { kind: 'approved', label: '审批通过', lead: true },
  { kind: 'refused', label: '审批驳回', lead: true },
]
const OUTCOME: Record<BulkResult['results'][number]['outcome'], string> = { applied: '已执行', replayed: '已执行（重试）', approval: '已提交主管审批', refused: '未执行' }

/**
 * Bulk actions over the selected cases of the queue (issue 24): one reply, note, reassignment,
 * coupon offer, 同意 or approval decision, applied by the function to each case on its own (its
 * version as listed here). Needs a confirmation tap; the answer lists every case and why any was
 * refused. The request key is kept until an answer arrives, so a retry never applies twice.
 */
export function BulkBar({ me, selected, onDone }: { me: Me; selected: CaseSummary[]; onDone(): void }) {
  const [kind, setKind] = useState<Kind>('respond')
  const [text, setText] = useState('')
  const [assignee, setAssignee] = useState('')
  const [couponYuan, setCouponYuan] = useState('10')
  const [staff, setStaff] = useState<Array<{ id: string; name: string }>>([])
  const [busy, setBusy] = useState(false)
  const [key, setKey] = useState<string | null>(null)
  const [result, setResult] = useState<BulkResult | null>(null)
  const [error, setError] = useState('')
  useEffect(() => {
    adminApi.listStaff().then((s) => setStaff(s.filter((x) => x.active).map((x) => ({ id: x.id, name: x.name }))), () => {})
  }, [])
  // a new selection or command is a new request (a re-render with the same one keeps the key)
  const selection = selected.map((c) => `${c.id}:${c.version ?? ''}`).join(',')
  useEffect(() => setKey(null), [kind, text, assignee, couponYuan, selection])

  const label = KINDS.find((k) => k.kind === kind)!.label
  const command = (): BulkCommand | null => {
    switch (kind) {
      case 'respond':
      case 'note':
        return text.trim() ? { type: kind, text: text.trim() } : null
      case 'reassign':
        return assignee ? { type: 'reassign', assigneeId: assignee } : null
      case 'make_offer': {
        const fen = Math.round(Number(couponYuan || '0') * 100)
        return fen > 0 ? { type: 'make_offer', offers: [{ kind: 'coupon', couponFen: fen, explanation: text.trim() || `送您${couponYuan}元店铺优惠券` }] } : null
      }
      case 'approve':
        return { type: 'approve', ...(text.trim() ? { text: text.trim() } : {}) }
      default:
        return { type: 'decide_approval', decision: kind, note: text.trim() }
    }
  }

  const run = async () => {
    const cmd = command()
    if (!cmd) return setError('请先填写内容')
    if (selected.length > BULK_MAX) return setError(`一次最多批量处理${BULK_MAX}个售后单，请缩小筛选范围`)
    const r = await Taro.showModal({ title: '请确认', content: `对选中的 ${selected.length} 个售后单执行「${label}」？每个售后单单独校验，不符合条件的会跳过并说明原因。`, confirmText: '确认', cancelText: '再想想' })
    if (!r.confirm) return
    const k = key ?? newIdempotencyKey()
    setKey(k)
    setBusy(true)
    setError('')
    try {
      const items = selected.map((c) => ({ caseId: c.id, expectedVersion: c.version ?? 1 }))
      setResult(await admin('bulk_command', { items, command: cmd }, k))
      setKey(null)
      onDone()
    } catch (e) {
      setError(messageOf(e)) // the key stays: 重试 sends the same request
    } finally {
      setBusy(false)
    }
  }

  return (
    <View className="adm-bulk" id="adm-bulk">
      <Text className="block">已选 {selected.length} 个售后单</Text>
      <View className="adm-filters__row">
        {KINDS.filter((k) => !k.lead || isLead(me)).map((k) => (
          <Chip key={k.kind} id={`bulk-${k.kind}`} on={kind === k.kind} onClick={() => setKind(k.kind)}>
            {k.label}
          </Chip>
        ))}
      </View>
      {kind === 'reassign' && (
        <View className="adm-filters__row">
          {staff.map((s) => (
            <Chip key={s.id} id={`bulk-to-${s.id}`} on={assignee === s.id} onClick={() => setAssignee(s.id)}>
              {s.name}
            </Chip>
          ))}
        </View>
      )}
      {kind === 'make_offer' && <Input id="bulk-coupon" className="adm-input" type="digit" value={couponYuan} placeholder="优惠券金额（元）" onInput={(e) => setCouponYuan(e.detail.value)} />}
      {kind !== 'reassign' && (
        <Textarea id="bulk-text" className="adm-textarea" value={text} maxlength={1000} placeholder={kind === 'respond' ? '给买家的回复' : kind === 'note' ? '备注（买家看不到）' : '说明（选填）'} onInput={(e) => setText(e.detail.value)} />
      )}
      {error && (
        <Text className="adm-error-text" id="bulk-error">
          {error}
        </Text>
      )}
      <Button id="bulk-run" className="adm-btn adm-btn--primary" disabled={busy || selected.length === 0 || undefined} onClick={run}>
        {busy ? '处理中…' : key ? '重试' : `对 ${selected.length} 个售后单执行`}
      </Button>
      {result && (
        <View id="bulk-result">
          <Text className="block" id="bulk-summary">
            共 {result.total} 个：执行 {result.applied} 个，未执行 {result.refused} 个
          </Text>
          {result.results.map((r) => (
            <Text key={r.caseId} className={`block${r.outcome === 'refused' ? ' adm-bulk-result--refused' : ''}`} id={`bulk-r-${r.caseId}`}>
              {r.caseNo ?? r.caseId}：{OUTCOME[r.outcome]}
              {r.message ? `（${r.message}）` : ''}
            </Text>
          ))}
        </View>
      )}
    </View>
  )
}
