/**
 * The product over HTTP: the real gateway (gateway-server.ts: startGateway with its SQLite
 * adapter, timers off) in a child process, on a copy of the 10k-case population plus fresh
 * delivered orders of the same buyers, loaded at concurrency 32 with the mix a seller's desk
 * sees — a buyer submits a case, a buyer lists their cases, an agent opens the queue — then
 * each action alone.
 */
import path from 'node:path'
import { SMALL, size } from './figures'
import { fnCall, load, spawnServer, type LoadResult, type Req } from './http'
import { BENCH_NOW, benchOrder, buyerOf, inOneTransaction, openStore, submitData } from './population'
import { AGENTS, BUYERS } from './scale'

export interface GatewayResults {
  /** what one call of each action answered before the load (so the load measures real work) */
  sanity: string
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
  const probe = benchOrder('lo-probe', buyerOf(spec, 3), BENCH_NOW)
  const store = await openStore(path.join(dataDir, 'aftersale.db'))
  await inOneTransaction(store, () => [...fresh, probe].map((o) => store.upsertOrder({ order: o, createdAt: o.paidAt })))
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
    const call = async (fn: 'aftersale' | 'admin', openid: string, body: unknown) => {
      const res = await fetch(`${server.url}/api/fn/${fn}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dev-openid': openid, 'x-desk-call': '1' }, body: JSON.stringify(body) })
      const out = (await res.json()) as { ok: boolean; data?: { items?: unknown[]; created?: boolean; case?: { caseNo: string } }; error?: unknown }
      if (!out.ok) throw new Error(`sanity call ${fn} failed: ${JSON.stringify(out.error)}`)
      return out.data ?? {}
    }
    const listed = await call('aftersale', buyerOf(spec, 3), { action: 'list_cases', data: {} })
    const queued = await call('admin', AGENTS[0], { action: 'queue', data: { tab: 'mine' } })
    const filed = await call('aftersale', probe.buyerOpenid, { action: 'submit', data: submitData(probe.orderId, 0), idempotencyKey: 'bench-probe-1' })
    const sanity = `list_cases → ${listed.items?.length} cases, queue (mine) → ${queued.items?.length} cases, submit → created ${filed.created} (${filed.case?.caseNo})`
    if (!SMALL) await load('gateway warm-up', server, [submit, list, queue], 3)
    const mix = await load('gateway: submit + list_cases + queue', server, [submit, list, queue], seconds)
    const one = Math.max(size(3, 1), Math.round(seconds / 2))
    return {
      sanity,
      mix,
      submit: await load('gateway: submit', server, [submit], one),
      list: await load('gateway: list_cases', server, [list], one),
      queue: await load('gateway: queue', server, [queue], one),
      hello: await load('gateway: GET /api/health', server, [{ method: 'GET', path: '/api/health' }], size(3, 1)),
      ordersUsed: k,
      ordersAvailable: fresh.length,
    }
  } finally {
    await server.stop()
  }
}
