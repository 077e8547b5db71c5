import type { Case, CaseCommand } from '@contract/domain'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { Caller } from '../function'
import { loadCaseFor } from '../shared'
import { submitCase } from './submit-case'

/** Why a parent has no task to open a linked case for (null: it has one). */
function noTask(parent: Case, purpose: 'visit' | 'review'): string | null {
  if (purpose === 'visit') {
    const f = parent.followUp
    return f && !f.outcome && parent.status === 'resolved' ? null : '这个售后单没有待记录的回访，不能为回访新建关联售后单'
  }
  const r = parent.reviewFollowUp
  return r && !r.closedAt && !r.remedy ? null : '这个售后单没有进行中的差评跟进（或已记录补救），不能为差评新建关联售后单'
}

/**
 * Opens a new case linked to `caseId` for the same buyer, order and items (回访 not satisfied, a
 * 差评 remedy), so the new offer goes through the normal flow: routing, offers, approvals. One per
 * parent and purpose (the idempotency key), under the buyer's own rules (eligibility, limits).
 */
export async function openLinkedCase(deps: Deps, caller: Caller, caseId: string, purpose: 'visit' | 'review', note: string) {
  const parent = await loadCaseFor(deps, caller, caseId)
  const no = noTask(parent, purpose)
  // a replay of the same request still answers the case it opened
  if (no && !(await deps.store.findByIdempotencyKey(`submit:${parent.buyerOpenid}`, `linked-${purpose}-${parent.id}`))) throw new AppError('NOT_ALLOWED_IN_STATUS', no)
  const why = purpose === 'visit' ? '回访买家不满意' : '差评补救'
  const res = await submitCase(
    deps,
    parent.buyerOpenid,
    {
      orderId: parent.order.orderId,
      claimedItems: parent.claimedItems,
      type: parent.type,
      reason: parent.reason,
      description: `${why}（原售后单 ${parent.caseNo}）${note ? `：${note}` : ''}`.slice(0, 1000),
      evidence: [],
      desiredRemedy: 'contact_me',
      facts: {},
    },
    `linked-${purpose}-${parent.id}`,
    { linkedFrom: parent.id, unionid: parent.order.buyerUnionid },
  )
  return { caseId: res.case.id, caseNo: res.case.caseNo, created: res.created }
}

/** The linked case id a command names (回访 not satisfied, 差评 remedy), if any. */
function linkedIdOf(command: CaseCommand): string | null {
  if (command.type === 'record_visit') return command.linkedCaseId ?? null
  if (command.type === 'review_step' && command.step.step === 'remedy' && command.step.mode === 'new_case') return command.step.caseId ?? null
  return null
}

/**
 * A 回访 or 差评 remedy names the case opened for it: that case must exist, be another case of the
 * same buyer and order, and not have been opened for a different parent. Buyer, order and parent
 * of a case never change after it is created, so reading them before the write is safe.
 */
export async function checkLinkedCase(deps: Deps, parent: Case, command: CaseCommand): Promise<void> {
  const id = linkedIdOf(command)
  if (!id) return
  const linked = id === parent.id ? null : await deps.store.getCase(id)
  const ok = !!linked && linked.buyerOpenid === parent.buyerOpenid && linked.order.orderId === parent.order.orderId && (linked.linkedFromCaseId ?? parent.id) === parent.id
  if (!ok) {
    throw new AppError('VALIDATION', '关联售后单无效：须是为本单新建的、同一买家同一订单的售后单', { field: command.type === 'record_visit' ? 'linkedCaseId' : 'step.caseId' })
  }
}
