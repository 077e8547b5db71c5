/**
 * One "instance" of auto-rules-cross-process.test.ts: its own Node process and store (SQLite on the
 * shared file, or its own SDK client against the shared CloudBase emulator) and the real buyer
 * function. Prints `ready`, waits for `go` on stdin, then submits every order it was given at once
 * and prints `result <json>` (each submit's case status or error code).
 */
import crypto from 'node:crypto'
import readline from 'node:readline'
import type { Deps } from '../../cloudfunctions/app/deps'
import type { Store } from '../../cloudfunctions/ports/store'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'

export interface AutoRulesWorkerConfig {
  adapter: 'sqlite' | 'cloudbase'
  target: string
  now: string
  buyer: string
  orders: Array<{ orderId: string; skuId: string }>
}

const cfg = JSON.parse(process.argv[2]) as AutoRulesWorkerConfig

async function main() {
  process.env.TENCENTCLOUD = 'true'
  process.env.SILENCE = 'true'
  const store: Store =
    cfg.adapter === 'sqlite'
      ? new SqliteStore(cfg.target, { busyTimeoutMs: 30_000 })
      : new CloudBaseStore({ env: 'autorules', secretId: 'local-id', secretKey: 'local-key', serviceUrl: cfg.target, timeout: 60_000, maxTxAttempts: 200 })
  await store.init()
  const now = () => cfg.now
  const deps: Deps = { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
  const buyer = aftersaleFunction(deps)
  process.stdout.write('ready\n')
  const rl = readline.createInterface({ input: process.stdin })
  rl.on('line', (l) => {
    if (l.trim() !== 'go') return
    void Promise.all(
      cfg.orders.map((o) =>
        buyer(
          { action: 'submit', data: { orderId: o.orderId, claimedItems: [{ skuId: o.skuId, qty: 1 }], type: 'refund_only', reason: 'other', desiredRemedy: 'refund', description: '还没发货，不要了' }, idempotencyKey: `xproc-rule-${o.orderId}` },
          { openid: cfg.buyer },
        ).then((r) => (r.ok ? (r.data as { case: { status: string } }).case.status : (r.error as { code: string }).code)),
      ),
    ).then(async (out) => {
      process.stdout.write(`result ${JSON.stringify(out)}\n`)
      await store.close()
      process.exit(0)
    })
  })
}

main().catch((e) => {
  process.stderr.write(String(e?.stack ?? e))
  process.exit(1)
})
