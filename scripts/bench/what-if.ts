/**
 * Policy what-if (`preview_policy` through the admin function, in process) over a SQLite file:
 * 10k cases created in the last 30 days, and 100k cases of which the last 30 days hold 10k
 * (paging reads the range through the created_at index, not the whole store) or all 100k (one
 * run stops at WHAT_IF_MAX_CASES and says so). Also what other requests wait meanwhile: while a
 * 10k run goes on, a buyer's `list_cases` every 5 ms in the same process (the run yields between
 * slices), and the event loop's longest delay. Run alone: `tsx scripts/bench/what-if.ts`
 * (`… what-if.ts latency` for the latency figure only).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import type { WhatIfView } from '@contract/actions'
import { defaultPolicy, type Policy } from '@contract/policy'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { WHAT_IF_MAX_CASES } from '../../cloudfunctions/app/usecases/policy-what-if'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { size } from './figures'
import { BENCH_NOW, DAY, benchDeps, caseTemplates, loadPopulation, openStore, type Template } from './population'

/** Money only: ¥15 a day late, approval above ¥150 (no case's clocks need re-running). */
export function moneyDraft(p: Policy = defaultPolicy): Policy {
  return { ...p, compensation: { ...p.compensation, latePerDayFen: 1500, approvalThresholdFen: 15000 } }
}

/** The worst case: P2 answered within an hour and a safety word every bench case contains (裂纹), so every case becomes P1 and its clocks are re-run. */
export function benchDraft(p: Policy = defaultPolicy): Policy {
  const m = moneyDraft(p)
  return {
    ...m,
    sla: { ...p.sla, targets: { ...p.sla.targets, P2: { ...p.sla.targets.P2, firstResponse: { minutes: 60, clock: 'business' } } } },
    safetyKeywords: [...p.safetyKeywords, '裂纹'],
  }
}

export interface WhatIfRun {
  label: string
  stored: number
  ms: number
  view: WhatIfView
  /** other requests answered during the run: how many, their p50 / p99 / max wait (ms, from when each was due), the event loop's longest delay */
  others?: { served: number; p50: number; p99: number; max: number; loopMaxMs: number }
}

type Admin = ReturnType<typeof adminFunction>

async function timed(admin: Admin, label: string, stored: number, data: Record<string, unknown>): Promise<WhatIfRun> {
  const call = async () => {
    const r = await admin({ action: 'preview_policy', data }, { openid: 'staff-owner' })
    if (!r.ok) throw new Error(`preview_policy failed: ${JSON.stringify(r.error)}`)
    return r.data as WhatIfView
  }
  await call() // warm-up (JIT, page cache)
  const t0 = process.hrtime.bigint()
  const view = await call()
  return { label, stored, ms: Number(process.hrtime.bigint() - t0) / 1e6, view }
}

/** The run as above, with a buyer's `list_cases` due every 5 ms meanwhile; each waits from when it was due. */
async function withTraffic(admin: Admin, buyer: ReturnType<typeof aftersaleFunction>, label: string, stored: number, data: Record<string, unknown>): Promise<WhatIfRun> {
  await admin({ action: 'preview_policy', data }, { openid: 'staff-owner' }) // warm-up
  const waits: number[] = []
  let running = true
  const traffic = (async () => {
    let due = performance.now()
    while (running) {
      due += 5
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
      const r = await buyer({ action: 'list_cases', data: { limit: 20 } }, { openid: 'buyer-zhao' })
      if (!r.ok) throw new Error(`list_cases failed: ${JSON.stringify(r.error)}`)
      const now = performance.now()
      waits.push(now - due)
      due = Math.max(due, now)
    }
  })()
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const t0 = process.hrtime.bigint()
  const r = await admin({ action: 'preview_policy', data }, { openid: 'staff-owner' })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  loop.disable()
  running = false
  await traffic
  if (!r.ok) throw new Error(`preview_policy failed: ${JSON.stringify(r.error)}`)
  const sorted = waits.sort((a, b) => a - b)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN
  return { label, stored, ms, view: r.data as WhatIfView, others: { served: sorted.length, p50: q(0.5), p99: q(0.99), max: sorted[sorted.length - 1] ?? NaN, loopMaxMs: loop.max / 1e6 } }
}

async function population(dir: string, templates: Template[], stored: number, spreadDays: number, runs: (admin: Admin, buyer: ReturnType<typeof aftersaleFunction>) => Promise<WhatIfRun[]>) {
  const file = path.join(dir, `whatif-${stored}.db`)
  const store = await openStore(file)
  try {
    await seedDemoShop(store, BENCH_NOW)
    await loadPopulation(store, templates, BENCH_NOW, { cases: stored, buyers: 500, spreadMs: spreadDays * DAY, prefix: 'wi' })
    const deps = benchDeps(store, () => BENCH_NOW)
    return await runs(adminFunction(deps), aftersaleFunction(deps))
  } finally {
    await store.close()
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  }
}

/** Other requests during a 10k run only. */
export async function runWhatIfLatency(dir: string, templates: Template[]): Promise<WhatIfRun[]> {
  return population(dir, templates, 10_000, 30, async (admin, buyer) => [
    await withTraffic(admin, buyer, '10k in range, re-clocked, buyer list_cases every 5 ms', 10_000, { policy: benchDraft() }),
  ])
}

export async function runWhatIfBench(dir: string, templates: Template[]): Promise<WhatIfRun[]> {
  const [a, b] = [size(10_000, 300), size(100_000, 600)]
  const k = (n: number) => (n >= 1000 ? `${n / 1000}k` : String(n))
  const small = await population(dir, templates, a, 30, async (admin, buyer) => [
    await timed(admin, `${k(a)} stored, ${k(a)} in range: money-only draft`, a, { policy: moneyDraft() }),
    await timed(admin, `${k(a)} stored, ${k(a)} in range: every case re-clocked`, a, { policy: benchDraft() }),
    await withTraffic(admin, buyer, `${k(a)} in range, re-clocked, buyer list_cases every 5 ms`, a, { policy: benchDraft() }),
  ])
  const yearAgo = new Date(Date.parse(BENCH_NOW) - 300 * DAY).toISOString()
  const large = await population(dir, templates, b, 300, async (admin) => [
    await timed(admin, `${k(b)} stored, ${k(b / 10)} in range: every case re-clocked`, b, { policy: benchDraft() }),
    await timed(admin, `${k(b)} stored, 300 days in range (cap ${WHAT_IF_MAX_CASES / 1000}k): re-clocked`, b, { policy: benchDraft(), from: yearAgo }),
  ])
  return [...small, ...large]
}

export function whatIfReport(runs: WhatIfRun[]) {
  console.log('Policy what-if (preview_policy, admin fn in process, last 30 days; second call, after one warm-up)')
  for (const r of runs) {
    const v = r.view
    const per = v.cases ? (r.ms * 1000) / v.cases : 0
    console.log(
      `  ${r.label.padEnd(62)}${`${Math.round(r.ms)} ms`.padStart(10)}  ${v.cases} replayed${v.truncated ? ' (truncated)' : ''}, ${per.toFixed(0)} µs/case,`
        + ` ${v.changedCases} changed, money ${v.money.diffFen >= 0 ? '+' : ''}${(v.money.diffFen / 100).toFixed(2)} yuan`,
    )
    const o = r.others
    if (o) {
      console.log(
        `    meanwhile: ${o.served} other requests answered, wait p50 ${o.p50.toFixed(1)} ms, p99 ${o.p99.toFixed(1)} ms, max ${o.max.toFixed(1)} ms`
          + ` (target ≤ 100 ms: ${o.max <= 100 ? 'MET' : 'MISSED'}); event loop delay max ${o.loopMaxMs.toFixed(1)} ms`,
      )
    }
  }
}

if (require.main === module) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-whatif-'))
  caseTemplates(BENCH_NOW)
    .then((t) => (process.argv[2] === 'latency' ? runWhatIfLatency(dir, t) : runWhatIfBench(dir, t)))
    .then(whatIfReport)
    .catch((e) => {
      console.error(e)
      process.exitCode = 1
    })
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }))
}
