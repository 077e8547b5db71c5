// `npm run bench`: prints figures (never asserted in tests). Store-level figures at 10k and 100k
// cases on SQLite, and one scheduler pass with 100 due cases among each population.
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'
import { makeCase } from '../../tests/server/fixtures'

const time = async (n: number, f: () => Promise<unknown>) => {
  const t0 = process.hrtime.bigint()
  for (let i = 0; i < n; i++) await f()
  return Number(process.hrtime.bigint() - t0) / 1e6 / n
}

async function population(size: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'))
  const store = new SqliteStore(path.join(dir, 'bench.db'))
  await store.init()
  const t0 = Date.now()
  for (let i = 0; i < size; i++) {
    const c = makeCase({ buyerOpenid: `buyer-${i % 500}` })
    await store.createCase(c, [])
  }
  const insertMs = Date.now() - t0
  const queue = await time(200, () => store.listCases({ open: true }, { limit: 20, order: 'due_asc' }))
  const buyer = await time(200, () => store.listCases({ buyerOpenid: 'buyer-7' }, { limit: 20 }))
  const count = await time(50, () => store.countCases({ open: true }))
  const now = () => new Date(Date.now() + 400 * 86_400_000).toISOString() // everything is due
  const deps = { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
  const t1 = process.hrtime.bigint()
  const stats = await runScheduler(deps, { limit: 100 })
  const schedMs = Number(process.hrtime.bigint() - t1) / 1e6
  await store.close()
  fs.rmSync(dir, { recursive: true, force: true })
  return { size, insertPerSec: Math.round((size / insertMs) * 1000), queue, buyer, count, schedMs, acted: stats.acted }
}

async function main() {
  const rows = []
  for (const size of [10_000, 100_000]) rows.push(await population(size))
  for (const r of rows) {
    console.log(
      `${String(r.size).padStart(7)} cases: insert ${r.insertPerSec}/s · queue page ${r.queue.toFixed(3)} ms · buyer list ${r.buyer.toFixed(3)} ms · queue count ${r.count.toFixed(2)} ms · scheduler pass (100 due) ${r.schedMs.toFixed(1)} ms (${r.acted} acted)`,
    )
  }
  const [a, b] = rows
  console.log(`100k / 10k ratio: queue page ${(b.queue / a.queue).toFixed(2)}× · buyer list ${(b.buyer / a.buyer).toFixed(2)}× · scheduler pass ${(b.schedMs / a.schedMs).toFixed(2)}×`)
}
main()
