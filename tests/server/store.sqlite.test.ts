import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { storeContract } from './store-contract'
import Database from 'better-sqlite3'
import type { Case } from '@contract/domain'
import { caseLine } from '../../cloudfunctions/app/views'
import { HOUR, T0, at, makeCase, nextVersion } from './fixtures'

storeContract('sqlite :memory:', async () => new SqliteStore(':memory:'))

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})
storeContract('sqlite file (WAL)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'store-contract-'))
  dirs.push(dir)
  return new SqliteStore(join(dir, 'desk.db'))
})

describe('SqliteStore specifics', () => {
  it('keeps acknowledged writes across a reopen of the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-reopen-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    const c = makeCase()
    await a.createCase(c, [])
    const n = nextVersion(c, { status: 'in_review' })
    await a.saveCase(n, 1, [])
    await a.close()
    const b = new SqliteStore(file)
    await b.init()
    expect(await b.getCase(c.id)).toEqual(n)
    await b.close()
  })

  it('re-derives every stored case once when the file was indexed by an older derivation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-reindex-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    const late = makeCase({ createdAt: at(T0, -10 * HOUR), sla: { breachedAt: at(T0, -5 * HOUR), breachedTarget: 'first_response', warnedAt: at(T0, -6 * HOUR) } })
    await a.createCase(late, [])
    await a.close()
    // what the previous derivation stored: a marked breach sorted last, index version 2
    const raw = new Database(file)
    raw.prepare("UPDATE cases SET due_sort = '9999-12-31T23:59:59.999Z' WHERE id = ?").run(late.id)
    raw.pragma('user_version = 2')
    raw.close()
    const b = new SqliteStore(file)
    await b.init()
    await b.close()
    const check = new Database(file, { readonly: true })
    expect(check.prepare('SELECT due_sort FROM cases WHERE id = ?').get(late.id)).toEqual({ due_sort: late.sla.firstResponse.dueAt })
    expect(check.pragma('user_version', { simple: true })).toBeGreaterThan(2)
    check.close()
  })

  it('answers the queue tab counts and agent loads as the cases stand after any mix of writes, also on a file written before the counters', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-counts-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    let seed = 7 // mulberry32
    const rnd = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return (((t ^ (t >>> 14)) >>> 0) % n)
    }
    const teams = ['general', 'logistics', 'quality', 'warehouse'] as const
    const agents = ['a1', 'a2', null] as const
    const statuses = ['submitted', 'in_review', 'closed', 'resolved'] as const
    const pick = <T,>(xs: readonly T[]) => xs[rnd(xs.length)]
    const shape = () => ({ team: pick(teams), assigneeId: pick(agents), status: pick(statuses) })
    const escalated = () => rnd(3) === 0
    const tabs = [{}, { open: true }, ...teams.map((team) => ({ open: true, team })), ...agents.map((assigneeId) => ({ open: true, assigneeId })), { open: true, unassigned: true }, { open: true, escalated: true }]
    const expectCounts = async (s: SqliteStore) => {
      const open = (await s.listCases({}, { limit: 1000 })).items.filter((c) => !['closed', 'resolved'].includes(c.status))
      for (const f of tabs) {
        const truth = (await s.listCases(f, { limit: 1000 })).items.length
        expect({ f, n: await s.countCases(f) }).toEqual({ f, n: truth })
        expect({ f, n: await s.countCases(f, 3) }).toEqual({ f, n: Math.min(3, truth) })
      }
      expect(await s.openCaseCounts(['a1', 'a2', 'nobody'])).toEqual({ a1: open.filter((c) => c.assigneeId === 'a1').length, a2: open.filter((c) => c.assigneeId === 'a2').length, nobody: 0 })
    }
    const a = new SqliteStore(file)
    await a.init()
    let cases = [] as Case[]
    for (let i = 0; i < 30; i++) {
      const c = makeCase({ ...shape(), flags: { escalated: escalated() } })
      await a.createCase(c, [])
      cases.push(c)
    }
    await expectCounts(a)
    for (let i = 0; i < 120; i++) {
      const k = rnd(cases.length)
      const c = cases[k]
      const next = nextVersion(c, rnd(4) === 0 ? { severity: 'P1' } : { ...shape(), flags: { ...c.flags, escalated: escalated() } }) // some saves change nothing counted
      await a.saveCase(next, c.version, [])
      cases = cases.map((x, j) => (j === k ? next : x))
      if (i % 30 === 29) await expectCounts(a)
    }
    await a.close()
    // the file as a version before the counters left it (its writes kept no counts)
    const raw = new Database(file)
    raw.exec('DROP TRIGGER cases_count_insert; DROP TRIGGER cases_count_update; DROP TRIGGER cases_count_delete; DROP TABLE case_counts')
    raw.close()
    const b = new SqliteStore(file)
    await b.init()
    await expectCounts(b)
    await b.createCase(makeCase({ ...shape(), flags: { escalated: escalated() } }), [])
    await expectCounts(b)
    await b.close()
  })

  it('lists each case as the line its current document gives, also where the stored line is missing or of another derivation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-lines-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    const cases: Case[] = []
    for (let i = 0; i < 6; i++) {
      const c = makeCase({ createdAt: at(T0, i * 60_000), assigneeId: i % 2 ? 'a1' : null })
      await a.createCase(c, [])
      cases.push(c)
    }
    // saved later: the line follows the document (status, assignee, escalation, version)
    const moved = nextVersion(cases[2], { status: 'in_review', assigneeId: 'a2', flags: { ...cases[2].flags, escalated: true } })
    await a.saveCase(moved, cases[2].version, [])
    const same = async (s: SqliteStore, f: Parameters<SqliteStore['listCases']>[0], order: 'created_desc' | 'due_asc') => {
      const lines = await s.listCaseLines(f, { limit: 4, order })
      const docs = await s.listCases(f, { limit: 4, order })
      expect(lines.items).toEqual(docs.items.map(caseLine))
      expect(lines.next).toBe(docs.next)
      const rest = await s.listCaseLines(f, { limit: 4, order, cursor: lines.next })
      expect(rest.items).toEqual((await s.listCases(f, { limit: 4, order, cursor: docs.next })).items.map(caseLine))
    }
    await same(a, {}, 'created_desc')
    await same(a, { open: true }, 'due_asc')
    expect((await a.listCaseLines({ assigneeId: 'a2' }, { limit: 5 })).items.map((l) => [l.row.id, l.row.status, l.row.escalated, l.row.version])).toEqual([[moved.id, 'in_review', true, 2]])
    await a.close()
    // lines as an older derivation or a version before lines left them
    const raw = new Database(file)
    raw.prepare("UPDATE cases SET line = json_set(line, '$.v', 0, '$.row.title', 'stale') WHERE id = ?").run(cases[0].id)
    raw.prepare('UPDATE cases SET line = NULL WHERE id = ?').run(cases[1].id)
    raw.close()
    const b = new SqliteStore(file) // same derivation version recorded: serves the stale rows' documents meanwhile
    await b.init()
    await same(b, {}, 'created_desc')
    await b.close()
    const raw2 = new Database(file)
    raw2.prepare("UPDATE counters SET value = 0 WHERE name = 'case_line_version'").run()
    raw2.close()
    const c = new SqliteStore(file) // another derivation recorded: every line derived again on open
    await c.init()
    await c.close()
    const check = new Database(file, { readonly: true })
    const stored = check.prepare('SELECT id, line FROM cases ORDER BY created_at DESC, id DESC').all() as { id: string; line: string }[]
    check.close()
    const d = new SqliteStore(file)
    await d.init()
    expect(stored.map((r) => JSON.parse(r.line))).toEqual((await d.listCases({}, { limit: 10 })).items.map(caseLine))
    await d.close()
  })

  it('migrates a file written before the 差评 / 回访 facts: adds the columns and fills them from the stored cases', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-facts-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    const c = makeCase({ followUp: { dueAt: at(T0, HOUR), remindedAt: null, outcome: 'satisfied', doneAt: at(T0, 2 * HOUR) } })
    await a.createCase(c, [])
    await a.close()
    // the file as CASE_INDEX_VERSION 6 left it: no 差评 / 回访 columns
    const raw = new Database(file)
    raw.exec('DROP INDEX case_facts_rv; DROP INDEX case_facts_visit; ALTER TABLE case_facts DROP COLUMN rv; ALTER TABLE case_facts DROP COLUMN rv_due; ALTER TABLE case_facts DROP COLUMN rv_out; ALTER TABLE case_facts DROP COLUMN visit')
    raw.pragma('user_version = 6')
    raw.close()
    const b = new SqliteStore(file)
    await b.init()
    const stats = await b.caseStats({}, { weekBounds: [], now: at(T0, 3 * HOUR) })
    expect(stats.visits).toEqual([{ outcome: 'satisfied', n: 1 }])
    await b.close()
  })

  it('migrates a file written before the SLA-state columns: adds, backfills and indexes them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-migrate-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    const fresh = makeCase()
    const breached = makeCase({ sla: { breachedAt: at(T0, 4 * HOUR), breachedTarget: 'first_response' } })
    await a.createCase(fresh, [])
    await a.createCase(breached, [])
    await a.close()
    // the file as the previous version left it: no SLA-state columns, the old queue index
    const raw = new Database(file)
    raw.exec(`DROP INDEX cases_assignee_open; DROP INDEX cases_team_open;
      DROP INDEX cases_escalated_open; DROP INDEX cases_created_asc; DROP INDEX cases_breach_open;
      ALTER TABLE cases DROP COLUMN sla_warn_at; ALTER TABLE cases DROP COLUMN sla_breach_at;
      CREATE INDEX cases_open_due ON cases (open, due_sort, id); CREATE INDEX cases_open_assignee ON cases (open, assignee_id);
      CREATE INDEX cases_created ON cases (created_at DESC, id DESC);`)
    raw.close()

    const b = new SqliteStore(file)
    await b.init()
    const ids = async (state: 'on_time' | 'warning' | 'breached', h: number) =>
      (await b.listCases({ slaState: { state, at: at(T0, h * HOUR) } }, { limit: 10, order: 'due_asc' })).items.map((c) => c.id).sort()
    expect(await ids('breached', 1)).toEqual([breached.id])
    expect(await ids('on_time', 1)).toEqual([fresh.id])
    expect(await ids('warning', 3.5)).toEqual([fresh.id])
    expect(await ids('breached', 5)).toEqual([fresh.id, breached.id].sort())
    await b.close()
    const check = new Database(file, { readonly: true })
    const indexes = (check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases'").all() as { name: string }[]).map((r) => r.name)
    expect(indexes).toEqual(expect.arrayContaining(['cases_assignee_open', 'cases_team_open', 'cases_escalated_open', 'cases_created_asc', 'cases_breach_open']))
    for (const old of ['cases_open_due', 'cases_open_assignee', 'cases_created']) expect(indexes).not.toContain(old)
    expect(check.prepare('SELECT COUNT(*) AS n FROM cases WHERE sla_warn_at IS NULL OR sla_breach_at IS NULL').get()).toEqual({ n: 0 })
    // each tab's page with an SLA filter walks its queue index in order (no temporary sort)
    const plan = (sql: string, ...params: unknown[]) =>
      (check.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((p) => p.detail).join(' | ')
    const tabs: [string, string, unknown[]][] = [
      ['cases_assignee_open', "assignee_id = 'a1' AND open = 1 AND sla_breach_at < ? ORDER BY due_sort, id", [T0]],
      ['cases_assignee_open', 'assignee_id IS NULL AND open = 1 AND sla_warn_at > ? ORDER BY due_sort, id', [T0]],
      ['cases_team_open', "team = 'quality' AND open = 1 AND sla_warn_at <= ? AND sla_breach_at >= ? ORDER BY due_sort, id", [T0, T0]],
      ['cases_escalated_open', 'escalated = 1 AND open = 1 AND sla_warn_at > ? ORDER BY due_sort, id', [T0]],
      ['cases_created_asc', 'sla_breach_at < ? ORDER BY created_at DESC, id DESC', [T0]],
    ]
    for (const [index, where, params] of tabs) {
      const p = plan(`SELECT id FROM cases WHERE ${where} LIMIT 21`, ...params)
      expect(p).toMatch(new RegExp(`USING (COVERING )?INDEX ${index}\\b`))
      expect(p).not.toMatch(/TEMP B-TREE/)
    }
    check.close()
    // a second open finds nothing to do
    const c2 = new SqliteStore(file)
    await c2.init()
    expect((await c2.getCase(fresh.id))?.id).toBe(fresh.id)
    await c2.close()
  })

  it('migrates a file with the queue indexes of 2026-12-07: every tab answers as before, the indexes no query reads are gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-migrate-indexes-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    // one case of every tab shape: mine / another's / unassigned, escalated, breached, closed
    const shapes: Case[] = [
      makeCase({ assigneeId: 'a1', createdAt: at(T0, 1) }),
      makeCase({ assigneeId: 'a2', team: 'logistics', createdAt: at(T0, 2) }),
      makeCase({ createdAt: at(T0, 3) }),
      makeCase({ assigneeId: 'a1', createdAt: at(T0, 4), flags: { ...makeCase().flags, escalated: true } }),
      makeCase({ assigneeId: 'a2', createdAt: at(T0, 5), sla: { breachedAt: at(T0, 4 * HOUR), breachedTarget: 'first_response' } }),
    ]
    for (const c of shapes) await a.createCase(c, [{ key: `m-${c.id}`, caseId: c.id, kind: 'buyer_message', payload: {} }])
    const closed = makeCase({ assigneeId: 'a1', createdAt: at(T0, 6), flags: { ...makeCase().flags, escalated: true } })
    await a.createCase(closed, [])
    await a.saveCase(nextVersion(closed, { status: 'closed' }), closed.version, [])
    const now = at(T0, HOUR)
    const tabs: Array<[Parameters<SqliteStore['listCases']>[0], 'due_asc' | 'created_desc']> = [
      [{ assigneeId: 'a1', open: true }, 'due_asc'],
      [{ team: 'quality', open: true }, 'due_asc'],
      [{ unassigned: true, open: true }, 'due_asc'],
      [{ slaState: { state: 'breached', at: now }, open: true }, 'due_asc'],
      [{ escalated: true, open: true }, 'due_asc'],
      [{ escalated: true, open: true, slaState: { state: 'on_time', at: T0 } }, 'due_asc'],
      [{}, 'created_desc'],
      [{ status: ['closed'] }, 'created_desc'],
    ]
    const answers = async (s: SqliteStore) =>
      Promise.all(tabs.map(async ([f, order]) => [(await s.listCaseLines(f, { limit: 20, order })).items.map((l) => l.row.id), await s.countCases(f)]))
    const before = await answers(a)
    expect(before.map(([ids]) => (ids as string[]).length)).toEqual([2, 4, 1, 1, 1, 1, 6, 1])
    await a.close()
    // the file as the version of 2026-12-07 left it
    const raw = new Database(file)
    raw.exec(`DROP INDEX cases_assignee_open; DROP INDEX cases_team_open; DROP INDEX cases_escalated_open; DROP INDEX cases_created_asc; DROP INDEX cases_breach_open;
      CREATE INDEX cases_queue ON cases (team, status, due_sort, id);
      CREATE INDEX cases_assignee ON cases (assignee_id, status, due_sort, id);
      CREATE INDEX cases_open_due_sla ON cases (open, due_sort, id, sla_warn_at, sla_breach_at);
      CREATE INDEX cases_open_assignee_sla ON cases (open, assignee_id, due_sort, id, sla_warn_at, sla_breach_at);
      CREATE INDEX cases_open_team_sla ON cases (open, team, due_sort, id, sla_warn_at, sla_breach_at);
      CREATE INDEX cases_open_escalated_sla ON cases (open, escalated, due_sort, id, sla_warn_at, sla_breach_at);
      CREATE INDEX cases_created_sla ON cases (created_at DESC, id DESC, sla_warn_at, sla_breach_at);
      CREATE INDEX cases_open_breach ON cases (open, sla_breach_at);
      CREATE INDEX outbox_pending ON outbox (status, next_attempt_at, key);
      CREATE INDEX outbox_case ON outbox (case_id, created_at, key);`)
    raw.close()

    const b = new SqliteStore(file)
    await b.init()
    expect(await answers(b)).toEqual(before)
    // a case filed after the migration is in its tabs; the messages of a case are still listed
    const late = makeCase({ assigneeId: 'a1', createdAt: at(T0, 7), flags: { ...makeCase().flags, escalated: true } })
    await b.createCase(late, [])
    const after = await answers(b)
    expect(after.map(([ids]) => (ids as string[]).includes(late.id))).toEqual([true, true, false, false, true, true, true, false])
    expect((await b.listOutbox({ caseId: shapes[0].id }, 10)).map((o) => o.key)).toEqual([`m-${shapes[0].id}`])
    await b.close()
    const check = new Database(file, { readonly: true })
    const indexes = (check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('cases', 'outbox') AND name NOT LIKE 'sqlite_%'").pluck().all() as string[]).sort()
    check.close()
    expect(indexes).toEqual([
      'cases_assignee_open', 'cases_breach_open', 'cases_buyer', 'cases_buyer_refunded', 'cases_buyer_risk', 'cases_created_asc', 'cases_escalated_open',
      'cases_order', 'cases_sla_due', 'cases_status_created', 'cases_team_open', 'outbox_claim',
    ])
  })

  it('migrates a file written before trust: signed orders and risk-flagged cases are counted, buyers keep their rep', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-migrate-trust-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    await a.upsertOrder({ order: { ...makeCase().order, orderId: 'm-1', buyerOpenid: 'o1', deliveredAt: at(T0, HOUR) }, createdAt: T0 })
    await a.upsertBuyer({ openid: 'o1', dedicatedRepId: 'agent-1', trusted: false })
    const risky = makeCase({ buyerOpenid: 'o1', flags: { risk: true } })
    await a.createCase(risky, [])
    await a.close()
    // the file as the previous version left it
    const raw = new Database(file)
    raw.exec(`DROP INDEX orders_delivered; DROP INDEX IF EXISTS orders_delivered_at; DROP INDEX IF EXISTS cases_buyer_risk; ALTER TABLE orders DROP COLUMN delivered_at; ALTER TABLE buyers DROP COLUMN trust; ALTER TABLE cases DROP COLUMN risk;`)
    raw.pragma('user_version = 4')
    raw.close()
    const b = new SqliteStore(file)
    await b.init()
    expect(await b.countOrders({ buyerOpenid: 'o1', deliveredFrom: T0 }, 10)).toBe(1)
    expect(await b.countCases({ buyerOpenid: 'o1', risk: true }, 10)).toBe(1)
    expect(await b.getBuyer('o1')).toEqual({ openid: 'o1', dedicatedRepId: 'agent-1', trusted: false })
    await b.close()
  })

  it('migrates an outbox with the foreign key to cases: rows and their columns kept, a row about an order (no case) accepted after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-migrate-outbox-'))
    dirs.push(dir)
    const file = join(dir, 'desk.db')
    const a = new SqliteStore(file)
    await a.init()
    const c = makeCase()
    await a.createCase(c, [{ key: 'k-1', caseId: c.id, kind: 'staff_alert', payload: { kind: 'staff_alert' } }])
    await a.close()
    // the outbox as earlier versions created it: case_id REFERENCES cases(id)
    const raw = new Database(file)
    const sql = (raw.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").get() as { sql: string }).sql
    raw.exec(`${sql.replace(/CREATE TABLE (IF NOT EXISTS )?outbox/, 'CREATE TABLE outbox_old').replace(/case_id TEXT NOT NULL/, 'case_id TEXT NOT NULL REFERENCES cases(id)')};
      INSERT INTO outbox_old SELECT * FROM outbox; DROP TABLE outbox; ALTER TABLE outbox_old RENAME TO outbox;`)
    expect(raw.prepare('PRAGMA foreign_key_list(outbox)').all()).toHaveLength(1)
    raw.close()
    const b = new SqliteStore(file)
    await b.init()
    expect((await b.listOutbox({ caseId: c.id }, 10)).map((o) => o.key)).toEqual(['k-1'])
    expect(await b.enqueueOutbox([{ key: 'delivery-care:o-1', caseId: '', kind: 'buyer_message', payload: { kind: 'buyer_message' } }], T0)).toBe(1)
    await b.close()
    const check = new Database(file)
    expect(check.prepare('PRAGMA foreign_key_list(outbox)').all()).toHaveLength(0)
    expect((check.prepare('SELECT priority FROM outbox WHERE key = ?').get('k-1') as { priority: number }).priority).toEqual(expect.any(Number))
    check.close()
  })

  it('rejects a cursor made for another order', async () => {
    const s = new SqliteStore(':memory:')
    await s.init()
    for (let i = 0; i < 3; i++) await s.createCase(makeCase(), [])
    const p = await s.listCases({}, { limit: 1 })
    expect(p.next).not.toBeNull()
    await expect(s.listCases({}, { limit: 1, cursor: p.next, order: 'due_asc' })).rejects.toThrow('invalid cursor')
    await s.close()
  })
})
