/**
 * One "function instance" of the cross-process concurrency test (cross-process.test.ts): its own
 * Node process, its own store instance (SQLite on the shared file, or its own @cloudbase/node-sdk
 * client against the shared emulator server), the real functions. It runs the scenarios of the
 * plan in order; before each it prints `ready <name>` and waits for `go <name>` on stdin, so all
 * processes start a scenario together. Each scenario's answer is one `result <name> <json>` line.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import readline from 'node:readline'
import type { Deps } from '../../cloudfunctions/app/deps'
import type { Store } from '../../cloudfunctions/ports/store'
import type { SenderPort } from '../../cloudfunctions/ports/sender'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'

export interface WorkerConfig {
  adapter: 'sqlite' | 'cloudbase'
  /** SQLite file, or the emulator's serviceUrl */
  target: string
  worker: number
  workers: number
  now: string
  /** where the file sender appends one line per message sent */
  sentLog: string
  plan: Scenario[]
}

export type Scenario =
  | { name: 'approvals'; caseId: string; version: number; perWorker: number; as: string }
  | { name: 'submitsOneKey'; openid: string; orderId: string; skuId: string; key: string; perWorker: number }
  | { name: 'submitsManyKeys'; openid: string; orderId: string; skuId: string; perWorker: number }
  | { name: 'partialRefunds'; cases: { caseId: string; version: number }[]; amountFen: number; as: string }
  | { name: 'approvalRace'; caseId: string; version: number; agent: string; decider: string }
  | { name: 'staffRace'; toggler: { agent: string; deactivate: string; as: string } | null; submits: { openid: string; orderId: string; skuId: string }[] }
  | { name: 'timers'; role: 'scheduler' | 'dispatcher' | 'idle'; now: string }

const cfg = JSON.parse(process.argv[2]) as WorkerConfig

function openStore(): Store {
  if (cfg.adapter === 'sqlite') return new SqliteStore(cfg.target, { busyTimeoutMs: 30_000 })
  return new CloudBaseStore({ env: 'cross-process', secretId: 'local-id', secretKey: 'local-key', serviceUrl: cfg.target, timeout: 60_000, maxTxAttempts: 200 })
}

/** Appends one line per message: O_APPEND writes of a short line are atomic across processes. */
class FileSender implements SenderPort {
  async sendSubscribe(m: { touser: string; templateId: string; page: string; data: unknown }) {
    fs.appendFileSync(cfg.sentLog, `${JSON.stringify({ w: cfg.worker, to: m.touser, t: m.templateId, page: m.page })}\n`)
    return { errcode: 0, errmsg: 'ok' }
  }
  async notifyStaff(n: { to: string; text: string; caseId: string; kind: string }) {
    fs.appendFileSync(cfg.sentLog, `${JSON.stringify({ w: cfg.worker, to: n.to, caseId: n.caseId, kind: n.kind })}\n`)
    return { errcode: 0, errmsg: 'ok' }
  }
  async sendWecom(m: unknown) {
    fs.appendFileSync(cfg.sentLog, `${JSON.stringify({ w: cfg.worker, wecom: m })}\n`)
    return { errcode: 0, errmsg: 'ok' }
  }
}

const codeOf = (r: { ok: boolean; error?: { code: string; message?: string } }) => (r.ok ? 'ok' : process.env.XPROC_DEBUG ? `${r.error?.code} ${r.error?.message}` : r.error?.code ?? 'ERR')
const submitBody = (orderId: string, skuId: string) => ({
  orderId, claimedItems: [{ skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '瓶身有裂纹', evidence: [], desiredRemedy: 'refund',
})

async function main() {
  process.env.TENCENTCLOUD = 'true' // the SDK skips its metadata probe (see store.cloudbase.test.ts)
  process.env.SILENCE = 'true'
  const store = openStore()
  await store.init()
  let now = cfg.now
  const deps: Deps = {
    store,
    payments: new LocalPayments(store, () => now),
    media: new LocalMedia(store),
    now: () => now,
    newId: () => crypto.randomUUID(),
    log: (msg, err) => {
      if (process.env.XPROC_DEBUG) process.stderr.write(`[worker ${cfg.worker}] ${msg} ${err instanceof Error ? err.stack : String(err ?? '')}\n`)
    },
  }
  // As a client retries a call whose answer was lost (INTERNAL: a connection to the
  // emulator reset under this load) is retried with the same idempotency key; retries are counted.
  let retried = 0
  const withRetry = (f: ReturnType<typeof aftersaleFunction>): typeof f => async (event, identity) => {
    for (let i = 0; ; i++) {
      const r = await f(event, identity)
      if (r.ok || r.error.code !== 'INTERNAL' || i >= 3) return r
      retried++
    }
  }
  const buyer = withRetry(aftersaleFunction(deps))
  const staff = withRetry(adminFunction(deps))
  const lines = readline.createInterface({ input: process.stdin })
  const waiting = new Map<string, () => void>()
  lines.on('line', (l) => {
    const [cmd, name] = l.split(' ')
    if (cmd === 'go') waiting.get(name)?.()
  })
  const go = (name: string) =>
    new Promise<void>((resolve) => {
      waiting.set(name, resolve)
      process.stdout.write(`ready ${name}\n`)
    })
  const many = <T>(n: number, f: (i: number) => Promise<T>) => Promise.all(Array.from({ length: n }, (_, i) => f(i)))

  for (const s of cfg.plan) {
    await go(s.name)
    let out: unknown
    switch (s.name) {
      case 'approvals': {
        const r = await many(s.perWorker, () => staff({ action: 'approve', data: { caseId: s.caseId, expectedVersion: s.version } }, { openid: s.as }))
        out = r.map(codeOf)
        break
      }
      case 'submitsOneKey': {
        const r = await many(s.perWorker, () => buyer({ action: 'submit', data: submitBody(s.orderId, s.skuId), idempotencyKey: s.key }, { openid: s.openid }))
        out = r.map((x) => (x.ok ? (x.data as { case: { id: string } }).case.id : codeOf(x)))
        break
      }
      case 'submitsManyKeys': {
        const r = await many(s.perWorker, (i) => buyer({ action: 'submit', data: submitBody(s.orderId, s.skuId), idempotencyKey: `many-keys-${cfg.worker}-${i}` }, { openid: s.openid }))
        out = r.map((x) => (x.ok ? (x.data as { created: boolean }).created : codeOf(x)))
        break
      }
      case 'approvalRace': {
        // every process: the agent's over-limit approve (one wins and becomes the approval request) …
        const a = await staff({ action: 'approve', data: { caseId: s.caseId, expectedVersion: s.version } }, { openid: s.agent })
        // … then a supervisor / the owner approves what waits, if they see it
        const seen = await staff({ action: 'get_case', data: { caseId: s.caseId } }, { openid: s.decider })
        const view = seen.ok ? (seen.data as { version: number; approvals?: { id: string; status: string }[] }) : null
        const waiting = view?.approvals?.find((x) => x.status === 'pending')
        const d = waiting ? await staff({ action: 'decide_approval', data: { caseId: s.caseId, expectedVersion: view!.version, approvalId: waiting.id, decision: 'approved' } }, { openid: s.decider }) : null
        out = { approve: codeOf(a), decide: d ? codeOf(d) : 'none' }
        break
      }
      case 'partialRefunds': {
        const r = await Promise.all(s.cases.map((c) => staff({ action: 'approve', data: { caseId: c.caseId, expectedVersion: c.version, amountFen: s.amountFen, changeReason: '分几单补偿' } }, { openid: s.as })))
        out = r.map(codeOf)
        break
      }
      case 'staffRace': {
        const t = s.toggler
        const toggles = t
          ? (async () => {
              const codes: string[] = []
              // agent ends on duty after an odd number of toggles; the other agent is deactivated midway
              for (let i = 0; i < 7; i++) {
                codes.push(codeOf(await staff({ action: 'set_duty', data: { id: t.agent, onDuty: i % 2 === 0 } }, { openid: t.as })))
                if (i === 3) {
                  const cur = (await store.getStaff(t.deactivate))!
                  const { lastAssignedAt: _l, ...rest } = cur
                  void _l
                  codes.push(codeOf(await staff({ action: 'upsert_staff', data: { ...rest, active: false } }, { openid: t.as })))
                }
              }
              return codes
            })()
          : Promise.resolve([])
        const subs = Promise.all(s.submits.map((x, i) => buyer({ action: 'submit', data: submitBody(x.orderId, x.skuId), idempotencyKey: `race-${cfg.worker}-${i}` }, { openid: x.openid })))
        const [codes, r] = await Promise.all([toggles, subs])
        out = { toggles: codes, submits: r.map(codeOf) }
        break
      }
      case 'timers': {
        now = s.now
        if (s.role === 'scheduler') out = await runScheduler(deps)
        else if (s.role === 'dispatcher') out = await dispatchOutbox(deps, new FileSender(), { random: () => 0.5 })
        else out = null
        break
      }
    }
    process.stdout.write(`result ${s.name} ${JSON.stringify(out)}\n`)
    if (retried) process.stderr.write(`[worker ${cfg.worker}] ${s.name}: ${retried} calls retried after INTERNAL\n`)
    retried = 0
  }
  lines.close()
  await store.close()
}

main().catch((e) => {
  process.stderr.write(`worker ${cfg.worker} failed: ${e instanceof Error ? e.stack : String(e)}\n`)
  process.exit(1)
})
