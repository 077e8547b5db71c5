/**
 * CloudBase (云开发) document-database adapter of the Store port, on @cloudbase/node-sdk 3.x.
 *
 * ## Atomicity design (DESIGN §4)
 * CloudBase transactions (`db.runTransaction`) may only touch documents by id — no `where`, no
 * aggregate — and the SDK does not even send a transactionId for `where(...).update()`. A case
 * transition must write the case and its outbox messages together, so a `where({_id, version})`
 * compare-and-set alone cannot do it (it cannot share a transaction with the outbox inserts).
 * Instead every case write is one transaction over documents addressed by id:
 *
 *   tx.get(cases/<id>) → version must equal expectedVersion, else StoreConflict (rolled back)
 *   tx.set(cases/<id>, next)
 *   for each outbox item: tx.get(outbox/<key>) → absent ⇒ tx.add({ _id: <key>, ... })
 *   commit
 *
 * The version check runs inside the transaction's snapshot; a concurrent writer of the same case
 * makes one of the two transactions fail with a write conflict. `runTransaction` (and our own
 * retry loop around it) re-runs the loser, which then reads the new version and raises
 * StoreConflict — so a lost race writes nothing, case or outbox. Outbox entries live in their own
 * collection (keyed by their idempotency key) so the dispatcher can query `pending` ones with an
 * index instead of scanning cases.
 *
 * Idempotent createCase: a doc `idempotency/<scope>:<key>` is created in the same transaction as
 * the case; a second request finds it and returns the first case. Single-document atomic
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
import type { Case } from '@contract/domain'
import { defaultPolicy, type Policy } from '@contract/policy'
import {
  StoreConflict,
  type BuyerRecord,
  type MediaRecord,
  type NewOutboxItem,
  type OrderRecord,
  type OutboxItem,
  type Page,
  type PolicyRecord,
  type QueueFilter,
  type RefundRecord,
  type StaffRecord,
  type Store,
  type ThrottleResult,
  type TokenRecord,
} from '../../ports/store'
import { CASE_INDEX_VERSION, OPEN_COUNT_CAP, caseIndex, decodeCursor, encodeCursor, formatCaseNo, isNewerVersion, iso, NO_DUE, orderWatchDue, slaRange } from '../case-index'
import { COLLECTIONS, collectionName, type CollectionKey } from './collections'

export interface CloudBaseStoreOptions {
  /** CloudBase environment id */
  env?: string
  secretId?: string
  secretKey?: string
  /** replaces https://{env}.tcb-api.tencentcloudapi.com/admin (local endpoint in tests) */
  serviceUrl?: string
  /** request timeout in ms (default 15000) */
  timeout?: number
  /** prefix for every collection name (tests; several deployments in one environment) */
  prefix?: string
  /** an already initialised database (e.g. inside a cloud function) instead of the options above */
  db?: Db
  /** how many times to re-run a transaction that hit a write conflict (default 30) */
  maxTxAttempts?: number
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
}

const PAGE = 1000
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
  private readonly policies = new Map<number, Policy>()

  constructor(options: CloudBaseStoreOptions) {
    this.prefix = options.prefix ?? ''
    this.maxTxAttempts = options.maxTxAttempts ?? 30
    if (options.db) this.db = options.db
    else {
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

  async init(): Promise<void> {
    for (const k of Object.keys(COLLECTIONS) as CollectionKey[]) {
      try {
        await this.db.createCollection(this.name(k))
      } catch (e) {
        if (!isAlreadyExists(e)) throw e
      }
    }
    await this.migrateCases()
  }

  /**
   * Case documents indexed by an older CASE_INDEX_VERSION (e.g. written before the SLA-state
   * fields existed, or before the queue's due order changed) get their derived fields re-derived
   * once: `counters/case_index` records the version, so a warm start costs one read. Each fill is
   * conditional on the document's version, so it never overwrites a newer save (which wrote the
   * fields itself); two functions migrating at once write the same values.
   */
  private async migrateCases(): Promise<void> {
    const head = await this.getDoc<{ value: number }>('counters', 'case_index')
    if ((head?.value ?? 0) >= CASE_INDEX_VERSION) return
    let after: { key: unknown; id: string } | null = null
    for (;;) {
      const docs: CaseDoc[] = await this.sorted<CaseDoc>('cases', [], '_id', 'asc', 200, after)
      for (const d of docs) {
        const c = JSON.parse(d.docJson) as Case
        const { _id: _drop, docJson: _doc, ...fields } = await this.caseDoc(c)
        void _drop
        void _doc
        await this.col('cases').where({ _id: d._id, version: d.version }).update(fields)
      }
      if (docs.length < 200) break
      after = { key: docs[docs.length - 1]._id, id: docs[docs.length - 1]._id }
    }
    await this.col('counters').doc('case_index').set({ value: CASE_INDEX_VERSION })
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
    return { _id: id, ...fields, docJson: JSON.stringify(c) }
  }

  private outboxDoc(c: Case, o: NewOutboxItem): OutboxDoc {
    const at = iso(c.updatedAt)
    return {
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

  private async txOutbox(t: Tx, c: Case, items: NewOutboxItem[]): Promise<void> {
    const seen = new Set<string>()
    for (const o of items) {
      if (seen.has(o.key)) continue
      seen.add(o.key)
      if (await this.txGet(t, 'outbox', o.key)) continue // duplicate key: first one wins
      await t.collection(this.name('outbox')).add(this.outboxDoc(c, o))
    }
  }

  private idemId(scope: string, key: string): string {
    return `${scope}:${key}`
  }

  async createCase(c: Case, outbox: NewOutboxItem[], idem?: { scope: string; key: string }): Promise<{ created: boolean; case: Case }> {
    const doc = await this.caseDoc(c)
    try {
      return await this.tx(async (t) => {
        if (idem) {
          const prior = await this.txGet<{ caseId: string }>(t, 'idempotency', this.idemId(idem.scope, idem.key))
          if (prior) {
            const existing = await this.txGet<CaseDoc>(t, 'cases', prior.caseId)
            if (!existing) throw new Error(`idempotency key ${idem.scope}:${idem.key} points at a missing case`)
            return { created: false, case: JSON.parse(existing.docJson) as Case }
          }
        }
        if (await this.txGet(t, 'cases', c.id)) throw new StoreConflict(`case ${c.id} already exists`)
        if (idem) {
          await t
            .collection(this.name('idempotency'))
            .add({ _id: this.idemId(idem.scope, idem.key), scope: idem.scope, key: idem.key, caseId: c.id, createdAt: doc.createdAt })
        }
        await t.collection(this.name('cases')).add(doc)
        await this.txOutbox(t, c, outbox)
        return { created: true, case: c }
      })
    } catch (e) {
      // A twin request may have committed between our read and our insert (duplicate key, or
      // conflicts beyond the retry budget): if the key is taken now, answer with that case.
      if (idem && !(e instanceof StoreConflict)) {
        const twin = await this.findByIdempotencyKey(idem.scope, idem.key)
        if (twin) return { created: false, case: twin }
      }
      throw e
    }
  }

  async findByIdempotencyKey(scope: string, key: string): Promise<Case | null> {
    const prior = await this.getDoc<{ caseId: string }>('idempotency', this.idemId(scope, key))
    return prior ? this.getCase(prior.caseId) : null
  }

  async getCase(id: string): Promise<Case | null> {
    const d = await this.getDoc<CaseDoc>('cases', id)
    return d ? (JSON.parse(d.docJson) as Case) : null
  }

  async saveCase(next: Case, expectedVersion: number, outbox: NewOutboxItem[]): Promise<void> {
    isNewerVersion(next, expectedVersion)
    const doc = await this.caseDoc(next)
    await this.tx(async (t) => {
      const cur = await this.txGet<CaseDoc>(t, 'cases', next.id)
      if (!cur || cur.version !== expectedVersion) throw new StoreConflict(`case ${next.id} is not at version ${expectedVersion}`)
      await t.collection(this.name('cases')).doc(next.id).set(CloudBaseStore.body(doc))
      await this.txOutbox(t, next, outbox)
    })
  }

  private filterConds(f: QueueFilter): Obj[] {
    const _ = this._
    const c: Obj[] = []
    if (f.status) c.push({ status: _.in(f.status) })
    if (f.team !== undefined) c.push({ team: f.team })
    if (f.assigneeId !== undefined) c.push({ assigneeId: f.assigneeId === null ? _.eq(null) : f.assigneeId })
    if (f.unassigned) c.push({ assigneeId: _.eq(null) })
    if (f.severity !== undefined) c.push({ severity: f.severity })
    if (f.reason !== undefined) c.push({ reason: f.reason })
    if (f.escalated !== undefined) c.push({ escalated: f.escalated })
    if (f.refunded !== undefined) c.push({ refunded: f.refunded })
    if (f.dueBefore !== undefined) c.push({ slaDueAt: _.lt(iso(f.dueBefore)) })
    if (f.slaState !== undefined) {
      const r = slaRange(f.slaState.state, f.slaState.at)
      if (r.warnAt?.lte !== undefined) c.push({ slaWarnAt: _.lte(r.warnAt.lte) })
      if (r.warnAt?.gt !== undefined) c.push({ slaWarnAt: _.gt(r.warnAt.gt) })
      if (r.breachAt?.lt !== undefined) c.push({ slaBreachAt: _.lt(r.breachAt.lt) })
      if (r.breachAt?.gte !== undefined) c.push({ slaBreachAt: _.gte(r.breachAt.gte) })
    }
    if (f.open !== undefined) c.push({ open: f.open })
    if (f.createdFrom !== undefined) c.push({ createdAt: _.gte(iso(f.createdFrom)) })
    if (f.createdTo !== undefined) c.push({ createdAt: _.lt(iso(f.createdTo)) })
    if (f.buyerOpenid !== undefined) c.push({ buyerOpenid: f.buyerOpenid })
    if (f.orderId !== undefined) c.push({ orderId: f.orderId })
    return c
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

  async countCases(filter: QueueFilter, cap?: number): Promise<number> {
    // the database counts server-side through the index; the cap only bounds the answer
    const r = (await this.col('cases').where(this.where(this.filterConds(filter))).count()) as { total: number }
    return cap === undefined ? r.total : Math.min(r.total, cap)
  }

  async dueCases(now: string, limit: number): Promise<Case[]> {
    const docs = await this.sorted<CaseDoc>('cases', [{ slaDueAt: this._.lte(iso(now)) }], 'slaDueAt', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map((d) => JSON.parse(d.docJson) as Case)
  }

  async nextCaseNo(day: string): Promise<string> {
    const id = `case_no:${day}`
    const n = await this.tx(async (t) => {
      const cur = await this.txGet<{ value: number }>(t, 'counters', id)
      const value = (cur?.value ?? 0) + 1
      await t.collection(this.name('counters')).doc(id).set({ value })
      return value
    })
    return formatCaseNo(day, n)
  }

  // ------------------------------------------------------------------ staff, buyers, policy

  async listStaff(): Promise<StaffRecord[]> {
    return (await this.all<{ docJson: string }>('staff', [])).map((d) => JSON.parse(d.docJson) as StaffRecord)
  }
  async getStaff(id: string): Promise<StaffRecord | null> {
    const d = await this.getDoc<{ docJson: string }>('staff', id)
    return d ? (JSON.parse(d.docJson) as StaffRecord) : null
  }
  async upsertStaff(s: StaffRecord): Promise<void> {
    await this.col('staff').doc(s.id).set({ active: s.active, onDuty: s.onDuty, teams: s.teams, role: s.role, docJson: JSON.stringify(s) })
  }
  async openCaseCounts(staffIds: string[], cap = OPEN_COUNT_CAP): Promise<Record<string, number>> {
    const ids = [...new Set(staffIds)]
    const totals = await Promise.all(
      ids.map(async (id) => ((await this.col('cases').where({ open: true, assigneeId: id }).count()) as { total: number }).total),
    )
    return Object.fromEntries(ids.map((id, i) => [id, Math.min(totals[i], cap)]))
  }
  async getBuyer(openid: string): Promise<BuyerRecord | null> {
    const d = await this.getDoc<{ dedicatedRepId: string | null; trusted: boolean }>('buyers', openid)
    return d ? { openid, dedicatedRepId: d.dedicatedRepId ?? null, trusted: d.trusted === true } : null
  }
  async upsertBuyer(b: BuyerRecord): Promise<void> {
    await this.col('buyers').doc(b.openid).set({ dedicatedRepId: b.dedicatedRepId, trusted: b.trusted })
  }

  private toPolicyRecord(d: { version: number; policyJson: string; updatedBy: string; updatedAt: string }): PolicyRecord {
    return { version: d.version, policy: JSON.parse(d.policyJson) as Policy, updatedBy: d.updatedBy, updatedAt: d.updatedAt }
  }
  async getPolicy(): Promise<PolicyRecord | null> {
    const head = await this.getDoc<{ version: number }>('counters', 'policy')
    return head ? this.getPolicyVersion(head.version) : null
  }
  /** The head (`counters/policy`) and the new version document are written in one transaction. */
  async savePolicy(policy: Policy, expectedVersion: number, by: string, at: string): Promise<PolicyRecord> {
    return this.tx(async (t) => {
      const head = await this.txGet<{ version: number }>(t, 'counters', 'policy')
      const cur = head?.version ?? 0
      if (cur !== expectedVersion) throw new StoreConflict(`policy is at version ${cur}, not ${expectedVersion}`)
      const version = expectedVersion + 1
      const rec: PolicyRecord = { version, policy: { ...policy, version }, updatedBy: by, updatedAt: iso(at) }
      await t.collection(this.name('counters')).doc('policy').set({ version })
      await t
        .collection(this.name('policyVersions'))
        .add({ _id: String(version), version, policyJson: JSON.stringify(rec.policy), updatedBy: by, updatedAt: rec.updatedAt })
      return rec
    })
  }
  async getPolicyVersion(version: number): Promise<PolicyRecord | null> {
    const d = await this.getDoc<{ version: number; policyJson: string; updatedBy: string; updatedAt: string }>('policyVersions', String(version))
    return d ? this.toPolicyRecord(d) : null
  }
  async listPolicyVersions(): Promise<Omit<PolicyRecord, 'policy'>[]> {
    const docs = await this.sorted<{ version: number; updatedBy: string; updatedAt: string }>(
      'policyVersions', [], 'version', 'desc', Number.MAX_SAFE_INTEGER, null, { version: true, updatedBy: true, updatedAt: true },
    )
    return docs.map((d) => ({ version: d.version, updatedBy: d.updatedBy, updatedAt: d.updatedAt }))
  }

  // ------------------------------------------------------------------ orders

  async upsertOrder(o: OrderRecord): Promise<void> {
    // keep the logistics watch's mark across re-imports of the same order
    const prev = o.watchedAt ? null : await this.getOrder(o.order.orderId)
    const watchedAt = o.watchedAt ?? prev?.watchedAt
    const rec: OrderRecord = watchedAt ? { ...o, watchedAt } : o
    await this.col('orders').doc(rec.order.orderId).set({
      buyerOpenid: rec.order.buyerOpenid,
      createdAt: iso(rec.createdAt),
      watchDue: orderWatchDue(rec),
      watched: !!rec.watchedAt,
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
      await this.col('refunds').add({ _id: r.key, caseId: r.caseId, orderId: r.orderId, amountFen: r.amountFen, status: 'recorded', createdAt: refund.createdAt })
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
    return docs.map(toOutbox)
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
    const docs = await this.sorted<OutboxDoc & Obj>('outbox', c, 'createdAt', 'asc', Math.max(0, Math.floor(limit)))
    return docs.map(toOutbox)
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
}

const mediaOf = (id: string, d: Omit<MediaRecord, 'id'>): MediaRecord => ({
  id, ownerOpenid: d.ownerOpenid, mime: d.mime, kind: d.kind, size: d.size, location: d.location, createdAt: d.createdAt, attachedAt: d.attachedAt ?? null,
})
