/**
 * The shop contract against the local stand-in (gateway/channels-standin) through the real
 * adapter, plus what only the stand-in does: push delivery (signed, safe mode, duplicates,
 * reversed order, a dropped push) and its control API over HTTP.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startChannelsStandin, type ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { openPush, parseAfterSaleEvent, type AfterSaleEvent } from '../../cloudfunctions/adapters/channels/push'
import { shopContract } from './shop-contract'

shopContract(
  'stand-in',
  { provoke: true },
  async () => {
    const standin = await startChannelsStandin({ port: 0, afterSalePageSize: 2 })
    return { appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, now: () => standin.state.now(), standin }
  },
  async (t) => t.standin?.close(),
)

/** A push receiver that checks every request like the gateway route does. */
async function receiver(cfg: { token: string; aesKey?: string; appid?: string }) {
  const events: AfterSaleEvent[] = []
  const refused: string[] = []
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const q = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams)
      try {
        const e = parseAfterSaleEvent(openPush(cfg, q, Buffer.concat(chunks).toString('utf8'), Date.now()))
        if (e) events.push(e)
        res.end('success')
      } catch (e) {
        refused.push(String(e))
        res.statusCode = 401
        res.end('refused')
      }
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { events, refused, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/push`, close: () => new Promise<void>((r) => server.close(() => r())) }
}

describe('Channels stand-in: push events', () => {
  const AES = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
  let standin: ChannelsStandin
  let rx: Awaited<ReturnType<typeof receiver>>
  afterEach(async () => {
    await standin.close()
    await rx.close()
  })

  it('pushes every status change, signed, in order; safe mode when an EncodingAESKey is set', async () => {
    rx = await receiver({ token: 'tk', aesKey: AES, appid: 'wxstandin00000001' })
    standin = await startChannelsStandin({ pushUrl: rx.url, pushToken: 'tk', aesKey: AES })
    const st = standin.state
    const a = st.createAfterSale({ orderId: st.createOrder().order_id, type: 'RETURN' })
    await standin.advance(48 * 3600_000 + 1000) // auto-approved: waiting for the buyer's parcel
    st.buyerShipReturn(a.after_sale_order_id)
    await standin.flushPushes()
    expect(rx.refused).toEqual([])
    expect(rx.events.map((e) => e.status)).toEqual(['MERCHANT_PROCESSING', 'USER_WAIT_RETURN', 'MERCHANT_WAIT_RECEIPT'])
    expect(rx.events.every((e) => e.afterSaleOrderId === a.after_sale_order_id && e.orderId === a.order_id)).toBe(true)
    expect(st.pushes.every((p) => p.delivered)).toBe(true)
  })

  it('sends duplicates and reversed batches on demand, drops a push, replays a stale status', async () => {
    rx = await receiver({ token: 'tk' })
    standin = await startChannelsStandin({ pushUrl: rx.url, pushToken: 'tk' })
    const st = standin.state
    st.chaos = { duplicate: true, reorder: true }
    const a = st.createAfterSale({ orderId: st.createOrder().order_id })
    st.buyerCancel(a.after_sale_order_id)
    await standin.flushPushes()
    expect(rx.events.map((e) => e.status)).toEqual(['USER_CANCELD', 'USER_CANCELD', 'MERCHANT_PROCESSING', 'MERCHANT_PROCESSING'])

    st.chaos = { duplicate: false, reorder: false }
    st.dropNextPush()
    const b = st.createAfterSale({ orderId: st.createOrder().order_id })
    await standin.flushPushes()
    expect(rx.events.some((e) => e.afterSaleOrderId === b.after_sale_order_id)).toBe(false)
    expect(st.pushes.at(-1)).toMatchObject({ afterSaleOrderId: b.after_sale_order_id, delivered: false, error: 'dropped' })

    st.replayPush(a.after_sale_order_id, 'MERCHANT_PROCESSING')
    await standin.flushPushes()
    expect(rx.events.at(-1)).toMatchObject({ afterSaleOrderId: a.after_sale_order_id, status: 'MERCHANT_PROCESSING' })
  })

  it('a receiver with another token refuses the push (signature checked), and the stand-in records it undelivered', async () => {
    rx = await receiver({ token: 'other' })
    standin = await startChannelsStandin({ pushUrl: rx.url, pushToken: 'tk' })
    standin.state.createAfterSale({ orderId: standin.state.createOrder().order_id })
    await standin.flushPushes()
    expect(rx.events).toEqual([])
    expect(standin.state.pushes[0]).toMatchObject({ delivered: false, httpStatus: 401 })
  })
})

describe('Channels stand-in: control API over HTTP', () => {
  it('creates an order and an after-sale as a buyer, moves the clock, cancels, and reports state', async () => {
    // a frozen clock the control API moves: seconds-left must not tick with the wall clock under load
    const nowMs = Date.parse('2026-12-01T02:00:00Z')
    const standin = await startChannelsStandin({ clock: { now: () => nowMs } })
    const post = async (path: string, body: unknown = {}) => {
      const r = await fetch(`${standin.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return { status: r.status, json: (await r.json()) as Record<string, unknown> }
    }
    try {
      const order = (await post('/__standin/orders', { openid: 'oBuyer1', unionid: 'uBuyer1' })).json
      const as = (await post('/__standin/aftersales', { orderId: order.order_id, type: 'REFUND', desc: '尺码不合适' })).json
      expect(as).toMatchObject({ status: 'MERCHANT_PROCESSING', unionid: 'uBuyer1', details: { desc: '尺码不合适' }, deadline: 48 * 3600 })
      await post('/__standin/clock/advance', { ms: 3600_000 })
      expect((await post(`/__standin/aftersales/${as.after_sale_order_id}/cancel`)).json).toMatchObject({ status: 'USER_CANCELD', deadline: 0 })
      expect((await post('/__standin/nope')).status).toBe(404)
      const state = (await (await fetch(`${standin.url}/__standin/state`)).json()) as { orders: number; afterSales: number }
      expect(state).toMatchObject({ orders: 1, afterSales: 1 })
    } finally {
      await standin.close()
    }
  })
})
