import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import type { Store } from '../../cloudfunctions/ports/store'
import { startChannelsStandin, type ChannelsStandin, type ChannelsStandinOptions } from '../../cloudfunctions/gateway/channels-standin'
import { startGateway, type Gateway } from '../../cloudfunctions/gateway/server'

/**
 * One Channels stand-in and one gateway connected to it for a test file (fresh ones per test leave
 * keep-alive sockets to closed ports): the real adapter, one clock the test moves (`clock()`, ms),
 * pushes signed as WeChat signs them to the gateway's route, timers off (tests dispatch and tick).
 * Read `standin` and `gw` once the tests run.
 */
export function shopDeskForFile(o: { name: string; clock: () => number; pushToken: string; standin?: Omit<ChannelsStandinOptions, 'clock' | 'pushToken'> }) {
  const env = {} as { standin: ChannelsStandin; gw: Gateway; dir: string }
  beforeAll(async () => {
    env.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${o.name}-`))
    const opts: ChannelsStandinOptions = { ...o.standin, clock: { now: o.clock }, pushToken: o.pushToken }
    env.standin = await startChannelsStandin(opts)
    const st = env.standin.state
    const shop = (store: Store) => new ChannelsShop({ appid: st.appid, secret: st.secret, baseUrl: env.standin.url, store, now: o.clock, sleep: async () => {} })
    env.gw = await startGateway({ host: '127.0.0.1', port: 0, dataDir: env.dir, quiet: true, now: () => new Date(o.clock()).toISOString(), dispatchEveryMs: 0, scheduleEveryMs: 0, shop, push: { token: o.pushToken } })
    opts.pushUrl = `${env.gw.url}/channels/push`
  })
  afterEach(() => {
    if (env.standin) env.standin.state.chaos = { duplicate: false, reorder: false }
  })
  afterAll(async () => {
    await env.standin?.close()
    await env.gw?.close()
    if (env.dir) fs.rmSync(env.dir, { recursive: true, force: true })
  })
  return env
}
