import { useState, type ReactNode } from 'react'
import Taro from '@tarojs/taro'
import { Button, Input, Text, Textarea, View } from '@tarojs/components'
import type { BuyerHistoryView, CaseView, LinkedCaseView } from '@contract/actions'
import {
  BUYER_PREFERENCE_LABELS,
  BUYER_PREFERENCES,
  CONTACT_CHANNEL_LABELS,
  CONTACT_CHANNELS,
  CONTACT_OUTCOME_LABELS,
  REVIEW_CAUSE_LABELS,
  REVIEW_CAUSES,
  REVIEW_OUTCOME_LABELS,
  VISIT_OUTCOME_LABELS,
  type BuyerPreference,
  type BuyerPreferences,
  type ReviewCause,
  type ReviewFollowUp,
  type ReviewOutcome,
  type VisitOutcome,
} from '@contract/domain'
import { adminApi, type AdminInput } from '../api'
import { STAFF_STATUS } from '../labels'
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

/** The 差评 follow-up's open step: the one the case page and its bottom bar point at. */
export function reviewOpenStep(f: ReviewFollowUp | null | undefined): { id: string; label: string } | null {
  if (!f || f.closedAt) return null
  if (!f.cause) return { id: 'review-step-analyse', label: '① 分析原因' }
  if (!f.contacts.length) return { id: 'review-step-contact', label: '② 联系买家' }
  if (!f.remedy) return { id: 'review-step-remedy', label: '③ 补救' }
  if (!f.reply) return { id: 'review-step-reply', label: '④ 评价回复' }
  return { id: 'review-step-close', label: '完成跟进' }
}

/** A labelled group of choices (chips) or a field: the label says what the group is for. */
export function Group({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <View className="adm-group" id={id}>
      <Text className="adm-field__label adm-group__label">{label}</Text>
      <View className="adm-group__body">{children}</View>
    </View>
  )
}

const LINK_WORDS: Record<LinkedCaseView['purpose'], string> = { visit: '回访新建的售后单', review: '差评补救的售后单', parent: '原售后单' }

/** A tappable link to a linked case: its number and status (staff open it in the case page). */
export function LinkedCaseLink({ id, linked }: { id: string; linked: LinkedCaseView | { id: string; caseNo?: undefined; status?: undefined; purpose: LinkedCaseView['purpose'] } }) {
  return (
    <Text
      className="adm-link"
      id={`linked-${linked.purpose}-${id}`}
      onClick={() => Taro.navigateTo({ url: `/admin/case/index?id=${encodeURIComponent(linked.id)}` })}
    >
      {`${LINK_WORDS[linked.purpose]}${linked.caseNo ? ` ${linked.caseNo}` : ''}${linked.status ? `（${STAFF_STATUS[linked.status]}）` : ''} ›`}
    </Text>
  )
}

/** What the buyer asked for in a 回访, for whoever serves them next (case page, 差评 contact step). */
export function BuyerPreferencesView({ preferences, id = 'buyer-preferences' }: { preferences: BuyerPreferences | null | undefined; id?: string }) {
  if (!preferences || (!preferences.items.length && !preferences.note)) return null
  return (
    <View className="adm-row adm-row--stack adm-prefs" id={id}>
      <Text className="adm-row__k">买家偏好</Text>
      <View>
        {preferences.items.map((k) => (
          <Text key={k} className="adm-tag adm-tag--pref" id={`${id}-${k}`}>
            {BUYER_PREFERENCE_LABELS[k]}
          </Text>
        ))}
        {preferences.note ? <Text className="adm-pref-note">{preferences.note}</Text> : null}
      </View>
      <Text className="adm-muted">{`${fmtShort(preferences.at)} 回访记录（售后单 ${preferences.caseNo}）`}</Text>
    </View>
  )
}

/**
 * The case's follow-up work (issue 15): a pending approval (supervisors decide here), the 差评
 * follow-up in four steps, and the 回访 outcome. Buttons appear only for commands the function
 * allows now (`view.actions`); every rule is the core's.
 */
export function LoopPanel({
  view,
  reasonLabel,
  replyDrafts,
  onUpdated,
  linkedCases = [],
  preferences = null,
}: {
  view: CaseView
  reasonLabel: string
  replyDrafts: Partial<Record<ReviewCause, string>>
  onUpdated(v: CaseView): void
  /** the cases linked to this one, with their numbers (get_case) */
  linkedCases?: LinkedCaseView[]
  /** the buyer's recorded preferences (their profile) */
  preferences?: BuyerHistoryView['preferences']
}) {
  const [busy, setBusy] = useState(false)
  const [note, setNote] = useState('')
  const [cause, setCause] = useState<ReviewCause>('product')
  const [causeText, setCauseText] = useState(() => causeFromCase(view, reasonLabel))
  const [channel, setChannel] = useState<ContactChannel>('phone')
  const [contactOutcome, setContactOutcome] = useState<ContactOutcome>('reached')
  const [reply, setReply] = useState<string | null>(null)
  const [outcome, setOutcome] = useState<ReviewOutcome>('not_updated')
  const [visit, setVisit] = useState<VisitOutcome>('satisfied')
  const [said, setSaid] = useState('')
  // 回访 preferences start from the profile's; sent only when the agent changed them
  const [prefs, setPrefs] = useState<BuyerPreference[] | null>(null)
  const [prefNote, setPrefNote] = useState<string | null>(null)
  const prefItems = prefs ?? preferences?.items ?? []
  const prefDirty = prefs !== null || prefNote !== null
  const togglePref = (k: BuyerPreference) => {
    const on = prefItems.includes(k)
    // 偏好电话联系 and 不要打电话 exclude each other
    const without = prefItems.filter((x) => x !== k && !(k === 'prefer_phone' && x === 'no_phone') && !(k === 'no_phone' && x === 'prefer_phone'))
    setPrefs(on ? without : BUYER_PREFERENCES.filter((x) => x === k || without.includes(x)))
  }
  const linkedFor = (purpose: LinkedCaseView['purpose'], id: string | null | undefined): LinkedCaseView | { id: string; purpose: LinkedCaseView['purpose'] } | null =>
    id ? (linkedCases.find((l) => l.id === id) ?? { id, purpose }) : null
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
      setSaid('')
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
            <BuyerPreferencesView preferences={preferences} id="review-buyer-preferences" />
            {f.contacts.map((x) => (
              <Text key={x.at} className="adm-muted block" id={`review-contact-${x.at}`}>
                {fmtShort(x.at)} {CONTACT_CHANNEL_LABELS[x.channel]}：{CONTACT_OUTCOME_LABELS[x.outcome]}
                {x.note ? `，买家说：${x.note}` : ''}
              </Text>
            ))}
            {!f.closedAt && can('review_step') && (
              <View>
                <Group id="review-contact-channel" label="联系方式">
                  {CONTACT_CHANNELS.map((k) => (
                    <Chip key={k} id={`channel-${k}`} on={channel === k} onClick={() => setChannel(k)}>
                      {CONTACT_CHANNEL_LABELS[k]}
                    </Chip>
                  ))}
                </Group>
                <Group id="review-contact-outcome" label="结果">
                  {(Object.keys(CONTACT_OUTCOME_LABELS) as ContactOutcome[]).map((k) => (
                    <Chip key={k} id={`contact-${k}`} on={contactOutcome === k} onClick={() => setContactOutcome(k)}>
                      {CONTACT_OUTCOME_LABELS[k]}
                    </Chip>
                  ))}
                </Group>
                <Group id="review-contact-said-group" label="买家说了什么">
                  <Textarea
                    id="review-contact-said"
                    className="adm-textarea"
                    value={said}
                    maxlength={1000}
                    placeholder={contactOutcome === 'reached' ? '买家的原话或要求，如：希望退一半货款' : '可选，如：电话无人接听'}
                    onInput={(e) => setSaid(e.detail.value)}
                  />
                </Group>
                <Button
                  id="review-contact"
                  className="adm-btn adm-btn--small"
                  disabled={busy || undefined}
                  onClick={() => go('review_step', { step: { step: 'contact', channel, outcome: contactOutcome, note: said.trim() } })}
                >
                  记录联系
                </Button>
              </View>
            )}
          </View>
          <View className="adm-field" id="review-step-remedy">
            <Text className="adm-field__label">③ 补救{f.remedy ? `：${f.remedy.kind === 'new_case' ? '已发起新的售后单' : '无需额外补救'} ${f.remedy.note}` : ''}</Text>
            {f.remedy?.caseId ? <LinkedCaseLink id="remedy" linked={linkedFor('review', f.remedy.caseId)!} /> : null}
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
              <Group id="review-close-outcome" label="跟进结果">
                {(Object.keys(REVIEW_OUTCOME_LABELS) as ReviewOutcome[]).map((k) => (
                  <Chip key={k} id={`review-outcome-${k}`} on={outcome === k} onClick={() => setOutcome(k)}>
                    {REVIEW_OUTCOME_LABELS[k]}
                  </Chip>
                ))}
              </Group>
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
            <View>
              <Text id="visit-outcome" className="block">
                回访结果：{VISIT_OUTCOME_LABELS[fu.outcome]}
              </Text>
              {fu.linkedCaseId ? <LinkedCaseLink id="visit" linked={linkedFor('visit', fu.linkedCaseId)!} /> : null}
            </View>
          ) : (
            <View>
              <Text className="adm-muted">{`回访时间：${fmtShort(fu.dueAt)}`}</Text>
              <Group id="visit-outcome-group" label="回访结果">
                {(Object.keys(VISIT_OUTCOME_LABELS) as VisitOutcome[]).map((k) => (
                  <Chip key={k} id={`visit-${k}`} on={visit === k} onClick={() => setVisit(k)}>
                    {VISIT_OUTCOME_LABELS[k]}
                  </Chip>
                ))}
                {visit === 'not_satisfied' && <Text className="adm-muted block">将为买家新建关联售后单，按正常流程给出新方案</Text>}
              </Group>
              <Group id="visit-preferences" label="买家偏好（保存到买家资料，下次接待可见）">
                {BUYER_PREFERENCES.map((k) => (
                  <Chip key={k} id={`pref-${k}`} on={prefItems.includes(k)} onClick={() => togglePref(k)}>
                    {BUYER_PREFERENCE_LABELS[k]}
                  </Chip>
                ))}
                <Input
                  id="visit-pref-note"
                  className="adm-input"
                  value={prefNote ?? preferences?.note ?? ''}
                  maxlength={200}
                  placeholder="其他偏好（可选），如：只在工作日白天联系"
                  onInput={(e) => setPrefNote(e.detail.value)}
                />
              </Group>
              <Group id="visit-note-group" label="回访记录（内部）">
                {noteBox('visit-note', '买家的意见（仅内部可见）')}
              </Group>
              <Button
                id="visit-record"
                className="adm-btn adm-btn--primary"
                disabled={busy || undefined}
                onClick={async () => {
                  const linkedCaseId = visit === 'not_satisfied' ? await linked('visit') : null
                  if (visit === 'not_satisfied' && !linkedCaseId) return
                  const stated = prefDirty ? { items: prefItems, note: (prefNote ?? preferences?.note ?? '').trim() } : null
                  await go('record_visit', { outcome: visit, note, linkedCaseId, preferences: stated })
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
