/**
 * No valid policy can break the desk (issue 14 point 5): random policies the schema accepts, saved
 * through update_policy, then every action of both functions and scheduler passes over days —
 * never an INTERNAL error. And updates that would make deadline math impossible are refused with a
 * Chinese reason naming the field.
 */
import fc from 'fast-check'
import { aftersaleInputs, adminInputs } from '@contract/actions'
import { defaultPolicy, PolicySchema, SLA_MAX_MINUTES, type Policy } from '@contract/policy'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'
import { makeApp, unwrap, type App } from './app-harness'

const BUYER = 'buyer-zhao'
const AGENT = 'staff-amy'
const SUP = 'staff-sup'
const OWNER = 'staff-owner'

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`
const windowArb = fc.tuple(fc.integer({ min: 0, max: 1439 }), fc.integer({ min: 1, max: 1440 })).map(([s, len]) => ({ start: hhmm(s), end: hhmm(Math.min(1440, s + len)) }))
const dayArb = fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 3, arbitrary: fc.array(windowArb, { maxLength: 2 }) })
const dateArb = fc.integer({ min: 0, max: 500 }).map((d) => new Date(Date.parse('2026-11-01T00:00:00Z') + d * 86_400_000).toISOString().slice(0, 10))
const minutesArb = fc.oneof(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: SLA_MAX_MINUTES }))
const targetArb = fc.record({ minutes: minutesArb, clock: fc.constantFrom('business' as const, 'calendar' as const) })
const sevArb = fc.record({ firstResponse: targetArb, resolution: targetArb })
const fenArb = (max: number) => fc.oneof(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max }))

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    hours: fc.tuple(dayArb, dayArb, dayArb, dayArb, dayArb, dayArb, dayArb),
    holidays: fc.array(dateArb, { maxLength: 80 }),
    makeup: fc.array(dateArb, { maxLength: 10 }),
    targets: fc.record({ P1: sevArb, P2: sevArb, P3: sevArb }),
    warnRatio: fc.double({ min: 0.1, max: 0.95, noNaN: true }),
    latePerDay: fenArb(10_000_000),
    lateExtra: fenArb(1_000_000),
    gift: fenArb(10_000_000),
    coupon: fenArb(10_000_000),
    threshold: fenArb(10_000_000_000),
    percent: fc.integer({ min: 1, max: 100 }),
    pickupUnits: fc.integer({ min: 0, max: 10_000 }),
    risk: fc.integer({ min: 1, max: 1000 }),
    trust: fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 7, max: 730 })),
    waits: fc.array(fc.integer({ min: 1, max: 90 }), { minLength: 6, maxLength: 6 }),
    limits: fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 60 })),
    review: fc.tuple(fc.integer({ min: 1, max: 720 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 720 })),
  })
  .map((r) => ({
    ...defaultPolicy,
    compensation: {
      latePerDayFen: r.latePerDay,
      lateCapFen: Math.min(10_000_000, r.latePerDay + r.lateExtra),
      damagedPickupAboveUnits: r.pickupUnits,
      giftValueFen: r.gift,
      partialRefundPercent: r.percent,
      couponFen: r.coupon,
      approvalThresholdFen: r.threshold,
      riskRefundCount90d: r.risk,
      trustMinOrders: r.trust[0],
      trustOrderDays: r.trust[1],
    },
    sla: { targets: r.targets, warnRatio: r.warnRatio, negativeReviewReplyHours: r.review[0], negativeReviewMaxScore: r.review[1], followUpVisitHours: r.review[2] },
    calendar: {
      timezone: 'Asia/Shanghai',
      businessHours: Object.fromEntries(r.hours.map((ws, d) => [String(d), ws])) as Policy['calendar']['businessHours'],
      holidays: r.holidays,
      makeupWorkdays: r.makeup,
    },
    buyerWait: { infoDays: r.waits[0], offerDays: r.waits[1], returnShipDays: r.waits[2], appealDays: r.waits[3], receiptDays: r.waits[4], rateDays: r.waits[5] },
    limits: { maxRequestsPerSku: r.limits[0], noReasonDays: r.limits[1], maxAppeals: r.limits[2], unsignedAfterShipDays: r.limits[3] },
  }))
  .filter((p) => PolicySchema.safeParse(p).success)

type Res = { ok: boolean; data?: unknown; error?: { code: string; message: string } }

/** Every action of both functions, on cases in many states, then scheduler passes over three weeks. */
async function exercise(app: App, seed: number): Promise<string[]> {
  const internal: string[] = []
  const note = (what: string, r: Res) => {
    if (!r.ok && r.error?.code === 'INTERNAL') internal.push(`${what}: ${r.error.message}`)
    return r
  }
  const orders = unwrap<{ order: { orderId: string; items: { skuId: string; qty: number }[] } }[]>(await app.buyer(BUYER, 'list_orders', {}))
  const kinds: [string, string, string][] = [
    ['refund_only', 'quality_defect', 'refund'],
    ['return_refund', 'size_fit', 'return_refund'],
    ['exchange', 'wrong_item', 'exchange'],
    ['resend', 'missing_item', 'resend'],
    ['compensation', 'late_delivery', 'compensation'],
    ['refund_only', 'safety_allergy', 'refund'],
  ]
  const cases: string[] = []
  for (const [i, [type, reason, remedy]] of kinds.entries()) {
    const o = orders[(i + seed) % orders.length].order
    const item = o.items[0]
    const r = note(`submit ${type}/${reason}`, await app.buyer(BUYER, 'submit', { orderId: o.orderId, claimedItems: [{ skuId: item.skuId, qty: 1 }], type, reason, desiredRemedy: remedy, description: '过敏 测试' }, `fuzz-${seed}-${i}`))
    if (r.ok) cases.push((r.data as { case: { id: string } }).case.id)
  }
  const caseInputs = (caseId: string): Record<string, Record<string, unknown>> => ({
    get_case: { caseId }, cancel: { caseId }, provide_info: { caseId, text: '补充' }, accept_offer: { caseId, offerId: 'x' }, decline_offer: { caseId },
    ship_return: { caseId, carrier: '顺丰', trackingNo: 'SF1' }, confirm_receipt: { caseId }, rate: { caseId, score: 1 }, appeal: { caseId, text: '申诉' },
    respond: { caseId, text: '您好' }, ask_info: { caseId, text: '请补充照片' }, make_offer: { caseId, offers: [{ kind: 'coupon', couponFen: 100, explanation: '心意' }] },
    approve: { caseId, amountFen: 100 }, reject: { caseId, text: '不符合' }, receive_return: { caseId }, inspect: { caseId, result: 'pass', note: '完好' },
    issue_refund: { caseId, amountFen: 100 }, ship_replacement: { caseId, carrier: '顺丰', trackingNo: 'SF2' }, note: { caseId, text: '备注' },
    reassign: { caseId, assigneeId: 'staff-bo' }, escalate: { caseId, text: '升级' },
  })
  const other: Record<string, unknown> = {
    whoami: {}, list_orders: {}, list_cases: {}, get_policy: {}, queue: {}, list_staff: {}, list_policy_versions: {}, analytics: {}, export_cases: {},
    check_eligibility: { orderId: orders[0].order.orderId, claimedItems: [{ skuId: orders[0].order.items[0].skuId, qty: 1 }], reason: 'other' },
    record_subscriptions: { results: [{ templateId: 'TEMPLATE_CASE_UPDATE', result: 'accept' }] },
    set_duty: { id: AGENT, onDuty: true }, set_dedicated_rep: { buyerOpenid: BUYER, repId: null },
  }
  const staffOrder = ['respond', 'ask_info', 'make_offer', 'approve', 'receive_return', 'inspect', 'ship_replacement', 'issue_refund', 'note', 'reassign', 'escalate', 'reject']
  const buyerOrder = ['get_case', 'provide_info', 'accept_offer', 'decline_offer', 'ship_return', 'confirm_receipt', 'rate', 'appeal', 'cancel']
  for (const action of Object.keys(other)) {
    if (action in aftersaleInputs) note(`aftersale.${action}`, await app.buyer(BUYER, action, other[action]))
    if (action in adminInputs) note(`admin.${action}`, await app.staff(SUP, action, other[action]))
  }
  for (const [n, caseId] of cases.entries()) {
    const inputs = caseInputs(caseId)
    // interleave staff and buyer moves so the cases walk through different states
    for (let round = 0; round < 3; round++) {
      // money commands need the version the caller saw
      const seen = async () => ((await app.staff(SUP, 'get_case', { caseId })) as { data?: { version?: number } }).data?.version
      for (const a of staffOrder.slice((n + round) % 4)) note(`admin.${a}`, await app.staff(round % 2 ? SUP : AGENT, a, { ...inputs[a], expectedVersion: await seen() }))
      for (const a of buyerOrder) note(`aftersale.${a}`, await app.buyer(BUYER, a, { ...inputs[a], expectedVersion: await seen() }))
    }
  }
  // timers: SLA warnings / breaches, buyer-wait expiries, auto-close, follow-ups over three weeks
  let t = Date.parse(app.deps.now())
  for (const hours of [1, 5, 30, 80, 200, 500]) {
    t += hours * 3600_000
    app.setNow(new Date(t).toISOString())
    try {
      await runScheduler(app.deps)
    } catch (e) {
      internal.push(`scheduler: ${String(e)}`)
    }
    for (const caseId of cases) note('get_case', await app.staff(SUP, 'get_case', { caseId }))
    note('queue', await app.staff(SUP, 'queue', {}))
  }
  return internal
}

test('random schema-valid policies × every command and scheduler pass → never INTERNAL', async () => {
  await fc.assert(
    fc.asyncProperty(policyArb, fc.nat(50), async (policy, seed) => {
      const app = await makeApp()
      try {
        const saved = await app.staff(OWNER, 'update_policy', { expectedVersion: 1, policy })
        expect(saved).toMatchObject({ ok: true })
        expect(await exercise(app, seed)).toEqual([])
      } finally {
        await app.close()
      }
    }),
    { numRuns: Number(process.env.POLICY_FUZZ_RUNS ?? 12) },
  )
}, 240_000)

describe('updates that would make deadline math impossible are refused in Chinese, naming the field', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp()
  })
  afterEach(() => app.close())
  const update = (patch: (p: Policy) => Policy) => app.staff(OWNER, 'update_policy', { expectedVersion: 1, policy: patch(structuredClone(defaultPolicy)) })

  test.each<[string, (p: Policy) => Policy, string]>([
    ['no business hours in a week', (p) => ({ ...p, calendar: { ...p.calendar, businessHours: { '0': [], '1': [], '2': [], '3': [], '4': [], '5': [], '6': [] } } }), 'calendar.businessHours'],
    ['a minute of business a week', (p) => ({ ...p, calendar: { ...p.calendar, businessHours: { '1': [{ start: '09:00', end: '09:01' }] } } }), 'calendar.businessHours'],
    ['a business-clock target of years of opening hours', (p) => ({ ...p, calendar: { ...p.calendar, businessHours: { '1': [{ start: '09:00', end: '11:00' }] } }, sla: { ...p.sla, targets: { ...p.sla.targets, P3: { ...p.sla.targets.P3, firstResponse: { minutes: 80 * 24 * 60, clock: 'business' } } } } }), 'sla.targets.P3.firstResponse.minutes'],
    ['an absurd target', (p) => ({ ...p, sla: { ...p.sla, targets: { ...p.sla.targets, P2: { ...p.sla.targets.P2, resolution: { minutes: 10 ** 9, clock: 'calendar' } } } } }), 'sla.targets.P2.resolution.minutes'],
    ['a wait of years', (p) => ({ ...p, buyerWait: { ...p.buyerWait, returnShipDays: 5000 } }), 'buyerWait.returnShipDays'],
    ['a warning ratio of zero', (p) => ({ ...p, sla: { ...p.sla, warnRatio: 0.0000001 } }), 'sla.warnRatio'],
    ['an unsafe threshold', (p) => ({ ...p, compensation: { ...p.compensation, approvalThresholdFen: 2 ** 60 } }), 'compensation.approvalThresholdFen'],
    ['ten thousand holidays', (p) => ({ ...p, calendar: { ...p.calendar, holidays: Array.from({ length: 10_000 }, () => '2027-01-01') } }), 'calendar.holidays'],
  ])('%s', async (_what, patch, field) => {
    const r = (await update(patch)) as Res
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('VALIDATION')
    expect(r.error?.message).toContain(field)
    expect(r.error?.message).toMatch(/[\u4e00-\u9fa5]/)
  })
})
