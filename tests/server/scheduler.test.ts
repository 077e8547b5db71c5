import type { OrderSnapshot } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { makeApp, unwrap, type App } from './app-harness'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'

const BUYER = 'buyer-sched'

async function fileCases(app: App, n: number, reason = 'quality_defect') {
  const now = app.deps.now()
  const day = (d: number) => new Date(Date.parse(now) - d * 86_400_000).toISOString()
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const order: OrderSnapshot = {
      orderId: `S${i}`, buyerOpenid: BUYER, items: [{ skuId: 'SKU-S', name: '测试商品', qty: 1, unitPriceFen: 5000 }], paidFen: 5000,
      paidAt: day(5), shippedAt: day(4), promisedDeliveryAt: day(3), deliveredAt: day(2),
    }
    await app.store.upsertOrder({ order, createdAt: order.paidAt })
    const r = await app.buyer(BUYER, 'submit', { orderId: order.orderId, claimedItems: [{ skuId: 'SKU-S', qty: 1 }], type: 'refund_only', reason, desiredRemedy: 'refund' }, `sched-key-${i}`)
    ids.push(unwrap<{ case: { id: string } }>(r).case.id)
  }
  return ids
}

const count = (timeline: { type: string }[], type: string) => timeline.filter((t) => t.type === type).length

describe('scheduler', () => {
  let app: App
  afterEach(() => app?.close())

  test('two schedulers racing over the same due cases: each warning and breach happens once', async () => {
    app = await makeApp({ now: '2026-11-23T02:00:00.000Z' }) // Monday 10:00 Shanghai
    const ids = await fileCases(app, 40)
    // P2 first response: 4 business hours → due 14:00; 80 % warning at 13:12. Jump past both.
    app.setNow('2026-11-23T06:30:00.000Z')
    const [a, b] = await Promise.all([runScheduler(app.deps), runScheduler(app.deps)])
    expect(a.acted + b.acted).toBeGreaterThan(0)
    for (const id of ids) {
      const c = (await app.store.getCase(id))!
      expect(count(c.timeline, 'sla_breach')).toBe(1)
      expect(count(c.timeline, 'sla_warn')).toBeLessThanOrEqual(1)
      expect(c.flags.escalated).toBe(true)
    }
    const alerts = (await app.store.listOutbox({}, 10_000)).filter((o) => o.kind === 'staff_alert' && (o.payload as { alert?: string }).alert === 'sla_breach')
    expect(alerts).toHaveLength(ids.length)
    // a third pass finds nothing left to do
    expect((await runScheduler(app.deps)).acted).toBe(0)
  })

  test('a case whose SLA runs out overnight into a holiday is escalated at the right business-hours moment', async () => {
    // Thursday 24 Dec 20:00 Shanghai; the seller closes on Friday 25 Dec (holiday); Saturday opens 10:00–18:00.
    app = await makeApp({ now: '2026-12-24T12:00:00.000Z' })
    const policy = { ...defaultPolicy, version: 2, calendar: { ...defaultPolicy.calendar, holidays: [...defaultPolicy.calendar.holidays, '2026-12-25'] } }
    await app.store.savePolicy(policy, 1, 'staff-owner', app.deps.now())
    const [id] = await fileCases(app, 1)
    // 4 business hours: 20:00–21:00 Thursday, then Saturday 10:00–13:00 → due Saturday 13:00 (05:00Z).
    const c0 = (await app.store.getCase(id))!
    expect(c0.sla.firstResponse.dueAt).toBe('2026-12-26T05:00:00.000Z')

    app.setNow('2026-12-24T19:00:00.000Z') // Friday 03:00, a holiday: nothing is late yet
    await runScheduler(app.deps)
    expect((await app.store.getCase(id))!.flags.escalated).toBe(false)

    app.setNow('2026-12-26T04:30:00.000Z') // Saturday 12:30: inside the last 20 % → warning only
    await runScheduler(app.deps)
    let c = (await app.store.getCase(id))!
    expect(c.sla.warnedAt).toBe('2026-12-26T04:30:00.000Z')
    expect(c.flags.escalated).toBe(false)

    app.setNow('2026-12-26T05:01:00.000Z') // Saturday 13:01: breached → escalated, supervisor told
    await runScheduler(app.deps)
    c = (await app.store.getCase(id))!
    expect(c.sla.breachedAt).toBe('2026-12-26T05:01:00.000Z')
    expect(c.flags.escalated).toBe(true)
  })

  test('buyer-side expiry: a case waiting for information closes when the buyer never answers', async () => {
    app = await makeApp({ now: '2026-11-23T02:00:00.000Z' })
    const [id] = await fileCases(app, 1)
    unwrap(await app.staff('staff-sup', 'ask_info', { caseId: id, text: '请补充开箱照片' }))
    app.setNow('2026-11-25T02:00:00.000Z')
    await runScheduler(app.deps)
    expect((await app.store.getCase(id))!.status).toBe('awaiting_buyer')
    app.setNow('2026-11-26T02:01:00.000Z') // 3 days later
    await runScheduler(app.deps)
    expect((await app.store.getCase(id))!.status).toBe('closed')
  })
})

describe('proactive care', () => {
  let app: App
  afterEach(() => app?.close())

  test('logistics watch: orders shipped > 3 days ago and unsigned get one logistics case each, the buyer is told, even with two schedulers racing', async () => {
    app = await makeApp({ now: '2026-11-23T03:00:00.000Z' })
    // the demo shop has one "shipped 6 days ago, not signed" order per buyer; buyer-wu already complained about hers
    const wuOrders = (await app.store.listOrdersByBuyer('buyer-wu', 50)).filter((o) => o.order.shippedAt && !o.order.deliveredAt)
    expect(wuOrders).toHaveLength(1)
    const wuOrder = wuOrders[0].order
    unwrap(await app.buyer('buyer-wu', 'submit', { orderId: wuOrder.orderId, claimedItems: [{ skuId: wuOrder.items[0].skuId, qty: 1 }], type: 'logistics', reason: 'lost_parcel', desiredRemedy: 'contact_me' }, 'wu-own-key-1'))
    // shipped only yesterday: not yet
    const fresh: OrderSnapshot = {
      orderId: 'FRESH1', buyerOpenid: 'buyer-zhao', items: [{ skuId: 'SKU-F', name: '新品', qty: 1, unitPriceFen: 1000 }], paidFen: 1000,
      paidAt: '2026-11-21T03:00:00.000Z', shippedAt: '2026-11-22T03:00:00.000Z',
    }
    await app.store.upsertOrder({ order: fresh, createdAt: fresh.paidAt })

    const [a, b] = await Promise.all([runScheduler(app.deps), runScheduler(app.deps)])
    expect(a.logistics.opened + b.logistics.opened).toBe(2)

    const logisticsCases = async () => {
      const all = await app.store.listCases({}, { limit: 100 })
      return all.items.filter((c) => c.type === 'logistics')
    }
    const opened = (await logisticsCases()).filter((c) => c.timeline[0].actor.kind === 'system')
    expect(opened.map((c) => c.buyerOpenid).sort()).toEqual(['buyer-lin', 'buyer-zhao'])
    for (const c of opened) {
      expect(c.order.orderId).not.toBe('FRESH1')
      expect(c.timeline[0].text).toContain('主动为您创建售后单')
      const msgs = await app.store.listOutbox({ caseId: c.id }, 50)
      expect(msgs.filter((m) => m.kind === 'buyer_message' && (m.payload as { event?: string }).event === 'logistics_care')).toHaveLength(1)
    }
    // the buyer sees it in their own list
    const zhao = unwrap<{ items: { caseId?: string; id?: string }[] }>(await app.buyer('buyer-zhao', 'list_cases', {}))
    expect(zhao.items.length).toBeGreaterThanOrEqual(1)

    // later passes (and a re-import of the same still-unsigned order) open nothing more
    for (const o of opened) await app.store.upsertOrder({ order: o.order, createdAt: o.order.paidAt })
    app.setNow('2026-11-27T03:00:00.000Z') // FRESH1 is now 5 days out: it gets its case, once
    const later = await runScheduler(app.deps)
    expect(later.logistics.opened).toBe(1)
    expect((await runScheduler(app.deps)).logistics).toEqual({ examined: 0, opened: 0, skipped: 0 })
    expect((await logisticsCases()).filter((c) => c.timeline[0].actor.kind === 'system')).toHaveLength(3)
  })

  test('follow-up visit: 48 h after resolution the agent is reminded once to visit the buyer', async () => {
    app = await makeApp({ now: '2026-11-23T02:00:00.000Z' })
    const [id] = await fileCases(app, 1)
    unwrap(await app.staff('staff-sup', 'approve', { caseId: id, expectedVersion: (await app.store.getCase(id))!.version }))
    let c = (await app.store.getCase(id))!
    expect(c.status).toBe('resolved')
    expect(c.followUp?.dueAt).toBe('2026-11-25T02:00:00.000Z')

    app.setNow('2026-11-24T02:00:00.000Z')
    await runScheduler(app.deps)
    expect((await app.store.getCase(id))!.followUp?.remindedAt).toBeNull()

    app.setNow('2026-11-25T02:00:30.000Z')
    await Promise.all([runScheduler(app.deps), runScheduler(app.deps)])
    c = (await app.store.getCase(id))!
    expect(c.followUp?.remindedAt).toBe('2026-11-25T02:00:30.000Z')
    expect(c.status).toBe('resolved')
    const reminders = (await app.store.listOutbox({ caseId: id }, 100)).filter((o) => o.kind === 'staff_alert' && (o.payload as { alert?: string }).alert === 'followup_visit')
    expect(reminders).toHaveLength(1)
    expect((reminders[0].payload as { to: string }).to).toBe(c.assigneeId ?? 'supervisor')
    // the buyer never sees the internal reminder
    const view = unwrap<{ timeline: { text: string }[]; next: { actor: string; dueAt: string | null; text: string } }>(await app.buyer(BUYER, 'get_case', { caseId: id }))
    expect(view.timeline.some((t) => t.text.includes('回访'))).toBe(false)
    // rating is optional: offered, but not shown as a to-do with a countdown
    expect(view.next).toMatchObject({ actor: 'none', dueAt: null })
    expect(view.next.text).toContain('评分')
  })
})

describe('repeat refunds', () => {
  test('a buyer whose last 90 days hold three refunded cases is flagged on the next submit, and the supervisor is told', async () => {
    const app = await makeApp({ now: '2026-11-23T02:00:00.000Z' })
    try {
      const ids = await fileCases(app, 3)
      for (const id of ids) unwrap(await app.staff('staff-sup', 'approve', { caseId: id, expectedVersion: (await app.store.getCase(id))!.version }))
      for (const id of ids) expect((await app.store.getCase(id))!.refunds.some((r) => r.status !== 'failed')).toBe(true)
      const order: OrderSnapshot = {
        orderId: 'S-next', buyerOpenid: BUYER, items: [{ skuId: 'SKU-S', name: '测试商品', qty: 1, unitPriceFen: 5000 }], paidFen: 5000,
        paidAt: '2026-11-18T02:00:00.000Z', shippedAt: '2026-11-19T02:00:00.000Z', deliveredAt: '2026-11-21T02:00:00.000Z',
      }
      await app.store.upsertOrder({ order, createdAt: order.paidAt })
      const r = unwrap<{ case: { id: string } }>(await app.buyer(BUYER, 'submit', { orderId: 'S-next', claimedItems: [{ skuId: 'SKU-S', qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, 'risk-key-0001'))
      const c = (await app.store.getCase(r.case.id))!
      expect(c.flags.risk).toBe(true)
      const alerts = (await app.store.listOutbox({ caseId: c.id }, 50)).filter((o) => o.kind === 'staff_alert' && (o.payload as { alert?: string }).alert === 'risk_buyer')
      expect(alerts).toHaveLength(1)
    } finally {
      await app.close()
    }
  })
})
