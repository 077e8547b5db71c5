/**
 * The product over HTTP: the real gateway (gateway-server.ts: startGateway with its SQLite
 * adapter, timers off) in a child process, on a copy of the 10k-case population plus fresh
 * delivered orders of the same buyers, loaded at concurrency 32 with the mix a seller's desk
 * sees — a buyer submits a case, a buyer lists their cases, an agent opens the queue — then
 * each action alone.
 */
import path from 'node:path'
import { fnCall, load, spawnServer, type LoadResult, type Req } from './http'
import { BENCH_NOW, benchOrder, buyerOf, inOneTransaction, openStore, submitData } from './population'
import { AGENTS, BUYERS } from './scale'

export interface GatewayResults {
  mix: LoadResult
  submit: LoadResult
  list: LoadResult
  queue: LoadResult
  hello: LoadResult
  ordersUsed: number
  ordersAvailable: number
}

/** `dataDir` holds aftersale.db (the population copy); `orders` bounds how many submits can succeed. */
export async function runGateway(dataDir: string, seconds: number, orders = 30_000): Promise<GatewayResults> {
  const spec = { buyers: BUYERS, prefix: 'p' }
  const fresh = Array.from({ length: orders }, (_, i) => benchOrder(`lo-${i}`, buyerOf(spec, i), BENCH_NOW))
  const store = await openStore(path.join(dataDir, 'aftersale.db'))
  await inOneTransaction(store, () => fresh.map((o) => store.upsertOrder({ order: o, createdAt: o.paidAt })))
  await store.close()

  let k = 0
  const submit: Req = fnCall('aftersale', () => {
    const i = k++
    const o = fresh[i % fresh.length] // past the end these fail (duplicate open case) and are counted as errors
    return { openid: o.buyerOpenid, body: { action: 'submit', data: submitData(o.orderId, i), idempotencyKey: `load-${i}-${o.orderId}` } }
  })
  let j = 0
  const list: Req = fnCall('aftersale', () => ({ openid: buyerOf(spec, j++ * 7), body: { action: 'list_cases', data: {} } }))
  let q = 0
  const queue: Req = fnCall('admin', () => {
    const i = q++
    return { openid: AGENTS[i % AGENTS.length], body: { action: 'queue', data: { tab: i % 2 ? 'team' : 'mine' } } }
  })

  const server = await spawnServer('gateway-server.ts', [dataDir, BENCH_NOW])
  try {
    await load('gateway warm-up', server.url, [submit, list, queue], 3)
    const mix = await load('gateway: submit + list_cases + queue', server.url, [submit, list, queue], seconds)
    const one = Math.max(3, Math.round(seconds / 2))
    return {
      mix,
      submit: await load('gateway: submit', server.url, [submit], one),
      list: await load('gateway: list_cases', server.url, [list], one),
      queue: await load('gateway: queue', server.url, [queue], one),
      hello: await load('gateway: GET /api/health', server.url, [{ method: 'GET', path: '/api/health' }], 3),
      ordersUsed: k,
      ordersAvailable: fresh.length,
    }
  } finally {
    await server.stop()
  }
}
