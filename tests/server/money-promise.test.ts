/**
 * Issue 19, the whole promise as a property, through the real functions on both store adapters:
 * random orders, several cases of each (different items and reasons), random command sequences by
 * random actors (buyer, agent, supervisor, owner) fired partly at the same moment. Afterwards, from
 * the store: per order, per item and per incident nothing exceeds its cap; no agent's call ever took
 * a case's value above the threshold; every approval that ran was decided by someone other than its
 * requester and the buyer, for a value > ¥0; every refund stems from a decision (an accepted remedy,
 * a staff refund or an approval).
 */
import crypto from 'node:crypto'
import fc from 'fast-check'
import type { Case, OrderSnapshot } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import type { Deps } from '../../cloudfunctions/app/deps'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import type { Store } from '../../cloudfunctions/ports/store'
import { claimedValueFen } from '../../cloudfunctions/core/money'
import { caseLedger, incidentCap, incidentKey } from '../../cloudfunctions/core/money-guard'
import { givenValueFen } from '../../cloudfunctions/core/commands/work'
import { CloudBaseEmulator } from './cloudbase-emulator'

jest.setTimeout(240_000)

const NOW = '2026-11-23T03:00:00.000Z' // Monday 11:00 in Shanghai
const DAY = 86_400_000
const at = (d: number) => new Date(Date.parse(NOW) + d * DAY).toISOString()
const BUYER = 'buyer-zhao'
const AGENT = 'staff-amy'
const SUP = 'staff-sup'
const OWNER = 'staff-owner'
const TH = defaultPolicy.compensation.approvalThresholdFen

const REASONS = [
  { reason: 'quality_defect', type: 'refund_only', desiredRemedy: 'refund' },
  { reason: 'late_delivery', type: 'logistics', desiredRemedy: 'compensation' },
  { reason: 'quality_defect', type: 'compensation', desiredRemedy: 'compensation' },
  { reason: 'damaged_in_transit', type: 'resend', desiredRemedy: 'resend' },
  { reason: 'not_as_described', type: 'return_refund', desiredRemedy: 'return_refund' },
] as const

const orderArb = fc.record({
  lines: fc.array(fc.record({ qty: fc.integer({ min: 1, max: 3 }), price: fc.integer({ min: 500, max: 30_000 }) }), { minLength: 2, maxLength: 3 }),
  discountPct: fc.integer({ min: 0, max: 25 }),
  daysLate: fc.integer({ min: 1, max: 7 }),
  reasons: fc.array(fc.integer({ min: 0, max: REASONS.length - 1 }), { minLength: 3, maxLength: 3 }),
})
const callArb = fc.record({
  kind: fc.constantFrom('approve', 'approve_amount', 'issue_refund', 'issue_comp', 'make_offer', 'accept_offer', 'decide_approval', 'submit', 'manual_refund'),
  who: fc.constantFrom(BUYER, AGENT, AGENT, SUP, OWNER),
  onCase: fc.nat(),
  amount: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: 5_000, max: 40_000 })),
})
const planArb = fc.record({ order: orderArb, rounds: fc.array(fc.array(callArb, { minLength: 1, maxLength: 3 }), { minLength: 6, maxLength: 12 }) })

async function appOn(store: Store) {
  const now = () => NOW
  const deps: Deps = { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
  await seedDemoShop(store, NOW)
  const buyer = aftersaleFunction(deps)
  const admin = adminFunction(deps)
  return {
    call: (who: string, action: string, data: Record<string, unknown>, key?: string) =>
      who.startsWith('buyer') ? buyer({ action, data, idempotencyKey: key }, { openid: who }) : admin({ action, data, idempotencyKey: key }, { openid: who }),
  }
}

type App = Awaited<ReturnType<typeof appOn>>
let run = 0

/** One plan: an order, its cases, the rounds of calls; answers the agent calls that raised the case's value past the threshold. */
async function play(app: App, store: Store, plan: fc.RecordValue<typeof planArb extends fc.Arbitrary<infer T> ? T : never>) {
  const orderId = `P-${++run}-${crypto.randomUUID().slice(0, 6)}`
  const items = plan.order.lines.map((l, i) => ({ skuId: `S${i}`, name: `商品${i}`, qty: l.qty, unitPriceFen: l.price, batch: 'B1' }))
  const total = items.reduce((s, i) => s + i.qty * i.unitPriceFen, 0)
  const order: OrderSnapshot = {
    orderId, buyerOpenid: BUYER, items, paidFen: Math.max(1, Math.floor((total * (100 - plan.order.discountPct)) / 100)),
    paidAt: at(-9), shippedAt: at(-8), promisedDeliveryAt: at(-2 - plan.order.daysLate), deliveredAt: at(-2), carrier: '顺丰速运', trackingNo: `SF${orderId}`,
  }
  await store.upsertOrder({ order, createdAt: order.paidAt })
  const caseIds: string[] = []
  for (const [i, r] of plan.order.reasons.entries()) {
    if (i >= items.length) break
    const form = REASONS[r]
    const res = await app.call(BUYER, 'submit', { orderId, claimedItems: [{ skuId: items[i].skuId, qty: items[i].qty }], type: form.type, reason: form.reason, description: '有问题', evidence: [], desiredRemedy: form.desiredRemedy }, `${orderId}-${i}`)
    if (res.ok) caseIds.push((res.data as { case: { id: string } }).case.id)
  }
  const violations: string[] = []
  if (!caseIds.length) return violations
  for (const round of plan.rounds) {
    const before = new Map<string, Case>()
    for (const id of caseIds) before.set(id, (await store.getCase(id))!)
    await Promise.all(
      round.map(async (c) => {
        const id = caseIds[c.onCase % caseIds.length]
        const cur = before.get(id)!
        const v = { caseId: id, expectedVersion: cur.version }
        const offered = cur.offers.find((o) => o.status === 'offered')
        const pending = (cur.approvals ?? []).find((a) => a.status === 'pending')
        const calls: Record<string, [string, Record<string, unknown>] | null> = {
          approve: ['approve', v],
          approve_amount: ['approve', { ...v, amountFen: c.amount, remedy: 'requested', changeReason: '随机调整' }],
          issue_refund: ['issue_refund', { ...v, amountFen: c.amount, purpose: 'refund' }],
          issue_comp: ['issue_refund', { ...v, amountFen: c.amount, purpose: 'compensation' }],
          make_offer: ['make_offer', { ...v, offers: [{ kind: 'compensation', compensationFen: c.amount, couponFen: c.amount % 7 === 0 ? 3000 : 0, explanation: '补偿' }] }],
          accept_offer: offered ? ['accept_offer', { ...v, offerId: offered.id }] : null,
          decide_approval: pending ? ['decide_approval', { ...v, approvalId: pending.id, decision: 'approved' }] : null,
          submit: ['submit_for_approval', { ...v, request: { type: 'issue_refund', amountFen: c.amount, purpose: 'refund' } }],
          manual_refund: ['record_manual_refund', { ...v, amountFen: c.amount, purpose: 'refund', proof: ['local:none'], note: '银行转账' }],
        }
        // the buyer's only money move is taking an offer on the table
        const call = c.who === BUYER ? calls.accept_offer : calls[c.kind]
        if (!call) return
        // a staff member needs the case in review for some commands: answer first when it is new
        if (!c.who.startsWith('buyer') && cur.status === 'submitted' && c.kind !== 'approve' && c.kind !== 'approve_amount') {
          await app.call(c.who, 'respond', { caseId: id, expectedVersion: cur.version, text: '您好' })
          return
        }
        const res = await app.call(c.who, call[0], call[1], crypto.randomUUID())
        if (!res.ok) return
        const after = (await store.getCase(id))!
        // an agent's own call never takes the case's value past the threshold (it becomes an approval request)
        if (c.who === AGENT && givenValueFen(after) > TH && givenValueFen(after) > givenValueFen(cur)) {
          violations.push(`${call[0]} by the agent raised ${id}'s value ${givenValueFen(cur)} → ${givenValueFen(after)} past ${TH}`)
        }
      }),
    )
  }
  // the caps, from the store
  const cases = (await Promise.all(caseIds.map((id) => store.getCase(id)))).filter((c): c is Case => !!c)
  const ledgers = cases.map(caseLedger)
  const committed = ledgers.reduce((s, l) => s + l.committedFen, 0)
  if (committed > order.paidFen) violations.push(`order ${orderId}: ${committed} committed > paid ${order.paidFen}`)
  for (const it of items) {
    const sum = ledgers.reduce((s, l) => s + (l.itemsFen[it.skuId] ?? 0), 0)
    const cap = claimedValueFen(order, [{ skuId: it.skuId, qty: it.qty }])
    if (sum > cap) violations.push(`order ${orderId} item ${it.skuId}: ${sum} > its paid value ${cap}`)
  }
  const incidents = new Map<string, number>()
  for (const c of cases) incidents.set(incidentKey(c), Math.max(incidents.get(incidentKey(c)) ?? 0, incidentCap(c, defaultPolicy, NOW).capFen))
  for (const [key, cap] of incidents) {
    const sum = ledgers.reduce((s, l) => s + (l.incidentsFen[key] ?? 0), 0)
    if (sum > cap) violations.push(`order ${orderId} incident ${key}: ${sum} > cap ${cap}`)
  }
  for (const c of cases) {
    for (const a of c.approvals ?? []) {
      if (a.status !== 'approved') continue
      if (a.decidedBy === a.requestedBy || a.decidedBy === c.buyerOpenid) violations.push(`${c.id}: approval ${a.id} decided by its requester or the buyer`)
      if (!(a.amountFen > 0)) violations.push(`${c.id}: approval ${a.id} of ¥0`)
    }
    const decided = c.timeline.some((t) => ['approve', 'issue_refund', 'record_manual_refund', 'decide_approval', 'accept_offer', 'inspect'].includes(t.type))
    if (c.refunds.some((r) => r.status !== 'failed') && !decided) violations.push(`${c.id}: money without a decision`)
  }
  return violations
}

describe('money leaves only by a rule or a supervisor: random orders, cases, actors and concurrent calls', () => {
  test('SQLite store', async () => {
    const store = new SqliteStore(':memory:')
    await store.init()
    const app = await appOn(store)
    let calls = 0
    await fc.assert(
      fc.asyncProperty(planArb, async (plan) => {
        calls++
        expect(await play(app, store, plan)).toEqual([])
      }),
      { numRuns: 25, seed: 20261207 },
    )
    expect(calls).toBe(25)
    // the property reached money: refunds exist in the store
    expect(await store.countCases({ refunded: true }, 1000)).toBeGreaterThan(5)
    await store.close()
  })

  test('CloudBase store (the local emulator)', async () => {
    const emulator = new CloudBaseEmulator()
    const url = await emulator.start()
    try {
      const store = new CloudBaseStore({ env: 'money-promise', secretId: 'local-id', secretKey: 'local-key', serviceUrl: url, timeout: 60_000, maxTxAttempts: 200 })
      await store.init()
      const app = await appOn(store)
      await fc.assert(
        fc.asyncProperty(planArb, async (plan) => {
          expect(await play(app, store, plan)).toEqual([])
        }),
        { numRuns: 6, seed: 20261207 },
      )
    } finally {
      await emulator.stop()
    }
  })
})
