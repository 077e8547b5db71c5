/**
 * Issue 24 across processes (the way CloudBase runs many instances and several gateways share one
 * data folder): two worker processes (./batch-worker.ts, started with tsx) on one SQLite file.
 * Buyers of one batch file at the same moment through both → exactly one alert for the window;
 * the owner's outreach in one process while the other's scheduler continues it → each buyer
 * reached once and the budget never passed; both schedulers' 签收回访 passes → one message per order.
 */
import { resendCountName } from '../../cloudfunctions/app/usecases/run-shop-call'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultPolicy } from '@contract/policy'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { BATCH, SKU, buyerOf, seedBatchOrders } from './batch-fixtures'
import { line, run, startWorker, type Worker } from './line-workers'

const WORKER = 'tests/server/batch-worker.ts'

jest.setTimeout(120_000)

const NOW = '2026-11-23T03:00:00.000Z'


let dir: string
let file: string
let store: SqliteStore
let workers: Worker[] = []

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'batch-xp-'))
  file = path.join(dir, 'desk.db')
  store = new SqliteStore(file)
  await store.init()
  await seedDemoShop(store, NOW)
  // 40 buyers of the batch: 10 will complain, 2 never received it; 签收回访 on for every signed order
  await seedBatchOrders(store, NOW, 40, { unsigned: [38, 39], deliveredDaysAgo: 4 })
  const live = (await store.getPolicy())!
  await store.savePolicy({ ...live.policy, care: { ...defaultPolicy.care, delivery: { ...defaultPolicy.care.delivery, enabled: true } } }, live.version, 'staff-owner', NOW)
  workers = [startWorker(WORKER, { file, now: NOW }), startWorker(WORKER, { file, now: NOW })]
  await Promise.all(workers.map((w) => line(w, 'ready')))
})
afterAll(async () => {
  workers.forEach((w) => w.child.exitCode === null && w.child.stdin!.end())
  await Promise.all(workers.map((w) => new Promise((r) => (w.child.exitCode !== null ? r(null) : w.child.on('exit', r)))))
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

test('one alert per window and each buyer reached once, with two processes at once', async () => {
  const [a, b] = workers
  // 10 buyers file at the same moment, half through each process: the threshold (5) is crossed in both
  const filed = await Promise.all([run<string[]>(a, 'submit', { from: 0, to: 5 }), run<string[]>(b, 'submit', { from: 5, to: 10 })])
  expect(filed.flat()).toEqual(new Array(10).fill('ok'))
  const alerts = await store.listBatchAlerts({ limit: 10 })
  expect(alerts).toHaveLength(1)
  const staffAlerts = (await store.listOutbox({}, 5000)).filter((o) => o.kind === 'staff_alert' && (o.payload as { alert?: string }).alert === 'batch_problem')
  expect(staffAlerts.map((o) => (o.payload as { to: string }).to).sort()).toEqual(['owner', 'team:quality'])

  // the owner acts in one process while the other's scheduler keeps continuing running outreaches
  const alert = alerts[0]
  const budgetFen = 20 * 800 // 28 buyers could be reached: the budget covers 20
  const [acted, continued] = await Promise.all([
    run<string>(a, 'act', { alertId: alert.id, expectedVersion: alert.version, remedy: null, outreach: { kind: 'compensation', amountFen: 800, budgetFen, message: '这批桂花乌龙可能受潮，补偿您¥8' } }),
    run<number>(b, 'continue', { passes: 200 }),
  ])
  expect(acted).toBe('ok')
  expect(continued).toBeGreaterThanOrEqual(0)
  await run(b, 'continue', { passes: 50 })

  const reached: string[] = []
  for (let i = 0; i < 40; i++) {
    const c = await store.findByIdempotencyKey('batch-care', `${SKU}@${BATCH}:${buyerOf(i)}`)
    if (c) reached.push(c.buyerOpenid)
  }
  // never a buyer who complained or did not receive it; each buyer one case; the budget holds
  expect(reached.every((id) => Number(id.slice(-3)) >= 10 && Number(id.slice(-3)) < 38)).toBe(true)
  const cases = (await store.listCases({ batch: { skuId: SKU, batch: BATCH } }, { limit: 1000 })).items.filter((c) => c.description.includes('主动关怀'))
  expect(cases).toHaveLength(reached.length)
  expect(new Set(cases.map((c) => c.buyerOpenid)).size).toBe(cases.length)
  expect(cases.length * 800).toBeLessThanOrEqual(budgetFen)
  expect(cases.length).toBeGreaterThanOrEqual(19) // two racers may each hold a slot for one buyer for a moment
  const done = (await store.getBatchAlert(alert.id))!
  expect(done.progress).toMatchObject({ status: 'done', reached: cases.length, spentFen: cases.length * 800 })
})

test('签收回访: both schedulers pass at once, each signed order gets one message', async () => {
  const [a, b] = workers
  const [x, y] = await Promise.all([run<{ sent: number }>(a, 'care'), run<{ sent: number }>(b, 'care')])
  expect([x, y]).toEqual([expect.objectContaining({ sent: expect.any(Number) }), expect.objectContaining({ sent: expect.any(Number) })])
  const rows = (await store.listOutbox({}, 10_000)).filter((o) => o.key.startsWith('delivery-care:'))
  // 38 signed orders of the batch plus the demo shop's orders signed 3–10 days ago
  expect(x.sent + y.sent).toBe(rows.length)
  expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length)
  for (let i = 0; i < 38; i++) expect(rows.filter((r) => r.key === `delivery-care:BATCH${String(i).padStart(4, '0')}`)).toHaveLength(1)
  expect(rows.some((r) => r.key === 'delivery-care:BATCH0038')).toBe(false) // not signed
  // a second pass of each sends nothing more
  const again = await Promise.all([run<{ sent: number }>(a, 'care'), run<{ sent: number }>(b, 'care')])
  expect(again[0].sent + again[1].sent).toBe(0)
  void crypto
})

test('a shop order\'s 10 resends hold when two processes claim slots at once (issue 21)', async () => {
  const [a, b] = workers
  const got = await Promise.all([run<boolean[]>(a, 'resend', { orderId: 'XP-RESEND', from: 0, to: 8 }), run<boolean[]>(b, 'resend', { orderId: 'XP-RESEND', from: 8, to: 16 })])
  expect(got.flat().filter(Boolean)).toHaveLength(10)
  const counted = (await store.getSyncState(resendCountName('XP-RESEND')))?.value.legs as string[]
  expect(new Set(counted).size).toBe(10)
})
