/**
 * A local stand-in for the CloudBase database HTTP API, good enough to run the REAL
 * @cloudbase/node-sdk (pointed at it with `serviceUrl`) through the store contract.
 *
 * What the SDK sends (read from @cloudbase/database 1.x + node-sdk 3.x and confirmed by logging):
 * one JSON POST per call to `serviceUrl?env=..&seqId=..`, body `{ action, collectionName, ... }`:
 *   database.getDocument        query (EJSON string), queryType DOC|WHERE, order (EJSON {f: ±1}),
 *                               offset, limit (SDK caps at 1000, default 100), projection, transactionId?
 *                               → { data: { list: [EJSON string] } }
 *   database.calculateDocument  query → { data: { total } }
 *   database.insertDocument     data: [EJSON string], transactionId? → { data: { insertedIds } }
 *   database.modifyDocument     query, data (EJSON update or replacement), multi, merge (false = replace,
 *                               used by doc.set), upsert, transactionId? → { data: { updated, upsert_id } }
 *   database.removeDocument     query, multi, transactionId? → { data: { deleted } }
 *   database.aggregateDocuments stages [{ stageKey: '$match', stageValue: EJSON string }] → { data: { list: [EJSON string] } }
 *   database.addCollection      → {} (error DATABASE_COLLECTION_ALREADY_EXIST if present)
 *   database.startTransaction   → { transactionId };  database.commitTransaction / abortTransaction
 * Errors are HTTP 200 bodies `{ code, message, requestId }`; the SDK throws them as TcbError.
 *
 * Semantics reproduced:
 * - Mongo-style queries, sorts, projections and update operators through mingo.
 * - Querying / writing a collection that was never created fails (DATABASE_COLLECTION_NOT_EXIST),
 *   as on CloudBase, so `init()` must create collections.
 * - Transactions are snapshot-isolated with first-writer-wins write locks, like MongoDB's:
 *   reads see the snapshot taken at start (plus the transaction's own writes); a write to a
 *   document another open transaction has written, or that was committed after this transaction
 *   started, aborts it with DATABASE_TRANSACTION_CONFLICT (which the SDK's runTransaction retries).
 *   Inside a transaction only by-id (queryType DOC) operations and inserts are accepted — a
 *   `where` query with a transactionId is refused, mirroring CloudBase's restriction.
 * - A non-transactional write to a document locked by an open transaction waits until that
 *   transaction ends (MongoDB blocks it the same way), then re-evaluates its filter, so a
 *   `where({_id, version}).update()` compare-and-set stays atomic.
 * - Inserting an existing `_id` fails (code DATABASE_DUPLICATE_WRITE here).
 * - `updated` counts documents actually modified (MongoDB nModified), not merely matched.
 *
 * - `failNext(action, collection)`: the next matching request is answered with an error without
 *   being carried out — a test's way to stop a writer between two requests (an instance lost).
 *
 * NOT reproduced (be careful when reading a green run as proof):
 * - Authentication / signatures (any secretId / secretKey is accepted), permissions, quotas,
 *   rate limits, network latency and partial failures (timeouts after a server-side commit).
 * - The exact error codes and messages of the real service for duplicates and conflicts
 *   (the SDK only relies on DATABASE_TRANSACTION_CONFLICT), transaction lifetime limits (here: an
 *   idle transaction is aborted after 30 s), and the limit on documents per transaction.
 * - Indexes: nothing is indexed, nothing is unique except `_id`, and queries that the real service
 *   would reject or run slowly for want of an index succeed here. The Tencent Cloud API calls that
 *   create them (flexdb DescribeTable / UpdateTable under `/tc/`) are only recorded (`indexes`).
 * - Type edge cases of BSON on the server (int32 vs int64 vs double, Date precision), field-name
 *   restrictions ('.' / '$' in keys), the 16 MB document limit, geo, watch, serverDate.
 * - Aggregate (`database.aggregateDocuments`) runs the stages with mingo over every document, with
 *   CloudBase's answer of 20 rows when no `$limit` is given; NOT reproduced: which stages and
 *   expression operators the real service accepts (mingo accepts more), its memory and time limits
 *   per stage, the cap on `$limit` (10,000 on CloudBase per the community; not enforced here),
 *   index use by `$match`, and the exact result order of `$group` (unordered on both). mingo's
 *   expression operators also compare differently from MongoDB's where a field is missing or an
 *   array: `$eq: ['$arr.x', v]` is true here when the array holds v (false on MongoDB), a missing
 *   field equals null and is not below a string in `$lt`. The store's `$cond` counts (countMany:
 *   `$ifNull`, `$in` on arrays, a string guard on ranges) mean the same under both, but a green run
 *   here cannot show that an expression relying on either reading is right on CloudBase.
 *   `$lookup` runs for real (mingo, over the committed documents of `from`, a missing collection
 *   failing as on CloudBase), in both documented forms (localField / foreignField, and `let` +
 *   `pipeline`); NOT reproduced: CloudBase's limits on sub-pipelines (which stages it accepts in
 *   them, how many rows a joined array may hold, nesting), index use inside them (a `$expr`
 *   `$eq` on a `let` variable is a scan on servers before MongoDB 5), and the 16 MB limit of the
 *   joined row. The whole aggregate reads one consistent state here; on CloudBase the joins are
 *   not promised to read one snapshot.
 * - Multi-document non-transactional updates are atomic per document only (as on CloudBase), but
 *   the interleaving with other requests differs from a real server.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { EJSON } from 'bson'
import { Query, aggregate } from 'mingo'
import { update as applyUpdate } from 'mingo/updater'

type Doc = Record<string, unknown> & { _id: string }
interface Version {
  seq: number
  doc: Doc | null
}
interface Tx {
  id: string
  startSeq: number
  writes: Map<string, { coll: string; id: string; doc: Doc | null }>
  /** write locks taken (a failed write may hold one without having written) */
  locks: Set<string>
  touched: number
  aborted: string | null
}

class EmuError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

const TX_IDLE_MS = 30_000
const LOCK_WAIT_MS = 10_000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const keyOf = (coll: string, id: string) => `${coll}\u0000${id}`
const clone = <T>(v: T): T => structuredClone(v)

export class CloudBaseEmulator {
  private server: http.Server | null = null
  private collections = new Map<string, Map<string, Version[]>>()
  private seq = 0
  private txs = new Map<string, Tx>()
  private locks = new Map<string, string>()
  private faults: Array<{ action: string; collection: string }> = []
  /** The next request of `action` on `collection` fails (SYS_ERR) without being carried out. */
  failNext(action: string, collection: string): void {
    this.faults.push({ action, collection })
  }
  /** action → count, for tests and debugging */
  readonly calls = new Map<string, number>()
  /** added before every answer (the bench's network round trip); 0 in tests */
  latencyMs = 0
  /** when set, every request's arrival and answer time (ms, performance clock): the bench's critical path */
  trace: { action: string; start: number; end: number; what?: string }[] | null = null
  url = ''

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => void this.handle(req, res))
    // The SDK keeps connections alive; Node's 5 s idle close races a request reusing the socket
    // ("socket hang up") when several processes hammer one emulator. A server behind a load
    // balancer keeps them far longer.
    this.server.keepAliveTimeout = 120_000
    this.server.headersTimeout = 125_000
    this.server.requestTimeout = 0
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    const { port } = this.server.address() as AddressInfo
    this.url = `http://127.0.0.1:${port}/admin`
    return this.url
  }

  async stop(): Promise<void> {
    const s = this.server
    this.server = null
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((resolve) => s.close(() => resolve()))
  }

  /** Forget every collection, document and transaction. */
  reset(): void {
    this.collections.clear()
    this.indexes.clear()
    this.txs.clear()
    this.locks.clear()
    this.seq = 0
    this.faults = []
  }

  // ------------------------------------------------------------------ http

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const start = performance.now()
    let action = '?'
    let what = ''
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    let out: unknown
    if (req.url?.startsWith('/tc/')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify(this.cloudApi(req.url.slice(4), String(req.headers['x-tc-action']), Buffer.concat(chunks).toString('utf8'))))
      return
    }
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>
      action = String(body.action)
      what = `${String(body.collectionName ?? '')}${body.transactionId ? ' (tx)' : ''}`
      this.calls.set(action, (this.calls.get(action) ?? 0) + 1)
      const fault = this.faults.findIndex((f) => f.action === action && f.collection === String(body.collectionName ?? ''))
      if (fault >= 0) {
        this.faults.splice(fault, 1)
        throw new EmuError('SYS_ERR', `injected failure of ${action} on ${String(body.collectionName)}`)
      }
      out = { requestId: randomBytes(6).toString('hex'), ...(await this.dispatch(action, body)) }
    } catch (e) {
      const err = e instanceof EmuError ? e : new EmuError('SYS_ERR', e instanceof Error ? e.message : String(e))
      out = { code: err.code, message: err.message, requestId: randomBytes(6).toString('hex') }
    }
    if (this.latencyMs) await sleep(this.latencyMs)
    this.trace?.push({ action, start, end: performance.now(), what })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(out))
  }

  /** Declared indexes per collection, as created through the Tencent Cloud API stand-in (see cloudApi). */
  readonly indexes = new Map<string, Map<string, { fields: { Name: string; Direction: string }[]; unique: boolean }>>()

  /** Base URL of the Tencent Cloud API stand-in: `${tcUrl}/<service>`. */
  get tcUrl(): string {
    return this.url.replace(/\/admin$/, '/tc')
  }

  /**
   * The Tencent Cloud API calls the setup function makes to manage indexes: `tcb` DescribeEnvs
   * (one database instance), `flexdb` DescribeTable (the `_id_` index plus those created) and
   * UpdateTable (CreateIndexes; a name that exists is an error, as on the real API). The request
   * signature is not checked, and the indexes change nothing about how queries run here.
   */
  private cloudApi(service: string, action: string, raw: string): unknown {
    const b = JSON.parse(raw) as Record<string, unknown>
    const fail = (Code: string, Message: string) => ({ Response: { Error: { Code, Message }, RequestId: randomBytes(6).toString('hex') } })
    const ok = (r: Record<string, unknown>) => ({ Response: { ...r, RequestId: randomBytes(6).toString('hex') } })
    const table = String(b.TableName)
    if (service === 'tcb' && action === 'DescribeEnvs') return ok({ EnvList: [{ EnvId: b.EnvId, Databases: [{ InstanceId: 'emulator-db' }] }] })
    if (service === 'flexdb' && (action === 'DescribeTable' || action === 'UpdateTable')) {
      if (b.Tag !== 'emulator-db') return fail('ResourceNotFound', `no database instance ${String(b.Tag)}`)
      if (!this.collections.has(table)) return fail('ResourceNotFound.TableNotExist', `no table ${table}`)
      const have = this.indexes.get(table) ?? new Map()
      this.indexes.set(table, have)
      if (action === 'DescribeTable') {
        return ok({ Indexes: [{ Name: '_id_', Keys: [{ Name: '_id', Direction: '1' }], Unique: true }, ...[...have].map(([Name, x]) => ({ Name, Keys: x.fields, Unique: x.unique }))] })
      }
      for (const c of (b.CreateIndexes ?? []) as { IndexName: string; MgoKeySchema: { MgoIndexKeys: { Name: string; Direction: string }[]; MgoIsUnique: boolean } }[]) {
        if (have.has(c.IndexName)) return fail('InvalidParameter', `index ${c.IndexName} exists`)
        have.set(c.IndexName, { fields: c.MgoKeySchema.MgoIndexKeys, unique: c.MgoKeySchema.MgoIsUnique })
      }
      return ok({})
    }
    return fail('InvalidAction', `${service}.${action} is not emulated`)
  }

  private async dispatch(action: string, b: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.sweep()
    switch (action) {
      case 'database.addCollection':
        return this.addCollection(String(b.collectionName))
      case 'database.startTransaction':
        return this.startTx()
      case 'database.commitTransaction':
        return this.commitTx(String(b.transactionId))
      case 'database.abortTransaction':
        return this.abortTx(String(b.transactionId))
      case 'database.getDocument':
        return this.getDocument(b)
      case 'database.calculateDocument':
        return { data: { total: this.find(b).length } }
      case 'database.insertDocument':
        return this.insertDocument(b)
      case 'database.modifyDocument':
        return this.modifyDocument(b)
      case 'database.removeDocument':
        return this.removeDocument(b)
      case 'database.aggregateDocuments':
        return this.aggregateDocuments(b)
      default:
        throw new EmuError('INVALID_ACTION', `emulator does not implement ${action}`)
    }
  }

  // ------------------------------------------------------------------ storage

  private coll(name: string): Map<string, Version[]> {
    const c = this.collections.get(name)
    if (!c) throw new EmuError('DATABASE_COLLECTION_NOT_EXIST', `Db or Table not exist: ${name}`)
    return c
  }

  private addCollection(name: string): Record<string, unknown> {
    if (this.collections.has(name)) throw new EmuError('DATABASE_COLLECTION_ALREADY_EXIST', `collection ${name} already exists`)
    this.collections.set(name, new Map())
    return {}
  }

  private latest(coll: string, id: string): Version | undefined {
    const h = this.coll(coll).get(id)
    return h?.[h.length - 1]
  }

  private atSeq(coll: string, id: string, seq: number): Doc | null {
    const h = this.coll(coll).get(id)
    if (!h) return null
    for (let i = h.length - 1; i >= 0; i--) if (h[i].seq <= seq) return h[i].doc
    return null
  }

  private commitDoc(coll: string, id: string, doc: Doc | null, seq: number): void {
    const c = this.coll(coll)
    const h = c.get(id) ?? []
    h.push({ seq, doc })
    c.set(id, h)
    this.prune(coll, id)
  }

  /** Drop versions no open transaction can still see. */
  private prune(coll: string, id: string): void {
    const c = this.coll(coll)
    const h = c.get(id)
    if (!h) return
    let oldest = Infinity
    for (const t of this.txs.values()) oldest = Math.min(oldest, t.startSeq)
    let keepFrom = h.length - 1
    while (keepFrom > 0 && h[keepFrom].seq > oldest) keepFrom--
    if (keepFrom > 0) h.splice(0, keepFrom)
    if (h.length === 1 && h[0].doc === null && oldest === Infinity) c.delete(id)
  }

  // ------------------------------------------------------------------ transactions

  private startTx(): Record<string, unknown> {
    const id = randomBytes(12).toString('hex')
    this.txs.set(id, { id, startSeq: this.seq, writes: new Map(), locks: new Set(), touched: Date.now(), aborted: null })
    return { transactionId: id }
  }

  private tx(id: unknown): Tx | null {
    if (id === undefined || id === null || id === '') return null
    const t = this.txs.get(String(id))
    if (!t) throw new EmuError('DATABASE_TRANSACTION_FAIL', `transaction ${String(id)} not found (ended or expired)`)
    if (t.aborted) throw new EmuError('DATABASE_TRANSACTION_FAIL', `transaction aborted: ${t.aborted}`)
    t.touched = Date.now()
    return t
  }

  private endTx(t: Tx): void {
    for (const k of t.locks) if (this.locks.get(k) === t.id) this.locks.delete(k)
    this.txs.delete(t.id)
  }

  private commitTx(id: string): Record<string, unknown> {
    const t = this.tx(id)
    if (!t) throw new EmuError('INVALID_PARAM', 'transactionId required')
    if (t.writes.size) {
      const seq = ++this.seq
      this.endTx(t)
      for (const w of t.writes.values()) this.commitDoc(w.coll, w.id, w.doc, seq)
    } else this.endTx(t)
    return {}
  }

  private abortTx(id: string): Record<string, unknown> {
    const t = this.txs.get(id)
    if (t) this.endTx(t)
    return {}
  }

  private sweep(): void {
    const now = Date.now()
    for (const t of this.txs.values()) if (now - t.touched > TX_IDLE_MS) this.endTx(t)
  }

  /** Fail the transaction (it must be aborted by the client) with `code`. */
  private fail(t: Tx, code: string, message: string): never {
    t.aborted = message
    throw new EmuError(code, message)
  }

  private txRead(t: Tx, coll: string, id: string): Doc | null {
    this.coll(coll)
    const w = t.writes.get(keyOf(coll, id))
    if (w) return w.doc ? clone(w.doc) : null
    const d = this.atSeq(coll, id, t.startSeq)
    return d ? clone(d) : null
  }

  /** Take the write lock of a document for `t`, or fail with a write conflict. */
  private txLock(t: Tx, coll: string, id: string): void {
    const k = keyOf(coll, id)
    const holder = this.locks.get(k)
    if (holder && holder !== t.id) this.fail(t, 'DATABASE_TRANSACTION_CONFLICT', `write conflict on ${coll}/${id}`)
    const v = this.latest(coll, id)
    if (v && v.seq > t.startSeq) this.fail(t, 'DATABASE_TRANSACTION_CONFLICT', `write conflict on ${coll}/${id} (changed since the transaction started)`)
    this.locks.set(k, t.id)
    t.locks.add(k)
  }

  private txWrite(t: Tx, coll: string, id: string, doc: Doc | null): void {
    t.writes.set(keyOf(coll, id), { coll, id, doc })
  }

  /** Non-transactional writers wait for a transaction's lock to be released. */
  private async waitUnlocked(coll: string, id: string): Promise<void> {
    const k = keyOf(coll, id)
    const until = Date.now() + LOCK_WAIT_MS
    while (this.locks.has(k)) {
      if (Date.now() > until) throw new EmuError('DATABASE_TIMEOUT', `timed out waiting for a transaction lock on ${coll}/${id}`)
      await sleep(1)
      this.sweep()
    }
  }

  // ------------------------------------------------------------------ operations

  private parseQuery(b: Record<string, unknown>): Record<string, unknown> {
    if (b.query === undefined || b.query === null || b.query === '') return {}
    return (typeof b.query === 'string' ? EJSON.parse(b.query, { relaxed: true }) : b.query) as Record<string, unknown>
  }

  private docIdOf(b: Record<string, unknown>): string {
    const q = this.parseQuery(b)
    if (typeof q._id !== 'string' && typeof q._id !== 'number') throw new EmuError('INVALID_PARAM', 'doc operation without _id')
    return String(q._id)
  }

  private requireDocInTx(b: Record<string, unknown>, t: Tx | null): void {
    if (t && b.queryType !== 'DOC') this.fail(t, 'DATABASE_REQUEST_FAILED', 'only operations on a document by id are allowed in a transaction')
  }

  /** Committed documents matching the request's query (latest state). */
  private find(b: Record<string, unknown>): Doc[] {
    if (b.transactionId) throw new EmuError('DATABASE_REQUEST_FAILED', 'queries are not allowed in a transaction')
    const c = this.coll(String(b.collectionName))
    const docs: Doc[] = []
    for (const h of c.values()) {
      const d = h[h.length - 1].doc
      if (d) docs.push(d)
    }
    return new Query(this.parseQuery(b), {}).find<Doc>(docs).all()
  }

  /**
   * An aggregate pipeline (`collection.aggregate()…end()`: stages as `{ stageKey, stageValue }`,
   * the value an EJSON string) run by mingo over the latest committed documents. Like CloudBase, a
   * pipeline without a `$limit` stage answers at most 20 rows; not inside a transaction.
   */
  private aggregateDocuments(b: Record<string, unknown>): Record<string, unknown> {
    if (b.transactionId) throw new EmuError('DATABASE_REQUEST_FAILED', 'aggregate is not allowed in a transaction')
    const committed = (name: string): Doc[] => {
      const docs: Doc[] = []
      for (const h of this.coll(name).values()) {
        const d = h[h.length - 1].doc
        if (d) docs.push(clone(d))
      }
      return docs
    }
    const docs = committed(String(b.collectionName))
    const stages = (b.stages as { stageKey: string; stageValue: string }[]).map((st) => ({ [st.stageKey]: EJSON.parse(st.stageValue, { relaxed: true }) as unknown }))
    // `$lookup` (both forms, sub-pipelines with `let` / `$expr`) joins the committed documents of `from`
    let out = aggregate(docs, stages, { collectionResolver: committed }) as Record<string, unknown>[]
    if (!stages.some((st) => '$limit' in st)) out = out.slice(0, 20)
    return { data: { list: out.map((d) => EJSON.stringify(d, { relaxed: true })) } }
  }

  private getDocument(b: Record<string, unknown>): Record<string, unknown> {
    const t = this.tx(b.transactionId)
    const coll = String(b.collectionName)
    const projection = typeof b.projection === 'string' ? (EJSON.parse(b.projection, { relaxed: true }) as Record<string, 0 | 1>) : undefined
    let list: Doc[]
    if (t) {
      this.requireDocInTx(b, t)
      const d = this.txRead(t, coll, this.docIdOf(b))
      list = d ? [d] : []
    } else {
      const c = this.coll(coll)
      const cur = new Query(this.parseQuery(b), {}).find<Doc>(
        [...c.values()].map((h) => h[h.length - 1].doc).filter((d): d is Doc => d !== null),
        projection,
      )
      if (typeof b.order === 'string') cur.sort(EJSON.parse(b.order, { relaxed: true }) as Record<string, 1 | -1>)
      const offset = Number(b.offset ?? 0)
      if (offset) cur.skip(offset)
      cur.limit(Math.min(1000, Number(b.limit ?? 100)))
      list = cur.all().map((d) => clone(d))
      return { data: { list: list.map((d) => EJSON.stringify(d, { relaxed: false })) }, limit: Number(b.limit ?? 100), offset }
    }
    if (projection) list = new Query({}, {}).find<Doc>(list, projection).all()
    return { data: { list: list.map((d) => EJSON.stringify(d, { relaxed: false })) } }
  }

  private async insertDocument(b: Record<string, unknown>): Promise<Record<string, unknown>> {
    const t = this.tx(b.transactionId)
    const coll = String(b.collectionName)
    this.coll(coll)
    const docs = (b.data as string[]).map((s) => EJSON.parse(s, { relaxed: true }) as Partial<Doc>)
    const ids: string[] = []
    for (const raw of docs) {
      const id = raw._id === undefined ? randomBytes(16).toString('hex') : String(raw._id)
      const doc = { ...raw, _id: id } as Doc
      if (t) {
        this.txLock(t, coll, id)
        if (this.txRead(t, coll, id)) this.fail(t, 'DATABASE_DUPLICATE_WRITE', `E11000 duplicate key error: ${coll} _id ${id}`)
        this.txWrite(t, coll, id, doc)
      } else {
        await this.waitUnlocked(coll, id)
        if (this.latest(coll, id)?.doc) throw new EmuError('DATABASE_DUPLICATE_WRITE', `E11000 duplicate key error: ${coll} _id ${id}`)
        this.commitDoc(coll, id, doc, ++this.seq)
      }
      ids.push(id)
    }
    return { data: { insertedIds: ids } }
  }

  private apply(current: Doc | null, id: string, b: Record<string, unknown>): { doc: Doc; modified: boolean } {
    const data = (typeof b.data === 'string' ? EJSON.parse(b.data, { relaxed: true }) : b.data) as Record<string, unknown>
    if (b.merge === false) {
      // doc.set(): replace the whole document (keeps _id)
      const { _id: _ignored, ...rest } = data
      void _ignored
      return { doc: { ...clone(rest), _id: id } as Doc, modified: true }
    }
    const hasOps = Object.keys(data).some((k) => k.startsWith('$'))
    const base: Doc = current ? clone(current) : ({ _id: id } as Doc)
    if (!hasOps) return { doc: { ...base, ...clone(data), _id: id }, modified: true }
    const changed = applyUpdate(base, data as Parameters<typeof applyUpdate>[1])
    return { doc: base, modified: changed.length > 0 }
  }

  private async modifyDocument(b: Record<string, unknown>): Promise<Record<string, unknown>> {
    const t = this.tx(b.transactionId)
    const coll = String(b.collectionName)
    this.coll(coll)
    if (t) {
      this.requireDocInTx(b, t)
      const id = this.docIdOf(b)
      const cur = this.txRead(t, coll, id)
      if (!cur && !b.upsert) return { data: { updated: 0 } }
      this.txLock(t, coll, id)
      const { doc, modified } = this.apply(cur, id, b)
      this.txWrite(t, coll, id, doc)
      return { data: { updated: cur && modified ? 1 : 0, ...(cur ? {} : { upsert_id: id }) } }
    }
    const query = this.parseQuery(b)
    const q = new Query(query, {})
    const candidates = this.find(b).map((d) => d._id)
    const ids = b.multi === false ? candidates.slice(0, 1) : candidates
    let updated = 0
    for (const id of ids) {
      await this.waitUnlocked(coll, id)
      const cur = this.latest(coll, id)?.doc ?? null
      if (!cur || !q.test(cur)) continue // changed while we waited: re-evaluate the filter
      const { doc, modified } = this.apply(cur, id, b)
      if (!modified) continue
      this.commitDoc(coll, id, doc, ++this.seq)
      updated++
    }
    if (!ids.length && b.upsert) {
      const id = typeof query._id === 'string' ? query._id : randomBytes(16).toString('hex')
      await this.waitUnlocked(coll, id)
      if (this.latest(coll, id)?.doc) return this.modifyDocument(b) // lost a race with an insert: retry as update
      const { doc } = this.apply(null, id, b)
      this.commitDoc(coll, id, doc, ++this.seq)
      return { data: { updated: 0, upsert_id: id } }
    }
    return { data: { updated } }
  }

  private async removeDocument(b: Record<string, unknown>): Promise<Record<string, unknown>> {
    const t = this.tx(b.transactionId)
    const coll = String(b.collectionName)
    this.coll(coll)
    if (t) {
      this.requireDocInTx(b, t)
      const id = this.docIdOf(b)
      if (!this.txRead(t, coll, id)) return { data: { deleted: 0 } }
      this.txLock(t, coll, id)
      this.txWrite(t, coll, id, null)
      return { data: { deleted: 1 } }
    }
    const q = new Query(this.parseQuery(b), {})
    const candidates = this.find(b).map((d) => d._id)
    const ids = b.multi === false ? candidates.slice(0, 1) : candidates
    let deleted = 0
    for (const id of ids) {
      await this.waitUnlocked(coll, id)
      const cur = this.latest(coll, id)?.doc ?? null
      if (!cur || !q.test(cur)) continue
      this.commitDoc(coll, id, null, ++this.seq)
      deleted++
    }
    return { data: { deleted } }
  }
}
