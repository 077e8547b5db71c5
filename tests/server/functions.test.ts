import fc from 'fast-check'
import { aftersaleInputs, adminInputs } from '@contract/actions'
import { makeApp, unwrap, type App } from './app-harness'

const A = 'buyer-zhao'
const B = 'buyer-wu'
const AGENT = 'staff-amy'
const SUP = 'staff-sup'
const OWNER = 'staff-owner'

async function ordersOf(app: App, openid: string) {
  return unwrap<{ order: { orderId: string; items: { skuId: string; qty: number }[]; paidFen: number } }[]>(await app.buyer(openid, 'list_orders', {}))
}

/** A quality-defect refund case on the buyer's single-tea order (¥168, under the approval threshold). */
async function fileCase(app: App, openid: string, key = `k-${Math.random().toString(36).slice(2)}`) {
  const orders = await ordersOf(app, openid)
  const tea = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === 'SKU-TEA-01')!
  const res = await app.buyer(openid, 'submit', {
    orderId: tea.order.orderId,
    claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }],
    type: 'refund_only',
    reason: 'quality_defect',
    description: '茶叶受潮结块',
    desiredRemedy: 'refund',
  }, key)
  return unwrap<{ case: { id: string; status: string; version: number; order: { orderId: string } }; created: boolean }>(res)
}

describe('buyer and seller functions on the SQLite store', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp()
  })
  afterEach(() => app.close())

  test('a buyer files a case on their own order and sees it in their list, routed to the quality team', async () => {
    const { case: c, created } = await fileCase(app, A)
    expect(created).toBe(true)
    expect(c.status).toBe('submitted')
    const list = unwrap<{ items: { id: string }[] }>(await app.buyer(A, 'list_cases', {}))
    expect(list.items.map((i) => i.id)).toEqual([c.id])
    const seen = unwrap<{ team: string; assigneeId: string | null }>(await app.staff(SUP, 'get_case', { caseId: c.id }))
    expect(seen.team).toBe('quality')
    expect(seen.assigneeId).toBe(AGENT)
  })

  test('staff are offered the return and replacement legs only while there is one to handle', async () => {
    const cups = (await ordersOf(app, A)).find((o) => o.order.items.length === 1 && o.order.items[0].skuId === 'SKU-CUP-02' && o.order.items[0].qty === 6)!
    const filed = unwrap<{ case: { id: string } }>(await app.buyer(A, 'submit', {
      orderId: cups.order.orderId, claimedItems: [{ skuId: 'SKU-CUP-02', qty: 2 }], type: 'resend', reason: 'damaged_in_transit', desiredRemedy: 'resend', facts: { damagedUnits: 2 },
    }, 'k-legs-0001'))
    type View = { status: string; version: number; actions: string[]; offers: { id: string; status: string; kind: string }[] }
    const view = async () => unwrap<View>(await app.staff(SUP, 'get_case', { caseId: filed.case.id }))
    let v = await unwrap<View>(await app.staff(SUP, 'respond', { caseId: filed.case.id, text: '已收到' }))
    expect(v.status).toBe('in_review')
    expect(v.actions).toEqual(expect.arrayContaining(['make_offer', 'approve', 'issue_refund']))
    expect(v.actions).not.toContain('receive_return')
    expect(v.actions).not.toContain('ship_replacement')
    const resend = v.offers.find((o) => o.status === 'suggested' && o.kind === 'resend')!
    v = unwrap<View>(await app.staff(SUP, 'make_offer', { caseId: filed.case.id, offerIds: [resend.id] }))
    unwrap(await app.buyer(A, 'accept_offer', { caseId: filed.case.id, offerId: resend.id, expectedVersion: v.version }))
    v = await view()
    expect(v.status).toBe('in_review')
    expect(v.actions).toContain('ship_replacement')
    expect(v.actions).not.toContain('receive_return') // two broken cups: nothing to collect
    v = unwrap<View>(await app.staff(SUP, 'ship_replacement', { caseId: filed.case.id, carrier: '顺丰速运', trackingNo: 'SF0001' }))
    expect(v.status).toBe('replacement_shipped')
    expect(v.actions).not.toContain('ship_replacement')
  })

  test('queue: the SLA-state filter and the 已超时 tab follow the badge as time passes, before any scheduler pass', async () => {
    const { case: c } = await fileCase(app, A) // Monday 11:00 Shanghai: first response due 15:00 (business hours), warning from 14:12
    type Q = { items: { id: string; sla: { state: string } }[]; next: string | null; counts: Record<string, number> }
    const ids = async (data: Record<string, unknown>) => unwrap<Q>(await app.staff(SUP, 'queue', { tab: 'all', ...data })).items.map((i) => i.id)
    app.setNow('2026-11-23T04:00:00.000Z')
    expect(await ids({ slaState: 'on_time' })).toEqual([c.id])
    expect(await ids({ slaState: 'warning' })).toEqual([])
    app.setNow('2026-11-23T06:30:00.000Z')
    expect(await ids({ slaState: 'on_time' })).toEqual([])
    expect(await ids({ slaState: 'warning', severity: 'P2' })).toEqual([c.id])
    let q = unwrap<Q>(await app.staff(SUP, 'queue', { tab: 'overdue' }))
    expect([q.items.length, q.counts.overdue]).toEqual([0, 0])
    app.setNow('2026-11-23T07:30:00.000Z')
    expect(await ids({ slaState: 'breached' })).toEqual([c.id])
    q = unwrap<Q>(await app.staff(SUP, 'queue', { tab: 'overdue' }))
    expect(q.items.map((i) => [i.id, i.sla.state])).toEqual([[c.id, 'breached']])
    expect(q.counts.overdue).toBe(1)
    expect(await app.staff(SUP, 'queue', { tab: 'all', slaState: 'late' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
  })

  test('a buyer sees only their own orders', async () => {
    const mine = await ordersOf(app, A)
    expect(mine.length).toBeGreaterThan(3)
    expect(mine.every((o) => (o.order as unknown as { buyerOpenid: string }).buyerOpenid === A)).toBe(true)
    const theirs = await ordersOf(app, B)
    const res = await app.buyer(A, 'check_eligibility', { orderId: theirs[0].order.orderId, claimedItems: [{ skuId: theirs[0].order.items[0].skuId, qty: 1 }], reason: 'other' })
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
  })

  test('unknown actions and malformed envelopes are clear errors', async () => {
    expect(await app.buyer(A, 'drop_tables', {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ACTION' } })
    expect(await app.buyer(A, '', {})).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(await app.staff(SUP, 'queue', { tab: 'nope' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
  })

  test('authorisation matrix: every action × buyer A, buyer B, agent, supervisor, owner, anonymous — zero leaks', async () => {
    const { case: c } = await fileCase(app, A)
    const secretIds = [c.id, c.order.orderId]
    const caseActionInput = (action: string): Record<string, unknown> => {
      const samples: Record<string, Record<string, unknown>> = {
        cancel: {}, provide_info: { text: '补充' }, accept_offer: { offerId: 'x' }, decline_offer: {}, ship_return: { carrier: '顺丰', trackingNo: 'SF1' },
        confirm_receipt: {}, rate: { score: 5 }, appeal: { text: '申诉' }, get_case: {},
        respond: { text: '您好' }, ask_info: { text: '请补充照片' }, make_offer: {}, approve: {}, reject: { text: '不符合' }, receive_return: {},
        inspect: { result: 'pass', note: '完好' }, issue_refund: { amountFen: 100 }, ship_replacement: { carrier: '顺丰', trackingNo: 'SF2' },
        note: { text: '内部备注' }, reassign: { assigneeId: 'staff-bo' }, escalate: { text: '升级' },
      }
      return { caseId: c.id, ...(samples[action] ?? {}) }
    }
    const otherInputs: Record<string, unknown> = {
      whoami: {}, list_orders: {}, list_cases: {}, get_policy: {}, check_eligibility: { orderId: c.order.orderId, claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }], reason: 'other' },
      submit: { orderId: c.order.orderId, claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }], type: 'refund_only', reason: 'other', desiredRemedy: 'refund' },
      record_subscriptions: { results: [{ templateId: 'unknown-template', result: 'accept' }] },
      queue: {}, list_staff: {}, upsert_staff: { id: 'staff-new', name: '新人', role: 'agent', teams: ['general'], onDuty: false },
      set_duty: { id: AGENT, onDuty: true }, set_dedicated_rep: { buyerOpenid: B, repId: null },
      set_buyer_trust: { buyerOpenid: B, trusted: false, reason: '矩阵测试' }, update_policy: { expectedVersion: 999, policy: {} }, list_policy_versions: {}, preview_policy: { policy: {} }, cancel_preview: {},
      // issue 24
      care_reply: { orderId: c.order.orderId, satisfied: true }, batch_alerts: {}, get_batch_alert: { alertId: 'no-alert' },
      act_batch_alert: { alertId: 'no-alert', expectedVersion: 1, remedy: { kind: 'resend' }, outreach: null },
      bulk_command: { items: [{ caseId: c.id, expectedVersion: 1 }], command: { type: 'note', text: '矩阵' } },
    }
    const input = (action: string) => (action in otherInputs ? otherInputs[action] : caseActionInput(action))
    const leaks: string[] = []
    const check = (who: string, fn: string, action: string, res: { ok: boolean; data?: unknown; error?: { code: string } }) => {
      const body = JSON.stringify(res)
      if (who === B && secretIds.some((id) => body.includes(id))) leaks.push(`${who} ${fn}.${action}: ${body.slice(0, 200)}`)
    }
    for (const action of Object.keys(aftersaleInputs)) {
      // anonymous: nothing at all
      expect(await app.buyer(null, action, input(action))).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } })
      // buyer B never reaches buyer A's case or order
      const res = await app.buyer(B, action, input(action), 'k-matrix-' + action)
      check(B, 'aftersale', action, res)
      if ('caseId' in (input(action) as object)) expect(res).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    }
    const roleOnly: Record<string, string[]> = {
      update_policy: [OWNER], preview_policy: [OWNER], cancel_preview: [OWNER], upsert_staff: [SUP, OWNER], set_dedicated_rep: [SUP, OWNER], set_buyer_trust: [SUP, OWNER], search_buyers: [SUP, OWNER], list_policy_versions: [SUP, OWNER], analytics: [SUP, OWNER], export_cases: [SUP, OWNER],
      batch_alerts: [SUP, OWNER], get_batch_alert: [SUP, OWNER], act_batch_alert: [OWNER],
    }
    for (const action of Object.keys(adminInputs)) {
      expect(await app.staff(null, action, input(action))).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } })
      for (const buyer of [A, B]) {
        const res = await app.staff(buyer, action, input(action))
        check(buyer, 'admin', action, res)
        expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
      }
      for (const who of [AGENT, SUP, OWNER]) {
        const res = await app.staff(who, action, input(action))
        if (roleOnly[action] && !roleOnly[action].includes(who)) expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
        else if (!res.ok) expect(['FORBIDDEN', 'UNAUTHENTICATED', 'INTERNAL']).not.toContain(res.error.code)
      }
    }
    // a buyer never sees internal notes
    unwrap(await app.staff(SUP, 'note', { caseId: c.id, text: '买家疑似职业索赔，谨慎处理' }))
    const mine = JSON.stringify(await app.buyer(A, 'get_case', { caseId: c.id }))
    expect(mine).not.toContain('职业索赔')
    expect(leaks).toEqual([])
  })

  test('dedicated reps are picked, not typed: find a buyer by name, phone tail or order number; every assignment listed; a save that changes nothing says so', async () => {
    type Pick = { openid: string; name: string | null; phoneTail: string | null; orderId: string | null; dedicatedRepId: string | null; repName: string | null; trusted: boolean }
    type Found = { matches: Pick[]; assigned: Pick[] }
    const search = async (q: string) => unwrap<Found>(await app.staff(SUP, 'search_buyers', { q }))
    expect((await search('赵')).matches.map((b) => [b.openid, b.name])).toEqual([['buyer-zhao', '赵先生']])
    expect((await search('3302')).matches.map((b) => b.openid)).toEqual(['buyer-zhao'])
    const order = (await ordersOf(app, B))[0].order.orderId
    expect((await search(order)).matches).toEqual([expect.objectContaining({ openid: B, orderId: order, name: '吴同学' })])
    expect((await search('没有这个人')).matches).toEqual([])
    // the seeded assignment is listed with the rep's name
    expect((await search('')).assigned).toEqual([expect.objectContaining({ openid: 'buyer-lin', dedicatedRepId: AGENT, repName: '小美（品质组）' })])

    expect(unwrap<{ changed: boolean }>(await app.staff(SUP, 'set_dedicated_rep', { buyerOpenid: A, repId: 'staff-bo' })).changed).toBe(true)
    expect(unwrap<{ changed: boolean }>(await app.staff(SUP, 'set_dedicated_rep', { buyerOpenid: A, repId: 'staff-bo' })).changed).toBe(false)
    expect((await search('')).assigned.map((b) => [b.openid, b.repName]).sort()).toEqual([['buyer-lin', '小美（品质组）'], ['buyer-zhao', '小波（物流组）']])
    // removed: no longer listed
    unwrap(await app.staff(SUP, 'set_dedicated_rep', { buyerOpenid: 'buyer-lin', repId: null }))
    expect((await search('')).assigned.map((b) => b.openid)).toEqual(['buyer-zhao'])
    expect(await app.staff(SUP, 'search_buyers', { q: 'x'.repeat(41) })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(await app.staff(AGENT, 'search_buyers', { q: '赵' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
  })

  test('50 concurrent approvals of one case: exactly one transition and one refund', async () => {
    const { case: c } = await fileCase(app, A)
    const results = await Promise.all(Array.from({ length: 50 }, () => app.staff(SUP, 'approve', { caseId: c.id, expectedVersion: c.version })))
    const oks = results.filter((r) => r.ok)
    expect(oks).toHaveLength(1)
    for (const r of results) if (!r.ok) expect(['CONFLICT', 'NOT_ALLOWED_IN_STATUS']).toContain(r.error.code)
    const after = unwrap<{ status: string; refunds: { amountFen: number }[]; timeline: { type: string }[] }>(await app.staff(SUP, 'get_case', { caseId: c.id }))
    expect(after.timeline.filter((t) => t.type === 'approve')).toHaveLength(1)
    expect(after.refunds).toHaveLength(1)
    expect(await app.store.refundedForOrder(c.order.orderId)).toBe(after.refunds[0].amountFen)
    expect(after.status).toBe('resolved')
  })

  test('200 concurrent submits with one idempotency key create one case', async () => {
    const orders = await ordersOf(app, A)
    const tea = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === 'SKU-TEA-01')!
    const data = { orderId: tea.order.orderId, claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }
    const results = await Promise.all(Array.from({ length: 200 }, () => app.buyer(A, 'submit', data, 'same-key-123456')))
    expect(results.every((r) => r.ok)).toBe(true)
    const ids = new Set(results.map((r) => (r.ok ? (r.data as { case: { id: string } }).case.id : '')))
    expect(ids.size).toBe(1)
    expect(results.filter((r) => r.ok && (r.data as { created: boolean }).created)).toHaveLength(1)
    expect(await app.store.countCases({ buyerOpenid: A })).toBe(1)
  })

  test('random bad inputs to every action: a typed error, never INTERNAL, never a partial write', async () => {
    const { case: c } = await fileCase(app, A)
    const before = { cases: await app.store.countCases({}), outbox: (await app.store.listOutbox({}, 1000)).length, version: (await app.store.getCase(c.id))!.version }
    const junk = fc.oneof(
      fc.constant(undefined), fc.constant(null), fc.integer(), fc.string(), fc.boolean(), fc.array(fc.anything(), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('caseId', 'orderId', 'text', 'amountFen', 'score', 'claimedItems', 'type', 'reason', 'tab', 'policy', 'offerId', 'results'), fc.anything({ maxDepth: 2 })),
    )
    const actions = [...Object.keys(aftersaleInputs).map((a) => ['aftersale', a] as const), ...Object.keys(adminInputs).map((a) => ['admin', a] as const)]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...actions), junk, async ([fn, action], data) => {
        // bad data for real actions, addressed at nobody's case or at A's case with garbage fields
        const payload = data && typeof data === 'object' && !Array.isArray(data) && 'caseId' in data ? data : data
        const res = fn === 'aftersale' ? await app.buyer(B, action, payload, 'fuzz-key-0001') : await app.staff(AGENT, action, payload)
        if (!res.ok) expect(res.error.code).not.toBe('INTERNAL')
      }),
      { numRuns: 300 },
    )
    expect(await app.store.countCases({})).toBe(before.cases)
    expect((await app.store.getCase(c.id))!.version).toBe(before.version)
    expect((await app.store.listOutbox({}, 1000)).length).toBe(before.outbox)
  })
})

describe('policies saved before a field existed', () => {
  test('read with the new defaults: follow-up hours, and no return address until the seller sets one', async () => {
    const app = await makeApp()
    try {
      const cur = unwrap<{ version: number; policy: Record<string, unknown> & { sla: Record<string, unknown> } }>(await app.staff('staff-owner', 'get_policy', {}))
      // what an older release stored: neither sla.followUpVisitHours nor returnAddress
      const { returnAddress: _r, ...older } = cur.policy
      const { followUpVisitHours: _f, ...olderSla } = older.sla
      void _r
      void _f
      await app.store.savePolicy({ ...older, sla: olderSla, version: cur.version + 1 } as never, cur.version, 'old-release', app.deps.now())
      const read = unwrap<{ policy: { sla: { followUpVisitHours: number }; returnAddress: { address: string } } }>(await app.staff('staff-owner', 'get_policy', {}))
      expect(read.policy.sla.followUpVisitHours).toBe(48)
      expect(read.policy.returnAddress.address).toBe('')
      const pub = unwrap<{ returnAddress: unknown }>(await app.buyer('buyer-zhao', 'get_policy', {}))
      expect(pub.returnAddress).toBeNull()
    } finally {
      await app.close()
    }
  })
})
