/**
 * One "instance" of batch-cross-process.test.ts: its own Node process and its own SQLite store on
 * the shared file, the real functions and use cases. Prints `ready`, then runs each
 * `run <name> <json>` line from stdin and answers `result <name> <json>`.
 */
import crypto from 'node:crypto'
import readline from 'node:readline'
import type { Deps } from '../../cloudfunctions/app/deps'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { continueOutreaches } from '../../cloudfunctions/app/usecases/batch-watch'
import { runDeliveryCare } from '../../cloudfunctions/app/usecases/delivery-care'
import { claimResend } from '../../cloudfunctions/app/usecases/run-shop-call'
import { buyerOf, qualityForm } from './batch-fixtures'

const cfg = JSON.parse(process.argv[2]) as { file: string; now: string }
const say = (line: string) => process.stdout.write(`${line}\n`)
type Answer = { ok: boolean; data?: unknown; error?: { code: string; message: string } }

async function main() {
  process.env.SILENCE = 'true'
  const store = new SqliteStore(cfg.file, { busyTimeoutMs: 30_000 })
  await store.init()
  const now = () => cfg.now
  const deps: Deps = { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
  const buyer = aftersaleFunction(deps)
  const admin = adminFunction(deps)
  const scenarios: Record<string, (a: Record<string, unknown>) => Promise<unknown>> = {
    /** buyers `from`…`to - 1` file a quality case about the batch, all at once */
    submit: async (a) => {
      const ids = Array.from({ length: (a.to as number) - (a.from as number) }, (_, k) => (a.from as number) + k)
      const rs = await Promise.all(ids.map((i) => buyer({ action: 'submit', data: qualityForm(i), idempotencyKey: `key-0000-${i}` }, { openid: buyerOf(i) }) as Promise<Answer>))
      return rs.map((r) => (r.ok ? 'ok' : r.error!.code))
    },
    /** the owner's confirmed action on the alert */
    act: async (a) => {
      const r = (await admin({ action: 'act_batch_alert', data: a }, { openid: 'staff-owner' })) as Answer
      return r.ok ? 'ok' : r.error!.code
    },
    /** scheduler passes until no outreach is running (or `passes` is reached) */
    continue: async (a) => {
      let n = 0
      for (let i = 0; i < ((a.passes as number) ?? 50); i++) {
        n += await continueOutreaches(deps, { budgetMs: 5_000 })
        const running = await store.listBatchAlerts({ limit: 5, running: true })
        if (!running.length && i > 0) break
        await new Promise((r) => setTimeout(r, 5))
      }
      return n
    },
    /** one 签收回访 pass */
    care: async () => runDeliveryCare(deps, { limit: 500 }),
    /** the order's resend slots (platform limit 10 per order) claimed for legs `from`…`to - 1`, all at once */
    resend: async (a) => Promise.all(Array.from({ length: (a.to as number) - (a.from as number) }, (_, k) => claimResend(deps, a.orderId as string, `leg-${(a.from as number) + k}`))),
  }
  say('ready')
  readline.createInterface({ input: process.stdin }).on('line', (l) => {
    const m = /^run (\S+) (.*)$/.exec(l)
    if (!m) return
    void scenarios[m[1]](JSON.parse(m[2]) as Record<string, unknown>).then(
      (out) => say(`result ${m[1]} ${JSON.stringify(out)}`),
      (e) => say(`result ${m[1]} ${JSON.stringify({ error: String(e) })}`),
    )
  }).on('close', () => void store.close().then(() => process.exit(0)))
}

void main()
