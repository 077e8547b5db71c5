/**
 * Shop remedies through the outbox (issue 21 §1): the cost of one 退差价 (refundpricediff) as the
 * desk makes it — the dispatcher claims the `shop_call` row, runs it (the case read, the adapter's
 * per-order throttle, the call, the link record, the answer recorded on the case by
 * compare-and-set, the after-sale read back), and marks the row — against a bare fetch of the same
 * endpoint to the same stand-in in the same run. Desk cases on shop orders (late-delivery
 * compensation approved by a supervisor) are written first; the rows the cases' other events left
 * in the outbox are set aside, so the measured pass runs only the platform calls. Every Store
 * method call is counted (one call = at least one round trip on CloudBase).
 */
import fs from 'node:fs'
import path from 'node:path'
import { defaultPolicy } from '@contract/policy'
import { ChannelsOrderSchema } from '@contract/channels'
import type { CaseCommand } from '@contract/domain'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { RecordingSender } from '../../cloudfunctions/adapters/local/sender'
import { counting } from './shop-sync'
import type { Deps } from '../../cloudfunctions/app/deps'
import { outboxOf } from '../../cloudfunctions/app/shared'
import { orderFromShop } from '../../cloudfunctions/app/usecases/channels-map'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { decide, openCase } from '../../cloudfunctions/core'
import { startChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'

export interface ShopRemedyResult {
  calls: number
  /** through the outbox: ms per call, store round trips per call, HTTP calls per call */
  outboxMsPerCall: number
  storePerCall: number
  httpPerCall: number
  /** bare fetch of refundpricediff, one order each, sequential */
  floorMsPerCall: number
  pending: number
}

export async function runShopRemedy(dir: string, count = 200): Promise<ShopRemedyResult> {
  const standin = await startChannelsStandin({ port: 0 })
  const file = path.join(dir, 'shop-remedy.db')
  const sqlite = new SqliteStore(file)
  await sqlite.init()
  const { store, calls } = counting(sqlite)
  const st = standin.state
  const now = () => new Date(st.now()).toISOString()
  const shop = new ChannelsShop({ appid: st.appid, secret: st.secret, baseUrl: standin.url, store, now: () => st.now() })
  const mediaDir = path.join(dir, 'shop-remedy-media')
  fs.mkdirSync(mediaDir, { recursive: true })
  let seq = 0
  const deps: Deps = { store, shop, payments: new LocalPayments(store, now), media: new LocalMedia(store, mediaDir), now, newId: () => `sr-${++seq}`, log: () => {} }
  try {
    await sqlite.savePolicy(defaultPolicy, 0, 'bench', now())
    const policy = defaultPolicy
    const supervisor = { kind: 'staff' as const, id: 'bench-sup', role: 'supervisor' as const }
    const ctx = (actor: Parameters<typeof decide>[2]['actor']) => ({ now: now(), policy, newId: deps.newId, actor })
    // desk cases on shop orders, each with a compensation the shop is to pay (the outbox row)
    for (let i = 0; i < count; i++) {
      const o = st.createOrder({ products: [{ productId: `P${i}`, skuId: `S${i}`, title: '明前龙井 250g', count: 2, priceFen: 19_900 }] })
      const snap = orderFromShop(ChannelsOrderSchema.parse(o), `bench-buyer-${i}`)!
      const delivered = st.now() - 86_400_000
      const order = { ...snap, deliveredAt: new Date(delivered).toISOString(), promisedDeliveryAt: new Date(delivered - 3 * 86_400_000).toISOString() }
      await sqlite.upsertOrder({ order, createdAt: now() })
      const opened = openCase(
        { buyerOpenid: order.buyerOpenid, order, claimedItems: [{ skuId: `S${i}`, qty: 2 }], type: 'logistics', reason: 'late_delivery', description: '晚到', desiredRemedy: 'compensation' },
        { ...ctx({ kind: 'buyer', id: order.buyerOpenid }), roster: [] },
      )
      if (!opened.ok) throw new Error(opened.error.message)
      let c = opened.value.case
      await sqlite.createCase(c, outboxOf(opened.value.events))
      for (const cmd of [{ type: 'respond', text: '您好' }, { type: 'issue_refund', amountFen: 1_000, purpose: 'compensation' }] as CaseCommand[]) {
        const r = decide(c, cmd, ctx(supervisor))
        if (!r.ok) throw new Error(r.error.message)
        await sqlite.saveCase(r.value.case, c.version, outboxOf(r.value.events))
        c = r.value.case
      }
    }
    // only the platform calls stay pending for the measured pass
    for (const item of await sqlite.listOutbox({ status: 'pending' }, 100_000)) {
      if (item.kind !== 'shop_call') await sqlite.updateOutbox(item.key, item.attempts, { status: 'skipped' })
    }
    await shop.getReasons() // the token fetched and stored before the clock starts
    const sender = new RecordingSender()
    const http0 = shop.stats.httpCalls
    const store0 = calls()
    const t0 = process.hrtime.bigint()
    let sent = 0
    while (sent < count) {
      // one case at a time, like the sequential floor below (the gateway's passes run 16 cases in flight)
      const s = await dispatchOutbox(deps, sender, { limit: 100, concurrency: 1 })
      const moved = s.sent + s.deferred + s.failed + s.retried
      if (!moved) break
      sent += moved
    }
    const outboxMs = Number(process.hrtime.bigint() - t0) / 1e6
    const storeCalls = calls() - store0
    const httpCalls = shop.stats.httpCalls - http0
    const pending = (await sqlite.listOutbox({ status: 'pending' }, 100_000)).filter((x) => x.kind === 'shop_call').length
    const accepted = (await Promise.all((await sqlite.listCaseRefs({}, 100_000)).map((r) => sqlite.getCase(r.id)))).filter((c) => c?.refunds[0]?.shop?.afterSaleOrderId).length
    if (accepted !== count) throw new Error(`only ${accepted} of ${count} refunds were taken by the platform`)

    // floor: the same endpoint, bare fetch, one fresh order each (the platform's one-per-order-per-minute rule)
    const token = (await sqlite.getToken(`channels:${st.appid}`))!.value
    const floorOrders = Array.from({ length: count }, (_, i) => st.createOrder({ products: [{ productId: `F${i}`, skuId: `FS${i}`, title: '茶杯', count: 1, priceFen: 5_000 }] }).order_id)
    const f0 = process.hrtime.bigint()
    for (let i = 0; i < count; i++) {
      const r = await fetch(`${standin.url}/channels/ec/aftersale/refundpricediff?access_token=${token}`, {
        method: 'POST',
        body: JSON.stringify({ request_id: `floor-${i}`, order_id: floorOrders[i], product_id: `F${i}`, sku_id: `FS${i}`, amount: 100, reason: '10001336' }),
      })
      if (((await r.json()) as { errcode: number }).errcode !== 0) throw new Error('floor call failed')
    }
    const floorMs = Number(process.hrtime.bigint() - f0) / 1e6
    return { calls: count, outboxMsPerCall: outboxMs / count, storePerCall: storeCalls / count, httpPerCall: httpCalls / count, floorMsPerCall: floorMs / count, pending }
  } finally {
    await sqlite.close()
    await standin.close()
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
    fs.rmSync(mediaDir, { recursive: true, force: true })
  }
}

export function reportShopRemedy(r: ShopRemedyResult, f: (n: number, d?: number) => string): void {
  console.log('Shop remedy: 退差价 (refundpricediff) through the outbox (real adapter → local stand-in over HTTP, SQLite store)')
  console.log(`  through the outbox, one at a time: ${r.calls} calls, ${f(r.outboxMsPerCall)} ms per call; ${f(r.storePerCall, 1)} store round trips and ${f(r.httpPerCall, 1)} HTTP calls per call`)
  console.log(`  floor: bare fetch of refundpricediff, sequential: ${f(r.floorMsPerCall)} ms per call → ${f(r.outboxMsPerCall / r.floorMsPerCall, 1)}× the floor`)
  console.log(`  left waiting for the platform's refund (re-read by their rows later): ${r.pending} of ${r.calls}`)
}
