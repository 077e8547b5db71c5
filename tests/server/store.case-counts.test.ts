/**
 * The queue's maintained counts (SQLite case_counts, kept by triggers on `cases`) on a file whose
 * triggers an earlier version wrote (an upsert per counter): opening it with this version replaces
 * them, the counts carry on exactly, and every kind of write keeps them equal to a COUNT.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import type { Case } from '@contract/domain'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { makeCase, nextVersion } from './fixtures'

/** The counters' triggers as the version before 2026-12-08 wrote them. */
const OLD_KEYS = [
  "'all'",
  "CASE WHEN $.open = 1 THEN 'team:' || $.team END",
  "CASE WHEN $.open = 1 THEN (CASE WHEN $.assignee_id IS NULL THEN 'unassigned' ELSE 'assignee:' || $.assignee_id END) END",
  "CASE WHEN $.open = 1 AND $.escalated = 1 THEN 'escalated' END",
]
const oldStep = (row: string, sign: 1 | -1, keys = OLD_KEYS) =>
  keys.map((e) => {
    const k = e.replaceAll('$.', `${row}.`)
    return sign > 0 ? `INSERT INTO case_counts (key, n) SELECT ${k}, 1 WHERE ${k} IS NOT NULL ON CONFLICT(key) DO UPDATE SET n = n + 1;` : `UPDATE case_counts SET n = n - 1 WHERE key = ${k};`
  }).join('\n')
const OLD_TRIGGERS = `
  CREATE TRIGGER cases_count_insert AFTER INSERT ON cases BEGIN ${oldStep('NEW', 1)} END;
  CREATE TRIGGER cases_count_delete AFTER DELETE ON cases BEGIN ${oldStep('OLD', -1)} END;
  CREATE TRIGGER cases_count_update AFTER UPDATE OF open, team, assignee_id, escalated ON cases
  WHEN OLD.open IS NOT NEW.open OR OLD.team IS NOT NEW.team OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.escalated IS NOT NEW.escalated BEGIN
    ${oldStep('OLD', -1, OLD_KEYS.slice(1))} ${oldStep('NEW', 1, OLD_KEYS.slice(1))} END;`

/** Every counter against a COUNT of the rows it stands for. */
function countsAndTruth(file: string) {
  const db = new Database(file, { readonly: true })
  try {
    const counters = Object.fromEntries((db.prepare('SELECT key, n FROM case_counts WHERE n > 0 ORDER BY key').all() as { key: string; n: number }[]).map((r) => [r.key, r.n]))
    const truth: Record<string, number> = {}
    const add = (k: string | null) => k && (truth[k] = (truth[k] ?? 0) + 1)
    for (const r of db.prepare('SELECT open, team, assignee_id, escalated FROM cases').all() as { open: number; team: string; assignee_id: string | null; escalated: number }[]) {
      add('all')
      if (r.open) {
        add(`team:${r.team}`)
        add(r.assignee_id === null ? 'unassigned' : `assignee:${r.assignee_id}`)
        if (r.escalated) add('escalated')
      }
    }
    const triggers = (db.prepare("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'cases'").all() as { sql: string }[]).map((r) => r.sql)
    return { counters, truth: Object.fromEntries(Object.entries(truth).sort(([a], [b]) => (a < b ? -1 : 1))), triggers }
  } finally {
    db.close()
  }
}

describe('SQLite store: the queue counters on a file with the earlier triggers', () => {
  let dir: string
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-counts-'))
  })
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }))

  it('opening it replaces the triggers once, and the counts stay exact through creates, saves, reassignments and closes', async () => {
    const file = path.join(dir, 'desk.db')
    let store = new SqliteStore(file)
    await store.init()
    const cases: Case[] = [
      makeCase({ team: 'quality', assigneeId: 'amy', flags: { escalated: true } }),
      makeCase({ team: 'logistics', assigneeId: null }),
    ]
    for (const c of cases) await store.createCase(c, [])
    await store.close()
    // the file as the earlier version left it: its triggers, no version mark
    const raw = new Database(file)
    raw.exec('DROP TRIGGER cases_count_insert; DROP TRIGGER cases_count_delete; DROP TRIGGER cases_count_update')
    raw.exec(OLD_TRIGGERS)
    raw.exec("DELETE FROM counters WHERE name = 'case_count_triggers'")
    raw.close()
    expect(countsAndTruth(file).triggers.join('\n')).toContain('ON CONFLICT')

    store = new SqliteStore(file)
    await store.init()
    const after = countsAndTruth(file)
    expect(after.triggers).toHaveLength(3)
    expect(after.triggers.join('\n')).not.toContain('ON CONFLICT')
    expect(after.counters).toEqual(after.truth)

    // a new team and agent (their counters created by the trigger), a reassignment, a close
    const more = [makeCase({ team: 'warehouse', assigneeId: 'bo' }), makeCase({ team: 'quality', assigneeId: 'amy' })]
    for (const c of more) await store.createCase(c, [])
    await store.saveCase(nextVersion(more[0], { assigneeId: 'cai', flags: { ...more[0].flags, escalated: true } }), 1, [])
    await store.saveCase(nextVersion(cases[0], { status: 'closed', sla: { ...cases[0].sla, stoppedAt: cases[0].createdAt } }), 1, [])
    const end = countsAndTruth(file)
    expect(end.counters).toEqual(end.truth)
    expect(end.counters).toMatchObject({ all: 4, 'team:warehouse': 1, 'assignee:cai': 1, 'assignee:amy': 1, escalated: 1, unassigned: 1 })
    expect(await store.countCases({ open: true, assigneeId: 'amy' })).toBe(1)
    await store.close()

    // a second open leaves the triggers alone (they are of this version)
    store = new SqliteStore(file)
    await store.init()
    expect(countsAndTruth(file)).toEqual(end)
    await store.close()
  })
})
