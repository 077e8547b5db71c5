import { useState } from 'react'
import Taro from '@tarojs/taro'
import { Button, Text, Textarea, View } from '@tarojs/components'
import type { CaseView } from '@contract/actions'
import {
  CONTACT_CHANNEL_LABELS,
  CONTACT_CHANNELS,
  CONTACT_OUTCOME_LABELS,
  REVIEW_CAUSE_LABELS,
  REVIEW_CAUSES,
  REVIEW_OUTCOME_LABELS,
  VISIT_OUTCOME_LABELS,
  type ReviewCause,
  type ReviewOutcome,
  type VisitOutcome,
} from '@contract/domain'
import { adminApi, type AdminInput } from '../api'
import { fmtShort, yuan } from '../format'
import { Chip, Section, messageOf } from '../ui'

type ContactChannel = (typeof CONTACT_CHANNELS)[number]
type ContactOutcome = keyof typeof CONTACT_OUTCOME_LABELS

/** What the case itself says about the cause: product, reason, what was done (pre-fills step 1). */
function causeFromCase(c: CaseView, reasonLabel: string): string {
  const product = c.order.items.filter((i) => c.claimedItems.some((x) => x.skuId === i.skuId)).map((i) => i.name).join('、')
  const done = c.offers.find((o) => o.id === c.acceptedOfferId)?.explanation ?? '未给出方案'
  return `商品：${product}；售后原因：${reasonLabel}；处理：${done}；买家评价：${c.rating?.comment || `${c.rating?.score ?? '-'}星`}`
}

/**
 * The case's follow-up work (issue 15): a pending approval (supervisors decide here), the 差评
 * follow-up in four steps, and the 回访 outcome. Buttons appear only for commands the function
 * allows now (`view.actions`); every rule is the core's.
 */
export function LoopPanel({ view, reasonLabel, replyDrafts, onUpdated }: { view: CaseView; reasonLabel: string; replyDrafts: Partial<Record<ReviewCause, string>>; onUpdated(v: CaseView): void }) {
  const [busy, setBusy] = useState(false)
  const [note, setNote] = useState('')
  const [cause, setCause] = useState<ReviewCause>('product')
  const [causeText, setCauseText] = useState(() => causeFromCase(view, reasonLabel))
  const [channel, setChannel] = useState<ContactChannel>('phone')
  const [contactOutcome, setContactOutcome] = useState<ContactOutcome>('reached')
  const [reply, setReply] = useState<string | null>(null)
  const [outcome, setOutcome] = useState<ReviewOutcome>('not_updated')
  const [visit, setVisit] = useState<VisitOutcome>('satisfied')
  const can = (a: string) => view.actions.includes(a as never)
  const pending = (view.approvals ?? []).find((a) => a.status === 'pending')
  const f = view.reviewFollowUp
  const fu = view.followUp

  async function go<K extends 'decide_approval' | 'review_step' | 'record_visit'>(action: K, data: Omit<AdminInput<K>, 'caseId'>) {
    setBusy(true)
    try {
      const next = await adminApi.command(action, { ...data, caseId: view.id, expectedVersion: view.version } as AdminInput<K>)
      Taro.showToast({ title: '已记录', icon: 'success' })
      setNote('')
      onUpdated(next)
    } catch (e) {
      Taro.showToast({ title: messageOf(e), icon: 'none' })
    } finally {
      setBusy(false)
    }
  }

  async function linked(purpose: 'visit' | 'review'): Promise<string | null> {
    try {
      const r = await adminApi.openLinkedCase({ caseId: view.id, purpose, note })
      return r.caseId
    } catch (e) {
      Taro.showToast({ title: messageOf(e), icon: 'none' })
      return null
    }
  }

  const noteBox = (id: string, placeholder: string) => (
    <Textarea id={id} className="adm-textarea" value={note} placeholder={placeholder} onInput={(e) => setNote(e.detail.value)} />
  )

  return (
    <>
      {(pending || (view.approvals ?? []).length > 0) && (
        <Section title="主管审批" id="case-approval">
          {pending ? (
            <View id="approval-pending">
              <Text className="adm-row">
                待主管审批：{pending.summary || '（未记录方案）'}
              </Text>
              <Text className="adm-row" id="approval-value">
                价值 {yuan(pending.amountFen)}{pending.cashFen && pending.cashFen !== pending.amountFen ? `（其中现金 ${yuan(pending.cashFen)}）` : ''} · {pending.why}{pending.note ? ` · ${pending.note}` : ''}
              </Text>
              <Text className="adm-muted">
                {fmtShort(pending.requestedAt)} 提交 · {pending.escalatedAt ? '已升级给店主' : `${fmtShort(pending.escalateAt)} 前未处理将升级`}
              </Text>
              {can('decide_approval') && (
                <View>
                  {noteBox('approval-note', '审批意见（驳回时必填）')}
                  <Button id="approval-approve" className="adm-btn adm-btn--primary" disabled={busy || undefined} onClick={() => go('decide_approval', { approvalId: pending.id, decision: 'approved', note })}>
                    批准：{pending.summary || yuan(pending.amountFen)}
                  </Button>
                  <Button id="approval-refuse" className="adm-btn adm-btn--danger" disabled={busy || undefined} onClick={() => go('decide_approval', { approvalId: pending.id, decision: 'refused', note })}>
                    驳回
                  </Button>
                </View>
              )}
            </View>
          ) : null}
          {(view.approvals ?? [])
            .filter((a) => a.status !== 'pending')
            .map((a) => (
              <Text key={a.id} className="adm-row" id={`approval-${a.status}`}>
                {a.status === 'approved' ? '主管已批准' : '主管未批准'}：{a.summary || yuan(a.amountFen)}
                {a.decisionNote ? `：${a.decisionNote}` : ''}
              </Text>
            ))}
        </Section>
      )}

      {f && (
        <Section title={f.closedAt ? '差评跟进（已完成）' : '差评跟进'} id="case-review">
          <Text className="adm-muted" id="review-due">
            {f.closedAt ? `结果：${REVIEW_OUTCOME_LABELS[f.outcome ?? 'not_updated']}` : `请在 ${fmtShort(f.dueAt)} 前完成（评分 ${f.trigger.score} 星${f.trigger.keywords.length ? `，含“${f.trigger.keywords.join('、')}”` : ''}）`}
          </Text>
          <View className="adm-field" id="review-step-analyse">
            <Text className="adm-field__label">① 分析原因{f.cause ? `：${REVIEW_CAUSE_LABELS[f.cause.category]}，${f.cause.text}` : ''}</Text>
            {!f.cause && can('review_step') && (
              <View>
                {REVIEW_CAUSES.map((k) => (
                  <Chip key={k} id={`cause-${k}`} on={cause === k} onClick={() => setCause(k)}>
                    {REVIEW_CAUSE_LABELS[k]}
                  </Chip>
                ))}
                <Textarea id="review-cause-text" className="adm-textarea" value={causeText} onInput={(e) => setCauseText(e.detail.value)} />
                <Button id="review-analyse" className="adm-btn adm-btn--small" disabled={busy || undefined} onClick={() => go('review_step', { step: { step: 'analyse', cause, text: causeText } })}>
                  记录原因
                </Button>
              </View>
            )}
          </View>
          <View className="adm-field" id="review-step-contact">
            <Text className="adm-field__label">② 联系买家（每天最多一次，不要打扰买家）</Text>
            {f.contacts.map((x) => (
              <Text key={x.at} className="adm-muted">
                {fmtShort(x.at)} {CONTACT_CHANNEL_LABELS[x.channel]}：{CONTACT_OUTCOME_LABELS[x.outcome]} {x.note}
              </Text>
            ))}
            {!f.closedAt && can('review_step') && (
              <View>
                {CONTACT_CHANNELS.map((k) => (
                  <Chip key={k} id={`channel-${k}`} on={channel === k} onClick={() => setChannel(k)}>
                    {CONTACT_CHANNEL_LABELS[k]}
                  </Chip>
                ))}
                {(Object.keys(CONTACT_OUTCOME_LABELS) as ContactOutcome[]).map((k) => (
                  <Chip key={k} id={`contact-${k}`} on={contactOutcome === k} onClick={() => setContactOutcome(k)}>
                    {CONTACT_OUTCOME_LABELS[k]}
                  </Chip>
                ))}
                <Button id="review-contact" className="adm-btn adm-btn--small" disabled={busy || undefined} onClick={() => go('review_step', { step: { step: 'contact', channel, outcome: contactOutcome, note } })}>
                  记录联系
                </Button>
              </View>
            )}
          </View>
          <View className="adm-field" id="review-step-remedy">
            <Text className="adm-field__label">③ 补救{f.remedy ? `：${f.remedy.kind === 'new_case' ? '已发起新的售后单' : '无需额外补救'} ${f.remedy.note}` : ''}</Text>
            {!f.remedy && !f.closedAt && can('review_step') && (
              <View>
                <Button id="review-remedy-none" className="adm-btn adm-btn--small" disabled={busy || undefined} onClick={() => go('review_step', { step: { step: 'remedy', mode: 'none', caseId: null, note } })}>
                  无需补救
                </Button>
                <Button
                  id="review-remedy-new"
                  className="adm-btn adm-btn--small"
                  disabled={busy || undefined}
                  onClick={async () => {
                    const id = await linked('review')
                    if (id) await go('review_step', { step: { step: 'remedy', mode: 'new_case', caseId: id, note } })
                  }}
                >
                  发起新方案（新售后单）
                </Button>
              </View>
            )}
          </View>
          <View className="adm-field" id="review-step-reply">
            <Text className="adm-field__label">④ 评价回复（写给后来的买家看）{f.reply ? `：${f.reply.text}` : ''}</Text>
            {!f.reply && !f.closedAt && can('review_step') && (
              <View>
                <Textarea
                  id="review-reply-text"
                  className="adm-textarea"
                  value={reply ?? replyDrafts[f.cause?.category ?? cause] ?? ''}
                  onInput={(e) => setReply(e.detail.value)}
                />
                <Button
                  id="review-reply"
                  className="adm-btn adm-btn--small"
                  disabled={busy || undefined}
                  onClick={() => go('review_step', { step: { step: 'reply', text: (reply ?? replyDrafts[f.cause?.category ?? cause] ?? '').trim() } })}
                >
                  记录回复
                </Button>
              </View>
            )}
          </View>
          {!f.closedAt && can('review_step') && (
            <View className="adm-field" id="review-step-close">
              {(Object.keys(REVIEW_OUTCOME_LABELS) as ReviewOutcome[]).map((k) => (
                <Chip key={k} id={`review-outcome-${k}`} on={outcome === k} onClick={() => setOutcome(k)}>
                  {REVIEW_OUTCOME_LABELS[k]}
                </Chip>
              ))}
              <Button id="review-close" className="adm-btn adm-btn--primary" disabled={busy || undefined} onClick={() => go('review_step', { step: { step: 'close', outcome } })}>
                完成跟进
              </Button>
            </View>
          )}
        </Section>
      )}

      {fu && (can('record_visit') || fu.outcome) && (
        <Section title="回访" id="case-visit">
          {fu.outcome ? (
            <Text id="visit-outcome">回访结果：{VISIT_OUTCOME_LABELS[fu.outcome]}</Text>
          ) : (
            <View>
              <Text className="adm-muted">{`回访时间：${fmtShort(fu.dueAt)}`}</Text>
              {(Object.keys(VISIT_OUTCOME_LABELS) as VisitOutcome[]).map((k) => (
                <Chip key={k} id={`visit-${k}`} on={visit === k} onClick={() => setVisit(k)}>
                  {VISIT_OUTCOME_LABELS[k]}
                </Chip>
              ))}
              {noteBox('visit-note', '买家的偏好、意见（下次接待参考）')}
              <Button
                id="visit-record"
                className="adm-btn adm-btn--primary"
                disabled={busy || undefined}
                onClick={async () => {
                  const linkedCaseId = visit === 'not_satisfied' ? await linked('visit') : null
                  if (visit === 'not_satisfied' && !linkedCaseId) return
                  await go('record_visit', { outcome: visit, note, linkedCaseId })
                }}
              >
                记录回访
              </Button>
            </View>
          )}
        </Section>
      )}
    </>
  )
}
