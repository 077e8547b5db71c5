import crypto from 'node:crypto'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import type { Deps } from '../../cloudfunctions/app/deps'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'

/** The real functions on a real (in-memory or file) SQLite store with the demo shop seeded. */
export async function makeApp(opts: { file?: string; now?: string } = {}) {
  let now = opts.now ?? '2026-11-23T03:00:00.000Z' // Monday 11:00 in Shanghai, business hours
  const store = new SqliteStore(opts.file ?? ':memory:')
  await store.init()
  const clock = () => now
  const deps: Deps = {
    store,
    payments: new LocalPayments(store, clock),
    media: new LocalMedia(store),
    now: clock,
    newId: () => crypto.randomUUID(),
    log: () => {},
  }
  await seedDemoShop(store, now)
  const aftersale = aftersaleFunction(deps)
  const admin = adminFunction(deps)
  return {
    deps,
    store,
    setNow: (iso: string) => {
      now = iso
    },
    /** call the buyer function as `openid` */
    buyer: (openid: string | null, action: string, data: unknown = {}, idempotencyKey?: string) => aftersale({ action, data, idempotencyKey }, { openid }),
    /** call the staff function as `openid` */
    staff: (openid: string | null, action: string, data: unknown = {}, idempotencyKey?: string) => admin({ action, data, idempotencyKey }, { openid }),
    close: () => store.close(),
  }
}

export type App = Awaited<ReturnType<typeof makeApp>>

export function unwrap<T = any>(r: { ok: boolean; data?: unknown; error?: unknown }): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`)
  return r.data as T
}
