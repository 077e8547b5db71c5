import { useCallback, useEffect, useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Image, Input, Text, Textarea, View } from '@tarojs/components'
import { BATCH_REMEDY_KINDS, BATCH_REMEDY_LABELS, type BatchAlert, type BatchAlertView, type BatchRemedy } from '@contract/care'
import { STAFF_STATUS_LABELS } from '@contract/domain'
import { admin, type Me } from '../api'
import { fmtShort, mediaUrl, yuan } from '../format'
import { Chip, Empty, ErrorView, Loading, Section, isLead, messageOf } from '../ui'

type State<T> = { kind: 'loading' } | { kind: 'error'; message: string } | { kind: 'ok'; v: T }

/** One line of what was done about an alert (the list and the analytics page show it too). */
export function actionLine(a: BatchAlert): string {
  if (!a.action) return '未处理'
  const parts: string[] = []
  if (a.action.remedy) parts.push(`批次方案：${BATCH_REMEDY_LABELS[a.action.remedy.kind]}${a.action.remedy.amountFen ? ` ${yuan(a.action.remedy.amountFen)}` : ''}`)
  if (a.action.outreach && a.progress) {
    parts.push(`主动联系 ${a.progress.reached} 位买家（已用 ${yuan(a.progress.spentFen)} / 预算 ${yuan(a.action.outreach.budgetFen)}）${a.progress.status === 'running' ? '，进行中' : ''}`)
  }
  return `${a.action.byName} ${fmtShort(a.action.at)}：${parts.join('；')}`
}

/** The list, or one alert when `alertId` is given (the page passes its `?id=`). */
export function BatchScreen({ me, alertId }: { me: Me; alertId?: string }) {
  return alertId ? <AlertDetail me={me} id={alertId} /> : <AlertList me={me} />
}

function AlertList({ me }: { me: Me }) {
  const [s, setS] = useState<State<BatchAlert[]>>({ kind: 'loading' })
  const load = useCallback(() => {
    setS({ kind: 'loading' })
    admin('batch_alerts', { limit: 50 }).then((r) => setS({ kind: 'ok', v: r.items }), (e: unknown) => setS({ kind: 'error', message: messageOf(e) }))
  }, [])
  useEffect(load, [load])
  if (!isLead(me)) return <Empty text="批次预警仅主管和店主可见" />
  if (s.kind === 'loading') return <Loading />
  if (s.kind === 'error') return <ErrorView message={s.message} onRetry={load} />
  return (
    <View className="adm-page" id="batch-list">
      {s.v.length === 0 && <Empty text="暂无批次预警" />}
      {s.v.map((a) => (
        <View key={a.id} className="adm-card" id={`batch-${a.id}`} onClick={() => Taro.navigateTo({ url: `/admin/batch/index?id=${encodeURIComponent(a.id)}` })}>
          <Text className="adm-card__title">
            {a.product} · 批次 {a.batch || '未标注'}
          </Text>
          <Text className="adm-muted block">
            {fmtShort(a.openedAt)} · {a.caseIds.length} 个售后单
          </Text>
          <Text className="block">{actionLine(a)}</Text>
        </View>
      ))}
    </View>
  )
}

function AlertDetail({ me, id }: { me: Me; id: string }) {
  const [s, setS] = useState<State<BatchAlertView>>({ kind: 'loading' })
  const load = useCallback(() => {
    setS({ kind: 'loading' })
    admin('get_batch_alert', { alertId: id }).then((v) => setS({ kind: 'ok', v }), (e: unknown) => setS({ kind: 'error', message: messageOf(e) }))
  }, [id])
  useEffect(load, [load])
  if (s.kind === 'loading') return <Loading />
  if (s.kind === 'error') return <ErrorView message={s.message} onRetry={load} />
  const a = s.v
  return (
    <View className="adm-page" id="batch-detail">
      <Section title={`${a.product} · 批次 ${a.batch || '未标注'}`} id="batch-head">
        <Text className="block">
          {fmtShort(a.windowFrom)} 至 {fmtShort(a.openedAt)}：{a.cases.length} 个售后单（阈值 {a.threshold}）
        </Text>
        <Text className="block" id="batch-action-line">
          {actionLine(a)}
        </Text>
        {a.progress?.note && <Text className="adm-muted block">{a.progress.note}</Text>}
        {a.currentRemedy && <Text className="adm-muted block">该批次新售后单的建议方案：{BATCH_REMEDY_LABELS[a.currentRemedy.kind]}</Text>}
      </Section>
      <Section title="售后单对比" id="batch-cases">
        <View className="adm-batch-grid">
          {a.cases.map((c) => {
            const images = c.photos.filter((p) => p.kind === 'image' && mediaUrl(p.fileId))
            return (
              <View key={c.caseId} className="adm-card adm-batch-case" id={`batch-case-${c.caseId}`}>
                <Text className="adm-card__no" onClick={() => Taro.navigateTo({ url: `/admin/case/index?id=${encodeURIComponent(c.caseId)}` })}>
                  {c.caseNo}
                </Text>
                <Text className="adm-muted block">
                  {c.buyer} · {c.reasonLabel} · {STAFF_STATUS_LABELS[c.status]} · {fmtShort(c.createdAt)}
                </Text>
                <Text className="block">{c.description || '（买家未填写描述）'}</Text>
                <View className="adm-evidence">
                  {images.map((p) => (
                    <Image
                      key={p.fileId}
                      className="adm-evidence__img"
                      src={mediaUrl(p.fileId)}
                      mode="aspectFill"
                      onClick={() => Taro.previewImage({ current: mediaUrl(p.fileId), urls: images.map((x) => mediaUrl(x.fileId)) })}
                    />
                  ))}
                  {images.length === 0 && <Text className="adm-muted">无图片</Text>}
                </View>
              </View>
            )
          })}
        </View>
      </Section>
      {me.role === 'owner' && !a.action && <ActForm alert={a} onDone={(v) => setS({ kind: 'ok', v })} />}
      {me.role !== 'owner' && !a.action && <Text className="adm-muted block">由店主设定批次方案并联系买家</Text>}
    </View>
  )
}

const yuanToFen = (s: string) => Math.round(Number(s || '0') * 100)

/** The owner's one confirmed action: the batch's remedy and / or reaching its buyers within a budget. */
function ActForm({ alert, onDone }: { alert: BatchAlertView; onDone(v: BatchAlertView): void }) {
  const [remedy, setRemedy] = useState<BatchRemedy['kind'] | null>('refund')
  const [remedyYuan, setRemedyYuan] = useState('')
  const [reach, setReach] = useState(true)
  const [kind, setKind] = useState<'coupon' | 'compensation' | 'resend'>('coupon')
  const [perYuan, setPerYuan] = useState('10')
  const [budgetYuan, setBudgetYuan] = useState('500')
  const [message, setMessage] = useState(`您购买的「${alert.product}」同批次可能存在问题，我们主动为您送上补偿，给您添麻烦了`)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')

  const submit = async () => {
    setError('')
    const remedyInput = remedy ? { kind: remedy, ...(remedyYuan ? { amountFen: yuanToFen(remedyYuan) } : {}), note: '' } : null
    const outreach = reach ? { kind, amountFen: kind === 'resend' ? 0 : yuanToFen(perYuan), budgetFen: yuanToFen(budgetYuan), message } : null
    const lines = [
      remedyInput ? `该批次的新售后单建议「${BATCH_REMEDY_LABELS[remedyInput.kind]}」` : '',
      outreach ? `主动联系已签收且未投诉的买家，每人${kind === 'resend' ? '补发一份' : yuan(outreach.amountFen)}，总预算${yuan(outreach.budgetFen)}` : '',
    ].filter(Boolean)
    const r = await Taro.showModal({ title: '请确认', content: `${lines.join('；')}。确认后立即执行，每位买家只联系一次。`, confirmText: '确认', cancelText: '再想想' })
    if (!r.confirm) return
    setBusy(true)
    try {
      onDone(await admin('act_batch_alert', { alertId: alert.id, expectedVersion: alert.version, remedy: remedyInput, outreach }))
    } catch (e) {
      setError(messageOf(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <Section title="处理这个批次" id="batch-act">
      <Text className="adm-filters__label">新售后单统一方案</Text>
      <View className="adm-filters__row">
        <Chip id="remedy-none" on={remedy === null} onClick={() => setRemedy(null)}>
          不设定
        </Chip>
        {BATCH_REMEDY_KINDS.map((k) => (
          <Chip key={k} id={`remedy-${k}`} on={remedy === k} onClick={() => setRemedy(k)}>
            {BATCH_REMEDY_LABELS[k]}
          </Chip>
        ))}
      </View>
      {(remedy === 'refund' || remedy === 'compensation' || remedy === 'coupon') && (
        <Input id="remedy-amount" className="adm-input" type="digit" value={remedyYuan} placeholder={remedy === 'refund' ? '退款金额（元，留空=全额）' : '金额（元）'} onInput={(e) => setRemedyYuan(e.detail.value)} />
      )}
      <View className="adm-filters__row">
        <Chip id="reach-toggle" on={reach} onClick={() => setReach(!reach)}>
          主动联系该批次其他买家
        </Chip>
      </View>
      {reach && (
        <View id="reach-form">
          <View className="adm-filters__row">
            {(['coupon', 'compensation', 'resend'] as const).map((k) => (
              <Chip key={k} id={`reach-${k}`} on={kind === k} onClick={() => setKind(k)}>
                {BATCH_REMEDY_LABELS[k]}
              </Chip>
            ))}
          </View>
          {kind !== 'resend' && <Input id="reach-per" className="adm-input" type="digit" value={perYuan} placeholder="每位买家（元）" onInput={(e) => setPerYuan(e.detail.value)} />}
          <Input id="reach-budget" className="adm-input" type="digit" value={budgetYuan} placeholder="总预算（元）" onInput={(e) => setBudgetYuan(e.detail.value)} />
          <Textarea id="reach-message" className="adm-textarea" value={message} maxlength={200} onInput={(e) => setMessage(e.detail.value)} />
        </View>
      )}
      {error && (
        <Text className="adm-error-text" id="batch-act-error">
          {error}
        </Text>
      )}
      <Button id="batch-act-submit" className="adm-btn adm-btn--primary" disabled={busy || (!remedy && !reach) || undefined} onClick={submit}>
        {busy ? '处理中…' : '确认处理'}
      </Button>
    </Section>
  )
}
