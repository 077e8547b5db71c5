import { useState } from 'react'
import { Button, Input, Text, Textarea, View } from '@tarojs/components'
import type { AdminOutputs, CaseView, StaffCommand } from '@contract/actions'
import { PLATFORM_CALL_LABELS, type PlatformType } from '@contract/domain'
import { adminApi, type AdminInput } from '../api'
import { yuan } from '../format'
import { Chip, PlatformDeadline, Section, messageOf } from '../ui'
import { usePlatformSend } from './platform-send'

const TYPE_LABELS: Record<PlatformType, string> = { REFUND: '仅退款', RETURN: '退货退款', EXCHANGE: '换货' }
const OUTCOME: Record<'pending' | 'done' | 'refused', string> = { pending: '平台处理中', done: '平台已受理', refused: '平台未接受' }

type PlatformCommand = Extract<StaffCommand, `platform_${string}`>
const PLATFORM_COMMANDS: readonly PlatformCommand[] = ['platform_accept', 'platform_reject', 'platform_certificate', 'platform_reship']

/**
 * The platform side of a case that came from the Channels shop (视频号小店): the after-sale as the
 * platform shows it (status, hard deadline, reason in the platform's words, amount, the buyer's
 * words, the return parcel, the last platform call and its answer) and the seller's platform
 * actions the function allows now. Every action is irreversible on the platform: it confirms first.
 */
export function PlatformPanel({ view, onUpdated }: { view: CaseView; onUpdated(v: CaseView): void }) {
  const p = view.platform
  const mark = view.platformMark
  const [open, setOpen] = useState<PlatformCommand | null>(null)
  const { busy, error, setError, send } = usePlatformSend(onUpdated, () => setOpen(null))
  const [options, setOptions] = useState<AdminOutputs['shop_options'] | null>(null)
  const [text, setText] = useState('')
  const [reasonType, setReasonType] = useState<number | null>(null)
  const [media, setMedia] = useState('')
  const [delivery, setDelivery] = useState('')
  const [waybill, setWaybill] = useState('')
  if (!p || !mark) return null
  const allowed = PLATFORM_COMMANDS.filter((a) => view.actions.includes(a))
  const acceptLabel = PLATFORM_CALL_LABELS[mark.acceptCall]

  const run = <K extends PlatformCommand>(action: K, data: Omit<AdminInput<K>, 'caseId'>, confirm: string) =>
    send({ content: confirm, confirmText: '确认' }, () => adminApi.command(action, { ...data, caseId: view.id, expectedVersion: view.version } as AdminInput<K>))

  const openForm = (a: PlatformCommand) => {
    setError(null)
    if (a === 'platform_accept') {
      const content =
        mark.acceptCall === 'accept_return'
          ? '同意退货：平台将通知买家按店铺默认退货地址寄回商品。确认同意？'
          : `${acceptLabel}：平台将立即向买家退款${yuan(p.refundFen)}，不可撤销。确认？`
      void run('platform_accept', {}, content)
      return
    }
    setOpen(a)
    setText('')
    if (a === 'platform_reject' && !options) adminApi.shopOptions().then(setOptions, (e: unknown) => setError(messageOf(e)))
  }

  const submit = () => {
    const t = text.trim()
    if (open === 'platform_reject') {
      if (reasonType === null) return setError('请选择平台拒绝原因')
      if (!t) return setError('请填写给买家的说明')
      return run('platform_reject', { rejectReasonType: reasonType, text: t }, '拒绝后平台将通知买家，买家可修改申请或申请平台介入。确认拒绝？')
    }
    if (open === 'platform_certificate') {
      const certificates = media.split(/[\s,，]+/).filter(Boolean)
      if (!certificates.length) return setError('请填写退款凭证图片的平台 media_id')
      if (!t) return setError('请填写退款说明')
      return run('platform_certificate', { certificates, text: t }, '上传线下退款凭证后，平台将据此处理该售后。确认上传？')
    }
    if (open === 'platform_reship') {
      if (!delivery.trim() || !waybill.trim()) return setError('请填写快递公司编码和运单号')
      return run('platform_reship', { deliveryId: delivery.trim(), waybillId: waybill.trim() }, '确认换货商品已发出？')
    }
  }

  return (
    <Section title="视频号小店售后" id="case-platform">
      <View className="adm-row">
        <Text className="adm-row__k">平台售后单</Text>
        <Text id="platform-id">{p.afterSaleOrderId}</Text>
      </View>
      <View className="adm-row">
        <Text className="adm-row__k">平台状态</Text>
        <Text id="platform-status">{mark.statusText}</Text>
      </View>
      {mark.deadline && <PlatformDeadline id="platform-deadline" at={mark.deadline} />}
      <View className="adm-row">
        <Text className="adm-row__k">类型 / 原因</Text>
        <Text>
          {TYPE_LABELS[p.type]} · {p.reasonText || '未填写'}
        </Text>
      </View>
      <View className="adm-row">
        <Text className="adm-row__k">申请退款</Text>
        <Text id="platform-amount">{yuan(p.refundFen)}</Text>
      </View>
      {p.description && <Text className="adm-card__title">买家说明：{p.description}</Text>}
      {p.mediaIds.length > 0 && <Text className="adm-muted">买家上传了 {p.mediaIds.length} 个图片/视频（见下方「凭证」）</Text>}
      {p.returnWaybill && (
        <View className="adm-row">
          <Text className="adm-row__k">退货物流</Text>
          <Text id="platform-return">
            {p.returnWaybill.deliveryName || p.returnWaybill.deliveryId} {p.returnWaybill.waybillId}
          </Text>
        </View>
      )}
      {p.lastCall && (
        <View className="adm-row">
          <Text className="adm-row__k">最近平台操作</Text>
          <Text id="platform-last-call" className={p.lastCall.outcome === 'refused' ? 'adm-error-text' : ''}>
            {PLATFORM_CALL_LABELS[p.lastCall.call]} · {OUTCOME[p.lastCall.outcome]}
            {p.lastCall.message ? `：${p.lastCall.message}` : ''}
          </Text>
        </View>
      )}
      {allowed.length > 0 && (
        <View className="adm-actions" id="platform-actions">
          {allowed.map((a) => (
            <Button key={a} id={`pa-${a}`} className="adm-btn adm-btn--small" disabled={busy || undefined} onClick={() => openForm(a)}>
              {a === 'platform_accept' ? acceptLabel : a === 'platform_reject' ? '拒绝申请' : a === 'platform_certificate' ? '上传退款凭证' : '换货发货'}
            </Button>
          ))}
        </View>
      )}
      {open === 'platform_reject' && (
        <View className="adm-field" id="pf-reject">
          <Text className="adm-field__label">平台拒绝原因</Text>
          {!options && <Text className="adm-muted">正在读取平台的拒绝原因…</Text>}
          {options?.rejectReasons.map((r) => (
            <Chip key={r.type} id={`pf-reason-${r.type}`} on={reasonType === r.type} onClick={() => setReasonType(r.type)}>
              {r.text}
            </Chip>
          ))}
        </View>
      )}
      {open === 'platform_certificate' && (
        <View className="adm-field">
          <Text className="adm-field__label">凭证图片 media_id（在视频号小店上传图片后获得，多个用逗号分隔）</Text>
          <Input id="pf-media" className="adm-input" value={media} onInput={(e) => setMedia(e.detail.value)} />
        </View>
      )}
      {open === 'platform_reship' && (
        <View className="adm-field">
          <Text className="adm-field__label">快递公司编码 / 运单号</Text>
          <Input id="pf-delivery" className="adm-input" value={delivery} placeholder="如 SF" onInput={(e) => setDelivery(e.detail.value)} />
          <Input id="pf-waybill" className="adm-input" value={waybill} placeholder="运单号" onInput={(e) => setWaybill(e.detail.value)} />
        </View>
      )}
      {(open === 'platform_reject' || open === 'platform_certificate') && (
        <View className="adm-field">
          <Text className="adm-field__label">{open === 'platform_reject' ? '给买家的说明' : '退款说明'}</Text>
          <Textarea id="pf-text" className="adm-textarea" value={text} maxlength={200} onInput={(e) => setText(e.detail.value)} />
        </View>
      )}
      {open && (
        <View className="adm-actions">
          <Button id="pf-submit" className="adm-btn adm-btn--primary" disabled={busy || undefined} onClick={submit}>
            提交到平台
          </Button>
          <Button id="pf-cancel" className="adm-btn" onClick={() => setOpen(null)}>
            取消
          </Button>
        </View>
      )}
      {error && (
        <Text className="adm-error-text" id="platform-error">
          {error}
        </Text>
      )}
    </Section>
  )
}
