/**
 * Deploying over an existing CloudBase environment (issue #22): cases and staff written by an
 * older version (no order guards, no load counters, no task rows, no analytics facts, case fields
 * of an older derivation) → the `setup` step → guards, loads, task lists and facts equal what
 * fresh writes of the same cases produce, and the declared indexes exist; it resumes from its
 * cursor when its time budget runs out, and a second run changes nothing.
 * Real @cloudbase/node-sdk against the local emulator (its Tencent Cloud API stand-in records the
 * indexes; it does not check signatures).
 */
import { init as tcbInit } from '@cloudbase/node-sdk'
import type { Case } from '@contract/domain'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { INDEXES, collectionName } from '../../cloudfunctions/adapters/cloudbase/collections'
import { TencentCloudIndexes } from '../../cloudfunctions/adapters/cloudbase/indexes'
import { FACT_FIELDS } from '../../cloudfunctions/adapters/case-facts'
import type { OrderGuard, StaffRecord } from '../../cloudfunctions/ports/store'
import { emulatorForFile } from './emulator-hooks'
import { HOUR, T0, at, makeCase, nextVersion, uid } from './fixtures'

process.env.SILENCE = 'true'
jest.setTimeout(120_000)

const emulator = emulatorForFile()
const opts = () => ({ env: 'setup-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: emulator.url, timeout: 20_000 })

const STAFF = ['a1', 'a2', 'a3']
const staff = (id: string): StaffRecord => ({ id, name: `客服${id}`, role: 'agent', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true })
const TWO_SKUS = { items: [{ skuId: 'sku-1', name: '燕窝', qty: 1, unitPriceFen: 20_000, batch: 'B1' }, { skuId: 'sku-2', name: '茶杯', qty: 1, unitPriceFen: 5_000, batch: 'B2' }], paidFen: 25_000 }
const review = (openedAt: string): NonNullable<Case['reviewFollowUp']> => ({
  openedAt, dueAt: at(openedAt, 24 * HOUR), trigger: { score: 1, keywords: [] }, cause: null, contacts: [], remedy: null, reply: null, outcome: null, closedAt: null, remindedAt: null,
})

/** Writes the same history through the current version's store: what setup must reproduce. */
async function freshHistory(store: CloudBaseStore): Promise<{ orders: string[] }> {
  for (const id of STAFF) await store.upsertStaff(staff(id))
  const orders: string[] = []
  // one order with two cases (two SKUs): one stays open, the other is paid and closed by a save
  const both = `ord-${uid('o')}`
  orders.push(both)
  const a = makeCase({ order: { orderId: both, ...TWO_SKUS }, assigneeId: 'a1', status: 'in_review' })
  const b = makeCase({ createdAt: at(T0, HOUR), order: { orderId: both, ...TWO_SKUS }, claimedItems: [{ skuId: 'sku-2', qty: 1 }], assigneeId: 'a2', status: 'in_review' })
  await store.createCase(a, [])
  await store.createCase(b, [])
  const paid = nextVersion(b, { status: 'closed', refunds: [{ key: 'rf-b', amountFen: 5_000, purpose: 'refund', status: 'succeeded', requestedAt: T0, settledAt: T0, failureReason: null }] })
  await store.saveCase(paid, b.version, [])
  // follow-up lists: a bad review (差评跟进) and a visit (回访)
  const r = makeCase({ assigneeId: 'a3', status: 'closed', reviewFollowUp: review(at(T0, 2 * HOUR)) })
  const v = makeCase({ assigneeId: 'a2', status: 'resolved', followUp: { dueAt: at(T0, 48 * HOUR), remindedAt: null } })
  await store.createCase(r, [])
  await store.createCase(v, [])
  orders.push(r.order.orderId, v.order.orderId)
  // enough more to need several pages (setup runs with pages of 20 below)
  for (let i = 0; i < 45; i++) {
    const c = makeCase({ createdAt: at(T0, -i * HOUR), assigneeId: i % 4 === 3 ? null : STAFF[i % 3], status: i % 5 === 0 ? 'resolved' : 'submitted', buyerOpenid: `buyer-${i % 7}` })
    await store.createCase(c, [])
    orders.push(c.order.orderId)
  }
  return { orders }
}

/** The same documents as an older version left them: no guards, counters, task rows or facts; older derivation. */
async function asOldDeployment(freshPrefix: string, oldPrefix: string): Promise<void> {
  const db = tcbInit(opts()).database()
  const all = async (coll: string) => {
    const out: Record<string, unknown>[] = []
    for (let skip = 0; ; skip += 100) {
      const r = await db.collection(coll).skip(skip).limit(100).get()
      out.push(...((r.data ?? []) as Record<string, unknown>[]))
      if ((r.data ?? []).length < 100) return out
    }
  }
  for (const d of await all(`${freshPrefix}cases`)) {
    const old = { ...d }
    for (const f of [...FACT_FIELDS, 'cmdKeys']) delete old[f]
    // (the follow-up task fields came with CASE_INDEX_VERSION 9)
    for (const f of Object.keys(old)) if (f.startsWith('task_') || f === 'taskNextAt') delete old[f]
    await db.collection(`${oldPrefix}cases`).add(old)
  }
  for (const d of await all(`${freshPrefix}staff`)) {
    const { openCases: _drop, ...old } = d
    void _drop
    await db.collection(`${oldPrefix}staff`).add(old)
  }
  // the older version's derivation mark, and no backfill yet
  await db.collection(`${oldPrefix}counters`).doc('case_index').set({ value: 4, cursor: null })
  await db.collection(`${oldPrefix}counters`).doc('backfill').remove()
}

const sortedGuard = (g: OrderGuard) => ({ ...g, cases: [...g.cases].sort((x, y) => x.caseId.localeCompare(y.caseId)) })

async function snapshot(store: CloudBaseStore, orders: string[]) {
  const guards = await Promise.all(orders.map(async (o) => sortedGuard(await store.getOrderGuard(o))))
  const loads = (await store.listStaffLoads()).map((s) => [s.id, s.openCases]).sort()
  const tasks: Record<string, string[]> = {}
  for (const kind of ['approval', 'review', 'visit'] as const) {
    tasks[kind] = (await store.listTaskCases({ kind }, { limit: 100 })).items.map((c) => c.id).sort()
  }
  const stats = await store.caseStats({}, { weekBounds: [at(T0, -7 * 24 * HOUR), at(T0, 7 * 24 * HOUR)], now: at(T0, 5 * HOUR) })
  const sort = <T extends { key: string }>(xs: T[]) => [...xs].sort((x, y) => x.key.localeCompare(y.key))
  return { guards, loads, tasks, stats: { ...stats, byReason: sort(stats.byReason), bySku: sort(stats.bySku), byProduct: sort(stats.byProduct), byBatch: sort(stats.byBatch), byReasonSku: sort(stats.byReasonSku) } }
}

test('setup over an older deployment backfills guards, loads, task lists, facts and indexes as fresh writes would; resumes; runs twice the same', async () => {
  const fresh = new CloudBaseStore({ ...opts(), prefix: 'fresh_' })
  await fresh.init()
  const { orders } = await freshHistory(fresh)
  const expected = await snapshot(fresh, orders)
  // the history is rich enough to show every kind of backfill
  expect(expected.guards[0].cases).toHaveLength(2)
  expect(expected.guards[0].committedFen).toBe(5_000)
  expect(expected.loads.some(([, n]) => Number(n) > 0)).toBe(true)
  expect(expected.tasks.review).toHaveLength(1)
  expect(expected.tasks.visit).toHaveLength(1)

  const old = new CloudBaseStore({ ...opts(), prefix: 'old_' })
  await old.init() // the collections of the older deployment
  await asOldDeployment('fresh_', 'old_')
  const stale = await snapshot(old, orders)
  expect(stale.guards[0].cases).toHaveLength(0) // nothing backfilled yet
  expect(stale.tasks.review).toHaveLength(0)
  // the export already answers right before setup: rows of documents without facts come from the case
  expect((await old.listCaseRows({}, { limit: 100 })).items).toEqual((await fresh.listCaseRows({}, { limit: 100 })).items)

  // the setup function: budget spent after every page, so each call resumes from its cursor
  const indexes = new TencentCloudIndexes({ envId: 'setup-test', secretId: 'id', secretKey: 'key', endpoint: (service) => `${emulator.tcUrl}/${service}` })
  let calls = 0
  let created = 0
  for (;;) {
    const r = await old.setup({ budgetMs: 0, pageSize: 20, indexes })
    calls++
    created += r.indexesCreated ?? 0
    if (r.done) break
    expect(calls).toBeLessThan(20)
  }
  expect(calls).toBeGreaterThan(2) // 49 cases in pages of 20, twice over (re-derive, backfill)
  expect(await snapshot(old, orders)).toEqual(expected)

  // every declared index, once
  expect(created).toBe(INDEXES.length)
  for (const s of INDEXES) expect(emulator.indexes.get(collectionName(s.collection, 'old_'))?.has(s.name)).toBe(true)

  // a second run finds nothing to do and changes nothing
  const again = await old.setup({ budgetMs: 0, pageSize: 20, indexes })
  expect(again).toEqual({ done: true, migrated: 0, backfilled: 0, indexesCreated: 0 })
  expect(await snapshot(old, orders)).toEqual(expected)
})
