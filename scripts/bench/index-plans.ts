/**
 * Which index each query of the SQLite store on `cases` uses: runs every read the app makes on
 * cases (each queue tab with each extra filter the queue accepts, page and count; the buyer
 * lists; the order guard; the scheduler; the batch watch; the what-if and export ranges; the
 * buyer standing counts) against a small population, captures the SQL the store prepared, and
 * prints EXPLAIN QUERY PLAN for each, then the indexes of `cases` and `outbox` no query used.
 * An index none uses only costs every write. Usage: npx tsx scripts/bench/index-plans.ts [-v]
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type Database from 'better-sqlite3'
import type { QueueFilter } from '../../cloudfunctions/ports/store'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { BENCH_NOW, at, caseTemplates, loadPopulation, openStore, MINUTE } from './population'

const VERBOSE = process.argv.includes('-v')

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'index-plans-'))
  try {
    const store = await openStore(path.join(dir, 'plans.db'))
    await seedDemoShop(store, BENCH_NOW)
    const templates = await caseTemplates(BENCH_NOW, 1)
    await loadPopulation(store, templates, BENCH_NOW, { cases: 500, buyers: 50, spreadMs: 40 * MINUTE })
    const db = store['db'] as Database.Database

    // every statement the store runs from here on, with the parameters of its first run
    const seen = new Map<string, unknown[]>()
    const prepare = db.prepare.bind(db)
    db.prepare = ((sql: string) => {
      const s = prepare(sql)
      for (const m of ['all', 'get', 'run', 'iterate'] as const) {
        const orig = s[m].bind(s) as (...a: unknown[]) => unknown
        ;(s as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => {
          if (!seen.has(sql)) seen.set(sql, a)
          return orig(...a)
        }
      }
      return s
    }) as typeof db.prepare
    store['stmts'].clear()

    const now = BENCH_NOW
    const me = 'staff-amy'
    const tabs: Array<[string, QueueFilter, 'due_asc' | 'created_desc']> = [
      ['mine', { assigneeId: me, open: true }, 'due_asc'],
      ['team', { team: 'quality', open: true }, 'due_asc'],
      ['unassigned', { unassigned: true, open: true }, 'due_asc'],
      ['overdue', { slaState: { state: 'breached', at: now }, open: true }, 'due_asc'],
      ['escalated', { escalated: true, open: true }, 'due_asc'],
      ['all', {}, 'created_desc'],
    ]
    const extras: Array<[string, QueueFilter]> = [
      ['', {}],
      ['+status', { status: ['submitted', 'in_review'] }],
      ['+severity', { severity: 'P1' }],
      ['+reason', { reason: 'quality_defect' }],
      ['+warning', { slaState: { state: 'warning', at: now } }],
      ['+on_time', { slaState: { state: 'on_time', at: now } }],
      ['+range', { createdFrom: at(now, -7 * 86_400_000), createdTo: now }],
      ['+team', { team: 'quality' }],
    ]
    const shapes: Array<[string, () => Promise<unknown>]> = []
    for (const [t, f, order] of tabs) {
      for (const [x, e] of extras) {
        const filter = { ...f, ...e }
        shapes.push([`queue ${t}${x} page`, () => store.listCaseLines(filter, { limit: 20, order })])
        shapes.push([`queue ${t}${x} page 2`, async () => {
          const p = await store.listCaseLines(filter, { limit: 1, order })
          if (p.next) await store.listCaseLines(filter, { limit: 20, order, cursor: p.next })
        }])
      }
      shapes.push([`queue ${t} count`, () => store.countCases(f, 1000)])
    }
    const buyer = 'pb-3'
    shapes.push(
      ['buyer list (list_cases, get_case siblings)', () => store.listCases({ buyerOpenid: buyer }, { limit: 20 })],
      ['buyer list lines', () => store.listCaseLines({ buyerOpenid: buyer }, { limit: 20 })],
      ['buyer open case refs (orders)', () => store.listCaseRefs({ buyerOpenid: buyer, open: true }, 100)],
      ['buyer standing counts', () => store.buyerCaseCounts([buyer, 'pb-4'], at(now, -90 * 86_400_000), { refunded: 3, risk: 3 })],
      ['order guard', () => store.getOrderGuard('po-3')],
      ['case by id', () => store.getCase('pc-0000003')],
      ['scheduler: SLA due', () => store.dueCases(now, 200)],
      ['scheduler: tasks due', () => store.dueTaskCases(now, 200)],
      ['task tab page', () => store.listTaskCases({ kind: 'review', owner: me }, { limit: 20 })],
      ['batch watch count', () => store.countCases({ batch: { skuId: 'SKU-1', batch: 'B1' }, createdFrom: at(now, -86_400_000) }, 5)],
      ['batch watch window', () => store.listCases({ batch: { skuId: 'SKU-1', batch: 'B1' }, createdFrom: at(now, -86_400_000) }, { limit: 500, order: 'created_desc' })],
      ['batch buyer count', () => store.countCases({ buyerOpenid: buyer, batch: { skuId: 'SKU-1', batch: 'B1' } }, 1)],
      ['what-if range', () => store.listCases({ createdFrom: at(now, -7 * 86_400_000), createdTo: now }, { limit: 500, order: 'created_desc' })],
      ['open-case count (bench)', () => store.countCases({ open: true })],
      ['open queue (bench)', () => store.listCases({ open: true }, { limit: 20, order: 'due_asc' })],
      ['outbox claim', () => store.claimOutbox(now, 100, at(now, MINUTE), 'k')],
      ['outbox pending', () => store.pendingOutbox(now, 100)],
      ['outbox of a case', () => store.listOutbox({ caseId: 'pc-0000003' }, 100)],
      ['outbox by status', () => store.listOutbox({ status: 'failed' }, 100)],
    )
    for (const [x, e] of extras.slice(0, 4).concat([['+team', { team: 'quality' }]])) {
      const filter = { createdFrom: at(now, -56 * 86_400_000), ...e }
      shapes.push([`export${x}`, () => store.listCaseRows(filter, { limit: 500 })])
      shapes.push([`analytics${x}`, () => store.caseStats(filter, { weekBounds: [at(now, -14 * 86_400_000), at(now, -7 * 86_400_000), now], now })])
    }

    const indexes = (table: string) => (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?`).pluck().all(table) as string[])
    const tables = ['cases', 'outbox']
    const all = new Set(tables.flatMap(indexes))
    const used = new Map<string, string[]>()
    for (const [label, run] of shapes) {
      seen.clear()
      await run()
      for (const [sql, params] of seen) {
        if (!/\bcases\b|\boutbox\b/.test(sql) || /^\s*INSERT/i.test(sql)) continue
        const plan = prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as unknown[])) as { detail: string }[]
        const details = plan.map((p) => p.detail)
        const names = details.flatMap((d) => [...d.matchAll(/(?:USING (?:COVERING )?INDEX|USING INTEGER PRIMARY KEY|PRIMARY KEY) ?(\w+)?/g)].map((m) => m[1]).filter(Boolean))
        for (const n of names) used.set(n, [...(used.get(n) ?? []), label])
        const scans = details.filter((d) => /^SCAN (cases|c|outbox)\b(?! USING)/.test(d))
        const sorts = details.some((d) => /TEMP B-TREE/.test(d)) ? '  (sorts)' : ''
        console.log(`${label}: ${[...new Set(names)].join(', ') || '—'}${sorts}${scans.length ? `  [${scans.join('; ')}]` : ''}`)
        if (VERBOSE) console.log(`    ${sql.replace(/\s+/g, ' ')}\n    ${details.join('\n    ')}`)
      }
    }
    console.log('')
    for (const n of [...all].sort()) console.log(`${used.has(n) ? 'used  ' : 'UNUSED'} ${n}${used.has(n) ? `  (${new Set(used.get(n)).size} shapes)` : ''}`)
    console.log('(sqlite_autoindex_*: a PRIMARY KEY / UNIQUE constraint — case_no is unique — kept whether a read uses it or not)')
    await store.close()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
