/**
 * CloudBase (云开发) document-database adapter of the Store port, on @cloudbase/node-sdk 3.x.
 *
 * ## Atomicity design (DESIGN §4)
 * CloudBase transactions (`db.runTransaction`) may only touch documents by id — no `where`, no
 * aggregate — and every request inside one is a round trip (start, each read, each write, commit).
 * So a case write that touches nothing but the case is ONE conditional update,
 * `where({_id, version: expected}).update(...)` (0 updated ⇒ StoreConflict), and carries its
 * outbox rows inside the case document (`outq`), where they commit with it; the dispatcher's
 * first step moves them into the `outbox` collection (sweepCaseOutbox), keyed so a second move
 * changes nothing. Follow-up task fields live on the case document too. Only a write that also
 * touches another document — the order's guard (money, open cases), a load counter, a rule's cap,
 * a refund record, an idempotency key — is a transaction over documents by id:
 *
 *   tx.get(cases/<id>) [+ tx.get(guards/<order>)] → version must equal expectedVersion
 *   tx.set(cases/<id>, next + queue)  [+ guard, load counters, …]
 *   commit
 *
 * A concurrent writer of the same case makes one of the two fail (write conflict, or the
 * conditional update matching nothing); a transaction is re-run and then reads the new version
 * and raises StoreConflict — a lost race writes nothing. Paying commands are decided inside the
 * transaction on the guard it read (saveCaseDecided).
 *
 * Idempotent createCase: a case whose id is its key's (idempotentCaseId: submits, platform
 * after-sales) is its own key — a second request's insert of the same `_id` fails and its re-run
 * reads the case (the first request's fingerprint kept on it as `idemFp`); any other case has a
 * doc `idempotency/<scope>:<key>` inserted blind beside it (its `_id` is the key), as every case
 * had before ids were derived (those documents stay readable). Single-document atomic
 * operations are used where no second document is involved: credits are spent with
 * `where({_id, count: _.gt(0)}).update({count: _.inc(-1)})`, outbox claims with
 * `where({_id: key, attempts}).update(...)`, refunds are inserted with their key as `_id`.
 *
 * Case, policy and payload bodies are stored as JSON strings (`docJson`, `policyJson`,
 * `payloadJson`) next to the queryable fields: their keys are free-form (timeline `data`, message
 * payloads) and may contain '.' or '$', which the document database forbids in field names; the
 * SDK would also flatten nested objects into dotted `$set` paths on update.
 *
 * Queries return at most 1000 documents per request (default 100): every list pages with a keyset
 * on (sort field, _id). Indexes to create are listed in ./collections.ts.
 */
import { init as tcbInit } from '@cloudbase/node-sdk'
import type { CollectionReference, Db } from '@cloudbase/database'
import { OPEN_STATUSES, type BuyerPreferences, type Case, type TrustChange } from '@contract/domain'
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
  type OrderCaseEntry,
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
  type CountQuery,
  type RefundRecord,
  type StaffRecord,
  type Store,
  type TaskFilter,
  type SyncState,
  type ThrottleResult,
  type DecidedWrite,
  type TokenRecord,
  type CaseExportRow,
  type CaseStats,
  type CaseStatsGroup,
  type SlaVerdict,
  type FilingContext,
  type FilingQuery,
  type SchedulerReads,
  idempotentCaseId,
  countOne,
} from '../../ports/store'
import { outboxPriority } from '../outbox-priority'
import { caseTasks } from '../case-tasks'
import { FACT_FIELDS, caseFacts, exportRow, type CaseFacts } from '../case-facts'
import { CASE_INDEX_VERSION, OPEN_COUNT_CAP, caseIndex, decodeCursor, encodeCursor, formatCaseNo, assertNewerVersion, iso, NO_DUE, orderWatchDue, slaRange } from '../case-index'
import { admitCase, emptyGuard, guardEntry, touchesGuard, updateGuard } from '../order-guard'
import { ensureIndexes, type IndexAdmin } from './indexes'
import { COLLECTIONS, collectionName, type CollectionKey } from './collections'
import { skipCloudProbe } from './sdk-env'

interface BuyerDoc {
  dedicatedRepId: string | null
  trusted: boolean
  unionid?: string | null
  /** BuyerTrust as JSON (free-text reasons) */
  trustJson?: string | null
  name?: string | null
  phoneTail?: string | null
  /** what staff search by, matched by equality through an index: every substring of the name, and the phone tail */
  searchKeys?: string[]
  /** BuyerPreferences as JSON (free-text note) */
  preferencesJson?: string | null
  /** BuyerRecord.shopOpenids (absent = never recorded) */
  shopOpenids?: string[] | null
}
/**
 * The buyer's whole document with `patch` over what is stored: writers replace the document inside
 * their transaction, so every field they do not set is carried over; search keys follow the name
 * and phone tail.
 */
function buyerDocWith(cur: BuyerDoc | null, patch: Partial<Omit<BuyerDoc, 'searchKeys'>>): BuyerDoc {
  const d = {
    dedicatedRepId: cur?.dedicatedRepId ?? null,
    trusted: cur?.trusted === true,
    unionid: cur?.unionid ?? null,
    trustJson: cur?.trustJson ?? null,
    name: cur?.name ?? null,
    phoneTail: cur?.phoneTail ?? null,
    preferencesJson: cur?.preferencesJson ?? null,
    shopOpenids: cur?.shopOpenids ?? null,
    ...patch,
  }
  return { ...d, searchKeys: buyerSearchKeys(d.name, d.phoneTail) }
}
const toBuyer = (openid: string, d: BuyerDoc): BuyerRecord => ({
  openid,
  dedicatedRepId: d.dedicatedRepId ?? null,
  trusted: d.trusted === true,
  ...(d.unionid ? { unionid: d.unionid } : {}),
  ...(d.trustJson ? { trust: JSON.parse(d.trustJson) as BuyerTrust } : {}),
  ...(d.name ? { name: d.name } : {}),
  ...(d.phoneTail ? { phoneTail: d.phoneTail } : {}),
  ...(d.preferencesJson ? { preferences: JSON.parse(d.preferencesJson) as BuyerPreferences } : {}),
  ...(d.shopOpenids ? { shopOpenids: d.shopOpenids } : {}),
})
/** Substrings of a (short) name plus the phone tail: a search is one equality on an indexed array field. */
function buyerSearchKeys(name: string | null, phoneTail: string | null): string[] {
  const chars = Array.from(name ?? '').slice(0, 20)
  const keys = new Set<string>()
  for (let i = 0; i < chars.length; i++) for (let j = i + 1; j <= chars.length; j++) keys.add(chars.slice(i, j).join(''))
  if (phoneTail) keys.add(phoneTail)
  return [...keys]
}

export interface CloudBaseStoreOptions {
  /** CloudBase environment id */
  env?: string
  secretId?: string
  secretKey?: string
  /** replaces https://{env}.tcb-api.tencentcloudapi.com/admin (local endpoint in tests; then the SDK never probes Tencent's metadata host) */
  serviceUrl?: string
  /** request timeout in ms (default 15000) */
  timeout?: number
  /** prefix for every collection name (tests; several deployments in one environment) */
  prefix?: string
  /** an already initialised database (e.g. inside a cloud function) instead of the options above */
  db?: Db
  /** how many times to re-run a transaction that hit a write conflict (default 30) */
  maxTxAttempts?: number
  /** documents countMany's aggregate reads at most (default COUNT_SCAN; tests lower it) */
  countScan?: number
}

type Obj = Record<string, unknown>
interface Tx {
  collection(name: string): CollectionReference
}
interface CaseDoc extends Obj {
  _id: string
  version: number
  docJson: string
}
type SaveOpts = { commandKey?: Omit<CommandKey, 'version'>; ruleSpend?: RuleSpend; prev?: Case; refunds?: Array<Omit<RefundRecord, 'status'>> }
/** A case document as a write reads it back. */
type CurDoc = CaseDoc & { cmdKeys?: CommandKey[]; open?: boolean; assigneeId?: string | null; idemFp?: string } & Outq
/** What a whole-document write of a case carries over from the stored one: the filing's request fingerprint (a case whose id is its key's). */
const keptFields = (cur: Pick<CurDoc, 'idemFp'>): Obj => (cur.idemFp ? { idemFp: cur.idemFp } : {})
/** A case's own outbox queue: rows committed with its writes, until the dispatcher sweeps them into the outbox (sweepCaseOutbox). */
interface Outq {
  outq?: OutboxDoc[]
  outqAt?: string | null
}
/**
 * The case's follow-up tasks (../case-tasks) as fields of its own document — `task_<kind>_open /
 * _owner / _dueAt` and `taskNextAt`, the soonest instant the scheduler must look at it — so the
 * 待审批 / 差评跟进 / 回访 lists and reminders query the cases, and a write that moves a task is
 * still one document.
 */
function taskFields(c: Case): Obj {
  const out: Obj = { taskNextAt: NO_DUE }
  for (const t of caseTasks(c)) {
    out[`task_${t.kind}_open`] = t.open
    out[`task_${t.kind}_owner`] = t.owner
    out[`task_${t.kind}_dueAt`] = t.dueAt
    if (t.nextAt < (out.taskNextAt as string)) out.taskNextAt = t.nextAt
  }
  return out
}

/**
 * One condition on a field of a case document. The queue filters are written once in this form;
 * a query (CloudBaseStore.queryOf) and an aggregate expression (exprOf) are both made from it, so
 * a count by aggregate says what the query says. `has`: an element of the array field equals the
 * value (a dotted path into an array of objects); `null`: null or missing; ranges are on ISO strings.
 */
type FieldCond = { field: string; op: 'eq' | 'null' | 'in' | 'has' | 'lt' | 'lte' | 'gt' | 'gte'; value?: unknown }

/** The condition as an aggregate expression (true / false per document), with a query's meaning. */
function exprOf(c: FieldCond): Obj {
  const f = `$${c.field}`
  const v = { $literal: c.value } // a value is never read as a field path ('$…')
  switch (c.op) {
    case 'eq':
      return { $eq: [f, v] }
    case 'null':
      return { $eq: [{ $ifNull: [f, null] }, null] }
    case 'in':
      return { $in: [f, v] }
    case 'has':
      return { $in: [v, { $ifNull: [f, []] }] }
    case 'lt':
    case 'lte':
      // a query's range matches values of its own type only: null and missing stay out (they sort below strings)
      return { $and: [{ [`$${c.op}`]: [f, v] }, { $gte: [f, ''] }] }
    default:
      return { [`$${c.op}`]: [f, v] }
  }
}

/**
 * countMany reads at most this many documents in its one aggregate; a union of filters that
 * matches more is counted per filter (capped requests) for every count the scan could not settle.
 */
const COUNT_SCAN = 5000

/** A refund record's document, keyed by the refund key. */
const refundDoc = (r: Omit<RefundRecord, 'status'>) => ({ _id: r.key, caseId: r.caseId, orderId: r.orderId, amountFen: r.amountFen, status: 'recorded', createdAt: iso(r.createdAt) })

/** A whole-document write's queue: what is not yet swept, then the write's own rows. */
function queueWith(cur: Outq | null, rows: OutboxDoc[], at: string): Outq {
  const outq = [...(cur?.outq ?? []), ...rows]
  return outq.length ? { outq, outqAt: rows.length ? iso(at) : (cur?.outqAt ?? iso(at)) } : {}
}
interface OutboxDoc {
  _id: string
  caseId: string
  kind: string
  payloadJson: string
  status: OutboxItem['status']
  attempts: number
  nextAttemptAt: string
  lastError: string | null
  createdAt: string
  sentAt: string | null
  /** claim order (../outbox-priority); rows written before it have none and sort first */
  priority?: number
  /** the dispatcher pass that holds the row (claimOutbox / finishOutbox) */
  claim?: string | null
}

const PAGE = 1000
/** Version of setup's backfill of guards, task rows and load counters (see setup). */
const BACKFILL_VERSION = 1
/** Version of the derived case fields (2: slaWarnAt / slaBreachAt); see migrateCases. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function errCode(e: unknown): string {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown }
    return `${String(o.code ?? '')} ${String(o.message ?? '')}`
  }
  return String(e)
}
const isTxConflict = (e: unknown) => /TRANSACTION_CONFLICT|WriteConflict|write conflict/i.test(errCode(e))
const isAlreadyExists = (e: unknown) => /ALREADY_EXIST|already exists/i.test(errCode(e))
/** an insert of an `_id` that exists (E11000 / DATABASE_DUPLICATE_WRITE) */
const isDuplicateId = (e: unknown) => /DUPLICATE_WRITE|E11000|duplicate key/i.test(errCode(e))
/** How long a read of the policy / roster head serves the reads after it on one instance (readHeads). */
const HEADS_SHARE_MS = 1_000
/** Case numbers an instance reserves at a time (see nextCaseNo). */
const CASE_NO_BLOCK = 10
/** Command idempotency keys kept on a case document (a retry comes within minutes, not 20 commands later). */
const CMD_KEYS_KEPT = 20

/** Outbox documents and rows still queued in cases: a key stored in the outbox wins, then the first queued; by creation. */
function withQueued(docs: OutboxDoc[], queued: OutboxDoc[]): OutboxDoc[] {
  if (!queued.length) return docs
  const seen = new Set(docs.map((d) => d._id))
  const out = [...docs, ...queued.filter((q) => !seen.has(q._id) && !!seen.add(q._id))]
  return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))
}
const toOutbox = (d: OutboxDoc): OutboxItem => ({
  key: d._id,
  caseId: d.caseId,
  kind: d.kind,
  payload: JSON.parse(d.payloadJson) as Record<string, unknown>,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: d.nextAttemptAt,
  lastError: d.lastError ?? null,
  createdAt: d.createdAt,
  sentAt: d.sentAt ?? null,
})

export class CloudBaseStore implements Store {
  private readonly db: Db
  private readonly prefix: string
  private readonly maxTxAttempts: number
  private readonly countScan: number
  private readonly policies = new Map<number, Policy>()
  private readonly policyRecords = new Map<number, PolicyRecord>()
  private readonly caseNoBlocks = new Map<string, { next: number; last: number }>()

  constructor(options: CloudBaseStoreOptions) {
    this.prefix = options.prefix ?? ''
    this.maxTxAttempts = options.maxTxAttempts ?? 30
    this.countScan = options.countScan ?? COUNT_SCAN
    if (options.db) this.db = options.db
    else {
      // a local endpoint (the emulator): no metadata probe of Tencent hosts (./sdk-env.ts)
      if (options.serviceUrl) skipCloudProbe()
      const app = tcbInit({
        env: options.env,
        secretId: options.secretId,
        secretKey: options.secretKey,
        timeout: options.timeout ?? 15_000,
        ...(options.serviceUrl ? { serviceUrl: options.serviceUrl } : {}),
      })
      this.db = app.database()
    }
  }

  private get _() {
    return this.db.command
  }
  private name(k: CollectionKey): string {
    return collectionName(k, this.prefix)
  }
  private col(k: CollectionKey): CollectionReference {
    return this.db.collection(this.name(k))
  }

  /**
   * Run `fn` in a CloudBase transaction; write conflicts re-run it (with jittered back-off).
   * Anything `fn` throws (StoreConflict…) rolls the transaction back and propagates.
   */
  private async tx<T>(fn: (t: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        // times = 0: the SDK does not retry itself; we do, with back-off, below.
        return (await this.db.runTransaction(fn, 0)) as T
      } catch (e) {
        if (!isTxConflict(e) || attempt >= this.maxTxAttempts) throw e
        await sleep(Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6)))
      }
    }
  }

  private async txGet<T = Obj>(t: Tx, k: CollectionKey, id: string): Promise<T | null> {
    const r = (await t.collection(this.name(k)).doc(id).get()) as { data: T | null }
    return r.data ?? null
  }

  private async getDoc<T = Obj>(k: CollectionKey, id: string): Promise<T | null> {
    const r = (await this.col(k).doc(id).get()) as { data: T[] }
    return r.data?.[0] ?? null
  }

  /** doc.set() refuses an `_id` field in the body: strip it. */
  private static body<T extends { _id?: string }>(d: T): Omit<T, '_id'> {
    const { _id: _drop, ...rest } = d
    void _drop
    return rest
  }

  /**
   * The whole deployment step at once (tests, scripts): collections, then the case re-derivation
   * until done. Functions never call it on a cold start: the `setup` function runs `setup()` once
   * per deployment (see README), resumable.
   */
  async init(): Promise<void> {
    while (!(await this.setup()).done);
  }

  /**
   * One slice of the deployment step, within `budgetMs`, resumable and idempotent. In order:
   * 1. creates missing collections (in parallel) and, given an IndexAdmin, the declared indexes
   *    a collection lacks (./indexes; existing ones are left alone);
   * 2. re-derives case documents indexed by an older CASE_INDEX_VERSION (queue fields, analytics
   *    facts), page by page from the cursor in `counters/case_index`; each fill is conditional on
   *    the document's version, so it never overwrites a newer save (which wrote the fields itself);
   *    then order documents written before `deliveredAt` get it (countOrders), with their own cursor;
   * 3. backfills what a deployment written by an older version lacks (cursor in
   *    `counters/backfill`): each case's follow-up task rows (inserted only when absent: a save
   *    since wrote newer ones), each order's guard (entries of its cases merged in a transaction
   *    with what live writes put there), then each staff member's open-case load (counted, set by
   *    compare-and-set on the value it replaces).
   * A slice that runs out of time stops after a page; the next call resumes there. Once done, a
   * call costs the collection checks and two reads.
   */
  async setup(opts: { budgetMs?: number; pageSize?: number; indexes?: IndexAdmin | null } = {}): Promise<{ done: boolean; migrated: number; backfilled: number; indexesCreated: number | null }> {
    const until = Date.now() + (opts.budgetMs ?? 20_000)
    const pageSize = opts.pageSize ?? 100
    await Promise.all((Object.keys(COLLECTIONS) as CollectionKey[]).map(async (k) => {
      try {
        await this.db.createCollection(this.name(k))
      } catch (e) {
        if (!isAlreadyExists(e)) throw e
      }
    }))
    const indexesCreated = opts.indexes ? await ensureIndexes(opts.indexes, this.prefix) : null
    const out = { done: false, migrated: 0, backfilled: 0, indexesCreated }

    const head = await this.getDoc<{ value: number; cursor?: string | null; casesDone?: boolean; ordersCursor?: string | null }>('counters', 'case_index')
    if ((head?.value ?? 0) < CASE_INDEX_VERSION) {
      let after: { key: unknown; id: string } | null = head?.cursor ? { key: head.cursor, id: head.cursor } : null
      while (!head?.casesDone) {
        const docs: CaseDoc[] = await this.sorted<CaseDoc>('cases', [], '_id', 'asc', pageSize, after)
        await Promise.all(docs.map(async (d) => {
          const { _id: _drop, docJson: _doc, ...fields } = await this.caseDoc(JSON.parse(d.docJson) as Case)
          void _drop
          void _doc
          await this.col('cases').where({ _id: d._id, version: d.version }).update(fields)
        }))
        out.migrated += docs.length
        if (docs.length < pageSize) break
        after = { key: docs[docs.length - 1]._id, id: docs[docs.length - 1]._id }
        if (Date.now() > until) {
          await this.col('counters').doc('case_index').set({ value: head?.value ?? 0, cursor: after.id })
          return out
        }
      }
      // orders written before `deliveredAt` existed (countOrders, the trust rule): same budget, own cursor
      let orderAfter = head?.ordersCursor ?? null
      for (;;) {
        const docs = await this.sorted<{ _id: string; docJson: string; deliveredAt?: string | null }>('orders', [], '_id', 'asc', pageSize, orderAfter ? { key: orderAfter, id: orderAfter } : null)
        await Promise.all(docs.filter((d) => d.deliveredAt === undefined).map(async (d) => {
          const o = JSON.parse(d.docJson) as OrderRecord
          // conditional on the body read: a concurrent upsert (which writes the field itself) wins
          await this.col('orders').where({ _id: d._id, docJson: d.docJson }).update({ deliveredAt: o.order.deliveredAt ? iso(o.order.deliveredAt) : null })
        }))
        out.migrated += docs.length
        if (docs.length < pageSize) break
        orderAfter = docs[docs.length - 1]._id
        if (Date.now() > until) {
          await this.col('counters').doc('case_index').set({ value: head?.value ?? 0, cursor: null, casesDone: true, ordersCursor: orderAfter })
          return out
        }
      }
      await this.col('counters').doc('case_index').set({ value: CASE_INDEX_VERSION, cursor: null })
    }

    const fill = await this.getDoc<{ value: number; cursor?: string | null }>('counters', 'backfill')
    if ((fill?.value ?? 0) < BACKFILL_VERSION) {
      let after: { key: unknown; id: string } | null = fill?.cursor ? { key: fill.cursor, id: fill.cursor } : null
      for (;;) {
        const docs = await this.sorted<CaseDoc>('cases', [], '_id', 'asc', pageSize, after, { _id: true, docJson: true })
        await this.backfillCases(docs.map((d) => JSON.parse(d.docJson) as Case))
        out.backfilled += docs.length
        if (docs.length < pageSize) break
        after = { key: docs[docs.length - 1]._id, id: docs[docs.length - 1]._id }
        if (Date.now() > until) {
          await this.col('counters').doc('backfill').set({ value: fill?.value ?? 0, cursor: after.id })
          return out
        }
      }
      await this.backfillLoads()
      await this.col('counters').doc('backfill').set({ value: BACKFILL_VERSION, cursor: null })
    }
    out.done = true
    return out
  }

  /** Task rows and order guards of a page of cases written by an older version (see setup). */
  private async backfillCases(cases: Case[]): Promise<void> {
    // (follow-up task fields are re-derived with the case documents: CASE_INDEX_VERSION 9)
    await Promise.all([...new Set(cases.map((c) => c.order.orderId))].map(async (orderId) => {
      const docs = await this.all<CaseDoc>('cases', [{ orderId }], { _id: true, docJson: true })
      const entries = docs.map((d) => guardEntry(JSON.parse(d.docJson) as Case))
      await this.tx(async (t) => {
        const g = await this.txGuard(t, orderId)
        const have = new Set(g.cases.map((e) => e.caseId))
        const missing = entries.filter((e) => !have.has(e.caseId))
        if (!missing.length) return
        const all = [...g.cases, ...missing].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.caseId < b.caseId ? -1 : 1))
        await this.txSetGuard(t, { orderId, cases: all, committedFen: all.reduce((n, e) => n + e.committedFen, 0) })
      })
    }))
  }

  /** Each staff member's open-case load counted from the cases, set by compare-and-set on the value it replaces. */
  private async backfillLoads(): Promise<void> {
    const _ = this._
    for (const s of await this.all<Obj>('staff', [], { _id: true })) {
      const id = String(s._id)
      for (let attempt = 1; ; attempt++) {
        const cur = await this.getDoc<Obj>('staff', id)
        if (!cur) break
        const n = ((await this.col('cases').where({ open: true, assigneeId: id }).count()) as { total: number }).total
        if (cur.openCases === n) break
        const r = (await this.col('staff').where({ _id: id, openCases: cur.openCases === undefined ? _.exists(false) : cur.openCases }).update({ openCases: n })) as { updated: number }
        if (r.updated === 1) break
        if (attempt >= 50) throw new StoreConflict(`staff ${id}: load kept changing during setup; run setup again`)
      }
    }
  }

  async close(): Promise<void> {
    // the SDK holds no connection that needs closing
  }

  // ------------------------------------------------------------------ paging helpers

  /** AND of conditions (the SDK's where() takes one object; `_.and` for several). */
  private where(conds: Obj[]): Obj {
    if (conds.length === 0) return {}
    if (conds.length === 1) return conds[0]
    return this._.and(...conds) as unknown as Obj
  }

  /**
   * Up to `limit` documents matching `conds`, sorted by (field dir, _id dir), starting after
   * `after` — fetched in pages of ≤ 1000 with a keyset on (field, _id).
   */
  private async sorted<T extends Obj>(
    k: CollectionKey,
    conds: Obj[],
    field: string,
    dir: 'asc' | 'desc',
    limit: number,
    after?: { key: unknown; id: string } | null,
    projection?: Obj,
  ): Promise<T[]> {
    const _ = this._
    const out: T[] = []
    let cursor = after ?? null
    while (out.length < limit) {
      const n = Math.min(PAGE, limit - out.length)
      const c = [...conds]
      if (cursor) {
        const beyond = dir === 'asc' ? _.gt : _.lt
        c.push(
          field === '_id'
            ? { _id: beyond.call(_, cursor.id) }
            : (_.or({ [field]: beyond.call(_, cursor.key) }, { [field]: _.eq(cursor.key), _id: beyond.call(_, cursor.id) }) as unknown as Obj),
        )
      }
      let q = this.col(k).where(this.where(c))
      if (field !== '_id') q = q.orderBy(field, dir)
      q = q.orderBy('_id', dir).limit(n)
      if (projection) q = q.field(projection)
      const res = await q.get()
      const docs = (res.data ?? []) as T[]
      out.push(...docs)
      if (docs.length < n) break
      const last = docs[docs.length - 1]
      cursor = { key: last[field], id: String(last._id) }
    }
    return out
  }

  /**
   * One insert of many documents when none of their ids exists yet (true). A duplicate id — a
   * retried fan-out — fails the insert (false, or some were written before the duplicate): the
   * caller then goes row by row, which skips what exists.
   */
  private async addAllNew(k: CollectionKey, docs: object[]): Promise<boolean> {
    try {
      await this.col(k).add(docs)
      return true
    } catch (e) {
      if (isDuplicateId(e)) return false
      throw e
    }
  }

  /** Every document matching `conds` (paged by _id). */
  private async all<T extends Obj>(k: CollectionKey, conds: Obj[], projection?: Obj): Promise<T[]> {
    return this.sorted<T>(k, conds, '_id', 'asc', Number.MAX_SAFE_INTEGER, null, projection)
  }

  // ------------------------------------------------------------------ cases

  private async policyFor(version: number): Promise<Policy> {
    const cached = this.policies.get(version)
    if (cached) return cached
    const rec = await this.getPolicyVersion(version)
    if (rec) {
      this.policies.set(version, rec.policy)
      return rec.policy
    }
    return (await this.getPolicy())?.policy ?? defaultPolicy
  }

  private async caseDoc(c: Case): Promise<CaseDoc> {
    const x = caseIndex(c, await this.policyFor(c.policyVersion))
    const { id, ...fields } = x
    return { _id: id, ...fields, ...caseFacts(c), ...taskFields(c), docJson: JSON.stringify(c) }
  }

  private outboxDoc(c: Case, o: NewOutboxItem): OutboxDoc {
    return this.outboxDocAt(c.updatedAt, o, c.severity)
  }
  private outboxDocAt(when: string, o: NewOutboxItem, severity?: string): OutboxDoc {
    const at = iso(when)
    return {
      priority: outboxPriority(o, severity),
      _id: o.key,
      caseId: o.caseId,
      kind: o.kind,
      payloadJson: JSON.stringify(o.payload),
      status: 'pending',
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      createdAt: at,
      sentAt: null,
    }
  }



  /** A follow-up list's conditions on the case documents' task fields (taskFields). */
  private taskFieldConds(f: TaskFilter): FieldCond[] {
    const c: FieldCond[] = [{ field: `task_${f.kind}_open`, op: 'eq', value: true }]
    if (f.owner !== undefined) c.push({ field: `task_${f.kind}_owner`, op: 'eq', value: f.owner })
    if (f.dueBefore !== undefined) c.push({ field: `task_${f.kind}_dueAt`, op: 'lte', value: iso(f.dueBefore) })
    return c
  }
  private taskConds(f: TaskFilter): Obj[] {
    return this.taskFieldConds(f).map((c) => this.queryOf(c))
  }
  /** One query of the cases themselves: their task fields are written with them (no second read). */
  async listTaskCases(filter: TaskFilter, page: { limit: number; cursor?: string | null }): Promise<Page<Case>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const after = page.cursor ? decodeCursor(page.cursor, `task:${filter.kind}`) : null
    const due = `task_${filter.kind}_dueAt`
    const docs = await this.sorted<CaseDoc>('cases', this.taskConds(filter), due, 'asc', limit + 1, after)
    const items = docs.slice(0, limit)
    const last = items[items.length - 1]
    return {
      items: items.map((d) => JSON.parse(d.docJson) as Case),
      next: docs.length > limit && last ? encodeCursor(`task:${filter.kind}`, String(last[due]), last._id) : null,
    }
  }
  async countTasks(filter: TaskFilter, cap: number): Promise<number> {
    const r = (await this.col('cases').where(this.where(this.taskConds(filter))).count()) as { total: number }
    return Math.min(r.total, Math.max(0, Math.floor(cap)))
  }
  /**
   * One aggregate on the policy head (`counters/policy`) with `$lookup` sub-pipelines, as
   * filingContext's: the due cases and the due follow-up tasks (dueCases / dueTaskCases: the same
   * conditions, order and limit), the running batch outreaches (listBatchAlerts), one expired push
   * nonce's id (purgePushNonces has work) — and the head itself, which serves the pass's policy
   * read after it as a head read of the last HEADS_SHARE_MS would (readHeads), with the version
   * document it names on this instance's first head read. No head (no policy saved yet): null.
   */
  async schedulerReads(now: string, limit: number, running: number): Promise<SchedulerReads | null> {
    const _ = this._
    const $ = _.aggregate
    // more than a page each: dueCases / dueTaskCases page them
    if (limit > PAGE || running > PAGE) return null
    const n = Math.max(0, Math.floor(limit))
    const r = Math.max(1, Math.floor(running))
    const sub = (match: Obj, sort: Obj, cap: number, project: Obj) => $.pipeline().match(match).sort(sort).limit(Math.max(1, cap)).project(project).done()
    const agg = this.headAggregate()
      .lookup({ from: this.name('cases'), pipeline: sub({ slaDueAt: _.lte(iso(now)) }, { slaDueAt: 1, _id: 1 }, n, { docJson: 1 }), as: 'srDue' })
      .lookup({ from: this.name('cases'), pipeline: sub({ taskNextAt: _.lte(iso(now)) }, { taskNextAt: 1, _id: 1 }, n, { docJson: 1 }), as: 'srTasks' })
      .lookup({ from: this.name('batchAlerts'), pipeline: sub({ running: true }, { openedAt: -1, _id: -1 }, r, { docJson: 1 }), as: 'srRunning' })
      .lookup({ from: this.name('pushNonces'), pipeline: sub({ expiresAt: _.lte(iso(now)) }, { _id: 1 }, 1, { _id: 1 }), as: 'srNonces' })
    type Row = { version?: number; staff?: number; pv?: PolicyDoc[]; srDue: { docJson: string }[]; srTasks: { docJson: string }[]; srRunning: { docJson: string }[]; srNonces: unknown[] }
    const sentAt = Date.now()
    const row = ((await agg.limit(1).end()) as { data?: Row[] }).data?.[0]
    if (!row) return null
    if (!this.heads || this.heads.at <= sentAt) this.heads = { at: sentAt, read: Promise.resolve({ version: row.version ?? 0, staff: row.staff ?? 0 }) }
    this.keepVersion(row.pv)
    const cases = (docs: { docJson: string }[]) => docs.map((d) => JSON.parse(d.docJson) as Case)
    return { due: n ? cases(row.srDue) : [], tasks: n ? cases(row.srTasks) : [], running: row.srRunning.map((d) => JSON.parse(d.docJson) as BatchAlert), noncesExpired: row.srNonces.length > 0 }
  }

  async dueTaskCases(now: string, limit: number): Promise<Case[]> {
    const docs = await this.sorted<CaseDoc>('cases', [{ taskNextAt: this._.lte(iso(now)) }], 'taskNextAt', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => JSON.parse(d.docJson) as Case)
  }

  private idemId(scope: string, key: string): string {
    return `${scope}:${key}`
  }

  private async txGuard(t: Tx, orderId: string): Promise<OrderGuard> {
    const d = await this.txGet<{ casesJson: string; committedFen: number }>(t, 'guards', orderId)
    return d ? { orderId, cases: JSON.parse(d.casesJson) as OrderCaseEntry[], committedFen: d.committedFen } : emptyGuard(orderId)
  }
  private txSetGuard(t: Tx, g: OrderGuard): Promise<unknown> {
    return t.collection(this.name('guards')).doc(g.orderId).set({ casesJson: JSON.stringify(g.cases), committedFen: g.committedFen })
  }

  /** Load counter and last assignment of a staff member, changed field by field inside the case's transaction. */
  private txStaffLoad(t: Tx, staffId: string, delta: number, assignedAt: string | null): Promise<unknown> {
    const patch: Obj = {}
    if (delta) patch.openCases = this._.inc(delta)
    if (assignedAt) patch.lastAssignedAt = iso(assignedAt)
    return t.collection(this.name('staff')).doc(staffId).update(patch)
  }

  /**
   * Runs a case write; a duplicate-key failure (a submit's idempotency key or a refund key
   * written before) is re-run once with those keys checked first, so the common write pays no
   * read for them.
   */
  private async caseTx<T>(fn: (t: Tx, checked: boolean) => Promise<T>): Promise<T> {
    try {
      return await this.tx((t) => fn(t, false))
    } catch (e) {
      if (!isDuplicateId(e)) throw e
      return this.tx((t) => fn(t, true))
    }
  }

  /**
   * One transaction: the order's guard read (plus, on a re-run, the idempotency key and outbox
   * keys), then every write at once. The idempotency document is inserted blind (not read first):
   * its `_id` is the key, so a second request with the key fails the insert, the transaction rolls
   * back and the re-run (`checked`) reads the key and answers the first case. A request the guard
   * refuses (its twin holds the item already) looks the key up before refusing. The common filing
   * so pays start, one read, the writes side by side and the commit.
   */
  async createCase(
    c: Case,
    outbox: NewOutboxItem[],
    idem?: { scope: string; key: string; fingerprint?: string },
    opts: { maxRequestsPerSku?: number; ruleSpend?: RuleSpend } = {},
  ): Promise<{ created: boolean; case: Case; fingerprint?: string }> {
    const doc = await this.caseDoc(c)
    const derivedId = !!idem && c.id === idempotentCaseId(idem.scope, idem.key)
    try {
      return await this.caseTx(async (t, checked) => {
        // reads in parallel: the order's guard (and the key, on a re-run after a duplicate id: the
        // case itself when its id is the key's, else the key document)
        const [derived, prior, guard, spent] = await Promise.all([
          idem && checked && derivedId ? this.txGet<CaseDoc & { idemFp?: string }>(t, 'cases', c.id) : null,
          idem && checked && !derivedId ? this.txGet<{ caseId: string; fingerprint?: string }>(t, 'idempotency', this.idemId(idem.scope, idem.key)) : null,
          this.txGuard(t, c.order.orderId),
          this.txRuleSpent(t, opts.ruleSpend),
        ])
        if (derived) return { created: false, case: JSON.parse(derived.docJson) as Case, ...(derived.idemFp ? { fingerprint: derived.idemFp } : {}) }
        if (prior && idem) {
          const existing = await this.txGet<CaseDoc>(t, 'cases', prior.caseId)
          if (!existing) throw new Error(`idempotency key ${idem.scope}:${idem.key} points at a missing case`)
          return { created: false, case: JSON.parse(existing.docJson) as Case, ...(prior.fingerprint ? { fingerprint: prior.fingerprint } : {}) }
        }
        return this.txCreateWrites(t, doc, c, guard, spent, outbox, idem, opts)
      })
    } catch (e) {
      // A twin request may have committed first: its case holds the item (guard refusal), its key
      // is taken (duplicate id), or conflicts ran past the retry budget. If the key is taken now,
      // answer with that case.
      if (idem && !(e instanceof StoreConflict)) {
        const twin = await this.findPrior(idem.scope, idem.key)
        if (twin) return { created: false, ...twin }
      }
      if (e instanceof GuardViolation) throw e
      if (isDuplicateId(e)) throw new StoreConflict(`case ${c.id} already exists`)
      throw e
    }
  }

  /** A new case's writes in `t` after its reads: the guard admits it, then every write side by side. */
  private async txCreateWrites(
    t: Tx,
    doc: CaseDoc,
    c: Case,
    guard: OrderGuard,
    spent: number,
    outbox: NewOutboxItem[],
    idem: { scope: string; key: string; fingerprint?: string } | undefined,
    opts: { maxRequestsPerSku?: number; ruleSpend?: RuleSpend },
  ): Promise<{ created: true; case: Case; fingerprint?: string }> {
    const nextGuard = admitCase(guard, c, opts.maxRequestsPerSku)
    const spend = this.checkRuleSpend(opts.ruleSpend, spent)
    // writes in parallel (one request each); the insert of an existing case id or key fails the
    // transaction; the outbox rows ride in the new case document (the dispatcher sweeps them in)
    // a case whose id is derived from its key (idempotentCaseId) is its own key: its insert
    // refuses a second filing, and it keeps the request's fingerprint (`idemFp`); other cases
    // insert a key document beside them
    const derived = !!idem && c.id === idempotentCaseId(idem.scope, idem.key)
    const fp = derived && idem?.fingerprint ? { idemFp: idem.fingerprint } : {}
    const writes: Promise<unknown>[] = [
      t.collection(this.name('cases')).add({ ...doc, ...fp, ...queueWith(null, this.queueRows(c, outbox, []), c.updatedAt) }),
      this.txSetGuard(t, nextGuard),
    ]
    if (spend) writes.push(spend(t))
    if (idem && !derived) {
      writes.push(t.collection(this.name('idempotency')).add({
        _id: this.idemId(idem.scope, idem.key), scope: idem.scope, key: idem.key, caseId: c.id, createdAt: doc.createdAt,
        ...(idem.fingerprint ? { fingerprint: idem.fingerprint } : {}),
      }))
    }
    if (c.assigneeId) writes.push(this.txStaffLoad(t, c.assigneeId, doc.open ? 1 : 0, c.updatedAt))
    await Promise.all(writes)
    return { created: true, case: c, ...(idem?.fingerprint ? { fingerprint: idem.fingerprint } : {}) }
  }

  /**
   * The transaction is started here and the order's guard read in it; the caller builds the case
   * meanwhile (a filing opens it as soon as its order is read, beside its other reads), then
   * `create` writes and commits. The guard is so read once per filing, and the transaction's
   * snapshot is no older than createCase's would be by the time it writes. Anything that goes
   * wrong in `create` (the guard refusing on this snapshot, a write conflict, a key or outbox id
   * already taken) rolls it back and leaves the answer to a fresh createCase — the one that
   * refuses, retries and finds twins — so the answers are createCase's.
   */
  async openCaseWrite(orderId: string): Promise<CaseWrite> {
    const t = (await this.db.startTransaction()) as Tx & { commit(): Promise<unknown>; rollback(): Promise<unknown> }
    let open = true
    const end = async () => {
      if (!open) return
      open = false
      await t.rollback().catch(() => {}) // nothing was written; an expired transaction ends by itself
    }
    let guard: OrderGuard
    try {
      guard = await this.txGuard(t, orderId)
    } catch (e) {
      await end()
      throw e
    }
    return {
      guard,
      close: end,
      create: async (c, outbox, idem, opts = {}) => {
        if (!open || c.order.orderId !== orderId) {
          await end()
          return this.createCase(c, outbox, idem, opts)
        }
        open = false
        try {
          const doc = await this.caseDoc(c)
          const spent = await this.txRuleSpent(t, opts.ruleSpend)
          const res = await this.txCreateWrites(t, doc, c, guard, spent, outbox, idem, opts)
          await t.commit()
          return res
        } catch {
          await t.rollback().catch(() => {})
          return this.createCase(c, outbox, idem, opts)
        }
      },
    }
  }

  /** The case under the key's derived id, else the one a key document (written before ids were derived) names: two reads side by side. */
  async findByIdempotencyKey(scope: string, key: string): Promise<Case | null> {
    return (await this.findPrior(scope, key))?.case ?? null
  }

  async getCaseWithKeys(id: string): Promise<{ case: Case; keys: CommandKey[] } | null> {
    const d = await this.getDoc<CaseDoc & { cmdKeys?: CommandKey[] }>('cases', id)
    if (!d) return null
    const c = JSON.parse(d.docJson) as Case
    this.remember(c)
    return { case: c, keys: d.cmdKeys ?? [] }
  }
  async getCase(id: string): Promise<Case | null> {
    const d = await this.getDoc<CaseDoc>('cases', id)
    const c = d ? (JSON.parse(d.docJson) as Case) : null
    if (c) this.remember(c)
    return c
  }
  /** Orders of cases this instance has read (bounded): a case's order never changes. */
  orderIdOf(caseId: string): string | undefined {
    return this.caseOrders.get(caseId)
  }
  private remember(c: Case): void {
    if (this.caseOrders.size >= 10_000) this.caseOrders.clear()
    this.caseOrders.set(c.id, c.order.orderId)
  }
  private readonly caseOrders = new Map<string, string>()

  async getOrderGuard(orderId: string): Promise<OrderGuard> {
    const d = await this.getDoc<{ casesJson: string; committedFen: number }>('guards', orderId)
    return d ? { orderId, cases: JSON.parse(d.casesJson) as OrderCaseEntry[], committedFen: d.committedFen } : emptyGuard(orderId)
  }

  async saveCase(next: Case, expectedVersion: number, outbox: NewOutboxItem[], opts: SaveOpts = {}): Promise<void> {
    assertNewerVersion(next, expectedVersion)
    const doc = await this.caseDoc(next)
    const prev = opts.prev && opts.prev.id === next.id && opts.prev.version === expectedVersion ? opts.prev : null
    if (prev && !opts.ruleSpend && !opts.refunds?.length && this.onlyTheCase(prev, next)) return this.casWrite(next, expectedVersion, doc, outbox, opts.commandKey)
    const withGuard = touchesGuard(next)
    await this.caseTx(async (t, checked) => {
      const [cur, guard, spent] = await Promise.all([
        this.txGet<CurDoc>(t, 'cases', next.id),
        withGuard ? this.txGuard(t, next.order.orderId) : null,
        this.txRuleSpent(t, opts.ruleSpend),
      ])
      if (!cur || cur.version !== expectedVersion) throw new StoreConflict(`case ${next.id} is not at version ${expectedVersion}`)
      await this.txWriteCase(t, checked, cur, guard, spent, next, doc, outbox, opts)
    })
  }

  /**
   * The case and its order's guard read inside the transaction, the decision made on that guard,
   * its writes as saveCase's: a paying command decided and written in one transaction, with no
   * read of the guard before it. `decide` may run again when the transaction is retried.
   */
  async saveCaseDecided(caseId: string, orderId: string, expectedVersion: number, decide: (guard: OrderGuard) => DecidedWrite): Promise<Case> {
    return this.caseTx(async (t, checked) => {
      const [cur, guard] = await Promise.all([this.txGet<CurDoc>(t, 'cases', caseId), this.txGuard(t, orderId)])
      if (!cur || cur.version !== expectedVersion) throw new StoreConflict(`case ${caseId} is not at version ${expectedVersion}`)
      const d = decide(guard)
      assertNewerVersion(d.next, expectedVersion)
      await this.txWriteCase(t, checked, cur, guard, 0, d.next, await this.caseDoc(d.next), d.outbox, d)
      return d.next
    })
  }

  /** A case write inside a transaction over what it read: the case, its guard, loads, tasks, refunds, queue. */
  private async txWriteCase(t: Tx, checked: boolean, cur: CurDoc, guard: OrderGuard | null, spent: number, next: Case, doc: CaseDoc, outbox: NewOutboxItem[], opts: SaveOpts): Promise<void> {
    const nextGuard = guard && updateGuard(guard, next)
    const spend = this.checkRuleSpend(opts.ruleSpend, spent)
    const keys = [...(cur.cmdKeys ?? []), ...(opts.commandKey ? [{ ...opts.commandKey, version: next.version }] : [])].slice(-CMD_KEYS_KEPT)
    // the outbox rows ride in the case document (the dispatcher sweeps them in)
    const writes: Promise<unknown>[] = [
      t.collection(this.name('cases')).doc(next.id).set({ ...CloudBaseStore.body(doc), ...keptFields(cur), ...(keys.length ? { cmdKeys: keys } : {}), ...queueWith(cur, this.queueRows(next, outbox, cur.outq ?? []), next.updatedAt) }),
    ]
    if (nextGuard) writes.push(this.txSetGuard(t, nextGuard))
    if (spend) writes.push(spend(t))
    if (opts.refunds?.length) writes.push(this.txRefunds(t, opts.refunds, checked))
    // load counters: the case leaves one agent's open load and / or joins another's
    const was = cur.open && cur.assigneeId ? cur.assigneeId : null
    const now = doc.open && next.assigneeId ? next.assigneeId : null
    const assigned = next.assigneeId && next.assigneeId !== (cur.assigneeId ?? null) ? next.assigneeId : null
    if (was && was !== now) writes.push(this.txStaffLoad(t, was, -1, null))
    if (now && now !== was) writes.push(this.txStaffLoad(t, now, 1, assigned ? next.updatedAt : null))
    else if (assigned) writes.push(this.txStaffLoad(t, assigned, 0, next.updatedAt))
    await Promise.all(writes)
  }

  /**
   * Whether a write from `prev` to `next` changes nothing but the case document: the order's guard
   * entry and the assignees' load counters stay as they are.
   */
  private onlyTheCase(prev: Case, next: Case): boolean {
    const open = (c: Case) => OPEN_STATUSES.includes(c.status)
    if ((prev.assigneeId ?? null) !== (next.assigneeId ?? null) || open(prev) !== open(next)) return false
    // (follow-up tasks are fields of the case document: taskFields)
    return !((touchesGuard(prev) || touchesGuard(next)) && JSON.stringify(guardEntry(prev)) !== JSON.stringify(guardEntry(next)))
  }

  /**
   * A write that touches only the case document: one conditional update on (_id, version) — the
   * compare-and-set — that also appends the write's outbox rows to the case's own queue (`outq`),
   * so they commit with it. The dispatcher's pass moves queued rows into the outbox first
   * (sweepCaseOutbox): on CloudBase nothing sends before that pass anyway (the notify timer).
   */
  private async casWrite(next: Case, expectedVersion: number, doc: CaseDoc, outbox: NewOutboxItem[], commandKey?: Omit<CommandKey, 'version'>): Promise<void> {
    const _ = this._
    const rows = this.queueRows(next, outbox, [])
    const patch: Obj = { ...CloudBaseStore.body(doc) }
    if (commandKey) patch.cmdKeys = _.push({ each: [{ ...commandKey, version: next.version }], slice: -CMD_KEYS_KEPT })
    if (rows.length) {
      patch.outq = _.push({ each: rows })
      patch.outqAt = iso(next.updatedAt)
    }
    const r = (await this.col('cases').where({ _id: next.id, version: expectedVersion }).update(patch)) as { updated?: number }
    if (!r.updated) throw new StoreConflict(`case ${next.id} is not at version ${expectedVersion}`)
  }

  /** A write's outbox rows for the case's queue: one per key (the first wins, as in the outbox). */
  private queueRows(c: Case, outbox: NewOutboxItem[], queued: OutboxDoc[]): OutboxDoc[] {
    const seen = new Set(queued.map((x) => x._id))
    return outbox.filter((o) => !seen.has(o.key) && !!seen.add(o.key)).map((o) => this.outboxDoc(c, o))
  }

  /** Outbox rows into the outbox collection; those already there are left as they are. */
  private async insertOutboxRows(rows: OutboxDoc[]): Promise<void> {
    if (await this.addAllNew('outbox', rows)) return
    const there = new Set(((await this.col('outbox').where({ _id: this._.in(rows.map((x) => x._id)) }).field({ _id: true }).limit(rows.length).get()) as { data: { _id: string }[] }).data.map((d) => d._id))
    const fresh = rows.filter((x) => !there.has(x._id))
    if (fresh.length && !(await this.addAllNew('outbox', fresh))) await this.insertOutboxRows(fresh)
  }

  /**
   * The dispatcher's first step: rows waiting in case queues go into the outbox (those there
   * already are left as they are), then exactly those rows are pulled from their queues — rows a
   * writer appended meanwhile stay for the next pass. Fixed cost per pass, whatever the number
   * of cases: one query, one insert, two updates. Answers how many rows were moved.
   */
  async sweepCaseOutbox(limit: number): Promise<number> {
    const _ = this._
    const docs = ((await this.col('cases').where({ outqAt: _.gt('') }).field({ _id: true, outq: true }).limit(Math.max(1, Math.min(PAGE, limit))).get()) as { data: Array<{ _id: string } & Outq> }).data
    if (!docs.length) return 0
    const rows = docs.flatMap((d) => d.outq ?? [])
    const ids = docs.map((d) => d._id)
    if (rows.length) {
      await this.insertOutboxRows(rows)
      await this.col('cases').where({ _id: _.in(ids) }).update({ outq: _.pull({ _id: _.in(rows.map((x) => x._id)) }) })
    }
    await this.col('cases').where({ _id: _.in(ids), outq: _.size(0) }).update({ outqAt: null })
    return rows.length
  }

  /** Rows still in case queues (committed, not yet swept into the outbox), for the outbox listings. */
  private async queuedRows(caseId?: string): Promise<OutboxDoc[]> {
    const docs = caseId
      ? ((await this.col('cases').doc(caseId).field({ outq: true }).get()) as { data: Outq[] }).data
      : ((await this.col('cases').where({ outqAt: this._.gt('') }).field({ outq: true }).limit(PAGE).get()) as { data: Outq[] }).data
    return docs.flatMap((d) => d.outq ?? [])
  }

  /** A ledger port's refund records, inserted with the case's write; `checked` skips keys stored before. */
  private async txRefunds(t: Tx, refunds: Array<Omit<RefundRecord, 'status'>>, checked: boolean): Promise<void> {
    let rows = refunds.map(refundDoc)
    if (checked) {
      const there = await Promise.all(rows.map((r) => this.txGet(t, 'refunds', r._id)))
      rows = rows.filter((_, i) => !there[i])
    }
    if (rows.length) await t.collection(this.name('refunds')).add(rows)
  }

  /**
   * Many cases in one transaction (the scheduler's batch): one read per case, one outbox insert
   * for all, and the guard, load and task writes only where a case changes them.
   */
  async saveCases(batch: Array<{ next: Case; expectedVersion: number; outbox: NewOutboxItem[] }>): Promise<{ raced: string[] }> {
    if (!batch.length) return { raced: [] }
    for (const b of batch) assertNewerVersion(b.next, b.expectedVersion)
    const docs = await Promise.all(batch.map((b) => this.caseDoc(b.next)))
    return this.tx(async (t) => {
      const curs = await Promise.all(batch.map((b) => this.txGet<CurDoc>(t, 'cases', b.next.id)))
      const raced: string[] = []
      const won: Array<{ next: Case; prev: Case; outbox: NewOutboxItem[]; doc: CaseDoc; cur: CurDoc }> = []
      batch.forEach((b, i) => {
        const cur = curs[i]
        if (!cur || cur.version !== b.expectedVersion) raced.push(b.next.id)
        else won.push({ next: b.next, prev: JSON.parse(cur.docJson) as Case, outbox: b.outbox, doc: docs[i], cur })
      })
      if (!won.length) return { raced }
      // the guard of an order only where a case's entry changes (a timer rarely moves money or closes)
      const sameEntry = (a: Case, b: Case) => JSON.stringify(guardEntry(a)) === JSON.stringify(guardEntry(b))
      const orders = [...new Set(won.filter((w) => touchesGuard(w.next) && !sameEntry(w.prev, w.next)).map((w) => w.next.order.orderId))]
      const guards = await Promise.all(orders.map((o) => this.txGuard(t, o)))
      const writes: Promise<unknown>[] = []
      orders.forEach((orderId, i) => {
        let g = guards[i]
        let changed = false
        for (const w of won) {
          if (w.next.order.orderId !== orderId) continue
          const u = updateGuard(g, w.next)
          if (u) {
            g = u
            changed = true
          }
        }
        if (changed) writes.push(this.txSetGuard(t, g))
      })
      // load counters, summed per staff member
      const loads = new Map<string, { delta: number; at: string | null }>()
      const load = (id: string, delta: number, at: string | null) => {
        const l = loads.get(id) ?? { delta: 0, at: null }
        loads.set(id, { delta: l.delta + delta, at: at && (!l.at || at > l.at) ? at : l.at })
      }
      for (const { next, outbox, doc, cur } of won) {
        // each case's outbox rows ride in its own document (the dispatcher sweeps them in)
        writes.push(t.collection(this.name('cases')).doc(next.id).set({ ...CloudBaseStore.body(doc), ...keptFields(cur), ...(cur.cmdKeys?.length ? { cmdKeys: cur.cmdKeys } : {}), ...queueWith(cur, this.queueRows(next, outbox, cur.outq ?? []), next.updatedAt) }))
        const was = cur.open && cur.assigneeId ? cur.assigneeId : null
        const now = doc.open && next.assigneeId ? next.assigneeId : null
        const assigned = next.assigneeId && next.assigneeId !== (cur.assigneeId ?? null) ? next.assigneeId : null
        if (was && was !== now) load(was, -1, null)
        if (now && now !== was) load(now, 1, assigned ? next.updatedAt : null)
        else if (assigned) load(assigned, 0, next.updatedAt)
      }
      for (const [id, l] of loads) if (l.delta || l.at) writes.push(this.txStaffLoad(t, id, l.delta, l.at))
      await Promise.all(writes)
      return { raced }
    })
  }

  /** The queue filter as conditions on the case documents' fields (caseIndex, caseFacts). */
  private caseConds(f: QueueFilter): FieldCond[] {
    const c: FieldCond[] = []
    const eq = (field: string, value: unknown) => c.push({ field, op: 'eq', value })
    if (f.status) c.push({ field: 'status', op: 'in', value: f.status })
    if (f.team !== undefined) eq('team', f.team)
    if (f.assigneeId !== undefined) c.push(f.assigneeId === null ? { field: 'assigneeId', op: 'null' } : { field: 'assigneeId', op: 'eq', value: f.assigneeId })
    if (f.unassigned) c.push({ field: 'assigneeId', op: 'null' })
    if (f.severity !== undefined) eq('severity', f.severity)
    if (f.reason !== undefined) eq('reason', f.reason)
    if (f.escalated !== undefined) eq('escalated', f.escalated)
    if (f.refunded !== undefined) eq('refunded', f.refunded)
    if (f.risk !== undefined) eq('risk', f.risk)
    if (f.dueBefore !== undefined) c.push({ field: 'slaDueAt', op: 'lt', value: iso(f.dueBefore) })
    if (f.slaState !== undefined) {
      const r = slaRange(f.slaState.state, f.slaState.at)
      if (r.warnAt?.lte !== undefined) c.push({ field: 'slaWarnAt', op: 'lte', value: r.warnAt.lte })
      if (r.warnAt?.gt !== undefined) c.push({ field: 'slaWarnAt', op: 'gt', value: r.warnAt.gt })
      if (r.breachAt?.lt !== undefined) c.push({ field: 'slaBreachAt', op: 'lt', value: r.breachAt.lt })
      if (r.breachAt?.gte !== undefined) c.push({ field: 'slaBreachAt', op: 'gte', value: r.breachAt.gte })
    }
    if (f.open !== undefined) eq('open', f.open)
    if (f.createdFrom !== undefined) c.push({ field: 'createdAt', op: 'gte', value: iso(f.createdFrom) })
    if (f.createdTo !== undefined) c.push({ field: 'createdAt', op: 'lt', value: iso(f.createdTo) })
    if (f.buyerOpenid !== undefined) eq('buyerOpenid', f.buyerOpenid)
    if (f.orderId !== undefined) eq('orderId', f.orderId)
    if (f.batch !== undefined) c.push({ field: 'skuItems.batchKey', op: 'has', value: `${f.batch.skuId}@${f.batch.batch || '-'}` })
    return c
  }
  private filterConds(f: QueueFilter): Obj[] {
    return this.caseConds(f).map((c) => this.queryOf(c))
  }
  /** A field condition as a query (where / match). */
  private queryOf(c: FieldCond): Obj {
    const _ = this._
    switch (c.op) {
      case 'eq':
      case 'has':
        return { [c.field]: c.value }
      case 'null':
        return { [c.field]: _.eq(null) }
      case 'in':
        return { [c.field]: _.in(c.value as unknown[]) }
      default:
        return { [c.field]: _[c.op](c.value) }
    }
  }

  async listCases(filter: QueueFilter, page: { limit: number; cursor?: string | null; order?: 'created_desc' | 'due_asc' }): Promise<Page<Case>> {
    const order = page.order ?? 'created_desc'
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const [field, dir] = order === 'created_desc' ? (['createdAt', 'desc'] as const) : (['dueSort', 'asc'] as const)
    const after = page.cursor ? decodeCursor(page.cursor, order) : null
    const docs = await this.sorted<CaseDoc>('cases', this.filterConds(filter), field, dir, limit + 1, after)
    const more = docs.length > limit
    const items = docs.slice(0, limit)
    const last = items[items.length - 1]
    return {
      items: items.map((d) => JSON.parse(d.docJson) as Case),
      next: more && last ? encodeCursor(order, String(last[field]), last._id) : null,
    }
  }

  async listCaseRefs(filter: QueueFilter, limit: number): Promise<Array<{ id: string; orderId: string; status: Case['status'] }>> {
    const docs = await this.sorted<CaseDoc>('cases', this.filterConds(filter), 'createdAt', 'desc', Math.max(0, Math.floor(limit)), null, { _id: true, orderId: true, status: true, createdAt: true })
    return docs.map((d) => ({ id: d._id, orderId: String(d.orderId), status: d.status as Case['status'] }))
  }

  /**
   * With a cap (≤ 1000) the count reads at most `cap` index entries: the ids of the first `cap`
   * matches, one request, so the cost is bounded by the cap and not by how many cases match.
   */
  async countCases(filter: QueueFilter, cap?: number): Promise<number> {
    const where = this.where(this.filterConds(filter))
    if (cap !== undefined && cap <= PAGE) {
      const n = Math.max(0, Math.floor(cap))
      if (n === 0) return 0
      const r = await this.col('cases').where(where).limit(n).field({ _id: true }).get()
      return (r.data ?? []).length
    }
    const r = (await this.col('cases').where(where).count()) as { total: number }
    return cap === undefined ? r.total : Math.min(r.total, cap)
  }

  /**
   * Several capped counts in one request (the queue's tab badges): one aggregate over the cases
   * that match any of the filters — at most `countScan` of them — summing per filter the documents
   * its conditions hold for (`$cond` of the same conditions as its query). Each answer is what
   * countCases / countTasks with the same cap answers. A filter without conditions (every case)
   * is counted on its own beside it: its scan would be the whole collection. When the union
   * matches more than that, each count that did not reach its cap is asked on its own.
   */
  async countMany(queries: CountQuery[], cap: number): Promise<number[]> {
    const n = Math.max(0, Math.floor(cap))
    const alone = (q: CountQuery) => countOne(this, q, n)
    const conds = queries.map((q) => ('tasks' in q ? this.taskFieldConds(q.tasks) : this.caseConds(q.cases)))
    const together = queries.map((_q, i) => i).filter((i) => conds[i].length > 0)
    if (n === 0 || together.length < 2) return Promise.all(queries.map(alone))
    const group: Obj = { _id: null, seen: { $sum: 1 } }
    together.forEach((i, k) => (group[`n${k}`] = { $sum: { $cond: [{ $and: conds[i].map(exprOf) }, 1, 0] } }))
    const match = this._.or(...together.map((i) => this.where(conds[i].map((c) => this.queryOf(c)))))
    // the unconditioned counts go out beside the aggregate (one Promise.all: a failure of either is the call's)
    const [res, beside] = await Promise.all([
      this.col('cases').aggregate().match(match).limit(this.countScan).group(group).end() as Promise<{ data?: Obj[] }>,
      Promise.all(queries.map((q, i) => (conds[i].length ? 0 : alone(q)))),
    ])
    const out: Array<number | Promise<number>> = [...beside]
    const row = res.data?.[0] ?? { seen: 0 }
    const complete = Number(row.seen ?? 0) < this.countScan
    together.forEach((i, k) => {
      const got = Number(row[`n${k}`] ?? 0)
      out[i] = complete || got >= n ? Math.min(got, n) : alone(queries[i])
    })
    return Promise.all(out)
  }

  /**
   * One request: the ids of up to caps.refunded + caps.risk cases of the buyer's ids in the window
   * that are refunded OR risk-flagged, with both flags. A page that is not full holds every such
   * case (exact). A full page can under-count only the flag it holds fewer of than its cap (the
   * other flag's cases filled it): that one is then counted on its own (one more capped request).
   */
  async buyerCaseCounts(buyerOpenids: string[], createdFrom: string, caps: { refunded: number; risk: number }): Promise<{ refunded: number; risk: number }> {
    const _ = this._
    const ids = [...new Set(buyerOpenids)]
    const capR = Math.max(0, Math.min(PAGE, Math.floor(caps.refunded)))
    const capK = Math.max(0, Math.min(PAGE, Math.floor(caps.risk)))
    if (!ids.length || capR + capK === 0) return { refunded: 0, risk: 0 }
    const base: Obj[] = [{ buyerOpenid: ids.length === 1 ? ids[0] : _.in(ids) }, { createdAt: _.gte(iso(createdFrom)) }]
    const limit = Math.min(PAGE, capR + capK)
    const r = await this.col('cases').where(this.where([...base, _.or({ refunded: true }, { risk: true }) as unknown as Obj])).limit(limit).field({ _id: true, refunded: true, risk: true }).get()
    const docs = (r.data ?? []) as Array<{ refunded?: boolean; risk?: boolean }>
    let refunded = docs.filter((d) => d.refunded === true).length
    let risk = docs.filter((d) => d.risk === true).length
    if (docs.length >= limit) {
      const exact = async (flag: 'refunded' | 'risk', cap: number) =>
        ((await this.col('cases').where(this.where([...base, { [flag]: true }])).limit(cap).field({ _id: true }).get()).data ?? []).length
      if (refunded < capR) refunded = await exact('refunded', capR)
      else if (risk < capK) risk = await exact('risk', capK)
    }
    return { refunded: Math.min(capR, refunded), risk: Math.min(capK, risk) }
  }

  /**
   * One aggregate on the order (`$match` by id, then `$lookup`s with sub-pipelines, CloudBase's
   * "自定义连接条件、拼接子查询" form): the buyer's record, their refunded and their risk-flagged
   * cases in the window (each a capped `$limit` of ids: exact up to the cap), their signed-for
   * orders (capped), and on request the case filed under the idempotency key (its derived id, and
   * a key document written before ids were derived), the buyer recorded with a unionid and the
   * roster with its load counters. The buyer is a constant when the caller names it (an
   * equality the indexes serve), else the order's own `buyerOpenid` through `let` and `$expr`.
   * The policy / roster head (`counters/policy`) rides along and serves the call's policy read
   * after it, as a head read of the last HEADS_SHARE_MS would (readHeads).
   * An order that is not stored answers nothing to join on: then the same reads go out one by
   * one, side by side. A key document written before (no derived case) costs one more read.
   */
  async filingContext(q: FilingQuery): Promise<FilingContext> {
    const _ = this._
    const $ = _.aggregate
    const capR = Math.max(0, Math.min(PAGE, Math.floor(q.caps.refunded)))
    const capK = Math.max(0, Math.min(PAGE, Math.floor(q.caps.risk)))
    const capO = Math.max(0, Math.min(PAGE, Math.floor(q.caps.orders)))
    const derivedId = q.idem ? idempotentCaseId(q.idem.scope, q.idem.key) : null
    const keyId = q.idem ? this.idemId(q.idem.scope, q.idem.key) : null
    // the buyer: a constant, or the order's buyer through `let` (in the sub-pipeline as $$buyer)
    const byBuyer = (field: string, conds: Obj) => (q.openid !== null ? { ...conds, [field]: q.openid } : _.and([conds, _.expr($.eq([`$${field}`, '$$buyer']))]))
    const sub = (match: unknown, limit: number, project: Obj) => $.pipeline().match(match).limit(Math.max(1, limit)).project(project).done()
    let agg = this.col('orders').aggregate().match({ _id: q.orderId })
    const join = (from: CollectionKey, as: string, pipeline: unknown) => {
      agg = agg.lookup({ from: this.name(from), ...(q.openid === null ? { let: { buyer: '$buyerOpenid' } } : {}), pipeline, as })
    }
    join('buyers', 'fcBuyer', sub(byBuyer('_id', {}), 1, { searchKeys: 0 }))
    join('cases', 'fcRefunded', sub(byBuyer('buyerOpenid', { createdAt: _.gte(iso(q.riskFrom)), refunded: true }), capR, { _id: 1 }))
    join('cases', 'fcRisk', sub(byBuyer('buyerOpenid', { createdAt: _.gte(iso(q.riskFrom)), risk: true }), capK, { _id: 1 }))
    join('orders', 'fcOrders', sub(byBuyer('buyerOpenid', { deliveredAt: _.gte(iso(q.deliveredFrom)) }), capO, { _id: 1 }))
    if (derivedId) join('cases', 'fcCase', sub({ _id: derivedId }, 1, { docJson: 1, idemFp: 1 }))
    if (keyId) join('idempotency', 'fcKey', sub({ _id: keyId }, 1, { caseId: 1, fingerprint: 1 }))
    if (q.unionid) join('buyers', 'fcUnion', $.pipeline().match({ unionid: q.unionid }).sort({ _id: 1 }).limit(1).project({ searchKeys: 0 }).done())
    if (q.staffCap !== undefined) join('staff', 'fcStaff', $.pipeline().sort({ _id: 1 }).limit(PAGE).done())
    // the policy / roster head rides along: the call's policy read after this one shares it (readHeads)
    join('counters', 'fcHeads', sub({ _id: 'policy' }, 1, { version: 1, staff: 1 }))
    const sentAt = Date.now()
    type Row = { docJson: string; buyerOpenid: string; fcBuyer: Array<BuyerDoc & { _id: string }>; fcRefunded: Obj[]; fcRisk: Obj[]; fcOrders: Obj[]; fcCase?: Array<{ docJson: string; idemFp?: string }>; fcKey?: Array<{ caseId: string; fingerprint?: string }>; fcUnion?: Array<BuyerDoc & { _id: string }>; fcStaff?: Obj[]; fcHeads?: Array<{ version?: number; staff?: number }> }
    const row = ((await agg.limit(1).end()) as { data?: Row[] }).data?.[0]
    if (!row) return this.filingContextApart(q)
    const head = row.fcHeads?.[0]
    if (!this.heads || this.heads.at <= sentAt) this.heads = { at: sentAt, read: Promise.resolve(head ? { version: head.version ?? 0, staff: head.staff ?? 0 } : null) }
    const order = JSON.parse(row.docJson) as OrderRecord
    const openid = q.openid ?? row.buyerOpenid ?? null
    const staffCap = q.staffCap ?? OPEN_COUNT_CAP
    // a full page of staff may not be all of them: the roster is then read page by page
    const staff = row.fcStaff && (row.fcStaff.length >= PAGE ? await this.listStaffLoads(staffCap) : row.fcStaff.map((d) => this.staffLoad(d, staffCap)))
    const b = row.fcBuyer[0]
    const u = row.fcUnion?.[0]
    return {
      order,
      openid,
      buyer: b && openid ? toBuyer(openid, b) : null,
      counts: { refunded: capR && row.fcRefunded.length, risk: capK && row.fcRisk.length, orders: capO && row.fcOrders.length },
      prior: await this.priorOf(row.fcCase?.[0], row.fcKey?.[0]),
      unionBuyer: u ? toBuyer(u._id, u) : null,
      ...(staff ? { staff } : {}),
    }
  }
  /** filingContext without an order to join on: the same reads, side by side. */
  private async filingContextApart(q: FilingQuery): Promise<FilingContext> {
    const openid = q.openid
    const [buyer, cases, orders, prior, unionBuyer, staff] = await Promise.all([
      openid ? this.getBuyer(openid) : null,
      openid ? this.buyerCaseCounts([openid], q.riskFrom, q.caps) : { refunded: 0, risk: 0 },
      openid ? this.countOrders({ buyerOpenid: openid, deliveredFrom: q.deliveredFrom }, q.caps.orders) : 0,
      q.idem ? this.findPrior(q.idem.scope, q.idem.key) : null,
      q.unionid ? this.getBuyerByUnionid(q.unionid) : null,
      q.staffCap === undefined ? undefined : this.listStaffLoads(q.staffCap),
    ])
    return { order: null, openid, buyer, counts: { ...cases, orders }, prior, unionBuyer, ...(staff ? { staff } : {}) }
  }
  /** The earlier filing: the case under the derived id, else the one a key document (written before) names. */
  private async priorOf(derived: { docJson: string; idemFp?: string } | undefined, key: { caseId: string; fingerprint?: string } | undefined): Promise<FilingContext['prior']> {
    if (derived) {
      const c = JSON.parse(derived.docJson) as Case
      this.remember(c)
      return { case: c, ...(derived.idemFp ? { fingerprint: derived.idemFp } : {}) }
    }
    const c = key ? await this.getCase(key.caseId) : null
    return c ? { case: c, ...(key?.fingerprint ? { fingerprint: key.fingerprint } : {}) } : null
  }
  /** findByIdempotencyKey with the fingerprint: the derived case and the key document, read side by side. */
  private async findPrior(scope: string, key: string): Promise<FilingContext['prior']> {
    const [derived, doc] = await Promise.all([
      this.getDoc<{ docJson: string; idemFp?: string }>('cases', idempotentCaseId(scope, key)),
      this.getDoc<{ caseId: string; fingerprint?: string }>('idempotency', this.idemId(scope, key)),
    ])
    return this.priorOf(derived ?? undefined, doc ?? undefined)
  }

  async dueCases(now: string, limit: number): Promise<Case[]> {
    const docs = await this.sorted<CaseDoc>('cases', [{ slaDueAt: this._.lte(iso(now)) }], 'slaDueAt', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => JSON.parse(d.docJson) as Case)
  }

  /**
   * Case numbers come from a per-day counter document, but each instance reserves a block of
   * CASE_NO_BLOCK numbers with one compare-and-set and hands them out itself: the counter is
   * touched once per block, not once per case, and a lost compare-and-set is simply re-read and
   * retried (never an error). Numbers are unique and increase within an instance; across instances
   * they interleave, and a block an instance did not use up leaves a gap.
   */
  async nextCaseNo(day: string): Promise<string> {
    let block = this.caseNoBlocks.get(day)
    if (!block || block.next > block.last) {
      block = await this.reserveCaseNos(day)
      this.caseNoBlocks.set(day, block)
    }
    return formatCaseNo(day, block.next++)
  }

  private async reserveCaseNos(day: string): Promise<{ next: number; last: number }> {
    const id = `case_no:${day}`
    for (let attempt = 1; ; attempt++) {
      const cur = await this.getDoc<{ value: number }>('counters', id)
      const from = cur?.value ?? 0
      try {
        if (!cur) await this.col('counters').add({ _id: id, value: CASE_NO_BLOCK })
        else {
          const r = (await this.col('counters').where({ _id: id, value: from }).update({ value: from + CASE_NO_BLOCK })) as { updated: number }
          if (r.updated !== 1) throw new StoreConflict('case number block taken')
        }
        return { next: from + 1, last: from + CASE_NO_BLOCK }
      } catch (e) {
        if (!(e instanceof StoreConflict) && !isDuplicateId(e)) throw e
        if (attempt >= 200) throw new StoreConflict('case numbers are contended; please retry')
        await sleep(Math.random() * Math.min(100, 2 * attempt))
      }
    }
  }

  // ------------------------------------------------------------------ staff, buyers, policy

  /** Staff documents keep every field on its own (older ones also a `docJson` body, overridden by the fields). */
  private static toStaff(d: Obj): StaffRecord {
    const base = typeof d.docJson === 'string' ? (JSON.parse(d.docJson) as Partial<StaffRecord>) : {}
    const pick = <K extends keyof StaffRecord>(k: K): StaffRecord[K] => (k in d ? (d[k] as StaffRecord[K]) : (base[k] as StaffRecord[K]))
    return {
      id: String(d._id),
      name: pick('name'),
      role: pick('role'),
      teams: pick('teams'),
      onDuty: pick('onDuty'),
      ...(pick('takesCases') === undefined ? {} : { takesCases: pick('takesCases') }),
      lastAssignedAt: pick('lastAssignedAt') ?? null,
      active: pick('active'),
    }
  }
  async listStaff(): Promise<StaffRecord[]> {
    return (await this.all<Obj>('staff', [])).map((d) => CloudBaseStore.toStaff(d))
  }
  /**
   * A staff record from this instance's cache while the roster version in `counters/policy` is
   * the one it was cached under (every staff write bumps it in the same transaction): one fresh
   * read of that head per call, which the call's policy read then shares (readHeads). The load
   * fields the case writes keep (lastAssignedAt) may lag here; routing reads listStaffLoads.
   */
  async getStaff(id: string): Promise<StaffRecord | null> {
    // this instance's first head read brings the record too (headsWithPolicy)
    let joined: Obj | null | undefined
    const roster = (await this.readHeads(true, { id, got: (d) => (joined = d) }))?.staff ?? 0
    if (roster !== this.staffVersion) {
      this.staffCache.clear()
      this.staffVersion = roster
    }
    if (joined !== undefined) this.staffCache.set(id, joined && CloudBaseStore.toStaff(joined))
    const cached = this.staffCache.get(id)
    if (cached !== undefined) return cached && { ...cached, teams: [...cached.teams] }
    const d = await this.getDoc<Obj>('staff', id)
    const rec = d ? CloudBaseStore.toStaff(d) : null
    if (this.staffVersion === roster) this.staffCache.set(id, rec)
    return rec && { ...rec, teams: [...rec.teams] }
  }

  /**
   * The policy head and the roster version (`counters/policy` { version, staff }) in one read.
   * `fresh` reads it now (a staff check); otherwise a read of the last HEADS_SHARE_MS is shared,
   * so a call's staff check and policy read cost one round trip. A policy saved on another
   * instance is seen at most that much later.
   */
  private readHeads(fresh = false, staff?: { id: string; got: (doc: Obj | null) => void }): Promise<{ version: number; staff: number } | null> {
    const now = Date.now()
    if (!fresh && this.heads && now - this.heads.at <= HEADS_SHARE_MS) return this.heads.read
    const read = (!this.headsRead ? this.headsWithPolicy(staff) : this.getDoc<{ version?: number; staff?: number }>('counters', 'policy')).then((d) => (d ? { version: d.version ?? 0, staff: d.staff ?? 0 } : null))
    const memo = { at: now, read }
    this.heads = memo
    read.catch(() => {
      if (this.heads === memo) this.heads = null
    })
    return read
  }
  /**
   * This instance's first head read (a policy read usually follows, and no version is cached yet):
   * the version document the head names rides along (`$lookup`) and is cached, and so does the
   * staff record a staff check reads next (handed to `staff.got`, null when there is none; not
   * called when there is no head to join on), one round trip where those are two or three.
   */
  private async headsWithPolicy(staff?: { id: string; got: (doc: Obj | null) => void }): Promise<{ version?: number; staff?: number } | null> {
    type Row = { version?: number; staff?: number; pv?: PolicyDoc[]; st?: Obj[] }
    let agg = this.headAggregate()
    if (staff) agg = agg.lookup({ from: this.name('staff'), pipeline: this._.aggregate.pipeline().match({ _id: staff.id }).limit(1).done(), as: 'st' })
    const r = (await agg.limit(1).end()) as { data?: Row[] }
    const d = r.data?.[0]
    this.keepVersion(d?.pv)
    if (d && staff) staff.got(d.st?.[0] ?? null)
    return d ?? null
  }
  /**
   * An aggregate on the policy head; on this instance's first head read (no version cached yet)
   * the version document it names rides along as `pv` (keepVersion caches it).
   */
  private headAggregate() {
    const first = !this.headsRead
    this.headsRead = true
    const agg = this.col('counters').aggregate().match({ _id: 'policy' })
    return first ? agg.lookup({ from: this.name('policyVersions'), localField: 'version', foreignField: 'version', as: 'pv' }) : agg
  }
  private keepVersion(pv: PolicyDoc[] | undefined): void {
    const v = pv?.[0]
    if (v && !this.policyRecords.has(v.version)) this.policyRecords.set(v.version, this.toPolicyRecord(v))
  }
  private heads: { at: number; read: Promise<{ version: number; staff: number } | null> } | null = null
  private headsRead = false
  private readonly staffCache = new Map<string, StaffRecord | null>()
  private staffVersion = -1

  /** A staff write and the roster version bump, in one transaction (see getStaff). */
  private async staffWrite(id: string, write: (t: Tx, exists: boolean) => Promise<unknown>): Promise<boolean> {
    const done = await this.tx(async (t) => {
      const [cur, head] = await Promise.all([this.txGet(t, 'staff', id), this.txGet<{ version?: number; staff?: number }>(t, 'counters', 'policy')])
      if (!(await write(t, !!cur))) return false
      await t.collection(this.name('counters')).doc('policy').set({ version: head?.version ?? 0, staff: (head?.staff ?? 0) + 1 })
      return true
    })
    this.heads = null
    return done
  }
  /** Field by field: the load counter (and any field not in `s`) stays as stored. */
  async upsertStaff(s: StaffRecord): Promise<void> {
    const { id, ...fields } = s
    const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
    // field by field over an existing record (its load counter stays); a new one starts at 0
    await this.staffWrite(id, async (t, exists) => {
      const ref = t.collection(this.name('staff')).doc(id)
      await (exists ? ref.update(set) : ref.set({ ...set, openCases: 0 }))
      return true
    })
  }
  async patchStaff(id: string, patch: Partial<Omit<StaffRecord, 'id'>>): Promise<boolean> {
    const fields = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))
    return this.staffWrite(id, async (t, exists) => exists && (await t.collection(this.name('staff')).doc(id).update(fields), true))
  }
  /** One query: the load counters live on the staff documents (kept by the case transactions). */
  async listStaffLoads(cap = OPEN_COUNT_CAP): Promise<Array<StaffRecord & { openCases: number }>> {
    return (await this.all<Obj>('staff', [])).map((d) => this.staffLoad(d, cap))
  }
  private staffLoad(d: Obj, cap: number): StaffRecord & { openCases: number } {
    return { ...CloudBaseStore.toStaff(d), openCases: Math.min(cap, Math.max(0, Number(d.openCases ?? 0))) }
  }
  async openCaseCounts(staffIds: string[], cap = OPEN_COUNT_CAP): Promise<Record<string, number>> {
    const ids = [...new Set(staffIds)]
    const totals = await Promise.all(
      ids.map(async (id) => ((await this.col('cases').where({ open: true, assigneeId: id }).count()) as { total: number }).total),
    )
    return Object.fromEntries(ids.map((id, i) => [id, Math.min(totals[i], cap)]))
  }
  async getBuyer(openid: string): Promise<BuyerRecord | null> {
    const d = await this.getDoc<BuyerDoc>('buyers', openid)
    return d ? toBuyer(openid, d) : null
  }
  /** One transaction: the document is replaced whole, so the recorded unionid and trust decisions are carried over inside it. */
  async upsertBuyer(b: BuyerRecord): Promise<void> {
    await this.tx(async (t) => {
      const cur = await this.txGet<BuyerDoc>(t, 'buyers', b.openid)
      // a write without a unionid / name / phone tail / shop openids keeps the one recorded earlier
      const patch = { dedicatedRepId: b.dedicatedRepId, trusted: b.trusted, ...(b.unionid != null ? { unionid: b.unionid } : {}), ...(b.name != null ? { name: b.name } : {}), ...(b.phoneTail != null ? { phoneTail: b.phoneTail } : {}), ...(b.shopOpenids != null ? { shopOpenids: b.shopOpenids } : {}) }
      await t.collection(this.name('buyers')).doc(b.openid).set(buyerDocWith(cur, patch))
    })
  }
  async setBuyerTrust(openid: string, change: TrustChange): Promise<BuyerRecord> {
    return this.tx(async (t) => {
      const cur = await this.txGet<BuyerDoc>(t, 'buyers', openid)
      const prev: BuyerTrust | null = cur?.trustJson ? (JSON.parse(cur.trustJson) as BuyerTrust) : null
      const trust: BuyerTrust = { override: change.trusted, history: [...(prev?.history ?? []), change].slice(-TRUST_HISTORY_KEPT) }
      const doc = buyerDocWith(cur, { trustJson: JSON.stringify(trust) })
      await t.collection(this.name('buyers')).doc(openid).set(doc)
      return toBuyer(openid, doc)
    })
  }
  async setBuyerContact(openid: string, contact: { name: string | null; phoneTail: string | null }): Promise<void> {
    await this.tx(async (t) => {
      const cur = await this.txGet<BuyerDoc>(t, 'buyers', openid)
      const doc = buyerDocWith(cur, { ...(contact.name != null ? { name: contact.name } : {}), ...(contact.phoneTail != null ? { phoneTail: contact.phoneTail } : {}) })
      await t.collection(this.name('buyers')).doc(openid).set(doc)
    })
  }
  /** One transaction: newer-wins on the recorded `at`, the rest of the document carried over. */
  async setBuyerPreferences(openid: string, preferences: BuyerPreferences): Promise<boolean> {
    return this.tx(async (t) => {
      const cur = await this.txGet<BuyerDoc>(t, 'buyers', openid)
      const prev: BuyerPreferences | null = cur?.preferencesJson ? (JSON.parse(cur.preferencesJson) as BuyerPreferences) : null
      if (prev && prev.at > preferences.at) return false
      const doc = buyerDocWith(cur, { preferencesJson: JSON.stringify(preferences) })
      await t.collection(this.name('buyers')).doc(openid).set(doc)
      return true
    })
  }
  async searchBuyers(q: string, limit: number): Promise<BuyerRecord[]> {
    const docs = await this.sorted<BuyerDoc & Obj & { _id: string }>('buyers', [{ searchKeys: q }], '_id', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => toBuyer(d._id, d))
  }
  async listRepAssignments(limit: number): Promise<BuyerRecord[]> {
    const docs = await this.sorted<BuyerDoc & Obj & { _id: string }>('buyers', [{ dedicatedRepId: this._.neq(null) }], '_id', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => toBuyer(d._id, d))
  }

  private toPolicyRecord(d: PolicyDoc): PolicyRecord {
    return { version: d.version, policy: JSON.parse(d.policyJson) as Policy, updatedBy: d.updatedBy, updatedAt: d.updatedAt, whatIf: whatIfOf(d) }
  }
  async getPolicy(): Promise<PolicyRecord | null> {
    const head = await this.readHeads()
    return head ? this.getPolicyVersion(head.version) : null
  }
  /** The head (`counters/policy`) and the new version document are written in one transaction. */
  async savePolicy(policy: Policy, expectedVersion: number, by: string, at: string, whatIf: WhatIfSummary | null = null): Promise<PolicyRecord> {
    const saved = await this.tx(async (t) => {
      const head = await this.txGet<{ version: number; staff?: number }>(t, 'counters', 'policy')
      const cur = head?.version ?? 0
      if (cur !== expectedVersion) throw new StoreConflict(`policy is at version ${cur}, not ${expectedVersion}`)
      const version = expectedVersion + 1
      const rec: PolicyRecord = { version, policy: { ...policy, version }, updatedBy: by, updatedAt: iso(at), whatIf }
      await t.collection(this.name('counters')).doc('policy').set({ version, staff: head?.staff ?? 0 })
      await t.collection(this.name('policyVersions')).add({
        _id: String(version), version, policyJson: JSON.stringify(rec.policy), updatedBy: by, updatedAt: rec.updatedAt, whatIfJson: whatIf ? JSON.stringify(whatIf) : null,
      })
      return rec
    })
    this.heads = null // this instance reads the new head at once
    return saved
  }
  /** Stored versions never change: each is read once per instance. */
  async getPolicyVersion(version: number): Promise<PolicyRecord | null> {
    const cached = this.policyRecords.get(version)
    if (cached) return cached
    const d = await this.getDoc<PolicyDoc>('policyVersions', String(version))
    const rec = d ? this.toPolicyRecord(d) : null
    if (rec) this.policyRecords.set(version, rec)
    return rec
  }
  async listPolicyVersions(): Promise<Omit<PolicyRecord, 'policy'>[]> {
    const docs = await this.sorted<Omit<PolicyDoc, 'policyJson'>>(
      'policyVersions', [], 'version', 'desc', Number.MAX_SAFE_INTEGER, null, { version: true, updatedBy: true, updatedAt: true, whatIfJson: true },
    )
    return docs.map((d) => ({ version: d.version, updatedBy: d.updatedBy, updatedAt: d.updatedAt, whatIf: whatIfOf(d) }))
  }

  // ------------------------------------------------------------------ orders

  async upsertOrder(o: OrderRecord): Promise<void> {
    // keep the logistics watch's mark across re-imports of the same order
    const prev = o.watchedAt ? null : await this.getOrder(o.order.orderId)
    const watchedAt = o.watchedAt ?? prev?.watchedAt
    const rec: OrderRecord = watchedAt ? { ...o, watchedAt } : o
    await this.col('orders').doc(rec.order.orderId).set({
      buyerOpenid: rec.order.buyerOpenid,
      buyerUnionid: rec.order.buyerUnionid ?? null,
      // countOrders (trust rule); null when not signed for
      deliveredAt: rec.order.deliveredAt ? iso(rec.order.deliveredAt) : null,
      createdAt: iso(rec.createdAt),
      watchDue: orderWatchDue(rec),
      watched: !!rec.watchedAt,
      // listOrdersByBatch (issue 24): every `<skuId>@<batch>` of the order ('' = no batch named)
      skuBatchKeys: [...new Set(rec.order.items.map((i) => `${i.skuId}@${i.batch ?? ''}`))],
      docJson: JSON.stringify(rec),
    })
  }
  async getOrder(orderId: string): Promise<OrderRecord | null> {
    const d = await this.getDoc<{ docJson: string }>('orders', orderId)
    return d ? (JSON.parse(d.docJson) as OrderRecord) : null
  }
  async listOrdersByBuyer(openid: string, limit: number): Promise<OrderRecord[]> {
    const docs = await this.sorted<{ docJson: string }>('orders', [{ buyerOpenid: openid }], 'createdAt', 'desc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => JSON.parse(d.docJson) as OrderRecord)
  }
  /** At most `cap` ids through the (buyerOpenid, deliveredAt) index: one request whatever the buyer's order count (and ids). */
  async countOrders(filter: { buyerOpenid: string | string[]; deliveredFrom: string }, cap: number): Promise<number> {
    const n = Math.max(0, Math.min(PAGE, Math.floor(cap)))
    const ids = [...new Set(typeof filter.buyerOpenid === 'string' ? [filter.buyerOpenid] : filter.buyerOpenid)]
    if (n === 0 || !ids.length) return 0
    const buyerOpenid = ids.length === 1 ? ids[0] : this._.in(ids)
    const r = await this.col('orders').where({ buyerOpenid, deliveredAt: this._.gte(iso(filter.deliveredFrom)) }).limit(n).field({ _id: true }).get()
    return (r.data ?? []).length
  }
  async unsignedOrders(shippedBefore: string, limit: number): Promise<OrderRecord[]> {
    const docs = await this.sorted<{ docJson: string }>('orders', [{ watchDue: this._.lte(iso(shippedBefore)) }], 'watchDue', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => JSON.parse(d.docJson) as OrderRecord)
  }
  async markOrderWatched(orderId: string, at: string): Promise<boolean> {
    const cur = await this.getOrder(orderId)
    if (!cur || cur.watchedAt) return false
    const rec: OrderRecord = { ...cur, watchedAt: iso(at) }
    // conditional on `watched: false`: of two racing schedulers exactly one update matches
    const r = (await this.col('orders').where({ _id: orderId, watched: false }).update({ watched: true, watchDue: NO_DUE, docJson: JSON.stringify(rec) })) as { updated: number }
    return r.updated === 1
  }

  // ------------------------------------------------------------------ Channels shop sync

  async getBuyerByUnionid(unionid: string): Promise<BuyerRecord | null> {
    const docs = await this.sorted<BuyerDoc & Obj & { _id: string }>('buyers', [{ unionid }], '_id', 'asc', 1)
    return docs[0] ? toBuyer(docs[0]._id, docs[0]) : null
  }
  async listOrdersByUnionid(unionid: string, limit: number): Promise<OrderRecord[]> {
    const docs = await this.sorted<{ docJson: string }>('orders', [{ buyerUnionid: unionid }], 'createdAt', 'desc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => JSON.parse(d.docJson) as OrderRecord)
  }
  async getSyncState(name: string): Promise<SyncState | null> {
    const d = await this.getDoc<{ version: number; valueJson: string; updatedAt: string }>('syncState', name)
    return d ? { name, version: d.version, value: JSON.parse(d.valueJson) as Record<string, unknown>, updatedAt: d.updatedAt } : null
  }
  /** Create with the name as `_id` (unique), or a single-document conditional update on `version`. */
  async saveSyncState(name: string, value: Record<string, unknown>, expectedVersion: number, at: string): Promise<boolean> {
    const body = { valueJson: JSON.stringify(value), updatedAt: iso(at) }
    if (expectedVersion === 0) {
      try {
        await this.col('syncState').add({ _id: name, version: 1, ...body })
        return true
      } catch (e) {
        if (await this.getDoc('syncState', name)) return false
        throw e
      }
    }
    const r = (await this.col('syncState').where({ _id: name, version: expectedVersion }).update({ version: expectedVersion + 1, ...body })) as { updated: number }
    return r.updated === 1
  }

  // ------------------------------------------------------------------ refunds

  private toRefund(d: Obj & { _id: string }): RefundRecord {
    return {
      key: d._id,
      caseId: String(d.caseId),
      orderId: String(d.orderId),
      amountFen: Number(d.amountFen),
      status: d.status as RefundRecord['status'],
      createdAt: String(d.createdAt),
    }
  }
  /** Insert with the key as `_id`: the database's unique `_id` makes it idempotent. */
  async recordRefund(r: Omit<RefundRecord, 'status'>): Promise<{ created: boolean; refund: RefundRecord }> {
    const refund: RefundRecord = { ...r, status: 'recorded', createdAt: iso(r.createdAt) }
    try {
      await this.col('refunds').add(refundDoc(r))
      return { created: true, refund }
    } catch (e) {
      const existing = await this.getRefund(r.key)
      if (existing) return { created: false, refund: existing }
      throw e
    }
  }
  async getRefund(key: string): Promise<RefundRecord | null> {
    const d = await this.getDoc<Obj & { _id: string }>('refunds', key)
    return d ? this.toRefund(d) : null
  }
  async refundedForOrder(orderId: string): Promise<number> {
    const docs = await this.all<{ amountFen: number }>('refunds', [{ orderId, status: this._.neq('failed') }], { amountFen: true })
    return docs.reduce((s, d) => s + Number(d.amountFen), 0)
  }

  // ------------------------------------------------------------------ outbox

  async pendingOutbox(now: string, limit: number): Promise<OutboxItem[]> {
    const docs = await this.sorted<OutboxDoc & Obj>(
      'outbox', [{ status: 'pending', nextAttemptAt: this._.lte(iso(now)) }], 'nextAttemptAt', 'asc', Math.max(0, Math.floor(limit)),
    )
    const queued = (await this.queuedRows()).filter((d) => d.nextAttemptAt <= iso(now))
    return withQueued(docs, queued).slice(0, Math.max(0, Math.floor(limit))).map(toOutbox)
  }
  /**
   * Three round trips for a whole batch: the due ids (urgent first), one multi-document update
   * whose filter re-checks that each row is still due (a row another dispatcher leased meanwhile
   * no longer matches: per-document atomic), and the rows now carrying this claim.
   */
  async claimOutbox(now: string, limit: number, leaseUntil: string, claim: string): Promise<OutboxItem[]> {
    const n = Math.max(0, Math.min(PAGE, Math.floor(limit)))
    if (!n) return []
    const _ = this._
    const due = { status: 'pending', nextAttemptAt: _.lte(iso(now)) }
    const res = await this.col('outbox').where(due).orderBy('priority', 'asc').orderBy('nextAttemptAt', 'asc').orderBy('_id', 'asc').limit(n).field({ _id: true }).get()
    const ids = ((res.data ?? []) as Array<{ _id: string }>).map((d) => d._id)
    if (!ids.length) return []
    await this.col('outbox').where({ _id: _.in(ids), ...due }).update({ attempts: _.inc(1), nextAttemptAt: iso(leaseUntil), claim })
    const got = await this.col('outbox').where({ claim, _id: _.in(ids) }).limit(n).get()
    const docs = (got.data ?? []) as OutboxDoc[]
    const order = new Map(ids.map((id, i) => [id, i]))
    return docs.sort((a, b) => (order.get(a._id) ?? 0) - (order.get(b._id) ?? 0)).map(toOutbox)
  }
  async finishOutbox(keys: string[], claim: string, patch: OutboxFinish): Promise<number> {
    if (!keys.length) return 0
    const set = patch.status === 'sent' ? { status: 'sent', sentAt: iso(patch.sentAt), lastError: null } : { status: 'skipped', lastError: patch.lastError }
    const r = (await this.col('outbox').where({ _id: this._.in(keys), claim, status: 'pending' }).update(set)) as { updated: number }
    return r.updated
  }
  /** Single-document compare-and-set on `attempts`. */
  async updateOutbox(
    key: string,
    expectedAttempts: number,
    patch: Partial<Pick<OutboxItem, 'status' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'sentAt'>>,
  ): Promise<boolean> {
    const set: Obj = {}
    if (patch.status !== undefined) set.status = patch.status
    if (patch.attempts !== undefined) set.attempts = patch.attempts
    if (patch.nextAttemptAt !== undefined) set.nextAttemptAt = iso(patch.nextAttemptAt)
    if (patch.lastError !== undefined) set.lastError = patch.lastError
    if (patch.sentAt !== undefined) set.sentAt = patch.sentAt === null ? null : iso(patch.sentAt)
    if (!Object.keys(set).length) {
      const d = await this.getDoc<OutboxDoc>('outbox', key)
      return !!d && d.attempts === expectedAttempts
    }
    const r = (await this.col('outbox').where({ _id: key, attempts: expectedAttempts }).update(set)) as { updated: number }
    return r.updated === 1
  }
  async listOutbox(filter: { status?: OutboxItem['status']; caseId?: string }, limit: number): Promise<OutboxItem[]> {
    const c: Obj[] = []
    if (filter.status !== undefined) c.push({ status: filter.status })
    if (filter.caseId !== undefined) c.push({ caseId: filter.caseId })
    const [docs, queued] = await Promise.all([
      this.sorted<OutboxDoc & Obj>('outbox', c, 'createdAt', 'asc', Math.max(0, Math.floor(limit))),
      filter.status === undefined || filter.status === 'pending' ? this.queuedRows(filter.caseId) : [],
    ])
    return withQueued(docs, queued).slice(0, Math.max(0, Math.floor(limit))).map(toOutbox)
  }

  /** One transaction per row: insert unless a row with that key exists. */
  async enqueueOutbox(items: NewOutboxItem[], at: string): Promise<number> {
    // the usual case (a fan-out's first run): every key is new, one insert of them all
    if (items.length && (await this.addAllNew('outbox', items.map((o) => this.outboxDocAt(at, o) as unknown as Obj)))) return items.length
    if (items.length === 1) return 0 // its key exists: nothing new
    let n = 0
    for (const o of items) {
      const added = await this.tx(async (t) => {
        if (await this.txGet(t, 'outbox', o.key)) return false
        await t.collection(this.name('outbox')).add(this.outboxDocAt(at, o))
        return true
      })
      if (added) n++
    }
    return n
  }
  /** An auto-decision rule's counter of the day, read inside the case write's transaction. */
  private async txRuleSpent(t: Tx, s: RuleSpend | undefined): Promise<number> {
    if (!s || s.amountFen <= 0) return 0
    return (await this.txGet<{ used: number }>(t, 'rateSlots', s.bucket))?.used ?? 0
  }

  /** The counter's write when it stays within the cap (a concurrent writer conflicts on the same document); refuses the case write otherwise. */
  private checkRuleSpend(s: RuleSpend | undefined, spent: number): ((t: Tx) => Promise<unknown>) | null {
    if (!s || s.amountFen <= 0) return null
    if (spent + s.amountFen > s.capFen) throw new GuardViolation('rule_cap', { bucket: s.bucket, capFen: s.capFen, committedFen: spent })
    return (t) => t.collection(this.name('rateSlots')).doc(s.bucket).set({ used: spent + s.amountFen })
  }

  async ruleSpent(bucket: string): Promise<number> {
    return (await this.getDoc<{ used: number }>('rateSlots', bucket))?.used ?? 0
  }

  /** A transaction over the bucket's document: concurrent takers conflict and re-run. */
  async takeSlot(bucket: string, max: number, n = 1): Promise<boolean> {
    return this.tx(async (t) => {
      const cur = await this.txGet<{ used: number }>(t, 'rateSlots', bucket)
      const used = cur?.used ?? 0
      if (used + n > max) return false
      await t.collection(this.name('rateSlots')).doc(bucket).set({ used: used + n })
      return true
    })
  }

  // ------------------------------------------------------------------ staff inbox

  async addInbox(items: InboxRecord[]): Promise<number> {
    const docs = items.map(({ id, ...rest }) => ({ _id: id, ...rest, createdAt: iso(rest.createdAt), unread: !rest.readAt }))
    if (items.length && (await this.addAllNew('staffInbox', docs))) return items.length
    if (items.length === 1) return 0 // its id exists: nothing new
    let n = 0
    for (const i of items) {
      const added = await this.tx(async (t) => {
        if (await this.txGet(t, 'staffInbox', i.id)) return false
        const { id, ...rest } = i
        await t.collection(this.name('staffInbox')).add({ _id: id, ...rest, createdAt: iso(i.createdAt), unread: !i.readAt })
        return true
      })
      if (added) n++
    }
    return n
  }
  async listInbox(staffId: string, opts: { unreadOnly?: boolean; limit: number; cursor?: string | null }): Promise<Page<InboxRecord>> {
    const conds: Obj[] = [opts.unreadOnly ? { staffId, unread: true } : { staffId }]
    const after = opts.cursor ? decodeCursor(opts.cursor, 'inbox') : null
    const limit = Math.max(1, Math.floor(opts.limit))
    const docs = await this.sorted<InboxRecord & { _id: string; unread: boolean } & Obj>(
      'staffInbox', conds, 'createdAt', 'desc', limit + 1, after ? { key: after.key, id: after.id } : null,
    )
    const items = docs.slice(0, limit).map(({ _id, unread: _u, ...d }) => ({ ...d, id: _id }) as InboxRecord)
    const last = docs.length > limit ? docs[limit - 1] : null
    return { items, next: last ? encodeCursor('inbox', last.createdAt, last._id) : null }
  }
  async countUnread(staffId: string, cap: number): Promise<number> {
    const r = (await this.col('staffInbox').where({ staffId, unread: true }).count()) as { total: number }
    return Math.min(r.total, Math.max(0, Math.floor(cap)))
  }
  async markInboxRead(staffId: string, ids: string[] | 'all', at: string): Promise<number> {
    const patch = { unread: false, readAt: iso(at) }
    if (ids === 'all') return ((await this.col('staffInbox').where({ staffId, unread: true }).update(patch)) as { updated: number }).updated
    let n = 0
    for (const id of ids) n += ((await this.col('staffInbox').where({ _id: id, staffId, unread: true }).update(patch)) as { updated: number }).updated
    return n
  }

  // ------------------------------------------------------------------ credits

  private creditId(openid: string, templateId: string): string {
    return `${openid}:${templateId}`
  }
  async addCredits(openid: string, templateId: string, n: number): Promise<number> {
    if (!Number.isInteger(n) || n < 0) throw new Error('addCredits: n must be a non-negative integer')
    const id = this.creditId(openid, templateId)
    return this.tx(async (t) => {
      const cur = await this.txGet<{ count: number }>(t, 'credits', id)
      const count = (cur?.count ?? 0) + n
      await t.collection(this.name('credits')).doc(id).set({ openid, templateId, count })
      return count
    })
  }
  /** One atomic conditional decrement: never below zero, whatever runs concurrently. */
  async spendCredit(openid: string, templateId: string): Promise<boolean> {
    const r = (await this.col('credits')
      .where({ _id: this.creditId(openid, templateId), count: this._.gt(0) })
      .update({ count: this._.inc(-1) })) as { updated: number }
    return r.updated === 1
  }
  async getCredits(openid: string): Promise<Record<string, number>> {
    const out: Record<string, number> = {}
    for (const d of await this.all<{ templateId: string; count: number }>('credits', [{ openid }])) out[d.templateId] = d.count
    return out
  }

  // ------------------------------------------------------------------ media

  async putMedia(m: MediaRecord): Promise<void> {
    await this.col('media').doc(m.id).set({
      ownerOpenid: m.ownerOpenid, mime: m.mime, kind: m.kind, size: m.size, location: m.location, createdAt: iso(m.createdAt), attachedAt: m.attachedAt ?? null,
    })
  }
  async getMedia(id: string): Promise<MediaRecord | null> {
    const d = await this.getDoc<Omit<MediaRecord, 'id'>>('media', id)
    return d ? mediaOf(id, d) : null
  }
  async mediaUsage(ownerOpenid: string, since: string): Promise<{ count: number; bytes: number }> {
    const docs = await this.all<{ size: number }>('media', [{ ownerOpenid, createdAt: this._.gte(iso(since)) }], { size: true })
    return { count: docs.length, bytes: docs.reduce((s, d) => s + d.size, 0) }
  }
  async markMediaAttached(ids: string[], at: string): Promise<void> {
    if (!ids.length) return
    await this.col('media').where({ _id: this._.in(ids), attachedAt: null }).update({ attachedAt: iso(at) })
  }
  async unattachedMedia(before: string, limit: number): Promise<MediaRecord[]> {
    const docs = await this.sorted<Omit<MediaRecord, 'id'> & { _id: string }>('media', [{ attachedAt: null, createdAt: this._.lt(iso(before)) }], 'createdAt', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => mediaOf(d._id, d))
  }
  async deleteMedia(id: string): Promise<void> {
    await this.col('media').doc(id).remove()
  }

  // ------------------------------------------------------------------ platform tokens, throttles

  async getToken(name: string): Promise<TokenRecord | null> {
    const d = await this.getDoc<Omit<TokenRecord, 'name'>>('tokens', name)
    return d ? { name, value: d.value, expiresAt: d.expiresAt, version: d.version, updatedAt: d.updatedAt } : null
  }
  /** First write: insert with the name as `_id` (unique); later: a where-update on the version. */
  async putToken(name: string, value: string, expiresAt: string, expectedVersion: number, at: string): Promise<boolean> {
    const body = { value, expiresAt: iso(expiresAt), updatedAt: iso(at) }
    if (expectedVersion === 0) {
      try {
        await this.col('tokens').add({ _id: name, ...body, version: 1 })
        return true
      } catch (e) {
        if (isDuplicateId(e)) return false
        throw e
      }
    }
    const r = (await this.col('tokens').where({ _id: name, version: expectedVersion }).update({ ...body, version: expectedVersion + 1 })) as { updated: number }
    return r.updated === 1
  }
  /**
   * A conditional update moves `lastAt` only when the interval has passed; a missing document is
   * inserted with the key as `_id`. Of two racing instances exactly one write matches.
   */
  async takeThrottle(key: string, now: string, intervalMs: number): Promise<ThrottleResult> {
    const at = iso(now)
    const threshold = new Date(Date.parse(at) - intervalMs).toISOString()
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = (await this.col('throttles').where({ _id: key, lastAt: this._.lte(threshold) }).update({ lastAt: at })) as { updated: number }
      if (r.updated === 1) return { granted: true }
      const cur = await this.getDoc<{ lastAt: string }>('throttles', key)
      if (cur && cur.lastAt > threshold) return { granted: false, retryAt: new Date(Date.parse(cur.lastAt) + intervalMs).toISOString() }
      if (!cur) {
        try {
          await this.col('throttles').add({ _id: key, lastAt: at })
          return { granted: true }
        } catch (e) {
          if (!isDuplicateId(e)) throw e
        }
      }
    }
    return { granted: false, retryAt: new Date(Date.parse(at) + intervalMs).toISOString() }
  }

  // ------------------------------------------------------------------ analytics and export

  /**
   * The analytics figures as aggregate pipelines over the case documents' fact fields
   * (../case-facts), sent in parallel: one per group dimension (match → week → [unwind] → group by
   * key, buyer and week → by key and buyer → by key), the SLA verdicts, medians (sort + skip),
   * money and ratings. Only groups come back, never cases. Every pipeline ends with a limit: an
   * aggregate without one answers 20 rows.
   */
  async caseStats(filter: QueueFilter, opts: { weekBounds: string[]; now: string }): Promise<CaseStats> {
    const match = this.where(this.filterConds(filter))
    const bounds = opts.weekBounds.map(iso)
    const weeks = Math.max(0, bounds.length - 1)
    const now = iso(opts.now)
    // the first bound the creation instant reaches, from the end: -1 past the last, else its week
    const week = weeks
      ? { $switch: { branches: bounds.map((b, i) => ({ case: { $gte: ['$createdAt', b] }, then: i === weeks ? -1 : i })).reverse(), default: -1 } }
      : -1
    const agg = () => this.col('cases').aggregate().match(match)
    const run = async <T>(q: { end(): Promise<unknown> }): Promise<T[]> => ((await q.end()) as { data?: T[] }).data ?? []
    type Row = { _id: unknown; total: number; buyers: number; name: string | null; batch: string | null; weeks: { w: number; n: number }[][] }
    const dimension = async (key: unknown, name: unknown, unwind?: string, batch?: unknown): Promise<CaseStatsGroup[]> => {
      let q = agg().addFields({ week })
      if (unwind) q = q.unwind(unwind)
      const rows = await run<Row>(q
        .group({ _id: { k: key, b: '$buyerOpenid', w: '$week' }, n: { $sum: 1 }, name: { $min: name }, batch: { $min: batch ?? null } })
        .group({ _id: { k: '$_id.k', b: '$_id.b' }, n: { $sum: '$n' }, weeks: { $push: { w: '$_id.w', n: '$n' } }, name: { $min: '$name' }, batch: { $min: '$batch' } })
        .group({ _id: '$_id.k', total: { $sum: '$n' }, buyers: { $sum: 1 }, weeks: { $push: '$weeks' }, name: { $min: '$name' }, batch: { $min: '$batch' } })
        .limit(10_000))
      return rows.map((r) => {
        const perWeek = new Array<number>(weeks).fill(0)
        for (const w of r.weeks.flat()) if (w.w >= 0 && w.w < weeks) perWeek[w.w] += w.n
        return { key: String(r._id ?? ''), name: String(r.name ?? ''), ...(batch === undefined ? {} : { batch: String(r.batch ?? '') }), total: r.total, buyers: r.buyers, perWeek }
      })
    }
    const verdict = (field: string, due: string) => ({ $cond: [{ $eq: [field, 'open'] }, { $cond: [{ $gt: [now, due] }, 'miss', 'pending'] }, field] })
    const median = async (field: string) => {
      const count = (await run<{ n: number }>(agg().match({ [field]: this._.neq(null) }).count('n')))[0]?.n ?? 0
      if (!count) return { count, medianMs: null }
      const mid = Math.floor(count / 2)
      const vals = (await run<Obj>(agg().match({ [field]: this._.neq(null) }).sort({ [field]: 1, _id: 1 }).skip(count % 2 ? mid : mid - 1).limit(count % 2 ? 1 : 2).project({ [field]: 1 })))
        .map((d) => Number(d[field]))
      return { count, medianMs: vals.length === 1 ? vals[0] : Math.round((vals[0] + vals[1]) / 2) }
    }
    const [overall, byReason, byProduct, bySku, byBatch, byReasonSku, sla, fr, res, money, ratings, reviews, visits, disputes] = await Promise.all([
      dimension(null, ''),
      dimension('$reason', '$reason'),
      dimension('$products', '$products', '$products'),
      dimension('$skuItems.skuId', '$skuItems.name', '$skuItems'),
      dimension('$skuItems.batchKey', '$skuItems.name', '$skuItems', '$skuItems.batch'),
      dimension({ $concat: ['$reason', '|', '$skuItems.skuId'] }, '$skuItems.name', '$skuItems'),
      run<{ _id: { a: SlaVerdict; b: SlaVerdict }; n: number }>(agg()
        .group({ _id: { a: verdict('$slaFr', '$slaFrDueAt'), b: verdict('$slaRes', '$slaResDueAt') }, n: { $sum: 1 } }).limit(100)),
      median('frMs'),
      median('resMs'),
      run<CaseStats['money'][number] & { _id: string }>(agg().match({ moneyFen: this._.gt(0) }).group({
        _id: '$remedy', label: { $min: '$remedyLabel' }, cases: { $sum: 1 }, refundFen: { $sum: '$refundFen' }, compensationFen: { $sum: '$compensationFen' },
        couponFen: { $sum: '$couponFen' }, giftFen: { $sum: '$giftFen' }, replacementFen: { $sum: '$replacementFen' }, totalFen: { $sum: '$moneyFen' },
      }).limit(1000)),
      run<{ _id: number; n: number }>(agg().match({ rating: this._.neq(null) }).group({ _id: '$rating', n: { $sum: 1 } }).limit(10)),
      // documents not yet re-derived for CASE_INDEX_VERSION 7 lack these fields: $ne null skips them
      run<{ _id: { f: SlaVerdict; o: string | null }; n: number }>(agg().match({ reviewFollow: this._.neq(null) })
        .group({ _id: { f: verdict('$reviewFollow', '$reviewDueAt'), o: '$reviewOutcome' }, n: { $sum: 1 } }).limit(100)),
      run<{ _id: string; n: number }>(agg().match({ visitOutcome: this._.neq(null) }).group({ _id: '$visitOutcome', n: { $sum: 1 } }).limit(10)),
      run<{ _id: string; n: number }>(agg().match({ disputeFact: this._.neq(null) }).group({ _id: '$disputeFact', n: { $sum: 1 } }).limit(20)),
    ])
    const dist: CaseStats['ratings'] = [0, 0, 0, 0, 0]
    for (const r of ratings) if (r._id >= 1 && r._id <= 5) dist[r._id - 1] = r.n
    return {
      total: overall[0]?.total ?? 0,
      buyers: overall[0]?.buyers ?? 0,
      perWeek: overall[0]?.perWeek ?? new Array<number>(weeks).fill(0),
      byReason,
      byProduct,
      bySku,
      byBatch,
      byReasonSku,
      sla: sla.map((r) => ({ firstResponse: r._id.a, resolution: r._id.b, n: r.n })),
      times: { firstResponse: fr, resolution: res },
      money: money.map(({ _id, ...m }) => ({ ...m, remedy: _id })),
      ratings: dist,
      reviews: reviews.map((r) => ({ follow: r._id.f, outcome: r._id.o ?? null, n: r.n })),
      visits: visits.map((r) => ({ outcome: r._id, n: r.n })),
      disputes: disputes.map((r) => ({ fact: r._id, n: r.n })),
    }
  }

  /** Export rows: one keyset page of the case documents' index and fact fields (a projection: never `docJson`). */
  async listCaseRows(filter: QueueFilter, page: { limit: number; cursor?: string | null }): Promise<Page<CaseExportRow>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const after = page.cursor ? decodeCursor(page.cursor, 'rows') : null
    const fields = ['caseNo', 'createdAt', 'status', 'reason', 'severity', 'team', 'assigneeId', 'orderId', 'buyerOpenid', 'slaWarnAt', 'slaBreachAt', 'escalated', ...FACT_FIELDS]
    const projection = Object.fromEntries([['_id', true], ...fields.map((f) => [f, true])])
    const docs = await this.sorted<Obj & { _id: string; createdAt: string }>('cases', this.filterConds(filter), 'createdAt', 'desc', limit + 1, after, projection)
    const items = docs.slice(0, limit)
    const last = items[items.length - 1]
    // a document setup has not re-derived yet has no facts: derive its row from the case itself
    const rows = await Promise.all(items.map(async (d) => {
      const old = d.claimed === undefined ? await this.getCase(d._id) : null
      const x = old ? ((await this.caseDoc(old)) as unknown as Obj) : d
      return exportRow({ ...(x as unknown as Parameters<typeof exportRow>[0]), id: d._id }, x as unknown as CaseFacts)
    }))
    return {
      items: rows,
      next: docs.length > limit && last ? encodeCursor('rows', last.createdAt, last._id) : null,
    }
  }

  // ------------------------------------------------------------------ push nonces

  /**
   * An insert with the key as `_id` (unique): one round trip for a first claim. A duplicate is a
   * replay unless the stored claim expired, which a conditional update then takes over.
   */
  async claimPushNonce(key: string, expiresAt: string, now: string): Promise<boolean> {
    try {
      await this.col('pushNonces').add({ _id: key, expiresAt: iso(expiresAt) })
      return true
    } catch (e) {
      if (!isDuplicateId(e)) throw e
    }
    const r = (await this.col('pushNonces').where({ _id: key, expiresAt: this._.lte(iso(now)) }).update({ expiresAt: iso(expiresAt) })) as { updated: number }
    return r.updated === 1
  }
  async purgePushNonces(now: string, limit: number): Promise<number> {
    const n = Math.max(0, Math.floor(limit))
    if (!n) return 0
    const r = (await this.col('pushNonces').where({ expiresAt: this._.lte(iso(now)) }).limit(n).field({ _id: true }).get()) as { data: { _id: string }[] }
    const ids = r.data.map((d) => d._id)
    if (!ids.length) return 0
    // the expiry is checked again: a key taken over meanwhile stays
    const d = (await this.col('pushNonces').where({ _id: this._.in(ids), expiresAt: this._.lte(iso(now)) }).remove()) as { deleted: number }
    return d.deleted
  }

  // ------------------------------------------------------------------ batch alerts, care (issue 24)

  /** One transaction over the key's guard document: of two racing instances one inserts, the other answers its alert. */
  async openBatchAlert(alert: BatchAlert, outbox: NewOutboxItem[], windowMs: number): Promise<{ created: boolean; alert: BatchAlert }> {
    const openedAt = iso(alert.openedAt)
    const since = new Date(Date.parse(openedAt) - windowMs).toISOString()
    const a: BatchAlert = { ...alert, openedAt }
    const out = await this.tx(async (t) => {
      const guard = await this.txGet<{ alertId: string; openedAt: string }>(t, 'batchGuards', a.key)
      if (guard && guard.openedAt > since) return { created: false, id: guard.alertId }
      await Promise.all([
        t.collection(this.name('batchGuards')).doc(a.key).set({ alertId: a.id, openedAt }),
        t.collection(this.name('batchAlerts')).add({ _id: a.id, key: a.key, openedAt, running: a.progress?.status === 'running', version: a.version, docJson: JSON.stringify(a) }),
        ...outbox.map((o) => t.collection(this.name('outbox')).add(this.outboxDocAt(openedAt, o))),
      ])
      return { created: true, id: a.id }
    })
    if (out.created) return { created: true, alert: a }
    const prior = await this.getBatchAlert(out.id)
    if (!prior) throw new Error(`batch guard ${a.key} points at a missing alert`)
    return { created: false, alert: prior }
  }
  async getBatchAlert(id: string): Promise<BatchAlert | null> {
    const d = await this.getDoc<{ docJson: string }>('batchAlerts', id)
    return d ? (JSON.parse(d.docJson) as BatchAlert) : null
  }
  async listBatchAlerts(opts: { limit: number; openedFrom?: string; openedTo?: string; running?: boolean }): Promise<BatchAlert[]> {
    const c: Obj[] = []
    if (opts.openedFrom) c.push({ openedAt: this._.gte(iso(opts.openedFrom)) })
    if (opts.openedTo) c.push({ openedAt: this._.lt(iso(opts.openedTo)) })
    if (opts.running) c.push({ running: true })
    const docs = await this.sorted<{ docJson: string } & Obj>('batchAlerts', c, 'openedAt', 'desc', Math.max(1, Math.min(1000, Math.floor(opts.limit))))
    return docs.map((d) => JSON.parse(d.docJson) as BatchAlert)
  }
  /** A single-document conditional update on `version`. */
  async saveBatchAlert(alert: BatchAlert, expectedVersion: number): Promise<boolean> {
    const r = (await this.col('batchAlerts').where({ _id: alert.id, version: expectedVersion }).update({ version: alert.version, running: alert.progress?.status === 'running', docJson: JSON.stringify(alert) })) as { updated: number }
    return r.updated === 1
  }
  async listOrdersByBatch(skuId: string, batch: string, page: { limit: number; cursor?: string | null }): Promise<Page<OrderRecord>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const docs = await this.sorted<{ _id: string; docJson: string } & Obj>('orders', [{ skuBatchKeys: `${skuId}@${batch}` }], '_id', 'asc', limit + 1, page.cursor ? { key: page.cursor, id: page.cursor } : null)
    const items = docs.slice(0, limit)
    return { items: items.map((d) => JSON.parse(d.docJson) as OrderRecord), next: docs.length > limit ? items[items.length - 1]._id : null }
  }
  async listDeliveredOrders(range: { from: string; to: string }, page: { limit: number; cursor?: string | null }): Promise<Page<OrderRecord>> {
    const limit = Math.max(1, Math.min(1000, Math.floor(page.limit)))
    const after = page.cursor ? decodeCursor(page.cursor, 'delivered') : null
    const docs = await this.sorted<{ _id: string; deliveredAt: string; docJson: string } & Obj>(
      'orders', [{ deliveredAt: this._.gte(iso(range.from)).and(this._.lt(iso(range.to))) }], 'deliveredAt', 'asc', limit + 1, after,
    )
    const items = docs.slice(0, limit)
    const last = items[items.length - 1]
    return { items: items.map((d) => JSON.parse(d.docJson) as OrderRecord), next: docs.length > limit && last ? encodeCursor('delivered', last.deliveredAt, last._id) : null }
  }
}

const mediaOf = (id: string, d: Omit<MediaRecord, 'id'>): MediaRecord => ({
  id, ownerOpenid: d.ownerOpenid, mime: d.mime, kind: d.kind, size: d.size, location: d.location, createdAt: d.createdAt, attachedAt: d.attachedAt ?? null,
})
type PolicyDoc = { version: number; policyJson: string; updatedBy: string; updatedAt: string; whatIfJson?: string | null }
const whatIfOf = (d: Pick<PolicyDoc, 'whatIfJson'>): WhatIfSummary | null => (d.whatIfJson ? (JSON.parse(d.whatIfJson) as WhatIfSummary) : null)
