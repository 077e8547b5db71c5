/**
 * The Store contract: every adapter (SQLite, CloudBase through the real SDK) must pass it.
 * Call `storeContract(name, makeStore)` from a *.test.ts file; each test gets a fresh, empty store.
 */
import type { BatchAlert } from '@contract/care'
import type { Case } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { GuardViolation, StoreConflict, idempotentCaseId, type CaseExportRow, type CountQuery, type FilingQuery, type InboxRecord, type NewOutboxItem, type Store } from '../../cloudfunctions/ports/store'
import { analyticsFromStats, computeAnalytics, rangeOf, weekBounds, weeksBetween } from '../../cloudfunctions/app/usecases/analytics'
import { casesToCsv, rowsToCsv } from '../../cloudfunctions/app/usecases/export-cases'
import { slaState } from '../../cloudfunctions/core/sla'
import { addBusinessTime } from '../../cloudfunctions/core/calendar'
import { HOUR, T0, at, makeCase, nextVersion, target, uid } from './fixtures'

const ob = (c: Case, name: string, payload: Record<string, unknown> = {}): NewOutboxItem => ({
  key: `${c.id}:${c.version}:${name}`,
  caseId: c.id,
  kind: 'buyer_message',
  payload: { event: name, ...payload },
})

/** A case whose only timer is the buyer deadline at `dueAt` (SLA stopped). */
function deadlineCase(dueAt: string, patch: Parameters<typeof makeCase>[0] = {}): Case {
  return makeCase({
    status: 'offer_pending',
    buyerDeadline: { kind: 'offer', dueAt },
    sla: { stoppedAt: T0, warnedAt: T0 },
    ...patch,
  })
}

async function drain(store: Store, filter: Parameters<Store['listCases']>[0], limit: number, order?: 'created_desc' | 'due_asc'): Promise<Case[]> {
  const out: Case[] = []
  let cursor: string | null = null
  for (let i = 0; i < 10_000; i++) {
    const page: { items: Case[]; next: string | null } = await store.listCases(filter, { limit, cursor, order })
    expect(page.items.length).toBeLessThanOrEqual(limit)
    out.push(...page.items)
    if (!page.next) break
    cursor = page.next
  }
  return out
}

/**
 * Cases for the queue's badges (every QueueFilter field, each follow-up kind, null / missing task
 * fields) and the counts the queue asks: countMany must answer each as countCases / countTasks
 * alone does, at every cap. Shared with store.cloudbase.test.ts (a small scan: the fallback path).
 */
export async function expectCountManyAsAlone(store: Store): Promise<void> {
  if (!store.countMany) throw new Error('this store has no countMany')
  const refund = { key: uid('rf'), amountFen: 100, purpose: 'refund' as const, status: 'succeeded' as const, requestedAt: T0, settledAt: null, failureReason: null }
  const review = (openedAt: string, closedAt: string | null = null): NonNullable<Case['reviewFollowUp']> => ({
    openedAt, dueAt: at(openedAt, 24 * HOUR), trigger: { score: 1, keywords: [] }, cause: null, contacts: [], remedy: null, reply: null, outcome: closedAt ? 'updated' : null, closedAt, remindedAt: null,
  })
  const approval: NonNullable<Case['approvals']>[number] = {
    id: uid('ap'), command: { type: 'approve', amountFen: 30000 }, amountFen: 30000, cashFen: 30000, summary: '同意仅退款¥300', why: '超过审批门槛', note: '', requestedBy: 'a1',
    requestedAt: T0, escalateAt: at(T0, 4 * HOUR), escalatedAt: null, status: 'pending', decidedBy: null, decidedAt: null, decisionNote: null,
  }
  const cases = [
    makeCase({ team: 'quality', status: 'submitted', severity: 'P1', reason: 'safety_allergy' }),
    makeCase({ team: 'quality', status: 'in_review', assigneeId: 'a1', flags: { escalated: true }, approvals: [approval] }),
    makeCase({ team: 'logistics', status: 'in_review', assigneeId: 'a2', reason: 'late_delivery', severity: 'P3', refunds: [refund], flags: { risk: true } }),
    makeCase({ team: 'logistics', status: 'resolved', assigneeId: 'a1', sla: { stoppedAt: T0 }, followUp: { dueAt: at(T0, 48 * HOUR), remindedAt: null } }),
    makeCase({ team: 'general', status: 'closed', assigneeId: 'a1', sla: { stoppedAt: T0 }, createdAt: at(T0, -48 * HOUR), reviewFollowUp: review(T0) }),
    makeCase({ team: 'general', status: 'closed', assigneeId: 'a2', sla: { stoppedAt: T0 }, reviewFollowUp: review(T0, at(T0, HOUR)) }),
    makeCase({ team: 'general', status: 'rejected', buyerOpenid: 'o-other', sla: { stoppedAt: T0 }, order: { items: [{ skuId: 'sku-1', name: '即食燕窝', qty: 2, unitPriceFen: 19_900, batch: 'B9999' }] } }),
    makeCase({ status: 'in_review', assigneeId: 'a1', sla: { breachedAt: at(T0, 4 * HOUR), breachedTarget: 'first_response' } }),
    // a value that reads like a field path in an aggregate expression
    makeCase({ status: 'cancelled', buyerOpenid: '$o-other', sla: { stoppedAt: T0 } }),
  ]
  for (const c of cases) await store.createCase(c, [])
  const queries: CountQuery[] = [
    { cases: {} },
    { cases: { open: true } },
    { cases: { open: false } },
    { cases: { assigneeId: 'a1', open: true } },
    { cases: { assigneeId: 'nobody', open: true } },
    { cases: { team: 'quality', open: true } },
    { cases: { unassigned: true, open: true } },
    { cases: { assigneeId: null } },
    { cases: { slaState: { state: 'breached', at: at(T0, 6 * HOUR) }, open: true } },
    { cases: { slaState: { state: 'warning', at: at(T0, 3.5 * HOUR) } } },
    { cases: { slaState: { state: 'on_time', at: at(T0, 3.5 * HOUR) } } },
    { cases: { escalated: true, open: true } },
    { cases: { escalated: false } },
    { cases: { status: ['in_review', 'submitted'] } },
    { cases: { status: [] } },
    { cases: { severity: 'P1' } },
    { cases: { reason: 'late_delivery' } },
    { cases: { refunded: true } },
    { cases: { risk: false } },
    { cases: { dueBefore: at(T0, 5 * HOUR) } },
    { cases: { createdFrom: at(T0, -49 * HOUR), createdTo: at(T0, -47 * HOUR) } },
    { cases: { buyerOpenid: 'o-other' } },
    { cases: { buyerOpenid: '$o-other' } },
    { cases: { orderId: cases[2].order.orderId } },
    { cases: { batch: { skuId: 'sku-1', batch: 'B9999' } } },
    { cases: { batch: { skuId: 'sku-1', batch: 'B2611' }, open: true } },
    { tasks: { kind: 'approval' } },
    { tasks: { kind: 'review' } },
    { tasks: { kind: 'review', owner: 'a1' } },
    { tasks: { kind: 'visit', dueBefore: at(T0, 47 * HOUR) } },
    { tasks: { kind: 'visit', owner: 'a1', dueBefore: at(T0, 48 * HOUR) } },
  ]
  const alone = (q: CountQuery, cap: number) => ('tasks' in q ? store.countTasks(q.tasks, cap) : store.countCases(q.cases, cap))
  for (const cap of [1000, 3, 1, 0]) {
    const expected = await Promise.all(queries.map((q) => alone(q, cap)))
    expect({ cap, counts: await store.countMany(queries, cap) }).toEqual({ cap, counts: expected })
  }
  // the figures themselves, hand-checked at the largest cap (so a store that answers both wrongly fails)
  expect(await store.countMany(queries.slice(0, 4), 1000)).toEqual([9, 4, 5, 2])
  expect(await store.countMany([{ tasks: { kind: 'review' } }, { cases: { unassigned: true, open: true } }, { cases: { buyerOpenid: '$o-other' } }], 1000)).toEqual([1, 1, 1])
}

export function storeContract(name: string, makeStore: () => Promise<Store>, cleanup?: (s: Store) => Promise<void>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store

    beforeEach(async () => {
      store = await makeStore()
      await store.init()
      await store.init() // idempotent
    })
    afterEach(async () => {
      if (cleanup) await cleanup(store)
      await store.close()
    })

    // ------------------------------------------------------------------ cases: create / get / CAS

    describe('cases', () => {
      it('creates a case with its outbox and reads it back unchanged', async () => {
        const c = makeCase()
        const r = await store.createCase(c, [ob(c, 'case_submitted', { nested: { a: [1, 2] } })])
        expect(r).toEqual({ created: true, case: c })
        expect(await store.getCase(c.id)).toEqual(c)
        expect(await store.getCase('no-such-case')).toBeNull()
        const out = await store.listOutbox({ caseId: c.id }, 10)
        expect(out).toHaveLength(1)
        expect(out[0]).toMatchObject({
          key: `${c.id}:1:case_submitted`,
          caseId: c.id,
          kind: 'buyer_message',
          payload: { event: 'case_submitted', nested: { a: [1, 2] } },
          status: 'pending',
          attempts: 0,
          lastError: null,
          sentAt: null,
        })
      })

      it('refuses a second case with the same id', async () => {
        const c = makeCase()
        await store.createCase(c, [])
        await expect(store.createCase({ ...c, caseNo: 'other-no' }, [])).rejects.toBeInstanceOf(StoreConflict)
      })

      it('saves a transition with compare-and-set on version, with its outbox', async () => {
        const c = makeCase()
        await store.createCase(c, [ob(c, 'submitted')])
        const n = nextVersion(c, { status: 'in_review', assigneeId: 'agent-1' })
        await store.saveCase(n, 1, [ob(n, 'in_review'), ob(n, 'staff_alert')])
        expect(await store.getCase(c.id)).toEqual(n)
        const keys = (await store.listOutbox({ caseId: c.id }, 10)).map((o) => o.key).sort()
        expect(keys).toEqual([`${c.id}:1:submitted`, `${c.id}:2:in_review`, `${c.id}:2:staff_alert`].sort())
      })

      it('a lost race raises StoreConflict and writes nothing (neither case nor outbox)', async () => {
        const c = makeCase()
        await store.createCase(c, [])
        const winner = nextVersion(c, { status: 'in_review' })
        await store.saveCase(winner, 1, [ob(winner, 'won')])
        const loser = nextVersion(c, { status: 'cancelled' })
        await expect(store.saveCase(loser, 1, [ob(loser, 'lost'), { ...ob(loser, 'lost2'), key: 'unrelated-key' }])).rejects.toBeInstanceOf(StoreConflict)
        expect(await store.getCase(c.id)).toEqual(winner)
        const keys = (await store.listOutbox({}, 100)).map((o) => o.key)
        expect(keys).toEqual([`${c.id}:2:won`])
        // a save of a case that does not exist is a conflict too
        const ghost = makeCase()
        await expect(store.saveCase(nextVersion(ghost), 1, [])).rejects.toBeInstanceOf(StoreConflict)
        expect(await store.getCase(ghost.id)).toBeNull()
      })

      it('of concurrent saves from the same version exactly one wins', async () => {
        const c = makeCase()
        await store.createCase(c, [])
        const tries = Array.from({ length: 8 }, (_, i) => nextVersion(c, { description: `attempt ${i}` }))
        const res = await Promise.allSettled(tries.map((n, i) => store.saveCase(n, 1, [{ ...ob(n, `try${i}`) }])))
        const ok = res.filter((r) => r.status === 'fulfilled')
        expect(ok).toHaveLength(1)
        for (const r of res) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreConflict)
        const winner = res.findIndex((r) => r.status === 'fulfilled')
        const saved = await store.getCase(c.id)
        expect(saved?.description).toBe(`attempt ${winner}`)
        expect((await store.listOutbox({ caseId: c.id }, 100)).map((o) => o.key)).toEqual([`${c.id}:2:try${winner}`])
      })

      it('ignores an outbox entry whose key already exists (first payload kept)', async () => {
        const c = makeCase()
        await store.createCase(c, [{ ...ob(c, 'x'), key: 'dup', payload: { n: 1 } }])
        const n = nextVersion(c)
        await store.saveCase(n, 1, [{ ...ob(n, 'x'), key: 'dup', payload: { n: 2 } }, { ...ob(n, 'y'), key: 'fresh' }])
        const out = await store.listOutbox({ caseId: c.id }, 10)
        expect(out.map((o) => o.key).sort()).toEqual(['dup', 'fresh'])
        expect(out.find((o) => o.key === 'dup')?.payload).toEqual({ n: 1 })
        expect((await store.getCase(c.id))?.version).toBe(2)
      })

      it('createCase is idempotent by (scope, key): the second call returns the first case and writes nothing', async () => {
        const a = makeCase()
        const r1 = await store.createCase(a, [ob(a, 'submitted')], { scope: 'o-buyer-1', key: 'k1' })
        expect(r1.created).toBe(true)
        const b = makeCase()
        const r2 = await store.createCase(b, [ob(b, 'submitted')], { scope: 'o-buyer-1', key: 'k1' })
        expect(r2).toEqual({ created: false, case: a })
        expect(await store.findByIdempotencyKey('o-buyer-1', 'k1')).toEqual(a)
        expect(await store.findByIdempotencyKey('o-buyer-1', 'k2')).toBeNull()
        expect(await store.findByIdempotencyKey('o-buyer-2', 'k1')).toBeNull()
        expect(await store.getCase(b.id)).toBeNull()
        expect(await store.listOutbox({ caseId: b.id }, 10)).toEqual([])
        // same key, other scope: a different request
        const c = makeCase()
        expect((await store.createCase(c, [], { scope: 'o-buyer-2', key: 'k1' })).created).toBe(true)
        expect(await store.countCases({})).toBe(2)
      })

      it('50 concurrent createCase calls with one idempotency key create exactly one case', async () => {
        const cases = Array.from({ length: 50 }, () => makeCase())
        const res = await Promise.all(cases.map((c) => store.createCase(c, [ob(c, 'submitted')], { scope: 'o-buyer-1', key: 'same' })))
        expect(res.filter((r) => r.created)).toHaveLength(1)
        const winner = res.find((r) => r.created)?.case
        for (const r of res) expect(r.case.id).toBe(winner?.id)
        expect(await store.countCases({})).toBe(1)
        expect(await store.listOutbox({}, 100)).toHaveLength(1)
      })
    })

    // ------------------------------------------------------------------ what a filing reads (one read)

    describe('filing context (Store.filingContext)', () => {
      const since = at(T0, -90 * 24 * HOUR)
      const refund = (status: 'succeeded' | 'failed') => ({ key: uid('rf'), amountFen: 100, purpose: 'refund' as const, status, requestedAt: T0, settledAt: null, failureReason: null })
      const orderOf = (id: string, buyer: string, delivered?: string, extra: Record<string, unknown> = {}) =>
        ({ order: { ...makeCase().order, orderId: id, buyerOpenid: buyer, deliveredAt: delivered, ...extra }, createdAt: T0 })
      const q = (patch: Partial<FilingQuery>): FilingQuery => ({ orderId: 'fc-1', openid: 'b-fc', riskFrom: since, deliveredFrom: at(T0, -20 * HOUR), caps: { refunded: 100, risk: 5, orders: 10 }, ...patch })

      it('answers the order, the buyer’s record and standing as the single reads do, for a named buyer or the order’s own', async () => {
        await store.upsertOrder(orderOf('fc-1', 'b-fc', at(T0, HOUR)))
        await store.upsertOrder(orderOf('fc-2', 'b-fc', at(T0, -10 * HOUR)))
        await store.upsertOrder(orderOf('fc-3', 'b-fc', at(T0, -30 * HOUR))) // before the order window
        await store.upsertOrder(orderOf('fc-4', 'b-other', at(T0, HOUR)))
        await store.upsertBuyer({ openid: 'b-fc', dedicatedRepId: 'staff-amy', trusted: false, unionid: 'u-fc' })
        const mk = (buyerOpenid: string, o: { refunded?: 'succeeded' | 'failed'; risk?: boolean; createdAt?: string }) =>
          store.createCase(makeCase({ buyerOpenid, refunds: o.refunded ? [refund(o.refunded)] : [], flags: { risk: o.risk === true }, createdAt: o.createdAt ?? T0 }), [])
        await mk('b-fc', { refunded: 'succeeded' })
        await mk('b-fc', { refunded: 'succeeded', risk: true })
        await mk('b-fc', { refunded: 'failed' })
        await mk('b-fc', { risk: true, createdAt: at(T0, -100 * 24 * HOUR) }) // before the risk window
        await mk('b-other', { refunded: 'succeeded', risk: true })

        const named = await store.filingContext(q({}))
        expect(named).toEqual({
          order: await store.getOrder('fc-1'),
          openid: 'b-fc',
          buyer: await store.getBuyer('b-fc'),
          counts: { refunded: 2, risk: 1, orders: 2 },
          prior: null,
          unionBuyer: null,
        })
        expect(named.counts).toEqual({ ...(await store.buyerCaseCounts(['b-fc'], since, { refunded: 100, risk: 5 })), orders: await store.countOrders({ buyerOpenid: 'b-fc', deliveredFrom: at(T0, -20 * HOUR) }, 10) })
        // the order's own buyer when none is named: the same answers
        expect(await store.filingContext(q({ openid: null }))).toEqual(named)
        // the caps hold
        expect((await store.filingContext(q({ caps: { refunded: 1, risk: 1, orders: 1 } }))).counts).toEqual({ refunded: 1, risk: 1, orders: 1 })
        // another buyer named on this order: their standing, not the order's buyer's
        expect(await store.filingContext(q({ openid: 'b-other' }))).toMatchObject({ openid: 'b-other', buyer: null, counts: { refunded: 1, risk: 1, orders: 1 } })
        // an order that is not stored: the named buyer's standing all the same
        expect(await store.filingContext(q({ orderId: 'no-such-order' }))).toEqual({ ...named, order: null })
        expect(await store.filingContext(q({ orderId: 'no-such-order', openid: null }))).toEqual({ order: null, openid: null, buyer: null, counts: { refunded: 0, risk: 0, orders: 0 }, prior: null, unionBuyer: null })
      })

      it('a linked buyer: a shop id’s order answers the shop id’s own standing and the mini-program buyer its unionid names', async () => {
        await store.upsertBuyer({ openid: 'mp-fc', dedicatedRepId: null, trusted: false, unionid: 'u-link', shopOpenids: ['s-fc'] })
        await store.upsertOrder(orderOf('fc-shop', 'channels:s-fc', at(T0, HOUR), { source: 'channels', shopOpenid: 's-fc', buyerUnionid: 'u-link' }))
        await store.upsertOrder(orderOf('fc-mp', 'mp-fc', at(T0, HOUR)))
        await store.createCase(makeCase({ buyerOpenid: 'channels:s-fc', refunds: [refund('succeeded')] }), [])
        await store.createCase(makeCase({ buyerOpenid: 'mp-fc', refunds: [refund('succeeded')], flags: { risk: true } }), [])
        const ctx = await store.filingContext(q({ orderId: 'fc-shop', openid: null, unionid: 'u-link' }))
        expect(ctx).toMatchObject({ openid: 'channels:s-fc', buyer: null, counts: { refunded: 1, risk: 0, orders: 1 } })
        expect(ctx.order?.order.shopOpenid).toBe('s-fc')
        expect(ctx.unionBuyer).toEqual(await store.getBuyerByUnionid('u-link'))
        expect(ctx.unionBuyer?.shopOpenids).toEqual(['s-fc'])
        expect((await store.filingContext(q({ orderId: 'fc-shop', openid: null, unionid: 'u-none' }))).unionBuyer).toBeNull()
        // the same without the order stored (read apart)
        expect((await store.filingContext(q({ orderId: 'gone', openid: 'channels:s-fc', unionid: 'u-link' }))).unionBuyer?.openid).toBe('mp-fc')
      })

      it('answers the roster with its loads as listStaffLoads does', async () => {
        await store.upsertStaff({ id: 'staff-amy', name: 'Amy', role: 'agent', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true })
        await store.upsertStaff({ id: 'staff-bob', name: 'Bob', role: 'agent', teams: ['logistics'], onDuty: false, lastAssignedAt: null, active: false })
        await store.upsertOrder(orderOf('fc-1', 'b-fc'))
        await store.createCase(makeCase({ assigneeId: 'staff-amy', status: 'in_review' }), [])
        const ctx = await store.filingContext(q({ staffCap: 200 }))
        expect(ctx.staff).toEqual(await store.listStaffLoads(200))
        expect(ctx.staff?.find((x) => x.id === 'staff-amy')?.openCases).toBe(1)
        expect((await store.filingContext(q({ orderId: 'gone', staffCap: 200 }))).staff).toEqual(ctx.staff)
        expect((await store.filingContext(q({}))).staff).toBeUndefined()
      })

      it('a duplicate filing under a key answers the first case and its fingerprint: the case’s own id (derived from the key) or a key row written before', async () => {
        await store.upsertOrder(orderOf('fc-1', 'b-fc'))
        const id = idempotentCaseId('submit:b-fc', 'k-1')
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
        expect(idempotentCaseId('submit:b-fc', 'k-1')).toBe(id)
        expect(idempotentCaseId('submit:b-fc', 'k-2')).not.toBe(id)
        expect(idempotentCaseId('submit:b-fc2', 'k-1')).not.toBe(id)
        const first = makeCase({ id, buyerOpenid: 'b-fc' })
        expect(await store.createCase(first, [ob(first, 'submitted')], { scope: 'submit:b-fc', key: 'k-1', fingerprint: 'fp-1' })).toEqual({ created: true, case: first, fingerprint: 'fp-1' })
        // the retry (built again with the same derived id) answers the first case, writes nothing
        const again = makeCase({ id, buyerOpenid: 'b-fc', description: '另一份' })
        expect(await store.createCase(again, [ob(again, 'again')], { scope: 'submit:b-fc', key: 'k-1', fingerprint: 'fp-2' })).toEqual({ created: false, case: first, fingerprint: 'fp-1' })
        expect(await store.listOutbox({ caseId: id }, 10)).toHaveLength(1)
        expect(await store.findByIdempotencyKey('submit:b-fc', 'k-1')).toEqual(first)
        expect((await store.filingContext(q({ idem: { scope: 'submit:b-fc', key: 'k-1' } }))).prior).toEqual({ case: first, fingerprint: 'fp-1' })
        expect((await store.filingContext(q({ idem: { scope: 'submit:b-fc', key: 'k-9' } }))).prior).toBeNull()
        // the fingerprint outlives the case's later writes (a transaction rewrites the document)
        const moved = nextVersion(first, { status: 'closed' })
        await store.saveCase(moved, 1, [])
        expect((await store.filingContext(q({ idem: { scope: 'submit:b-fc', key: 'k-1' } }))).prior).toEqual({ case: moved, fingerprint: 'fp-1' })
        expect(await store.createCase(makeCase({ id, buyerOpenid: 'b-fc' }), [], { scope: 'submit:b-fc', key: 'k-1', fingerprint: 'fp-3' })).toEqual({ created: false, case: moved, fingerprint: 'fp-1' })
        // a platform after-sale pushed twice at once: one case
        const push = idempotentCaseId('channels-aftersale', 'as-1')
        const twins = await Promise.all([1, 2, 3].map(() => store.createCase(makeCase({ id: push, buyerOpenid: 'channels:s-1' }), [], { scope: 'channels-aftersale', key: 'as-1' })))
        expect(twins.filter((r) => r.created)).toHaveLength(1)
        for (const r of twins) expect(r.case.id).toBe(push)
        expect((await store.filingContext(q({ orderId: 'gone', openid: null, idem: { scope: 'channels-aftersale', key: 'as-1' } }))).prior?.case.id).toBe(push)
        // a key written before ids were derived (another id) is still found, with its fingerprint
        const old = makeCase({ buyerOpenid: 'b-fc' })
        await store.createCase(old, [], { scope: 'submit:b-fc', key: 'k-old', fingerprint: 'fp-old' })
        expect(await store.findByIdempotencyKey('submit:b-fc', 'k-old')).toEqual(old)
        expect((await store.filingContext(q({ idem: { scope: 'submit:b-fc', key: 'k-old' } }))).prior).toEqual({ case: old, fingerprint: 'fp-old' })
        expect(await store.createCase(makeCase({ buyerOpenid: 'b-fc' }), [], { scope: 'submit:b-fc', key: 'k-old' })).toEqual({ created: false, case: old, fingerprint: 'fp-old' })
        expect(await store.countCases({})).toBe(3)
      })
    })

    // ------------------------------------------------------------------ per-order guard and ledger

    describe('order guard (one open case per item, request cap, money per order)', () => {
      const order = (orderId: string) => ({ orderId, paidFen: 10_000, items: [{ skuId: 'sku-1', name: '即食燕窝', qty: 5, unitPriceFen: 2_000, batch: 'B1' }, { skuId: 'sku-2', name: '燕窝礼盒', qty: 1, unitPriceFen: 0, batch: 'B1' }] })
      const refund = (amountFen: number, status: 'pending' | 'succeeded' | 'failed' = 'pending') => ({ key: uid('rf'), amountFen, purpose: 'refund' as const, status, requestedAt: T0, settledAt: null, failureReason: null })

      it('refuses a second open case for the same item of an order, inside the write', async () => {
        const a = makeCase({ order: order('ord-g1') })
        await store.createCase(a, [], undefined, { maxRequestsPerSku: 5 })
        const b = makeCase({ order: order('ord-g1') })
        await expect(store.createCase(b, [ob(b, 'x')], undefined, { maxRequestsPerSku: 5 })).rejects.toMatchObject({ rule: 'open_case', details: { skuId: 'sku-1', otherCaseId: a.id } })
        expect(await store.getCase(b.id)).toBeNull()
        expect(await store.listOutbox({ caseId: b.id }, 10)).toEqual([])
        // another item of the same order is fine; once the first case is closed the item is free again
        expect((await store.createCase(makeCase({ order: order('ord-g1'), claimedItems: [{ skuId: 'sku-2', qty: 1 }] }), [], undefined, { maxRequestsPerSku: 5 })).created).toBe(true)
        await store.saveCase(nextVersion(a, { status: 'cancelled', sla: { ...a.sla, stoppedAt: T0 } }), 1, [])
        expect((await store.createCase(b, [], undefined, { maxRequestsPerSku: 5 })).created).toBe(true)
        const g = await store.getOrderGuard('ord-g1')
        expect(g.cases).toHaveLength(3)
        expect(g.cases.find((e) => e.caseId === a.id)).toMatchObject({ open: false, skus: ['sku-1'] })
        expect(g.cases.find((e) => e.caseId === b.id)).toMatchObject({ open: true, skus: ['sku-1'] })
      })

      it('of concurrent submits for one item of one order exactly one is admitted', async () => {
        const tries = Array.from({ length: 12 }, () => makeCase({ order: order('ord-g2') }))
        const res = await Promise.allSettled(tries.map((c) => store.createCase(c, [], undefined, { maxRequestsPerSku: 5 })))
        expect(res.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        for (const r of res) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(GuardViolation)
        expect(await store.countCases({ orderId: 'ord-g2' })).toBe(1)
      })

      it('a case write opened before the case is built reads the guard the write checks, and answers as createCase does', async () => {
        const first = makeCase({ order: order('ord-w1') })
        await store.createCase(first, [], undefined, { maxRequestsPerSku: 5 })
        // opened: the guard as the write sees it; closed unused: nothing written
        const unused = await store.openCaseWrite('ord-w1')
        expect(unused.guard.cases.map((e) => e.caseId)).toEqual([first.id])
        await unused.close()
        await unused.close()
        // a case of another item: written, with its outbox, under its key; close after create changes nothing
        const w = await store.openCaseWrite('ord-w1')
        const other = makeCase({ order: order('ord-w1'), claimedItems: [{ skuId: 'sku-2', qty: 1 }] })
        expect(await w.create(other, [ob(other, 'submitted')], { scope: 'w-buyer', key: 'w-k1', fingerprint: 'f1' }, { maxRequestsPerSku: 5 })).toEqual({ created: true, case: other, fingerprint: 'f1' })
        await w.close()
        expect(await store.getCase(other.id)).toEqual(other)
        expect((await store.listOutbox({ caseId: other.id }, 10)).map((o) => o.key)).toEqual([`${other.id}:1:submitted`])
        // the same key again through a new write: the first case, nothing written
        const again = await store.openCaseWrite('ord-w1')
        const twin = makeCase({ order: order('ord-w1'), claimedItems: [{ skuId: 'sku-2', qty: 1 }] })
        expect(await again.create(twin, [ob(twin, 'submitted')], { scope: 'w-buyer', key: 'w-k1', fingerprint: 'f1' }, { maxRequestsPerSku: 5 })).toEqual({ created: false, case: other, fingerprint: 'f1' })
        expect(await store.getCase(twin.id)).toBeNull()
        // the order changed after the write was opened: the write still holds the item
        const late = await store.openCaseWrite('ord-w2')
        expect(late.guard.cases).toEqual([])
        const meanwhile = makeCase({ order: order('ord-w2') })
        await store.createCase(meanwhile, [], undefined, { maxRequestsPerSku: 5 })
        const loser = makeCase({ order: order('ord-w2') })
        await expect(late.create(loser, [ob(loser, 'x')], undefined, { maxRequestsPerSku: 5 })).rejects.toMatchObject({ rule: 'open_case', details: { otherCaseId: meanwhile.id } })
        await late.close()
        expect(await store.getCase(loser.id)).toBeNull()
        expect(await store.listOutbox({ caseId: loser.id }, 10)).toEqual([])
      })

      it('of concurrent case writes opened on one order for one item exactly one is admitted', async () => {
        const tries = Array.from({ length: 8 }, () => makeCase({ order: order('ord-w3') }))
        const res = await Promise.allSettled(tries.map(async (c) => {
          const w = await store.openCaseWrite('ord-w3')
          try {
            return await w.create(c, [ob(c, 'x')], undefined, { maxRequestsPerSku: 5 })
          } finally {
            await w.close()
          }
        }))
        expect(res.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        for (const r of res) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(GuardViolation)
        expect(await store.countCases({ orderId: 'ord-w3' })).toBe(1)
        expect((await store.getOrderGuard('ord-w3')).cases).toHaveLength(1)
      })

      it('counts every request on an item and refuses past the cap', async () => {
        for (let i = 0; i < 3; i++) {
          const c = makeCase({ order: order('ord-g3') })
          await store.createCase(c, [], undefined, { maxRequestsPerSku: 3 })
          await store.saveCase(nextVersion(c, { status: 'cancelled', sla: { ...c.sla, stoppedAt: T0 } }), 1, [])
        }
        await expect(store.createCase(makeCase({ order: order('ord-g3') }), [], undefined, { maxRequestsPerSku: 3 })).rejects.toMatchObject({ rule: 'request_cap', details: { count: 3, limit: 3 } })
      })

      it('keeps refunds + compensation of all the cases of an order within what was paid, concurrent saves included', async () => {
        const a = makeCase({ order: order('ord-g4') })
        // (both on the ¥100 line: the gift box is worth ¥0, so money for it is refused per item — money-guard)
        const b = makeCase({ order: order('ord-g4'), claimedItems: [{ skuId: 'sku-1', qty: 3 }] })
        await store.createCase(a, [])
        await store.createCase(b, [])
        // two ¥60 refunds on a ¥100 order, from the same starting versions: one of them is refused
        const res = await Promise.allSettled([
          store.saveCase(nextVersion(a, { status: 'refunding', refunds: [refund(6_000)] }), 1, []),
          store.saveCase(nextVersion(b, { status: 'refunding', refunds: [refund(6_000)] }), 1, []),
        ])
        expect(res.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        const lost = res.find((r) => r.status === 'rejected') as PromiseRejectedResult
        expect(lost.reason).toMatchObject({ rule: 'over_paid', details: { paidFen: 10_000, committedFen: 6_000 } })
        expect((await store.getOrderGuard('ord-g4')).committedFen).toBe(6_000)
        // ¥40 more fits; a failed refund gives its money back to the order
        const loser = res[0].status === 'rejected' ? a : b
        await store.saveCase(nextVersion(loser, { status: 'refunding', refunds: [refund(4_000)] }), 1, [])
        expect((await store.getOrderGuard('ord-g4')).committedFen).toBe(10_000)
        const back = (await store.getCase(loser.id))!
        await store.saveCase(nextVersion(back, { refunds: back.refunds.map((r) => ({ ...r, status: 'failed' as const })) }), 2, [])
        expect((await store.getOrderGuard('ord-g4')).committedFen).toBe(6_000)
      })

      it('holds an auto-decision rule\'s daily cap inside the case writes: concurrent decisions past it are refused whole', async () => {
        const spend = (amountFen: number) => ({ bucket: 'auto-rule:small:2026-11-23', amountFen, capFen: 10_000 })
        // six cases decided at once by one rule, ¥40 each, cap ¥100: two fit (creates and saves alike)
        const created = Array.from({ length: 3 }, (_, i) => makeCase({ order: order(`ord-r${i}`), status: 'refunding', refunds: [refund(4_000)] }))
        const plain = Array.from({ length: 3 }, (_, i) => makeCase({ order: order(`ord-s${i}`) }))
        for (const c of plain) await store.createCase(c, [])
        const res = await Promise.allSettled([
          ...created.map((c) => store.createCase(c, [ob(c, 'r')], undefined, { ruleSpend: spend(4_000) })),
          ...plain.map((c) => store.saveCase(nextVersion(c, { status: 'refunding', refunds: [refund(4_000)] }), 1, [ob(c, 's')], { ruleSpend: spend(4_000) })),
        ])
        expect(res.filter((r) => r.status === 'fulfilled')).toHaveLength(2)
        for (const r of res) if (r.status === 'rejected') expect(r.reason).toMatchObject({ rule: 'rule_cap', details: { capFen: 10_000 } })
        expect(await store.ruleSpent('auto-rule:small:2026-11-23')).toBe(8_000)
        // nothing of a refused write is stored: no case, no outbox, no money on the order
        const refusedCreates = created.filter((_, i) => res[i].status === 'rejected')
        for (const c of refusedCreates) {
          expect(await store.getCase(c.id)).toBeNull()
          expect(await store.listOutbox({ caseId: c.id }, 10)).toEqual([])
        }
        const refusedSaves = plain.filter((_, i) => res[3 + i].status === 'rejected')
        for (const c of refusedSaves) expect((await store.getCase(c.id))?.version).toBe(1)
        // ¥20 still fits; another day's counter is its own
        const last = makeCase({ order: order('ord-r9'), status: 'refunding', refunds: [refund(2_000)] })
        await store.createCase(last, [], undefined, { ruleSpend: spend(2_000) })
        expect(await store.ruleSpent('auto-rule:small:2026-11-23')).toBe(10_000)
        expect(await store.ruleSpent('auto-rule:small:2026-11-24')).toBe(0)
      })

      it('a write of the case alone (the caller passes the case it decided on): the same compare-and-set, outbox and keys', async () => {
        const c = makeCase()
        await store.createCase(c, [ob(c, 'submitted')])
        const n = nextVersion(c, { status: 'in_review', description: 'edited' })
        await store.saveCase(n, 1, [ob(n, 'a'), ob(n, 'b'), { ...ob(n, 'dup'), key: `${c.id}:1:submitted`, payload: { n: 2 } }], { prev: c, commandKey: { key: 'k-1', fingerprint: 'f-1' } })
        expect(await store.getCaseWithKeys(c.id)).toEqual({ case: n, keys: [{ key: 'k-1', fingerprint: 'f-1', version: 2 }] })
        const out = await store.listOutbox({ caseId: c.id }, 10)
        expect(out.map((o) => o.key).sort()).toEqual([`${c.id}:1:submitted`, `${c.id}:2:a`, `${c.id}:2:b`].sort())
        expect(out.find((o) => o.key === `${c.id}:1:submitted`)?.payload).toEqual({ event: 'submitted' }) // the first payload kept
        // the queue fields follow the write
        expect((await store.listCases({ status: ['in_review'] }, { limit: 10 })).items.map((x) => x.id)).toEqual([c.id])
        // a stale writer loses and writes nothing
        await expect(store.saveCase(nextVersion(c, { description: 'stale' }), 1, [ob(c, 'lost')], { prev: c })).rejects.toBeInstanceOf(StoreConflict)
        expect(await store.getCase(c.id)).toEqual(n)
        expect((await store.listOutbox({ caseId: c.id }, 10)).map((o) => o.key)).not.toContain(`${c.id}:1:lost`)
        // of concurrent writers from the same version exactly one wins, with its outbox row
        const tries = Array.from({ length: 6 }, (_, i) => nextVersion(n, { description: `attempt ${i}` }))
        const res = await Promise.allSettled(tries.map((x, i) => store.saveCase(x, 2, [ob(x, `try${i}`)], { prev: n, commandKey: { key: `k-try${i}`, fingerprint: 'f' } })))
        expect(res.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        for (const r of res) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreConflict)
        const w = res.findIndex((r) => r.status === 'fulfilled')
        const saved = await store.getCaseWithKeys(c.id)
        expect(saved?.case.description).toBe(`attempt ${w}`)
        expect(saved?.keys.map((k) => k.key)).toEqual(['k-1', `k-try${w}`])
        expect((await store.listOutbox({ caseId: c.id }, 10)).map((o) => o.key).filter((k) => k.includes(':try'))).toEqual([`${c.id}:3:try${w}`])
      })

      it('stores a command key with its write and answers it with the case', async () => {
        const c = makeCase()
        await store.createCase(c, [])
        await store.saveCase(nextVersion(c), 1, [], { commandKey: { key: 'k-1', fingerprint: 'f-1' } })
        expect(await store.getCaseWithKeys(c.id)).toEqual({ case: await store.getCase(c.id), keys: [{ key: 'k-1', fingerprint: 'f-1', version: 2 }] })
        expect(await store.getCaseWithKeys('nope')).toBeNull()
      })
    })

    describe('staff loads and field-by-field changes', () => {
      const s1 = { id: 'agent-1', name: '小王', role: 'agent' as const, teams: ['quality' as const], onDuty: true, lastAssignedAt: null, active: true }
      it('moves load and last assignment with the case writes, and a duty change never undoes them (or the reverse)', async () => {
        await store.upsertStaff(s1)
        const c = makeCase({ assigneeId: 'agent-1', status: 'in_review' })
        await Promise.all([store.createCase(c, []), store.patchStaff('agent-1', { onDuty: false })])
        let loads = await store.listStaffLoads()
        expect(loads).toEqual([{ ...s1, onDuty: false, lastAssignedAt: c.updatedAt, openCases: 1 }])
        await Promise.all([store.patchStaff('agent-1', { active: false }), store.saveCase(nextVersion(c, { status: 'resolved', sla: { ...c.sla, stoppedAt: T0 } }), 1, [])])
        loads = await store.listStaffLoads()
        expect(loads).toEqual([{ ...s1, onDuty: false, active: false, lastAssignedAt: c.updatedAt, openCases: 0 }])
        // an edit of the record keeps the routing's fields it does not name
        expect(await store.patchStaff('nobody', { onDuty: true })).toBe(false)
      })

      it('lists case ids without documents and counts within a cap', async () => {
        for (let i = 0; i < 4; i++) await store.createCase(makeCase({ buyerOpenid: 'o-refs', createdAt: at(T0, i * HOUR) }), [])
        const refs = await store.listCaseRefs({ buyerOpenid: 'o-refs' }, 3)
        expect(refs).toHaveLength(3)
        expect(refs[0]).toEqual({ id: expect.any(String), orderId: expect.any(String), status: 'submitted' })
        expect(await store.countCases({ buyerOpenid: 'o-refs' }, 2)).toBe(2)
        expect(await store.countCases({ buyerOpenid: 'o-refs' }, 0)).toBe(0)
      })
    })

    // ------------------------------------------------------------------ lists, filters, paging

    describe('queues', () => {
      it('keyset paging returns every case exactly once, newest first (ties broken by id)', async () => {
        const all: Case[] = []
        for (let i = 0; i < 37; i++) {
          // several cases share a creation instant
          const c = makeCase({ createdAt: at(T0, Math.floor(i / 3) * 60_000), buyerOpenid: i % 2 ? 'o-odd' : 'o-even' })
          all.push(c)
          await store.createCase(c, [])
        }
        const got = await drain(store, {}, 5)
        expect(got.map((c) => c.id).sort()).toEqual(all.map((c) => c.id).sort())
        expect(new Set(got.map((c) => c.id)).size).toBe(all.length)
        for (let i = 1; i < got.length; i++) {
          const [p, q] = [got[i - 1], got[i]]
          expect(p.createdAt > q.createdAt || (p.createdAt === q.createdAt && p.id > q.id)).toBe(true)
        }
        // with a filter
        const odd = await drain(store, { buyerOpenid: 'o-odd' }, 4)
        expect(odd.map((c) => c.id).sort()).toEqual(all.filter((c) => c.buyerOpenid === 'o-odd').map((c) => c.id).sort())
        // one page bigger than everything: no cursor
        const one = await store.listCases({}, { limit: 100 })
        expect(one.items).toHaveLength(37)
        expect(one.next).toBeNull()
      })

      it('a case created between pages does not shift the pages (no duplicates, no gaps)', async () => {
        for (let i = 0; i < 10; i++) await store.createCase(makeCase({ createdAt: at(T0, i * 1000) }), [])
        const p1 = await store.listCases({}, { limit: 4 })
        await store.createCase(makeCase({ createdAt: at(T0, 99_000) }), []) // newer than everything
        const rest = [...p1.items]
        let cursor = p1.next
        while (cursor) {
          const p = await store.listCases({}, { limit: 4, cursor })
          rest.push(...p.items)
          cursor = p.next
        }
        expect(rest).toHaveLength(10)
        expect(new Set(rest.map((c) => c.id)).size).toBe(10)
      })

      it("orders by due time with order 'due_asc' (cases with nothing due last), paging every case once", async () => {
        const due = [5, 1, 9, 3, 7, 2, 8].map((h, i) => deadlineCase(at(T0, h * HOUR), { id: uid(`due${i}`) }))
        const none = [makeCase({ status: 'closed', sla: { stoppedAt: T0 } }), makeCase({ status: 'cancelled', sla: { stoppedAt: T0 } })]
        for (const c of [...due, ...none]) await store.createCase(c, [])
        const got = await drain(store, {}, 3, 'due_asc')
        expect(got).toHaveLength(due.length + none.length)
        expect(got.slice(0, due.length).map((c) => c.buyerDeadline?.dueAt)).toEqual(
          due.map((c) => c.buyerDeadline?.dueAt).sort(),
        )
        expect(got.slice(due.length).map((c) => c.id).sort()).toEqual(none.map((c) => c.id).sort())
      })

      it("keeps a case the scheduler already marked breached at the top of 'due_asc', most overdue first", async () => {
        const onTime = makeCase({ id: uid('ontime') })
        const lateA = makeCase({ id: uid('lateA'), createdAt: at(T0, -10 * HOUR), sla: { breachedAt: at(T0, -5 * HOUR), breachedTarget: 'first_response', warnedAt: at(T0, -6 * HOUR) } })
        const lateB = makeCase({ id: uid('lateB'), createdAt: at(T0, -6 * HOUR), sla: { breachedAt: at(T0, -1 * HOUR), breachedTarget: 'first_response', warnedAt: at(T0, -2 * HOUR) } })
        for (const c of [onTime, lateB, lateA]) await store.createCase(c, [])
        const page = await store.listCases({ open: true }, { limit: 10, order: 'due_asc' })
        expect(page.items.map((c) => c.id)).toEqual([lateA.id, lateB.id, onTime.id])
      })

      it('filters the seller queue and counts the same cases it lists', async () => {
        const cases = [
          makeCase({ team: 'quality', status: 'submitted', severity: 'P1', reason: 'safety_allergy', assigneeId: null }),
          makeCase({ team: 'quality', status: 'in_review', assigneeId: 'agent-1', flags: { escalated: true } }),
          makeCase({ team: 'logistics', status: 'in_review', assigneeId: 'agent-2', reason: 'late_delivery', severity: 'P3' }),
          makeCase({ team: 'logistics', status: 'resolved', assigneeId: 'agent-2', sla: { stoppedAt: T0 }, buyerDeadline: { kind: 'rate', dueAt: at(T0, 100 * HOUR) } }),
          makeCase({ team: 'general', status: 'closed', assigneeId: 'agent-1', sla: { stoppedAt: T0 }, createdAt: at(T0, -48 * HOUR) }),
          makeCase({ team: 'general', status: 'rejected', assigneeId: null, buyerOpenid: 'o-other', sla: { stoppedAt: T0 } }),
        ]
        for (const c of cases) await store.createCase(c, [])
        const ids = (xs: Case[]) => xs.map((c) => c.id).sort()
        const pick = (...i: number[]) => i.map((k) => cases[k].id).sort()
        const check = async (f: Parameters<Store['listCases']>[0], expected: string[]) => {
          expect(ids((await store.listCases(f, { limit: 50 })).items)).toEqual(expected)
          expect(ids((await store.listCases(f, { limit: 50, order: 'due_asc' })).items)).toEqual(expected)
          expect(await store.countCases(f)).toBe(expected.length)
        }
        await check({}, pick(0, 1, 2, 3, 4, 5))
        await check({ team: 'quality' }, pick(0, 1))
        await check({ status: ['in_review'] }, pick(1, 2))
        await check({ status: ['in_review', 'submitted'], team: 'quality' }, pick(0, 1))
        await check({ status: [] }, [])
        await check({ assigneeId: 'agent-2' }, pick(2, 3))
        await check({ assigneeId: null }, pick(0, 5))
        await check({ unassigned: true }, pick(0, 5))
        await check({ severity: 'P1' }, pick(0))
        await check({ reason: 'late_delivery' }, pick(2))
        await check({ escalated: true }, pick(1))
        await check({ escalated: false, team: 'quality' }, pick(0))
        await check({ open: true }, pick(0, 1, 2))
        await check({ open: false }, pick(3, 4, 5))
        await check({ buyerOpenid: 'o-other' }, pick(5))
        await check({ orderId: cases[2].order.orderId }, pick(2))
        await check({ createdFrom: at(T0, -HOUR) }, pick(0, 1, 2, 3, 5))
        await check({ createdTo: T0 }, pick(4))
        await check({ createdFrom: at(T0, -49 * HOUR), createdTo: at(T0, -47 * HOUR) }, pick(4))
        // due before: open cases' first-response due is T0+4h (warning earlier); case 3 is due at T0+100h
        await check({ dueBefore: at(T0, 5 * HOUR) }, pick(0, 1, 2))
        await check({ dueBefore: at(T0, 101 * HOUR) }, pick(0, 1, 2, 3))
        await check({ dueBefore: at(T0, 101 * HOUR), open: true, team: 'logistics' }, pick(2))
      })

      it('filters by SLA state at an instant exactly as the badge (core slaState) shows it, paged on the due index and counted', async () => {
        const frMet = (patch: Partial<Case['sla']> = {}) => ({ firstResponse: target(T0, 4 * HOUR, { metAt: at(T0, HOUR) }), ...patch })
        // business-clock first response filed at 17:30 Shanghai on a Monday: 3.5 h today, 0.5 h tomorrow morning
        const bizStart = at(T0, 3.5 * HOUR)
        const bizDue = addBusinessTime(bizStart, 4 * HOUR, defaultPolicy.calendar)
        const named = {
          fresh: makeCase(), // first response due T0+4h, warning from T0+3.2h
          flagged: makeCase({ sla: { breachedAt: at(T0, 4 * HOUR), breachedTarget: 'first_response' } }),
          resolving: makeCase({ status: 'in_review', sla: frMet() }), // resolution due T0+72h
          pausedOk: makeCase({ status: 'awaiting_buyer', sla: frMet({ pausedAt: at(T0, 2 * HOUR), resolution: target(T0, 72 * HOUR, { pausedRemainingMs: 70 * HOUR }) }) }),
          pausedLow: makeCase({ status: 'offer_pending', sla: frMet({ pausedAt: at(T0, 2 * HOUR), resolution: target(T0, 72 * HOUR, { pausedRemainingMs: HOUR }) }) }),
          // paused after the first response was already overdue: that target keeps running out
          pausedLate: makeCase({ status: 'awaiting_buyer', sla: { pausedAt: at(T0, 5 * HOUR), resolution: target(T0, 72 * HOUR, { pausedRemainingMs: 67 * HOUR }) } }),
          stopped: makeCase({ status: 'resolved', sla: frMet({ stoppedAt: at(T0, 3 * HOUR) }) }),
          stoppedLate: makeCase({ status: 'closed', sla: { stoppedAt: at(T0, 9 * HOUR), breachedAt: at(T0, 4 * HOUR), breachedTarget: 'first_response' } }),
          business: makeCase({
            createdAt: bizStart,
            sla: { firstResponse: { clock: 'business', targetMs: 4 * HOUR, startedAt: bizStart, dueAt: bizDue, metAt: null, pausedRemainingMs: null } },
          }),
        }
        expect(bizDue).toBe('2026-11-24T01:30:00.000Z')
        const all = Object.values(named)
        for (const c of all) await store.createCase(c, [])
        const nameOf = new Map(all.map((c) => [c.id, Object.entries(named).find(([, v]) => v === c)![0]]))
        const names = (xs: Case[]) => xs.map((c) => nameOf.get(c.id)!).sort()
        const states = ['on_time', 'warning', 'breached'] as const
        const listed = async (state: (typeof states)[number], when: string, extra: Parameters<Store['listCases']>[0] = {}) => {
          const f = { ...extra, slaState: { state, at: when } }
          const due = await drain(store, f, 2, 'due_asc')
          expect(names(await drain(store, f, 3))).toEqual(names(due))
          expect(await store.countCases(f)).toBe(due.length)
          return names(due)
        }
        // hand-checked: an hour before the warning, in the warning zone, after the first breach,
        // overnight (business clock warns at 20:42, not 08:42), and after the resolution target
        expect(await listed('breached', at(T0, 3.5 * HOUR))).toEqual(['flagged', 'stoppedLate'])
        expect(await listed('warning', at(T0, 3.5 * HOUR))).toEqual(['fresh', 'pausedLate', 'pausedLow'])
        expect(await listed('on_time', at(T0, 3.5 * HOUR))).toEqual(['business', 'pausedOk', 'resolving', 'stopped'])
        expect(await listed('breached', at(T0, 6 * HOUR))).toEqual(['flagged', 'fresh', 'pausedLate', 'stoppedLate'])
        expect(await listed('warning', at(T0, 17 * HOUR))).toEqual(['business', 'pausedLow'])
        expect(await listed('warning', at(T0, 60 * HOUR))).toEqual(['pausedLow', 'resolving'])
        expect(await listed('on_time', at(T0, 100 * HOUR))).toEqual(['pausedOk', 'stopped'])
        expect(await listed('breached', at(T0, 6 * HOUR), { open: true })).toEqual(['flagged', 'fresh', 'pausedLate'])
        // and at every probe instant, each state lists exactly the cases the core puts in it
        for (const h of [-1, 1, 3.19, 3.21, 3.5, 4, 4.01, 6, 14.5, 17, 19.6, 57.5, 57.7, 71.9, 72.1, 100]) {
          const when = at(T0, h * HOUR)
          for (const state of states) {
            const expected = all.filter((c) => slaState(c, when, defaultPolicy).state === state)
            expect({ h, state, got: await listed(state, when) }).toEqual({ h, state, got: names(expected) })
          }
        }
        // a save moves the marks: the first response is met, the case leaves the breached state
        const answered = nextVersion(named.fresh, { status: 'in_review', sla: { ...named.fresh.sla, firstResponse: { ...named.fresh.sla.firstResponse, metAt: at(T0, 3.9 * HOUR) } } }, at(T0, 3.9 * HOUR))
        await store.saveCase(answered, 1, [])
        expect(await listed('breached', at(T0, 6 * HOUR))).toEqual(['flagged', 'pausedLate', 'stoppedLate'])
      })

      it('counts a buyer’s cases with a refund that did not fail (repeat-refund risk), through the buyer index', async () => {
        const refund = (status: 'pending' | 'succeeded' | 'failed') => ({ key: uid('rf'), amountFen: 100, purpose: 'refund' as const, status, requestedAt: T0, settledAt: null, failureReason: null })
        const mine = (refunds: ReturnType<typeof refund>[], createdAt = T0) => makeCase({ buyerOpenid: 'o-risk', refunds, createdAt })
        const paid = mine([refund('succeeded')])
        const pending = mine([refund('failed'), refund('pending')])
        const failedOnly = mine([refund('failed')])
        const none = mine([])
        const old = mine([refund('succeeded')], at(T0, -100 * 24 * HOUR))
        for (const c of [paid, pending, failedOnly, none, old]) await store.createCase(c, [])
        const since = at(T0, -90 * 24 * HOUR)
        expect(await store.countCases({ buyerOpenid: 'o-risk', createdFrom: since, refunded: true })).toBe(2)
        expect(await store.countCases({ buyerOpenid: 'o-risk', refunded: true })).toBe(3)
        // a refund that later fails leaves the count
        const failedLater = nextVersion(pending, { refunds: pending.refunds.map((r) => ({ ...r, status: 'failed' as const })) })
        await store.saveCase(failedLater, 1, [])
        expect(await store.countCases({ buyerOpenid: 'o-risk', createdFrom: since, refunded: true })).toBe(1)
      })

      it('counts open cases per assignee', async () => {
        await store.createCase(makeCase({ assigneeId: 'a1', status: 'in_review' }), [])
        await store.createCase(makeCase({ assigneeId: 'a1', status: 'awaiting_buyer', sla: { pausedAt: T0 } }), [])
        await store.createCase(makeCase({ assigneeId: 'a2' }), [])
        await store.createCase(makeCase({ assigneeId: 'a2', status: 'closed', sla: { stoppedAt: T0 } }), [])
        await store.createCase(makeCase({ assigneeId: null }), [])
        expect(await store.openCaseCounts(['a1', 'a2', 'a3'])).toEqual({ a1: 2, a2: 1, a3: 0 })
        expect(await store.openCaseCounts(['a1', 'a2'], 1)).toEqual({ a1: 1, a2: 1 })
        expect(await store.countCases({ open: true })).toBe(4)
        expect(await store.countCases({ open: true }, 3)).toBe(3)
        expect(await store.countCases({ open: true }, 10)).toBe(4)
      })
    })

    // ------------------------------------------------------------------ scheduler

    describe('due cases', () => {
      it('returns only cases due at or before now, oldest due first, up to the limit', async () => {
        const d1 = deadlineCase(at(T0, 1 * HOUR))
        const d2 = deadlineCase(at(T0, 2 * HOUR))
        const d3 = deadlineCase(at(T0, 3 * HOUR))
        const later = deadlineCase(at(T0, 30 * HOUR))
        const closed = makeCase({ status: 'closed', sla: { stoppedAt: T0 }, buyerDeadline: null })
        for (const c of [d3, later, d1, closed, d2]) await store.createCase(c, [])
        expect((await store.dueCases(at(T0, 2 * HOUR), 10)).map((c) => c.id)).toEqual([d1.id, d2.id])
        expect((await store.dueCases(at(T0, 10 * HOUR), 10)).map((c) => c.id)).toEqual([d1.id, d2.id, d3.id])
        expect((await store.dueCases(at(T0, 10 * HOUR), 2)).map((c) => c.id)).toEqual([d1.id, d2.id])
        expect(await store.dueCases(T0, 10)).toEqual([])
        expect((await store.dueCases(at(T0, 100 * HOUR), 10)).map((c) => c.id)).toEqual([d1.id, d2.id, d3.id, later.id])
      })

      it('derives the due time from the SLA: warning, breach, paused and stopped clocks, buyer deadline', async () => {
        const warnRatio = defaultPolicy.sla.warnRatio
        // active first-response target 4 h → warning at 80 %, nothing else
        const fresh = makeCase()
        // already warned → next is the breach (due + 1 ms)
        const warned = makeCase({ sla: { warnedAt: at(T0, HOUR) } })
        // paused (waiting on the buyer): only the buyer deadline counts
        const paused = makeCase({
          status: 'awaiting_buyer',
          sla: {
            pausedAt: T0,
            firstResponse: target(T0, 4 * HOUR, { metAt: T0 }),
            resolution: target(T0, 72 * HOUR, { pausedRemainingMs: 72 * HOUR }),
          },
          buyerDeadline: { kind: 'info', dueAt: at(T0, 72 * HOUR) },
        })
        // stopped, no buyer deadline: nothing due ever
        const stopped = makeCase({ status: 'in_review', sla: { stoppedAt: T0, warnedAt: T0 } })
        for (const c of [fresh, warned, paused, stopped]) await store.createCase(c, [])
        const warnAt = at(T0, warnRatio * 4 * HOUR)
        expect((await store.dueCases(at(warnAt, -1), 10)).map((c) => c.id)).toEqual([])
        expect((await store.dueCases(warnAt, 10)).map((c) => c.id)).toEqual([fresh.id])
        expect((await store.dueCases(at(T0, 4 * HOUR + 1), 10)).map((c) => c.id)).toEqual([fresh.id, warned.id])
        expect((await store.dueCases(at(T0, 72 * HOUR), 10)).map((c) => c.id)).toEqual([fresh.id, warned.id, paused.id])
        expect((await store.dueCases(at(T0, 9999 * HOUR), 10)).map((c) => c.id)).not.toContain(stopped.id)

        // the scheduler acts: warning sent → next due is the breach
        const afterWarn = nextVersion(fresh, { sla: { ...fresh.sla, warnedAt: warnAt } }, warnAt)
        await store.saveCase(afterWarn, 1, [])
        expect((await store.dueCases(warnAt, 10)).map((c) => c.id)).toEqual([])
        expect((await store.dueCases(at(T0, 4 * HOUR + 1), 10)).map((c) => c.id).sort()).toEqual([fresh.id, warned.id].sort())
        // a write inside the warning zone that did not send the warning keeps the case due at once
        const lateSave = nextVersion(warned, { sla: { ...warned.sla, warnedAt: null } }, at(T0, 3.5 * HOUR))
        await store.saveCase(lateSave, 1, [])
        expect((await store.dueCases(at(T0, 3.5 * HOUR), 10)).map((c) => c.id)).toEqual([warned.id])
        // closing clears everything
        const closed = nextVersion(lateSave, { status: 'closed', sla: { ...lateSave.sla, stoppedAt: at(T0, 3.6 * HOUR) } }, at(T0, 3.6 * HOUR))
        await store.saveCase(closed, 2, [])
        expect((await store.dueCases(at(T0, 9999 * HOUR), 10)).map((c) => c.id)).not.toContain(warned.id)
      })

      it('hands out monotonic case numbers per day, unique under concurrency', async () => {
        const a = await store.nextCaseNo('2026-11-23')
        const b = await store.nextCaseNo('2026-11-23')
        expect(b > a).toBe(true)
        const other = await store.nextCaseNo('2026-11-24')
        expect(other).not.toBe(a)
        expect(other).toContain('20261124')
        const many = await Promise.all(Array.from({ length: 20 }, () => store.nextCaseNo('2026-11-23')))
        expect(new Set([a, b, ...many]).size).toBe(22)
      })
    })

    // ------------------------------------------------------------------ outbox

    describe('outbox', () => {
      it('lists pending entries due by now and moves them with compare-and-set on attempts', async () => {
        const c = makeCase() // outbox entries are stamped with the case's updatedAt (T0)
        await store.createCase(c, [ob(c, 'a'), ob(c, 'b'), ob(c, 'c')])
        expect(await store.pendingOutbox(at(T0, -1), 10)).toEqual([])
        const pending = await store.pendingOutbox(T0, 10)
        expect(pending.map((o) => o.key).sort()).toEqual([`${c.id}:1:a`, `${c.id}:1:b`, `${c.id}:1:c`])
        expect(await store.pendingOutbox(T0, 2)).toHaveLength(2)
        // a store that keeps rows in the case document first moves them as the dispatcher does
        await store.sweepCaseOutbox?.(100)

        const [a, b] = [`${c.id}:1:a`, `${c.id}:1:b`]
        // claim: attempts 0 → 1, once
        expect(await store.updateOutbox(a, 0, { attempts: 1, status: 'sent', sentAt: at(T0, 1000) })).toBe(true)
        expect(await store.updateOutbox(a, 0, { attempts: 1, status: 'failed' })).toBe(false)
        // retry later
        expect(await store.updateOutbox(b, 0, { attempts: 1, nextAttemptAt: at(T0, HOUR), lastError: '43101 user refused' })).toBe(true)
        expect((await store.pendingOutbox(at(T0, 1000), 10)).map((o) => o.key)).toEqual([`${c.id}:1:c`])
        const due = await store.pendingOutbox(at(T0, HOUR), 10)
        expect(due.map((o) => o.key).sort()).toEqual([b, `${c.id}:1:c`].sort())
        expect(due.find((o) => o.key === b)).toMatchObject({ attempts: 1, lastError: '43101 user refused', status: 'pending' })
        expect(await store.updateOutbox('missing', 0, { status: 'sent' })).toBe(false)

        const sent = await store.listOutbox({ status: 'sent' }, 10)
        expect(sent).toHaveLength(1)
        expect(sent[0]).toMatchObject({ key: a, status: 'sent', attempts: 1, sentAt: at(T0, 1000) })
        expect(await store.listOutbox({ status: 'pending', caseId: c.id }, 10)).toHaveLength(2)
        expect(await store.listOutbox({ caseId: 'other' }, 10)).toEqual([])
      })

      it('claims due rows in one write, urgent first, each by one dispatcher, and marks the sent ones by claim', async () => {
        const c = makeCase({ severity: 'P3' })
        const alert: NewOutboxItem = { ...ob(c, 'alert'), kind: 'staff_alert' }
        await store.createCase(c, [ob(c, 'm1'), ob(c, 'm2'), ob(c, 'm3'), alert])
        const lease = at(T0, 120_000)
        await store.sweepCaseOutbox?.(100) // as the dispatcher's pass begins
        expect(await store.claimOutbox(at(T0, -1), 10, lease, 'early')).toEqual([])
        // the staff alert comes first although it was queued last
        const first = await store.claimOutbox(T0, 2, lease, 'p1')
        expect(first.map((o) => o.key)).toContain(alert.key)
        expect(first[0].key).toBe(alert.key)
        expect(first.every((o) => o.attempts === 1)).toBe(true)
        // two dispatchers at once: every remaining row goes to exactly one of them
        const [x, y] = await Promise.all([store.claimOutbox(T0, 10, lease, 'x'), store.claimOutbox(T0, 10, lease, 'y')])
        expect([...x, ...y].map((o) => o.key).sort()).toEqual([ob(c, 'm1'), ob(c, 'm2'), ob(c, 'm3')].map((o) => o.key).filter((k) => !first.some((f) => f.key === k)).sort())
        expect(await store.claimOutbox(T0, 10, lease, 'z')).toEqual([])
        // marked sent only under the claim that holds the rows
        expect(await store.finishOutbox(first.map((o) => o.key), 'x', { status: 'sent', sentAt: at(T0, 5) })).toBe(0)
        expect(await store.finishOutbox(first.map((o) => o.key), 'p1', { status: 'sent', sentAt: at(T0, 5) })).toBe(2)
        expect((await store.listOutbox({ status: 'sent' }, 10)).map((o) => o.key).sort()).toEqual(first.map((o) => o.key).sort())
        // a lease that ran out is claimed again with its attempt counted
        const again = await store.claimOutbox(at(T0, 121_000), 10, at(T0, 241_000), 'later')
        expect(again.map((o) => o.attempts)).toEqual([2, 2])
        expect(await store.finishOutbox(again.map((o) => o.key), 'x', { status: 'sent', sentAt: at(T0, 5) })).toBe(0)
      })

      it('of concurrent claims of one entry exactly one wins', async () => {
        const c = makeCase()
        await store.createCase(c, [ob(c, 'a')])
        await store.sweepCaseOutbox?.(100)
        const res = await Promise.all(Array.from({ length: 10 }, () => store.updateOutbox(`${c.id}:1:a`, 0, { attempts: 1 })))
        expect(res.filter(Boolean)).toHaveLength(1)
      })
    })

    // ------------------------------------------------------------------ credits

    describe('subscription credits', () => {
      it('adds, spends and never goes below zero, even under concurrency', async () => {
        expect(await store.spendCredit('o1', 'T1')).toBe(false)
        expect(await store.addCredits('o1', 'T1', 3)).toBe(3)
        expect(await store.addCredits('o1', 'T1', 2)).toBe(5)
        expect(await store.addCredits('o1', 'T2', 1)).toBe(1)
        const spent = await Promise.all(Array.from({ length: 12 }, () => store.spendCredit('o1', 'T1')))
        expect(spent.filter(Boolean)).toHaveLength(5)
        expect(await store.getCredits('o1')).toEqual({ T1: 0, T2: 1 })
        expect(await store.spendCredit('o1', 'T2')).toBe(true)
        expect(await store.spendCredit('o1', 'T2')).toBe(false)
        expect(await store.getCredits('o1')).toEqual({ T1: 0, T2: 0 })
        expect(await store.getCredits('nobody')).toEqual({})
      })

      it('concurrent adds are not lost', async () => {
        await Promise.all(Array.from({ length: 10 }, () => store.addCredits('o2', 'T1', 1)))
        expect(await store.getCredits('o2')).toEqual({ T1: 10 })
      })
    })

    // ------------------------------------------------------------------ staff alerts (issue 15)

    describe('staff inbox and alert fan-out', () => {
      const entry = (id: string, staffId: string, createdAt: string, caseId = 'c1'): InboxRecord => ({
        id, staffId, caseId, caseNo: 'AS-1', kind: 'approval_needed', text: `提醒 ${id}`, dueAt: null, createdAt, readAt: null,
      })

      it('keeps entries per staff member, newest first, each id once, paged by cursor', async () => {
        expect(await store.addInbox([entry('a', 's1', at(T0, 1000)), entry('b', 's1', at(T0, 3000)), entry('c', 's1', at(T0, 2000)), entry('x', 's2', at(T0, 1000))])).toBe(4)
        // the same alert delivered again (a dispatcher retry) changes nothing
        expect(await store.addInbox([entry('a', 's1', at(T0, 9000)), entry('d', 's1', at(T0, 2000))])).toBe(1)
        const first = await store.listInbox('s1', { limit: 2 })
        expect(first.items.map((i) => i.id)).toEqual(['b', 'd'])
        expect(first.next).not.toBeNull()
        const second = await store.listInbox('s1', { limit: 2, cursor: first.next })
        expect(second.items.map((i) => i.id)).toEqual(['c', 'a'])
        expect(second.next).toBeNull()
        expect(second.items[1]).toEqual(entry('a', 's1', at(T0, 1000)))
        expect((await store.listInbox('s2', { limit: 10 })).items.map((i) => i.id)).toEqual(['x'])
        expect((await store.listInbox('nobody', { limit: 10 })).items).toEqual([])
      })

      it('counts unread up to a cap and marks read only the caller’s own entries', async () => {
        await store.addInbox([entry('a', 's1', at(T0, 1000)), entry('b', 's1', at(T0, 2000)), entry('c', 's1', at(T0, 3000)), entry('x', 's2', at(T0, 1000))])
        expect(await store.countUnread('s1', 100)).toBe(3)
        expect(await store.countUnread('s1', 2)).toBe(2)
        expect(await store.markInboxRead('s1', ['b', 'x', 'missing'], at(T0, 5000))).toBe(1)
        expect(await store.markInboxRead('s1', ['b'], at(T0, 6000))).toBe(0) // already read: readAt kept
        expect(await store.countUnread('s1', 100)).toBe(2)
        expect(await store.countUnread('s2', 100)).toBe(1)
        const unread = await store.listInbox('s1', { unreadOnly: true, limit: 10 })
        expect(unread.items.map((i) => i.id)).toEqual(['c', 'a'])
        const all = await store.listInbox('s1', { limit: 10 })
        expect(all.items.find((i) => i.id === 'b')?.readAt).toBe(at(T0, 5000))
        expect(await store.markInboxRead('s1', 'all', at(T0, 7000))).toBe(2)
        expect(await store.countUnread('s1', 100)).toBe(0)
        expect(await store.countUnread('s2', 100)).toBe(1)
      })

      it('enqueues outbox rows outside a case write, each key once', async () => {
        const c = makeCase()
        await store.createCase(c, [ob(c, 'alert')])
        const child = (n: string): NewOutboxItem => ({ key: `${c.id}:1:alert:${n}`, caseId: c.id, kind: 'wecom', payload: { n } })
        expect(await store.enqueueOutbox([child('quality'), child('s1')], at(T0, 1000))).toBe(2)
        expect(await store.enqueueOutbox([child('quality'), child('s2')], at(T0, 2000))).toBe(1)
        const due = await store.pendingOutbox(at(T0, 1000), 10)
        expect(due.map((o) => o.key).sort()).toEqual([`${c.id}:1:alert`, child('quality').key, child('s1').key].sort())
        expect(due.find((o) => o.key === child('quality').key)).toMatchObject({ kind: 'wecom', payload: { n: 'quality' }, attempts: 0, status: 'pending' })
      })

      it('hands out at most `max` slots of a bucket, even to concurrent takers', async () => {
        const got = await Promise.all(Array.from({ length: 8 }, () => store.takeSlot('robot:minute-1', 5)))
        expect(got.filter(Boolean)).toHaveLength(5)
        expect(await store.takeSlot('robot:minute-1', 5)).toBe(false)
        expect(await store.takeSlot('robot:minute-2', 5)).toBe(true)
      })

      it('takes weighted slots (bytes of a day) atomically: concurrent takers never pass `max`; a reservation gives back what it did not use', async () => {
        const MB = 1024 * 1024
        const got = await Promise.all(Array.from({ length: 12 }, () => store.takeSlot('upload:o1:bytes', 100 * MB, 10 * MB)))
        expect(got.filter(Boolean)).toHaveLength(10)
        expect(await store.takeSlot('upload:o1:bytes', 100 * MB, 1)).toBe(false)
        expect(await store.takeSlot('upload:o1:bytes', 100 * MB, -4 * MB)).toBe(true) // three reservations used 8 MB of 10, one none of its 10
        expect(await store.takeSlot('upload:o1:bytes', 100 * MB, 4 * MB)).toBe(true)
        expect(await store.takeSlot('upload:o1:bytes', 100 * MB, 1)).toBe(false)
        // one take larger than the window is refused outright, even on a fresh bucket
        expect(await store.takeSlot('upload:o2:bytes', 100 * MB, 100 * MB + 1)).toBe(false)
        expect(await store.takeSlot('upload:o2:bytes', 100 * MB, 100 * MB)).toBe(true)
      })
    })

    // ------------------------------------------------------------------ follow-up tasks (issue 15)

    describe('follow-up tasks written with the case', () => {
      it('counts the queue’s badges at once as each count alone, where the store counts several in one call', async () => {
        if (!store.countMany) return // optional (CloudBase: one aggregate); the use case then asks each count
        await expectCountManyAsAlone(store)
      })

      const review = (openedAt: string, patch: Partial<NonNullable<Case['reviewFollowUp']>> = {}): NonNullable<Case['reviewFollowUp']> => ({
        openedAt, dueAt: at(openedAt, 24 * HOUR), trigger: { score: 1, keywords: [] }, cause: null, contacts: [], remedy: null, reply: null,
        outcome: null, closedAt: null, remindedAt: null, ...patch,
      })
      const approval = (escalateAt: string): NonNullable<Case['approvals']>[number] => ({
        id: uid('ap'), command: { type: 'approve', amountFen: 30000 }, amountFen: 30000, cashFen: 30000, summary: '同意仅退款¥300', why: '超过审批门槛', note: '', requestedBy: 'agent-1',
        requestedAt: T0, escalateAt, escalatedAt: null, status: 'pending', decidedBy: null, decidedAt: null, decisionNote: null,
      })

      it('lists each kind per owner by due time, counts them, and closes a task when the case says so', async () => {
        const r1 = makeCase({ status: 'closed', assigneeId: 'a1', reviewFollowUp: review(at(T0, 2 * HOUR)) })
        const r2 = makeCase({ status: 'closed', assigneeId: 'a1', reviewFollowUp: review(T0) })
        const r3 = makeCase({ status: 'closed', assigneeId: 'a2', reviewFollowUp: review(T0) })
        const v1 = makeCase({ status: 'resolved', assigneeId: 'a1', followUp: { dueAt: at(T0, 48 * HOUR), remindedAt: null } })
        const p1 = makeCase({ status: 'in_review', assigneeId: 'a1', approvals: [approval(at(T0, 4 * HOUR))] })
        for (const c of [r1, r2, r3, v1, p1]) await store.createCase(c, [])
        const reviews = await store.listTaskCases({ kind: 'review', owner: 'a1' }, { limit: 1 })
        expect(reviews.items.map((c) => c.id)).toEqual([r2.id])
        const rest = await store.listTaskCases({ kind: 'review', owner: 'a1' }, { limit: 1, cursor: reviews.next })
        expect(rest.items.map((c) => c.id)).toEqual([r1.id])
        expect(rest.next).toBeNull()
        expect(await store.countTasks({ kind: 'review' }, 100)).toBe(3)
        expect(await store.countTasks({ kind: 'review', owner: 'a1' }, 1)).toBe(1)
        expect((await store.listTaskCases({ kind: 'approval', owner: 'supervisor' }, { limit: 10 })).items.map((c) => c.id)).toEqual([p1.id])
        // 回访 shows once due
        expect(await store.countTasks({ kind: 'visit', owner: 'a1', dueBefore: at(T0, 47 * HOUR) }, 10)).toBe(0)
        expect((await store.listTaskCases({ kind: 'visit', owner: 'a1', dueBefore: at(T0, 48 * HOUR) }, { limit: 10 })).items.map((c) => c.id)).toEqual([v1.id])
        // the follow-up is closed and the visit recorded: both leave their lists
        await store.saveCase(nextVersion(r2, { reviewFollowUp: review(T0, { closedAt: at(T0, HOUR), outcome: 'updated' }) }), r2.version, [])
        await store.saveCase(nextVersion(v1, { followUp: { dueAt: at(T0, 48 * HOUR), remindedAt: null, outcome: 'satisfied', doneAt: at(T0, 49 * HOUR) } }), v1.version, [])
        expect((await store.listTaskCases({ kind: 'review', owner: 'a1' }, { limit: 10 })).items.map((c) => c.id)).toEqual([r1.id])
        expect(await store.countTasks({ kind: 'visit' }, 10)).toBe(0)
      })

      it('hands the scheduler the cases whose reminder or escalation is due', async () => {
        const r1 = makeCase({ status: 'closed', assigneeId: 'a1', reviewFollowUp: review(T0) })
        const p1 = makeCase({ status: 'in_review', approvals: [approval(at(T0, 4 * HOUR))] })
        await store.createCase(r1, [])
        await store.createCase(p1, [])
        expect(await store.dueTaskCases(at(T0, 3 * HOUR), 10)).toEqual([])
        expect((await store.dueTaskCases(at(T0, 4 * HOUR), 10)).map((c) => c.id)).toEqual([p1.id])
        // the 差评 reminder: a day after it opened
        expect((await store.dueTaskCases(at(T0, 24 * HOUR), 10)).map((c) => c.id).sort()).toEqual([r1.id, p1.id].sort())
      })

      it('a scheduler pass’s opening reads at once (where the store has them): what dueCases, dueTaskCases, the running outreaches and the nonce purge would find', async () => {
        if (!store.schedulerReads) return
        const now = at(T0, 24 * HOUR)
        // nothing to join on before a policy is saved: the caller reads one by one
        expect(await store.schedulerReads(now, 10, 5)).toBeNull()
        await store.savePolicy(defaultPolicy, 0, 'owner-1', T0)
        for (const c of [deadlineCase(at(T0, 3 * HOUR)), deadlineCase(at(T0, HOUR)), deadlineCase(at(T0, 30 * HOUR)), deadlineCase(at(T0, 2 * HOUR))]) await store.createCase(c, [])
        const tasks = [makeCase({ status: 'closed', assigneeId: 'a1', reviewFollowUp: review(T0) }), makeCase({ status: 'in_review', approvals: [approval(at(T0, 4 * HOUR))] }), makeCase({ status: 'in_review', approvals: [approval(at(T0, 2 * HOUR))] })]
        for (const c of tasks) await store.createCase(c, [])
        const alert = (id: string, openedAt: string): BatchAlert => ({ id, key: `sku-${id}@B1`, skuId: `sku-${id}`, batch: 'B1', product: '即食燕窝', openedAt, windowFrom: at(openedAt, -48 * HOUR), threshold: 5, caseIds: [], triggerCaseId: 'c-x', version: 1, action: null, progress: null })
        for (const [id, opened] of [['o1', T0], ['o2', at(T0, HOUR)], ['o3', at(T0, 2 * HOUR)]] as const) {
          await store.openBatchAlert(alert(id, opened), [], HOUR)
          if (id !== 'o2') await store.saveBatchAlert({ ...alert(id, opened), version: 2, progress: { status: 'running', cursor: null, reached: 0, skipped: 0, refused: 0, spentFen: 0, note: null, updatedAt: T0 } }, 1)
        }
        await store.claimPushNonce('n-old', at(T0, 60_000), T0)
        await store.claimPushNonce('n-new', at(T0, 48 * HOUR), T0)
        const r = await store.schedulerReads(now, 2, 5)
        expect(r).toEqual({ due: await store.dueCases(now, 2), tasks: await store.dueTaskCases(now, 2), running: await store.listBatchAlerts({ limit: 5, running: true }), noncesExpired: true })
        expect(r!.due).toHaveLength(2)
        expect(r!.tasks).toHaveLength(2)
        expect(r!.running.map((a) => a.id)).toEqual(['o3', 'o1'])
        expect((await store.schedulerReads(now, 10, 1))!.running.map((a) => a.id)).toEqual(['o3'])
        // before the old nonce's window ends: nothing for the purge
        expect((await store.schedulerReads(T0, 10, 5))!).toEqual({ due: [], tasks: [], running: (await store.listBatchAlerts({ limit: 5, running: true })), noncesExpired: false })
        expect(await store.purgePushNonces(now, 100)).toBe(1)
        expect((await store.schedulerReads(now, 10, 5))!.noncesExpired).toBe(false)
      })
    })

    // ------------------------------------------------------------------ refunds

    describe('refunds', () => {
      it('records a refund once per key and sums what an order got back', async () => {
        const r = { key: 'rf-1', caseId: 'c1', orderId: 'ord-1', amountFen: 1000, createdAt: T0 }
        const first = await store.recordRefund(r)
        expect(first).toEqual({ created: true, refund: { ...r, status: 'recorded' } })
        const again = await store.recordRefund({ ...r, amountFen: 9999 })
        expect(again).toEqual({ created: false, refund: { ...r, status: 'recorded' } })
        expect(await store.getRefund('rf-1')).toEqual({ ...r, status: 'recorded' })
        expect(await store.getRefund('rf-none')).toBeNull()
        await store.recordRefund({ ...r, key: 'rf-2', amountFen: 550 })
        await store.recordRefund({ ...r, key: 'rf-3', orderId: 'ord-2', amountFen: 7 })
        expect(await store.refundedForOrder('ord-1')).toBe(1550)
        expect(await store.refundedForOrder('ord-2')).toBe(7)
        expect(await store.refundedForOrder('ord-none')).toBe(0)
      })

      it('concurrent records with one key pay once', async () => {
        const r = { key: 'rf-x', caseId: 'c1', orderId: 'ord-9', amountFen: 300, createdAt: T0 }
        const res = await Promise.all(Array.from({ length: 10 }, () => store.recordRefund(r)))
        expect(res.filter((x) => x.created)).toHaveLength(1)
        expect(await store.refundedForOrder('ord-9')).toBe(300)
      })
    })

    // ------------------------------------------------------------------ analytics and export

    describe('analytics and export aggregated in the store', () => {
      const NOW = at(T0, 9 * 24 * HOUR)
      const policy = defaultPolicy
      const TEA = { skuId: 'sku-tea', name: '正山小种 礼盒', qty: 1, unitPriceFen: 16_800, batch: 'B-T1' }
      const CUP = { skuId: 'sku-cup', name: '青瓷茶杯', qty: 2, unitPriceFen: 5_000, batch: '' }
      const refund = (key: string, amountFen: number, purpose: 'refund' | 'compensation', status: 'pending' | 'succeeded' | 'failed' = 'succeeded') =>
        ({ key, amountFen, purpose, status, requestedAt: T0, settledAt: null, failureReason: null })

      /** Cases over three weeks: repeats, two SKUs, every SLA verdict, money of every kind, ratings. */
      function fixtureCases(): Case[] {
        const d = (days: number, hours = 0) => at(T0, days * 24 * HOUR + hours * HOUR)
        const mk = (createdAt: string, patch: Parameters<typeof makeCase>[0] = {}) =>
          makeCase({ createdAt, order: { items: [TEA, CUP], paidFen: 26_800 }, claimedItems: [{ skuId: 'sku-tea', qty: 1 }], ...patch })
        const open = (c: Case, name: 'firstResponse' | 'resolution', patch: Partial<Case['sla']['firstResponse']>) => ({ ...c.sla[name], ...patch })
        const a = mk(d(-8), { buyerOpenid: 'b-1' })
        a.sla = { ...a.sla, firstResponse: open(a, 'firstResponse', { metAt: d(-8, 1) }), resolution: open(a, 'resolution', { metAt: d(-7) }), stoppedAt: d(-7) }
        a.status = 'closed'
        // (refund + compensation for the unit stay within its ¥168: the store's money guard refuses more)
        a.refunds = [refund('r1', 16_300, 'refund'), refund('r2', 500, 'compensation'), refund('r3', 999, 'refund', 'failed')]
        a.rating = { score: 5, comment: '好', at: d(-7) }
        const b = mk(d(-6), { buyerOpenid: 'b-1', reason: 'damaged_in_transit', claimedItems: [{ skuId: 'sku-cup', qty: 2 }, { skuId: 'sku-tea', qty: 1 }] })
        b.sla = { ...b.sla, firstResponse: open(b, 'firstResponse', { metAt: d(-6, 9) }), breachedTarget: 'first_response', breachedAt: d(-6, 4) }
        b.offers = [{ id: 'of-1', rule: 'manual', kind: 'resend', refundFen: 0, compensationFen: 0, couponFen: 1_000, giftValueFen: 300, items: [{ skuId: 'sku-cup', qty: 1 }], pickup: false, shippingPaidBy: 'seller', explanation: '补发', needsSupervisor: false, status: 'accepted', createdAt: d(-6, 2), group: null }]
        b.acceptedOfferId = 'of-1'
        b.replacementShipments = [
          { id: 'rs-1', items: [{ skuId: 'sku-cup', qty: 1 }], giftValueFen: 300, status: 'shipped', early: false, carrier: '顺丰', trackingNo: 'SF1', shippedAt: d(-5) },
          { id: 'rs-2', items: [{ skuId: 'sku-tea', qty: 1 }], giftValueFen: 0, status: 'to_ship', early: false, carrier: null, trackingNo: null, shippedAt: null },
        ]
        b.rating = { score: 3, comment: '一般', at: d(-4) }
        const c = mk(d(-1), { buyerOpenid: 'b-2' }) // open, first response past due at NOW → miss
        const e = mk(d(0), { buyerOpenid: 'b-3', claimedItems: [{ skuId: 'sku-cup', qty: 1 }] })
        e.sla = { ...e.sla, firstResponse: open(e, 'firstResponse', { pausedRemainingMs: HOUR }), pausedAt: d(0, 1) }
        const f = mk(d(8, 20), { buyerOpenid: 'b-1', reason: 'damaged_in_transit' }) // running: due after NOW
        f.rating = { score: 4, comment: '', at: d(8, 22) }
        const g = mk(d(2), { buyerOpenid: 'b-4', status: 'cancelled', sla: { stoppedAt: d(2, 1) } })
        const old = mk(d(-60), { buyerOpenid: 'b-1' }) // before the range
        return [a, b, c, e, f, g, old]
      }

      async function storeAll(cases: Case[]) {
        for (const c of cases) await store.createCase(c, [])
      }

      it('answers the figures the in-memory reference computes, over the range only', async () => {
        const cases = fixtureCases()
        await storeAll(cases)
        const range = rangeOf({}, NOW, policy)
        const weeks = weeksBetween(range.from, range.to, policy.calendar.timezone)
        const stats = await store.caseStats({ createdFrom: range.from }, { weekBounds: weekBounds(weeks, policy.calendar.timezone), now: NOW })
        const inRange = cases.filter((c) => c.createdAt >= range.from)
        const expected = computeAnalytics(inRange, NOW, policy, range)
        const got = analyticsFromStats(stats, NOW, policy, { ...range, weeks })
        expect(got).toEqual(expected)
        // the fixture reaches every branch
        expect(got.totalCases).toBe(6)
        expect(got.sla.firstResponse).toMatchObject({ hit: 1, total: 3 })
        expect(got.money.totalFen).toBe(16_300 + 500 + 1_000 + 300 + 5_000)
        expect(got.csat.distribution).toEqual([0, 0, 1, 1, 1])
        expect(got.repeatRate).toBeCloseTo(2 / 6, 4)
        expect(got.byBatch.map((r) => r.key).sort()).toEqual(['sku-cup@-', 'sku-tea@B-T1'])
      })

      it('counts 差评 follow-ups (in 24 h, updated, outcomes) and 回访 outcomes as the reference does', async () => {
        const d = (days: number, hours = 0) => at(T0, days * 24 * HOUR + hours * HOUR)
        const mk = (createdAt: string, buyerOpenid: string) => makeCase({ createdAt, buyerOpenid, order: { items: [TEA, CUP], paidFen: 26_800 }, claimedItems: [{ skuId: 'sku-tea', qty: 1 }] })
        const review = (openedAt: string, patch: Partial<NonNullable<Case['reviewFollowUp']>> = {}): NonNullable<Case['reviewFollowUp']> => ({
          openedAt, dueAt: at(openedAt, 24 * HOUR), trigger: { score: 1, keywords: [] }, cause: null, contacts: [], remedy: null, reply: null, outcome: null, closedAt: null, remindedAt: null, ...patch,
        })
        const contact = (when: string) => ({ at: when, by: 'agent-1', channel: 'phone' as const, outcome: 'reached' as const, note: '' })
        const [a, b, c, e, f, g] = [mk(d(-8), 'b-1'), mk(d(-6), 'b-2'), mk(d(-2), 'b-3'), mk(d(0), 'b-4'), mk(d(8), 'b-5'), mk(d(1), 'b-6')]
        // answered in time and updated; answered late (its public reply, before the later call, is still after the 24 h); unanswered past due; not due yet
        a.reviewFollowUp = review(d(-7), { contacts: [contact(d(-7, 2))], outcome: 'updated', closedAt: d(-6) })
        b.reviewFollowUp = review(d(-5), { contacts: [contact(d(-2))], reply: { text: '抱歉', at: d(-3, 1), by: 'agent-1' }, outcome: 'not_updated', closedAt: d(-2) })
        c.reviewFollowUp = review(d(-1))
        f.reviewFollowUp = review(d(8, 22))
        a.followUp = { dueAt: d(-5), remindedAt: null, outcome: 'satisfied', doneAt: d(-5) }
        e.followUp = { dueAt: d(2), remindedAt: d(2), outcome: 'not_satisfied', doneAt: d(2, 1), linkedCaseId: null }
        g.followUp = { dueAt: d(3), remindedAt: null }
        const cases = [a, b, c, e, f, g]
        await storeAll(cases)
        const range = rangeOf({}, NOW, policy)
        const weeks = weeksBetween(range.from, range.to, policy.calendar.timezone)
        const stats = await store.caseStats({ createdFrom: range.from }, { weekBounds: weekBounds(weeks, policy.calendar.timezone), now: NOW })
        const got = analyticsFromStats(stats, NOW, policy, { ...range, weeks })
        expect(got).toEqual(computeAnalytics(cases, NOW, policy, range))
        expect(got.followUps).toEqual({
          reviews: 4,
          onTime: { hit: 1, total: 3, rate: 0.3333 },
          updated: { hit: 1, total: 4, rate: 0.25 },
          outcomes: { updated: 1, not_updated: 1, unreachable: 0, open: 2 },
          visits: { total: 2, satisfied: 1, not_satisfied: 1, unreachable: 0 },
        })
      })

      it('answers an empty range with zeros', async () => {
        const stats = await store.caseStats({ createdFrom: NOW }, { weekBounds: [NOW, at(NOW, 7 * 24 * HOUR)], now: NOW })
        expect(stats).toMatchObject({ total: 0, buyers: 0, perWeek: [0], byReason: [], sla: [], money: [], ratings: [0, 0, 0, 0, 0], reviews: [], visits: [] })
        expect(stats.times.firstResponse).toEqual({ count: 0, medianMs: null })
      })

      it('pages the export rows newest first, and they write the CSV the cases would', async () => {
        const cases = fixtureCases()
        await storeAll(cases)
        const rows: CaseExportRow[] = []
        let cursor: string | null = null
        for (let i = 0; i < 20; i++) {
          const page: { items: CaseExportRow[]; next: string | null } = await store.listCaseRows({ createdFrom: at(T0, -30 * 24 * HOUR) }, { limit: 2, cursor })
          expect(page.items.length).toBeLessThanOrEqual(2)
          rows.push(...page.items)
          if (!page.next) break
          cursor = page.next
        }
        const newest = cases.filter((c) => c.createdAt >= at(T0, -30 * 24 * HOUR)).sort((x, y) => (x.createdAt < y.createdAt ? 1 : -1))
        expect(rows.map((r) => r.id)).toEqual(newest.map((c) => c.id))
        expect(rowsToCsv(rows, NOW, policy)).toBe(casesToCsv(newest, NOW, policy))
      })
    })

    // ------------------------------------------------------------------ policy

    describe('policy versions', () => {
      it('saves with compare-and-set on the version and keeps every version', async () => {
        expect(await store.getPolicy()).toBeNull()
        expect(await store.listPolicyVersions()).toEqual([])
        const v1 = await store.savePolicy(defaultPolicy, 0, 'owner-1', T0)
        expect(v1).toMatchObject({ version: 1, updatedBy: 'owner-1', updatedAt: T0 })
        expect(v1.policy.version).toBe(1)
        await expect(store.savePolicy(defaultPolicy, 0, 'owner-2', T0)).rejects.toBeInstanceOf(StoreConflict)
        const edited = { ...defaultPolicy, compensation: { ...defaultPolicy.compensation, latePerDayFen: 1500 } }
        const v2 = await store.savePolicy(edited, 1, 'owner-2', at(T0, HOUR))
        expect(v2.version).toBe(2)
        expect(v2.policy.compensation.latePerDayFen).toBe(1500)
        expect(await store.getPolicy()).toEqual(v2)
        expect(await store.getPolicyVersion(1)).toEqual(v1)
        expect((await store.getPolicyVersion(1))?.policy).toEqual({ ...defaultPolicy, version: 1 })
        expect(await store.getPolicyVersion(7)).toBeNull()
        const list = await store.listPolicyVersions()
        expect(list.map((p) => p.version).sort()).toEqual([1, 2])
        expect(list.find((p) => p.version === 2)).toEqual({ version: 2, updatedBy: 'owner-2', updatedAt: at(T0, HOUR), whatIf: null })
        expect(list[0]).not.toHaveProperty('policy')
        // the what-if summary the owner saw is kept on the version it led to
        const summary = { from: T0, to: at(T0, HOUR), generatedAt: T0, baseVersion: 2, cases: 3, truncated: false, changedCases: 1,
          counts: { severity: 0, team: 0, offer: 0, amount: 1, approval: 0, buyerDeadline: 0, sla: 0 },
          sla: { metToBreached: 0, breachedToMet: 0, before: { hit: 1, total: 2, rate: 0.5 }, after: { hit: 1, total: 2, rate: 0.5 } },
          money: { rows: [{ remedy: 'compensation', label: '现金补偿', beforeFen: 3000, afterFen: 4500, diffFen: 1500 }], beforeFen: 3000, afterFen: 4500, diffFen: 1500 } }
        const v3 = await store.savePolicy(edited, 2, 'owner-1', at(T0, 2 * HOUR), summary)
        expect(v3.whatIf).toEqual(summary)
        expect((await store.getPolicyVersion(3))?.whatIf).toEqual(summary)
        expect((await store.listPolicyVersions()).find((p) => p.version === 3)?.whatIf).toEqual(summary)
      })

      it('of concurrent saves on one version exactly one wins', async () => {
        await store.savePolicy(defaultPolicy, 0, 'owner', T0)
        const res = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.savePolicy(defaultPolicy, 1, `owner-${i}`, T0)))
        expect(res.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
        for (const r of res) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(StoreConflict)
        expect((await store.getPolicy())?.version).toBe(2)
      })
    })

    // ------------------------------------------------------------------ staff, buyers, orders, media

    describe('reference data', () => {
      it('round-trips staff', async () => {
        const s1 = { id: 'agent-1', name: '小王', role: 'agent' as const, teams: ['quality' as const], onDuty: true, lastAssignedAt: null, active: true }
        const s2 = { id: 'sup-1', name: '李主管', role: 'supervisor' as const, teams: ['quality' as const, 'logistics' as const], onDuty: false, lastAssignedAt: T0, active: true }
        await store.upsertStaff(s1)
        await store.upsertStaff(s2)
        await store.upsertStaff({ ...s1, onDuty: false, lastAssignedAt: T0, active: false })
        expect(await store.getStaff('agent-1')).toEqual({ ...s1, onDuty: false, lastAssignedAt: T0, active: false })
        expect(await store.getStaff('nobody')).toBeNull()
        const list = await store.listStaff()
        expect(list.map((s) => s.id).sort()).toEqual(['agent-1', 'sup-1'])
        expect(list.find((s) => s.id === 'sup-1')).toEqual(s2)
      })

      it('round-trips buyers', async () => {
        expect(await store.getBuyer('o1')).toBeNull()
        await store.upsertBuyer({ openid: 'o1', dedicatedRepId: 'agent-1', trusted: false })
        await store.upsertBuyer({ openid: 'o1', dedicatedRepId: null, trusted: true })
        expect(await store.getBuyer('o1')).toEqual({ openid: 'o1', dedicatedRepId: null, trusted: true })
      })

      it('finds buyers by part of the name or the phone tail, and lists every dedicated-rep assignment', async () => {
        await store.upsertBuyer({ openid: 'b-zhao', dedicatedRepId: null, trusted: false, name: '赵先生', phoneTail: '1234' })
        await store.upsertBuyer({ openid: 'b-zhou', dedicatedRepId: 'agent-1', trusted: true, name: '周小姐', phoneTail: '5678' })
        await store.upsertBuyer({ openid: 'b-anon', dedicatedRepId: 'agent-2', trusted: false })
        // a later write without name / phone keeps them (the buyer's own calls carry neither)
        await store.upsertBuyer({ openid: 'b-zhao', dedicatedRepId: null, trusted: false, unionid: 'u-z' })
        expect((await store.searchBuyers('赵', 10)).map((b) => b.openid)).toEqual(['b-zhao'])
        expect(await store.searchBuyers('1234', 10)).toEqual([{ openid: 'b-zhao', dedicatedRepId: null, trusted: false, unionid: 'u-z', name: '赵先生', phoneTail: '1234' }])
        expect((await store.searchBuyers('小姐', 10)).map((b) => b.openid)).toEqual(['b-zhou'])
        expect(await store.searchBuyers('%', 10)).toEqual([])
        expect(await store.searchBuyers('9999', 10)).toEqual([])
        expect((await store.listRepAssignments(10)).map((b) => [b.openid, b.dedicatedRepId]).sort()).toEqual([['b-anon', 'agent-2'], ['b-zhou', 'agent-1']])
        await store.upsertBuyer({ openid: 'b-zhou', dedicatedRepId: null, trusted: true })
        expect((await store.listRepAssignments(10)).map((b) => b.openid)).toEqual(['b-anon'])
        // the shop order's receiver names a buyer: only name and phone tail move (the rep stays), a new buyer gets a record
        await store.setBuyerContact('b-anon', { name: '安女士', phoneTail: null })
        expect(await store.getBuyer('b-anon')).toEqual({ openid: 'b-anon', dedicatedRepId: 'agent-2', trusted: false, name: '安女士' })
        await store.setBuyerContact('channels:o-new', { name: '新买家', phoneTail: '4321' })
        expect((await store.searchBuyers('4321', 10)).map((b) => b.openid)).toEqual(['channels:o-new'])
        expect((await store.searchBuyers('女士', 10)).map((b) => b.openid)).toEqual(['b-anon'])
      })

      it('records trust decisions atomically with their history; a rep or unionid write keeps them', async () => {
        const change = (by: string, trusted: boolean | null, n: number) => ({ at: at(T0, n * HOUR), by, byName: `名字${by}`, trusted, reason: `原因${n}` })
        // a buyer with no record yet gets one
        const first = await store.setBuyerTrust('t1', change('sup-1', false, 1))
        expect(first).toMatchObject({ openid: 't1', dedicatedRepId: null, trust: { override: false, history: [change('sup-1', false, 1)] } })
        await store.upsertBuyer({ openid: 't1', dedicatedRepId: 'agent-1', trusted: false, unionid: 'u-t1' })
        // concurrent decisions: both kept, the override is one of them
        await Promise.all([store.setBuyerTrust('t1', change('sup-1', true, 2)), store.setBuyerTrust('t1', change('owner-1', null, 3))])
        const b = await store.getBuyer('t1')
        expect(b).toMatchObject({ openid: 't1', dedicatedRepId: 'agent-1', unionid: 'u-t1' })
        expect(b?.trust?.history).toHaveLength(3)
        expect(b?.trust?.history[0]).toEqual(change('sup-1', false, 1))
        expect(b?.trust?.history[2].trusted).toBe(b?.trust?.override)
        await store.upsertBuyer({ openid: 't1', dedicatedRepId: null, trusted: false })
        expect((await store.getBuyer('t1'))?.trust?.history).toHaveLength(3)
      })

      it('keeps the shop openids recorded on a buyer until a write names others; other writes keep them', async () => {
        await store.upsertBuyer({ openid: 's1', dedicatedRepId: null, trusted: false, unionid: 'u-s1' })
        expect((await store.getBuyer('s1'))?.shopOpenids).toBeUndefined()
        await store.upsertBuyer({ openid: 's1', dedicatedRepId: null, trusted: false, unionid: 'u-s1', shopOpenids: [] })
        expect((await store.getBuyer('s1'))?.shopOpenids).toEqual([])
        await store.upsertBuyer({ openid: 's1', dedicatedRepId: null, trusted: false, unionid: 'u-s1', shopOpenids: ['shop-a', 'shop-b'] })
        await store.upsertBuyer({ openid: 's1', dedicatedRepId: 'agent-1', trusted: false })
        await store.setBuyerContact('s1', { name: '孙女士', phoneTail: '4404' })
        await store.setBuyerTrust('s1', { at: T0, by: 'sup-1', byName: '主管', trusted: true, reason: '老客户' })
        expect(await store.getBuyer('s1')).toMatchObject({ dedicatedRepId: 'agent-1', unionid: 'u-s1', name: '孙女士', shopOpenids: ['shop-a', 'shop-b'] })
      })

      it('records 回访 preferences on the buyer, newest wins; rep, trust and contact writes keep them', async () => {
        const prefs = (n: number, items: Array<'no_phone' | 'refund_only' | 'prefer_wechat'>) => ({ items, note: `备注${n}`, at: at(T0, n * HOUR), by: 'agent-1', caseId: `case-${n}`, caseNo: `AS${n}` })
        // a buyer with no record yet gets one
        expect(await store.setBuyerPreferences('p1', prefs(2, ['no_phone']))).toBe(true)
        expect((await store.getBuyer('p1'))?.preferences).toEqual(prefs(2, ['no_phone']))
        // an older one (a late outbox retry) never undoes it; a replay of the same one is harmless
        expect(await store.setBuyerPreferences('p1', prefs(1, ['refund_only']))).toBe(false)
        await store.setBuyerPreferences('p1', prefs(2, ['no_phone']))
        expect((await store.getBuyer('p1'))?.preferences).toEqual(prefs(2, ['no_phone']))
        // the buyer's other writes carry them over
        await store.upsertBuyer({ openid: 'p1', dedicatedRepId: 'agent-1', trusted: false, unionid: 'u-p1' })
        await store.setBuyerTrust('p1', { at: T0, by: 'sup-1', byName: '主管', trusted: true, reason: '老客户' })
        await store.setBuyerContact('p1', { name: '潘女士', phoneTail: '1111' })
        expect(await store.getBuyer('p1')).toMatchObject({ dedicatedRepId: 'agent-1', unionid: 'u-p1', name: '潘女士', trust: { override: true }, preferences: prefs(2, ['no_phone']) })
        // a later visit replaces them
        expect(await store.setBuyerPreferences('p1', prefs(3, ['prefer_wechat', 'refund_only']))).toBe(true)
        expect((await store.getBuyer('p1'))?.preferences).toEqual(prefs(3, ['prefer_wechat', 'refund_only']))
        expect((await store.getBuyer('p1'))?.trust?.override).toBe(true)
      })

      it('counts a buyer’s orders signed for since an instant, up to a cap', async () => {
        const order = (id: string, buyer: string, delivered?: string) => ({ order: { ...makeCase().order, orderId: id, buyerOpenid: buyer, deliveredAt: delivered }, createdAt: T0 })
        await store.upsertOrder(order('c-1', 'o1', at(T0, -10 * HOUR)))
        await store.upsertOrder(order('c-2', 'o1', at(T0, HOUR)))
        await store.upsertOrder(order('c-3', 'o1', at(T0, 2 * HOUR)))
        await store.upsertOrder(order('c-4', 'o1'))
        await store.upsertOrder(order('c-5', 'o2', at(T0, HOUR)))
        expect(await store.countOrders({ buyerOpenid: 'o1', deliveredFrom: T0 }, 10)).toBe(2)
        expect(await store.countOrders({ buyerOpenid: 'o1', deliveredFrom: at(T0, -20 * HOUR) }, 10)).toBe(3)
        expect(await store.countOrders({ buyerOpenid: 'o1', deliveredFrom: at(T0, -20 * HOUR) }, 2)).toBe(2)
        expect(await store.countOrders({ buyerOpenid: 'o3', deliveredFrom: T0 }, 10)).toBe(0)
        // signed later (re-import): counted
        await store.upsertOrder(order('c-4', 'o1', at(T0, 3 * HOUR)))
        expect(await store.countOrders({ buyerOpenid: 'o1', deliveredFrom: T0 }, 10)).toBe(3)
      })

      it('counts the orders of several ids of one buyer in one call, up to a cap', async () => {
        const order = (id: string, buyer: string, delivered?: string) => ({ order: { ...makeCase().order, orderId: id, buyerOpenid: buyer, deliveredAt: delivered }, createdAt: T0 })
        await store.upsertOrder(order('m-1', 'mp-1', at(T0, HOUR)))
        await store.upsertOrder(order('m-2', 'channels:s-1', at(T0, HOUR)))
        await store.upsertOrder(order('m-3', 'channels:s-1', at(T0, -HOUR)))
        await store.upsertOrder(order('m-4', 'someone-else', at(T0, HOUR)))
        expect(await store.countOrders({ buyerOpenid: ['mp-1', 'channels:s-1'], deliveredFrom: T0 }, 10)).toBe(2)
        expect(await store.countOrders({ buyerOpenid: ['mp-1', 'channels:s-1', 'mp-1'], deliveredFrom: at(T0, -2 * HOUR) }, 10)).toBe(3)
        expect(await store.countOrders({ buyerOpenid: ['mp-1', 'channels:s-1'], deliveredFrom: at(T0, -2 * HOUR) }, 2)).toBe(2)
        expect(await store.countOrders({ buyerOpenid: [], deliveredFrom: T0 }, 10)).toBe(0)
      })

      it('counts a buyer’s refunded and risk-flagged cases across their ids in one call, each up to its cap', async () => {
        const refund = (status: 'succeeded' | 'failed') => ({ key: uid('rf'), amountFen: 100, purpose: 'refund' as const, status, requestedAt: T0, settledAt: null, failureReason: null })
        const since = at(T0, -90 * 24 * HOUR)
        const mk = (buyerOpenid: string, o: { refunded?: 'succeeded' | 'failed'; risk?: boolean; createdAt?: string }) =>
          store.createCase(makeCase({ buyerOpenid, refunds: o.refunded ? [refund(o.refunded)] : [], flags: { risk: o.risk === true }, createdAt: o.createdAt ?? T0 }), [])
        await mk('b-1', { refunded: 'succeeded' })
        await mk('b-1', { refunded: 'succeeded', risk: true })
        await mk('b-1', { refunded: 'failed' })
        await mk('b-1', {})
        await mk('b-1', { refunded: 'succeeded', risk: true, createdAt: at(T0, -100 * 24 * HOUR) }) // before the window
        await mk('channels:b-1', { refunded: 'succeeded' })
        await mk('b-2', { refunded: 'succeeded', risk: true })
        expect(await store.buyerCaseCounts(['b-1'], since, { refunded: 100, risk: 5 })).toEqual({ refunded: 2, risk: 1 })
        expect(await store.buyerCaseCounts(['b-1', 'channels:b-1'], since, { refunded: 100, risk: 5 })).toEqual({ refunded: 3, risk: 1 })
        expect(await store.buyerCaseCounts(['b-1', 'channels:b-1'], since, { refunded: 2, risk: 1 })).toEqual({ refunded: 2, risk: 1 })
        expect(await store.buyerCaseCounts(['nobody'], since, { refunded: 100, risk: 1 })).toEqual({ refunded: 0, risk: 0 })
        expect(await store.buyerCaseCounts([], since, { refunded: 100, risk: 1 })).toEqual({ refunded: 0, risk: 0 })
        // many risk-flagged cases without a refund do not hide the refunded ones (and the other way round)
        for (let i = 0; i < 4; i++) await mk('b-3', { risk: true })
        await mk('b-3', { refunded: 'succeeded' })
        expect(await store.buyerCaseCounts(['b-3'], since, { refunded: 2, risk: 1 })).toEqual({ refunded: 1, risk: 1 })
        for (let i = 0; i < 4; i++) await mk('b-4', { refunded: 'succeeded' })
        await mk('b-4', { risk: true })
        expect(await store.buyerCaseCounts(['b-4'], since, { refunded: 1, risk: 2 })).toEqual({ refunded: 1, risk: 1 })
      })

      it('counts a buyer’s risk-flagged cases', async () => {
        await store.createCase(makeCase({ buyerOpenid: 'r1', flags: { risk: true } }), [])
        await store.createCase(makeCase({ buyerOpenid: 'r1' }), [])
        await store.createCase(makeCase({ buyerOpenid: 'r2', flags: { risk: true } }), [])
        expect(await store.countCases({ buyerOpenid: 'r1', risk: true }, 10)).toBe(1)
        expect(await store.countCases({ buyerOpenid: 'r1', risk: false }, 10)).toBe(1)
      })

      it('round-trips orders and lists a buyer’s orders newest first', async () => {
        const order = (id: string, buyer: string, createdAt: string) => ({
          order: { ...makeCase().order, orderId: id, buyerOpenid: buyer },
          createdAt,
        })
        const o1 = order('ord-1', 'o1', T0)
        const o2 = order('ord-2', 'o1', at(T0, HOUR))
        const o3 = order('ord-3', 'o2', at(T0, 2 * HOUR))
        for (const o of [o1, o2, o3]) await store.upsertOrder(o)
        const o1b = { ...o1, order: { ...o1.order, deliveredAt: at(T0, 30 * HOUR) } }
        await store.upsertOrder(o1b)
        expect(await store.getOrder('ord-1')).toEqual(o1b)
        expect(await store.getOrder('nope')).toBeNull()
        expect((await store.listOrdersByBuyer('o1', 10)).map((o) => o.order.orderId)).toEqual(['ord-2', 'ord-1'])
        expect((await store.listOrdersByBuyer('o1', 1)).map((o) => o.order.orderId)).toEqual(['ord-2'])
        expect(await store.listOrdersByBuyer('o3', 10)).toEqual([])
      })

      it('lists shipped, unsigned, unwatched orders oldest shipment first; the watch mark wins once and survives re-import', async () => {
        const order = (id: string, ship?: string, delivered?: string) => ({
          order: { ...makeCase().order, orderId: id, buyerOpenid: 'o1', shippedAt: ship, deliveredAt: delivered },
          createdAt: T0,
        })
        await store.upsertOrder(order('w-late-2', at(T0, 2 * HOUR)))
        await store.upsertOrder(order('w-late-1', at(T0, HOUR)))
        await store.upsertOrder(order('w-signed', at(T0, HOUR), at(T0, 30 * HOUR)))
        await store.upsertOrder(order('w-unshipped'))
        await store.upsertOrder(order('w-recent', at(T0, 80 * HOUR)))
        const cutoff = at(T0, 72 * HOUR)
        expect((await store.unsignedOrders(cutoff, 10)).map((o) => o.order.orderId)).toEqual(['w-late-1', 'w-late-2'])
        expect((await store.unsignedOrders(cutoff, 1)).map((o) => o.order.orderId)).toEqual(['w-late-1'])

        const races = await Promise.all([store.markOrderWatched('w-late-1', at(T0, 73 * HOUR)), store.markOrderWatched('w-late-1', at(T0, 73 * HOUR))])
        expect(races.filter(Boolean)).toHaveLength(1)
        expect(await store.markOrderWatched('nope', T0)).toBe(false)
        expect((await store.unsignedOrders(cutoff, 10)).map((o) => o.order.orderId)).toEqual(['w-late-2'])
        // the shop re-imports the order (still unsigned): it is not watched a second time
        await store.upsertOrder(order('w-late-1', at(T0, HOUR)))
        expect((await store.getOrder('w-late-1'))?.watchedAt).toBe(at(T0, 73 * HOUR))
        expect((await store.unsignedOrders(cutoff, 10)).map((o) => o.order.orderId)).toEqual(['w-late-2'])
        // signed later: leaves the watch list
        await store.upsertOrder(order('w-late-2', at(T0, 2 * HOUR), at(T0, 74 * HOUR)))
        expect(await store.unsignedOrders(at(T0, 79 * HOUR), 10)).toEqual([])
      })

      it('finds a buyer and their shop orders by unionid, keeping a recorded unionid', async () => {
        await store.upsertBuyer({ openid: 'mp-1', dedicatedRepId: null, trusted: false, unionid: 'u-1' })
        await store.upsertBuyer({ openid: 'mp-1', dedicatedRepId: 'agent-1', trusted: true })
        expect(await store.getBuyer('mp-1')).toEqual({ openid: 'mp-1', dedicatedRepId: 'agent-1', trusted: true, unionid: 'u-1' })
        expect((await store.getBuyerByUnionid('u-1'))?.openid).toBe('mp-1')
        expect(await store.getBuyerByUnionid('u-2')).toBeNull()
        const shopOrder = (id: string, unionid: string | undefined, createdAt: string) => ({
          order: { ...makeCase().order, orderId: id, buyerOpenid: 'channels:shop-1', source: 'channels' as const, shopOpenid: 'shop-1', ...(unionid ? { buyerUnionid: unionid } : {}) },
          createdAt,
        })
        await store.upsertOrder(shopOrder('s-1', 'u-1', at(T0, HOUR)))
        await store.upsertOrder(shopOrder('s-2', 'u-1', at(T0, 2 * HOUR)))
        await store.upsertOrder(shopOrder('s-3', undefined, at(T0, 3 * HOUR)))
        expect((await store.listOrdersByUnionid('u-1', 10)).map((o) => o.order.orderId)).toEqual(['s-2', 's-1'])
        expect((await store.listOrdersByUnionid('u-1', 1)).map((o) => o.order.orderId)).toEqual(['s-2'])
        expect(await store.listOrdersByUnionid('u-9', 10)).toEqual([])
      })

      it('keeps named sync cursors with compare-and-set', async () => {
        expect(await store.getSyncState('channels:orders')).toBeNull()
        const first = await Promise.all([
          store.saveSyncState('channels:orders', { syncedUntil: T0 }, 0, T0),
          store.saveSyncState('channels:orders', { syncedUntil: at(T0, HOUR) }, 0, T0),
        ])
        expect(first.filter(Boolean)).toHaveLength(1)
        const s1 = await store.getSyncState('channels:orders')
        expect(s1?.version).toBe(1)
        expect(await store.saveSyncState('channels:orders', { syncedUntil: at(T0, 2 * HOUR) }, 1, at(T0, 2 * HOUR))).toBe(true)
        // a pass that read version 1 lost: nothing written
        expect(await store.saveSyncState('channels:orders', { syncedUntil: at(T0, 9 * HOUR) }, 1, at(T0, 9 * HOUR))).toBe(false)
        expect(await store.getSyncState('channels:orders')).toMatchObject({ name: 'channels:orders', version: 2, value: { syncedUntil: at(T0, 2 * HOUR) } })
      })

      it('round-trips media records', async () => {
        const m = { id: 'm1', ownerOpenid: 'o1', mime: 'image/jpeg', kind: 'image' as const, size: 2048, location: 'data/media/m1.jpg', createdAt: T0 }
        await store.putMedia(m)
        expect(await store.getMedia('m1')).toEqual({ ...m, attachedAt: null })
        expect(await store.getMedia('m2')).toBeNull()
      })

      it('counts an owner\'s uploads since an instant, marks attachments once and lists the never-attached for the sweep', async () => {
        const m = (id: string, owner: string, size: number, created: string) =>
          ({ id, ownerOpenid: owner, mime: 'image/png', kind: 'image' as const, size, location: id, createdAt: created })
        await store.putMedia(m('u1', 'o1', 100, T0))
        await store.putMedia(m('u2', 'o1', 200, at(T0, HOUR)))
        await store.putMedia(m('u3', 'o1', 400, at(T0, 30 * HOUR)))
        await store.putMedia(m('u4', 'o2', 800, at(T0, HOUR)))
        expect(await store.mediaUsage('o1', T0)).toEqual({ count: 3, bytes: 700 })
        expect(await store.mediaUsage('o1', at(T0, 2 * HOUR))).toEqual({ count: 1, bytes: 400 })
        expect(await store.mediaUsage('nobody', T0)).toEqual({ count: 0, bytes: 0 })

        await store.markMediaAttached(['u2'], at(T0, 2 * HOUR))
        await store.markMediaAttached(['u2', 'u4'], at(T0, 3 * HOUR))
        expect((await store.getMedia('u2'))?.attachedAt).toBe(at(T0, 2 * HOUR))
        expect((await store.unattachedMedia(at(T0, 24 * HOUR), 10)).map((x) => x.id)).toEqual(['u1'])
        expect((await store.unattachedMedia(at(T0, 48 * HOUR), 10)).map((x) => x.id)).toEqual(['u1', 'u3'])
        expect((await store.unattachedMedia(at(T0, 48 * HOUR), 1)).map((x) => x.id)).toEqual(['u1'])
        await store.deleteMedia('u1')
        expect(await store.getMedia('u1')).toBeNull()
        expect((await store.unattachedMedia(at(T0, 48 * HOUR), 10)).map((x) => x.id)).toEqual(['u3'])
      })
    })

    // ------------------------------------------------------------------ platform tokens, throttles

    describe('platform tokens and throttles', () => {
      it('stores a token once and replaces it only by compare-and-set on its version', async () => {
        expect(await store.getToken('channels')).toBeNull()
        const first = await Promise.all([
          store.putToken('channels', 'tok-a', at(T0, 2 * HOUR), 0, T0),
          store.putToken('channels', 'tok-b', at(T0, 2 * HOUR), 0, T0),
        ])
        expect(first.filter(Boolean)).toHaveLength(1)
        const cur = await store.getToken('channels')
        expect(cur).toMatchObject({ name: 'channels', expiresAt: at(T0, 2 * HOUR), version: 1, updatedAt: T0 })
        expect(['tok-a', 'tok-b']).toContain(cur?.value)

        const later = at(T0, HOUR)
        const second = await Promise.all([
          store.putToken('channels', 'tok-c', at(T0, 3 * HOUR), 1, later),
          store.putToken('channels', 'tok-d', at(T0, 3 * HOUR), 1, later),
        ])
        expect(second.filter(Boolean)).toHaveLength(1)
        expect(await store.putToken('channels', 'stale', at(T0, 3 * HOUR), 1, later)).toBe(false)
        expect(await store.getToken('channels')).toMatchObject({ version: 2, expiresAt: at(T0, 3 * HOUR), updatedAt: later })
        expect(['tok-c', 'tok-d']).toContain((await store.getToken('channels'))?.value)
        expect(await store.getToken('other')).toBeNull()
      })

      it('grants a throttle once per interval per key, across racing callers', async () => {
        const minute = 60_000
        const races = await Promise.all([1, 2, 3].map(() => store.takeThrottle('as:1', T0, minute)))
        expect(races.filter((r) => r.granted)).toHaveLength(1)
        expect(races.filter((r) => !r.granted)).toEqual([
          { granted: false, retryAt: at(T0, minute) },
          { granted: false, retryAt: at(T0, minute) },
        ])
        expect(await store.takeThrottle('as:1', at(T0, 30_000), minute)).toEqual({ granted: false, retryAt: at(T0, minute) })
        expect(await store.takeThrottle('as:2', at(T0, 30_000), minute)).toEqual({ granted: true })
        const again = await Promise.all([store.takeThrottle('as:1', at(T0, minute), minute), store.takeThrottle('as:1', at(T0, minute), minute)])
        expect(again.filter((r) => r.granted)).toHaveLength(1)
        expect(await store.takeThrottle('as:1', at(T0, minute + 1), minute)).toEqual({ granted: false, retryAt: at(T0, 2 * minute) })
      })
    })

    describe('push nonces (replay protection shared by all instances)', () => {
      const MINUTE = 60_000
      it('claims a key once among racing callers, refuses it until it expires, then lets it be claimed again', async () => {
        const until = at(T0, 5 * MINUTE)
        const races = await Promise.all(Array.from({ length: 8 }, () => store.claimPushNonce('1764000000.n1', until, T0)))
        expect(races.filter(Boolean)).toHaveLength(1)
        expect(await store.claimPushNonce('1764000000.n1', until, at(T0, 4 * MINUTE))).toBe(false)
        expect(await store.claimPushNonce('1764000000.n2', until, at(T0, 4 * MINUTE))).toBe(true)
        // expired: a new claim takes it over (once)
        const later = await Promise.all([store.claimPushNonce('1764000000.n1', at(T0, 20 * MINUTE), at(T0, 10 * MINUTE)), store.claimPushNonce('1764000000.n1', at(T0, 20 * MINUTE), at(T0, 10 * MINUTE))])
        expect(later.filter(Boolean)).toHaveLength(1)
        expect(await store.claimPushNonce('1764000000.n1', at(T0, 20 * MINUTE), at(T0, 11 * MINUTE))).toBe(false)
      })

      it('purges expired claims only', async () => {
        await store.claimPushNonce('a', at(T0, MINUTE), T0)
        await store.claimPushNonce('b', at(T0, 2 * MINUTE), T0)
        await store.claimPushNonce('c', at(T0, 10 * MINUTE), T0)
        expect(await store.purgePushNonces(at(T0, 5 * MINUTE), 1)).toBe(1)
        expect(await store.purgePushNonces(at(T0, 5 * MINUTE), 100)).toBe(1)
        expect(await store.purgePushNonces(at(T0, 5 * MINUTE), 100)).toBe(0)
        // 'c' is still remembered; 'a' may be claimed afresh
        expect(await store.claimPushNonce('c', at(T0, 20 * MINUTE), at(T0, 5 * MINUTE))).toBe(false)
        expect(await store.claimPushNonce('a', at(T0, 20 * MINUTE), at(T0, 5 * MINUTE))).toBe(true)
      })
    })

    describe('batch alerts, orders of a batch, signed orders (issue 24)', () => {
      const alert = (id: string, openedAt: string): BatchAlert => ({
        id, key: 'sku-1@B2611', skuId: 'sku-1', batch: 'B2611', product: '即食燕窝', openedAt, windowFrom: at(openedAt, -48 * HOUR), threshold: 5,
        caseIds: [], triggerCaseId: 'c-x', version: 1, action: null, progress: null,
      })
      it('opens one alert per key and window among racing callers, with its outbox rows; another window opens another', async () => {
        const c = makeCase()
        await store.createCase(c, [])
        const row = (id: string) => ({ key: `batch-alert:${id}:owner`, caseId: c.id, kind: 'staff_alert', payload: { kind: 'staff_alert', to: 'owner' } })
        const races = await Promise.all(['a1', 'a2', 'a3'].map((id) => store.openBatchAlert(alert(id, T0), [row(id)], 48 * HOUR)))
        expect(races.filter((r) => r.created)).toHaveLength(1)
        const winner = races.find((r) => r.created)!.alert.id
        expect(races.every((r) => r.alert.id === winner)).toBe(true)
        expect((await store.listOutbox({ caseId: c.id }, 50)).map((o) => o.key)).toEqual([`batch-alert:${winner}:owner`])
        expect((await store.openBatchAlert(alert('b1', at(T0, 47 * HOUR)), [], 48 * HOUR)).created).toBe(false)
        expect((await store.openBatchAlert(alert('b2', at(T0, 49 * HOUR)), [], 48 * HOUR)).created).toBe(true)
        expect((await store.listBatchAlerts({ limit: 10 })).map((a) => a.id)).toEqual(['b2', winner])
        expect((await store.listBatchAlerts({ limit: 10, openedFrom: at(T0, HOUR) })).map((a) => a.id)).toEqual(['b2'])
      })
      it('saves an alert by compare-and-set and lists the running ones', async () => {
        await store.openBatchAlert(alert('r1', T0), [], HOUR)
        const a = (await store.getBatchAlert('r1'))!
        const running: BatchAlert = { ...a, version: 2, progress: { status: 'running', cursor: null, reached: 0, skipped: 0, refused: 0, spentFen: 0, note: null, updatedAt: T0 } }
        expect(await store.saveBatchAlert(running, 1)).toBe(true)
        expect(await store.saveBatchAlert({ ...running, version: 3 }, 1)).toBe(false)
        expect((await store.listBatchAlerts({ limit: 5, running: true })).map((x) => x.id)).toEqual(['r1'])
        expect(await store.saveBatchAlert({ ...running, version: 3, progress: { ...running.progress!, status: 'done' } }, 2)).toBe(true)
        expect(await store.listBatchAlerts({ limit: 5, running: true })).toEqual([])
      })
      it('pages the orders of one SKU and batch, and the orders signed in a range', async () => {
        const order = (id: string, batch: string | undefined, deliveredAt?: string) => ({
          createdAt: T0,
          order: { ...makeCase().order, orderId: id, items: [{ skuId: 'sku-1', name: '即食燕窝', qty: 1, unitPriceFen: 100, ...(batch ? { batch } : {}) }], ...(deliveredAt ? { deliveredAt } : {}) },
        })
        for (let i = 0; i < 5; i++) await store.upsertOrder(order(`ob-${i}`, 'B2611', at(T0, i * HOUR)))
        await store.upsertOrder(order('ob-other', 'B2612', at(T0, HOUR)))
        await store.upsertOrder(order('ob-none', undefined))
        const p1 = await store.listOrdersByBatch('sku-1', 'B2611', { limit: 3 })
        const p2 = await store.listOrdersByBatch('sku-1', 'B2611', { limit: 3, cursor: p1.next })
        expect([...p1.items, ...p2.items].map((o) => o.order.orderId)).toEqual(['ob-0', 'ob-1', 'ob-2', 'ob-3', 'ob-4'])
        expect(p2.next).toBeNull()
        expect((await store.listOrdersByBatch('sku-1', '', { limit: 10 })).items.map((o) => o.order.orderId)).toEqual(['ob-none'])
        const d1 = await store.listDeliveredOrders({ from: at(T0, HOUR), to: at(T0, 4 * HOUR) }, { limit: 2 })
        const d2 = await store.listDeliveredOrders({ from: at(T0, HOUR), to: at(T0, 4 * HOUR) }, { limit: 2, cursor: d1.next })
        expect([...d1.items, ...d2.items].map((o) => o.order.orderId).sort()).toEqual(['ob-1', 'ob-2', 'ob-3', 'ob-other'])
        expect(d2.next).toBeNull()
      })
      it('filters cases by SKU and batch', async () => {
        const mine = makeCase()
        const other = makeCase({ order: { items: [{ skuId: 'sku-1', name: '即食燕窝', qty: 2, unitPriceFen: 19_900, batch: 'B9999' }] } })
        await store.createCase(mine, [])
        await store.createCase(other, [])
        expect((await store.listCases({ batch: { skuId: 'sku-1', batch: 'B2611' } }, { limit: 10 })).items.map((c) => c.id)).toEqual([mine.id])
        expect(await store.countCases({ batch: { skuId: 'sku-1', batch: 'B9999' } }, 10)).toBe(1)
      })
    })
  })
}
