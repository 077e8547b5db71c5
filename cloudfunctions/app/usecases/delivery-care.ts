import crypto from 'node:crypto'
import type { z } from 'zod'
import type { BuyerMessageEvent } from '@contract/domain'
import type { CareReplyInputSchema, CareReplyResult } from '@contract/care'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy } from '../shared'
import { formatField } from '../../core'
import { toMs } from '../../core/tz'
import type { OrderRecord } from '../../ports/store'
import { submitCase } from './submit-case'

/**
 * Post-delivery care (签收回访, issue 24; policy care.delivery, off by default): a share of the
 * orders signed for `afterDays` ago get one subscription message asking whether all is well. Each
 * order at most once: the first scheduler to create the order's `delivery-care:<orderId>` record
 * (created in one write, Store.saveSyncState with version 0) enqueues the message. A reply that is
 * not 满意 opens a case; each order records one reply.
 */

const DAY = 86_400_000
/** the first pass looks this far back beyond `afterDays` (later passes continue from the last signing read) */
const FIRST_LOOKBACK_MS = 7 * DAY
const CURSOR = 'delivery-care-cursor'
const recordName = (orderId: string) => `delivery-care:${orderId}`

export interface DeliveryCareStats {
  examined: number
  sent: number
}

/** Whether this order is in the policy's share (by its number: every instance picks the same orders). */
export function inShare(orderId: string, percent: number): boolean {
  if (percent >= 100) return true
  const h = crypto.createHash('sha1').update(orderId).digest().readUInt32BE(0)
  return h % 100 < percent
}

export async function runDeliveryCare(deps: Deps, opts: { limit?: number; live?: Awaited<ReturnType<typeof livePolicy>> } = {}): Promise<DeliveryCareStats> {
  const stats: DeliveryCareStats = { examined: 0, sent: 0 }
  const { policy } = opts.live ?? (await livePolicy(deps))
  const cfg = policy.care.delivery
  if (!cfg.enabled) return stats
  const template = policy.templates[cfg.templateKey]
  if (!template) {
    deps.log(`delivery care: no template "${cfg.templateKey}" in the policy`)
    return stats
  }
  const now = deps.now()
  const to = new Date(toMs(now) - cfg.afterDays * DAY).toISOString()
  const state = await deps.store.getSyncState(CURSOR)
  const from = typeof state?.value.since === 'string' ? state.value.since : new Date(toMs(to) - FIRST_LOOKBACK_MS).toISOString()
  if (from >= to) return stats
  let cursor: string | null = null
  let since = from
  const limit = opts.limit ?? 200
  do {
    const page = await deps.store.listDeliveredOrders({ from, to }, { limit: Math.min(100, limit - stats.examined), cursor })
    for (const rec of page.items) {
      stats.examined++
      if (await careFor(deps, rec, cfg.sharePercent, template, now, policy.calendar.timezone, cfg.templateKey)) stats.sent++
      since = rec.order.deliveredAt ?? since
    }
    cursor = page.next
  } while (cursor && stats.examined < limit)
  // done up to `to` (or to the last order read when stopped early); a lost race means another pass saved it
  await deps.store.saveSyncState(CURSOR, { since: cursor ? since : to }, state?.version ?? 0, now)
  return stats
}

async function careFor(deps: Deps, rec: OrderRecord, percent: number, template: { templateId: string; fields: Record<string, string> }, now: string, tz: string, templateKey: string): Promise<boolean> {
  const o = rec.order
  // shop buyers who never opened the mini-program cannot get a subscription message
  if (o.buyerOpenid.startsWith('channels:') || !inShare(o.orderId, percent)) return false
  if (!(await deps.store.saveSyncState(recordName(o.orderId), { sentAt: now, reply: null }, 0, now))) return false
  const source: Record<string, string> = {
    caseNo: o.orderId,
    productName: o.items[0]?.name ?? '',
    nextStep: '商品已签收，用得满意吗？点此告诉我们',
    statusPhrase: '已签收',
    deadlineDate: now,
    updatedAt: now,
  }
  const data: BuyerMessageEvent['data'] = {}
  for (const [field, src] of Object.entries(template.fields)) data[field] = { value: formatField(field, source[src] ?? '', { tz, fallbackTime: now }) }
  const ev: BuyerMessageEvent = {
    kind: 'buyer_message',
    key: `delivery-care:${o.orderId}`,
    event: 'delivery_visit',
    templateKey,
    templateId: template.templateId,
    caseId: '',
    openid: o.buyerOpenid,
    page: `pages/care/index?orderId=${encodeURIComponent(o.orderId)}`,
    data,
  }
  await deps.store.enqueueOutbox([{ key: ev.key, caseId: '', kind: ev.kind, payload: ev as unknown as Record<string, unknown> }], now)
  return true
}

/**
 * The buyer's answer to a 签收回访: recorded once per order (compare-and-set on its record); not
 * 满意 opens a case on the order (one per order: the submit's idempotency key) under the buyer's own
 * rules. A second answer keeps the first.
 */
export async function replyToCare(deps: Deps, openid: string, input: z.output<typeof CareReplyInputSchema>, unionid?: string): Promise<CareReplyResult> {
  const [rec, state] = await Promise.all([deps.store.getOrder(input.orderId), deps.store.getSyncState(recordName(input.orderId))])
  if (!rec || rec.order.buyerOpenid !== openid) throw new AppError('NOT_FOUND', '没有找到这个订单')
  if (!state) throw new AppError('NOT_ALLOWED_IN_STATUS', '这个订单没有签收回访')
  const prior = state.value.reply as { satisfied: boolean; caseId: string | null; caseNo: string | null } | null
  if (prior) return { orderId: input.orderId, satisfied: prior.satisfied, caseId: prior.caseId, caseNo: prior.caseNo, recorded: false }
  let caseId: string | null = null
  let caseNo: string | null = null
  if (!input.satisfied) {
    const res = await submitCase(
      deps,
      openid,
      {
        orderId: input.orderId,
        claimedItems: rec.order.items.map((i) => ({ skuId: i.skuId, qty: i.qty })),
        type: 'compensation',
        reason: 'other',
        description: `签收回访：买家表示不满意${input.text ? `：${input.text}` : ''}`.slice(0, 1000),
        evidence: [],
        desiredRemedy: 'contact_me',
        facts: {},
      },
      `care-${input.orderId}`,
      unionid ? { unionid } : {},
    )
    caseId = res.case.id
    caseNo = res.case.caseNo
  }
  const now = deps.now()
  const saved = await deps.store.saveSyncState(recordName(input.orderId), { ...state.value, reply: { satisfied: input.satisfied, text: input.text, at: now, caseId, caseNo } }, state.version, now)
  return { orderId: input.orderId, satisfied: input.satisfied, caseId, caseNo, recorded: saved }
}
