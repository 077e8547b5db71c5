import type { Case, CaseCommand, CaseEvent } from '@contract/domain'
import type { Deps } from '../deps'
import { AppError, fromCore } from '../errors'
import type { Caller } from '../function'
import { actorOf, livePolicy, loadCaseFor, outboxOf, roster } from '../shared'
import { buyerView, staffView } from '../views'
import { decide } from '../../core'
import { StoreConflict } from '../../ports/store'

/**
 * Applies one command of the transition table to a case: load → decide in the core →
 * compare-and-set save with timeline and outbox in one write. A lost race is CONFLICT; nothing is
 * done twice. Refunds the transition requested are then paid through the payment port, once per
 * refund key, and confirmed on the case.
 *
 * @example applyCommand(deps, caller, 'case-1', { type: 'approve', expectedVersion: 3 })
 */
export async function applyCommand(deps: Deps, caller: Caller, caseId: string, command: CaseCommand) {
  const current = await loadCaseFor(deps, caller, caseId)
  if (command.expectedVersion !== undefined && command.expectedVersion !== current.version) {
    throw new AppError('CONFLICT', '售后单已被更新，请刷新后重试', { version: current.version })
  }
  if (command.type === 'reassign' && command.assigneeId) {
    const target = await deps.store.getStaff(command.assigneeId)
    if (!target || !target.active) throw new AppError('VALIDATION', '要转交的客服不存在')
  }
  const files = await verifyFiles(deps, caller, command)
  const { policy } = await livePolicy(deps)
  const now = deps.now()
  const decided = decide(current, command, { now, policy, newId: deps.newId, actor: actorOf(caller), roster: await roster(deps) })
  if (!decided.ok) throw fromCore(decided.error)
  try {
    await deps.store.saveCase(decided.value.case, current.version, outboxOf(decided.value.events))
  } catch (e) {
    if (e instanceof StoreConflict) throw new AppError('CONFLICT', '售后单已被他人处理，请刷新后查看')
    throw e
  }
  if (files.length) await deps.media.attach(files, now)
  let latest = decided.value.case
  if (command.type === 'reassign' && latest.assigneeId) {
    const rep = await deps.store.getStaff(latest.assigneeId)
    if (rep) await deps.store.upsertStaff({ ...rep, lastAssignedAt: now })
  }
  for (const ev of decided.value.events) {
    if (ev.kind === 'refund_requested') latest = await settleRefund(deps, latest, ev)
  }
  return caller.kind === 'buyer' ? buyerView(latest, deps.now(), policy) : staffView(latest, deps.now(), policy)
}

/**
 * Files a command carries are checked exactly as at submit: of this environment, uploaded by the
 * caller (buyer evidence) or by staff (inspection photos), within limits. Answers their ids.
 */
async function verifyFiles(deps: Deps, caller: Caller, command: CaseCommand): Promise<string[]> {
  if ((command.type === 'provide_info' || command.type === 'appeal') && command.evidence?.length) {
    const checked = await deps.media.verify(command.evidence, { openid: caller.openid })
    if (!checked.ok) throw new AppError('VALIDATION', checked.message)
    return command.evidence.map((e) => e.fileId)
  }
  if (command.type === 'inspect' && command.photos?.length) {
    const checked = await deps.media.verifyPhotos(command.photos, { anyStaff: async (id) => !!(await deps.store.getStaff(id)) })
    if (!checked.ok) throw new AppError('VALIDATION', checked.message)
    return command.photos
  }
  return []
}

type RefundEvent = Extract<CaseEvent, { kind: 'refund_requested' }>

/**
 * Pays a requested refund (idempotent by refund key) and records the outcome on the case as a
 * system command. Retries the small CAS race with a concurrent edit; if it still loses, the outbox
 * copy of the request lets the dispatcher finish it later.
 */
export async function settleRefund(deps: Deps, c: Case, ev: RefundEvent): Promise<Case> {
  const paid = await deps.payments.refund({ key: ev.refundKey, caseId: c.id, orderId: ev.orderId, amountFen: ev.amountFen, paidFen: c.order.paidFen })
  const command: CaseCommand = paid.ok ? { type: 'refund_confirmed', key: ev.refundKey } : { type: 'refund_failed', key: ev.refundKey, reason: paid.reason }
  for (let attempt = 0; attempt < 5; attempt++) {
    const cur = attempt === 0 ? c : await deps.store.getCase(c.id)
    if (!cur) return c
    const { policy } = await livePolicy(deps)
    const res = decide(cur, command, { now: deps.now(), policy, newId: deps.newId, actor: { kind: 'system', id: 'payments' } })
    if (!res.ok) return cur // already settled or no longer refunding: nothing to record
    try {
      await deps.store.saveCase(res.value.case, cur.version, outboxOf(res.value.events))
      return res.value.case
    } catch (e) {
      if (!(e instanceof StoreConflict)) throw e
    }
  }
  deps.log(`refund ${ev.refundKey} paid but not yet recorded on case ${c.id}`)
  return c
}
