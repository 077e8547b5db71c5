/**
 * 差评 follow-up (seed 002, issue 15): a rating at or below the policy's score, or a comment with
 * one of its negative words, opens a task on the (closed) case, answered within the policy's hours
 * in four steps — analyse the cause, contact the buyer (at most once a day: never harass, seed
 * 001), make it right (optionally a new linked case through the normal flow), reply publicly — and
 * closed with the outcome. The agent is reminded at most once a day, never on a day the buyer was
 * contacted.
 */
import { REVIEW_CAUSE_LABELS, REVIEW_OUTCOME_LABELS, CONTACT_CHANNEL_LABELS, CONTACT_OUTCOME_LABELS, type Case, type ReviewFollowUp } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { raise } from '../errors'
import { HOUR_MS, localDate, toIso, toMs } from '../tz'
import { alert, refuse, type CommandSpec } from './work'

const DAY_MS = 24 * HOUR_MS

/** The policy's negative words found in a comment. */
export function negativeWords(comment: string, policy: Policy): string[] {
  return policy.loop.negativeKeywords.filter((k) => comment.includes(k))
}

/** Opens the follow-up when the rating is a 差评; returns it (or null). */
export function openReviewFollowUp(score: number, comment: string, now: string, policy: Policy): ReviewFollowUp | null {
  const words = negativeWords(comment, policy)
  if (score > policy.sla.negativeReviewMaxScore && words.length === 0) return null
  return {
    openedAt: now,
    dueAt: toIso(toMs(now) + policy.sla.negativeReviewReplyHours * HOUR_MS),
    trigger: { score, keywords: words },
    cause: null,
    contacts: [],
    remedy: null,
    reply: null,
    outcome: null,
    closedAt: null,
    remindedAt: null,
  }
}

/**
 * The earliest instant the agent may be reminded again: a day after the last reminder (the
 * rating's own alert counts as the first) and a day after the last contact with the buyer.
 */
export function reviewReminderAt(f: ReviewFollowUp): string {
  const last = [f.remindedAt ?? f.openedAt, ...f.contacts.map((x) => x.at)].reduce((a, b) => (toMs(a) > toMs(b) ? a : b))
  return toIso(toMs(last) + DAY_MS)
}

function openFollowUp(c: Case): ReviewFollowUp | null {
  const f = c.reviewFollowUp
  return f && !f.closedAt ? f : null
}

export const review_step: CommandSpec<'review_step'> = {
  guard(c) {
    return openFollowUp(c) ? null : refuse('VALIDATION', '没有进行中的差评跟进')
  },
  act(w, cmd, ctx) {
    const f: ReviewFollowUp = { ...openFollowUp(w.c)! }
    const by = ctx.actor.id
    const s = cmd.step
    w.internal = true
    switch (s.step) {
      case 'analyse':
        f.cause = { category: s.cause, text: s.text, at: ctx.now, by }
        w.text = `差评原因分析：${REVIEW_CAUSE_LABELS[s.cause]}，${s.text}`
        break
      case 'contact': {
        const tz = ctx.policy.calendar.timezone
        const today = localDate(toMs(ctx.now), tz)
        if (f.contacts.some((x) => localDate(toMs(x.at), tz) === today))
          raise('LIMIT_EXCEEDED', '今天已经联系过这位买家，请明天再联系（不要频繁打扰买家）', { lastContactAt: f.contacts[f.contacts.length - 1].at })
        f.contacts = [...f.contacts, { at: ctx.now, by, channel: s.channel, outcome: s.outcome, note: s.note }]
        // what the buyer said is the point of the call: staff read it in the timeline
        w.text = `联系买家（${CONTACT_CHANNEL_LABELS[s.channel]}）：${CONTACT_OUTCOME_LABELS[s.outcome]}${s.note ? `，买家说：${s.note}` : ''}`
        break
      }
      case 'remedy':
        if (s.mode === 'new_case' && !s.caseId) raise('VALIDATION', '请先为买家发起补救售后单', { field: 'caseId' })
        f.remedy = { kind: s.mode, caseId: s.mode === 'new_case' ? s.caseId : null, note: s.note, at: ctx.now, by }
        w.text = s.mode === 'new_case' ? `补救：已发起新的售后单${s.note ? `，${s.note}` : ''}` : `补救：无需额外补救${s.note ? `，${s.note}` : ''}`
        break
      case 'reply':
        f.reply = { text: s.text, at: ctx.now, by }
        w.text = `已回复评价：${s.text}`
        break
      case 'close':
        if (!f.cause) raise('VALIDATION', '请先分析差评原因')
        if (!f.contacts.length) raise('VALIDATION', '请先记录联系买家的结果')
        if (!f.reply && s.outcome !== 'updated') raise('VALIDATION', '买家未改评时，请先写好给后来买家看的评价回复')
        f.outcome = s.outcome
        f.closedAt = ctx.now
        w.text = `差评跟进完成：${REVIEW_OUTCOME_LABELS[s.outcome]}`
        break
    }
    w.c.reviewFollowUp = f
    w.data = { step: s.step, ...(s.step === 'remedy' && s.mode === 'new_case' && s.caseId ? { linkedCaseId: s.caseId } : {}) }
  },
}

export const review_remind: CommandSpec<'review_remind'> = {
  guard(c, { now }) {
    const f = openFollowUp(c)
    if (!f) return refuse('VALIDATION', '没有进行中的差评跟进')
    return toMs(now) < toMs(reviewReminderAt(f)) ? refuse('VALIDATION', '一天内只提醒一次') : null
  },
  act(w, _cmd, ctx) {
    const f = openFollowUp(w.c)!
    w.c.reviewFollowUp = { ...f, remindedAt: ctx.now }
    w.internal = true
    w.text = '已提醒负责客服继续跟进差评'
    const overdue = toMs(ctx.now) > toMs(f.dueAt)
    alert(w, w.c.assigneeId ?? 'supervisor', 'review_followup_due', `售后单 ${w.c.caseNo} 的差评跟进${overdue ? '已超过时限' : '尚未完成'}，请继续处理`, f.dueAt)
  },
}
