import type { z } from 'zod'
import { REASON_DEFAULTS, type BatchRemedy, type Case, type CaseEvent, type ClaimedItem, type OfferInput, type OrderSnapshot, type StaffAlertEvent } from '@contract/domain'
import type { ActBatchAlertInputSchema, BatchAlert, BatchAlertCase, BatchAlertView, Outreach } from '@contract/care'
import type { Policy } from '@contract/policy'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy, otherCasesLedger, outboxOf, pastCasesOf, roster } from '../shared'
import { claimedValueFen, decide, openCase } from '../../core'
import { buyerLabel, withAlertContext } from '../../core/alert-context'
import { localDate, toIso, toMs } from '../../core/tz'
import { GuardViolation, type NewOutboxItem, type OrderRecord, type StaffRecord } from '../../ports/store'

/**
 * Batch watch (issue 24): when cases of the policy's reasons (care.batch.reasons) on one SKU and
 * batch reach `threshold` within `windowHours`, one alert is opened for the owners and the batch's
 * team — once per window whatever the number of instances (Store.openBatchAlert holds a guard per
 * `<skuId>@<batch>` inside the write). From the alert the owner sets a remedy for the batch (new
 * cases of it get that suggestion instead of the engine's guess) and reaches every buyer who
 * received the batch and did not complain, once each (the case's idempotency key
 * `batch-care` / `<skuId>@<batch>:<buyer>` in the store), within a total budget (a counter in the
 * store), each case through openCase and decide (its money guard).
 */

const HOUR = 3_600_000
/** cases read to count a window (a threshold above this is counted up to it) */
const WINDOW_READ = 500
/** cases an alert lists */
const ALERT_CASES = 50

export const batchKeyOf = (skuId: string, batch: string) => `${skuId}@${batch}`
const remedyState = (key: string) => `batch-remedy:${key}`
const reachKey = (alert: Pick<BatchAlert, 'key'>, buyer: string) => `${alert.key}:${buyer}`
const budgetBucket = (alertId: string) => `batch-budget:${alertId}`

/** The SKU + batch pairs a case claims ('' = the order names no batch). */
function batchesOf(order: OrderSnapshot, claimed: ClaimedItem[]): Array<{ skuId: string; batch: string; name: string }> {
  const skus = [...new Set(claimed.map((i) => i.skuId))]
  return skus.map((skuId) => {
    const item = order.items.find((i) => i.skuId === skuId)
    return { skuId, batch: item?.batch ?? '', name: item?.name ?? skuId }
  })
}

/**
 * The remedy the owner set for a batch of the claimed items (the first one set), for openCase's
 * `batchRemedy`. Remedies are set from a batch alert, so with the watch off none is read (a filing
 * then pays no round trip for it); with it on, one read per claimed batch, side by side.
 */
export async function batchRemedyFor(deps: Deps, order: OrderSnapshot, claimed: ClaimedItem[], policy?: Policy): Promise<BatchRemedy | null> {
  if (policy && !policy.care.batch.enabled) return null
  const states = await Promise.all(batchesOf(order, claimed).map((b) => deps.store.getSyncState(remedyState(batchKeyOf(b.skuId, b.batch)))))
  const hit = states.find((s) => s?.value.remedy)
  return hit ? (hit.value.remedy as BatchRemedy) : null
}

/**
 * After a case is stored: counts the window for each SKU + batch it claims and opens the alert
 * when the threshold is reached. A crash before this runs is caught up by the next case of the
 * batch (the count is still over the threshold and the window has no alert yet).
 */
export async function watchCaseBatches(deps: Deps, c: Case, live?: Policy): Promise<BatchAlert[]> {
  // the caller's policy when it holds one (the filing's): no second read
  const policy = live ?? (await livePolicy(deps)).policy
  const cfg = policy.care.batch
  if (!cfg.enabled || !cfg.reasons.includes(c.reason)) return []
  const now = deps.now()
  const windowMs = cfg.windowHours * HOUR
  const windowFrom = toIso(toMs(now) - windowMs)
  const opened: BatchAlert[] = []
  for (const b of batchesOf(c.order, c.claimedItems)) {
    const filter = { batch: { skuId: b.skuId, batch: b.batch }, createdFrom: windowFrom }
    // the common case costs one capped count: below the threshold whatever the reasons
    if ((await deps.store.countCases(filter, cfg.threshold)) < cfg.threshold) continue
    // a batch over its threshold stays over it: once its alert is open, each further case would
    // read the window's cases only to have openBatchAlert refuse (it holds the rule, this is a shortcut)
    if (await alertOpenSince(deps, batchKeyOf(b.skuId, b.batch), windowFrom)) continue
    const page = await deps.store.listCases(filter, { limit: WINDOW_READ, order: 'created_desc' })
    const hits = page.items.filter((x) => cfg.reasons.includes(x.reason))
    if (hits.length < cfg.threshold) continue
    const alert: BatchAlert = {
      id: deps.newId(),
      key: batchKeyOf(b.skuId, b.batch),
      skuId: b.skuId,
      batch: b.batch,
      product: b.name,
      openedAt: now,
      windowFrom,
      threshold: cfg.threshold,
      caseIds: hits.slice(0, ALERT_CASES).map((x) => x.id),
      triggerCaseId: c.id,
      version: 1,
      action: null,
      progress: null,
    }
    const res = await deps.store.openBatchAlert(alert, alertOutbox(alert, hits.length, c, policy), windowMs)
    if (res.created) opened.push(res.alert)
  }
  return opened
}

/** alerts read to find the batch's own: more opened within one window is far beyond any shop (then the full check runs) */
const ALERTS_READ = 50

/** An alert of this key was opened after `from` (openBatchAlert's own test: opened_at > now − window). */
async function alertOpenSince(deps: Deps, key: string, from: string): Promise<boolean> {
  const recent = await deps.store.listBatchAlerts({ limit: ALERTS_READ, openedFrom: from })
  return recent.some((a) => a.key === key && Date.parse(a.openedAt) > Date.parse(from))
}

/** The staff alerts of a new batch alert: the owners and the batch's team, each opening the alert page. */
function alertOutbox(alert: BatchAlert, n: number, c: Case, policy: Policy): NewOutboxItem[] {
  const cfg = policy.care.batch
  const reasons = cfg.reasons.map((r) => policy.reasons.find((x) => x.code === r)?.label ?? REASON_DEFAULTS[r].label).join('、')
  const text = `「${alert.product}」批次 ${alert.batch || '未标注'}：${cfg.windowHours}小时内${n}个售后（${reasons}），请查看并处理`
  const base = { kind: 'staff_alert' as const, caseId: c.id, alert: 'batch_problem' as const, text, batchAlertId: alert.id, caseNo: c.caseNo, team: cfg.team }
  const events: StaffAlertEvent[] = [
    { ...base, key: `batch-alert:${alert.id}:owner`, to: 'owner' },
    { ...base, key: `batch-alert:${alert.id}:team`, to: `team:${cfg.team}` },
  ]
  return outboxOf(withAlertContext(events, c, policy))
}

// ---------------------------------------------------------------- reading

export async function listBatchAlerts(deps: Deps, limit: number): Promise<{ items: BatchAlert[] }> {
  return { items: await deps.store.listBatchAlerts({ limit }) }
}

export async function getBatchAlert(deps: Deps, alertId: string): Promise<BatchAlertView> {
  const [alert, { policy }] = await Promise.all([deps.store.getBatchAlert(alertId), livePolicy(deps)])
  if (!alert) throw new AppError('NOT_FOUND', '没有找到这条批次预警')
  return viewOf(deps, alert, policy)
}

async function viewOf(deps: Deps, alert: BatchAlert, policy: Policy): Promise<BatchAlertView> {
  const [cases, remedy] = await Promise.all([
    Promise.all(alert.caseIds.map((id) => deps.store.getCase(id))),
    deps.store.getSyncState(remedyState(alert.key)),
  ])
  const label = (code: Case['reason']) => policy.reasons.find((r) => r.code === code)?.label ?? REASON_DEFAULTS[code].label
  const rows: BatchAlertCase[] = cases
    .filter((c): c is Case => !!c)
    .map((c) => ({
      caseId: c.id,
      caseNo: c.caseNo,
      createdAt: c.createdAt,
      buyer: buyerLabel(c),
      reason: c.reason,
      reasonLabel: label(c.reason),
      status: c.status,
      description: c.description,
      photos: c.evidence.map((e) => ({ fileId: e.fileId, kind: e.kind })),
    }))
  return { ...alert, cases: rows, currentRemedy: (remedy?.value.remedy as BatchRemedy | undefined) ?? null }
}

// ---------------------------------------------------------------- acting (the owner, one confirmed action)

/**
 * Records the owner's decision on the alert (compare-and-set on its version: a second tap or another
 * owner meanwhile is refused), sets the batch's remedy, then starts reaching the batch's buyers;
 * what one call does not reach within its time budget the scheduler continues.
 */
export async function actOnBatchAlert(deps: Deps, me: StaffRecord, input: z.output<typeof ActBatchAlertInputSchema>): Promise<BatchAlertView> {
  const [alert, { policy }] = await Promise.all([deps.store.getBatchAlert(input.alertId), livePolicy(deps)])
  if (!alert) throw new AppError('NOT_FOUND', '没有找到这条批次预警')
  if (alert.action) throw new AppError('NOT_ALLOWED_IN_STATUS', '这条预警已经处理过了')
  if (alert.version !== input.expectedVersion) throw new AppError('CONFLICT', '预警已被更新，请刷新后重试')
  const now = deps.now()
  const next: BatchAlert = {
    ...alert,
    version: alert.version + 1,
    action: { by: me.id, byName: me.name, at: now, remedy: input.remedy, outreach: input.outreach },
    progress: input.outreach ? { status: 'running', cursor: null, reached: 0, skipped: 0, refused: 0, spentFen: 0, note: null, updatedAt: now } : null,
  }
  if (!(await deps.store.saveBatchAlert(next, alert.version))) throw new AppError('CONFLICT', '预警已被他人处理，请刷新后查看')
  if (input.remedy) await setBatchRemedy(deps, alert.key, input.remedy, me.id, now)
  let latest = next
  if (input.outreach) latest = await runOutreach(deps, next.id, { budgetMs: 8_000 })
  return viewOf(deps, latest, policy)
}

async function setBatchRemedy(deps: Deps, key: string, remedy: BatchRemedy, by: string, at: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const cur = await deps.store.getSyncState(remedyState(key))
    if (await deps.store.saveSyncState(remedyState(key), { remedy, by, at }, cur?.version ?? 0, at)) return
  }
  throw new AppError('CONFLICT', '批次方案正被同时修改，请重试')
}

type Reach = 'reached' | 'skipped' | 'refused' | 'budget'

/**
 * Reaches the batch's buyers page by page from the alert's cursor until done, the budget is used
 * up, or `budgetMs` passes. Safe to run from several instances at once: each buyer's case is
 * created once (idempotency key in the store), the budget is a counter in the store, and the
 * progress is merged into the alert by compare-and-set.
 */
export async function runOutreach(deps: Deps, alertId: string, opts: { budgetMs?: number; pageSize?: number } = {}): Promise<BatchAlert> {
  const until = Date.now() + (opts.budgetMs ?? 20_000)
  const { policy } = await livePolicy(deps)
  for (;;) {
    const alert = await deps.store.getBatchAlert(alertId)
    if (!alert) throw new AppError('NOT_FOUND', '没有找到这条批次预警')
    const plan = alert.action?.outreach
    if (!plan || alert.progress?.status !== 'running' || Date.now() > until) return alert
    const page = await deps.store.listOrdersByBatch(alert.skuId, alert.batch, { limit: opts.pageSize ?? 50, cursor: alert.progress.cursor })
    const staff = await roster(deps)
    const tally = { reached: 0, skipped: 0, refused: 0, spentFen: 0, budget: false }
    for (const rec of page.items) {
      const { outcome, valueFen } = await reachBuyer(deps, alert, plan, rec, staff, policy)
      if (outcome === 'budget') {
        tally.budget = true
        break
      }
      tally[outcome]++
      if (outcome === 'reached') tally.spentFen += valueFen
    }
    const saved = await mergeProgress(deps, alertId, page.next, tally)
    if (saved.progress?.status !== 'running') return saved
  }
}

async function mergeProgress(deps: Deps, alertId: string, next: string | null, t: { reached: number; skipped: number; refused: number; spentFen: number; budget: boolean }): Promise<BatchAlert> {
  for (let i = 0; i < 20; i++) {
    const cur = await deps.store.getBatchAlert(alertId)
    if (!cur?.progress) throw new AppError('NOT_FOUND', '没有找到这条批次预警')
    const p = cur.progress
    // another instance may have read further meanwhile: the cursor only moves forward
    const cursor = next === null ? p.cursor : p.cursor && p.cursor > next ? p.cursor : next
    const done = t.budget || next === null || p.status === 'done'
    const reached = p.reached + t.reached
    const nextAlert: BatchAlert = {
      ...cur,
      version: cur.version + 1,
      progress: {
        status: done ? 'done' : 'running',
        cursor,
        reached,
        skipped: p.skipped + t.skipped,
        refused: p.refused + t.refused,
        spentFen: p.spentFen + t.spentFen,
        note: t.budget ? `预算已用完，共联系${reached}位买家` : p.note,
        updatedAt: deps.now(),
      },
    }
    if (await deps.store.saveBatchAlert(nextAlert, cur.version)) return nextAlert
  }
  throw new AppError('CONFLICT', '批次外呼进度保存冲突，请稍后重试')
}

/** One buyer of the batch: a proactive case with the pre-approved offer, unless they complained, were reached, or the budget is gone. */
async function reachBuyer(deps: Deps, alert: BatchAlert, plan: Outreach, rec: OrderRecord, staff: Awaited<ReturnType<typeof roster>>, policy: Policy): Promise<{ outcome: Reach; valueFen: number }> {
  const order = rec.order
  const item = order.items.find((i) => i.skuId === alert.skuId && (i.batch ?? '') === alert.batch)
  const buyer = order.buyerOpenid
  // received it (signed for), did not complain about this batch, not reached yet
  // shop buyers who never opened the mini-program could not see or accept the offer
  if (!item || !order.deliveredAt || buyer.startsWith('channels:')) return { outcome: 'skipped', valueFen: 0 }
  const key = reachKey(alert, buyer)
  const [complained, reached] = await Promise.all([
    deps.store.countCases({ buyerOpenid: buyer, batch: { skuId: alert.skuId, batch: alert.batch } }, 1),
    deps.store.findByIdempotencyKey('batch-care', key),
  ])
  if (complained > 0 || reached) return { outcome: 'skipped', valueFen: 0 }
  const claimed = [{ skuId: item.skuId, qty: item.qty }]
  const valueFen = plan.kind === 'resend' ? claimedValueFen(order, claimed) : plan.amountFen
  if (!(await deps.store.takeSlot(budgetBucket(alert.id), alert.action!.outreach!.budgetFen, valueFen))) return { outcome: 'budget', valueFen: 0 }
  const giveBack = () => deps.store.takeSlot(budgetBucket(alert.id), Number.MAX_SAFE_INTEGER, -valueFen)
  try {
    const made = await proactiveCase(deps, alert, plan, order, claimed, staff, policy)
    if (!made) {
      await giveBack()
      return { outcome: 'refused', valueFen: 0 }
    }
    const res = await deps.store.createCase(made.case, outboxOf(made.events), { scope: 'batch-care', key }, { maxRequestsPerSku: policy.limits.maxRequestsPerSku })
    if (!res.created) {
      await giveBack()
      return { outcome: 'skipped', valueFen: 0 }
    }
    return { outcome: 'reached', valueFen }
  } catch (e) {
    await giveBack()
    if (e instanceof GuardViolation) return { outcome: 'refused', valueFen: 0 }
    throw e
  }
}

/**
 * The case for one buyer, built in memory: opened (the owner as actor) and the offer made in the
 * same write — decide runs make_offer with the money guard and the order's ledger; null when the
 * core refuses (eligibility, no room left for the money).
 */
async function proactiveCase(deps: Deps, alert: BatchAlert, plan: Outreach, order: OrderSnapshot, claimed: ClaimedItem[], staff: Awaited<ReturnType<typeof roster>>, policy: Policy): Promise<{ case: Case; events: CaseEvent[] } | null> {
  const now = deps.now()
  const owner = alert.action!.by
  const [guard, caseNo] = await Promise.all([deps.store.getOrderGuard(order.orderId), deps.store.nextCaseNo(localDate(toMs(now), policy.calendar.timezone))])
  const ctx = { now, policy, newId: deps.newId, roster: staff, actor: { kind: 'staff' as const, id: owner, role: 'owner' as const }, orderLedger: otherCasesLedger(guard, null) }
  const opened = openCase(
    {
      caseId: deps.newId(),
      caseNo,
      buyerOpenid: order.buyerOpenid,
      order,
      claimedItems: claimed,
      type: plan.kind === 'resend' ? 'resend' : 'compensation',
      reason: 'quality_defect',
      description: `批次 ${alert.batch || '未标注'} 主动关怀：${plan.message}`.slice(0, 1000),
      desiredRemedy: plan.kind === 'resend' ? 'resend' : 'compensation',
      history: pastCasesOf(guard),
    },
    ctx,
  )
  if (!opened.ok) {
    deps.log(`batch outreach ${alert.id}: ${order.orderId} not opened: ${opened.error.message}`)
    return null
  }
  const offer: OfferInput =
    plan.kind === 'resend'
      ? { rule: 'batch_outreach', kind: 'resend', items: claimed, shippingPaidBy: 'seller', explanation: `${plan.message}：为您补发一份，无需寄回`.slice(0, 200) }
      : plan.kind === 'coupon'
        ? { rule: 'batch_outreach', kind: 'coupon', couponFen: plan.amountFen, explanation: plan.message.slice(0, 200) }
        : { rule: 'batch_outreach', kind: 'compensation', compensationFen: plan.amountFen, explanation: plan.message.slice(0, 200) }
  const decided = decide(opened.value.case, { type: 'make_offer', offers: [offer], text: plan.message }, ctx)
  if (!decided.ok) {
    deps.log(`batch outreach ${alert.id}: ${order.orderId} refused: ${decided.error.message}`)
    return null
  }
  // the buyer hears once: the offer, not also "申请已提交" (they filed nothing)
  const events = [...opened.value.events.filter((e) => !(e.kind === 'buyer_message' && e.event === 'case_submitted')), ...decided.value.events]
  return { case: decided.value.case, events }
}

/** Outreaches a pass continues at most. */
export const OUTREACHES_PER_PASS = 5

/**
 * The scheduler's share: outreaches still running (a call's time budget ran out, or an instance
 * stopped). `running`: those outreaches, read already (Store.schedulerReads).
 */
export async function continueOutreaches(deps: Deps, opts: { budgetMs?: number; running?: BatchAlert[] } = {}): Promise<number> {
  const running = opts.running ?? (await deps.store.listBatchAlerts({ limit: OUTREACHES_PER_PASS, running: true }))
  for (const a of running) await runOutreach(deps, a.id, { budgetMs: opts.budgetMs ?? 10_000 })
  return running.length
}

