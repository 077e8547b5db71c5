import { randomBytes } from 'node:crypto'
import type { PushConfig } from '../adapters/channels/push'
import { ChannelsShop, CHANNELS_ENV, channelsShopFromEnv } from '../adapters/channels/shop'
import type { ShopPort } from '../ports/shop'
import type { Store } from '../ports/store'
import { startChannelsStandin, type ChannelsStandin, type ChannelsStandinOptions } from './channels-standin'

export interface ShopConnection {
  shop: (store: Store) => ShopPort
  push: PushConfig
  /** once the gateway listens: pushes go to its /channels/push (demo: a few after-sales arrive) */
  connect(gatewayUrl: string): Promise<void>
  close(): Promise<void>
  /** where the shop lives, for the start banner */
  describe: string
}

/**
 * The shop `npm start` connects to: the seller's real shop when CHANNELS_APPID / CHANNELS_SECRET
 * are set (push token and key from CHANNELS_PUSH_TOKEN / CHANNELS_PUSH_AES_KEY), otherwise — in
 * the demo only — the local stand-in playing a demo shop. The demo shop gets three orders of the
 * demo buyers (linked by unionid) and a few platform after-sales, so a newcomer sees both sources
 * in the queue. In production there is no stand-in: the seller's shop or a refusal to start.
 */
export async function connectShop(env: Record<string, string | undefined>, { production = false } = {}): Promise<ShopConnection> {
  if (production) {
    const missing = [CHANNELS_ENV.appid, CHANNELS_ENV.secret, CHANNELS_ENV.pushToken, CHANNELS_ENV.pushAesKey].filter((k) => !env[k])
    if (missing.length) throw new Error(`production mode needs the seller's shop: ${missing.join(', ')} not set`)
  }
  if (env[CHANNELS_ENV.appid] && env[CHANNELS_ENV.secret]) {
    return {
      shop: (store) => channelsShopFromEnv(env, store) as ChannelsShop,
      push: { token: env[CHANNELS_ENV.pushToken] ?? '', aesKey: env[CHANNELS_ENV.pushAesKey] || undefined, appid: env[CHANNELS_ENV.appid] },
      connect: async () => {},
      close: async () => {},
      describe: `视频号小店 ${env[CHANNELS_ENV.appid]}`,
    }
  }
  const token = randomBytes(12).toString('hex')
  const opts: ChannelsStandinOptions = { pushToken: token, autoTickMs: 5_000 }
  const standin: ChannelsStandin = await startChannelsStandin(opts)
  return {
    shop: (store) => new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store }),
    push: { token },
    connect: async (gatewayUrl) => {
      opts.pushUrl = `${gatewayUrl}/channels/push`
      seedDemoAfterSales(standin)
      await standin.flushPushes()
    },
    close: () => standin.close(),
    describe: `本地视频号小店模拟服务 ${standin.url}`,
  }
}

/**
 * A refund and a return of two demo buyers, a refund of a shop buyer who never opened the
 * mini-program, a dispute where the platform asks the seller for proof (纠纷单, 待商家补充凭证) and a
 * 催发货 ticket (客诉工单) on an order not shipped yet.
 */
export function seedDemoAfterSales(standin: ChannelsStandin): void {
  const s = standin.state
  const scarf = { productId: '10000001', skuId: 'CH-SCARF-01', title: '羊毛混纺围巾 燕麦色', count: 1, priceFen: 19_900 }
  // the teapot carries 运费险: the demo case shows it (its return is still the seller's: a cracked lid is the seller's fault)
  const pot = { productId: '10000002', skuId: 'CH-POT-02', title: '紫砂壶 朱泥西施 200ml', count: 1, priceFen: 36_800, freightInsurance: true }
  const lin = s.createOrder({ unionid: 'union-lin', products: [scarf] })
  const zhao = s.createOrder({ unionid: 'union-zhao', products: [pot] })
  const stranger = s.createOrder({ products: [{ ...scarf, count: 2 }] })
  s.createAfterSale({ orderId: lin.order_id, type: 'REFUND', reason: '10000000', desc: '拍重了，还没发货前就申请了' })
  s.createAfterSale({ orderId: zhao.order_id, type: 'RETURN', reason: '10000021', desc: '壶盖有裂纹，见图', mediaIds: ['demo-media-1'] })
  s.createAfterSale({ orderId: stranger.order_id, type: 'REFUND', reason: '10000023', desc: '颜色和直播间看到的不一样' })
  const disputed = s.createOrder({ products: [{ ...pot, freightInsurance: false }] })
  const a = s.createAfterSale({ orderId: disputed.order_id, type: 'REFUND', reason: '10000021', desc: '收到就是坏的' })
  s.openComplaint({ afterSaleOrderId: a.after_sale_order_id, status: 106, content: '买家申请平台介入：收到的紫砂壶有裂纹，商家不处理' })
  const late = s.createOrder({ unionid: 'union-lin', products: [{ ...scarf, skuId: 'CH-SCARF-02', title: '羊毛混纺围巾 雾蓝色' }], shipped: false })
  s.openTicket({ orderId: late.order_id })
}
