import type { Case, OrderSnapshot } from '@contract/domain'
import type { NewOutboxItem } from '../../cloudfunctions/ports/store'
import { makeCase } from './fixtures'
import { makeApp, unwrap, type App } from './app-harness'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { withinLimit } from '../../cloudfunctions/core/messages'
import type { SendResult, SenderPort, StaffNotice, SubscribeMessage, WecomMessage } from '../../cloudfunctions/ports/sender'

/** Deterministic PRNG so a "30 % failure" run is the same run every time. */
function mulberry32(seed: number) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A WeChat stand-in: fails a share of calls (system busy or a dropped connection), records what got through. */
class FlakySender implements SenderPort {
  delivered: SubscribeMessage[] = []
  notices: StaffNotice[] = []
  constructor(
    private failRate: number,
    private random: () => number,
    private answer: (m: SubscribeMessage) => SendResult | null = () => null,
  ) {}
  async sendSubscribe(m: SubscribeMessage): Promise<SendResult> {
    const fixed = this.answer(m)
    if (fixed) return fixed
    const r = this.random()
    if (r < this.failRate / 2) return { errcode: -1, errmsg: 'system error' }
    if (r < this.failRate) throw new Error('ECONNRESET')
    this.delivered.push(m)
    return { errcode: 0, errmsg: 'ok' }
  }
  async notifyStaff(n: StaffNotice): Promise<SendResult> {
    this.notices.push(n)
    return { errcode: 0, errmsg: 'ok' }
  }
  async sendWecom(_m: WecomMessage): Promise<SendResult> {
    return { errcode: 0, errmsg: 'ok' }
  }
}

const BUYER = 'buyer-notify'
const hourLater = (iso: string, h = 1) => new Date(Date.parse(iso) + h * 3_600_000).toISOString()

async function addOrders(app: App, n: number, name = '测试商品') {
  const now = app.deps.now()
  const day = (d: number) => new Date(Date.parse(now) - d * 86_400_000).toISOString()
  for (let i = 0; i < n; i++) {
    const order: OrderSnapshot = {
      orderId: `N${i}`, buyerOpenid: BUYER, items: [{ skuId: 'SKU-N', name, qty: 1, unitPriceFen: 9900 }], paidFen: 9900,
      paidAt: day(5), shippedAt: day(4), promisedDeliveryAt: day(3), deliveredAt: day(2),
    }
    await app.store.upsertOrder({ order, createdAt: order.paidAt })
  }
}

async function submit(app: App, i: number) {
  return unwrap<{ case: { id: string } }>(
    await app.buyer(BUYER, 'submit', { orderId: `N${i}`, claimedItems: [{ skuId: 'SKU-N', qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, `notify-${i}`),
  ).case.id
}

async function drain(app: App, sender: SenderPort, random: () => number) {
  for (let pass = 0; pass < 60; pass++) {
    await dispatchOutbox(app.deps, sender, { limit: 1000, random })
    if (!(await app.store.listOutbox({ status: 'pending' }, 1)).length) return
    app.setNow(hourLater(app.deps.now())) // past every backoff
  }
}

describe('subscription messages through the outbox', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp()
    await app.store.addCredits(BUYER, 'TEMPLATE_CASE_UPDATE', 100_000)
    await app.store.addCredits(BUYER, 'TEMPLATE_ACTION_REQUIRED', 100_000)
  })
  afterEach(() => app.close())

  test('a sender failing 30 % of calls: after retries every message of 1,000 transitions is delivered exactly once', async () => {
    await addOrders(app, 100)
    let transitions = 0
    for (let i = 0; i < 100; i++) {
      const id = await submit(app, i)
      transitions++
      for (let k = 0; k < 9; k++) {
        const r = k % 2 === 0
          ? await app.staff('staff-sup', 'ask_info', { caseId: id, text: `请补充第 ${k} 张照片` })
          : await app.buyer(BUYER, 'provide_info', { caseId: id, text: '已补充' })
        unwrap(r)
        transitions++
      }
    }
    expect(transitions).toBe(1000)
    const rows = await app.store.listOutbox({}, 100_000)
    const buyerRows = rows.filter((r) => r.kind === 'buyer_message')
    expect(buyerRows.length).toBeGreaterThan(400)

    const random = mulberry32(42)
    const sender = new FlakySender(0.3, random)
    await drain(app, sender, random)

    const after = await app.store.listOutbox({}, 100_000)
    expect(after.filter((r) => r.status !== 'sent')).toEqual([])
    const perKey = new Map<string, number>()
    for (const m of sender.delivered) {
      const k = `${m.touser}|${m.templateId}|${m.page}|${JSON.stringify(m.data)}`
      perKey.set(k, (perKey.get(k) ?? 0) + 1)
    }
    expect(sender.delivered).toHaveLength(buyerRows.length)
    expect(after.some((r) => r.attempts > 1)).toBe(true) // retries really happened
  }, 120_000)

  test('43101 consumes no retry and is recorded as "buyer not notified"; 47003 parks the message and alerts the owner', async () => {
    await addOrders(app, 2)
    await submit(app, 0)
    const refused = new FlakySender(0, Math.random, () => ({ errcode: 43101, errmsg: 'user refuse to accept the msg' }))
    await dispatchOutbox(app.deps, refused)
    const [row] = (await app.store.listOutbox({}, 10)).filter((r) => r.kind === 'buyer_message')
    expect(row).toMatchObject({ status: 'skipped', attempts: 1 })
    expect(row.lastError).toContain('未通知')

    await submit(app, 1)
    const broken = new FlakySender(0, Math.random, () => ({ errcode: 47003, errmsg: 'argument invalid! data.thing2.value invalid' }))
    await dispatchOutbox(app.deps, broken)
    const failed = (await app.store.listOutbox({ status: 'failed' }, 10))[0]
    expect(failed.lastError).toContain('data.thing2.value')
    expect(broken.notices.some((n) => n.to === 'owner' && n.text.includes('thing2'))).toBe(true)
  })

  test('no subscription credit: the message is not sent and the reason is recorded', async () => {
    await addOrders(app, 1)
    await app.store.spendCredit(BUYER, 'x') // no-op on an unknown template
    const other = await makeApp()
    try {
      await addOrders(other, 1)
      await submit(other, 0) // no credits were added in `other`
      const sender = new FlakySender(0, Math.random)
      await dispatchOutbox(other.deps, sender)
      expect(sender.delivered).toHaveLength(0)
      const [row] = (await other.store.listOutbox({}, 10)).filter((r) => r.kind === 'buyer_message')
      expect(row.status).toBe('skipped')
    } finally {
      await other.close()
    }
  })

  test('template fields at their limits (long Chinese product names, emoji) are sent valid', async () => {
    await addOrders(app, 3, '🍵超长的明前龙井茶叶礼盒装🎁限量版👨‍👩‍👧‍👦家庭分享装含茶具套装与精美手提袋🇨🇳')
    for (let i = 0; i < 3; i++) await submit(app, i)
    const sender = new FlakySender(0, Math.random)
    await dispatchOutbox(app.deps, sender)
    expect(sender.delivered.length).toBeGreaterThanOrEqual(3)
    for (const m of sender.delivered) {
      for (const [field, { value }] of Object.entries(m.data)) {
        expect({ field, value, ok: withinLimit(field, value) }).toEqual({ field, value, ok: true })
        expect(value).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/) // no lone high surrogate
      }
    }
  })
})

describe('a burst of messages', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp()
  })
  afterEach(() => app.close())

  /** Buyer messages of P3 cases queued first, then P1 messages and supervisor alerts. */
  async function queue(p3: number) {
    const now = app.deps.now()
    const msg = (c: Case, i: number, openid: string): NewOutboxItem => ({
      key: `${c.id}:m${i}`, caseId: c.id, kind: 'buyer_message',
      payload: { kind: 'buyer_message', key: `${c.id}:m${i}`, event: 'case_update', templateKey: 'case_update', templateId: 'T', caseId: c.id, openid, page: 'pages/case/index', data: { thing1: { value: `m${i}` } } },
    })
    for (let i = 0; i < p3; i++) {
      const c = makeCase({ severity: 'P3', createdAt: now, buyerOpenid: `b-${i}` })
      await app.store.createCase(c, [msg(c, 0, `b-${i}`)])
      await app.store.addCredits(`b-${i}`, 'T', 1)
    }
    const urgent: string[] = []
    for (let i = 0; i < 4; i++) {
      const c = makeCase({ severity: 'P1', createdAt: now, buyerOpenid: `u-${i}` })
      const alert: NewOutboxItem = { key: `${c.id}:a`, caseId: c.id, kind: 'staff_alert', payload: { kind: 'staff_alert', key: `${c.id}:a`, caseId: c.id, to: 'supervisor', alert: 'p1_opened', text: `P1 ${i}` } }
      await app.store.createCase(c, [msg(c, 0, `u-${i}`), alert])
      await app.store.addCredits(`u-${i}`, 'T', 1)
      urgent.push(`u-${i}`)
    }
    return urgent
  }

  test('P1 messages and staff alerts are sent before the queue of other messages', async () => {
    const urgent = await queue(60)
    const sender = new FlakySender(0, Math.random)
    // a pass that can take only 10 of the 68 rows takes the 8 urgent ones
    await dispatchOutbox(app.deps, sender, { limit: 10, chunk: 10 })
    expect(sender.delivered.map((m) => m.touser).filter((u) => urgent.includes(u)).sort()).toEqual(urgent)
    const sup = (await app.store.listStaff()).find((s) => s.role === 'supervisor' && s.active)!
    expect((await app.store.listInbox(sup.id, { limit: 50 })).items.filter((i) => i.kind === 'p1_opened')).toHaveLength(4)
    expect(sender.delivered).toHaveLength(4 + 2) // plus two of the 60 others
  })

  test('two dispatchers draining at once send every message exactly once', async () => {
    await queue(120)
    const sender = new FlakySender(0, Math.random)
    for (let pass = 0; pass < 20; pass++) {
      await Promise.all([dispatchOutbox(app.deps, sender, { limit: 40, chunk: 15 }), dispatchOutbox(app.deps, sender, { limit: 40, chunk: 15, concurrency: 3 })])
      if (!(await app.store.listOutbox({ status: 'pending' }, 1)).length) break
    }
    const to = sender.delivered.map((m) => m.touser)
    expect(to).toHaveLength(124)
    expect(new Set(to).size).toBe(124)
    expect(await app.store.listOutbox({ status: 'pending' }, 10)).toEqual([])
  })
})
