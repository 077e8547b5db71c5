/**
 * The store contract against CloudBaseStore through the REAL @cloudbase/node-sdk:
 * - always: pointed (serviceUrl) at the local emulator in ./cloudbase-emulator.ts;
 * - opt-in: against a real CloudBase environment when TCB_ENV, TCB_SECRET_ID and TCB_SECRET_KEY
 *   are set (collections prefixed `contract_`, emptied before every test — use a test env).
 */
import { init as tcbInit } from '@cloudbase/node-sdk'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { COLLECTIONS, collectionName, type CollectionKey } from '../../cloudfunctions/adapters/cloudbase/collections'
import { CloudBaseEmulator } from './cloudbase-emulator'
import crypto from 'node:crypto'
import type { OrderSnapshot } from '@contract/domain'
import type { Deps } from '../../cloudfunctions/app/deps'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { expectCountManyAsAlone, storeContract } from './store-contract'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { startChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { AFTERSALE_SCOPE, importAfterSale } from '../../cloudfunctions/app/usecases/import-aftersale'
import { upsertShopOrder } from '../../cloudfunctions/app/usecases/sync-shop-orders'
import { idempotentCaseId, type CountQuery } from '../../cloudfunctions/ports/store'
import { defaultPolicy } from '@contract/policy'
import { HOUR, T0, at, makeCase, nextVersion } from './fixtures'

process.env.SILENCE = 'true' // no "request longer than 3s" warnings from the SDK
// every SDK request is signed and serialised in this process: concurrency tests take seconds on a busy machine
jest.setTimeout(30_000)

const emulator = new CloudBaseEmulator()
const local = () => new CloudBaseStore({ env: 'local-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: emulator.url, timeout: 10_000 })

/**
 * Off Tencent Cloud, node-sdk probes http://metadata.tencentyun.com (30 ms timeout, twice per
 * request, never cached on failure) to learn whether it runs on Tencent Cloud: ~60 ms per call.
 * TENCENTCLOUD=true short-circuits that probe; with `serviceUrl` set it changes nothing else about
 * the request (URL, body, signature), so the local runs set it and the live run does not.
 */
function onEmulator(body: () => void) {
  describe('on the local emulator', () => {
    const before = process.env.TENCENTCLOUD
    beforeAll(async () => {
      process.env.TENCENTCLOUD = 'true'
      if (!emulator.url) await emulator.start()
    })
    afterAll(async () => {
      if (before === undefined) delete process.env.TENCENTCLOUD
      else process.env.TENCENTCLOUD = before
    })
    body()
  })
}
afterAll(async () => {
  await emulator.stop()
})

onEmulator(() => {
  storeContract('cloudbase (real SDK → local emulator)', async () => {
    emulator.reset()
    return local()
  })
})

onEmulator(() => describe('CloudBaseStore: what the SDK really sends', () => {
  beforeEach(() => emulator.reset())

  it('refuses to work before init() created the collections, like CloudBase', async () => {
    const s = local()
    await expect(s.getCase('x')).rejects.toMatchObject({ code: 'DATABASE_COLLECTION_NOT_EXIST' })
    await s.init()
    expect(await s.getCase('x')).toBeNull()
  })

  it('writes a transition and its outbox through one transaction', async () => {
    const s = local()
    await s.init()
    const c = makeCase()
    await s.createCase(c, [])
    emulator.calls.clear()
    const n = nextVersion(c)
    await s.saveCase(n, 1, [{ key: 'k1', caseId: c.id, kind: 'buyer_message', payload: {} }])
    expect(emulator.calls.get('database.startTransaction')).toBe(1)
    expect(emulator.calls.get('database.commitTransaction')).toBe(1)
    expect(emulator.calls.get('database.abortTransaction')).toBeUndefined()
  })

  it('a write of the case alone is one conditional update; its outbox rows ride in the case until the dispatcher sweeps them in, once', async () => {
    const s = local()
    await s.init()
    const c = makeCase()
    await s.createCase(c, [])
    emulator.calls.clear()
    const n = nextVersion(c, { description: '补充说明' })
    await s.saveCase(n, 1, [{ key: 'k1', caseId: c.id, kind: 'buyer_message', payload: {} }], { prev: c })
    // (besides the policy version this fresh instance reads once for the derived fields)
    expect(emulator.calls.get('database.startTransaction')).toBeUndefined()
    expect(emulator.calls.get('database.modifyDocument')).toBe(1)
    expect(emulator.calls.get('database.insertDocument')).toBeUndefined()
    // committed: listed as pending at once, claimable after the sweep
    expect((await s.listOutbox({ caseId: c.id }, 10)).map((o) => [o.key, o.status])).toEqual([['k1', 'pending']])
    expect(await s.claimOutbox(at(n.updatedAt, 1_000), 10, at(n.updatedAt, 60_000), 'pass-0')).toEqual([])
    // a whole-document write (the transaction path) keeps the queue and adds its own rows
    const m = nextVersion(n, { status: 'closed' })
    await s.saveCase(m, 2, [{ key: 'k2', caseId: c.id, kind: 'buyer_message', payload: { n: 2 } }, { key: 'k1', caseId: c.id, kind: 'buyer_message', payload: { n: 9 } }])
    // a sweep stopped after its insert (the pull fails): the next one inserts nothing twice
    emulator.failNext('database.modifyDocument', 'cases')
    await expect(s.sweepCaseOutbox(100)).rejects.toThrow()
    expect(await s.sweepCaseOutbox(100)).toBe(2)
    expect(await s.sweepCaseOutbox(100)).toBe(0)
    const rows = await s.listOutbox({ caseId: c.id }, 10)
    expect(rows.map((o) => o.key).sort()).toEqual(['k1', 'k2'])
    expect(rows.find((o) => o.key === 'k1')?.payload).toEqual({}) // the first row of a key wins
    expect((await s.claimOutbox(at(m.updatedAt, 1_000), 10, at(m.updatedAt, 60_000), 'pass-1')).map((o) => o.key).sort()).toEqual(['k1', 'k2'])
    expect((await s.getCase(c.id))?.version).toBe(3)
  })

  it('writers on two instances and a sweeper on a third at once: every outbox row reaches the outbox exactly once', async () => {
    const [a, b, sweeper] = [local(), local(), local()]
    await a.init()
    const cases = Array.from({ length: 4 }, (_, i) => makeCase({ id: `case-sweep-${i}` }))
    for (const c of cases) await a.createCase(c, [{ key: `${c.id}:created`, caseId: c.id, kind: 'buyer_message', payload: {} }])
    let writing = true
    const writers = cases.map(async (c, i) => {
      let cur = c
      for (let k = 0; k < 6; k++) {
        const next = nextVersion(cur, { description: `第${k}次补充` })
        await ((i + k) % 2 ? a : b).saveCase(next, cur.version, [{ key: `${c.id}:w${k}`, caseId: c.id, kind: 'buyer_message', payload: { k } }], { prev: cur })
        cur = next
      }
    })
    let moved = 0
    const sweeping = (async () => {
      while (writing) moved += await sweeper.sweepCaseOutbox(100)
    })()
    await Promise.all(writers)
    writing = false
    await sweeping
    moved += await sweeper.sweepCaseOutbox(100)
    expect(await sweeper.sweepCaseOutbox(100)).toBe(0)
    const expected = cases.flatMap((c) => [`${c.id}:created`, ...Array.from({ length: 6 }, (_, k) => `${c.id}:w${k}`)]).sort()
    expect(moved).toBe(expected.length)
    const claimed = await sweeper.claimOutbox(at(T0, 3_600_000), 100, at(T0, 7_200_000), 'after')
    expect(claimed.map((o) => o.key).sort()).toEqual(expected)
  })

  it('a fresh instance’s first staff check is one request (roster head, policy version and the record joined); it answers as later reads do', async () => {
    const a = local()
    await a.init()
    await a.savePolicy(defaultPolicy, 0, 'owner', T0)
    await a.upsertStaff({ id: 'agent-8', name: '小八', role: 'agent', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true })
    const b = local()
    emulator.calls.clear()
    expect(await b.getStaff('agent-8')).toMatchObject({ id: 'agent-8', role: 'agent', active: true })
    expect((await b.getPolicy())?.version).toBe(1)
    expect(Object.fromEntries(emulator.calls)).toEqual({ 'database.aggregateDocuments': 1 })
    expect(await local().getStaff('nobody')).toBeNull()
    // a change made elsewhere: seen on the next call here
    await a.patchStaff('agent-8', { active: false })
    expect((await b.getStaff('agent-8'))?.active).toBe(false)
    expect((await b.getStaff('agent-8'))?.active).toBe(false)
  })

  it('staff records are cached per instance under the roster version: a change made on another instance is seen on the next call', async () => {
    const a = local()
    const b = local()
    await a.init()
    await a.upsertStaff({ id: 'agent-9', name: '小九', role: 'agent', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true })
    expect((await a.getStaff('agent-9'))?.active).toBe(true)
    emulator.calls.clear()
    expect((await a.getStaff('agent-9'))?.role).toBe('agent')
    expect(emulator.calls.get('database.getDocument')).toBe(1) // the roster head only: the record came from the cache
    // deactivated and promoted elsewhere: the very next call here sees both
    await b.patchStaff('agent-9', { active: false })
    expect((await a.getStaff('agent-9'))?.active).toBe(false)
    await b.upsertStaff({ id: 'agent-9', name: '小九', role: 'supervisor', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true })
    expect(await a.getStaff('agent-9')).toMatchObject({ role: 'supervisor', active: true })
    // a new member, and one that does not exist
    expect(await a.getStaff('agent-10')).toBeNull()
    await b.upsertStaff({ id: 'agent-10', name: '小十', role: 'agent', teams: ['logistics'], onDuty: true, lastAssignedAt: null, active: true })
    expect((await a.getStaff('agent-10'))?.teams).toEqual(['logistics'])
    // a policy saved elsewhere reaches this instance within the head's sharing window
    const head = await a.getPolicy()
    await b.savePolicy({ ...defaultPolicy }, head?.version ?? 0, 'owner', T0)
    await new Promise((r) => setTimeout(r, 1_100))
    expect((await a.getPolicy())?.version).toBe((head?.version ?? 0) + 1)
  })

  it('saveCases: one transaction for a batch; a case whose version moved is left out with its outbox', async () => {
    const s = local()
    await s.init()
    const a = makeCase({ id: 'case-a' })
    const b = makeCase({ id: 'case-b' })
    await s.createCase(a, [])
    await s.createCase(b, [])
    // a person wrote b first: the scheduler's b (from version 1) lost
    await s.saveCase(nextVersion(b), 1, [])
    emulator.calls.clear()
    const out = await s.saveCases([
      { next: nextVersion(a, { status: 'closed' }), expectedVersion: 1, outbox: [{ key: 'ka', caseId: a.id, kind: 'buyer_message', payload: {} }] },
      { next: nextVersion(b), expectedVersion: 1, outbox: [{ key: 'kb', caseId: b.id, kind: 'buyer_message', payload: {} }] },
    ])
    expect(out.raced).toEqual(['case-b'])
    expect(emulator.calls.get('database.startTransaction')).toBe(1)
    expect(emulator.calls.get('database.commitTransaction')).toBe(1)
    expect((await s.getCase(a.id))?.version).toBe(2)
    expect((await s.getCase(b.id))?.version).toBe(2)
    expect((await s.listOutbox({}, 10)).map((o) => o.key)).toEqual(['ka'])
    // a's close reached its order's guard in the same write
    expect((await s.getOrderGuard(a.order.orderId)).cases.find((e) => e.caseId === a.id)?.open).toBe(false)
  })

  it('two scheduler passes racing over the same due cases through saveCases: each breach happens once', async () => {
    const s = local()
    await s.init()
    let now = '2026-11-23T02:00:00.000Z'
    await seedDemoShop(s, now)
    const deps: Deps = { store: s, payments: new LocalPayments(s, () => now), media: new LocalMedia(s), now: () => now, newId: () => crypto.randomUUID(), log: () => {} }
    const buyer = aftersaleFunction(deps)
    const day = (d: number) => new Date(Date.parse(now) - d * 86_400_000).toISOString()
    const ids: string[] = []
    for (let i = 0; i < 6; i++) {
      const order: OrderSnapshot = { orderId: `R${i}`, buyerOpenid: 'buyer-r', items: [{ skuId: 'SKU-R', name: '测试商品', qty: 1, unitPriceFen: 5000 }], paidFen: 5000, paidAt: day(5), shippedAt: day(4), promisedDeliveryAt: day(3), deliveredAt: day(2) }
      await s.upsertOrder({ order, createdAt: order.paidAt })
      const r = await buyer({ action: 'submit', idempotencyKey: `race-key-${i}`, data: { orderId: order.orderId, claimedItems: [{ skuId: 'SKU-R', qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '裂了', evidence: [], desiredRemedy: 'refund' } }, { openid: 'buyer-r' })
      if (!r.ok) throw new Error(JSON.stringify(r))
      ids.push((r as { data: { case: { id: string } } }).data.case.id)
    }
    now = '2026-11-23T06:30:00.000Z'
    const [a, b] = await Promise.all([runScheduler(deps), runScheduler(deps)])
    expect(a.acted + b.acted).toBeGreaterThan(0)
    for (const id of ids) {
      const c = (await s.getCase(id))!
      expect(c.timeline.filter((t) => t.type === 'sla_breach')).toHaveLength(1)
      expect(c.flags.escalated).toBe(true)
    }
    const alerts = (await s.listOutbox({}, 1000)).filter((o) => o.kind === 'staff_alert' && (o.payload as { alert?: string }).alert === 'sla_breach')
    expect(alerts).toHaveLength(ids.length)
    expect((await runScheduler(deps)).acted).toBe(0)
  })

  it('a buyer’s submit reads what it must know in one aggregate; a retry answers the first case from it, the same key with another form is refused', async () => {
    const s = local()
    await s.init()
    const now = '2026-11-23T02:00:00.000Z'
    await seedDemoShop(s, now)
    const deps: Deps = { store: s, payments: new LocalPayments(s, () => now), media: new LocalMedia(s), now: () => now, newId: () => crypto.randomUUID(), log: () => {} }
    const buyer = aftersaleFunction(deps)
    const day = (d: number) => new Date(Date.parse(now) - d * 86_400_000).toISOString()
    const order: OrderSnapshot = { orderId: 'DUP-1', buyerOpenid: 'buyer-d', items: [{ skuId: 'SKU-D', name: '测试商品', qty: 1, unitPriceFen: 5000 }], paidFen: 5000, paidAt: day(5), shippedAt: day(4), promisedDeliveryAt: day(3), deliveredAt: day(2) }
    await s.upsertOrder({ order, createdAt: order.paidAt })
    const form = { orderId: 'DUP-1', claimedItems: [{ skuId: 'SKU-D', qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '裂了', evidence: [], desiredRemedy: 'refund' }
    const submit = (data: typeof form) => buyer({ action: 'submit', idempotencyKey: 'dup-key-0001', data }, { openid: 'buyer-d' }) as Promise<{ ok: boolean; data?: { case: { id: string }; created: boolean }; error?: { code: string } }>
    emulator.calls.clear()
    const first = await submit(form)
    expect(first.data?.created).toBe(true)
    expect(emulator.calls.get('database.aggregateDocuments')).toBe(1)
    // no key document: the case's own id is the key's
    expect(await s.findByIdempotencyKey('submit:buyer-d', 'dup-key-0001')).toMatchObject({ id: first.data?.case.id })
    emulator.calls.clear()
    const again = await submit(form)
    expect(again.data).toMatchObject({ created: false, case: { id: first.data?.case.id } })
    expect(emulator.calls.get('database.insertDocument') ?? 0).toBe(0)
    expect(emulator.calls.get('database.commitTransaction') ?? 0).toBe(0)
    expect((await submit({ ...form, description: '另一个问题' })).error).toMatchObject({ code: 'CONFLICT' })
    expect(await s.countCases({ buyerOpenid: 'buyer-d' })).toBe(1)
  })

  it('an after-sale pushed to two instances at once opens one case, under the after-sale’s own id; a later push answers it from the one read', async () => {
    const [a, b] = [local(), local()]
    await a.init()
    const now = '2026-11-23T02:00:00.000Z'
    await seedDemoShop(a, now)
    const standin = await startChannelsStandin({ clock: { now: () => Date.parse(now) } })
    try {
      const depsOf = (s: CloudBaseStore): Deps => {
        const shop = new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store: s, now: () => Date.parse(now), sleep: async () => {} })
        return { store: s, payments: new LocalPayments(s, () => now), media: new LocalMedia(s), now: () => now, newId: () => crypto.randomUUID(), log: () => {}, shop }
      }
      const [da, db] = [depsOf(a), depsOf(b)]
      const o = standin.state.createOrder()
      await upsertShopOrder(da, await da.shop!.getOrder(o.order_id))
      const id = standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND' }).after_sale_order_id
      const [x, y] = await Promise.all([importAfterSale(da, id), importAfterSale(db, id)])
      expect([x.created, y.created].sort()).toEqual([false, true])
      expect(x.caseId).toBe(idempotentCaseId(AFTERSALE_SCOPE, id))
      expect(y.caseId).toBe(x.caseId)
      expect(await a.countCases({})).toBe(1)
      emulator.calls.clear()
      expect(await importAfterSale(db, id)).toMatchObject({ caseId: x.caseId, created: false })
      expect(emulator.calls.get('database.aggregateDocuments')).toBe(1)
      expect(emulator.calls.get('database.insertDocument') ?? 0).toBe(0)
    } finally {
      await standin.close()
    }
  })

  it('concurrent creates really collide in the emulator (write conflicts are raised and retried)', async () => {
    const s = local()
    await s.init()
    emulator.calls.clear()
    const cases = Array.from({ length: 10 }, () => makeCase())
    const res = await Promise.all(cases.map((c) => s.createCase(c, [], { scope: 'b', key: 'k' })))
    expect(res.filter((r) => r.created)).toHaveLength(1)
    expect(emulator.calls.get('database.abortTransaction') ?? 0).toBeGreaterThan(0)
  })

  it('fills the SLA-state fields of case documents written before they existed, once', async () => {
    const s = local()
    await s.init()
    const fresh = makeCase()
    const breached = makeCase({ sla: { breachedAt: at(T0, 4 * HOUR), breachedTarget: 'first_response' } })
    await s.createCase(fresh, [])
    await s.createCase(breached, [])
    // what an earlier version stored: no slaWarnAt / slaBreachAt, no index version
    const db = tcbInit({ env: 'local-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: emulator.url, timeout: 10_000 }).database()
    const _ = db.command
    for (const c of [fresh, breached]) await db.collection('cases').doc(c.id).update({ slaWarnAt: _.remove(), slaBreachAt: _.remove() })
    await db.collection('counters').doc('case_index').remove()
    expect(await s.countCases({ slaState: { state: 'breached', at: at(T0, HOUR) } })).toBe(0)

    const again = local()
    await again.init()
    const ids = async (state: 'on_time' | 'warning' | 'breached', h: number) =>
      (await again.listCases({ slaState: { state, at: at(T0, h * HOUR) } }, { limit: 10, order: 'due_asc' })).items.map((c) => c.id).sort()
    expect(await ids('breached', 1)).toEqual([breached.id])
    expect(await ids('on_time', 1)).toEqual([fresh.id])
    expect(await ids('warning', 3.5)).toEqual([fresh.id])
    // once migrated, a start reads the index version and the backfill mark, nothing else
    emulator.calls.clear()
    await local().init()
    expect(emulator.calls.get('database.getDocument')).toBe(2)
  })

  it('fills the signing time of order documents written before it existed (trust rule counts them)', async () => {
    const s = local()
    await s.init()
    const signed = { order: { ...makeCase().order, orderId: 'mig-1', buyerOpenid: 'o1', deliveredAt: at(T0, HOUR) }, createdAt: T0 }
    const unsigned = { order: { ...makeCase().order, orderId: 'mig-2', buyerOpenid: 'o1' }, createdAt: T0 }
    await s.upsertOrder(signed)
    await s.upsertOrder(unsigned)
    const db = tcbInit({ env: 'local-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: emulator.url, timeout: 10_000 }).database()
    const _ = db.command
    for (const id of ['mig-1', 'mig-2']) await db.collection('orders').doc(id).update({ deliveredAt: _.remove() })
    await db.collection('counters').doc('case_index').remove()
    expect(await s.countOrders({ buyerOpenid: 'o1', deliveredFrom: T0 }, 10)).toBe(0)
    await local().init()
    expect(await s.countOrders({ buyerOpenid: 'o1', deliveredFrom: T0 }, 10)).toBe(1)
    expect(await s.getOrder('mig-1')).toEqual(signed)
  })

  it('counts the queue’s badges in one aggregate (全部 beside it); past its scan, each count it could not settle on its own', async () => {
    // a scan of 3 documents: the union of the filters matches more, so the fallback answers
    const small = new CloudBaseStore({ env: 'local-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: emulator.url, timeout: 10_000, countScan: 3 })
    await small.init()
    await expectCountManyAsAlone(small)
    const s = local()
    const queue: CountQuery[] = [
      { cases: { assigneeId: 'a1', open: true } }, { cases: { team: 'quality', open: true } }, { cases: { unassigned: true, open: true } },
      { cases: { slaState: { state: 'breached', at: at(T0, 6 * HOUR) }, open: true } }, { cases: { escalated: true, open: true } }, { cases: {} },
      { tasks: { kind: 'approval' } }, { tasks: { kind: 'review', owner: 'a1' } }, { tasks: { kind: 'visit', owner: 'a1', dueBefore: at(T0, 48 * HOUR) } },
    ]
    emulator.calls.clear()
    expect(await s.countMany(queue, 1000)).toEqual([2, 3, 1, 4, 1, 9, 1, 1, 1])
    expect(Object.fromEntries(emulator.calls)).toEqual({ 'database.aggregateDocuments': 1, 'database.getDocument': 1 })
    // a cut-short scan: a badge it already saw at its cap is settled, only the others are asked again
    emulator.calls.clear()
    expect(await small.countMany(queue, 1)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1])
    expect(emulator.calls.get('database.aggregateDocuments')).toBe(1)
    expect([...emulator.calls.values()].reduce((a, b) => a + b, 0)).toBeLessThan(1 + queue.length)
  })

  it('reads past the 1000-documents-per-query limit by paging', async () => {
    const s = local()
    await s.init()
    await Promise.all(
      Array.from({ length: 1234 }, (_, i) => s.recordRefund({ key: `rf-${i}`, caseId: 'c', orderId: 'ord-big', amountFen: 1, createdAt: '2026-11-23T06:00:00.000Z' })),
    )
    emulator.calls.clear()
    expect(await s.refundedForOrder('ord-big')).toBe(1234)
    expect(emulator.calls.get('database.getDocument')).toBe(2)
  }, 30_000)
}))

const { TCB_ENV, TCB_SECRET_ID, TCB_SECRET_KEY } = process.env
if (TCB_ENV && TCB_SECRET_ID && TCB_SECRET_KEY) {
  const prefix = process.env.TCB_COLLECTION_PREFIX ?? 'contract_'
  const db = tcbInit({ env: TCB_ENV, secretId: TCB_SECRET_ID, secretKey: TCB_SECRET_KEY, timeout: 20_000 }).database()
  const wipe = async () => {
    const _ = db.command
    for (const k of Object.keys(COLLECTIONS) as CollectionKey[]) {
      try {
        await db.collection(collectionName(k, prefix)).where({ _id: _.exists(true) }).remove()
      } catch {
        // collection not created yet: init() will
      }
    }
  }
  describe('CloudBase LIVE', () => {
    jest.setTimeout(120_000)
    storeContract(`cloudbase LIVE env ${TCB_ENV}`, async () => {
      await wipe()
      return new CloudBaseStore({ db, prefix })
    })
  })
} else {
  console.log('CloudBase live contract skipped: set TCB_ENV, TCB_SECRET_ID, TCB_SECRET_KEY to run it')
}
