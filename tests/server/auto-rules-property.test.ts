/**
 * Property (issue #24): whatever the owner's rules and whatever buyers file, an auto-decision never
 * pays outside the money guard (the order's paid amount, each item's paid value), never above its
 * amount condition or the approval threshold, and a rule's money of the day never passes its cap —
 * through the real buyer function on the real SQLite store.
 */
import fc from 'fast-check'
import type { AutoRule } from '@contract/auto-rules'
import type { Case, OrderSnapshot } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { claimedValueFen } from '../../cloudfunctions/core/money'
import { givenValueFen } from '../../cloudfunctions/core/commands/work'
import { ruleCapBucket } from '../../cloudfunctions/core/auto-rules'
import { makeApp } from './app-harness'

jest.setTimeout(120_000)

const NUM_RUNS = Number(process.env.AUTO_RULES_RUNS ?? 25)

const ruleArb = (i: number) =>
  fc.record({
    types: fc.constantFrom(undefined, ['refund_only'] as const, ['refund_only', 'return_refund'] as const, ['compensation'] as const),
    maxAmountFen: fc.constantFrom(undefined, undefined, 3_000, 8_000, 30_000),
    shipped: fc.constantFrom(undefined, undefined, 'not_shipped' as const, 'shipped' as const),
    dailyCapFen: fc.constantFrom(0, 5_000, 12_000, 20_000, 50_000),
    enabled: fc.boolean(),
  }).map(
    (r): AutoRule => ({
      id: `r${i}`,
      name: `规则${i}`,
      enabled: r.enabled || i === 0,
      dailyCapFen: r.dailyCapFen,
      when: { ...(r.types ? { types: [...r.types] } : {}), ...(r.maxAmountFen !== undefined ? { maxAmountFen: r.maxAmountFen } : {}), ...(r.shipped ? { shipped: r.shipped } : {}) },
      action: 'approve',
    }),
  )

const orderArb = fc.record({
  priceA: fc.integer({ min: 500, max: 12_000 }),
  priceB: fc.integer({ min: 500, max: 25_000 }),
  qtyA: fc.integer({ min: 1, max: 3 }),
  discountFen: fc.integer({ min: 0, max: 2_000 }),
  shipped: fc.boolean(),
})

const submitArb = fc.record({
  order: fc.nat(3),
  sku: fc.constantFrom('A', 'B'),
  qty: fc.integer({ min: 1, max: 3 }),
  type: fc.constantFrom('refund_only', 'refund_only', 'return_refund', 'compensation'),
  /** hours later: some submits fall on the next shop-local day */
  hours: fc.constantFrom(0, 1, 14),
})

describe('自动处理规则的性质', () => {
  it('规则的决定从不超出钱守卫、金额条件、审批门槛，每条规则每天的钱不超过额度', async () => {
    let decided = 0
    let capped = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }).chain((xs) => fc.tuple(...xs.map((_, i) => ruleArb(i)))),
        fc.array(orderArb, { minLength: 4, maxLength: 4 }),
        fc.array(submitArb, { minLength: 1, maxLength: 10 }),
        async (rules, orderFacts, submits) => {
          const app = await makeApp({ now: '2026-11-23T03:00:00.000Z' })
          try {
            const cur = await app.store.getPolicy()
            await app.store.savePolicy({ ...(cur?.policy ?? defaultPolicy), version: 2, autoRules: rules }, cur?.version ?? 1, 'staff-owner', '2026-11-23T02:00:00.000Z')
            const orders: OrderSnapshot[] = orderFacts.map((f, i) => {
              const gross = f.priceA * f.qtyA + f.priceB
              return {
                orderId: `P-${i}`,
                buyerOpenid: 'buyer-zhao',
                items: [
                  { skuId: `P-${i}-A`, name: '茶杯', qty: f.qtyA, unitPriceFen: f.priceA },
                  { skuId: `P-${i}-B`, name: '茶壶', qty: 1, unitPriceFen: f.priceB },
                ],
                paidFen: Math.max(1, gross - f.discountFen),
                paidAt: '2026-11-20T01:00:00.000Z',
                ...(f.shipped ? { shippedAt: '2026-11-20T05:00:00.000Z', trackingNo: 'SF1', carrier: 'SF', deliveredAt: '2026-11-22T05:00:00.000Z' } : {}),
              }
            })
            for (const order of orders) await app.store.upsertOrder({ order, createdAt: order.paidAt })
            const start = Date.parse('2026-11-23T03:00:00.000Z')
            let n = 0
            for (const s of submits) {
              app.setNow(new Date(start + s.hours * 3_600_000 + n * 1000).toISOString())
              const o = orders[s.order]
              const item = o.items.find((x) => x.skuId.endsWith(s.sku))!
              const res = await app.buyer(
                'buyer-zhao',
                'submit',
                { orderId: o.orderId, claimedItems: [{ skuId: item.skuId, qty: Math.min(s.qty, item.qty) }], type: s.type, reason: 'other', desiredRemedy: s.type === 'compensation' ? 'compensation' : s.type === 'return_refund' ? 'return_refund' : 'refund', description: '不想要了' },
                `prop-submit-${n++}`,
              )
              expect(res.ok || ['VALIDATION', 'NOT_ALLOWED_IN_STATUS', 'LIMIT_EXCEEDED'].includes(String((res.error as { code?: string } | undefined)?.code))).toBe(true)
              // whatever happened (refused, left to a person, decided), the case a person may later close frees the item
              const listed = await app.store.listCases({ orderId: o.orderId }, { limit: 50 })
              for (const c of listed.items) {
                if (c.status === 'submitted') {
                  await app.store.saveCase({ ...c, status: 'cancelled', version: c.version + 1, sla: { ...c.sla, stoppedAt: c.updatedAt } }, c.version, [])
                }
              }
            }
            const th = defaultPolicy.compensation.approvalThresholdFen
            const perRuleDay = new Map<string, number>()
            for (const o of orders) {
              const cases = (await app.store.listCases({ orderId: o.orderId }, { limit: 50 })).items as Case[]
              let committed = 0
              const perSku = new Map<string, number>()
              for (const c of cases) {
                const paid = c.refunds.filter((r) => r.status !== 'failed').reduce((a, r) => a + r.amountFen, 0)
                committed += paid
                for (const sku of c.claimedItems) perSku.set(sku.skuId, (perSku.get(sku.skuId) ?? 0) + paid)
                const entry = c.timeline.find((t) => t.actor.id.startsWith('auto-rule:'))
                if (!entry) continue
                const rule = rules.find((r) => `auto-rule:${r.id}` === entry.actor.id)!
                const value = givenValueFen(c)
                expect(value).toBeLessThanOrEqual(th)
                if (rule.when.maxAmountFen !== undefined) expect(value).toBeLessThanOrEqual(rule.when.maxAmountFen)
                const day = entry.at < '2026-11-23T16:00:00.000Z' ? '2026-11-23' : '2026-11-24'
                const key = ruleCapBucket(rule.id, day)
                perRuleDay.set(key, (perRuleDay.get(key) ?? 0) + value)
                decided++
              }
              // the money guard: the order's paid amount, each item's paid value
              expect(committed).toBeLessThanOrEqual(o.paidFen)
              for (const [sku, fen] of perSku) {
                const line = o.items.find((i) => i.skuId === sku)!
                expect(fen).toBeLessThanOrEqual(claimedValueFen(o, [{ skuId: sku, qty: line.qty }]))
              }
            }
            for (const r of rules) {
              for (const day of ['2026-11-23', '2026-11-24']) {
                const key = ruleCapBucket(r.id, day)
                const spent = await app.store.ruleSpent(key)
                expect(spent).toBeLessThanOrEqual(r.dailyCapFen)
                if (spent > 0 && spent > r.dailyCapFen / 2) capped++
                expect(perRuleDay.get(key) ?? 0).toBe(spent)
              }
            }
          } finally {
            await app.close()
          }
        },
      ),
      { numRuns: NUM_RUNS, seed: 20261207 },
    )
    // the runs did exercise decisions, and days where a rule came near its cap
    expect({ decided: decided > 0, capped: capped > 0 }).toEqual({ decided: true, capped: true })
  })
})
