import crypto from 'node:crypto'
import tcb from '@cloudbase/node-sdk'
import type { Deps } from '../../app/deps'
import { CloudBaseStore } from './store'
import { CloudMedia, type CloudFileApi } from './media'
import { NoSilentRefunds } from './payments'
import { channelsShopFromEnv } from '../channels/shop'

let cached: Promise<Deps> | null = null

/**
 * Dependencies of a function running on CloudBase: the database of the current environment,
 * evidence as cloud file ids of that environment, the Channels shop when configured, and a
 * payment port that never records a refund without money moving (./payments.ts): shop orders
 * refund through the platform, other orders by hand with evidence.
 */
export function cloudDeps(): Promise<Deps> {
  cached ??= (async () => {
    const env = process.env.TCB_ENV || process.env.SCF_NAMESPACE || ''
    const app = tcb.init({ env: env || tcb.SYMBOL_CURRENT_ENV })
    // no setup on a cold start: collections and migrations are the `setup` function's job, once per deployment
    const store = new CloudBaseStore({ db: app.database() as never })
    const now = () => new Date().toISOString()
    // the Channels shop when CHANNELS_APPID / CHANNELS_SECRET are set (cloudbaserc.json); its token is shared through the store
    const shop = channelsShopFromEnv(process.env, store, { log: (line) => console.error(line) })
    return {
      ...(shop ? { shop } : {}),
      store,
      payments: new NoSilentRefunds(store),
      media: new CloudMedia(app as unknown as CloudFileApi, env),
      now,
      newId: () => crypto.randomUUID(),
      log: (msg, err) => console.error(msg, err ?? ''),
    }
  })()
  return cached
}
