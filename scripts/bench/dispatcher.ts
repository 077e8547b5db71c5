/**
 * Outbox dispatcher throughput against the local sender (RecordingSender: nothing leaves the
 * machine). The outbox holds the rows real submits write (buyer subscription messages, and the
 * supervisor alerts of P1 cases), copied for many cases; every buyer has credits, so each
 * message is claimed, sent and marked sent. Passes run back to back with the dispatcher's
 * default batch (as the timer would, without the wait between them) until nothing is pending.
 */
import fs from 'node:fs'
import path from 'node:path'
import { RecordingSender } from '../../cloudfunctions/adapters/local/sender'
import { dispatchOutbox, type DispatchStats } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { BENCH_NOW, at, benchDeps, cloneCase, cloneOutbox, inOneTransaction, openStore, type Template } from './population'

export interface DispatcherResult {
  messages: number
  passes: number
  ms: number
  perSec: number
  stats: DispatchStats
  delivered: number
}

export async function runDispatcher(dir: string, templates: Template[], target = 5000): Promise<DispatcherResult> {
  const file = path.join(dir, 'dispatch.db')
  const store = await openStore(file)
  await seedDemoShop(store, BENCH_NOW)
  const buyers = new Set<string>()
  const templateIds = new Set<string>()
  let messages = 0
  await inOneTransaction(store, () => {
    const out: Promise<unknown>[] = []
    for (let i = 0; messages < target; i++) {
      const p = { id: `dc-${i}`, caseNo: `D${i}`, buyerOpenid: `db-${i % 500}`, orderId: `do-${i}`, createdAt: at(BENCH_NOW, -60_000 - i) }
      const t = templates[i % templates.length]
      const outbox = cloneOutbox(t, p)
      for (const o of outbox) {
        const templateId = (o.payload as { templateId?: string }).templateId
        if (templateId) templateIds.add(templateId)
      }
      buyers.add(p.buyerOpenid)
      messages += outbox.length
      out.push(store.createCase(cloneCase(t, p), outbox))
    }
    for (const b of buyers) for (const t of templateIds) out.push(store.addCredits(b, t, 1000))
    return out
  })
  const deps = benchDeps(store, () => BENCH_NOW)
  const sender = new RecordingSender()
  const stats: DispatchStats = { sent: 0, retried: 0, failed: 0, skipped: 0, deferred: 0 }
  let passes = 0
  const t0 = process.hrtime.bigint()
  for (;;) {
    const s = await dispatchOutbox(deps, sender)
    passes++
    stats.sent += s.sent
    stats.retried += s.retried
    stats.failed += s.failed
    stats.skipped += s.skipped
    stats.deferred += s.deferred
    if (s.sent + s.retried + s.failed + s.skipped + s.deferred === 0) break
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  await store.close()
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  return { messages, passes, ms, perSec: (stats.sent / ms) * 1000, stats, delivered: sender.sent.length }
}
