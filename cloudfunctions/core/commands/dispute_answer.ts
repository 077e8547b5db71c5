/**
 * What dispute_proof and dispute_message share: the guard (a running dispute in a status that takes
 * this answer, no answer still in flight) and the call recorded on the dispute and put in the
 * outbox (a `platform_call` the dispatcher runs once by its call key).
 */
import type { Case, PlatformCall } from '@contract/domain'
import { PLATFORM_CALL_LABELS } from '@contract/domain'
import { disputeStatusText } from '../dispute-status'
import { refuse, type Guard, type Work } from './work'

export function disputeGuard(call: Extract<PlatformCall, 'complaint_proof' | 'complaint_material'>, states: ReadonlySet<number>, when: string): Guard {
  return (c: Case) => {
    const d = c.dispute
    if (!d) return refuse('NOT_ALLOWED_IN_STATUS', '该售后单没有平台纠纷')
    if (d.outcome) return refuse('NOT_ALLOWED_IN_STATUS', `平台纠纷已结束（${disputeStatusText(d.status)}）`)
    if (d.lastCall?.outcome === 'pending') return refuse('CONFLICT', `上一个「${PLATFORM_CALL_LABELS[d.lastCall.call]}」还在提交平台，请稍后`)
    if (!states.has(d.status)) return refuse('NOT_ALLOWED_IN_STATUS', `纠纷状态为「${disputeStatusText(d.status)}」，平台只在${when}时接受${PLATFORM_CALL_LABELS[call]}`)
    return null
  }
}

export function disputeCall(w: Work, call: Extract<PlatformCall, 'complaint_proof' | 'complaint_material'>, text: string, photos: string[], at: string): void {
  const d = w.c.dispute!
  const callKey = `${w.c.id}:v${w.c.version + 1}:${call}`
  d.lastCall = { key: callKey, call, at, outcome: 'pending', message: null, errcode: null, text, photos: photos.length }
  w.events.push({ kind: 'platform_call', caseId: w.c.id, afterSaleOrderId: d.afterSaleOrderId, call, callKey, complaintId: d.complaintId, content: text, photos })
  w.internal = true
  w.data = { ...w.data, platformCall: call, callKey, photos }
}
