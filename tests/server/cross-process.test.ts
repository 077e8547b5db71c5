/**
 * The concurrency promises across separate processes, each with its own store instance — the way
 * CloudBase runs many instances of a function. For each adapter: 4 worker processes
 * (./cross-process-worker.ts, started with tsx) on one SQLite file, then 4 on one CloudBase
 * emulator server (each process with its own @cloudbase/node-sdk client), all starting each
 * scenario together:
 *   50 approvals of one case · 200 submits with one key · 50 submits with different keys for the
 *   same item · concurrent partial refunds on the cases of one order · duty toggles and a
 *   deactivation during assignments · two scheduler and two dispatcher passes racing.
 * Zero violations: one case, one refund per key, ≤ paid per order, no lost staff change, load
 * counters equal to the open cases, every message sent once.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import type { OrderSnapshot } from '@contract/domain'
import type { Deps } from '../../cloudfunctions/app/deps'
import type { Store } from '../../cloudfunctions/ports/store'
import { claimedValueFen } from '../../cloudfunctions/core/money'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { CloudBaseEmulator } from './cloudbase-emulator'
import type { Scenario, WorkerConfig } from './cross-process-worker'

jest.setTimeout(300_000)
process.env.TENCENTCLOUD = 'true'
process.env.SILENCE = 'true'

const W = 4
const NOW = '2026-11-23T03:00:00.000Z' // Monday 11:00 in Shanghai
const LATER = '2026-12-03T03:00:00.000Z' // ten days on: every SLA is overdue
const root = path.resolve(__dirname, '../..')
const SUP = 'staff-sup'
const OWNER = 'staff-owner'

function order(orderId: string, buyerOpenid: string, skus: string[], paidFen: number): OrderSnapshot {
  const day = 86_400_000
  const t = (d: number) => new Date(Date.parse(NOW) + d * day).toISOString()
  return {
    orderId, buyerOpenid, paidFen,
    items: skus.map((skuId) => ({ skuId, name: `商品${skuId}`, qty: 1, unitPriceFen: Math.floor(paidFen / skus.length), batch: 'B1' })),
    paidAt: t(-5), shippedAt: t(-4), carrier: '顺丰速运', trackingNo: `SF${orderId}`, promisedDeliveryAt: t(-3), deliveredAt: t(-2),
  }
}

interface Worker {
  child: ChildProcess
  results: Map<string, unknown>
  ready: Set<string>
  waiters: (() => void)[]
}

function startWorker(cfg: WorkerConfig, errors: string[]): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'tests/server/cross-process-worker.ts', JSON.stringify(cfg)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
  const w: Worker = { child, results: new Map(), ready: new Set(), waiters: [] }
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    const [kind, name, ...rest] = l.split(' ')
    if (kind === 'ready') w.ready.add(name)
    if (kind === 'result') w.results.set(name, JSON.parse(rest.join(' ')))
    for (const f of w.waiters.splice(0)) f()
  })
  child.stderr!.on('data', (d: Buffer) => errors.push(d.toString()))
  child.on('exit', () => {
    for (const f of w.waiters.splice(0)) f()
  })
  return w
}

const until = (w: Worker, ok: () => boolean) =>
  new Promise<void>((resolve, reject) => {
    const check = () => {
      if (ok()) resolve()
      else if (w.child.exitCode !== null) reject(new Error(`worker exited (${w.child.exitCode})`))
      else w.waiters.push(check)
    }
    check()
  })

/** Runs every scenario on every worker at the same moment; answers each scenario's results per worker. */
async function runAll(workers: Worker[], names: string[]): Promise<Map<string, unknown[]>> {
  const out = new Map<string, unknown[]>()
  for (const name of names) {
    await Promise.all(workers.map((w) => until(w, () => w.ready.has(name))))
    for (const w of workers) w.child.stdin!.write(`go ${name}\n`)
    await Promise.all(workers.map((w) => until(w, () => w.results.has(name))))
    out.set(name, workers.map((w) => w.results.get(name)))
  }
  return out
}

function depsOf(store: Store, now: () => string): Deps {
  return { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
}

async function scenarioRun(adapter: 'sqlite' | 'cloudbase', target: string, parent: Store, dir: string) {
  let now = NOW
  const deps = depsOf(parent, () => now)
  const buyer = aftersaleFunction(deps)
  await seedDemoShop(parent, NOW)
  const orders = [
    order('X-APPROVE', 'buyer-zhao', ['A'], 10_000),
    order('X-ONEKEY', 'buyer-wu', ['A'], 10_000),
    order('X-MANYKEYS', 'buyer-wu', ['A'], 10_000),
    order('X-BIG', 'buyer-wu', ['A'], 45_900),
    // five days late: the late-delivery incident may be compensated ¥50 in all, over every case of the order
    { ...order('X-REFUNDS', 'buyer-lin', ['A', 'B', 'C'], 10_000), promisedDeliveryAt: new Date(Date.parse(NOW) - 7 * 86_400_000).toISOString() },
    ...Array.from({ length: W * 3 }, (_, i) => order(`X-RACE-${i}`, 'buyer-zhao', ['A'], 10_000)),
  ]
  for (const o of orders) await parent.upsertOrder({ order: o, createdAt: o.paidAt })
  const file = async (orderId: string, openid: string, skuId: string, late = false) => {
    const form = late ? { type: 'logistics', reason: 'late_delivery', description: '晚到了', desiredRemedy: 'compensation' } : { type: 'refund_only', reason: 'quality_defect', description: '裂了', desiredRemedy: 'refund' }
    const r = await buyer({ action: 'submit', data: { orderId, claimedItems: [{ skuId, qty: 1 }], ...form, evidence: [] }, idempotencyKey: `setup-${orderId}-${skuId}` }, { openid })
    if (!r.ok) throw new Error(JSON.stringify(r.error))
    return (r.data as { case: { id: string; version: number } }).case
  }
  const approveCase = await file('X-APPROVE', 'buyer-zhao', 'A')
  const bigCase = await file('X-BIG', 'buyer-wu', 'A')
  const refundCases = [await file('X-REFUNDS', 'buyer-lin', 'A', true), await file('X-REFUNDS', 'buyer-lin', 'B', true), await file('X-REFUNDS', 'buyer-lin', 'C', true)]

  const sentLog = path.join(dir, `sent-${adapter}.log`)
  fs.writeFileSync(sentLog, '')
  const errors: string[] = []
  const workers = Array.from({ length: W }, (_, worker) => {
    const plan: Scenario[] = [
      { name: 'approvals', caseId: approveCase.id, version: approveCase.version, perWorker: 50 / 2 / (W / 2), as: SUP },
      { name: 'submitsOneKey', openid: 'buyer-wu', orderId: 'X-ONEKEY', skuId: 'A', key: 'one-key-for-200', perWorker: 200 / W },
      { name: 'submitsManyKeys', openid: 'buyer-wu', orderId: 'X-MANYKEYS', skuId: 'A', perWorker: Math.ceil(50 / W) },
      { name: 'approvalRace', caseId: bigCase.id, version: bigCase.version, agent: 'staff-amy', decider: worker % 2 ? SUP : OWNER },
      { name: 'partialRefunds', cases: refundCases.map((c) => ({ caseId: c.id, version: c.version })), amountFen: 2_500, as: SUP },
      {
        name: 'staffRace',
        toggler: worker === 0 ? { agent: 'staff-amy', deactivate: SUP, as: OWNER } : null,
        submits: [0, 1, 2].map((k) => ({ openid: 'buyer-zhao', orderId: `X-RACE-${worker * 3 + k}`, skuId: 'A' })),
      },
      { name: 'timers', role: worker < 2 ? 'scheduler' : 'dispatcher', now: LATER },
    ]
    return startWorker({ adapter, target, worker, workers: W, now: NOW, sentLog, plan }, errors)
  })
  try {
    const res = await runAll(workers, ['approvals', 'submitsOneKey', 'submitsManyKeys', 'approvalRace', 'partialRefunds', 'staffRace', 'timers'])
    return { res, errors, sentLog, deps, setNow: (t: string) => (now = t), approveCase, refundCases, bigCase }
  } finally {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill()
  }
}

type Run = Awaited<ReturnType<typeof scenarioRun>>

async function checkRun(store: Store, run: Run) {
  const { res } = run
  // (XPROC_DEBUG=1 makes workers answer "CODE message"; the checks read the code)
  const flat = (name: string) => (res.get(name) as unknown[][]).flat().map((x) => (typeof x === 'string' ? x.split(' ')[0] : x))
  if (process.env.XPROC_DEBUG) console.log(run.errors.join('').split('\n').filter((l) => !/MaxListeners|trace-warnings/.test(l)).join('\n').slice(0, 4000))
  expect(run.errors.join('')).not.toMatch(/failed/)

  // 50 approvals of one case: one transition, one refund, paid once
  const approvals = flat('approvals') as string[]
  expect(approvals.filter((c) => c === 'ok')).toHaveLength(1)
  for (const c of approvals) expect(['ok', 'CONFLICT', 'NOT_ALLOWED_IN_STATUS']).toContain(c)
  const approved = (await store.getCase(run.approveCase.id))!
  expect(approved.timeline.filter((t) => t.type === 'approve')).toHaveLength(1)
  expect(approved.refunds).toHaveLength(1)
  expect(await store.refundedForOrder('X-APPROVE')).toBe(approved.refunds[0].amountFen)
  // per item: what the order's cases hold for each SKU (the guard written by 4 processes at once) stays within its paid value
  for (const orderId of ['X-APPROVE', 'X-BIG', 'X-REFUNDS']) {
    const g = await store.getOrderGuard(orderId)
    const o = (await store.getOrder(orderId))!.order
    for (const line of o.items) {
      const held = g.cases.reduce((s, e) => s + (e.itemsFen?.[line.skuId] ?? 0), 0)
      expect({ orderId, sku: line.skuId, within: held <= claimedValueFen(o, [{ skuId: line.skuId, qty: line.qty }]) }).toEqual({ orderId, sku: line.skuId, within: true })
    }
  }
  expect((await store.getOrderGuard('X-APPROVE')).cases.reduce((s, e) => s + (e.itemsFen?.A ?? 0), 0)).toBe(approved.refunds[0].amountFen)

  // 200 submits, one key: one case, every answer is that case
  const oneKey = flat('submitsOneKey') as string[]
  expect(oneKey[0]).toMatch(/^[0-9a-f-]{36}$/)
  if ([...new Set(oneKey)].length > 1) console.log((res.get('submitsOneKey') as unknown[][]).flat().filter((x) => x !== oneKey[0]))
  expect([...new Set(oneKey)]).toEqual([oneKey[0]])
  expect(await store.countCases({ orderId: 'X-ONEKEY' })).toBe(1)

  // 50 submits, different keys, same item: one open case, the rest refused in words
  const manyKeys = flat('submitsManyKeys') as (boolean | string)[]
  expect(manyKeys.filter((x) => x === true)).toHaveLength(1)
  for (const x of manyKeys) if (x !== true) expect(['VALIDATION', 'LIMIT_EXCEEDED']).toContain(x)
  expect(await store.countCases({ orderId: 'X-MANYKEYS' })).toBe(1)

  // an agent's over-limit approve from 4 processes at once: one approval request; supervisors and the
  // owner race to approve it: it runs once, for exactly its value, decided by someone other than the agent
  const approvalRace = res.get('approvalRace') as { approve: string; decide: string }[]
  expect(approvalRace.filter((r) => r.approve === 'ok')).toHaveLength(1)
  expect(approvalRace.filter((r) => r.decide === 'ok')).toHaveLength(1)
  const big = (await store.getCase(run.bigCase.id))!
  const decided = (big.approvals ?? []).filter((a) => a.status === 'approved')
  expect(decided).toEqual([expect.objectContaining({ amountFen: 45_900, requestedBy: 'staff-amy' })])
  expect([SUP, OWNER]).toContain(decided[0].decidedBy)
  expect(big.refunds.filter((r) => r.status !== 'failed').map((r) => r.amountFen)).toEqual([45_900])

  // ¥25 late-delivery compensations on three cases of an order five days late (¥10 a day, ¥50 for the
  // incident over all its cases): two fit, the third is refused inside the write, from any process
  const refunds = flat('partialRefunds') as string[]
  expect(refunds.filter((c) => c === 'ok')).toHaveLength(2)
  const refunded = await Promise.all(run.refundCases.map((c) => store.getCase(c.id)))
  const committed = refunded.flatMap((c) => c!.refunds).filter((r) => r.status !== 'failed')
  expect(committed.reduce((s, r) => s + r.amountFen, 0)).toBe(5_000)
  expect(await store.refundedForOrder('X-REFUNDS')).toBe(5_000)
  const guard = await store.getOrderGuard('X-REFUNDS')
  expect(guard.committedFen).toBe(5_000)
  expect(guard.cases.reduce((s, e) => s + (e.incidentsFen?.late_delivery ?? 0), 0)).toBe(5_000)

  // staff: the deactivation and the last duty toggle stand; loads equal the open cases; assignments stamped
  const race = res.get('staffRace') as { toggles: string[]; submits: string[] }[]
  expect(race[0].toggles.every((c) => c === 'ok')).toBe(true)
  for (const r of race) expect(r.submits.every((c) => c === 'ok')).toBe(true)
  expect((await store.getStaff(SUP))?.active).toBe(false)
  expect((await store.getStaff('staff-amy'))?.onDuty).toBe(true)
  for (const s of await store.listStaffLoads()) {
    expect({ id: s.id, open: s.openCases }).toEqual({ id: s.id, open: await store.countCases({ assigneeId: s.id, open: true }) })
  }
  const raced = (await store.listCases({ buyerOpenid: 'buyer-zhao' }, { limit: 100 })).items.filter((c) => c.order.orderId.startsWith('X-RACE-'))
  expect(raced).toHaveLength(W * 3)
  for (const id of new Set(raced.map((c) => c.assigneeId).filter((x): x is string => !!x))) expect((await store.getStaff(id))?.lastAssignedAt ?? '').toMatch(/^2026-(11-23|12-03)T03:00:00.000Z$/)

  // two schedulers: each timer acted once per case
  const all = (await store.listCases({}, { limit: 500 })).items
  for (const c of all) {
    expect(c.timeline.filter((t) => t.type === 'sla_breach').length).toBeLessThanOrEqual(1)
    expect(c.timeline.filter((t) => t.type === 'sla_warn').length).toBeLessThanOrEqual(1)
  }
  const acted = (res.get('timers') as ({ acted: number } | null)[]).slice(0, 2).reduce((s, r) => s + (r?.acted ?? 0), 0)
  expect(acted).toBeGreaterThan(0)

  // dispatchers: drain what is left, then every message went out exactly once
  run.setNow(LATER)
  const log = (m: unknown) => {
    fs.appendFileSync(run.sentLog, `${JSON.stringify({ w: 'parent', m })}\n`)
    return Promise.resolve({ errcode: 0, errmsg: 'ok' })
  }
  const sender = { sendSubscribe: log, notifyStaff: log, sendWecom: log }
  for (let i = 0; i < 20 && (await store.pendingOutbox(LATER, 1)).length; i++) await dispatchOutbox(run.deps, sender, { random: () => 0.5 })
  const rows = await store.listOutbox({}, 5_000)
  expect(rows.filter((r) => r.status === 'pending')).toEqual([])
  // nothing was claimed twice (the sender never fails, so one attempt each) …
  for (const r of rows) expect({ key: r.key, attempts: r.attempts }).toEqual({ key: r.key, attempts: 1 })
  // … and every message that reached the sender did so once: one sender call per row sent through it
  const throughSender = rows.filter((r) => r.status === 'sent' && ['buyer_message', 'warehouse_task', 'staff_subscribe', 'wecom'].includes(r.kind))
  const lines = fs.readFileSync(run.sentLog, 'utf8').split('\n').filter(Boolean)
  expect(lines.length).toBe(throughSender.length)
}

describe('concurrency across processes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-xproc-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('SQLite: 4 processes, each with its own store on one file', async () => {
    const file = path.join(dir, 'shared.db')
    const parent = new SqliteStore(file)
    await parent.init()
    try {
      const run = await scenarioRun('sqlite', file, parent, dir)
      await checkRun(parent, run)
    } finally {
      await parent.close()
    }
  })

  test('CloudBase: 4 processes, each with its own SDK client against one emulator server', async () => {
    const emulator = new CloudBaseEmulator()
    const url = await emulator.start()
    const parent = new CloudBaseStore({ env: 'cross-process', secretId: 'local-id', secretKey: 'local-key', serviceUrl: url, timeout: 60_000, maxTxAttempts: 200 })
    try {
      await parent.init()
      const run = await scenarioRun('cloudbase', url, parent, dir)
      await checkRun(parent, run)
    } finally {
      await emulator.stop()
    }
  })
})
