/**
 * An auto-decision rule's daily cap across processes (issue #24): four worker processes
 * (./auto-rules-worker.ts, each its own store instance, the real buyer function) submit 5 small
 * refunds each at the same moment, every one fitting the owner's rule; the rule may decide ¥250 a
 * day. Exactly five are decided and paid, the rest wait for a person — on one SQLite file and on
 * one CloudBase emulator server.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import type { AutoRule } from '@contract/auto-rules'
import type { OrderSnapshot } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import type { Store } from '../../cloudfunctions/ports/store'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { ruleCapBucket } from '../../cloudfunctions/core/auto-rules'
import { CloudBaseEmulator } from './cloudbase-emulator'
import type { AutoRulesWorkerConfig } from './auto-rules-worker'

jest.setTimeout(300_000)
process.env.TENCENTCLOUD = 'true'
process.env.SILENCE = 'true'

const NOW = '2026-11-23T03:00:00.000Z'
const BUYER = 'buyer-zhao'
const WORKERS = 4
const EACH = 5
const PRICE = 5_000
const CAP = 5 * PRICE
const root = path.resolve(__dirname, '../..')

const RULE: AutoRule = { id: 'xproc', name: '未发货小额仅退款', enabled: true, dailyCapFen: CAP, when: { types: ['refund_only'], shipped: 'not_shipped', maxAmountFen: PRICE }, action: 'approve' }

function worker(cfg: AutoRulesWorkerConfig) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'tests/server/auto-rules-worker.ts', JSON.stringify(cfg)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
  const err: string[] = []
  child.stderr!.on('data', (d: Buffer) => err.push(d.toString()))
  const lines: string[] = []
  const waiters: Array<() => void> = []
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l)
    for (const f of waiters.splice(0)) f()
  })
  child.on('exit', () => {
    for (const f of waiters.splice(0)) f()
  })
  const next = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const l = lines.find((x) => x.startsWith(prefix))
        if (l) resolve(l.slice(prefix.length).trim())
        else if (child.exitCode !== null) reject(new Error(`worker exited (${child.exitCode}): ${err.join('').slice(0, 2000)}`))
        else waiters.push(check)
      }
      check()
    })
  return { child, next }
}

async function scenario(adapter: 'sqlite' | 'cloudbase', target: string, parent: Store) {
  await seedDemoShop(parent, NOW)
  const cur = await parent.getPolicy()
  await parent.savePolicy({ ...(cur?.policy ?? defaultPolicy), version: (cur?.version ?? 0) + 1, autoRules: [RULE] }, cur?.version ?? 0, 'staff-owner', NOW)
  const orders: OrderSnapshot[] = Array.from({ length: WORKERS * EACH }, (_, i) => ({
    orderId: `XR-${i}`,
    buyerOpenid: BUYER,
    items: [{ skuId: `SKU-XR-${i}`, name: '手工青瓷茶杯', qty: 1, unitPriceFen: PRICE }],
    paidFen: PRICE,
    paidAt: '2026-11-23T01:00:00.000Z',
  }))
  for (const order of orders) await parent.upsertOrder({ order, createdAt: order.paidAt })
  const ws = Array.from({ length: WORKERS }, (_, w) =>
    worker({ adapter, target, now: NOW, buyer: BUYER, orders: orders.slice(w * EACH, (w + 1) * EACH).map((o) => ({ orderId: o.orderId, skuId: o.items[0].skuId })) }),
  )
  try {
    await Promise.all(ws.map((w) => w.next('ready')))
    for (const w of ws) w.child.stdin!.write('go\n')
    const out = (await Promise.all(ws.map((w) => w.next('result')))).flatMap((s) => JSON.parse(s) as string[])
    // every submit filed a case; exactly the cap's worth was decided by the rule and paid
    expect(out).toHaveLength(WORKERS * EACH)
    expect(out.filter((s) => s === 'resolved')).toHaveLength(CAP / PRICE)
    expect(out.filter((s) => s === 'submitted')).toHaveLength(WORKERS * EACH - CAP / PRICE)
    expect(await parent.ruleSpent(ruleCapBucket(RULE.id, '2026-11-23'))).toBe(CAP)
    let paid = 0
    for (const o of orders) paid += await parent.refundedForOrder(o.orderId)
    expect(paid).toBe(CAP)
    const decided = await parent.countCases({ buyerOpenid: BUYER, refunded: true })
    expect(decided).toBe(CAP / PRICE)
  } finally {
    for (const w of ws) if (w.child.exitCode === null) w.child.kill()
  }
}

describe('an auto-decision rule’s daily cap across processes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'auto-rules-xproc-'))
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  test(`SQLite: ${WORKERS} processes on one file`, async () => {
    const file = path.join(dir, 'rules.db')
    const parent = new SqliteStore(file)
    await parent.init()
    try {
      await scenario('sqlite', file, parent)
    } finally {
      await parent.close()
    }
  })

  test(`CloudBase: ${WORKERS} processes, each with its own SDK client against one emulator server`, async () => {
    const emulator = new CloudBaseEmulator()
    const url = await emulator.start()
    const parent = new CloudBaseStore({ env: 'autorules', secretId: 'local-id', secretKey: 'local-key', serviceUrl: url, timeout: 60_000, maxTxAttempts: 200 })
    try {
      await parent.init()
      await scenario('cloudbase', url, parent)
    } finally {
      await parent.close()
      await emulator.stop()
    }
  })
})
