/**
 * A shop return is received and inspected at the desk before the platform refunds (issue 21 §4.5),
 * unless the policy's switch says 确认收货即退款; and the platform's own moves are told as such.
 */
import type { PlatformSnapshot } from '@contract/domain'
import { defaultPolicy, type Policy } from '@contract/policy'
import { allowedCommands, decide } from '../../cloudfunctions/core'
import { agent, ctx, later, MON_10, open, step, system } from './fixtures'

const snap = (over: Partial<PlatformSnapshot> = {}): PlatformSnapshot => ({
  afterSaleOrderId: 'AS-9', orderId: 'O-1001', type: 'RETURN', status: 'MERCHANT_PROCESSING', reasonCode: '10000000', reasonText: '不想要了',
  refundFen: 5000, productId: 'P', skuId: 'NEST-6', count: 1, description: '', mediaIds: [], telNumber: null, returnWaybill: null,
  deadline: later(MON_10, 48 * 60), refundResp: null, complaintId: null, shopOpenid: 'shop-o', unionid: null, createTime: MON_10, updateTime: MON_10,
  ...over,
})

/** A shop return the agent agreed to, whose parcel the platform says is on its way back. */
function shipped(policy: Policy) {
  const extra = { policy }
  const c0 = open({ type: 'return_refund', desiredRemedy: 'refund', platform: { ...snap(), syncedAt: MON_10, lastCall: null } }, MON_10, { actor: system, ...extra })
  const accepted = step(c0, { type: 'platform_accept' }, agent, later(MON_10, 5), extra).case
  const done = step(accepted, { type: 'platform_call_result', callKey: accepted.platform?.lastCall?.key ?? '', outcome: 'done' }, system, later(MON_10, 6), extra).case
  const waybill = { waybillId: 'YT1', deliveryId: 'YTO', deliveryName: '圆通速递' }
  return step(done, { type: 'platform_sync', snapshot: snap({ status: 'MERCHANT_WAIT_RECEIPT', returnWaybill: waybill, updateTime: later(MON_10, 60) }) }, system, later(MON_10, 61), extra).case
}

describe('视频号小店退货：先验货再退款', () => {
  it('默认：确认收货 → 验货通过才让平台退款；「确认收货并退款」不可直接用', () => {
    const c = shipped(defaultPolicy)
    expect(c.status).toBe('return_shipped')
    const now = later(MON_10, 70)
    expect(allowedCommands(c, { actor: agent, policy: defaultPolicy, now })).toEqual(expect.arrayContaining(['receive_return', 'platform_reject']))
    expect(allowedCommands(c, { actor: agent, policy: defaultPolicy, now })).not.toContain('platform_accept')
    const received = step(c, { type: 'receive_return' }, agent, now).case
    expect(received.status).toBe('inspecting')
    const passed = step(received, { type: 'inspect', result: 'pass', note: '完好', photos: [] }, agent, later(MON_10, 80))
    expect(passed.case.status).toBe('refunding')
    expect(passed.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'platform_call', call: 'confirm_receipt_refund' })]))
  })

  it('关闭开关：「确认收货并退款」一步完成，收货验货不出现', () => {
    const off: Policy = { ...defaultPolicy, platformReturns: { inspectBeforeRefund: false } }
    const c = shipped(off)
    const now = later(MON_10, 70)
    const actions = allowedCommands(c, { actor: agent, policy: off, now })
    expect(actions).toContain('platform_accept')
    expect(actions).not.toContain('receive_return')
    const r = decide(c, { type: 'platform_accept' }, ctx(agent, now, { policy: off }))
    expect(r.ok && r.value.case.status).toBe('refunding')
    expect(r.ok && r.value.events.some((e) => e.kind === 'platform_call' && e.call === 'confirm_receipt_refund')).toBe(true)
  })
})

describe('平台自行处理：用白话说清楚', () => {
  const opened = () => open({ type: 'refund_only', desiredRemedy: 'refund', platform: { ...snap({ type: 'REFUND' }), syncedAt: MON_10, lastCall: null } }, MON_10, { actor: system })
  const sync = (c: ReturnType<typeof opened>, over: Partial<PlatformSnapshot>, minutes: number) =>
    step(c, { type: 'platform_sync', snapshot: snap({ type: 'REFUND', updateTime: later(MON_10, minutes), deadline: null, ...over }) }, system, later(MON_10, minutes + 1))

  it('客服驳回后平台客服判定退款：时间线写明，并提醒客服', () => {
    const rejected = sync(opened(), { status: 'MERCHANT_REJECT_REFUND' }, 10).case
    const ruled = sync(rejected, { status: 'PLATFORM_REFUNDING', complaintId: 'CP-1' }, 60 * 24)
    expect(ruled.case.timeline.at(-1)?.text).toBe('平台客服已介入处理，判定退款¥50')
    expect(ruled.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'staff_alert', alert: 'platform_update', text: expect.stringContaining('平台客服已介入处理') })]))
  })

  it('平台在期限前直接同意（如极速退款）不说成“商家未在期限内处理”', () => {
    const r = sync(opened(), { status: 'PLATFORM_REFUNDING' }, 5)
    expect(r.case.timeline.at(-1)?.text).toBe('平台已直接同意退款¥50')
  })

  it('商家自己同意的退款，平台照办：不算平台自行处理，也不再给买家添一条“退款中”', () => {
    const accepted = step(opened(), { type: 'platform_accept' }, agent, later(MON_10, 5)).case
    const done = step(accepted, { type: 'platform_call_result', callKey: accepted.platform?.lastCall?.key ?? '', outcome: 'done' }, system, later(MON_10, 6)).case
    const r = sync(done, { status: 'PLATFORM_REFUNDING' }, 7)
    expect(r.case.timeline.at(-1)).toMatchObject({ text: '平台正在退款¥50', internal: true })
    expect(r.events.some((e) => e.kind === 'staff_alert')).toBe(false)
  })
})

describe('退货：平台到期自动处理', () => {
  it('商家未在期限内处理退货申请：平台自动同意退货，提醒客服', () => {
    const c0 = open({ type: 'return_refund', desiredRemedy: 'refund', platform: { ...snap(), syncedAt: MON_10, lastCall: null } }, MON_10, { actor: system })
    const at = later(MON_10, 48 * 60 + 1)
    const r = step(c0, { type: 'platform_sync', snapshot: snap({ status: 'USER_WAIT_RETURN', updateTime: at, deadline: later(MON_10, 9 * 24 * 60) }) }, system, at)
    expect(r.case.timeline.at(-1)?.text).toBe('商家未在期限内处理，平台已自动同意退货，等待买家寄回')
    expect(r.events.some((e) => e.kind === 'staff_alert' && e.alert === 'platform_update')).toBe(true)
  })

  it('商家未在期限内确认收货：平台自动退款，客服验货也不再等', () => {
    const c = shipped(defaultPolicy)
    const at = later(MON_10, 48 * 60 + 5)
    const r = step(c, { type: 'platform_sync', snapshot: snap({ status: 'PLATFORM_REFUNDING', updateTime: at, deadline: null, returnWaybill: c.platform?.returnWaybill ?? null }) }, system, at)
    expect(r.case.status).toBe('refunding')
    expect(r.case.timeline.at(-1)?.text).toBe('商家未在期限内确认收货，平台已自动退款¥50')
  })
})
