/**
 * Shop sync throughput: after-sale orders fetched through the real Channels adapter
 * (adapters/channels/shop) from the local stand-in (gateway/channels-standin) over HTTP —
 * list the day's after-sales page by page (`getaftersalelist`, next_key) and read each one
 * (`getaftersaleorder`), one at a time and with 8 in flight. The adapter's token lives in a
 * SQLite store on disk (WAL); every store call is counted, so the figure "store round trips per
 * after-sale" is the adapter's share (token reads) of an import.
 * The import use case (case creation) is shop-flow's; this measures the protocol side only.
 */
import fs from 'node:fs'
import path from 'node:path'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import type { Store } from '../../cloudfunctions/ports/store'
import { startChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'

export interface ShopSyncRun {
  label: string
  afterSales: number
  ms: number
  perSec: number
  httpCalls: number
  storeCalls: number
}

export interface ShopSyncResult {
  runs: ShopSyncRun[]
  tokenFetches: number
}

/** Counts every Store method call (one call = one round trip on CloudBase, at least). */
export function counting(store: Store): { store: Store; calls: () => number } {
  let n = 0
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown
      if (typeof v !== 'function') return v
      return (...args: unknown[]) => {
        n++
        return (v as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
  return { store: proxy, calls: () => n }
}

async function pool<T>(items: T[], width: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++])
  }))
}

export async function runShopSync(dir: string, count = 1000): Promise<ShopSyncResult> {
  const standin = await startChannelsStandin({ port: 0 })
  const file = path.join(dir, 'shop-sync.db')
  const sqlite = new SqliteStore(file)
  await sqlite.init()
  const { store, calls } = counting(sqlite)
  try {
    const st = standin.state
    for (let i = 0; i < count; i++) st.createAfterSale({ orderId: st.createOrder().order_id, type: i % 3 === 0 ? 'RETURN' : 'REFUND' })
    const shop = new ChannelsShop({ appid: st.appid, secret: st.secret, baseUrl: standin.url, store, now: () => st.now() })
    const nowSec = Math.floor(st.now() / 1000)
    const listAll = async () => {
      const ids: string[] = []
      let nextKey = ''
      for (;;) {
        const page = await shop.listAfterSaleIds({ by: 'create', range: { startTime: nowSec - 23 * 3600, endTime: nowSec + 60 }, nextKey })
        ids.push(...page.ids)
        if (!page.hasMore) return ids
        nextKey = page.nextKey
      }
    }
    await shop.getReasons() // token fetched and stored before the clock starts
    const runs: ShopSyncRun[] = []
    // floor: the same gets as bare fetch calls (no token handling, no parsing, no retries)
    {
      const token = (await store.getToken(`channels:${st.appid}`))!.value
      const ids = [...st.afterSales.keys()]
      const t0 = process.hrtime.bigint()
      for (const id of ids) {
        const r = await fetch(`${standin.url}/channels/ec/aftersale/getaftersaleorder?access_token=${token}`, { method: 'POST', body: JSON.stringify({ after_sale_order_id: id }) })
        if ((await r.json() as { errcode: number }).errcode !== 0) throw new Error('floor call failed')
      }
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      runs.push({ label: 'floor: bare fetch of each, sequential', afterSales: ids.length, ms, perSec: (ids.length / ms) * 1000, httpCalls: ids.length, storeCalls: 0 })
    }
    for (const [label, width] of [['sequential (list + get one by one)', 1], ['8 in flight (list, then 8 gets at a time)', 8]] as const) {
      const http0 = shop.stats.httpCalls
      const store0 = calls()
      const t0 = process.hrtime.bigint()
      const ids = await listAll()
      await pool(ids, width, async (id) => {
        const a = await shop.getAfterSaleOrder(id)
        if (a.after_sale_order_id !== id) throw new Error('wrong after-sale returned')
      })
      const ms = Number(process.hrtime.bigint() - t0) / 1e6
      if (ids.length !== count) throw new Error(`listed ${ids.length} of ${count}`)
      runs.push({ label, afterSales: ids.length, ms, perSec: (ids.length / ms) * 1000, httpCalls: shop.stats.httpCalls - http0, storeCalls: calls() - store0 })
    }
    return { runs, tokenFetches: shop.stats.tokenFetches }
  } finally {
    await sqlite.close()
    await standin.close()
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  }
}

export function reportShopSync(r: ShopSyncResult, f: (n: number, d?: number) => string): void {
  console.log('Shop sync (real Channels adapter → local stand-in over HTTP; protocol side: list + get, no case import)')
  for (const x of r.runs) {
    console.log(`  ${x.label.padEnd(44)} ${x.afterSales} after-sales in ${f(x.ms, 0)} ms → ${Math.round(x.perSec)} after-sales/s;`
      + ` ${f(x.httpCalls / x.afterSales, 3)} HTTP calls and ${f(x.storeCalls / x.afterSales, 3)} store round trips per after-sale`)
  }
  console.log(`  access token fetched ${r.tokenFetches}× for the whole run (kept in the store and in memory)`)
}
