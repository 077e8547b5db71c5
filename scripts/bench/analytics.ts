/**
 * The analytics page and the export over a SQLite file of 100k cases (issue #22: the analytics
 * page in ≤ 1 s locally): the `analytics` and `export_cases` actions through the admin function in
 * process, on the default range (the last 8 weeks) with every case inside it, second call after a
 * warm-up. The store aggregates (Store.caseStats; export pages with a projection), so the figure
 * grows with what SQLite scans, not with documents parsed in JavaScript.
 * Run alone: `tsx scripts/bench/analytics.ts [--small]`.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { AnalyticsView, CaseExport } from '@contract/actions'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { SMALL, le, size, type Figure } from './figures'
import { BENCH_NOW, DAY, benchDeps, caseTemplates, loadPopulation, openStore, type Template } from './population'

export interface AnalyticsBench {
  cases: number
  analyticsMs: number
  view: AnalyticsView
  exportMs: number
  exported: CaseExport
  loadPerSec: number
}

async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  await f() // warm-up (JIT, page cache)
  const t0 = process.hrtime.bigint()
  const value = await f()
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, value }
}

export async function runAnalyticsBench(dir: string, templates: Template[]): Promise<AnalyticsBench> {
  const cases = size(100_000, 500)
  const file = path.join(dir, `analytics-${cases}.db`)
  const store = await openStore(file)
  try {
    await seedDemoShop(store, BENCH_NOW)
    // 50 days back: every case inside the default range (8 shop-time weeks up to now)
    const loadPerSec = await loadPopulation(store, templates, BENCH_NOW, { cases, buyers: 500, spreadMs: 50 * DAY, prefix: 'an' })
    const admin = adminFunction(benchDeps(store, () => BENCH_NOW))
    const call = async <T>(action: string, data: Record<string, unknown>) => {
      const r = await admin({ action, data }, { openid: 'staff-owner' })
      if (!r.ok) throw new Error(`${action} failed: ${JSON.stringify(r.error)}`)
      return r.data as T
    }
    const a = await timed(() => call<AnalyticsView>('analytics', {}))
    const e = await timed(() => call<CaseExport>('export_cases', {}))
    return { cases, analyticsMs: a.ms, view: a.value, exportMs: e.ms, exported: e.value, loadPerSec }
  } finally {
    await store.close()
    for (const f of [file, `${file}-wal`, `${file}-shm`]) fs.rmSync(f, { force: true })
  }
}

export function analyticsReport(r: AnalyticsBench) {
  const v = r.view
  console.log(`Analytics and export (admin fn in process, SQLite file, ${r.cases} cases in the default 8-week range; second call after one warm-up)`)
  console.log(`  analytics: ${r.analyticsMs.toFixed(0)} ms → ${v.totalCases} cases${v.truncated ? ' (truncated)' : ''}, ${v.byReason.length} reasons, ${v.bySku.length} SKUs,`
    + ` ${v.rising.length} rising, SLA overall ${v.sla.overall.total} measured, money ${(v.money.totalFen / 100).toFixed(2)} yuan`)
  console.log(`  export_cases: ${r.exportMs.toFixed(0)} ms → ${r.exported.rows} rows${r.exported.truncated ? ' (capped)' : ''}, ${(r.exported.csv.length / 1024).toFixed(0)} KB of CSV`)
  console.log(`  (population loaded at ${Math.round(r.loadPerSec)} cases/s)`)
}

export function analyticsFigures(r: AnalyticsBench): Figure[] {
  const k = r.cases >= 1000 ? `${r.cases / 1000}k` : String(r.cases)
  return [
    { bench: 'analytics', name: `analytics page, ${k} cases in range`, value: r.analyticsMs, unit: 'ms', budget: le(1000) },
    { bench: 'analytics', name: `export, ${k} cases in range (${r.exported.rows} rows written)`, value: r.exportMs, unit: 'ms' },
  ]
}

if (require.main === module) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-analytics-'))
  caseTemplates(BENCH_NOW, SMALL ? 1 : 4)
    .then((t) => runAnalyticsBench(dir, t))
    .then((r) => {
      analyticsReport(r)
      for (const f of analyticsFigures(r)) console.log(`${f.name}: ${f.value?.toFixed(0)} ${f.unit}`)
    })
    .catch((e) => {
      console.error(e)
      process.exitCode = 1
    })
    .finally(() => fs.rmSync(dir, { recursive: true, force: true }))
}
