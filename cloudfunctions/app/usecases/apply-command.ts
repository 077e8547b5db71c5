import type { Case, CaseCommand, CaseEvent } from '@contract/domain'
import type { Deps } from '../deps'
import { AppError, fromCore } from '../errors'
import type { Caller } from '../function'
import { actorOf, fingerprint, livePolicy, otherCasesLedger, outboxOf } from '../shared'
import { buyerView, staffView } from '../views'
import { decide } from '../../core'
import { GuardViolation, StoreConflict, type OrderGuard, type RefundRecord } from '../../ports/store'
import type { Policy } from '@contract/policy'
import type { OrderLedger } from '../../core/money-guard'
import { guardError } from './submit-case'
import { applySystemCommand } from './system-command'
import { checkLinkedCase } from './linked-case'
import { takeBuyerCommandSlot } from './limits'

/** Commands that can move money: they must name the version they were decided on. */
const MONEY_COMMANDS = new Set<CaseCommand['type']>(['approve', 'issue_refund', 'accept_offer', 'inspect', 'record_manual_refund'])
/** Commands whose decision depends on what the order's other cases already got back. */
const LEDGER_COMMANDS = new Set<CaseCommand['type']>([...MONEY_COMMANDS, 'make_offer', 'decline_offer', 'provide_info', 'submit_for_approval', 'decide_approval', 'platform_accept'])
/** Commands that commit the order's money: a staff member's is decided on the guard inside the write. */
const PAYING_COMMANDS = new Set<CaseCommand['type']>([...MONEY_COMMANDS, 'decide_approval', 'platform_accept'])

/**
 * Applies one command of the transition table to a case: load → decide in the core →
 * compare-and-set save with timeline and outbox in one write. A lost race is CONFLICT; nothing is
 * done twice. With an idempotency key the key is stored with that write: a retry with the same
 * key answers the case without deciding again, the same key with other data is CONFLICT.
 * Money-moving commands need `expectedVersion`. Refunds the transition requested are settled in
 * the same write when the payment port answers at once (PaymentPort.inWrite), else paid through
 * the port after the write, once per refund key, and confirmed on the case.
 *
 * @example applyCommand(deps, caller, 'case-1', { type: 'approve', expectedVersion: 3 }, 'k-1')
 */
export async function applyCommand(deps: Deps, caller: Caller, caseId: string, command: CaseCommand, idempotencyKey?: string) {
  // the case's order never changes: an instance that has seen it reads the order's guard alongside
  const inWrite = PAYING_COMMANDS.has(command.type) && caller.kind === 'staff' && !!deps.store.saveCaseDecided
  const known = LEDGER_COMMANDS.has(command.type) && !inWrite ? deps.store.orderIdOf?.(caseId) : undefined
  const early = known ? { orderId: known, guard: deps.store.getOrderGuard(known) } : null
  early?.guard.catch(() => undefined) // awaited below when it is the right order
  const [loaded, { policy }] = await Promise.all([deps.store.getCaseWithKeys(caseId), livePolicy(deps)])
  const view = (c: Case, orderLedger?: OrderLedger) => (caller.kind === 'buyer' ? buyerView(c, deps.now(), policy, orderLedger) : staffView(c, deps.now(), policy, actorOf(caller), orderLedger))
  if (!loaded || (caller.kind === 'buyer' && loaded.case.buyerOpenid !== caller.openid)) throw new AppError('NOT_FOUND', '没有找到这个售后单')
  const current = loaded.case
  if (MONEY_COMMANDS.has(command.type) && command.expectedVersion === undefined) {
    throw new AppError('VALIDATION', '涉及退款的操作需要带上售后单版本（expectedVersion），请刷新后重试')
  }
  const commandKey = idempotencyKey ? { key: idempotencyKey, fingerprint: fingerprint({ caseId, command }) } : undefined
  if (commandKey) {
    const prior = loaded.keys.find((k) => k.key === commandKey.key)
    if (prior && prior.fingerprint !== commandKey.fingerprint) {
      throw new AppError('CONFLICT', '这个请求标识已用于另一项操作，请刷新后重试', { reason: 'idempotency_key_reused' })
    }
    if (prior) return view(current) // the first attempt was applied: answer it, decide nothing again
  }
  if (command.expectedVersion !== undefined && command.expectedVersion !== current.version) {
    throw new AppError('CONFLICT', '售后单已被更新，请刷新后重试', { version: current.version })
  }
  // a staff member's command that commits the order's money is decided on the guard inside the
  // write when the store can (one transaction, no read of the guard before it); a buyer's, or one
  // that only reads the ledger (an offer, a request for approval), is decided on the guard read
  // here (started with the case read when this instance has seen the case: `early`) — the
  // guard itself is checked again inside any write that commits money
  const ledger = LEDGER_COMMANDS.has(command.type)
  const [target, preGuard] = await Promise.all([
    command.type === 'reassign' && command.assigneeId ? deps.store.getStaff(command.assigneeId) : null,
    ledger && !inWrite ? (early?.orderId === current.order.orderId ? early.guard : deps.store.getOrderGuard(current.order.orderId)) : null,
  ])
  if (command.type === 'reassign' && command.assigneeId && (!target || !target.active)) throw new AppError('VALIDATION', '要转交的客服不存在')
  const files = await verifyFiles(deps, caller, command, current)
  await checkLinkedCase(deps, current, command)
  const now = deps.now()
  let guard = preGuard
  const decideOn = (g: OrderGuard | null) => {
    const decided = decide(current, command, {
      now, policy, newId: deps.newId, actor: actorOf(caller),
      ...(target ? { roster: [{ ...target, openCases: 0 }] } : {}),
      ...(g ? { orderLedger: otherCasesLedger(g, current.id) } : {}),
    })
    if (!decided.ok) throw fromCore(decided.error)
    return settleInWrite(deps, decided.value, policy, now)
  }
  const write = (x: ReturnType<typeof settleInWrite>) => ({ next: x.case, outbox: outboxOf(x.events), ...(commandKey ? { commandKey } : {}), ...(x.refunds.length ? { refunds: x.refunds } : {}) })
  let settled: ReturnType<typeof settleInWrite>
  try {
    if (inWrite && deps.store.saveCaseDecided) {
      const out: { settled?: ReturnType<typeof settleInWrite> } = {}
      await deps.store.saveCaseDecided(caseId, current.order.orderId, current.version, (g) => {
        guard = g
        out.settled = decideOn(g)
        return write(out.settled)
      })
      if (!out.settled) throw new Error('saveCaseDecided wrote without deciding')
      settled = out.settled
    } else {
      settled = decideOn(guard)
      // a buyer's commands that would change the case are counted (refusals above cost no write)
      if (caller.kind === 'buyer') await takeBuyerCommandSlot(deps, caseId)
      const { next, outbox, ...opts } = write(settled)
      await deps.store.saveCase(next, current.version, outbox, { ...opts, prev: current })
    }
  } catch (e) {
    if (e instanceof StoreConflict) throw new AppError('CONFLICT', '售后单已被他人处理，请刷新后查看')
    if (e instanceof GuardViolation) throw guardError(e, current.order)
    throw e
  }
  if (files.length) await deps.media.attach(files, now)
  let latest = settled.case
  for (const ev of settled.events) {
    if (ev.kind === 'refund_requested') latest = (await settleRefund(deps, latest, ev)).case
    // the buyer's profile at once (the outbox copy is the retry if this is interrupted)
    if (ev.kind === 'buyer_preferences') await deps.store.setBuyerPreferences(ev.buyerOpenid, ev.preferences).catch((e) => deps.log('buyer preferences: left to the outbox', e))
  }
  const seen: OrderGuard | null = guard
  return view(latest, seen ? otherCasesLedger(seen, current.id) : undefined)
}

/**
 * Files a command carries are checked exactly as at submit: of this environment, uploaded by the
 * caller (buyer evidence) or by staff (inspection photos), within limits. Answers their ids.
 */
async function verifyFiles(deps: Deps, caller: Caller, command: CaseCommand, current?: Case): Promise<string[]> {
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
  // a manual refund's proof: files staff uploaded here, checked like inspection photos
  if (command.type === 'record_manual_refund') {
    const checked = await deps.media.verifyPhotos(command.proof, { anyStaff: async (id) => !!(await deps.store.getStaff(id)) })
    if (!checked.ok) throw new AppError('VALIDATION', checked.message)
    return command.proof
  }
  // dispute proof / messages: the case's own evidence as it is, other files staff uploaded here
  if ((command.type === 'dispute_proof' || command.type === 'dispute_message') && command.photos?.length) {
    const onCase = new Set([...(current?.evidence ?? []).map((e) => e.fileId), ...(current?.inspection?.photos ?? [])])
    const fresh = command.photos.filter((f) => !onCase.has(f))
    if (fresh.length) {
      const checked = await deps.media.verifyPhotos(fresh, { anyStaff: async (id) => !!(await deps.store.getStaff(id)) })
      if (!checked.ok) throw new AppError('VALIDATION', checked.message)
    }
    return fresh
  }
  return []
}

type RefundEvent = Extract<CaseEvent, { kind: 'refund_requested' }>

/**
 * With a ledger-only payment port (PaymentPort.inWrite) the refunds a transition requests are
 * settled before the write: their outcome is decided on the case at once and their records go
 * into the same write, so a paying command is one write. Otherwise (or when the core refuses the
 * outcome) the request stays an event: paid after the write and retried from the outbox.
 */
export function settleInWrite(deps: Deps, decided: { case: Case; events: CaseEvent[] }, policy: Policy, now: string): { case: Case; events: CaseEvent[]; refunds: Array<Omit<RefundRecord, 'status'>> } {
  const inWrite = deps.payments.inWrite?.bind(deps.payments)
  let cur = decided.case
  let events = decided.events
  const refunds: Array<Omit<RefundRecord, 'status'>> = []
  if (!inWrite) return { case: cur, events, refunds }
  for (const ev of decided.events) {
    if (ev.kind !== 'refund_requested') continue
    const paid = inWrite({ key: ev.refundKey, caseId: cur.id, orderId: ev.orderId, amountFen: ev.amountFen, paidFen: cur.order.paidFen }, cur.order)
    const command: CaseCommand = paid.ok ? { type: 'refund_confirmed', key: ev.refundKey } : { type: 'refund_failed', key: ev.refundKey, reason: paid.reason }
    const res = decide(cur, command, { now, policy, newId: deps.newId, actor: { kind: 'system', id: 'payments' } })
    if (!res.ok) continue
    cur = res.value.case
    events = [...events.filter((e) => e !== ev), ...res.value.events]
    if (paid.ok) refunds.push({ key: ev.refundKey, caseId: cur.id, orderId: ev.orderId, amountFen: ev.amountFen, createdAt: now })
  }
  return { case: cur, events, refunds }
}

/**
 * Pays a requested refund (idempotent by refund key) and records the outcome on the case as a
 * system command. Retries the CAS race with a concurrent edit; `recorded: false` means the refund
 * is still pending on the case (paid or not) and the caller must come back: the outbox copy of the
 * request is retried by the dispatcher until the case records it.
 */
export async function settleRefund(deps: Deps, c: Case, ev: RefundEvent): Promise<{ case: Case; recorded: boolean }> {
  const paid = await deps.payments.refund({ key: ev.refundKey, caseId: c.id, orderId: ev.orderId, amountFen: ev.amountFen, paidFen: c.order.paidFen })
  const command: CaseCommand = paid.ok ? { type: 'refund_confirmed', key: ev.refundKey } : { type: 'refund_failed', key: ev.refundKey, reason: paid.reason }
  const out = await applySystemCommand(deps, c, command, 'payments')
  if (out.applied) return { case: out.case, recorded: true }
  // refused by the core: recorded already when the refund is no longer pending on the case
  const pending = out.case.refunds.some((r) => r.key === ev.refundKey && r.status === 'pending')
  if (pending) deps.log(`refund ${ev.refundKey} paid but not yet recorded on case ${c.id}: the dispatcher retries it`)
  return { case: out.case, recorded: !pending }
}
