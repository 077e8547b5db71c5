import { randomUUID } from 'node:crypto'
import type { BuyerMessageEvent, CaseEvent } from '@contract/domain'
import type { Deps } from '../deps'
import type { OutboxFinish, OutboxItem } from '../../ports/store'
import { WECOM_NO_KEY, type SenderPort } from '../../ports/sender'
import { settleRefund } from './apply-command'
import { runPlatformCall } from './run-platform-call'
import { runShopCall } from './run-shop-call'
import { runPlatformMedia } from './run-platform-media'
import { WECOM_PER_MINUTE, alertPass, failureText, fanOutStaffAlert, tellOwners, type AlertPass, type StaffSubscribePayload, type WecomPayload } from './staff-alerts'

export const RETRY = {
  maxAttempts: 6,
  baseMs: 5_000,
  capMs: 30 * 60_000,
  /** a claimed message is invisible to other dispatchers for this long */
  leaseMs: 2 * 60_000,
}
/** WeChat answers worth retrying: system busy, frequency limits. Thrown errors (network) too. */
const TRANSIENT = new Set([-1, 45009, 45011, 45015])
/** The seller's template mapping is wrong: retrying cannot help, the owner must fix it. */
const MAPPING = new Set([47003, 41030, 40037])
const NO_CREDIT = 43101
/** WeCom robot: too many messages this minute (wait for the next one); -1 busy. */
const WECOM_RATE = 45009
/** A rate-limited row keeps waiting for a free minute this long before it counts as failed. */
const RATE_LIMIT_GIVE_UP_MS = 60 * 60_000

type Outcome =
  | { kind: 'sent' }
  | { kind: 'no_credit'; error: string }
  | { kind: 'mapping'; error: string }
  | { kind: 'permanent'; error: string }
  /** the platform refused a seller decision: recorded on the case already */
  | { kind: 'refused'; error: string }
  /** `retryAt`: the other side said when (platform system busy with a retry time) */
  | { kind: 'transient'; error: string; retryAt?: string }
  /** not attempted or refused for frequency: try again at `at` without spending an attempt (given up after `giveUpMs`, default an hour) */
  | { kind: 'deferred'; at: string; error: string | null; giveUpMs?: number }

/** How the local gateway's timer runs a pass: a burst drains in passes of up to 5,000 rows. */
export const GATEWAY_DISPATCH = { limit: 5000, budgetMs: 10_000, concurrency: 32 } as const
/** CloudBase: one run a minute (timer trigger), within the function's 60 s timeout. */
export const CLOUD_DISPATCH = { limit: 20_000, budgetMs: 45_000, concurrency: 32 } as const

export interface DispatchStats {
  sent: number
  retried: number
  failed: number
  skipped: number
  /** waiting for a free rate-limit slot (WeCom: 20 a minute per robot) */
  deferred: number
}

/** Exponential backoff with equal jitter, capped. */
export function backoffMs(attempt: number, random: () => number): number {
  const d = Math.min(RETRY.capMs, RETRY.baseMs * 2 ** (attempt - 1))
  return Math.round(d / 2 + random() * (d / 2))
}

const later = (now: string, ms: number) => new Date(Date.parse(now) + ms).toISOString()

/**
 * Sends what transitions wrote to the outbox, at most once per key after success (a staff alert
 * fans out into the recipients' inboxes and one row per external channel, see ./staff-alerts).
 *
 * Rows are claimed in chunks by one write each (`claimOutbox`: urgent rows first — staff alerts,
 * money and platform calls, P1 cases; a leased row is invisible to other dispatchers), delivered
 * with up to `concurrency` cases in flight (one case's rows in order), and the sent ones marked in
 * one write per chunk. A send that succeeded is never repeated; transient failures retry with
 * backoff until the limit and then park as failed; 43101 consumes no retry and records that the
 * buyer was not notified; a wrong template mapping (47003 / 41030) is recorded with WeChat's words
 * and alerts the owner. One-time subscription credits are spent on the first attempt of each
 * message. The roster, policy and staff credits a fan-out needs are read once per pass.
 */
export async function dispatchOutbox(
  deps: Deps,
  sender: SenderPort,
  opts: { limit?: number; random?: () => number; budgetMs?: number; concurrency?: number; chunk?: number } = {},
): Promise<DispatchStats> {
  // stop on a time budget below the function's timeout: unclaimed rows stay pending for the next pass
  const until = Date.now() + (opts.budgetMs ?? Number.POSITIVE_INFINITY)
  const random = opts.random ?? Math.random
  const limit = opts.limit ?? 100
  const concurrency = Math.max(1, opts.concurrency ?? 16)
  const chunk = Math.max(1, Math.min(limit, opts.chunk ?? 100))
  const now = deps.now()
  const claim = `${now}:${randomUUID()}`
  const pass = alertPass(deps)
  const stats: DispatchStats = { sent: 0, retried: 0, failed: 0, skipped: 0, deferred: 0 }
  let taken = 0
  // rows a store keeps in case documents until now (ports/store.ts sweepCaseOutbox)
  if (deps.store.sweepCaseOutbox) await deps.store.sweepCaseOutbox(limit)
  while (taken < limit && Date.now() <= until) {
    const items = await deps.store.claimOutbox(now, Math.min(chunk, limit - taken), later(now, RETRY.leaseMs), claim)
    if (!items.length) break
    taken += items.length
    // rows that end without anything to retry are ended in bulk, one write per outcome
    const ends = new Map<string, { keys: string[]; patch: OutboxFinish }>()
    await inLanes(items, concurrency, async (item) => {
      const end = await settle(deps, sender, item, now, random, stats, pass)
      if (!end) return
      const k = end.status === 'sent' ? 'sent' : `skipped:${end.lastError}`
      const group = ends.get(k) ?? { keys: [], patch: end.status === 'sent' ? { status: 'sent', sentAt: deps.now() } : end }
      group.keys.push(item.key)
      ends.set(k, group)
    })
    await Promise.all([...ends.values()].map((g) => deps.store.finishOutbox(g.keys, claim, g.patch)))
    for (const g of ends.values()) if (g.patch.status === 'sent') stats.sent += g.keys.length
    else stats.skipped += g.keys.length
    if (items.length < chunk) break
  }
  return stats
}

/** One lane per case (its rows in claim order), at most `n` lanes at a time. */
async function inLanes(items: OutboxItem[], n: number, run: (item: OutboxItem) => Promise<void>): Promise<void> {
  const lanes = new Map<string, OutboxItem[]>()
  for (const i of items) lanes.set(i.caseId, [...(lanes.get(i.caseId) ?? []), i])
  const queue = [...lanes.values()]
  const worker = async () => {
    for (let lane = queue.shift(); lane; lane = queue.shift()) for (const item of lane) await run(item)
  }
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, worker))
}

/**
 * Delivers one claimed row and records its outcome; a row that was sent or skipped (no credit) is
 * answered instead, for the caller to end in bulk.
 */
async function settle(deps: Deps, sender: SenderPort, item: OutboxItem, now: string, random: () => number, stats: DispatchStats, pass: AlertPass): Promise<{ status: 'sent' } | { status: 'skipped'; lastError: string } | null> {
  const attempt = item.attempts
  const out = await deliver(deps, sender, item, attempt, pass)
  if (out.kind === 'sent') return { status: 'sent' }
  if (out.kind === 'no_credit') return { status: 'skipped', lastError: out.error }
  if (out.kind === 'deferred') {
    const giveUpMs = out.giveUpMs ?? RATE_LIMIT_GIVE_UP_MS
    if (Date.parse(now) - Date.parse(item.createdAt) > giveUpMs) {
      // a row waiting on the platform (退差价 still refunding) goes to a person after its own window
      const why = out.giveUpMs ? `超过${Math.round(giveUpMs / 3_600_000)}小时仍未完成，请人工核对` : '发送频率受限超过1小时'
      await deps.store.updateOutbox(item.key, attempt, { status: 'failed', lastError: `${why}：${out.error ?? ''}` })
      await tellOwners(deps, item, failureText(item, out.giveUpMs ? `${why}：${out.error ?? ''}` : why)).catch((e) => deps.log('tellOwners failed', e))
      stats.failed++
    } else {
      // hand the attempt back: waiting for a slot is not a failure
      await deps.store.updateOutbox(item.key, attempt, { attempts: attempt - 1, nextAttemptAt: out.at, ...(out.error ? { lastError: out.error } : {}) })
      stats.deferred++
    }
  } else if (out.kind === 'mapping') {
    await deps.store.updateOutbox(item.key, attempt, { status: 'failed', lastError: out.error })
    const text = `订阅消息模板配置有误，请检查模板与字段映射：${out.error}`
    await sender.notifyStaff({ to: 'owner', kind: 'template_mapping', caseId: item.caseId, text }).catch(() => undefined)
    await tellOwners(deps, item, text).catch((e) => deps.log('tellOwners failed', e))
    stats.failed++
  } else if (out.kind === 'permanent' || out.kind === 'refused') {
    await deps.store.updateOutbox(item.key, attempt, { status: 'failed', lastError: out.error })
    if (STAFF_CHANNELS.has(item.kind)) await tellOwners(deps, item, failureText(item, out.error)).catch((e) => deps.log('tellOwners failed', e))
    stats.failed++
  } else if (attempt >= RETRY.maxAttempts) {
    await deps.store.updateOutbox(item.key, attempt, { status: 'failed', lastError: `重试 ${attempt} 次仍失败：${out.error}` })
    if (STAFF_CHANNELS.has(item.kind)) await tellOwners(deps, item, failureText(item, `重试 ${attempt} 次仍失败：${out.error}`)).catch((e) => deps.log('tellOwners failed', e))
    stats.failed++
  } else {
    await deps.store.updateOutbox(item.key, attempt, { nextAttemptAt: out.retryAt ?? later(now, backoffMs(attempt, random)), lastError: out.error })
    stats.retried++
  }
  return null
}

async function deliver(deps: Deps, sender: SenderPort, item: OutboxItem, attempt: number, pass: AlertPass): Promise<Outcome> {
  const ev = item.payload as unknown as CaseEvent
  try {
    switch (ev.kind) {
      case 'buyer_message':
        return await sendBuyerMessage(deps, sender, ev, attempt)
      case 'staff_alert':
        await fanOutStaffAlert(deps, item, ev, pass)
        return { kind: 'sent' }
      case 'warehouse_task': {
        const r = await sender.notifyStaff({ to: 'warehouse', text: ev.text, caseId: ev.caseId, kind: ev.task })
        return r.errcode === 0 ? { kind: 'sent' } : { kind: 'transient', error: `${r.errcode} ${r.errmsg}` }
      }
      case 'refund_requested': {
        // Finishes a refund whose inline settlement was interrupted; idempotent by refund key.
        // Not done until the case records the outcome: a refund left pending is retried (backoff).
        const c = await deps.store.getCase(ev.caseId)
        if (!c || !c.refunds.some((r) => r.key === ev.refundKey && r.status === 'pending')) return { kind: 'sent' }
        const r = await settleRefund(deps, c, ev)
        return r.recorded ? { kind: 'sent' } : { kind: 'transient', error: `退款 ${ev.refundKey} 尚未记入售后单` }
      }
      case 'buyer_preferences':
        // a 回访's preferences onto the buyer's profile (newer-wins: a late retry never undoes a later visit)
        await deps.store.setBuyerPreferences(ev.buyerOpenid, ev.preferences)
        return { kind: 'sent' }
      case 'platform_call':
        // a seller decision on a Channels after-sale: sent once by call key, answer recorded on the case
        return await runPlatformCall(deps, ev, item)
      case 'shop_call':
        // a desk remedy on a Channels order (退差价, 补发货): once by ref, settled on the platform's answer
        return await runShopCall(deps, ev, item, attempt >= RETRY.maxAttempts)
      case 'platform_media':
        // the buyer's platform photos, fetched after the push was answered; kept once, retried on failure
        return await runPlatformMedia(deps, ev, attempt >= RETRY.maxAttempts)
      default:
        if (item.kind === 'staff_subscribe') return await sendStaffSubscribe(deps, sender, item.payload as unknown as StaffSubscribePayload, attempt)
        if (item.kind === 'wecom') return await sendWecom(deps, sender, item.payload as unknown as WecomPayload)
        return { kind: 'sent' }
    }
  } catch (e) {
    return { kind: 'transient', error: `网络错误：${e instanceof Error ? e.message : String(e)}` }
  }
}

/** Rows of the staff channels: a failure there is put in front of the owner. */
const STAFF_CHANNELS = new Set(['staff_subscribe', 'wecom'])

/** Like a buyer's: one credit per message, spent on the first attempt. */
async function sendStaffSubscribe(deps: Deps, sender: SenderPort, p: StaffSubscribePayload, attempt: number): Promise<Outcome> {
  if (attempt === 1 && !(await deps.store.spendCredit(p.openid, p.templateId))) return { kind: 'no_credit', error: '43101 员工未订阅或次数已用完，未推送（收件箱里仍有）' }
  const r = await sender.sendSubscribe({ touser: p.openid, templateId: p.templateId, page: p.page, data: p.data })
  return classify(r, '员工拒收或订阅次数已用完，未推送（收件箱里仍有）')
}

/** A WeCom robot post within the robot's 20-a-minute budget, shared by every dispatcher. */
async function sendWecom(deps: Deps, sender: SenderPort, p: WecomPayload): Promise<Outcome> {
  const now = Date.parse(deps.now())
  const minute = Math.floor(now / 60_000)
  const nextMinute = new Date((minute + 1) * 60_000).toISOString()
  if (!(await deps.store.takeSlot(`wecom:${p.keyEnv}:${minute}`, WECOM_PER_MINUTE))) return { kind: 'deferred', at: nextMinute, error: null }
  const r = await sender.sendWecom({ keyEnv: p.keyEnv, msgtype: p.msgtype, content: p.content })
  if (r.errcode === WECOM_RATE) return { kind: 'deferred', at: nextMinute, error: `${r.errcode} ${r.errmsg}` }
  if (r.errcode === WECOM_NO_KEY) return { kind: 'permanent', error: r.errmsg }
  if (r.errcode === 0) return { kind: 'sent' }
  if (TRANSIENT.has(r.errcode)) return { kind: 'transient', error: `${r.errcode} ${r.errmsg}` }
  // 93000 invalid webhook url, 40008 bad message type …: the owner has to fix the robot
  return { kind: 'permanent', error: `${r.errcode} ${r.errmsg}` }
}

/** A WeChat send answer → what the dispatcher does next. */
function classify(r: { errcode: number; errmsg: string }, noCredit: string): Outcome {
  if (r.errcode === 0) return { kind: 'sent' }
  if (r.errcode === NO_CREDIT) return { kind: 'no_credit', error: `43101 ${noCredit}（${r.errmsg}）` }
  if (MAPPING.has(r.errcode)) return { kind: 'mapping', error: `${r.errcode} ${r.errmsg}` }
  if (TRANSIENT.has(r.errcode)) return { kind: 'transient', error: `${r.errcode} ${r.errmsg}` }
  // Other codes (e.g. 40003 bad openid) will not get better by retrying.
  return { kind: 'permanent', error: `${r.errcode} ${r.errmsg}` }
}

async function sendBuyerMessage(deps: Deps, sender: SenderPort, ev: BuyerMessageEvent, attempt: number): Promise<Outcome> {
  if (attempt === 1 && !(await deps.store.spendCredit(ev.openid, ev.templateId))) {
    return { kind: 'no_credit', error: '43101 买家未订阅该消息或次数已用完，未通知' }
  }
  const r = await sender.sendSubscribe({ touser: ev.openid, templateId: ev.templateId, page: ev.page, data: ev.data })
  return classify(r, '买家拒收或订阅次数已用完，未通知')
}
