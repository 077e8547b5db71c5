/**
 * Disputes (纠纷单) and platform tickets (客诉工单) end to end on the server side (issue 21 §2): the
 * real adapter against the stand-in, the gateway's push route, the poll, the core commands, the
 * dispatcher and the SQLite store, on one clock.
 */
import type { CaseView } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import type { Gateway } from '../../cloudfunctions/gateway/server'
import { shopDeskForFile } from './shop-desk'
import { AFTERSALE_SCOPE } from '../../cloudfunctions/app/usecases/import-aftersale'
import { TICKET_SCOPE, importComplaint, importTicket } from '../../cloudfunctions/app/usecases/import-dispute'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'

jest.setTimeout(30_000)

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const PUSH_TOKEN = 'push-token-for-disputes'

let clock = Date.parse('2026-11-23T02:00:00.000Z') // 10:00 in Shanghai, a Monday
const desk = shopDeskForFile({ name: 'channels-disputes', clock: () => clock, pushToken: PUSH_TOKEN, standin: { decisionMs: 48 * HOUR, refundMs: MINUTE, proofMs: 48 * HOUR } })
let standin: ChannelsStandin
let gw: Gateway
beforeAll(() => {
  ;({ standin, gw } = desk)
})

const agent = { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': 'staff-owner' }
async function staff(action: string, data: Record<string, unknown>): Promise<{ ok: boolean; data?: CaseView; error?: { code: string; message: string } }> {
  const r = await fetch(`${gw.url}/api/fn/admin`, { method: 'POST', headers: agent, body: JSON.stringify({ action, data, idempotencyKey: `k-${Math.random()}` }) })
  return (await r.json()) as { ok: boolean; data?: CaseView; error?: { code: string; message: string } }
}
async function mustCase(afterSaleOrderId: string): Promise<Case> {
  const c = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, afterSaleOrderId)
  if (!c) throw new Error(`no case for after-sale ${afterSaleOrderId}`)
  return c
}
/** the staff alerts of one kind the case's writes put in the outbox */
async function alertsOf(caseId: string, alert: string): Promise<Array<{ text: string; dueAt?: string; to: string }>> {
  const items = await gw.deps.store.listOutbox({ caseId }, 500)
  return items.filter((o) => o.kind === 'staff_alert' && o.payload.alert === alert).map((o) => o.payload as { text: string; dueAt?: string; to: string })
}
const dispatch = () => dispatchOutbox(gw.deps, gw.sender, { random: () => 0 })
const okCalls = (p: string) => standin.state.calls.filter((x) => x.path === p && x.errcode === 0).length

/** A refund the seller rejected on the platform, then the buyer's dispute (the stand-in pushes both). */
async function disputed(opts: { status?: number; dropPushes?: number } = {}) {
  const o = standin.state.createOrder({ products: [{ productId: '10000001', skuId: '20000001', title: '羊毛混纺围巾 燕麦色', count: 1, priceFen: 19_900 }] })
  const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND', reason: '10000000', desc: '颜色和图片不一样' })
  await standin.flushPushes()
  const c0 = await mustCase(a.after_sale_order_id)
  expect((await staff('platform_reject', { caseId: c0.id, rejectReasonType: 1, text: '围巾已剪吊牌' })).ok).toBe(true)
  await dispatch()
  clock += 2 * MINUTE
  if (opts.dropPushes) standin.state.dropNextPush(opts.dropPushes)
  const complaint = standin.state.openComplaint({ afterSaleOrderId: a.after_sale_order_id, status: opts.status ?? 106, content: '商家拒绝退款，我要平台评理' })
  await standin.flushPushes()
  return { afterSaleOrderId: a.after_sale_order_id, orderId: o.order_id, complaintId: complaint.complaint_id }
}

describe('disputes come in', () => {
  it('a pushed dispute attaches to the case of its after-sale: status label, history, the deadline, the agent told', async () => {
    const { afterSaleOrderId, complaintId } = await disputed({ status: 106 })
    const c = await mustCase(afterSaleOrderId)
    expect(c.dispute).toMatchObject({ complaintId, afterSaleOrderId, status: 106, outcome: null, deadlineSource: 'estimated' })
    expect(c.dispute?.history).toEqual([expect.objectContaining({ itemType: 1, content: '商家拒绝退款，我要平台评理' })])
    expect(c.dispute?.deadline).toBe(new Date(clock + 48 * HOUR).toISOString())
    expect(c.timeline.at(-1)?.text).toContain('待商家补充凭证')
    expect((await alertsOf(c.id, 'dispute_update')).some((a) => a.dueAt === c.dispute?.deadline && a.text.includes('待商家补充凭证'))).toBe(true)
  })

  it('a dispute on an after-sale the desk never saw creates its case first', async () => {
    const o = standin.state.createOrder({})
    standin.state.dropNextPush()
    const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND' })
    await standin.flushPushes()
    expect(await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, a.after_sale_order_id)).toBeNull()
    standin.state.openComplaint({ afterSaleOrderId: a.after_sale_order_id, status: 100 })
    await standin.flushPushes()
    const c = await mustCase(a.after_sale_order_id)
    expect(c.source).toBe('channels')
    expect(c.dispute?.status).toBe(100)
  })

  it('duplicate and out-of-order complaint pushes add nothing twice', async () => {
    const { afterSaleOrderId, complaintId } = await disputed({ status: 103 })
    standin.state.chaos = { duplicate: true, reorder: true }
    const cs = standin.state.mustComplaint(complaintId)
    standin.state.moveComplaint(cs, 106, '请商家补充发货凭证')
    await standin.flushPushes()
    const c = await mustCase(afterSaleOrderId)
    expect(standin.state.pushes.filter((p) => p.event === 'channels_ec_complaint_update' && p.afterSaleOrderId === afterSaleOrderId && p.delivered).length).toBe(3)
    expect(c.dispute?.status).toBe(106)
    expect(c.dispute?.history).toHaveLength(2)
    const syncs = c.timeline.filter((t) => t.type === 'dispute_sync')
    expect(syncs.map((t) => t.text)).toEqual([expect.stringContaining('客服处理中'), expect.stringContaining('待商家补充凭证')])
    // the same dispute read again later (a late retry of the push) changes nothing
    const versionBefore = c.version
    expect(await importComplaint(gw.deps, complaintId)).toMatchObject({ updated: false })
    expect((await mustCase(afterSaleOrderId)).version).toBe(versionBefore)
  })

  it('a lost dispute push: the poll re-reads the after-sale that names it', async () => {
    const { afterSaleOrderId } = await disputed({ status: 106, dropPushes: 1 })
    expect((await mustCase(afterSaleOrderId)).dispute ?? null).toBeNull()
    await gw.tick()
    expect((await mustCase(afterSaleOrderId)).dispute?.status).toBe(106)
  })
})

describe('the agent answers the dispute', () => {
  it('proof before the deadline: sent once, the platform’s new status shown, counted as answered in time', async () => {
    const { afterSaleOrderId, complaintId } = await disputed({ status: 106 })
    const c = await mustCase(afterSaleOrderId)
    // a message is refused in 106: the platform takes messages only while customer service handles it
    const msg = await staff('dispute_message', { caseId: c.id, text: '补充说明', expectedVersion: c.version })
    expect(msg).toMatchObject({ ok: false, error: { code: 'NOT_ALLOWED_IN_STATUS' } })
    expect(msg.error?.message).toContain('客服处理中')
    const r = await staff('dispute_proof', { caseId: c.id, text: '围巾发货前已拍照，吊牌完好，见附图', photos: [], expectedVersion: c.version })
    expect(r.ok).toBe(true)
    expect(r.data?.dispute?.lastCall).toMatchObject({ call: 'complaint_proof', outcome: 'pending' })
    // a second answer while the first is in flight is refused
    expect((await staff('dispute_proof', { caseId: c.id, text: '再补充', expectedVersion: r.data?.version })).error?.code).toBe('CONFLICT')
    await dispatch()
    await dispatch()
    expect(okCalls('/channels/ec/aftersale/addcomplaintproof')).toBe(1)
    expect(standin.state.mustComplaint(complaintId).history.some((h) => h.item_type === 2 && h.content.includes('吊牌完好'))).toBe(true)
    const after = await mustCase(afterSaleOrderId)
    expect(after.dispute).toMatchObject({ status: 107, lastCall: { outcome: 'done' }, answers: [expect.objectContaining({ call: 'complaint_proof', beforeDeadline: true })] })
    expect(after.timeline.some((t) => t.text.includes('商家已补充凭证'))).toBe(true)
  })

  it('a platform refusal reaches the agent in Chinese', async () => {
    const { afterSaleOrderId, complaintId } = await disputed({ status: 106 })
    const c = await mustCase(afterSaleOrderId)
    const r = await staff('dispute_proof', { caseId: c.id, text: '发货凭证', expectedVersion: c.version })
    expect(r.ok).toBe(true)
    // customer service moved on before the proof went out
    standin.state.moveComplaint(standin.state.mustComplaint(complaintId), 103)
    await standin.flushPushes()
    await dispatch()
    const after = await mustCase(afterSaleOrderId)
    expect(after.dispute?.lastCall).toMatchObject({ outcome: 'refused', errcode: 10021504 })
    expect(after.dispute?.lastCall?.message).toContain('不是「待商家举证」')
    expect((await alertsOf(c.id, 'platform_refused')).some((a) => a.text.includes('纠纷举证'))).toBe(true)
    // now in 103 the agent may leave a message instead
    const m = await staff('dispute_message', { caseId: c.id, text: '已按平台要求补充说明', expectedVersion: after.version })
    expect(m.ok).toBe(true)
    await dispatch()
    expect((await mustCase(afterSaleOrderId)).dispute?.lastCall).toMatchObject({ call: 'complaint_material', outcome: 'done' })
  })

  it('an approaching deadline reaches the agent once; the platform’s timeout and the outcome are mirrored', async () => {
    const { afterSaleOrderId, complaintId } = await disputed({ status: 108 })
    const c = await mustCase(afterSaleOrderId)
    const deadline = c.dispute!.deadline!
    // the queue sorts it by the dispute deadline
    const q = (await staff('queue', { tab: 'all' })) as unknown as { data: { items: Array<{ id: string; shopDeadline: { label: string; dueAt: string } | null }> } }
    expect(q.data.items[0]?.id).toBe(c.id)
    expect(q.data.items[0]?.shopDeadline).toEqual({ label: '纠纷「待双方补充凭证」', dueAt: deadline })
    clock = Date.parse(deadline) - 11 * HOUR
    await gw.tick()
    await gw.tick()
    const warned = await mustCase(afterSaleOrderId)
    expect(warned.dispute?.warnedFor).toBe(deadline)
    const warnings = await alertsOf(c.id, 'platform_deadline')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ dueAt: deadline })
    // it reaches a person: the case's agent (else the supervisors) finds it in the inbox
    await dispatch()
    const to = warnings[0].to === 'supervisor' ? (await gw.deps.store.listStaff()).filter((m) => m.role === 'supervisor').map((m) => m.id) : [warnings[0].to]
    expect(to.length).toBeGreaterThan(0)
    for (const id of to) {
      const inbox = await gw.deps.store.listInbox(id, { limit: 100 })
      expect(inbox.items.filter((i) => i.caseId === c.id && i.kind === 'platform_deadline')).toEqual([expect.objectContaining({ dueAt: deadline })])
    }
    // nobody answered: the platform records the seller's timeout, then closes the dispute with a refund
    clock = Date.parse(deadline) + MINUTE
    await standin.advance(0)
    let d = (await mustCase(afterSaleOrderId)).dispute
    expect(d).toMatchObject({ status: 307, timeouts: [307], deadline: null })
    standin.state.moveComplaint(standin.state.mustComplaint(complaintId), 115, '平台核实后退款')
    await standin.flushPushes()
    d = (await mustCase(afterSaleOrderId)).dispute
    expect(d).toMatchObject({ status: 115, outcome: 'lost' })
    // analytics counts it
    const a = (await staff('analytics', {})) as unknown as { ok: boolean; data: { disputes: { opened: number; lost: number; sellerTimeouts: number } } }
    expect(a.ok).toBe(true)
    expect(a.data.disputes.lost).toBeGreaterThanOrEqual(1)
    expect(a.data.disputes.sellerTimeouts).toBeGreaterThanOrEqual(1)
  })
})

describe('platform tickets (客诉工单)', () => {
  it('a 催发货 ticket on an order without an open case opens one; its timeout is mirrored', async () => {
    const o = standin.state.createOrder({ shipped: false })
    const t = standin.state.openTicket({ orderId: o.order_id, dealMs: 24 * HOUR })
    await standin.flushPushes()
    const c = await gw.deps.store.findByIdempotencyKey(TICKET_SCOPE, t.ticket_id)
    expect(c).not.toBeNull()
    expect(c!.type).toBe('logistics')
    expect(c!.platformTickets).toEqual([expect.objectContaining({ ticketId: t.ticket_id, classType: 9, state: 1, deadline: new Date(t.ticket_deal_end_time * 1000).toISOString() })])
    expect(c!.platformTickets?.[0].description).not.toContain('<a')
    // the same ticket read again (a duplicate push) adds nothing
    await importTicket(gw.deps, t.ticket_id)
    expect((await gw.deps.store.getCase(c!.id))?.version).toBe(c!.version)
    clock += 25 * HOUR
    await standin.advance(0)
    const after = await gw.deps.store.getCase(c!.id)
    expect(after?.platformTickets?.[0]).toMatchObject({ state: 3, timedOut: true, reviewResult: 2 })
  })

  it('a ticket on an order with an open case attaches to it; the poll finds a ticket whose push was lost', async () => {
    const { afterSaleOrderId, orderId } = await (async () => {
      const o = standin.state.createOrder({})
      const a = standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND' })
      await standin.flushPushes()
      return { afterSaleOrderId: a.after_sale_order_id, orderId: o.order_id }
    })()
    standin.state.dropNextPush()
    const t = standin.state.openTicket({ orderId })
    await standin.flushPushes()
    expect((await mustCase(afterSaleOrderId)).platformTickets ?? []).toHaveLength(0)
    await gw.tick()
    const c = await mustCase(afterSaleOrderId)
    expect(c.platformTickets).toEqual([expect.objectContaining({ ticketId: t.ticket_id, state: 1 })])
    expect(await gw.deps.store.findByIdempotencyKey(TICKET_SCOPE, t.ticket_id)).toBeNull()
    // the next passes read it again without writing
    const v = c.version
    await gw.tick()
    expect((await mustCase(afterSaleOrderId)).version).toBe(v)
  })
})
