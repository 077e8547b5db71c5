/**
 * Staff alerts reach people (issue 15): every alert kind lands in the recipients' inbox, as a
 * WeChat subscription message to a staff member who subscribed, and on the case team's WeCom group
 * robot — through the outbox, each exactly once, with failures and rate-limit answers injected by
 * the WeCom stand-in (./wecom-standin.ts) and the real robot adapter posting to it over HTTP.
 */
import { StaffAlertKindSchema, type OrderSnapshot, type StaffAlertEvent } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import type { InboxOutputs } from '@contract/alerts'
import { makeApp, unwrap, type App } from './app-harness'
import { WecomStandIn } from './wecom-standin'
import { dispatchOutbox, type DispatchStats } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { WecomRobot } from '../../cloudfunctions/adapters/wecom/robot'
import type { SendResult, SenderPort, StaffNotice, SubscribeMessage, WecomMessage } from '../../cloudfunctions/ports/sender'

const KEY = 'test-robot-key-quality-0001'
const BUYER = 'buyer-alerts'
const KINDS = StaffAlertKindSchema.options

/** WeChat's subscribeMessage.send for staff, recorded; the robot adapter posts to the stand-in over HTTP. */
class TestSender implements SenderPort {
  readonly subscribed: SubscribeMessage[] = []
  constructor(private robot: WecomRobot) {}
  async sendSubscribe(m: SubscribeMessage): Promise<SendResult> {
    this.subscribed.push(m)
    return { errcode: 0, errmsg: 'ok' }
  }
  async notifyStaff(_n: StaffNotice): Promise<SendResult> {
    return { errcode: 0, errmsg: 'ok' }
  }
  sendWecom(m: WecomMessage): Promise<SendResult> {
    return this.robot.send(m)
  }
}

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString()

describe('staff alerts: inbox, subscription messages, WeCom robot', () => {
  let app: App
  let wecom: WecomStandIn
  let sender: TestSender
  let caseId: string
  let assignee: string

  async function drain(): Promise<DispatchStats[]> {
    const passes: DispatchStats[] = []
    for (let i = 0; i < 200; i++) {
      passes.push(await dispatchOutbox(app.deps, sender, { limit: 1000, random: () => 0.5 }))
      if (!(await app.store.listOutbox({ status: 'pending' }, 1)).length) return passes
      app.setNow(later(app.deps.now(), 61_000)) // past any backoff of a few attempts and into the next minute
    }
    throw new Error('outbox never drained')
  }

  async function alertRow(alert: StaffAlertEvent['alert'], to: string, n: number): Promise<string> {
    const ev: StaffAlertEvent = { kind: 'staff_alert', key: `${caseId}:test:${alert}:${n}`, caseId, to, alert, text: `测试提醒 ${alert} #${n}` }
    await app.store.enqueueOutbox([{ key: ev.key, caseId, kind: 'staff_alert', payload: ev as unknown as Record<string, unknown> }], app.deps.now())
    return ev.key
  }

  beforeEach(async () => {
    app = await makeApp()
    wecom = new WecomStandIn([KEY], () => Date.parse(app.deps.now()))
    await wecom.start()
    sender = new TestSender(new WecomRobot({ WECOM_KEY_QUALITY: KEY }, wecom.url))
    // the owner names the quality team's robot by its environment variable, never the key
    const cur = unwrap<{ version: number; policy: typeof defaultPolicy }>(await app.staff('staff-owner', 'get_policy'))
    unwrap(await app.staff('staff-owner', 'update_policy', {
      expectedVersion: cur.version,
      policy: { ...cur.policy, staffAlerts: { ...cur.policy.staffAlerts, wecom: [{ team: 'quality', keyEnv: 'WECOM_KEY_QUALITY', msgtype: 'markdown', alerts: [] }] } },
    }))
    const order: OrderSnapshot = {
      orderId: 'AL-1', buyerOpenid: BUYER, items: [{ skuId: 'SKU-AL', name: '明前龙井', qty: 1, unitPriceFen: 9900 }], paidFen: 9900,
      paidAt: later(app.deps.now(), -5 * 86_400_000), shippedAt: later(app.deps.now(), -4 * 86_400_000), deliveredAt: later(app.deps.now(), -2 * 86_400_000),
    }
    await app.store.upsertOrder({ order, createdAt: order.paidAt })
    const sub = unwrap<{ case: { id: string } }>(
      await app.buyer(BUYER, 'submit', { orderId: 'AL-1', claimedItems: [{ skuId: 'SKU-AL', qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, 'alerts-submit-1'),
    )
    caseId = sub.case.id
    const routed = unwrap<{ team: string; assigneeId: string }>(await app.staff('staff-sup', 'get_case', { caseId }))
    expect(routed.team).toBe('quality')
    assignee = 'staff-amy' // the quality team's agent
    if (routed.assigneeId !== assignee) unwrap(await app.staff('staff-sup', 'reassign', { caseId, assigneeId: assignee }))
    await drain() // whatever the submit and the reassignment produced
    app.setNow(later(app.deps.now(), 60_000)) // a fresh minute for the robot's budget
    wecom.posted.length = 0
    wecom.requests = 0
    sender.subscribed.length = 0
  })
  afterEach(async () => {
    await wecom.stop()
    await app.close()
  })

  test('the policy refuses a key pasted where the variable name belongs; the key is never stored', async () => {
    const cur = unwrap<{ version: number; policy: typeof defaultPolicy }>(await app.staff('staff-owner', 'get_policy'))
    const r = await app.staff('staff-owner', 'update_policy', {
      expectedVersion: cur.version,
      policy: { ...cur.policy, staffAlerts: { ...cur.policy.staffAlerts, wecom: [{ team: 'quality', keyEnv: KEY, msgtype: 'text', alerts: [] }] } },
    })
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(JSON.stringify(unwrap(await app.staff('staff-owner', 'get_policy')))).not.toContain(KEY)
  })

  test('every alert kind reaches the inbox, a subscribed staff member and the WeCom robot, each exactly once despite failures', async () => {
    // the assignee and the supervisor subscribe from the admin pages (one credit per accepted tap)
    const tpl = defaultPolicy.staffAlerts.template.templateId
    for (const who of [assignee, 'staff-sup']) {
      for (let i = 0; i < KINDS.length; i++) unwrap(await app.staff(who, 'record_staff_subscriptions', { results: [{ templateId: tpl, result: 'accept' }] }))
    }
    expect((await app.store.getCredits(assignee))[tpl]).toBe(KINDS.length)
    // half the kinds go to the agent, half to the supervisors, as the core addresses them
    const keys: string[] = []
    for (const [i, kind] of KINDS.entries()) keys.push(await alertRow(kind, i % 2 ? 'supervisor' : assignee, i))
    // the robot is busy, cuts a connection, answers HTTP 500 and once says "too frequent"
    wecom.failNext(KEY, 'busy', 'drop', 'http500', 'rate', 'busy')

    await drain()

    const rows = await app.store.listOutbox({ caseId }, 10_000)
    expect(rows.filter((r) => r.kind !== 'buyer_message' && r.status !== 'sent')).toEqual([])
    expect(rows.some((r) => r.kind === 'wecom' && r.attempts > 1)).toBe(true) // retries really happened
    // WeCom: one post per alert, whatever was injected
    const posted = wecom.postedTo(KEY)
    expect(posted).toHaveLength(KINDS.length)
    for (const kind of KINDS) expect(posted.filter((p) => p.content.includes(`测试提醒 ${kind} #`))).toHaveLength(1)
    expect(posted.every((p) => p.msgtype === 'markdown')).toBe(true)
    // inbox: the agent's kinds in the agent's inbox, the supervisor's in the supervisor's
    const mine = unwrap<InboxOutputs['inbox']>(await app.staff(assignee, 'inbox', { limit: 100 }))
    const sup = unwrap<InboxOutputs['inbox']>(await app.staff('staff-sup', 'inbox', { limit: 100 }))
    const kindsOf = (p: InboxOutputs['inbox']) => p.items.filter((i) => i.text.startsWith('测试提醒')).map((i) => i.kind).sort()
    expect(kindsOf(mine)).toEqual(KINDS.filter((_, i) => i % 2 === 0).sort())
    expect(kindsOf(sup)).toEqual(KINDS.filter((_, i) => i % 2 === 1).sort())
    expect(mine.unread).toBe(mine.items.length)
    // subscription messages: one per alert to its recipient, opening the case in the admin pages
    expect(sender.subscribed).toHaveLength(KINDS.length)
    expect(sender.subscribed.filter((m) => m.touser === assignee)).toHaveLength(Math.ceil(KINDS.length / 2))
    expect(sender.subscribed.every((m) => m.templateId === tpl && m.page === `admin/case/index?id=${encodeURIComponent(caseId)}`)).toBe(true)
    expect((await app.store.getCredits(assignee))[tpl]).toBe(KINDS.length - Math.ceil(KINDS.length / 2))
    // a second full pass later sends nothing again
    const before = wecom.requests
    app.setNow(later(app.deps.now(), 3_600_000))
    await dispatchOutbox(app.deps, sender)
    expect(wecom.requests).toBe(before)
    expect(JSON.stringify(rows)).not.toContain(KEY)
  }, 60_000)

  test('at most 20 posts a minute per robot: the 21st waits for the next minute instead of being refused', async () => {
    for (let i = 0; i < 25; i++) await alertRow('p1_opened', 'supervisor', i)
    await dispatchOutbox(app.deps, sender, { limit: 1000 }) // fans each alert out into its channel rows
    const first = await dispatchOutbox(app.deps, sender, { limit: 1000 })
    expect(wecom.postedTo(KEY)).toHaveLength(20)
    expect(first.deferred).toBe(5)
    expect(wecom.requests).toBe(20) // the dispatcher held back: WeCom never had to say 45009
    await drain()
    expect(wecom.postedTo(KEY)).toHaveLength(25)
    const wecomRows = (await app.store.listOutbox({ caseId }, 1000)).filter((r) => r.kind === 'wecom')
    expect(wecomRows.every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true) // waiting spent no attempt
  })

  test('a wrong key or a missing variable fails visibly: the owner finds it in the inbox; the inbox still got the alert', async () => {
    const bad = new TestSender(new WecomRobot({ WECOM_KEY_QUALITY: 'not-a-known-key' }, wecom.url))
    await alertRow('sla_breach', 'supervisor', 1)
    await dispatchOutbox(app.deps, bad)
    await dispatchOutbox(app.deps, bad)
    const failed = (await app.store.listOutbox({ status: 'failed' }, 10)).filter((r) => r.kind === 'wecom')
    expect(failed).toHaveLength(1)
    expect(failed[0].lastError).toContain('93000')
    const owner = unwrap<InboxOutputs['inbox']>(await app.staff('staff-owner', 'inbox', { limit: 50 }))
    const notice = owner.items.find((i) => i.kind === 'delivery_failed')
    expect(notice?.text).toContain('WECOM_KEY_QUALITY')
    expect(notice?.text).not.toContain('not-a-known-key')
    const sup = unwrap<InboxOutputs['inbox']>(await app.staff('staff-sup', 'inbox', { limit: 50 }))
    expect(sup.items.some((i) => i.kind === 'sla_breach')).toBe(true)

    const unset = new TestSender(new WecomRobot({}, wecom.url))
    await alertRow('refund_failed', assignee, 2)
    await dispatchOutbox(app.deps, unset)
    await dispatchOutbox(app.deps, unset)
    const owner2 = unwrap<InboxOutputs['inbox']>(await app.staff('staff-owner', 'inbox', { limit: 50 }))
    expect(owner2.items.filter((i) => i.kind === 'delivery_failed').some((i) => i.text.includes('未设置'))).toBe(true)
  })

  test('the inbox is per staff member: mark read (one or all), unread count, nobody reads another’s', async () => {
    await alertRow('approval_needed', 'supervisor', 1)
    await alertRow('sla_warning', 'supervisor', 2)
    await alertRow('followup_visit', assignee, 3)
    await drain()
    const sup = unwrap<InboxOutputs['inbox']>(await app.staff('staff-sup', 'inbox', { limit: 50 }))
    expect(sup.unread).toBe(2)
    const target = sup.items[0]
    // the agent cannot mark the supervisor's entry
    expect(unwrap<InboxOutputs['mark_inbox_read']>(await app.staff(assignee, 'mark_inbox_read', { ids: [target.id] })).marked).toBe(0)
    expect(unwrap<InboxOutputs['mark_inbox_read']>(await app.staff('staff-sup', 'mark_inbox_read', { ids: [target.id] }))).toEqual({ marked: 1, unread: 1 })
    const unreadOnly = unwrap<InboxOutputs['inbox']>(await app.staff('staff-sup', 'inbox', { unreadOnly: true, limit: 50 }))
    expect(unreadOnly.items.map((i) => i.id)).not.toContain(target.id)
    expect(unwrap<InboxOutputs['mark_inbox_read']>(await app.staff('staff-sup', 'mark_inbox_read', { all: true }))).toEqual({ marked: 1, unread: 0 })
    const mine = unwrap<InboxOutputs['inbox']>(await app.staff(assignee, 'inbox', { limit: 50 }))
    expect(mine.items.map((i) => i.kind)).toContain('followup_visit')
    expect(mine.items.every((i) => i.staffId === assignee)).toBe(true)
    // a staff member may only subscribe to the staff template
    const bad = await app.staff(assignee, 'record_staff_subscriptions', { results: [{ templateId: 'TEMPLATE_CASE_UPDATE', result: 'accept' }] })
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect(await app.buyer(BUYER, 'inbox', {})).toMatchObject({ ok: false })
  })

  test('a buyer declining an offer reaches the agent with product, buyer, reason, amount and deadline; the queue says 买家已回复 until the agent acts', async () => {
    // the owner maps the staff template's extra fields to the alert's context
    const cur = unwrap<{ version: number; policy: typeof defaultPolicy }>(await app.staff('staff-owner', 'get_policy'))
    const fields = { ...cur.policy.staffAlerts.template.fields, thing5: 'productName', thing6: 'buyerName', thing7: 'reasonLabel', amount8: 'amountFen', time9: 'dueAt' }
    unwrap(await app.staff('staff-owner', 'update_policy', { expectedVersion: cur.version, policy: { ...cur.policy, staffAlerts: { ...cur.policy.staffAlerts, template: { ...cur.policy.staffAlerts.template, fields } } } }))
    const tpl = cur.policy.staffAlerts.template.templateId
    const order: OrderSnapshot = {
      orderId: 'AL-3', buyerOpenid: BUYER, buyerName: '林女士', items: [{ skuId: 'SKU-CTX', name: '手工青瓷茶杯', qty: 2, unitPriceFen: 3900 }], paidFen: 7800,
      paidAt: later(app.deps.now(), -5 * 86_400_000), shippedAt: later(app.deps.now(), -4 * 86_400_000), deliveredAt: later(app.deps.now(), -2 * 86_400_000),
    }
    await app.store.upsertOrder({ order, createdAt: order.paidAt })
    const filed = unwrap<{ case: { id: string } }>(
      await app.buyer(BUYER, 'submit', { orderId: 'AL-3', claimedItems: [{ skuId: 'SKU-CTX', qty: 2 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, 'alerts-submit-3'),
    )
    const id = filed.case.id
    const routed = unwrap<{ assigneeId: string }>(await app.staff('staff-sup', 'get_case', { caseId: id }))
    if (routed.assigneeId !== assignee) unwrap(await app.staff('staff-sup', 'reassign', { caseId: id, assigneeId: assignee }))
    unwrap(await app.staff(assignee, 'make_offer', { caseId: id, offers: [{ kind: 'refund', refundFen: 3000, explanation: '补偿¥30' }] }))
    await drain()
    const replied = async () => unwrap<{ items: { id: string; buyerReplied: boolean }[] }>(await app.staff(assignee, 'queue', { tab: 'mine', limit: 50 })).items.find((c) => c.id === id)!.buyerReplied
    expect(await replied()).toBe(false)
    wecom.posted.length = 0
    sender.subscribed.length = 0
    unwrap(await app.staff(assignee, 'record_staff_subscriptions', { results: [{ templateId: tpl, result: 'accept' }] }))

    unwrap(await app.buyer(BUYER, 'decline_offer', { caseId: id, text: '杯子碎了两个，¥30不够' }))
    await drain()

    const c = unwrap<{ sla: { resolution: { dueAt: string } } }>(await app.staff(assignee, 'get_case', { caseId: id }))
    const mine = unwrap<InboxOutputs['inbox']>(await app.staff(assignee, 'inbox', { limit: 100 }))
    const entry = mine.items.find((i) => i.caseId === id && i.kind === 'offer_declined')!
    expect(entry.text).toContain('杯子碎了两个，¥30不够')
    expect(entry.context).toMatchObject({ product: '手工青瓷茶杯 ×2', buyer: '林女士', reasonLabel: '质量问题', amountFen: 3000, amountKind: 'declined', dueAt: c.sla.resolution.dueAt, dueKind: 'sla' })
    // the WeCom line names the same things
    const post = wecom.postedTo(KEY).find((p) => p.content.includes('买家未接受方案'))!
    for (const s of ['商品：手工青瓷茶杯 ×2', '买家：林女士', '原因：质量问题', '买家未接受：¥30', '处理截止：']) expect(post.content).toContain(s)
    // and so does the subscription message, through the fields the owner mapped
    const msg = sender.subscribed.find((m) => m.touser === assignee)!
    expect(msg.data).toMatchObject({ thing5: { value: '手工青瓷茶杯 ×2' }, thing6: { value: '林女士' }, thing7: { value: '质量问题' }, amount8: { value: '30.00元' } })
    expect(msg.data.time9.value).not.toBe('-')

    // the queue card says 买家已回复 until the agent acts (a note counts)
    expect(await replied()).toBe(true)
    unwrap(await app.staff(assignee, 'note', { caseId: id, text: '已电话联系' }))
    expect(await replied()).toBe(false)
  })

  test('a real P1 submit reaches the supervisors’ inbox and the team robot', async () => {
    const order: OrderSnapshot = {
      orderId: 'AL-2', buyerOpenid: BUYER, items: [{ skuId: 'SKU-P1', name: '燕窝', qty: 1, unitPriceFen: 19900 }], paidFen: 19900,
      paidAt: later(app.deps.now(), -5 * 86_400_000), shippedAt: later(app.deps.now(), -4 * 86_400_000), deliveredAt: later(app.deps.now(), -2 * 86_400_000),
    }
    await app.store.upsertOrder({ order, createdAt: order.paidAt })
    unwrap(await app.buyer(BUYER, 'submit', { orderId: 'AL-2', claimedItems: [{ skuId: 'SKU-P1', qty: 1 }], type: 'refund_only', reason: 'safety_allergy', description: '吃了过敏', desiredRemedy: 'refund' }, 'alerts-submit-2'))
    await drain()
    const sup = unwrap<InboxOutputs['inbox']>(await app.staff('staff-sup', 'inbox', { limit: 50 }))
    expect(sup.items.some((i) => i.kind === 'p1_opened')).toBe(true)
    expect(wecom.postedTo(KEY).some((p) => p.content.includes('P1 紧急售后'))).toBe(true)
  })
})
