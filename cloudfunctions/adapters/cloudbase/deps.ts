import crypto from 'node:crypto'
import tcb from '@cloudbase/node-sdk'
import type { Deps } from '../../app/deps'
import { CloudBaseStore } from './store'
import { CloudMedia, type CloudFileApi } from './media'
import { LocalPayments } from '../local/payments'

let cached: Promise<Deps> | null = null

/**
 * Dependencies of a function running on CloudBase: the database of the current environment,
 * evidence as cloud file ids of that environment, refunds recorded in the database (the payment
 * port's WeChat Pay adapter comes with the Channels shop integration).
 */
export function cloudDeps(): Promise<Deps> {
  cached ??= (async () => {
    const env = process.env.TCB_ENV || process.env.SCF_NAMESPACE || ''
    const app = tcb.init({ env: env || tcb.SYMBOL_CURRENT_ENV })
    const store = new CloudBaseStore({ db: app.database() as never })
    await store.init()
    const now = () => new Date().toISOString()
    return {
      store,
      payments: new LocalPayments(store, now),
      media: new CloudMedia(app as unknown as CloudFileApi, env),
      now,
      newId: () => crypto.randomUUID(),
      log: (msg, err) => console.error(msg, err ?? ''),
    }
  })()
  return cached
}
