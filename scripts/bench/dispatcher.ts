/**
 * Outbox dispatcher at a live-stream burst: the outbox holds the rows real submits write (buyer
 * subscription messages, and the supervisor alerts of P1 cases), copied for many cases, 20,000 in
 * all; every buyer has credits. The sender answers after `sendMs` (a WeChat API call; nothing
 * leaves the machine), so the figure includes waiting on the far side, which the dispatcher hides
 * by keeping several cases in flight. Passes run back to back as the gateway's timer runs them
 * (`GATEWAY_DISPATCH`), until nothing is pending. Also: when the last urgent row (staff alert, P1
 * message) was done — they must not wait behind the burst.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { SendResult, SenderPort } from '../../cloudfunctions/ports/sender'
import { dispatchOutbox, GATEWAY_DISPATCH, type DispatchStats } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { URGENT, outboxPriority } from '../../cloudfunctions/adapters/outbox-priority'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { BENCH_NOW, at, benchDeps, cloneCase, cloneOutbox, inOneTransaction, openStore, type Template } from './population'

export interface DispatcherResult {
  messages: number
  urgent: number
  passes: number
  sendMs: number
  ms: number
  /** wall time until the last urgent row was marked done */
  urgentMs: number
  perSec: number
  stats: DispatchStats
  delivered: number
}

/** A WeChat stand-in that takes `ms` to answer each call and always says ok. */
class SlowSender implements SenderPort {
  delivered = 0
  constructor(private ms: number) {}
  private async answer(): Promise<SendResult> {
    await new Promise((r) => setTimeout(r, this.ms))
    this.delivered++
    return { errcode: 0, errmsg: 'ok' }
  }
  sendSubscribe = () => this.answer()
  notifyStaff = () => this.answer()
  sendWecom = () => this.answer()
}

export async function runDispatcher(dir: string, templates: Template[], target = 20_000, sendMs = 50): Promise<DispatcherResult> {
  const file = path.join(dir, 'dispatch.db')
  const store = await openStore(file)
  await seedDemoShop(store, BENCH_NOW)
  const buyers = new Set<string>()
  const templateIds = new Set<string>()
  const urgentKeys = new Set<string>()
  let messages = 0
  await inOneTransaction(store, () => {
    const out: Promise<unknown>[] = []
    for (let i = 0; messages < target; i++) {
      const p = { id: `dc-${i}`, caseNo: `D${i}`, buyerOpenid: `db-${i % 500}`, orderId: `do-${i}`, createdAt: at(BENCH_NOW, -60_000 - i) }
      const t = templates[i % templates.length]
      const c = cloneCase(t, p)
      const outbox = cloneOutbox(t, p)
      for (const o of outbox) {
        const templateId = (o.payload as { templateId?: string }).templateId
        if (templateId) templateIds.add(templateId)
        if (outboxPriority(o, c.severity) === URGENT) urgentKeys.add(o.key)
      }
      buyers.add(p.buyerOpenid)
      messages += outbox.length
      out.push(store.createCase(c, outbox))
    }
    for (const b of buyers) for (const t of templateIds) out.push(store.addCredits(b, t, 1000))
    return out
  })
  const deps = benchDeps(store, () => BENCH_NOW)
  const sender = new SlowSender(sendMs)
  const stats: DispatchStats = { sent: 0, retried: 0, failed: 0, skipped: 0, deferred: 0 }
  // when each row was marked done (sent rows in bulk, the rest one by one)
  const t0 = process.hrtime.bigint()
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6
  let urgentMs = 0
  const finish = store.finishOutbox.bind(store)
  store.finishOutbox = async (keys, claim, patch) => {
    const n = await finish(keys, claim, patch)
    if (keys.some((k) => urgentKeys.has(k))) urgentMs = elapsed()
    return n
  }
  let passes = 0
  for (;;) {
    const s = await dispatchOutbox(deps, sender, GATEWAY_DISPATCH)
    passes++
    stats.sent += s.sent
    stats.retried += s.retried
    stats.failed += s.failed
    stats.skipped += s.skipped
    stats.deferred += s.deferred
    if (s.sent + s.retried + s.failed + s.skipped + s.deferred === 0) break
  }
  const ms = elapsed()
  await store.close()
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  return { messages, urgent: urgentKeys.size, passes, sendMs, ms, urgentMs, perSec: (stats.sent / ms) * 1000, stats, delivered: sender.delivered }
}
