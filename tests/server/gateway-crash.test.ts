import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'

const root = path.resolve(__dirname, '..', '..')

/** Starts `npm start`'s entry on a port the OS picks (no collisions with other suites) and reads its URL. */
function startGatewayProcess(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'cloudfunctions/gateway/main.ts', '--port', '0', '--data', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => reject(new Error(`gateway did not start: ${out}`)), 30_000)
    child.stdout!.on('data', (d) => {
      out += d
      const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (url) {
        clearTimeout(timer)
        resolve({ child, base: url[1] })
      }
    })
    child.stderr!.on('data', (d) => (out += d))
    child.on('exit', (code) => reject(new Error(`gateway exited ${code}: ${out}`)))
  })
}

const N = 3000
const csvFor = (n: number, nowMs: number) => {
  const at = (days: number) => new Date(nowMs - days * 86_400_000).toISOString()
  const rows = ['order_id,buyer_openid,sku_id,name,qty,unit_price_fen,batch,final_sale,paid_at,shipped_at,promised_delivery_at,delivered_at,carrier,tracking_no']
  for (let i = 0; i < n; i++) rows.push(`CRASH${i},buyer-crash,SKU-X,测试商品,1,5000,B1,,${at(5)},${at(4)},${at(3)},${at(2)},顺丰,SF${i}`)
  return rows.join('\n')
}

test('the gateway killed with SIGKILL during a write burst restarts on a consistent database with every acknowledged case', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-crash-'))
  let { child: gw, base } = await startGatewayProcess(dataDir)
  const imp = await fetch(`${base}/dev/import-orders`, { method: 'POST', headers: { 'x-dev-openid': 'staff-owner', 'x-desk-call': '1' }, body: csvFor(N, Date.now()) }).then((r) => r.json())
  expect(imp).toMatchObject({ ok: true, data: { imported: N } })

  const acknowledged: string[] = []
  let i = 0
  const worker = async () => {
    for (;;) {
      const n = i++
      if (n >= N) return
      try {
        const res = await fetch(`${base}/api/fn/aftersale`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-dev-openid': 'buyer-crash', 'x-desk-call': '1' },
          body: JSON.stringify({ action: 'submit', idempotencyKey: `crash-key-${n}`, data: { orderId: `CRASH${n}`, claimedItems: [{ skuId: 'SKU-X', qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' } }),
        })
        const body = (await res.json()) as { ok: boolean; data?: { case: { id: string } } }
        if (body.ok) acknowledged.push(body.data!.case.id)
      } catch {
        return // connection dropped by the kill
      }
    }
  }
  const burst = Promise.all(Array.from({ length: 16 }, worker))
  // kill mid-burst: once some writes were acknowledged and more are in flight
  for (let t = 0; t < 400 && acknowledged.length < 150; t++) await new Promise((r) => setTimeout(r, 5))
  gw.kill('SIGKILL')
  await burst
  expect(acknowledged.length).toBeGreaterThan(0)
  expect(acknowledged.length).toBeLessThan(N) // the kill really landed mid-burst

  // the database file opens cleanly and holds every acknowledged case, each intact
  const store = new SqliteStore(path.join(dataDir, 'aftersale.db'))
  await store.init()
  for (const id of acknowledged) {
    const c = await store.getCase(id)
    expect(c?.status).toBe('submitted')
  }
  const total = await store.countCases({ buyerOpenid: 'buyer-crash' })
  expect(total).toBeGreaterThanOrEqual(acknowledged.length)
  await store.close()

  // and the gateway itself restarts on it and serves the cases
  ;({ child: gw, base } = await startGatewayProcess(dataDir))
  try {
    const list = await fetch(`${base}/api/fn/aftersale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-dev-openid': 'buyer-crash', 'x-desk-call': '1' },
      body: JSON.stringify({ action: 'list_cases', data: { limit: 100 } }),
    }).then((r) => r.json() as Promise<{ ok: boolean; data: { items: unknown[] } }>)
    expect(list.ok).toBe(true)
    expect(list.data.items.length).toBeGreaterThan(0)
  } finally {
    gw.kill('SIGKILL')
  }
}, 90_000)
