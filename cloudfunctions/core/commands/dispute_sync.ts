/**
 * dispute_sync (system): mirror the platform's dispute (纠纷单) on the case — status, history, the
 * seller's deadline, timeouts and how it ended. The snapshot is what getcomplaintorder answered
 * (the push is only a hint), so duplicate and out-of-order pushes end at the same state: a
 * snapshot with nothing new, or older than the stored one (shorter history, or a running status
 * after the end), is refused with CONFLICT (nothing to do).
 */
import type { DisputeBlock } from '@contract/domain'
import { raise } from '../errors'
import { DISPUTE_FINAL, DISPUTE_OUTCOME_TEXT, DISPUTE_SELLER_WAITS, DISPUTE_TIMEOUTS, disputeDeadline, disputeNextStep, disputeOutcome, disputeStatusText } from '../dispute-status'
import { platformRow } from '../platform-status'
import { formatLocalTime, toMs } from '../tz'
import { alert, type CommandSpec } from './work'

export const dispute_sync: CommandSpec<'dispute_sync'> = {
  act(w, cmd, ctx) {
    const c = w.c
    const snap = cmd.snapshot
    if (c.platform && c.platform.afterSaleOrderId !== snap.afterSaleOrderId) raise('VALIDATION', '纠纷单不属于这个售后单')
    const same = c.dispute && c.dispute.complaintId === snap.complaintId ? c.dispute : null
    if (same) {
      const nothingNew = same.status === snap.status && same.history.length === snap.history.length && same.platformDeadline === snap.platformDeadline
      const older = snap.history.length < same.history.length || (!!same.outcome && !DISPUTE_FINAL.has(snap.status))
      if (nothingNew || older) raise('CONFLICT', '平台纠纷没有新变化，已忽略', { complaintStatus: snap.status })
    }
    const moved = !same || same.status !== snap.status
    const statusSince = moved ? ctx.now : same.statusSince
    const refunded = (!!c.platform && !!platformRow(c.platform.status).refunded) || c.refunds.some((r) => r.status === 'succeeded')
    const outcome = same?.outcome ?? disputeOutcome(snap.status, refunded)
    const timeouts = [...(same?.timeouts ?? [])]
    if (DISPUTE_TIMEOUTS.has(snap.status) && !timeouts.includes(snap.status)) timeouts.push(snap.status)
    const next: DisputeBlock = {
      ...snap,
      openedAt: same?.openedAt ?? ctx.now,
      statusSince,
      ...(outcome ? { deadline: null, deadlineSource: null } : disputeDeadline(snap.status, statusSince, snap.platformDeadline, ctx.now)),
      warnedFor: same?.warnedFor ?? null,
      lastCall: same?.lastCall ?? null,
      answers: same?.answers ?? [],
      timeouts,
      outcome,
      endedAt: same?.endedAt ?? (outcome ? ctx.now : null),
    }
    c.dispute = next
    const label = disputeStatusText(snap.status)
    w.internal = true
    w.data = { complaintId: snap.complaintId, complaintStatus: snap.status }
    const tz = ctx.policy.calendar.timezone
    const due = next.deadline ? `，请于 ${formatLocalTime(toMs(next.deadline), tz)} 前处理${next.deadlineSource === 'estimated' ? '（平台未给出截止时间，按48小时估算）' : ''}` : ''
    const to = c.assigneeId ?? 'supervisor'
    if (!same) {
      w.text = `买家申请平台介入（纠纷单 ${snap.complaintId}）：${label}`
      alert(w, to, 'dispute_update', `售后单 ${c.caseNo}：买家申请平台介入，纠纷「${label}」${due}`, next.deadline ?? undefined)
      return
    }
    w.text = moved ? `平台纠纷：${label}` : `平台纠纷有新记录（${snap.history.length - same.history.length} 条）`
    if (!moved) return
    if (outcome && !same.outcome) {
      w.text = `平台纠纷结束：${label}（${DISPUTE_OUTCOME_TEXT[outcome]}）`
      alert(w, to, 'dispute_update', `售后单 ${c.caseNo}：平台纠纷结束「${label}」，${DISPUTE_OUTCOME_TEXT[outcome]}`)
      return
    }
    if (snap.status === 307) alert(w, 'supervisor', 'dispute_update', `售后单 ${c.caseNo}：商家补充凭证超时，纠纷可能判买家胜诉，请关注`)
    if (DISPUTE_SELLER_WAITS.has(snap.status) || disputeNextStep(snap.status)) {
      alert(w, to, 'dispute_update', `售后单 ${c.caseNo}：纠纷「${label}」${disputeNextStep(snap.status) ? `，${disputeNextStep(snap.status)}` : ''}${due}`, next.deadline ?? undefined)
    }
  },
}
