/**
 * One "instance" of limits-cross-process.test.ts: its own Node process and its own store (SQLite on
 * the shared file, or its own @cloudbase/node-sdk client against the shared emulator), the real
 * functions — or, in `gateway` mode, a whole local gateway on the shared data folder. It prints
 * `ready`, then runs each `run <name> <json>` line from stdin and answers `result <name> <json>`.
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
import { adminFunction } from '../../cloudfunctions/app/admin'
import { startGateway } from '../../cloudfunctions/gateway/server'
import type { Policy } from '@contract/policy'

export interface LimitsWorkerConfig {
  mode: 'fn' | 'gateway'
  adapter: 'sqlite' | 'cloudbase'
  /** SQLite file, the emulator's serviceUrl, or (gateway mode) the data folder */
  target: string
  now: string
  uploadQuota?: { files: number; bytes: number }
}

const cfg = JSON.parse(process.argv[2]) as LimitsWorkerConfig
const say = (line: string) => process.stdout.write(`${line}\n`)
type Answer = { ok: boolean; data?: unknown; error?: { code: string; message: string } }
const codeOf = (r: Answer) => (r.ok ? 'ok' : r.error!.code)

async function main() {
  process.env.TENCENTCLOUD = 'true' // the SDK skips its metadata probe
  process.env.SILENCE = 'true'
  if (cfg.mode === 'gateway') {
    const gw = await startGateway({ host: '127.0.0.1', port: 0, dataDir: cfg.target, quiet: true, seed: false, dispatchEveryMs: 0, scheduleEveryMs: 0, uploadQuota: cfg.uploadQuota, now: () => cfg.now })
    say(`ready ${gw.url}`)
    readline.createInterface({ input: process.stdin }).on('close', () => void gw.close().then(() => process.exit(0)))
    return
  }
  const store: Store =
    cfg.adapter === 'sqlite'
      ? new SqliteStore(cfg.target, { busyTimeoutMs: 30_000 })
      : new CloudBaseStore({ env: 'limits', secretId: 'local-id', secretKey: 'local-key', serviceUrl: cfg.target, timeout: 60_000, maxTxAttempts: 200 })
  await store.init()
  const now = () => cfg.now
  const deps: Deps = { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
  const buyer = aftersaleFunction(deps)
  const admin = adminFunction(deps)
  const owner = (action: string, data: unknown = {}) => admin({ action, data }, { openid: 'staff-owner' })

  const scenarios: Record<string, (a: Record<string, unknown>) => Promise<unknown>> = {
    /** `n` provide_info at once on one case */
    provide: async (a) => {
      const calls = Array.from({ length: a.n as number }, () => buyer({ action: 'provide_info', data: { caseId: a.caseId, text: '补充说明' } }, { openid: a.openid as string }))
      return (await Promise.all(calls)).map(codeOf)
    },
    /** a what-if of the policy the parent sends */
    preview: async (a) => {
      const r = await owner('preview_policy', { policy: a.policy as Policy })
      return r.ok ? { code: 'ok', cases: (r.data as { cases: number }).cases } : { code: r.error.code, message: r.error.message }
    },
    /** waits until some instance holds the shop's what-if lease */
    leaseHeld: async () => {
      for (let i = 0; i < 3000; i++) {
        const s = await store.getSyncState('what-if-run')
        if (s && typeof s.value.runId === 'string') return true
        await new Promise((r) => setTimeout(r, 5))
      }
      return false
    },
    cancel: async () => {
      const r = await owner('cancel_preview')
      return r.ok ? r.data : codeOf(r)
    },
    /** `count` weighted takes of one bucket at once */
    slots: async (a) => (await Promise.all(Array.from({ length: a.count as number }, () => store.takeSlot(a.bucket as string, a.max as number, a.n as number)))).filter(Boolean).length,
  }

  say('ready')
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    const [kind, name, ...rest] = line.split(' ')
    if (kind !== 'run') return
    const args = rest.length ? (JSON.parse(rest.join(' ')) as Record<string, unknown>) : {}
    scenarios[name](args).then(
      (r) => say(`result ${name} ${JSON.stringify(r)}`),
      (e) => say(`result ${name} ${JSON.stringify({ crashed: String(e) })}`),
    )
  }).on('close', () => void store.close().then(() => process.exit(0)))
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
