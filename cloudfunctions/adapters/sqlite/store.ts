/**
 * SQLite adapter of the Store port (embedded default, `npm start`). better-sqlite3 is synchronous;
 * every method does its work synchronously and returns a resolved promise, so a method is atomic
 * with respect to every other call on the same connection.
 *
 * Durability: WAL + synchronous=NORMAL by default. A commit is in the WAL (OS page cache) before
 * the call returns, so every acknowledged write survives the process being killed (SIGKILL,
 * crash); only an OS crash / power loss can lose the last transactions. Pass
 * `{ synchronous: 'FULL' }` to fsync every commit and survive power loss too.
 *
 * Cases are stored as a JSON document plus the columns queues filter and sort on (see
 * ../case-index). Case saves are compare-and-set on `version` inside one IMMEDIATE transaction
 * together with their outbox rows.
 */
import Database from 'better-sqlite3'
import type { BuyerPreferences, Case, TrustChange } from '@contract/domain'
import { defaultPolicy, type Policy } from '@contract/policy'
import type { WhatIfSummary } from '@contract/actions'
import type { BatchAlert } from '@contract/care'
import {
  GuardViolation,
  StoreConflict,
  type RuleSpend,
  type BuyerRecord,
  type BuyerTrust,
  TRUST_HISTORY_KEPT,
  type InboxRecord,
  type CommandKey,
  type OrderGuard,
  type CaseWrite,
  type MediaRecord,
  type NewOutboxItem,
  type OutboxFinish,
  type OrderRecord,
  type OutboxItem,
  type Page,
  type PolicyRecord,
  type QueueFilter,
  type RefundRecord,
  type StaffRecord,
  type Store,
  type TaskFilter,
  type SyncState,
  type ThrottleResult,
  type TokenRecord,
  type CaseExportRow,
  type CaseStats,
  type CaseStatsGroup,
  type CaseLine,
  type SlaVerdict,
  type FilingContext,
  type FilingQuery,
} from '../../ports/store'
import { caseTasks } from '../case-tasks'
// the lists' line of a case, kept beside it (listCaseLines)
import { CASE_LINE_VERSION, caseLine } from '../../app/views'
import { URGENT, URGENT_KINDS, outboxPriority } from '../outbox-priority'
import { caseFacts, exportRow, type CaseFacts } from '../case-facts'
import { admitCase, emptyGuard, guardEntry, updateGuard } from '../order-guard'
import { CASE_INDEX_VERSION, OPEN_COUNT_CAP, caseIndex, decodeCursor, encodeCursor, formatCaseNo, assertNewerVersion, iso, NO_DUE, orderWatchDue, slaRange } from '../case-index'

export interface SqliteStoreOptions {
  /** 'NORMAL' (default): survives process kill; 'FULL': also survives OS crash / power loss. */
  synchronous?: 'NORMAL' | 'FULL'
  /** ms to wait for another connection's write lock (default 5000) */
  busyTimeoutMs?: number
  /**
   * WAL pages after which a commit checkpoints by itself (SQLite's default 1000): raised where
   * another connection checkpoints in the background (./checkpointer), so a request pays it only
   * when that one falls behind.
   */
  autocheckpointPages?: number
}

/** How much of the file reads may map (SQLite caps it at ~2 GB; the map grows with the file up to this). */
export const MMAP_BYTES = 1024 * 1024 * 1024

/** Derived case columns in the order caseParams() gives them (the document's id goes last). */
const CASE_COLUMNS = [
  'version', 'case_no', 'buyer_openid', 'order_id', 'status', 'team', 'assignee_id', 'severity', 'reason',
  'escalated', 'open', 'sla_due_at', 'due_sort', 'sla_warn_at', 'sla_breach_at', 'created_at', 'updated_at', 'doc', 'refunded',
  'risk', 'facts', 'line',
] as const
const SET_CASE = CASE_COLUMNS.map((c) => `${c} = ?`).join(', ')
// the case writes' statements, built once: the statement cache is keyed by their text
const INSERT_CASE = `INTO cases (${CASE_COLUMNS.join(', ')}, id) VALUES (${CASE_COLUMNS.map(() => '?').join(', ')}, ?)`
const CASE_WRITE_SQL = {
  insert: `INSERT ${INSERT_CASE}`,
  insertAlone: `INSERT OR ROLLBACK ${INSERT_CASE}`,
  update: `UPDATE cases SET ${SET_CASE} WHERE id = ? AND version = ?`,
  updateAlone: `UPDATE OR ROLLBACK cases SET ${SET_CASE} WHERE id = ? AND version = ?`,
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS cases (
  id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  case_no TEXT NOT NULL UNIQUE,
  buyer_openid TEXT NOT NULL,
  order_id TEXT NOT NULL,
  status TEXT NOT NULL,
  team TEXT NOT NULL,
  assignee_id TEXT,
  severity TEXT NOT NULL,
  reason TEXT NOT NULL,
  escalated INTEGER NOT NULL,
  open INTEGER NOT NULL,
  sla_due_at TEXT,
  due_sort TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  doc TEXT NOT NULL,
  sla_warn_at TEXT,
  sla_breach_at TEXT
);
CREATE INDEX IF NOT EXISTS cases_buyer ON cases (buyer_openid, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS cases_order ON cases (order_id, created_at DESC);
CREATE INDEX IF NOT EXISTS cases_status_created ON cases (status, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS cases_sla_due ON cases (sla_due_at, id) WHERE sla_due_at IS NOT NULL;

-- The queue's indexes carry the SLA-state columns and are created by migrateCases(), after files
-- written before those columns existed got them added and backfilled.

CREATE TABLE IF NOT EXISTS outbox (
  key TEXT PRIMARY KEY,
  -- a case's id, or '' for a message about an order (签收回访, issue 24): no foreign key
  case_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  priority INTEGER NOT NULL DEFAULT 1,
  claim TEXT
);
-- its claim index is created by migrateOutbox()

CREATE TABLE IF NOT EXISTS idempotency (
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  case_id TEXT NOT NULL,
  PRIMARY KEY (scope, key)
);

CREATE TABLE IF NOT EXISTS command_keys (
  case_id TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (case_id, key)
);

CREATE TABLE IF NOT EXISTS staff (
  id TEXT PRIMARY KEY,
  active INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS buyers (
  openid TEXT PRIMARY KEY,
  dedicated_rep_id TEXT,
  trusted INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS policy_versions (
  version INTEGER PRIMARY KEY,
  doc TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  what_if TEXT
);
CREATE TABLE IF NOT EXISTS orders (
  order_id TEXT PRIMARY KEY,
  buyer_openid TEXT NOT NULL,
  created_at TEXT NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_buyer ON orders (buyer_openid, created_at DESC, order_id DESC);
CREATE TABLE IF NOT EXISTS refunds (
  key TEXT PRIMARY KEY,
  case_id TEXT NOT NULL,
  order_id TEXT NOT NULL,
  amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
  status TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_order ON refunds (order_id);
CREATE TABLE IF NOT EXISTS credits (
  openid TEXT NOT NULL,
  template_id TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (openid, template_id)
);
CREATE TABLE IF NOT EXISTS counters (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS case_tasks (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases(id),
  kind TEXT NOT NULL,
  owner TEXT NOT NULL,
  open INTEGER NOT NULL,
  due_at TEXT NOT NULL,
  next_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS case_tasks_owner ON case_tasks (kind, open, owner, due_at, id);
CREATE INDEX IF NOT EXISTS case_tasks_kind ON case_tasks (kind, open, due_at, id);
CREATE INDEX IF NOT EXISTS case_tasks_next ON case_tasks (open, next_at);
-- analytics (../case-facts): one narrow row per case and claimed SKU, written with the case, so the
-- analytics page aggregates a small table instead of the case documents (first = the case's first
-- row: case-level figures count those; first_product: the first row of each product name)
CREATE TABLE IF NOT EXISTS case_facts (
  created_at TEXT NOT NULL,
  case_id TEXT NOT NULL,
  sku TEXT NOT NULL,
  buyer TEXT NOT NULL,
  reason TEXT NOT NULL,
  first INTEGER NOT NULL,
  first_product INTEGER NOT NULL,
  name TEXT NOT NULL,
  batch TEXT NOT NULL,
  -- SLA verdicts 'hit' | 'miss' | 'pending' | 'open'; an open one's due instant in epoch ms
  fr TEXT NOT NULL, fr_due INTEGER, res TEXT NOT NULL, res_due INTEGER,
  fr_ms INTEGER, res_ms INTEGER,
  -- money columns only on rows with money (most cases have none): narrow rows scan faster
  remedy TEXT, remedy_label TEXT,
  refund INTEGER, comp INTEGER, coupon INTEGER, gift INTEGER, repl INTEGER, money INTEGER,
  rating INTEGER,
  -- 差评 follow-up (verdict as fr, due in epoch ms, outcome) and 回访 outcome; null without one
  rv TEXT, rv_due INTEGER, rv_out TEXT, visit TEXT, dispute TEXT,
  -- clustered by creation: a range is one sequential read
  PRIMARY KEY (created_at, case_id, sku)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS case_facts_case ON case_facts (case_id);
CREATE TABLE IF NOT EXISTS staff_inbox (
  id TEXT PRIMARY KEY,
  staff_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  unread INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS staff_inbox_list ON staff_inbox (staff_id, created_at DESC, id DESC);
CREATE INDEX IF NOT EXISTS staff_inbox_unread ON staff_inbox (staff_id, unread, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS rate_slots (
  bucket TEXT PRIMARY KEY,
  used INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS media (
  id TEXT PRIMARY KEY,
  owner_openid TEXT NOT NULL,
  mime TEXT NOT NULL,
  kind TEXT NOT NULL,
  size INTEGER NOT NULL,
  location TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS media_owner ON media (owner_openid, created_at);
`

/** Platform tokens and call throttles (shop adapter). */
const PLATFORM_SCHEMA = `
CREATE TABLE IF NOT EXISTS tokens (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS throttles (
  key TEXT PRIMARY KEY,
  last_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS push_nonces (
  key TEXT PRIMARY KEY,
  expires_at TEXT NOT NULL
);
`

type Row = Record<string, unknown>
type BuyerRow = { openid: string; dedicated_rep_id: string | null; trusted: number; unionid: string | null; trust: string | null; name: string | null; phone_tail: string | null; preferences?: string | null; shop_openids?: string | null }
type SqlValue = string | number | null

interface OutboxRow {
  key: string
  case_id: string
  kind: string
  payload: string
  status: OutboxItem['status']
  attempts: number
  next_attempt_at: string
  last_error: string | null
  created_at: string
  sent_at: string | null
}

const toOutbox = (r: OutboxRow): OutboxItem => ({
  key: r.key,
  caseId: r.case_id,
  kind: r.kind,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  sentAt: r.sent_at,
})

/**
 * Maintained counts of `cases` rows: the name of each counter and the key a row adds 1 to (null:
 * none). `$.` stands for the row (NEW / OLD in the triggers). min(n, cap) of a counter is the
 * capped COUNT of its filter, without walking up to `cap` index entries per tab.
 */
const CASE_COUNT_KEYS: Array<[name: string, key: string]> = [
  // first: an update never changes it
  ['all', "'all'"],
  ['team', "CASE WHEN $.open = 1 THEN 'team:' || $.team END"],
  ['assignee', "CASE WHEN $.open = 1 THEN (CASE WHEN $.assignee_id IS NULL THEN 'unassigned' ELSE 'assignee:' || $.assignee_id END) END"],
  ['escalated', "CASE WHEN $.open = 1 AND $.escalated = 1 THEN 'escalated' END"],
]
// An increment creates its counter first, then adds: no upsert, whose DO UPDATE always may abort
// and so made SQLite journal every page the case's insert touched (a statement journal) in case
// it did; with `INSERT OR ROLLBACK` / `UPDATE OR ROLLBACK` (createCase, saveCase) no step may.
const countStep = (row: 'NEW' | 'OLD', sign: 1 | -1, keys = CASE_COUNT_KEYS) =>
  keys.map(([, expr]) => {
    const k = expr.replaceAll('$.', `${row}.`)
    return sign > 0
      ? `INSERT INTO case_counts (key, n) SELECT ${k}, 0 WHERE ${k} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_counts WHERE key = ${k});
    UPDATE case_counts SET n = n + 1 WHERE key = ${k};`
      : `UPDATE case_counts SET n = n - 1 WHERE key = ${k};`
  }).join('\n    ')
/** Version of CASE_COUNT_TRIGGERS: a file with triggers of another one gets them replaced when opened. */
const CASE_COUNT_TRIGGERS_VERSION = 2
const CASE_COUNT_TRIGGERS = `
  CREATE TRIGGER IF NOT EXISTS cases_count_insert AFTER INSERT ON cases BEGIN
    ${countStep('NEW', 1)}
  END;
  CREATE TRIGGER IF NOT EXISTS cases_count_delete AFTER DELETE ON cases BEGIN
    ${countStep('OLD', -1)}
  END;
  CREATE TRIGGER IF NOT EXISTS cases_count_update AFTER UPDATE OF open, team, assignee_id, escalated ON cases
  WHEN OLD.open IS NOT NEW.open OR OLD.team IS NOT NEW.team OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.escalated IS NOT NEW.escalated BEGIN
    ${countStep('OLD', -1, CASE_COUNT_KEYS.slice(1))}
    ${countStep('NEW', 1, CASE_COUNT_KEYS.slice(1))}
  END;
`

/**
 * `LIMIT n` as a literal: SQLite re-prepares a statement on every new binding of a `LIMIT ?`
 * parameter (its value may change the plan), ~10–17 µs a call; a literal is prepared once per
 * value. For caps the code fixes and page sizes (clamped to 1..1000, a few in use): a bounded set.
 */
function limitOf(n: number): string {
  // a cap past any count (Infinity) is no cap: SQLite reads LIMIT -1 so
  return `LIMIT ${Number.isFinite(n) ? Math.max(0, Math.floor(n)) : -1}`
}

/** The counter that answers a filter exactly (the queue's tab filters), or null. */
function counterKey(f: QueueFilter): string | null {
  const keys = Object.keys(f).filter((k) => f[k as keyof QueueFilter] !== undefined)
  const only = (...ks: string[]) => keys.length === ks.length && ks.every((k) => keys.includes(k))
  if (keys.length === 0) return 'all'
  if (f.open !== true) return null
  if (only('open', 'team')) return `team:${f.team}`
  if (only('open', 'assigneeId')) return f.assigneeId === null ? 'unassigned' : `assignee:${f.assigneeId}`
  if (only('open', 'unassigned') && f.unassigned) return 'unassigned'
  if (only('open', 'escalated') && f.escalated) return 'escalated'
  return null
}

export class SqliteStore implements Store {
  private readonly db: Database.Database
  private readonly stmts = new Map<string, Database.Statement>()
  private readonly policies = new Map<number, Policy>()
  private readonly policyRecords = new Map<number, PolicyRecord>()
  private inited = false

  constructor(
    readonly file: string,
    private readonly options: SqliteStoreOptions = {},
  ) {
    this.db = new Database(file)
  }

  /** Prepared statements are cached by SQL text (dynamic queue filters produce a bounded set). */
  private st(sql: string): Database.Statement {
    let s = this.stmts.get(sql)
    if (!s) {
      s = this.db.prepare(sql)
      this.stmts.set(sql, s)
    }
    return s
  }

  private get<T = Row>(sql: string, ...params: SqlValue[]): T | undefined {
    return this.st(sql).get(...params) as T | undefined
  }
  private all<T = Row>(sql: string, ...params: SqlValue[]): T[] {
    return this.st(sql).all(...params) as T[]
  }
  private run(sql: string, ...params: SqlValue[]): Database.RunResult {
    return this.st(sql).run(...params)
  }

  async init(): Promise<void> {
    if (this.inited) return
    // first, so that every later step waits for another process's lock instead of failing
    this.db.pragma(`busy_timeout = ${this.options.busyTimeoutMs ?? 5000}`)
    // switching a new file to WAL can answer "database is locked" without waiting (SQLite does not
    // run the busy handler there) while another process creates the schema: try again shortly
    for (let attempt = 0; ; attempt++) {
      try {
        this.db.pragma('journal_mode = WAL')
        this.initSchema()
        break
      } catch (e) {
        const busy = (e as { code?: string }).code?.startsWith('SQLITE_BUSY') || /database is locked/.test(String(e))
        if (!busy || attempt >= 100) throw e
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.floor(attempt * 5))
      }
    }
    this.inited = true
  }

  private initSchema(): void {
    this.db.pragma(`synchronous = ${this.options.synchronous ?? 'NORMAL'}`)
    if (this.options.autocheckpointPages !== undefined) this.db.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(this.options.autocheckpointPages))}`)
    this.db.pragma('foreign_keys = ON')
    // pages outside SQLite's own cache are read through a memory map instead of a pread each: a case
    // row spills into overflow pages (its document is a few KB on 4 KB pages), which SQLite reads
    // straight from the file, so a list of 20 lines was ~40 system calls. Reads only: writes still
    // go through the WAL.
    this.db.pragma(`mmap_size = ${MMAP_BYTES}`)
    // Schema and migrations in one IMMEDIATE transaction: processes starting together on one file
    // take turns, and each reads the columns inside its turn (a check outside it raced: two
    // processes both saw a column missing and the second ALTER died with "duplicate column name").
    // The migrations' own transactions nest as savepoints.
    this.db
      .transaction(() => {
        this.db.exec(SCHEMA)
        this.db.exec(PLATFORM_SCHEMA)
        this.migrateCases()
        this.migrateOrders()
        this.migrateMedia()
        this.migrateShopSync()
        this.migrateTrust()
        this.migrateCare()
        this.migrateOutbox()
        this.migrateCaseCounts()
        const idemCols = this.db.prepare('PRAGMA table_info(idempotency)').all() as { name: string }[]
        if (!idemCols.some((c) => c.name === 'fingerprint')) this.db.exec('ALTER TABLE idempotency ADD COLUMN fingerprint TEXT')
      })
      .immediate()
  }

  /**
   * The queue's tab counts and the agents' loads, kept by triggers on `cases` (every writer, every
   * process, inside the write's own transaction): created and filled from the rows on the first
   * open of a file without them. See CASE_COUNT_SQL and counterKey().
   */
  private migrateCaseCounts(): void {
    const have = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'case_counts'").get()
    const version = this.db.prepare("SELECT value FROM counters WHERE name = 'case_count_triggers'").pluck().get()
    if (have && version === CASE_COUNT_TRIGGERS_VERSION) return
    if (!have) {
      this.db.exec('CREATE TABLE case_counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID')
      for (const [, expr] of CASE_COUNT_KEYS) {
        this.db.exec(`INSERT INTO case_counts (key, n) SELECT ${expr.replaceAll('$.', '')} AS k, COUNT(*) FROM cases WHERE k IS NOT NULL GROUP BY k`)
      }
    }
    // the same counts, kept by the triggers of this version (the counters themselves stay)
    this.db.exec('DROP TRIGGER IF EXISTS cases_count_insert; DROP TRIGGER IF EXISTS cases_count_delete; DROP TRIGGER IF EXISTS cases_count_update')
    this.db.exec(CASE_COUNT_TRIGGERS)
    this.db.prepare("INSERT INTO counters (name, value) VALUES ('case_count_triggers', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(CASE_COUNT_TRIGGERS_VERSION)
  }

  /**
   * Outbox rows of an earlier version get the claim order (see ../outbox-priority) and the claim
   * token column; the claim index walks due rows urgent first.
   */
  private migrateOutbox(): void {
    const cols = new Set((this.db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[]).map((c) => c.name))
    if (!cols.has('priority')) {
      this.db.exec('ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1')
      const urgent = [...URGENT_KINDS].map((k) => `'${k}'`).join(', ')
      this.db.exec(`UPDATE outbox SET priority = ${URGENT} WHERE kind IN (${urgent})`)
    }
    if (!cols.has('claim')) this.db.exec('ALTER TABLE outbox ADD COLUMN claim TEXT')
    this.db.exec('CREATE INDEX IF NOT EXISTS outbox_claim ON outbox (status, priority, next_attempt_at, key)')
    // read by no query of the app (pendingOutbox reads outbox_claim; a case's rows are listed only
    // by tests and benches): each cost every queued message an index write
    this.db.exec('DROP INDEX IF EXISTS outbox_pending; DROP INDEX IF EXISTS outbox_case')
  }

  /**
   * Brings a `cases` table written by an earlier version up to date: adds the SLA-state columns
   * (sla_warn_at, sla_breach_at, see ../case-index slaMarks) when missing, fills them from the
   * document of every row that lacks them, then creates their indexes. One IMMEDIATE transaction,
   * idempotent; on an up-to-date file it finds nothing to fill.
   *
   * Queue indexes: each tab's equality columns, then its sort key (due_sort, id — or created_at,
   * id for 全部), then the two SLA instants; the open tabs' ones hold open cases only. A page with
   * an SLA-state filter walks one index in keyset order and checks the state in the index entry,
   * never opening a row it does not return, whatever the share of cases in that state.
   */
  private migrateCases(): void {
    const cols = new Set((this.db.prepare('PRAGMA table_info(cases)').all() as { name: string }[]).map((c) => c.name))
    this.db.transaction(() => {
      if (!cols.has('sla_warn_at')) this.db.exec('ALTER TABLE cases ADD COLUMN sla_warn_at TEXT')
      if (!cols.has('sla_breach_at')) this.db.exec('ALTER TABLE cases ADD COLUMN sla_breach_at TEXT')
      // filled by the re-derivation below (CASE_INDEX_VERSION 4)
      if (!cols.has('refunded')) this.db.exec('ALTER TABLE cases ADD COLUMN refunded INTEGER NOT NULL DEFAULT 0')
      // filled by the re-derivation below (CASE_INDEX_VERSION 5)
      if (!cols.has('risk')) this.db.exec('ALTER TABLE cases ADD COLUMN risk INTEGER NOT NULL DEFAULT 0')
      // analytics / export facts (../case-facts), filled by the re-derivation below (CASE_INDEX_VERSION 6)
      if (!cols.has('facts')) this.db.exec('ALTER TABLE cases ADD COLUMN facts TEXT')
      // the lists' line of each case (app/views caseLine), filled below
      if (!cols.has('line')) this.db.exec('ALTER TABLE cases ADD COLUMN line TEXT')
      // 差评 / 回访 facts, filled by the re-derivation below (CASE_INDEX_VERSION 7)
      const factCols = new Set((this.db.prepare('PRAGMA table_info(case_facts)').all() as { name: string }[]).map((c) => c.name))
      if (!factCols.has('rv')) this.db.exec('ALTER TABLE case_facts ADD COLUMN rv TEXT; ALTER TABLE case_facts ADD COLUMN rv_due INTEGER; ALTER TABLE case_facts ADD COLUMN rv_out TEXT; ALTER TABLE case_facts ADD COLUMN visit TEXT')
      if (!factCols.has('dispute')) this.db.exec('ALTER TABLE case_facts ADD COLUMN dispute TEXT')
      // the analytics page's sparse facts (few cases have money, a 差评 follow-up, a 回访 or a dispute):
      // a range over these reads only the rows that have one, and a row without one costs no index write
      this.db.exec(`
        CREATE INDEX IF NOT EXISTS case_facts_money ON case_facts (created_at) WHERE first = 1 AND money IS NOT NULL;
        CREATE INDEX IF NOT EXISTS case_facts_rv ON case_facts (created_at) WHERE first = 1 AND rv IS NOT NULL;
        CREATE INDEX IF NOT EXISTS case_facts_visit ON case_facts (created_at) WHERE first = 1 AND visit IS NOT NULL;
        CREATE INDEX IF NOT EXISTS case_facts_dispute ON case_facts (created_at) WHERE first = 1 AND dispute IS NOT NULL;
      `)
      // backfill in batches: a row leaves the selection once it is filled
      const batch = this.db.prepare('SELECT id, doc FROM cases WHERE sla_warn_at IS NULL OR sla_breach_at IS NULL LIMIT 500')
      const fill = this.db.prepare('UPDATE cases SET sla_warn_at = ?, sla_breach_at = ? WHERE id = ?')
      for (let rows = batch.all() as { id: string; doc: string }[]; rows.length > 0; rows = batch.all() as { id: string; doc: string }[]) {
        for (const r of rows) {
          const c = JSON.parse(r.doc) as Case
          const x = caseIndex(c, this.policyFor(c.policyVersion))
          fill.run(x.slaWarnAt, x.slaBreachAt, r.id)
        }
      }
      this.db.exec(`
        DROP INDEX IF EXISTS cases_open_due;
        DROP INDEX IF EXISTS cases_open_assignee;
        DROP INDEX IF EXISTS cases_created;
        -- replaced by the partial / ascending ones below (2026-12-08), or read by no query of the
        -- app (cases_queue, cases_assignee, cases_open_due_sla): every index is a page written by
        -- every new case; scripts/bench/index-plans.ts prints which index each query reads
        DROP INDEX IF EXISTS cases_queue;
        DROP INDEX IF EXISTS cases_assignee;
        DROP INDEX IF EXISTS cases_open_due_sla;
        DROP INDEX IF EXISTS cases_open_assignee_sla;
        DROP INDEX IF EXISTS cases_open_team_sla;
        DROP INDEX IF EXISTS cases_open_escalated_sla;
        DROP INDEX IF EXISTS cases_created_sla;
        DROP INDEX IF EXISTS cases_open_breach;
        -- the tabs read open cases only (where() writes open = 1 as a literal so these apply): a
        -- closed case leaves them, and a case that is not escalated costs the escalated one nothing
        CREATE INDEX IF NOT EXISTS cases_assignee_open ON cases (assignee_id, due_sort, id, sla_warn_at, sla_breach_at) WHERE open = 1;
        CREATE INDEX IF NOT EXISTS cases_team_open ON cases (team, due_sort, id, sla_warn_at, sla_breach_at) WHERE open = 1;
        CREATE INDEX IF NOT EXISTS cases_escalated_open ON cases (escalated, due_sort, id, sla_warn_at, sla_breach_at) WHERE open = 1 AND escalated = 1;
        -- ascending: a new case is the newest, appended at the end (a DESC index inserted it at the
        -- front, splitting pages half-full); ORDER BY created_at DESC walks it backwards
        CREATE INDEX IF NOT EXISTS cases_created_asc ON cases (created_at, id, sla_warn_at, sla_breach_at);
        -- the 已超时 tab: breached cases are few, so a range beats walking every open case
        CREATE INDEX IF NOT EXISTS cases_breach_open ON cases (sla_breach_at) WHERE open = 1;
        -- a new case's buyer standing counts refunded / risk-flagged cases of 90 days: few buyers have
        -- any, so these stay small, cost no write for most cases, and a count reads no case row
        CREATE INDEX IF NOT EXISTS cases_buyer_refunded ON cases (buyer_openid, created_at) WHERE refunded = 1;
        CREATE INDEX IF NOT EXISTS cases_buyer_risk ON cases (buyer_openid, created_at) WHERE risk = 1;
      `)
      // derived columns of an older CASE_INDEX_VERSION: re-derive every row once (user_version records it)
      if ((this.db.pragma('user_version', { simple: true }) as number) < CASE_INDEX_VERSION) {
        const reindex = this.db.prepare(`UPDATE cases SET ${SET_CASE} WHERE id = ?`)
        const page = this.db.prepare('SELECT id, doc FROM cases WHERE id > ? ORDER BY id LIMIT 500')
        for (let rows = page.all('') as { id: string; doc: string }[]; rows.length > 0; rows = page.all(rows[rows.length - 1].id) as { id: string; doc: string }[]) {
          for (const r of rows) {
            const c = JSON.parse(r.doc) as Case
            const facts = caseFacts(c)
            reindex.run(...this.caseParams(c, facts), r.id)
            // rows an older version never wrote: analytics facts, follow-up tasks (upserts: idempotent)
            this.writeFacts(c, facts)
            this.writeTasks(c)
          }
        }
        this.db.pragma(`user_version = ${CASE_INDEX_VERSION}`)
      }
      // list lines of another derivation (or none yet): re-derived once, the version kept beside the case numbers
      const lineVersion = this.db.prepare("SELECT value FROM counters WHERE name = 'case_line_version'").pluck().get()
      if (lineVersion !== CASE_LINE_VERSION) {
        const setLine = this.db.prepare('UPDATE cases SET line = ? WHERE id = ?')
        const page = this.db.prepare('SELECT id, doc FROM cases WHERE id > ? ORDER BY id LIMIT 500')
        for (let rows = page.all('') as { id: string; doc: string }[]; rows.length > 0; rows = page.all(rows[rows.length - 1].id) as { id: string; doc: string }[]) {
          for (const r of rows) setLine.run(JSON.stringify(caseLine(JSON.parse(r.doc) as Case)), r.id)
        }
        this.db.prepare("INSERT INTO counters (name, value) VALUES ('case_line_version', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(CASE_LINE_VERSION)
      }
    }).immediate()
  }

  /** Adds the attachment mark to media tables created before it existed, then the sweep's index. */
  private migrateMedia(): void {
    const cols = this.db.prepare('PRAGMA table_info(media)').all() as { name: string }[]
    // files of an older database predate the mark: count them as attached so the sweep keeps them
    if (!cols.some((c) => c.name === 'attached_at')) this.db.exec("ALTER TABLE media ADD COLUMN attached_at TEXT; UPDATE media SET attached_at = created_at")
    this.db.exec('CREATE INDEX IF NOT EXISTS media_unattached ON media (attached_at, created_at)')
  }

  /** Adds the logistics-watch column to databases created before it existed, then its index. */
  private migrateOrders(): void {
    // the what-if summary a policy version was saved with (added after the table)
    const policyCols = this.db.prepare('PRAGMA table_info(policy_versions)').all() as { name: string }[]
    if (!policyCols.some((c) => c.name === 'what_if')) this.db.exec('ALTER TABLE policy_versions ADD COLUMN what_if TEXT')
    const cols = this.db.prepare('PRAGMA table_info(orders)').all() as { name: string }[]
    if (!cols.some((c) => c.name === 'watch_due')) {
      this.db.transaction(() => {
        this.db.exec(`ALTER TABLE orders ADD COLUMN watch_due TEXT NOT NULL DEFAULT '${NO_DUE}'`)
        const set = this.db.prepare('UPDATE orders SET watch_due = ? WHERE order_id = ?')
        for (const r of this.db.prepare('SELECT doc FROM orders').all() as { doc: string }[]) {
          const o = JSON.parse(r.doc) as OrderRecord
          set.run(orderWatchDue(o), o.order.orderId)
        }
      })()
    }
    this.db.exec('CREATE INDEX IF NOT EXISTS orders_watch ON orders (watch_due, order_id)')
  }

  /** Channels shop sync: unionid columns on buyers and orders (with their indexes) and the cursors table. */
  private migrateShopSync(): void {
    const has = (table: string, col: string) => (this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === col)
    this.db.transaction(() => {
      if (!has('buyers', 'unionid')) this.db.exec('ALTER TABLE buyers ADD COLUMN unionid TEXT')
      // staff find buyers by name / phone tail; the roster lists every dedicated-rep assignment
      if (!has('buyers', 'name')) this.db.exec('ALTER TABLE buyers ADD COLUMN name TEXT')
      if (!has('buyers', 'phone_tail')) this.db.exec('ALTER TABLE buyers ADD COLUMN phone_tail TEXT')
      // the buyer's shop openids as claimShopOrders saw them (JSON array; the standing's linked ids)
      if (!has('buyers', 'shop_openids')) this.db.exec('ALTER TABLE buyers ADD COLUMN shop_openids TEXT')
      if (!has('orders', 'buyer_unionid')) this.db.exec('ALTER TABLE orders ADD COLUMN buyer_unionid TEXT')
      this.db.exec(`
        CREATE INDEX IF NOT EXISTS buyers_unionid ON buyers (unionid) WHERE unionid IS NOT NULL;
        CREATE INDEX IF NOT EXISTS buyers_phone_tail ON buyers (phone_tail) WHERE phone_tail IS NOT NULL;
        CREATE INDEX IF NOT EXISTS buyers_rep ON buyers (dedicated_rep_id, openid) WHERE dedicated_rep_id IS NOT NULL;
        CREATE INDEX IF NOT EXISTS orders_unionid ON orders (buyer_unionid, created_at DESC, order_id DESC) WHERE buyer_unionid IS NOT NULL;
        CREATE TABLE IF NOT EXISTS sync_state (name TEXT PRIMARY KEY, version INTEGER NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL);
      `)
    })()
  }

  /** Buyer trust (issue 19): the buyers' trust decisions and the orders' signing time with its count index. */
  private migrateTrust(): void {
    const has = (table: string, col: string) => (this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === col)
    this.db.transaction(() => {
      if (!has('buyers', 'trust')) this.db.exec('ALTER TABLE buyers ADD COLUMN trust TEXT')
      // 回访 preferences on the buyer (issue 23)
      if (!has('buyers', 'preferences')) this.db.exec('ALTER TABLE buyers ADD COLUMN preferences TEXT')
      if (!has('orders', 'delivered_at')) {
        this.db.exec('ALTER TABLE orders ADD COLUMN delivered_at TEXT')
        const set = this.db.prepare('UPDATE orders SET delivered_at = ? WHERE order_id = ?')
        const page = this.db.prepare("SELECT order_id, json_extract(doc, '$.order.deliveredAt') AS d FROM orders WHERE order_id > ? ORDER BY order_id LIMIT 500")
        for (let rows = page.all('') as { order_id: string; d: string | null }[]; rows.length > 0; rows = page.all(rows[rows.length - 1].order_id) as { order_id: string; d: string | null }[]) {
          for (const r of rows) if (r.d) set.run(iso(r.d), r.order_id)
        }
      }
      this.db.exec('CREATE INDEX IF NOT EXISTS orders_delivered ON orders (buyer_openid, delivered_at) WHERE delivered_at IS NOT NULL')
    }).immediate()
  }

  /** Batch alerts (issue 24) and the signing-time index of the post-delivery care pass. */
  private migrateCare(): void {
    // outbox rows about an order (签收回访) name no case: files written before lose the outbox's foreign key
    if ((this.db.prepare('PRAGMA foreign_key_list(outbox)').all() as unknown[]).length) {
      // rebuilt with whatever columns the file has, its indexes re-created
      const table = (this.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'").get() as { sql: string }).sql
      const indexes = (this.db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox' AND sql IS NOT NULL").all() as { sql: string }[]).map((r) => r.sql)
      const cols = (this.db.prepare('PRAGMA table_info(outbox)').all() as { name: string }[]).map((c) => c.name).join(', ')
      this.db.exec(table.replace(/CREATE TABLE (IF NOT EXISTS )?"?outbox"?/, 'CREATE TABLE outbox_v2').replace(/\s+REFERENCES\s+cases\s*\(\s*id\s*\)/i, ''))
      this.db.exec(`INSERT INTO outbox_v2 (${cols}) SELECT ${cols} FROM outbox; DROP TABLE outbox; ALTER TABLE outbox_v2 RENAME TO outbox;`)
      for (const sql of indexes) this.db.exec(sql)
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS batch_alerts (id TEXT PRIMARY KEY, key TEXT NOT NULL, opened_at TEXT NOT NULL, running INTEGER NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS batch_alerts_key ON batch_alerts (key, opened_at);
      CREATE INDEX IF NOT EXISTS batch_alerts_opened ON batch_alerts (opened_at DESC, id DESC);
      CREATE INDEX IF NOT EXISTS orders_delivered_at ON orders (delivered_at, order_id) WHERE delivered_at IS NOT NULL;
    `)
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close()
  }

  // ------------------------------------------------------------------ cases

  /** Policy of the case's version (immutable once stored), for deriving SLA warning times. */
  private policyFor(version: number): Policy {
    const cached = this.policies.get(version)
    if (cached) return cached
    const row = this.get<{ doc: string }>('SELECT doc FROM policy_versions WHERE version = ?', version)
    if (row) {
      const p = JSON.parse(row.doc) as Policy
      this.policies.set(version, p)
      return p
    }
    const latest = this.get<{ doc: string }>('SELECT doc FROM policy_versions ORDER BY version DESC LIMIT 1')
    return latest ? (JSON.parse(latest.doc) as Policy) : defaultPolicy
  }

  /** The row's columns (CASE_COLUMNS), with the case's facts the same write stores again in case_facts (writeFacts). */
  private caseParams(c: Case, f: CaseFacts = caseFacts(c)): SqlValue[] {
    const x = caseIndex(c, this.policyFor(c.policyVersion))
    return [
      x.version, x.caseNo, x.buyerOpenid, x.orderId, x.status, x.team, x.assigneeId, x.severity, x.reason,
      x.escalated ? 1 : 0, x.open ? 1 : 0, x.slaDueAt, x.dueSort, x.slaWarnAt, x.slaBreachAt, x.createdAt, x.updatedAt, JSON.stringify(c),
      x.refunded ? 1 : 0,
      x.risk ? 1 : 0, JSON.stringify(f), JSON.stringify(caseLine(c)),
    ]
  }

  private insertOutbox(c: Case, items: NewOutboxItem[]): void {
    const at = iso(c.updatedAt)
    for (const o of items) {
      this.run(
        `INSERT INTO outbox (key, case_id, kind, payload, status, attempts, next_attempt_at, last_error, created_at, sent_at, priority)
         VALUES (?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL, ?) ON CONFLICT(key) DO NOTHING`,
        o.key, o.caseId, o.kind, JSON.stringify(o.payload), at, at, outboxPriority(o, c.severity),
      )
    }
  }

  /** Mirrors the case's follow-up tasks (same transaction as the case write). */
  private writeTasks(c: Case): void {
    for (const t of caseTasks(c)) {
      this.run(
        `INSERT INTO case_tasks (id, case_id, kind, owner, open, due_at, next_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET owner = excluded.owner, open = excluded.open, due_at = excluded.due_at, next_at = excluded.next_at`,
        t.id, t.caseId, t.kind, t.owner, t.open ? 1 : 0, t.dueAt, t.nextAt,
      )
    }
  }

  /**
   * The case's analytics rows (same transaction as the case write): one per claimed SKU. `fresh`:
   * a case inserted by this transaction, which has no rows to replace.
   */
  private writeFacts(c: Case, f: CaseFacts = caseFacts(c), fresh = false): void {
    if (!fresh) this.run('DELETE FROM case_facts WHERE case_id = ?', c.id)
    const seen = new Set<string>()
    const skus = f.skuItems.length ? f.skuItems : [{ skuId: '', name: '', batch: '', batchKey: '' }]
    skus.forEach((k, i) => {
      const firstProduct = !seen.has(k.name)
      seen.add(k.name)
      const money = f.moneyFen > 0 && i === 0
      this.run(
        `INSERT INTO case_facts (created_at, case_id, sku, buyer, reason, first, first_product, name, batch, fr, fr_due, res, res_due,
           fr_ms, res_ms, remedy, remedy_label, refund, comp, coupon, gift, repl, money, rating, rv, rv_due, rv_out, visit, dispute)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        iso(c.createdAt), c.id, k.skuId, c.buyerOpenid, c.reason, i === 0 ? 1 : 0, firstProduct && k.skuId !== '' ? 1 : 0, k.name, k.batch,
        f.slaFr, f.slaFr === 'open' ? Date.parse(f.slaFrDueAt) : null, f.slaRes, f.slaRes === 'open' ? Date.parse(f.slaResDueAt) : null, f.frMs, f.resMs,
        money ? f.remedy : null, money ? f.remedyLabel : null, ...(money ? [f.refundFen, f.compensationFen, f.couponFen, f.giftFen, f.replacementFen, f.moneyFen] : [null, null, null, null, null, null]),
        f.rating,
        f.reviewFollow, f.reviewFollow === 'open' && f.reviewDueAt ? Date.parse(f.reviewDueAt) : null, f.reviewOutcome, f.visitOutcome, f.disputeFact,
      )
    })
  }

  private readCase(id: string): Case | null {
    const r = this.get<{ doc: string }>('SELECT doc FROM cases WHERE id = ?', id)
    return r ? (JSON.parse(r.doc) as Case) : null
  }

  async createCase(
    c: Case,
    outbox: NewOutboxItem[],
    idem?: { scope: string; key: string; fingerprint?: string },
    opts: { maxRequestsPerSku?: number; ruleSpend?: RuleSpend } = {},
  ): Promise<{ created: boolean; case: Case; fingerprint?: string }> {
    // alone (not inside a caller's transaction), a failed insert ends the whole write anyway: OR ROLLBACK
    // spares SQLite the statement journal it keeps to undo just that statement (see countStep)
    const insert = this.db.inTransaction ? CASE_WRITE_SQL.insert : CASE_WRITE_SQL.insertAlone
    return this.db.transaction((): { created: boolean; case: Case; fingerprint?: string } => {
      if (idem) {
        const r = this.run('INSERT INTO idempotency (scope, key, case_id, fingerprint) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', idem.scope, idem.key, c.id, idem.fingerprint ?? null)
        if (r.changes === 0) {
          const prior = this.get<{ case_id: string; fingerprint: string | null }>('SELECT case_id, fingerprint FROM idempotency WHERE scope = ? AND key = ?', idem.scope, idem.key)
          const existing = prior && this.readCase(prior.case_id)
          if (!existing) throw new Error(`idempotency key ${idem.scope}:${idem.key} points at a missing case`)
          return { created: false, case: existing, ...(prior.fingerprint ? { fingerprint: prior.fingerprint } : {}) }
        }
      }
      if (this.get('SELECT 1 AS x FROM cases WHERE id = ? OR case_no = ?', c.id, c.caseNo)) {
        throw new StoreConflict(`case ${c.id} / ${c.caseNo} already exists`)
      }
      // the order's guard, read inside this IMMEDIATE transaction: no other writer can interleave
      admitCase(this.orderGuard(c.order.orderId), c, opts.maxRequestsPerSku)
      this.spendRule(opts.ruleSpend)
      const facts = caseFacts(c)
      this.run(insert, ...this.caseParams(c, facts), c.id)
      this.writeTasks(c)
      // no row of this id existed before the insert above (checked first): nothing to delete
      this.writeFacts(c, facts, true)
      this.insertOutbox(c, outbox)
      if (c.assigneeId) this.markAssigned(c.assigneeId, c.updatedAt)
      return { created: true, case: c, ...(idem?.fingerprint ? { fingerprint: idem.fingerprint } : {}) }
    }).immediate()
  }

  /** The guard read costs nothing here: createCase reads it again inside its IMMEDIATE transaction. */
  async openCaseWrite(orderId: string): Promise<CaseWrite> {
    return { guard: await this.getOrderGuard(orderId), create: (c, outbox, idem, opts) => this.createCase(c, outbox, idem, opts), close: async () => {} }
  }

  /**
   * An auto-decision rule's money of the day, counted in the caller's transaction: one upsert that
   * only applies while the counter stays within the cap, else the whole write is refused.
   */
  private spendRule(s: RuleSpend | undefined): void {
    if (!s || s.amountFen <= 0) return
    const r = this.get<{ used: number }>(
      `INSERT INTO rate_slots (bucket, used) SELECT ?, ? WHERE ? <= ?
       ON CONFLICT(bucket) DO UPDATE SET used = used + excluded.used WHERE used + excluded.used <= ? RETURNING used`,
      s.bucket, s.amountFen, s.amountFen, s.capFen, s.capFen,
    )
    if (!r) throw new GuardViolation('rule_cap', { bucket: s.bucket, capFen: s.capFen })
  }

  async ruleSpent(bucket: string): Promise<number> {
    return this.get<{ used: number }>('SELECT used FROM rate_slots WHERE bucket = ?', bucket)?.used ?? 0
  }

  /** Every case of the order, from the order index (bounded by the per-SKU limit). */
  private orderGuard(orderId: string): OrderGuard {
    const g = emptyGuard(orderId)
    for (const r of this.all<{ doc: string }>('SELECT doc FROM cases WHERE order_id = ? ORDER BY created_at', orderId)) {
      const e = guardEntry(JSON.parse(r.doc) as Case)
      g.cases.push(e)
      g.committedFen += e.committedFen
    }
    return g
  }

  async getOrderGuard(orderId: string): Promise<OrderGuard> {
    return this.orderGuard(orderId)
  }

  /** Last assignment time of an agent, changed on its own (duty / active edits elsewhere stand). */
  private markAssigned(staffId: string, at: string): void {
    this.run("UPDATE staff SET doc = json_set(doc, '$.lastAssignedAt', ?) WHERE id = ?", iso(at), staffId)
  }

  async findByIdempotencyKey(scope: string, key: string): Promise<Case | null> {
    const prior = this.get<{ case_id: string }>('SELECT case_id FROM idempotency WHERE scope = ? AND key = ?', scope, key)
    return prior ? this.readCase(prior.case_id) : null
  }

  async getCase(id: string): Promise<Case | null> {
    return this.readCase(id)
  }

  async getCaseWithKeys(id: string): Promise<{ case: Case; keys: CommandKey[] } | null> {
    const c = this.readCase(id)
    if (!c) return null
    const keys = this.all<CommandKey>('SELECT key, fingerprint, version FROM command_keys WHERE case_id = ? ORDER BY version', id)
    return { case: c, keys }
  }

  async saveCase(next: Case, expectedVersion: number, outbox: NewOutboxItem[], opts: { commandKey?: Omit<CommandKey, 'version'>; ruleSpend?: RuleSpend; refunds?: Array<Omit<RefundRecord, 'status'>> } = {}): Promise<void> {
    assertNewerVersion(next, expectedVersion)
    // as createCase: alone, a failed update ends the whole write, with no statement journal
    const update = this.db.inTransaction ? CASE_WRITE_SQL.update : CASE_WRITE_SQL.updateAlone
    this.db.transaction(() => {
      const prev = this.get<{ assignee_id: string | null }>('SELECT assignee_id FROM cases WHERE id = ? AND version = ?', next.id, expectedVersion)
      if (!prev) throw new StoreConflict(`case ${next.id} is not at version ${expectedVersion}`)
      // the order-level ledger: refunds + compensation over every case of the order ≤ paid
      const guard = this.orderGuard(next.order.orderId)
      updateGuard(guard, next)
      this.spendRule(opts.ruleSpend)
      const facts = caseFacts(next)
      this.run(update, ...this.caseParams(next, facts), next.id, expectedVersion)
      this.writeTasks(next)
      this.writeFacts(next, facts)
      this.insertOutbox(next, outbox)
      for (const r of opts.refunds ?? []) this.insertRefund(r)
      if (next.assigneeId && next.assigneeId !== prev.assignee_id) this.markAssigned(next.assigneeId, next.updatedAt)
      if (opts.commandKey) {
        this.run('INSERT INTO command_keys (case_id, key, fingerprint, version) VALUES (?, ?, ?, ?)', next.id, opts.commandKey.key, opts.commandKey.fingerprint, next.version)
      }
    }).immediate()
  }

  private where(f: QueueFilter): { sql: string; params: SqlValue[] } {
    const w: string[] = []
    const p: SqlValue[] = []
    const add = (cond: string, v: SqlValue) => {
      w.push(cond)
      p.push(v)
    }
    if (f.status) {
      if (f.status.length === 0) w.push('0')
      else {
        w.push(`status IN (${f.status.map(() => '?').join(', ')})`)
        p.push(...f.status)
      }
    }
    if (f.team !== undefined) add('team = ?', f.team)
    if (f.assigneeId !== undefined) {
      if (f.assigneeId === null) w.push('assignee_id IS NULL')
      else add('assignee_id = ?', f.assigneeId)
    }
    if (f.unassigned) w.push('assignee_id IS NULL')
    if (f.severity !== undefined) add('severity = ?', f.severity)
    if (f.reason !== undefined) add('reason = ?', f.reason)
    // literals, not parameters: a partial index (cases_escalated_open, the *_open ones) applies only to a literal
    if (f.escalated !== undefined) w.push(f.escalated ? 'escalated = 1' : 'escalated = 0')
    // literals, not parameters: SQLite uses a partial index (cases_buyer_refunded / _risk) only for a literal
    if (f.refunded !== undefined) w.push(f.refunded ? 'refunded = 1' : 'refunded = 0')
    if (f.risk !== undefined) w.push(f.risk ? 'risk = 1' : 'risk = 0')
    if (f.dueBefore !== undefined) add('sla_due_at IS NOT NULL AND sla_due_at < ?', iso(f.dueBefore))
    if (f.slaState !== undefined) {
      const r = slaRange(f.slaState.state, f.slaState.at)
      if (r.warnAt?.lte !== undefined) add('sla_warn_at <= ?', r.warnAt.lte)
      if (r.warnAt?.gt !== undefined) add('sla_warn_at > ?', r.warnAt.gt)
      if (r.breachAt?.lt !== undefined) add('sla_breach_at < ?', r.breachAt.lt)
      if (r.breachAt?.gte !== undefined) add('sla_breach_at >= ?', r.breachAt.gte)
    }
    if (f.open !== undefined) w.push(f.open ? 'open = 1' : 'open = 0')
    if (f.createdFrom !== undefined) add('created_at >= ?', iso(f.createdFrom))
    if (f.createdTo !== undefined) add('created_at < ?', iso(f.createdTo))
    if (f.buyerOpenid !== undefined) add('buyer_openid = ?', f.buyerOpenid)
    if (f.orderId !== undefined) add('order_id = ?', f.orderId)
    if (f.batch !== undefined) {
      // the case's analytics rows name each claimed SKU with its batch (probed per candidate through case_facts_case)
      w.push('EXISTS (SELECT 1 FROM case_facts f WHERE f.case_id = cases.id AND f.sku = ? AND f.batch = ?)')
      p.push(f.batch.skuId, f.batch.batch)
    }
    return { sql: w.length ? w.join(' AND ') : '1', params: p }
  }

  async listCases(filter: QueueFilter, page: { limit: number; cursor?: string | null; order?: 'created_desc' | 'due_asc' }): Promise<Page<Case>> {
    return this.casePage(filter, page, 'doc', (r) => JSON.parse(r.v as string) as Case)
  }

  /** The page listCases answers, each case as its stored list line (one of another derivation is derived again from the case). */
  async listCaseLines(filter: QueueFilter, page: { limit: number; cursor?: string | null; order?: 'created_desc' | 'due_asc' }): Promise<Page<CaseLine>> {
    return this.casePage(filter, page, 'line', (r) => {
      const line = r.v ? (JSON.parse(r.v) as CaseLine) : null
      if (line?.v === CASE_LINE_VERSION) return line
      const c = this.readCase(r.id)
      if (!c) throw new Error(`case ${r.id} vanished inside one read`)
      return caseLine(c)
    })
  }

  private casePage<T>(
    filter: QueueFilter,
    page: { limit: number; cursor?: string | null; order?: 'created_desc' | 'due_asc' },
    column: 'doc' | 'line',
    map: (r: { v: string | null; id: string }) => T,
  ): Page<T> {
    const order = page.order ?? 'created_desc'
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const { sql, params } = this.where(filter)
    const [col, cmp, dir] = order === 'created_desc' ? ['created_at', '<', 'DESC'] : ['due_sort', '>', 'ASC']
    let keyset = ''
    if (page.cursor) {
      const cur = decodeCursor(page.cursor, order)
      keyset = ` AND (${col}, id) ${cmp} (?, ?)`
      params.push(cur.key, cur.id)
    }
    const rows = this.all<{ v: string | null; k: string; id: string }>(
      `SELECT ${column} AS v, ${col} AS k, id FROM cases WHERE ${sql}${keyset} ORDER BY ${col} ${dir}, id ${dir} ${limitOf(limit + 1)}`,
      ...params,
    )
    const more = rows.length > limit
    const items = rows.slice(0, limit)
    const last = items[items.length - 1]
    return {
      items: items.map(map),
      next: more && last ? encodeCursor(order, last.k, last.id) : null,
    }
  }

  async listCaseRefs(filter: QueueFilter, limit: number): Promise<Array<{ id: string; orderId: string; status: Case['status'] }>> {
    const { sql, params } = this.where(filter)
    return this.all<{ id: string; order_id: string; status: Case['status'] }>(
      `SELECT id, order_id, status FROM cases WHERE ${sql} ORDER BY created_at DESC, id DESC LIMIT ?`, ...params, Math.max(0, Math.floor(limit)),
    ).map((r) => ({ id: r.id, orderId: r.order_id, status: r.status }))
  }

  async countCases(filter: QueueFilter, cap?: number): Promise<number> {
    const key = counterKey(filter)
    if (key !== null) {
      const n = this.get<{ n: number }>('SELECT n FROM case_counts WHERE key = ?', key)?.n ?? 0
      return cap === undefined ? n : Math.min(n, Math.max(0, Math.floor(cap)))
    }
    const { sql, params } = this.where(filter)
    if (cap === undefined) return this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM cases WHERE ${sql}`, ...params)?.n ?? 0
    return this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM cases WHERE ${sql} ${limitOf(cap)})`, ...params)?.n ?? 0
  }

  async buyerCaseCounts(buyerOpenids: string[], createdFrom: string, caps: { refunded: number; risk: number }): Promise<{ refunded: number; risk: number }> {
    const ids = [...new Set(buyerOpenids)]
    if (!ids.length) return { refunded: 0, risk: 0 }
    const of = (flag: 'refunded' | 'risk', cap: number) =>
      this.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM (SELECT 1 FROM cases WHERE buyer_openid IN (${ids.map(() => '?').join(', ')}) AND created_at >= ? AND ${flag} = 1 ${limitOf(cap)})`,
        ...ids, iso(createdFrom),
      )?.n ?? 0
    return { refunded: of('refunded', caps.refunded), risk: of('risk', caps.risk) }
  }

  /** Plain reads (no round trips to save here): the same answers as the methods they stand for. */
  async filingContext(q: FilingQuery): Promise<FilingContext> {
    const order = await this.getOrder(q.orderId)
    const openid = q.openid ?? order?.order.buyerOpenid ?? null
    const priorRow = q.idem ? this.get<{ case_id: string; fingerprint: string | null }>('SELECT case_id, fingerprint FROM idempotency WHERE scope = ? AND key = ?', q.idem.scope, q.idem.key) : null
    const priorCase = priorRow ? this.readCase(priorRow.case_id) : null
    const [buyer, cases, orders, unionBuyer, staff] = await Promise.all([
      openid ? this.getBuyer(openid) : null,
      openid ? this.buyerCaseCounts([openid], q.riskFrom, q.caps) : { refunded: 0, risk: 0 },
      openid ? this.countOrders({ buyerOpenid: openid, deliveredFrom: q.deliveredFrom }, q.caps.orders) : 0,
      q.unionid ? this.getBuyerByUnionid(q.unionid) : null,
      q.staffCap === undefined ? undefined : this.listStaffLoads(q.staffCap),
    ])
    return {
      order,
      openid,
      buyer,
      counts: { ...cases, orders },
      prior: priorCase ? { case: priorCase, ...(priorRow?.fingerprint ? { fingerprint: priorRow.fingerprint } : {}) } : null,
      unionBuyer,
      ...(staff ? { staff } : {}),
    }
  }

  async dueCases(now: string, limit: number): Promise<Case[]> {
    return this.all<{ doc: string }>(
      'SELECT doc FROM cases WHERE sla_due_at IS NOT NULL AND sla_due_at <= ? ORDER BY sla_due_at ASC, id ASC LIMIT ?',
      iso(now), Math.max(0, Math.floor(limit)),
    ).map((r) => JSON.parse(r.doc) as Case)
  }

  async nextCaseNo(day: string): Promise<string> {
    const r = this.get<{ value: number }>(
      'INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value',
      `case_no:${day}`,
    )
    if (!r) throw new Error('counter update returned nothing')
    return formatCaseNo(day, r.value)
  }

  // ------------------------------------------------------------------ staff, buyers, policy

  async listStaff(): Promise<StaffRecord[]> {
    return this.all<{ doc: string }>('SELECT doc FROM staff ORDER BY id').map((r) => JSON.parse(r.doc) as StaffRecord)
  }
  async getStaff(id: string): Promise<StaffRecord | null> {
    const r = this.get<{ doc: string }>('SELECT doc FROM staff WHERE id = ?', id)
    return r ? (JSON.parse(r.doc) as StaffRecord) : null
  }
  async upsertStaff(s: StaffRecord): Promise<void> {
    this.run(
      'INSERT INTO staff (id, active, doc) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET active = excluded.active, doc = excluded.doc',
      s.id, s.active ? 1 : 0, JSON.stringify(s),
    )
  }
  async patchStaff(id: string, patch: Partial<Omit<StaffRecord, 'id'>>): Promise<boolean> {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined)
    if (!entries.length) return !!this.get('SELECT 1 AS x FROM staff WHERE id = ?', id)
    // json_set per field in one statement: atomic, and other fields keep whatever is stored now
    const paths = entries.map(() => ', ?, json(?)').join('')
    const args = entries.flatMap(([k, v]) => [`$.${k}`, JSON.stringify(v)])
    const active = patch.active === undefined ? 'active' : '?'
    const params: SqlValue[] = [...(patch.active === undefined ? [] : [patch.active ? 1 : 0]), ...args, id]
    return this.run(`UPDATE staff SET active = ${active}, doc = json_set(doc${paths}) WHERE id = ?`, ...params).changes === 1
  }
  async listStaffLoads(cap = OPEN_COUNT_CAP): Promise<Array<StaffRecord & { openCases: number }>> {
    const staff = await this.listStaff()
    const counts = await this.openCaseCounts(staff.map((s) => s.id), cap)
    return staff.map((s) => ({ ...s, openCases: counts[s.id] ?? 0 }))
  }
  async openCaseCounts(staffIds: string[], cap = OPEN_COUNT_CAP): Promise<Record<string, number>> {
    const out: Record<string, number> = {}
    const c = Math.max(0, Math.floor(cap))
    const ids = [...new Set(staffIds)]
    if (!ids.length) return out
    // every agent's counter in one range of the counters' key ('assignee:' ≤ key < 'assignee;'): one
    // read for the roster (a row per agent with open cases), instead of one per agent
    const rows = this.all<{ key: string; n: number }>("SELECT key, n FROM case_counts WHERE key >= 'assignee:' AND key < 'assignee;'")
    const n = new Map(rows.map((r) => [r.key, r.n]))
    for (const id of ids) out[id] = Math.min(c, n.get(`assignee:${id}`) ?? 0)
    return out
  }
  async getBuyer(openid: string): Promise<BuyerRecord | null> {
    return this.toBuyer(this.get<BuyerRow>('SELECT * FROM buyers WHERE openid = ?', openid))
  }
  private toBuyer(r: BuyerRow | undefined): BuyerRecord | null {
    if (!r) return null
    return {
      openid: r.openid,
      dedicatedRepId: r.dedicated_rep_id,
      trusted: r.trusted === 1,
      ...(r.unionid ? { unionid: r.unionid } : {}),
      ...(r.trust ? { trust: JSON.parse(r.trust) as BuyerTrust } : {}),
      ...(r.name ? { name: r.name } : {}),
      ...(r.phone_tail ? { phoneTail: r.phone_tail } : {}),
      ...(r.shop_openids ? { shopOpenids: JSON.parse(r.shop_openids) as string[] } : {}),
      ...(r.preferences ? { preferences: JSON.parse(r.preferences) as BuyerPreferences } : {}),
    }
  }
  async setBuyerTrust(openid: string, change: TrustChange): Promise<BuyerRecord> {
    return this.db.transaction((): BuyerRecord => {
      const cur = this.toBuyer(this.get<BuyerRow>('SELECT * FROM buyers WHERE openid = ?', openid))
      const trust: BuyerTrust = { override: change.trusted, history: [...(cur?.trust?.history ?? []), change].slice(-TRUST_HISTORY_KEPT) }
      this.run(
        `INSERT INTO buyers (openid, dedicated_rep_id, trusted, trust) VALUES (?, NULL, 0, ?)
         ON CONFLICT(openid) DO UPDATE SET trust = excluded.trust`,
        openid, JSON.stringify(trust),
      )
      return { ...(cur ?? { openid, dedicatedRepId: null, trusted: false }), trust }
    }).immediate()
  }
  async setBuyerPreferences(openid: string, preferences: BuyerPreferences): Promise<boolean> {
    // one statement: the newer-wins check and the write cannot interleave with another writer
    const r = this.run(
      `INSERT INTO buyers (openid, dedicated_rep_id, trusted, preferences) VALUES (?, NULL, 0, ?)
       ON CONFLICT(openid) DO UPDATE SET preferences = excluded.preferences
       WHERE buyers.preferences IS NULL OR json_extract(buyers.preferences, '$.at') <= ?`,
      openid, JSON.stringify(preferences), preferences.at,
    )
    return r.changes === 1
  }
  async upsertBuyer(b: BuyerRecord): Promise<void> {
    this.run(
      `INSERT INTO buyers (openid, dedicated_rep_id, trusted, unionid, name, phone_tail, shop_openids) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(openid) DO UPDATE SET dedicated_rep_id = excluded.dedicated_rep_id, trusted = excluded.trusted,
         unionid = COALESCE(excluded.unionid, buyers.unionid), name = COALESCE(excluded.name, buyers.name),
         phone_tail = COALESCE(excluded.phone_tail, buyers.phone_tail), shop_openids = COALESCE(excluded.shop_openids, buyers.shop_openids)`,
      b.openid, b.dedicatedRepId, b.trusted ? 1 : 0, b.unionid ?? null, b.name ?? null, b.phoneTail ?? null, b.shopOpenids ? JSON.stringify(b.shopOpenids) : null,
    )
  }
  async setBuyerContact(openid: string, contact: { name: string | null; phoneTail: string | null }): Promise<void> {
    this.run(
      `INSERT INTO buyers (openid, dedicated_rep_id, trusted, name, phone_tail) VALUES (?, NULL, 0, ?, ?)
       ON CONFLICT(openid) DO UPDATE SET name = COALESCE(excluded.name, buyers.name), phone_tail = COALESCE(excluded.phone_tail, buyers.phone_tail)`,
      openid, contact.name, contact.phoneTail,
    )
  }
  async searchBuyers(q: string, limit: number): Promise<BuyerRecord[]> {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`
    return this.all<BuyerRow>(
      `SELECT * FROM buyers WHERE phone_tail = ? OR name LIKE ? ESCAPE '\\' ORDER BY name, openid LIMIT ?`,
      q, like, Math.max(0, Math.floor(limit)),
    ).map((r) => this.toBuyer(r)!)
  }
  async listRepAssignments(limit: number): Promise<BuyerRecord[]> {
    return this.all<BuyerRow>('SELECT * FROM buyers WHERE dedicated_rep_id IS NOT NULL ORDER BY dedicated_rep_id, openid LIMIT ?', Math.max(0, Math.floor(limit))).map((r) => this.toBuyer(r)!)
  }

  private toPolicyRecord(r: PolicyRow): PolicyRecord {
    return { version: r.version, policy: JSON.parse(r.doc) as Policy, updatedBy: r.updated_by, updatedAt: r.updated_at, whatIf: whatIfOf(r) }
  }
  /**
   * A stored version never changes (savePolicy only inserts the next one): each is parsed once and
   * every read after that is one lookup of the newest version number (another process may save one).
   */
  async getPolicy(): Promise<PolicyRecord | null> {
    const v = this.get<{ v: number | null }>('SELECT MAX(version) AS v FROM policy_versions')?.v
    return v == null ? null : this.policyRecord(v)
  }
  private policyRecord(version: number): PolicyRecord | null {
    const hit = this.policyRecords.get(version)
    if (hit) return hit
    const r = this.get<PolicyRow>('SELECT * FROM policy_versions WHERE version = ?', version)
    if (!r) return null
    const rec = this.toPolicyRecord(r)
    this.policyRecords.set(version, rec)
    return rec
  }
  async savePolicy(policy: Policy, expectedVersion: number, by: string, at: string, whatIf: WhatIfSummary | null = null): Promise<PolicyRecord> {
    return this.db.transaction((): PolicyRecord => {
      const cur = this.get<{ v: number | null }>('SELECT MAX(version) AS v FROM policy_versions')?.v ?? 0
      if (cur !== expectedVersion) throw new StoreConflict(`policy is at version ${cur}, not ${expectedVersion}`)
      const version = expectedVersion + 1
      const rec: PolicyRecord = { version, policy: { ...policy, version }, updatedBy: by, updatedAt: iso(at), whatIf }
      this.run(
        'INSERT INTO policy_versions (version, doc, updated_by, updated_at, what_if) VALUES (?, ?, ?, ?, ?)',
        version, JSON.stringify(rec.policy), by, rec.updatedAt, whatIf ? JSON.stringify(whatIf) : null,
      )
      return rec
    }).immediate()
  }
  async getPolicyVersion(version: number): Promise<PolicyRecord | null> {
    return this.policyRecord(version)
  }
  async listPolicyVersions(): Promise<Omit<PolicyRecord, 'policy'>[]> {
    return this.all<Omit<PolicyRow, 'doc'>>('SELECT version, updated_by, updated_at, what_if FROM policy_versions ORDER BY version DESC').map((r) => ({
      version: r.version,
      updatedBy: r.updated_by,
      updatedAt: r.updated_at,
      whatIf: whatIfOf(r),
    }))
  }

  // ------------------------------------------------------------------ orders

  async upsertOrder(o: OrderRecord): Promise<void> {
    this.writeOrder(o, this.get<{ doc: string }>('SELECT doc FROM orders WHERE order_id = ?', o.order.orderId))
  }
  /** Writes an order, keeping the logistics watch's mark of the stored one across re-imports. */
  private writeOrder(o: OrderRecord, prev: { doc: string } | undefined): void {
    const watchedAt = o.watchedAt ?? (prev ? (JSON.parse(prev.doc) as OrderRecord).watchedAt : null)
    const rec: OrderRecord = watchedAt ? { ...o, watchedAt } : o
    this.run(
      `INSERT INTO orders (order_id, buyer_openid, created_at, watch_due, doc, buyer_unionid, delivered_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(order_id) DO UPDATE SET buyer_openid = excluded.buyer_openid, created_at = excluded.created_at,
         watch_due = excluded.watch_due, doc = excluded.doc, buyer_unionid = excluded.buyer_unionid, delivered_at = excluded.delivered_at`,
      rec.order.orderId, rec.order.buyerOpenid, iso(rec.createdAt), orderWatchDue(rec), JSON.stringify(rec), rec.order.buyerUnionid ?? null,
      rec.order.deliveredAt ? iso(rec.order.deliveredAt) : null,
    )
  }
  /**
   * The CSV import's write: a new order, or a re-import of the same order (status, dates, items),
   * but never one that moves an existing order to another buyer or changes what was paid; answers
   * false for those and writes nothing. One IMMEDIATE transaction, so the check holds against a
   * concurrent import.
   */
  async importOrder(o: OrderRecord): Promise<boolean> {
    return this.db.transaction(() => {
      const prev = this.get<{ doc: string }>('SELECT doc FROM orders WHERE order_id = ?', o.order.orderId)
      const was = prev ? (JSON.parse(prev.doc) as OrderRecord).order : null
      if (was && (was.buyerOpenid !== o.order.buyerOpenid || was.paidFen !== o.order.paidFen)) return false
      this.writeOrder(o, prev)
      return true
    }).immediate()
  }
  async getOrder(orderId: string): Promise<OrderRecord | null> {
    const r = this.get<{ doc: string }>('SELECT doc FROM orders WHERE order_id = ?', orderId)
    return r ? (JSON.parse(r.doc) as OrderRecord) : null
  }
  async listOrdersByBuyer(openid: string, limit: number): Promise<OrderRecord[]> {
    return this.all<{ doc: string }>(
      'SELECT doc FROM orders WHERE buyer_openid = ? ORDER BY created_at DESC, order_id DESC LIMIT ?',
      openid, Math.max(0, Math.floor(limit)),
    ).map((r) => JSON.parse(r.doc) as OrderRecord)
  }
  async countOrders(filter: { buyerOpenid: string | string[]; deliveredFrom: string }, cap: number): Promise<number> {
    const ids = [...new Set(typeof filter.buyerOpenid === 'string' ? [filter.buyerOpenid] : filter.buyerOpenid)]
    if (!ids.length) return 0
    return this.get<{ n: number }>(
      `SELECT COUNT(*) AS n FROM (SELECT 1 FROM orders WHERE buyer_openid IN (${ids.map(() => '?').join(', ')}) AND delivered_at >= ? ${limitOf(cap)})`,
      ...ids, iso(filter.deliveredFrom),
    )?.n ?? 0
  }
  async unsignedOrders(shippedBefore: string, limit: number): Promise<OrderRecord[]> {
    return this.all<{ doc: string }>(
      'SELECT doc FROM orders WHERE watch_due <= ? ORDER BY watch_due, order_id LIMIT ?',
      iso(shippedBefore), Math.max(0, Math.floor(limit)),
    ).map((r) => JSON.parse(r.doc) as OrderRecord)
  }
  async markOrderWatched(orderId: string, at: string): Promise<boolean> {
    const r = this.run(
      `UPDATE orders SET watch_due = ?, doc = json_set(doc, '$.watchedAt', ?)
       WHERE order_id = ? AND json_extract(doc, '$.watchedAt') IS NULL`,
      NO_DUE, iso(at), orderId,
    )
    return r.changes === 1
  }

  // ------------------------------------------------------------------ Channels shop sync

  async getBuyerByUnionid(unionid: string): Promise<BuyerRecord | null> {
    return this.toBuyer(this.get<BuyerRow>('SELECT * FROM buyers WHERE unionid = ? ORDER BY openid LIMIT 1', unionid))
  }
  async listOrdersByUnionid(unionid: string, limit: number): Promise<OrderRecord[]> {
    return this.all<{ doc: string }>(
      'SELECT doc FROM orders WHERE buyer_unionid = ? ORDER BY created_at DESC, order_id DESC LIMIT ?',
      unionid, Math.max(0, Math.floor(limit)),
    ).map((r) => JSON.parse(r.doc) as OrderRecord)
  }
  async getSyncState(name: string): Promise<SyncState | null> {
    const r = this.get<{ name: string; version: number; value: string; updated_at: string }>('SELECT * FROM sync_state WHERE name = ?', name)
    return r ? { name: r.name, version: r.version, value: JSON.parse(r.value) as Record<string, unknown>, updatedAt: r.updated_at } : null
  }
  async saveSyncState(name: string, value: Record<string, unknown>, expectedVersion: number, at: string): Promise<boolean> {
    const json = JSON.stringify(value)
    const r = expectedVersion === 0
      ? this.run('INSERT INTO sync_state (name, version, value, updated_at) VALUES (?, 1, ?, ?) ON CONFLICT(name) DO NOTHING', name, json, iso(at))
      : this.run('UPDATE sync_state SET version = version + 1, value = ?, updated_at = ? WHERE name = ? AND version = ?', json, iso(at), name, expectedVersion)
    return r.changes === 1
  }

  // ------------------------------------------------------------------ refunds

  private readRefund(key: string): RefundRecord | null {
    const row = this.get<{ key: string; case_id: string; order_id: string; amount_fen: number; status: RefundRecord['status']; created_at: string }>(
      'SELECT * FROM refunds WHERE key = ?', key,
    )
    return row
      ? { key: row.key, caseId: row.case_id, orderId: row.order_id, amountFen: row.amount_fen, status: row.status, createdAt: row.created_at }
      : null
  }
  /** A refund record by its key; a key recorded before is left as it is. */
  private insertRefund(r: Omit<RefundRecord, 'status'>): { changes: number } {
    return this.run(
      `INSERT INTO refunds (key, case_id, order_id, amount_fen, status, created_at) VALUES (?, ?, ?, ?, 'recorded', ?)
       ON CONFLICT(key) DO NOTHING`,
      r.key, r.caseId, r.orderId, r.amountFen, iso(r.createdAt),
    )
  }
  async recordRefund(r: Omit<RefundRecord, 'status'>): Promise<{ created: boolean; refund: RefundRecord }> {
    return this.db.transaction(() => {
      const res = this.insertRefund(r)
      const refund = this.readRefund(r.key)
      if (!refund) throw new Error('refund row missing after insert')
      return { created: res.changes === 1, refund }
    }).immediate()
  }
  async getRefund(key: string): Promise<RefundRecord | null> {
    return this.readRefund(key)
  }
  async refundedForOrder(orderId: string): Promise<number> {
    return this.get<{ s: number | null }>("SELECT SUM(amount_fen) AS s FROM refunds WHERE order_id = ? AND status != 'failed'", orderId)?.s ?? 0
  }

  // ------------------------------------------------------------------ outbox

  async pendingOutbox(now: string, limit: number): Promise<OutboxItem[]> {
    return this.all<OutboxRow>(
      "SELECT * FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, key LIMIT ?",
      iso(now), Math.max(0, Math.floor(limit)),
    ).map(toOutbox)
  }
  /** One statement: the due rows, urgent first, leased to this claim with their attempt counted. */
  async claimOutbox(now: string, limit: number, leaseUntil: string, claim: string): Promise<OutboxItem[]> {
    const rows = this.all<OutboxRow & { priority: number }>(
      `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, claim = ?
       WHERE key IN (SELECT key FROM outbox WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY priority, next_attempt_at, key LIMIT ?)
       RETURNING *`,
      iso(leaseUntil), claim, iso(now), Math.max(0, Math.floor(limit)),
    )
    rows.sort((a, b) => a.priority - b.priority || a.created_at.localeCompare(b.created_at) || a.key.localeCompare(b.key))
    return rows.map(toOutbox)
  }
  async finishOutbox(keys: string[], claim: string, patch: OutboxFinish): Promise<number> {
    if (!keys.length) return 0
    const [sentAt, lastError] = patch.status === 'sent' ? [iso(patch.sentAt), null] : [null, patch.lastError]
    const update = this.db.prepare("UPDATE outbox SET status = ?, sent_at = ?, last_error = ? WHERE key = ? AND claim = ? AND status = 'pending'")
    return this.db.transaction(() => keys.reduce((n, k) => n + update.run(patch.status, sentAt, lastError, k, claim).changes, 0))()
  }
  async updateOutbox(
    key: string,
    expectedAttempts: number,
    patch: Partial<Pick<OutboxItem, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>>,
  ): Promise<boolean> {
    const sets: string[] = []
    const p: SqlValue[] = []
    const set = (col: string, v: SqlValue) => {
      sets.push(col)
      p.push(v)
    }
    if (patch.status !== undefined) set('status = ?', patch.status)
    if (patch.attempts !== undefined) set('attempts = ?', patch.attempts)
    if (patch.nextAttemptAt !== undefined) set('next_attempt_at = ?', iso(patch.nextAttemptAt))
    if (patch.lastError !== undefined) set('last_error = ?', patch.lastError)
    if (patch.sentAt !== undefined) set('sent_at = ?', patch.sentAt === null ? null : iso(patch.sentAt))
    if (!sets.length) return !!this.get('SELECT 1 AS x FROM outbox WHERE key = ? AND attempts = ?', key, expectedAttempts)
    return this.run(`UPDATE outbox SET ${sets.join(', ')} WHERE key = ? AND attempts = ?`, ...p, key, expectedAttempts).changes === 1
  }
  async listOutbox(filter: { status?: OutboxItem['status']; caseId?: string }, limit: number): Promise<OutboxItem[]> {
    const w: string[] = []
    const p: SqlValue[] = []
    const add = (cond: string, v: SqlValue) => {
      w.push(cond)
      p.push(v)
    }
    if (filter.status !== undefined) add('status = ?', filter.status)
    if (filter.caseId !== undefined) add('case_id = ?', filter.caseId)
    return this.all<OutboxRow>(
      `SELECT * FROM outbox WHERE ${w.length ? w.join(' AND ') : '1'} ORDER BY created_at, key LIMIT ?`,
      ...p, Math.max(0, Math.floor(limit)),
    ).map(toOutbox)
  }

  private taskWhere(f: TaskFilter): { sql: string; params: SqlValue[] } {
    const w = ['t.kind = ?', 't.open = 1']
    const p: SqlValue[] = [f.kind]
    if (f.owner !== undefined) {
      w.push('t.owner = ?')
      p.push(f.owner)
    }
    if (f.dueBefore !== undefined) {
      w.push('t.due_at <= ?')
      p.push(iso(f.dueBefore))
    }
    return { sql: w.join(' AND '), params: p }
  }
  async listTaskCases(filter: TaskFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Case>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const { sql, params } = this.taskWhere(filter)
    let keyset = ''
    if (page.cursor) {
      const cur = decodeCursor(page.cursor, `task:${filter.kind}`)
      keyset = ' AND (t.due_at, t.id) > (?, ?)'
      params.push(cur.key, cur.id)
    }
    const rows = this.all<{ doc: string; k: string; id: string }>(
      `SELECT c.doc AS doc, t.due_at AS k, t.id AS id FROM case_tasks t JOIN cases c ON c.id = t.case_id
       WHERE ${sql}${keyset} ORDER BY t.due_at, t.id ${limitOf(limit + 1)}`,
      ...params,
    )
    const items = rows.slice(0, limit)
    const last = items[items.length - 1]
    return { items: items.map((r) => JSON.parse(r.doc) as Case), next: rows.length > limit && last ? encodeCursor(`task:${filter.kind}`, last.k, last.id) : null }
  }
  async countTasks(filter: TaskFilter, cap: number): Promise<number> {
    const { sql, params } = this.taskWhere(filter)
    return this.get<{ n: number }>(`SELECT COUNT(*) AS n FROM (SELECT 1 FROM case_tasks t WHERE ${sql} ${limitOf(cap)})`, ...params)?.n ?? 0
  }
  async dueTaskCases(now: string, limit: number): Promise<Case[]> {
    return this.all<{ doc: string }>(
      `SELECT c.doc AS doc FROM case_tasks t JOIN cases c ON c.id = t.case_id
       WHERE t.open = 1 AND t.next_at <= ? ORDER BY t.next_at, t.id LIMIT ?`,
      iso(now), Math.max(0, Math.floor(limit)),
    ).map((r) => JSON.parse(r.doc) as Case)
  }

  async enqueueOutbox(items: NewOutboxItem[], at: string): Promise<number> {
    const t = iso(at)
    return this.db.transaction(() => {
      let n = 0
      for (const o of items) {
        n += this.run(
          `INSERT INTO outbox (key, case_id, kind, payload, status, attempts, next_attempt_at, last_error, created_at, sent_at, priority)
           VALUES (?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL, ?) ON CONFLICT(key) DO NOTHING`,
          o.key, o.caseId, o.kind, JSON.stringify(o.payload), t, t, outboxPriority(o),
        ).changes
      }
      return n
    })()
  }
  /** One upsert whose update only happens while the window has room: atomic across connections. */
  async takeSlot(bucket: string, max: number, n = 1): Promise<boolean> {
    const r = this.get<{ used: number }>(
      `INSERT INTO rate_slots (bucket, used) SELECT ?, ? WHERE ? <= ?
       ON CONFLICT(bucket) DO UPDATE SET used = used + excluded.used WHERE used + excluded.used <= ? RETURNING used`,
      bucket, n, n, max, max,
    )
    return !!r
  }

  // ------------------------------------------------------------------ staff inbox

  async addInbox(items: InboxRecord[]): Promise<number> {
    return this.db.transaction(() => {
      let n = 0
      for (const i of items) {
        n += this.run(
          'INSERT INTO staff_inbox (id, staff_id, created_at, unread, doc) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
          i.id, i.staffId, iso(i.createdAt), i.readAt ? 0 : 1, JSON.stringify(i),
        ).changes
      }
      return n
    })()
  }
  async listInbox(staffId: string, opts: { unreadOnly?: boolean; limit: number; cursor?: string | null }): Promise<Page<InboxRecord>> {
    const w = ['staff_id = ?']
    const p: SqlValue[] = [staffId]
    if (opts.unreadOnly) w.push('unread = 1')
    if (opts.cursor) {
      const c = decodeCursor(opts.cursor, 'inbox')
      w.push('(created_at < ? OR (created_at = ? AND id < ?))')
      p.push(c.key, c.key, c.id)
    }
    const limit = Math.max(1, Math.floor(opts.limit))
    const rows = this.all<{ id: string; created_at: string; doc: string }>(
      `SELECT id, created_at, doc FROM staff_inbox WHERE ${w.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...p, limit + 1,
    )
    const items = rows.slice(0, limit).map((r) => JSON.parse(r.doc) as InboxRecord)
    const last = rows.length > limit ? rows[limit - 1] : null
    return { items, next: last ? encodeCursor('inbox', last.created_at, last.id) : null }
  }
  async countUnread(staffId: string, cap: number): Promise<number> {
    const r = this.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM (SELECT 1 FROM staff_inbox WHERE staff_id = ? AND unread = 1 LIMIT ?)',
      staffId, Math.max(0, Math.floor(cap)),
    )
    return r?.n ?? 0
  }
  async markInboxRead(staffId: string, ids: string[] | 'all', at: string): Promise<number> {
    const set = "UPDATE staff_inbox SET unread = 0, doc = json_set(doc, '$.readAt', ?) WHERE staff_id = ? AND unread = 1"
    if (ids === 'all') return this.run(set, iso(at), staffId).changes
    return this.db.transaction(() => ids.reduce((n, id) => n + this.run(`${set} AND id = ?`, iso(at), staffId, id).changes, 0))()
  }

  // ------------------------------------------------------------------ credits

  async addCredits(openid: string, templateId: string, n: number): Promise<number> {
    if (!Number.isInteger(n) || n < 0) throw new Error('addCredits: n must be a non-negative integer')
    const r = this.get<{ count: number }>(
      `INSERT INTO credits (openid, template_id, count) VALUES (?, ?, ?)
       ON CONFLICT(openid, template_id) DO UPDATE SET count = count + excluded.count RETURNING count`,
      openid, templateId, n,
    )
    return r?.count ?? 0
  }
  async spendCredit(openid: string, templateId: string): Promise<boolean> {
    return this.run('UPDATE credits SET count = count - 1 WHERE openid = ? AND template_id = ? AND count > 0', openid, templateId).changes === 1
  }
  async getCredits(openid: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {}
    for (const r of this.all<{ template_id: string; count: number }>('SELECT template_id, count FROM credits WHERE openid = ?', openid)) {
      out[r.template_id] = r.count
    }
    return out
  }

  // ------------------------------------------------------------------ media

  async putMedia(m: MediaRecord): Promise<void> {
    this.run(
      `INSERT INTO media (id, owner_openid, mime, kind, size, location, created_at, attached_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET owner_openid = excluded.owner_openid, mime = excluded.mime, kind = excluded.kind,
         size = excluded.size, location = excluded.location, created_at = excluded.created_at, attached_at = excluded.attached_at`,
      m.id, m.ownerOpenid, m.mime, m.kind, m.size, m.location, m.createdAt, m.attachedAt ?? null,
    )
  }
  async getMedia(id: string): Promise<MediaRecord | null> {
    const r = this.get<MediaRow>('SELECT * FROM media WHERE id = ?', id)
    return r ? mediaOf(r) : null
  }
  async mediaUsage(ownerOpenid: string, since: string): Promise<{ count: number; bytes: number }> {
    const r = this.get<{ n: number; bytes: number | null }>('SELECT COUNT(*) AS n, SUM(size) AS bytes FROM media WHERE owner_openid = ? AND created_at >= ?', ownerOpenid, iso(since))
    return { count: r?.n ?? 0, bytes: r?.bytes ?? 0 }
  }
  async markMediaAttached(ids: string[], at: string): Promise<void> {
    if (!ids.length) return
    this.run(`UPDATE media SET attached_at = ? WHERE attached_at IS NULL AND id IN (${ids.map(() => '?').join(', ')})`, iso(at), ...ids)
  }
  async unattachedMedia(before: string, limit: number): Promise<MediaRecord[]> {
    return this.all<MediaRow>('SELECT * FROM media WHERE attached_at IS NULL AND created_at < ? ORDER BY created_at LIMIT ?', iso(before), limit).map(mediaOf)
  }
  async deleteMedia(id: string): Promise<void> {
    this.run('DELETE FROM media WHERE id = ?', id)
  }


  // ------------------------------------------------------------------ platform tokens, throttles

  async getToken(name: string): Promise<TokenRecord | null> {
    const r = this.get<{ value: string; expires_at: string; version: number; updated_at: string }>('SELECT * FROM tokens WHERE name = ?', name)
    return r ? { name, value: r.value, expiresAt: r.expires_at, version: r.version, updatedAt: r.updated_at } : null
  }
  async putToken(name: string, value: string, expiresAt: string, expectedVersion: number, at: string): Promise<boolean> {
    const r =
      expectedVersion === 0
        ? this.run('INSERT INTO tokens (name, value, expires_at, version, updated_at) VALUES (?, ?, ?, 1, ?) ON CONFLICT(name) DO NOTHING', name, value, iso(expiresAt), iso(at))
        : this.run('UPDATE tokens SET value = ?, expires_at = ?, version = version + 1, updated_at = ? WHERE name = ? AND version = ?', value, iso(expiresAt), iso(at), name, expectedVersion)
    return r.changes === 1
  }
  /** One upsert that only moves `last_at` when the interval has passed: atomic across connections. */
  async takeThrottle(key: string, now: string, intervalMs: number): Promise<ThrottleResult> {
    const t = Date.parse(now)
    const r = this.run(
      'INSERT INTO throttles (key, last_at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET last_at = excluded.last_at WHERE throttles.last_at <= ?',
      key, iso(now), new Date(t - intervalMs).toISOString(),
    )
    if (r.changes === 1) return { granted: true }
    const last = this.get<{ last_at: string }>('SELECT last_at FROM throttles WHERE key = ?', key)
    return { granted: false, retryAt: new Date(Date.parse(last?.last_at ?? now) + intervalMs).toISOString() }
  }

  // ------------------------------------------------------------------ analytics and export

  /**
   * GROUP BY queries over `case_facts` (one narrow row per case and claimed SKU, never the
   * documents) inside one read transaction: case-level figures count each case's first row.
   */
  async caseStats(filter: QueueFilter, opts: { weekBounds: string[]; now: string }): Promise<CaseStats> {
    // the range is read on case_facts' own index; any other filter selects the cases first
    const conds: string[] = []
    const params: SqlValue[] = []
    const { createdFrom, createdTo, ...rest } = filter
    if (createdFrom !== undefined) {
      conds.push('created_at >= ?')
      params.push(iso(createdFrom))
    }
    if (createdTo !== undefined) {
      conds.push('created_at < ?')
      params.push(iso(createdTo))
    }
    if (Object.values(rest).some((v) => v !== undefined)) {
      const w = this.where(rest)
      conds.push(`case_id IN (SELECT id FROM cases WHERE ${w.sql})`)
      params.push(...w.params)
    }
    const where = conds.length ? conds.join(' AND ') : '1'
    const bounds = opts.weekBounds.map(iso)
    const weeks = Math.max(0, bounds.length - 1)
    // the first bound that the creation instant reaches, from the end: -1 past the last, else its week
    const week = weeks ? `CASE ${bounds.map((_, i) => `WHEN created_at >= ? THEN ${i === weeks ? -1 : i}`).reverse().join(' ')} ELSE -1 END` : '-1'
    const weekParams = [...bounds].reverse()
    const now = Date.parse(opts.now)
    return this.db.transaction((): CaseStats => {
      // per-week counts of every group dimension from one scan at the finest grain, summed below
      // (each GROUP BY sorts the whole range: one sort here instead of one per dimension)
      type Fine = { w: number; reason: string; sku: string; batch: string; name: string; first: number; fp: number; n: number }
      const fine = this.all<Fine>(
        `SELECT ${week} AS w, reason, sku, batch, name, first, first_product AS fp, COUNT(*) AS n
         FROM case_facts WHERE ${where} GROUP BY w, reason, sku, batch, name, first, fp`, ...weekParams, ...params,
      ).filter((r) => r.w >= 0 && r.w < weeks)
      // per group dimension one more scan: totals with distinct buyers (`keyOf` = `key` on a fine row, null outside `rows`)
      const groups = (rows: string, key: string, name: string, batch: string, keyOf: (r: Fine) => string | null): CaseStatsGroup[] => {
        const byKey = new Map<string, CaseStatsGroup>()
        for (const r of this.all<{ k: string; name: string; batch: string | null; total: number; buyers: number }>(
          `SELECT ${key} AS k, MIN(${name}) AS name, MIN(${batch}) AS batch, COUNT(*) AS total, COUNT(DISTINCT buyer) AS buyers
           FROM case_facts WHERE ${where} AND ${rows} GROUP BY k`, ...params,
        )) {
          byKey.set(r.k, { key: r.k, name: r.name, ...(r.batch === null ? {} : { batch: r.batch }), total: r.total, buyers: r.buyers, perWeek: new Array<number>(weeks).fill(0) })
        }
        for (const r of fine) {
          const k = keyOf(r)
          const g = k === null ? undefined : byKey.get(k)
          if (g) g.perWeek[r.w] += r.n
        }
        return [...byKey.values()]
      }
      const CASE = 'first = 1'
      const SKU = "sku != ''"
      // every other case-level figure in one scan grouped by (week, SLA verdicts at now, met targets, rating)
      const verdict = (col: string, due: string) => `CASE WHEN ${col} = 'open' THEN (CASE WHEN ? > ${due} THEN 'miss' ELSE 'pending' END) ELSE ${col} END`
      const parts = this.all<{ w: number; a: SlaVerdict; b: SlaVerdict; fr: number; res: number; rating: number | null; n: number }>(
        `SELECT ${week} AS w, ${verdict('fr', 'fr_due')} AS a, ${verdict('res', 'res_due')} AS b, fr_ms IS NOT NULL AS fr, res_ms IS NOT NULL AS res, rating, COUNT(*) AS n
         FROM case_facts WHERE ${where} AND ${CASE} GROUP BY w, a, b, fr, res, rating`,
        ...weekParams, now, now, ...params,
      )
      const overall = this.get<{ total: number; buyers: number }>(`SELECT COUNT(*) AS total, COUNT(DISTINCT buyer) AS buyers FROM case_facts WHERE ${where} AND ${CASE}`, ...params)
      const perWeek = new Array<number>(weeks).fill(0)
      const slaPairs = new Map<string, CaseStats['sla'][number]>()
      const ratings: CaseStats['ratings'] = [0, 0, 0, 0, 0]
      let frCount = 0
      let resCount = 0
      for (const p of parts) {
        if (p.w >= 0 && p.w < weeks) perWeek[p.w] += p.n
        const pair = slaPairs.get(`${p.a}|${p.b}`) ?? { firstResponse: p.a, resolution: p.b, n: 0 }
        pair.n += p.n
        slaPairs.set(`${p.a}|${p.b}`, pair)
        if (p.fr) frCount += p.n
        if (p.res) resCount += p.n
        if (p.rating !== null && p.rating >= 1 && p.rating <= 5) ratings[p.rating - 1] += p.n
      }
      const median = (col: string, count: number) => {
        if (!count) return { count, medianMs: null }
        const mid = Math.floor(count / 2)
        const vals = this.all<{ v: number }>(
          `SELECT ${col} AS v FROM case_facts WHERE ${where} AND ${CASE} AND ${col} IS NOT NULL ORDER BY ${col} LIMIT ? OFFSET ?`,
          ...params, count % 2 ? 1 : 2, count % 2 ? mid : mid - 1,
        ).map((r) => r.v)
        return { count, medianMs: vals.length === 1 ? vals[0] : Math.round((vals[0] + vals[1]) / 2) }
      }
      const money = this.all<CaseStats['money'][number]>(
        `SELECT remedy, MIN(remedy_label) AS label, COUNT(*) AS cases, SUM(refund) AS refundFen, SUM(comp) AS compensationFen, SUM(coupon) AS couponFen,
           SUM(gift) AS giftFen, SUM(repl) AS replacementFen, SUM(money) AS totalFen FROM case_facts WHERE ${where} AND ${CASE} AND money IS NOT NULL GROUP BY remedy`,
        ...params,
      )
      const reviews = this.all<CaseStats['reviews'][number]>(
        `SELECT ${verdict('rv', 'rv_due')} AS follow, rv_out AS outcome, COUNT(*) AS n FROM case_facts WHERE ${where} AND ${CASE} AND rv IS NOT NULL GROUP BY follow, outcome`,
        now, ...params,
      )
      const visits = this.all<CaseStats['visits'][number]>(
        `SELECT visit AS outcome, COUNT(*) AS n FROM case_facts WHERE ${where} AND ${CASE} AND visit IS NOT NULL GROUP BY visit`,
        ...params,
      )
      const disputes = this.all<CaseStats['disputes'][number]>(
        `SELECT dispute AS fact, COUNT(*) AS n FROM case_facts WHERE ${where} AND ${CASE} AND dispute IS NOT NULL GROUP BY dispute`,
        ...params,
      )
      return {
        total: overall?.total ?? 0,
        buyers: overall?.buyers ?? 0,
        perWeek,
        byReason: groups(CASE, 'reason', 'reason', 'NULL', (r) => (r.first === 1 ? r.reason : null)),
        byProduct: groups('first_product = 1', 'name', 'name', 'NULL', (r) => (r.fp === 1 ? r.name : null)),
        bySku: groups(SKU, 'sku', 'name', 'NULL', (r) => (r.sku !== '' ? r.sku : null)),
        byBatch: groups(SKU, "sku || '@' || (CASE batch WHEN '' THEN '-' ELSE batch END)", 'name', 'batch', (r) => (r.sku !== '' ? `${r.sku}@${r.batch === '' ? '-' : r.batch}` : null)),
        byReasonSku: groups(SKU, "reason || '|' || sku", 'name', 'NULL', (r) => (r.sku !== '' ? `${r.reason}|${r.sku}` : null)),
        sla: [...slaPairs.values()],
        times: { firstResponse: median('fr_ms', frCount), resolution: median('res_ms', resCount) },
        money,
        ratings,
        reviews,
        visits,
        disputes,
      }
    })()
  }

  async listCaseRows(filter: QueueFilter, page: { limit: number; cursor?: string | null }): Promise<Page<CaseExportRow>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const { sql, params } = this.where(filter)
    let keyset = ''
    if (page.cursor) {
      const cur = decodeCursor(page.cursor, 'rows')
      keyset = ' AND (created_at, id) < (?, ?)'
      params.push(cur.key, cur.id)
    }
    type RowOut = { id: string; case_no: string; created_at: string; status: Case['status']; reason: string; severity: string; team: string; assignee_id: string | null; order_id: string; buyer_openid: string; sla_warn_at: string; sla_breach_at: string; escalated: number; facts: string }
    const rows = this.all<RowOut>(
      `SELECT id, case_no, created_at, status, reason, severity, team, assignee_id, order_id, buyer_openid, sla_warn_at, sla_breach_at, escalated, facts
       FROM cases WHERE ${sql}${keyset} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...params, limit + 1,
    )
    const items = rows.slice(0, limit)
    const last = items[items.length - 1]
    return {
      items: items.map((r) => exportRow({
        id: r.id, caseNo: r.case_no, createdAt: r.created_at, status: r.status, reason: r.reason, severity: r.severity, team: r.team,
        assigneeId: r.assignee_id, orderId: r.order_id, buyerOpenid: r.buyer_openid, slaWarnAt: r.sla_warn_at, slaBreachAt: r.sla_breach_at, escalated: r.escalated === 1,
      }, JSON.parse(r.facts) as CaseFacts)),
      next: rows.length > limit && last ? encodeCursor('rows', last.created_at, last.id) : null,
    }
  }

  // ------------------------------------------------------------------ push nonces

  /** One insert; an expired claim of the key is taken over in the same statement. */
  async claimPushNonce(key: string, expiresAt: string, now: string): Promise<boolean> {
    const r = this.run(
      'INSERT INTO push_nonces (key, expires_at) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET expires_at = excluded.expires_at WHERE push_nonces.expires_at <= ?',
      key, iso(expiresAt), iso(now),
    )
    return r.changes === 1
  }
  async purgePushNonces(now: string, limit: number): Promise<number> {
    return this.run('DELETE FROM push_nonces WHERE key IN (SELECT key FROM push_nonces WHERE expires_at <= ? LIMIT ?)', iso(now), Math.max(0, Math.floor(limit))).changes
  }

  // ------------------------------------------------------------------ batch alerts, care (issue 24)

  /** The key's latest alert within the window is read inside the IMMEDIATE transaction that inserts the new one. */
  async openBatchAlert(alert: BatchAlert, outbox: NewOutboxItem[], windowMs: number): Promise<{ created: boolean; alert: BatchAlert }> {
    const openedAt = iso(alert.openedAt)
    const since = new Date(Date.parse(openedAt) - windowMs).toISOString()
    return this.db.transaction((): { created: boolean; alert: BatchAlert } => {
      const prior = this.get<{ doc: string }>('SELECT doc FROM batch_alerts WHERE key = ? AND opened_at > ? ORDER BY opened_at DESC LIMIT 1', alert.key, since)
      if (prior) return { created: false, alert: JSON.parse(prior.doc) as BatchAlert }
      const a = { ...alert, openedAt }
      this.run('INSERT INTO batch_alerts (id, key, opened_at, running, version, doc) VALUES (?, ?, ?, ?, ?, ?)', a.id, a.key, openedAt, a.progress?.status === 'running' ? 1 : 0, a.version, JSON.stringify(a))
      for (const o of outbox) {
        this.run(
          `INSERT INTO outbox (key, case_id, kind, payload, status, attempts, next_attempt_at, last_error, created_at, sent_at, priority)
           VALUES (?, ?, ?, ?, 'pending', 0, ?, NULL, ?, NULL, ?) ON CONFLICT(key) DO NOTHING`,
          o.key, o.caseId, o.kind, JSON.stringify(o.payload), openedAt, openedAt, outboxPriority(o),
        )
      }
      return { created: true, alert: a }
    }).immediate()
  }
  async getBatchAlert(id: string): Promise<BatchAlert | null> {
    const r = this.get<{ doc: string }>('SELECT doc FROM batch_alerts WHERE id = ?', id)
    return r ? (JSON.parse(r.doc) as BatchAlert) : null
  }
  async listBatchAlerts(opts: { limit: number; openedFrom?: string; openedTo?: string; running?: boolean }): Promise<BatchAlert[]> {
    const w: string[] = []
    const p: SqlValue[] = []
    if (opts.openedFrom) {
      w.push('opened_at >= ?')
      p.push(iso(opts.openedFrom))
    }
    if (opts.openedTo) {
      w.push('opened_at < ?')
      p.push(iso(opts.openedTo))
    }
    if (opts.running) w.push('running = 1')
    const rows = this.all<{ doc: string }>(`SELECT doc FROM batch_alerts WHERE ${w.length ? w.join(' AND ') : '1'} ORDER BY opened_at DESC, id DESC ${limitOf(Math.max(1, Math.min(1000, opts.limit)))}`, ...p)
    return rows.map((r) => JSON.parse(r.doc) as BatchAlert)
  }
  async saveBatchAlert(alert: BatchAlert, expectedVersion: number): Promise<boolean> {
    const r = this.run('UPDATE batch_alerts SET version = ?, running = ?, doc = ? WHERE id = ? AND version = ?', alert.version, alert.progress?.status === 'running' ? 1 : 0, JSON.stringify(alert), alert.id, expectedVersion)
    return r.changes === 1
  }
  /** A scan of the orders' items (an owner's action on one batch, paged by order id). */
  async listOrdersByBatch(skuId: string, batch: string, page: { limit: number; cursor?: string | null }): Promise<Page<OrderRecord>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const rows = this.all<{ order_id: string; doc: string }>(
      `SELECT order_id, doc FROM orders o WHERE order_id > ? AND EXISTS (
         SELECT 1 FROM json_each(o.doc, '$.order.items') j WHERE json_extract(j.value, '$.skuId') = ? AND coalesce(json_extract(j.value, '$.batch'), '') = ?)
       ORDER BY order_id LIMIT ?`,
      page.cursor ?? '', skuId, batch, limit + 1,
    )
    const items = rows.slice(0, limit)
    return { items: items.map((r) => JSON.parse(r.doc) as OrderRecord), next: rows.length > limit ? items[items.length - 1].order_id : null }
  }
  async listDeliveredOrders(range: { from: string; to: string }, page: { limit: number; cursor?: string | null }): Promise<Page<OrderRecord>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const after = page.cursor ? decodeCursor(page.cursor, 'delivered') : null
    const rows = this.all<{ order_id: string; delivered_at: string; doc: string }>(
      `SELECT order_id, delivered_at, doc FROM orders WHERE delivered_at IS NOT NULL AND delivered_at >= ? AND delivered_at < ?
         ${after ? 'AND (delivered_at > ? OR (delivered_at = ? AND order_id > ?))' : ''}
       ORDER BY delivered_at, order_id LIMIT ?`,
      iso(range.from), iso(range.to), ...(after ? [after.key, after.key, after.id] : []), limit + 1,
    )
    const items = rows.slice(0, limit)
    const last = items[items.length - 1]
    return { items: items.map((r) => JSON.parse(r.doc) as OrderRecord), next: rows.length > limit && last ? encodeCursor('delivered', last.delivered_at, last.order_id) : null }
  }
}

interface MediaRow {
  id: string
  owner_openid: string
  mime: string
  kind: MediaRecord['kind']
  size: number
  location: string
  created_at: string
  attached_at: string | null
}
const mediaOf = (r: MediaRow): MediaRecord => ({
  id: r.id, ownerOpenid: r.owner_openid, mime: r.mime, kind: r.kind, size: r.size, location: r.location, createdAt: r.created_at, attachedAt: r.attached_at,
})
type PolicyRow = { version: number; doc: string; updated_by: string; updated_at: string; what_if: string | null }
const whatIfOf = (r: Pick<PolicyRow, 'what_if'>): WhatIfSummary | null => (r.what_if ? (JSON.parse(r.what_if) as WhatIfSummary) : null)
