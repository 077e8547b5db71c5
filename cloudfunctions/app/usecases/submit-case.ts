import type { PastCase } from '@contract/domain'
import type { SubmitInput } from '@contract/actions'
import type { z } from 'zod'
import type { SubmitInputSchema } from '@contract/actions'
import type { Deps } from '../deps'
import { AppError, fromCore } from '../errors'
import { livePolicy, outboxOf, roster } from '../shared'
import { buyerView } from '../views'
import { openCase } from '../../core'
import { localDate, toMs } from '../../core/tz'

const DAY = 86_400_000

/**
 * Files a new after-sales case for one of the buyer's own orders. Idempotent per form: the same
 * key returns the first case, so a double tap never opens two.
 *
 * @example submitCase(deps, 'openid-1', { orderId: 'DEMO0001', claimedItems: [{ skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, 'k-123')
 */
export async function submitCase(deps: Deps, openid: string, input: z.output<typeof SubmitInputSchema>, idempotencyKey?: string) {
  if (!idempotencyKey) throw new AppError('VALIDATION', '缺少请求标识（idempotencyKey），请重新提交')
  const scope = `submit:${openid}`
  const { policy } = await livePolicy(deps)
  const now = deps.now()

  const earlier = await deps.store.findByIdempotencyKey(scope, idempotencyKey)
  if (earlier) return { case: buyerView(earlier, now, policy), created: false }

  const rec = await deps.store.getOrder(input.orderId)
  if (!rec || rec.order.buyerOpenid !== openid) throw new AppError('NOT_FOUND', '没有找到这个订单')
  const media = await deps.media.verify(input.evidence, { openid })
  if (!media.ok) throw new AppError('VALIDATION', media.message)

  const [history, buyer, staff, refundCount90d] = await Promise.all([
    pastCases(deps, openid, input.orderId),
    deps.store.getBuyer(openid),
    roster(deps),
    refundsIn90Days(deps, openid, now),
  ])
  const caseNo = await deps.store.nextCaseNo(localDate(toMs(now), policy.calendar.timezone))
  const opened = openCase(
    {
      caseId: deps.newId(),
      caseNo,
      buyerOpenid: openid,
      order: rec.order,
      claimedItems: input.claimedItems,
      type: input.type,
      reason: input.reason,
      description: input.description,
      evidence: input.evidence,
      desiredRemedy: input.desiredRemedy,
      history,
      buyerProfile: { openid, dedicatedRepId: buyer?.dedicatedRepId ?? null, trusted: buyer?.trusted ?? false, refundCount90d },
      facts: input.facts,
    },
    { now, policy, newId: deps.newId, roster: staff, actor: { kind: 'buyer', id: openid } },
  )
  if (!opened.ok) {
    // A concurrent twin of this submit may have won meanwhile: answer with its case.
    const twin = await deps.store.findByIdempotencyKey(scope, idempotencyKey)
    if (twin) return { case: buyerView(twin, now, policy), created: false }
    throw fromCore(opened.error)
  }
  const { created, case: stored } = await deps.store.createCase(opened.value.case, outboxOf(opened.value.events), { scope, key: idempotencyKey })
  if (created) await deps.media.attach(input.evidence.map((e) => e.fileId), now)
  if (created && stored.assigneeId) {
    const rep = await deps.store.getStaff(stored.assigneeId)
    if (rep) await deps.store.upsertStaff({ ...rep, lastAssignedAt: now })
  }
  return { case: buyerView(stored, now, policy), created }
}

export async function pastCases(deps: Deps, openid: string, orderId: string): Promise<PastCase[]> {
  const page = await deps.store.listCases({ buyerOpenid: openid, orderId }, { limit: 100 })
  return page.items.map((c) => ({ caseId: c.id, orderId: c.order.orderId, claimedItems: c.claimedItems, type: c.type, status: c.status, createdAt: c.createdAt }))
}

/** Number of this buyer's cases with a refund in the last 90 days (repeat-refund risk). */
export async function refundsIn90Days(deps: Deps, openid: string, now: string): Promise<number> {
  const since = new Date(toMs(now) - 90 * DAY).toISOString()
  return deps.store.countCases({ buyerOpenid: openid, createdFrom: since, refunded: true }, 100)
}

export type { SubmitInput }
