/**
 * In-process figures on one population (10k or 100k open cases on a SQLite file): the queue and
 * buyer-list queries at the store and through the functions, one scheduler pass with exactly 100
 * cases due, and a submit's server time (the buyer function in-process) against a bare
 * prepared-statement insert of the same document.
 */
import fs from 'node:fs'
import type { ApiResult } from '@contract/api'
import path from 'node:path'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { runScheduler, type SchedulerStats } from '../../cloudfunctions/app/usecases/run-scheduler'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { openFloorDb } from './floor-db'
import { size as sized } from './figures'
import {
  BENCH_NOW, MINUTE, benchDeps, trancheAt, benchOrder, buyerOf, cloneCase, inOneTransaction, loadPopulation, openStore, submitData,
  type PopulationSpec, type Template,
} from './population'

/** Buyers of every population: 20 cases each at 10k (a full first page), 200 at 100k. */
export const BUYERS = 500
export const AGENTS = ['staff-amy', 'staff-bo', 'staff-cai'] as const
export const DUE = 100

/** Scheduler passes per population (one per tranche of exactly DUE due cases); the median is reported. */
export const PASSES = 3

export const populationSpec = (cases: number): PopulationSpec => ({
  cases,
  buyers: BUYERS,
  spreadMs: 40 * MINUTE, // the newest 40 minutes: nothing else falls due in the next 8 minutes, even for P1
  tranches: PASSES,
  perTranche: DUE,
  trancheStepMs: MINUTE,
})

/** Mean ms of `f` over `n` calls after `warm` untimed ones. */
export async function meanMs(n: number, f: (i: number) => Promise<unknown>, warm = Math.min(50, n)): Promise<number> {
  for (let i = 0; i < warm; i++) await f(i)
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await f(i)
  return Number(process.hrtime.bigint() - t0) / 1e6 / n
}

const okOr = (what: string) => (r: ApiResult<unknown>): unknown => {
  if (!r.ok) throw new Error(`${what} failed: ${JSON.stringify(r.error)}`)
  return r.data
}

export interface ScaleResult {
  size: number
  loadPerSec: number
  storeQueueMs: number
  storeBuyerMs: number
  storeCountMs: number
  queueActionMs: number
  listActionMs: number
  /** median of the passes */
  schedulerMs: number
  schedulerPassesMs: number[]
  /** cases due before each pass (the population makes it DUE) */
  dueBefore: number[]
  scheduler: SchedulerStats[]
  submitMs: number
  /** the store's createCase of the same documents with their outbox rows (no use case) */
  storeWriteMs: number
  bareInsertMs: number
}

/** A scheduler pass on a small throw-away population first, so the 10k pass does not pay for JIT warm-up. */
export async function warmScheduler(dir: string, templates: Template[]) {
  const file = path.join(dir, 'warm.db')
  const store = await openStore(file)
  await seedDemoShop(store, BENCH_NOW)
  const n = sized(1000, 300)
  await loadPopulation(store, templates, BENCH_NOW, { ...populationSpec(n), prefix: 'w' })
  await runScheduler(benchDeps(store, () => trancheAt(BENCH_NOW, populationSpec(n), 0)))
  await store.close()
  for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
}

/**
 * Builds the population in `dir`, copies the file to `copyTo` (before anything else touches it,
 * for the gateway), then measures.
 */
export async function scaleRun(dir: string, templates: Template[], size: number, opts: { copyTo?: string; submits: number }): Promise<ScaleResult> {
  const file = path.join(dir, `pop-${size}.db`)
  let store = await openStore(file)
  await seedDemoShop(store, BENCH_NOW)
  const spec = populationSpec(size)
  const loadPerSec = await loadPopulation(store, templates, BENCH_NOW, spec)
  // both sizes measured from the same state: the load's WAL (2,000 cases a commit) checkpointed
  // and removed, so reads do not search a long WAL index left by the load
  await store.close()
  if (opts.copyTo) fs.copyFileSync(file, opts.copyTo)
  store = await openStore(file)
  let now = BENCH_NOW
  const deps = benchDeps(store, () => now)
  const aftersale = aftersaleFunction(deps)
  const admin = adminFunction(deps)
  const buyer = (i: number) => buyerOf(spec, i * 7)

  // a tab's page as the queue reads it (the 'quality' team holds ~38% of the population's open cases)
  const storeQueueMs = await meanMs(sized(300, 10), () => store.listCases({ team: 'quality', open: true }, { limit: 20, order: 'due_asc' }))
  const storeBuyerMs = await meanMs(sized(300, 10), (i) => store.listCases({ buyerOpenid: buyer(i) }, { limit: 20 }))
  const storeCountMs = await meanMs(sized(50, 5), () => store.countCases({ open: true }), 5)
  const queueActionMs = await meanMs(sized(200, 10), (i) => admin({ action: 'queue', data: { tab: i % 2 ? 'team' : 'mine' } }, { openid: AGENTS[i % AGENTS.length] }).then(okOr('queue')))
  const listActionMs = await meanMs(sized(300, 10), (i) => aftersale({ action: 'list_cases', data: {} }, { openid: buyer(i) }).then(okOr('list_cases')))

  // One pass per tranche, each at the instant its DUE cases have just fallen due.
  const scheduler: SchedulerStats[] = []
  const schedulerPassesMs: number[] = []
  const dueBefore: number[] = []
  for (let k = 0; k < PASSES; k++) {
    now = trancheAt(BENCH_NOW, spec, k)
    dueBefore.push((await store.dueCases(now, 10 * DUE)).length)
    const t0 = process.hrtime.bigint()
    scheduler.push(await runScheduler(deps))
    schedulerPassesMs.push(Number(process.hrtime.bigint() - t0) / 1e6)
  }
  const schedulerMs = [...schedulerPassesMs].sort((a, b) => a - b)[Math.floor(PASSES / 2)]
  now = trancheAt(BENCH_NOW, spec, PASSES) // the clock moves on

  // Submit: one new order per submit, of the population's buyers (who have history).
  const warm = sized(50, 5)
  const n = opts.submits + warm
  const orders = Array.from({ length: n }, (_, i) => benchOrder(`so-${size}-${i}`, buyerOf(spec, i), BENCH_NOW))
  await inOneTransaction(store, () => orders.map((o) => store.upsertOrder({ order: o, createdAt: o.paidAt })))
  const ids: string[] = []
  const submit = async (i: number) => {
    const data = okOr('submit')(await aftersale({ action: 'submit', data: submitData(orders[i].orderId, i), idempotencyKey: `ratio-${size}-${i}` }, { openid: orders[i].buyerOpenid }))
    ids.push((data as { case: { id: string } }).case.id)
  }
  for (let i = 0; i < warm; i++) await submit(i)
  const t1 = process.hrtime.bigint()
  for (let i = warm; i < n; i++) await submit(i)
  const submitMs = Number(process.hrtime.bigint() - t1) / 1e6 / opts.submits

  // The same documents, inserted by a bare prepared statement into the floor's table (same
  // directory, same pragmas), itself preloaded with as many documents as the population.
  const docs = await Promise.all(ids.map((id) => store.getCase(id)))
  // ... and written by the store alone (createCase with the outbox rows their submit wrote and an
  // idempotency key, under new ids on new orders): the share of a submit that is the adapter's write
  const outboxes = await Promise.all(ids.map((id) => store.listOutbox({ caseId: id }, 100)))
  const copies = docs.flatMap((d, i) => {
    if (!d) return []
    const id = `${d.id}-w`
    const c = { ...d, id, caseNo: `W${size}-${i}`, order: { ...d.order, orderId: `${d.order.orderId}-w` } }
    return [{ c, outbox: outboxes[i].map((o) => ({ key: `${o.key}-w`, caseId: id, kind: o.kind, payload: o.payload })) }]
  })
  const write = (i: number) => store.createCase(copies[i].c, copies[i].outbox, { scope: `w:${copies[i].c.buyerOpenid}`, key: `w-${i}` }, { maxRequestsPerSku: 3 })
  for (let i = 0; i < warm; i++) await write(i)
  const t3 = process.hrtime.bigint()
  for (let i = warm; i < copies.length; i++) await write(i)
  const storeWriteMs = Number(process.hrtime.bigint() - t3) / 1e6 / (copies.length - warm)
  await store.close()
  const floorFile = path.join(dir, `floor-ratio-${size}.db`)
  const floor = openFloorDb(floorFile)
  floor.db.transaction(() => {
    for (let i = 0; i < size; i++) {
      floor.insert(cloneCase(templates[i % templates.length], { id: `fc-${i}`, caseNo: `F${i}`, buyerOpenid: buyerOf(spec, i), orderId: `fo-${i}`, createdAt: BENCH_NOW }))
    }
  })()
  const live = docs.filter((d) => d !== null)
  for (let i = 0; i < warm; i++) floor.insert(live[i])
  const t2 = process.hrtime.bigint()
  for (let i = warm; i < live.length; i++) floor.insert(live[i])
  const bareInsertMs = Number(process.hrtime.bigint() - t2) / 1e6 / (live.length - warm)
  floor.db.close()

  return { size, loadPerSec, storeQueueMs, storeBuyerMs, storeCountMs, queueActionMs, listActionMs, schedulerMs, schedulerPassesMs, dueBefore, scheduler, submitMs, storeWriteMs, bareInsertMs }
}
