import { useState } from 'react'
import { Button, Image, Text, Textarea, View } from '@tarojs/components'
import type { CaseView } from '@contract/actions'
import { COMPLAINT_STATUS_TEXT, TICKET_CLASS_TEXT, TICKET_REVIEW_TEXT, TICKET_STATE_TEXT } from '@contract/channels'
import { PLATFORM_CALL_LABELS } from '@contract/domain'
import { classify, pickEvidence, uploadEvidence } from '../../api/upload'
import { adminApi } from '../api'
import { fmtTime, mediaUrl } from '../format'
import { Chip, Section, messageOf } from '../ui'
import { usePlatformSend } from './platform-send'

type Answer = 'dispute_proof' | 'dispute_message'
const MAX_PHOTOS = 20
const MAX_TEXT = 500
const OUTCOME_TEXT = { won: '未判退款（商家胜诉）', lost: '平台判退款给买家', closed: '调解关闭' } as const
const CALL_STATE = { pending: '提交平台中', done: '平台已收到', refused: '平台未接受' } as const
/** the platform's own label of a dispute status */
const statusText = (s: number) => COMPLAINT_STATUS_TEXT[s] ?? `纠纷状态 ${s}`

/**
 * The platform's side of a dispute (纠纷单) and of its tickets (客诉工单, e.g. 催发货): the status in
 * the platform's words, the seller's deadline, the platform's history, and the agent's 举证 / 留言
 * (each a platform call run once; a refusal is shown here in Chinese). Images come from the case's
 * evidence or new uploads (≤ 20).
 */
export function DisputePanel({ view, onUpdated }: { view: CaseView; onUpdated(v: CaseView): void }) {
  const d = view.dispute
  const tickets = view.platformTickets ?? []
  const [open, setOpen] = useState<Answer | null>(null)
  const [text, setText] = useState('')
  const [photos, setPhotos] = useState<string[]>([])
  const { busy, error, setError, send } = usePlatformSend(onUpdated, () => setOpen(null))
  if (!d && !tickets.length) return null
  const can = (a: Answer) => view.actions.includes(a)
  const caseImages = view.evidence.filter((e) => e.kind === 'image' && mediaUrl(e.fileId)).map((e) => e.fileId)

  function start(a: Answer) {
    setOpen(a)
    setText('')
    setPhotos([])
    setError(null)
  }

  async function addPhotos() {
    try {
      const picked = await pickEvidence({ images: Math.min(9, MAX_PHOTOS - photos.length), videos: 0 })
      const ids: string[] = []
      for (const f of picked) {
        const c = classify(f)
        if (c && c.kind === 'image') ids.push((await uploadEvidence(c)).fileId)
      }
      setPhotos((cur) => [...cur, ...ids].slice(0, MAX_PHOTOS))
    } catch (e) {
      setError(messageOf(e))
    }
  }

  const toggle = (id: string) => setPhotos((cur) => (cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id].slice(0, MAX_PHOTOS)))

  async function submit() {
    if (!open) return
    const t = text.trim()
    if (!t) return setError(open === 'dispute_proof' ? '请填写举证说明' : '请填写留言')
    if ([...t].length > MAX_TEXT) return setError(`最多${MAX_TEXT}字`)
    const call = open
    await send({ content: `${open === 'dispute_proof' ? '举证' : '留言'}将提交给平台客服，提交后不能撤回。确认提交？`, confirmText: '提交' }, () =>
      adminApi.command(call, { caseId: view.id, expectedVersion: view.version, text: t, photos }),
    )
  }

  return (
    <Section title="平台纠纷与客诉" id="case-dispute">
      {d && (
        <View id="dispute">
          <View className="adm-row">
            <Text className="adm-row__k">纠纷单</Text>
            <Text id="dispute-id">{d.complaintId}</Text>
          </View>
          <View className="adm-row">
            <Text className="adm-row__k">纠纷状态</Text>
            <Text id="dispute-status">{statusText(d.status)}</Text>
          </View>
          {d.outcome && (
            <View className="adm-row">
              <Text className="adm-row__k">结果</Text>
              <Text id="dispute-outcome">{OUTCOME_TEXT[d.outcome]}</Text>
            </View>
          )}
          {d.deadline && (
            <Text className="adm-deadline" id="dispute-deadline">
              请于 {fmtTime(d.deadline)} 前处理{d.deadlineSource === 'estimated' ? '（平台未给出截止时间，按48小时估算）' : '，逾期平台将判定'}
            </Text>
          )}
          {d.timeouts.includes(307) && (
            <Text className="adm-warn block" id="dispute-seller-timeout">
              平台记录：商家补充凭证超时
            </Text>
          )}
          {d.lastCall && (
            <Text className={d.lastCall.outcome === 'refused' ? 'adm-warn block' : 'adm-muted'} id="dispute-last-call">
              {`${PLATFORM_CALL_LABELS[d.lastCall.call]}：${CALL_STATE[d.lastCall.outcome]}${d.lastCall.message ? `（${d.lastCall.message}）` : ''}`}
            </Text>
          )}
          <View id="dispute-history">
            {[...d.history].reverse().map((h, i) => (
              <View key={`${h.at}-${i}`} className="adm-row">
                <Text className="adm-row__k">{fmtTime(h.at)}</Text>
                <Text>
                  {h.content || `平台记录（类型 ${h.itemType}）`}
                  {h.mediaIds.length ? `（图片 ${h.mediaIds.length} 张，在微信小店后台查看）` : ''}
                </Text>
              </View>
            ))}
          </View>
          {!open && (can('dispute_proof') || can('dispute_message')) && (
            <View className="adm-actions">
              {can('dispute_proof') && (
                <Button id="act-dispute_proof" className="adm-btn adm-btn--primary adm-btn--small" onClick={() => start('dispute_proof')}>
                  举证
                </Button>
              )}
              {can('dispute_message') && (
                <Button id="act-dispute_message" className="adm-btn adm-btn--small" onClick={() => start('dispute_message')}>
                  补充留言
                </Button>
              )}
            </View>
          )}
          {open && (
            <View className="adm-form" id={`form-${open}`}>
              <Text className="adm-form__title">{open === 'dispute_proof' ? '向平台举证' : '向平台客服留言'}</Text>
              <Textarea
                id="f-dispute-text"
                className="adm-textarea"
                value={text}
                maxlength={MAX_TEXT}
                placeholder={open === 'dispute_proof' ? '说明事实与凭证（最多500字）' : '补充说明（最多500字）'}
                onInput={(e) => setText(e.detail.value)}
              />
              {caseImages.length > 0 && <Text className="adm-muted">选用售后单中的图片：</Text>}
              <View className="adm-evidence">
                {caseImages.map((id) => (
                  <Chip key={id} id={`f-dispute-pick-${id}`} on={photos.includes(id)} onClick={() => toggle(id)}>
                    <Image className="adm-evidence__img" src={mediaUrl(id)} mode="aspectFill" />
                  </Chip>
                ))}
              </View>
              <Button id="f-dispute-upload" className="adm-btn adm-btn--small" disabled={photos.length >= MAX_PHOTOS} onClick={addPhotos}>
                上传图片（已选 {photos.length}/{MAX_PHOTOS}）
              </Button>
              {error && (
                <View className="adm-forbidden-box" id="dispute-error">
                  <Text className="adm-forbidden-box__msg">{error}</Text>
                </View>
              )}
              <View className="adm-actions">
                <Button id="f-dispute-submit" className="adm-btn adm-btn--primary" disabled={busy} onClick={submit}>
                  {busy ? '提交中…' : '提交平台'}
                </Button>
                <Button className="adm-btn" onClick={() => setOpen(null)}>
                  取消
                </Button>
              </View>
            </View>
          )}
        </View>
      )}
      {tickets.map((t) => (
        <View key={t.ticketId} id={`ticket-${t.ticketId}`} className="adm-card">
          <View className="adm-row">
            <Text className="adm-row__k">客诉工单</Text>
            <Text>
              {TICKET_CLASS_TEXT[t.classType] ?? `类型 ${t.classType}`} · {TICKET_STATE_TEXT[t.state] ?? t.state}
              {t.timedOut ? ' · 商家处理超时' : ''}
            </Text>
          </View>
          {t.state === 1 && t.deadline && <Text className="adm-deadline">请于 {fmtTime(t.deadline)} 前在微信小店后台处理工单</Text>}
          {t.reviewResult > 0 && <Text className="adm-muted">{TICKET_REVIEW_TEXT[t.reviewResult] ?? `审核结果 ${t.reviewResult}`}</Text>}
          {t.description && <Text className="adm-muted">{t.description}</Text>}
        </View>
      ))}
    </Section>
  )
}
