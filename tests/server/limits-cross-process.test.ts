/**
 * The limits of limits.test.ts across processes, each with its own store instance — the way
 * CloudBase runs many instances of a function and several gateways share one data folder: two
 * worker processes (./limits-worker.ts, started with tsx) on one SQLite file, then on one CloudBase
 * emulator server. A buyer's commands per case, the what-if lease (a second run refused, a cancel
 * from the other instance stops the first) and the weighted upload counters hold across them; and
 * two gateways on one data folder share one upload quota.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { defaultPolicy, type Policy } from '@contract/policy'
import type { Deps } from '../../cloudfunctions/app/deps'
import type { Store } from '../../cloudfunctions/ports/store'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { BUYER_CASE_RATE } from '../../cloudfunctions/app/usecases/limits'
import { startGateway } from '../../cloudfunctions/gateway/server'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { CloudBaseEmulator } from './cloudbase-emulator'
import type { LimitsWorkerConfig } from './limits-worker'
import { draftOf, population } from './limits-fixtures'
import { line, run, startWorker, type Worker } from './line-workers'

const WORKER = 'tests/server/limits-worker.ts'

jest.setTimeout(300_000)
process.env.TENCENTCLOUD = 'true'
process.env.SILENCE = 'true'

const NOW = '2026-11-23T03:00:00.000Z'
const BUYER = 'buyer-zhao'

const stop = (ws: Worker[]) => ws.forEach((w) => w.child.exitCode === null && w.child.stdin!.end())
const tally = (codes: string[]) => codes.reduce<Record<string, number>>((m, c) => ({ ...m, [c]: (m[c] ?? 0) + 1 }), {})

function depsOf(store: Store): Deps {
  const now = () => NOW
  return { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
}

async function scenarios(adapter: 'sqlite' | 'cloudbase', target: string, parent: Store, cases: number) {
  const deps = depsOf(parent)
  await seedDemoShop(parent, NOW)
  await population(parent, cases, NOW)
  const buyer = aftersaleFunction(deps)
  const listed = await buyer({ action: 'list_orders', data: {} }, { openid: BUYER })
  const orders = (listed.ok ? listed.data : []) as { order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }[]
  const o = orders.find((x) => x.order.items.length === 1 && x.order.deliveredAt && !x.order.items[0].finalSale)!.order
  const filed = await buyer({ action: 'submit', data: { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, idempotencyKey: 'xproc-limits-1' }, { openid: BUYER })
  if (!filed.ok) throw new Error(JSON.stringify(filed.error))
  const caseId = (filed.data as { case: { id: string } }).case.id
  // the seller's own policy, as the editor sends it (not merged with the official calendar)
  const policy: Policy = draftOf((await parent.getPolicy())?.policy ?? defaultPolicy)

  const workers = [0, 1].map(() => startWorker(WORKER, { mode: 'fn', adapter, target, now: NOW } satisfies LimitsWorkerConfig))
  try {
    await Promise.all(workers.map((w) => line(w, 'ready')))

    // a buyer's commands on one case: 2 × 15 at once, one shared budget of the minute
    const codes = (await Promise.all(workers.map((w) => run<string[]>(w, 'provide', { caseId, openid: BUYER, n: 15 })))).flat()
    const t = tally(codes)
    expect(Object.keys(t).every((c) => ['ok', 'CONFLICT', 'LIMIT_EXCEEDED'].includes(c))).toBe(true)
    expect((t.ok ?? 0) + (t.CONFLICT ?? 0)).toBeLessThanOrEqual(BUYER_CASE_RATE.perMinute)
    expect(t.LIMIT_EXCEEDED).toBeGreaterThanOrEqual(30 - BUYER_CASE_RATE.perMinute)
    expect((await parent.getCase(caseId))!.timeline.filter((e) => e.type === 'provide_info')).toHaveLength(t.ok ?? 0)

    // the what-if: one instance runs it; the other is refused, then cancels it
    const first = run<{ code: string; message?: string }>(workers[0], 'preview', { policy })
    expect(await Promise.race([run<boolean>(workers[1], 'leaseHeld'), first])).toBe(true)
    expect(await run(workers[1], 'preview', { policy })).toEqual({ code: 'CONFLICT', message: expect.stringContaining('另一次策略预演正在计算') })
    expect(await run(workers[1], 'cancel')).toEqual({ cancelled: true })
    expect(await first).toEqual({ code: 'CONFLICT', message: '策略预演已取消' })
    // freed: the other instance's run goes through
    expect(await run(workers[1], 'preview', { policy })).toEqual({ code: 'ok', cases })

    // the upload counters: 2 × 15 reservations of 10 MB against 100 MB
    const MB = 1024 * 1024
    const granted = await Promise.all(workers.map((w) => run<number>(w, 'slots', { bucket: `upload:${BUYER}:2026-11-23:bytes`, max: 100 * MB, n: 10 * MB, count: 15 })))
    expect(granted[0] + granted[1]).toBe(10)
  } finally {
    stop(workers)
  }
}

describe('limits across processes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-xlimits-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('SQLite: 2 processes, each with its own store on one file', async () => {
    const file = path.join(dir, 'shared.db')
    const parent = new SqliteStore(file)
    await parent.init()
    try {
      await scenarios('sqlite', file, parent, 1500)
    } finally {
      await parent.close()
    }
  })

  test('CloudBase: 2 processes, each with its own SDK client against one emulator server', async () => {
    const emulator = new CloudBaseEmulator()
    const url = await emulator.start()
    const parent = new CloudBaseStore({ env: 'limits', secretId: 'local-id', secretKey: 'local-key', serviceUrl: url, timeout: 60_000, maxTxAttempts: 200 })
    try {
      await parent.init()
      await scenarios('cloudbase', url, parent, 400)
    } finally {
      await emulator.stop()
    }
  })

  test('two gateways on one data folder share one upload quota: 2 × 20 uploads at once, 10 files a day', async () => {
    const dataDir = path.join(dir, 'gateways')
    fs.mkdirSync(dataDir)
    const quota = { files: 10, bytes: 1024 * 1024 * 1024 }
    const here = await startGateway({ host: '127.0.0.1', port: 0, dataDir, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0, uploadQuota: quota, now: () => NOW })
    const other = startWorker(WORKER, { mode: 'gateway', adapter: 'sqlite', target: dataDir, now: NOW, uploadQuota: quota } satisfies LimitsWorkerConfig)
    try {
      const url = await line(other, 'ready ')
      const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2000, 7)])
      const upload = async (base: string) => {
        const form = new FormData()
        form.append('file', new Blob([png], { type: 'image/png' }), 'a.png')
        return (await fetch(`${base}/api/upload`, { method: 'POST', headers: { 'x-dev-openid': BUYER, 'x-desk-call': '1' }, body: form })).status
      }
      const statuses = await Promise.all([...Array.from({ length: 20 }, () => upload(here.url)), ...Array.from({ length: 20 }, () => upload(url))])
      expect(tally(statuses.map(String))).toEqual({ 200: 10, 429: 30 })
      expect(fs.readdirSync(path.join(dataDir, 'media')).filter((f) => !f.endsWith('.part'))).toHaveLength(10)
    } finally {
      stop([other])
      await here.close()
    }
  })
})
