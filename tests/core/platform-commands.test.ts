import type { PlatformSnapshot } from '@contract/domain'
import { allowedCommands, decide } from '../../cloudfunctions/core'
import { agent, ctx, later, MON_10, open, policy, step, supervisor, system } from './fixtures'

const snap = (over: Partial<PlatformSnapshot> = {}): PlatformSnapshot => ({
  afterSaleOrderId: 'AS-1', orderId: 'O-1001', type: 'REFUND', status: 'MERCHANT_PROCESSING', reasonCode: '10000021', reasonText: '质量问题',
  refundFen: 5000, productId: 'P', skuId: 'NEST-6', count: 1, description: '有杂质', mediaIds: ['m1'], telNumber: null, returnWaybill: null,
  deadline: later(MON_10, 48 * 60), refundResp: null, complaintId: null, shopOpenid: 'shop-o', unionid: null, createTime: MON_10, updateTime: MON_10,
  ...over,
})
/** A case that came from the shop (as the import opens it, by the system). */
const shopCase = (over: Partial<PlatformSnapshot> = {}) =>
  open({ type: 'refund_only', desiredRemedy: 'refund', platform: { ...snap(over), syncedAt: MON_10, lastCall: null } }, MON_10, { actor: system })

describe('视频号小店售后：平台指令', () => {
  it('同意退款：进入退款中，记一笔待平台退款、不走本地支付，并写出一条平台调用', () => {
    const r = step(shopCase(), { type: 'platform_accept' }, supervisor, later(MON_10, 10))
    expect(r.case.status).toBe('refunding')
    expect(r.case.refunds).toEqual([expect.objectContaining({ amountFen: 5000, status: 'pending' })])
    expect(r.events.some((e) => e.kind === 'refund_requested')).toBe(false)
    const call = r.events.find((e) => e.kind === 'platform_call')
    expect(call).toMatchObject({ call: 'accept_refund', afterSaleOrderId: 'AS-1', callKey: r.case.platform?.lastCall?.key })
    // a second decision waits for the platform's answer
    expect(allowedCommands(r.case, { actor: supervisor, policy, now: later(MON_10, 11) })).not.toContain('platform_reject')
  })

  it('平台拒绝（余额不足）：回到客服处理，退款失败并标记，提醒客服', () => {
    const accepted = step(shopCase(), { type: 'platform_accept' }, supervisor, later(MON_10, 10)).case
    const key = accepted.platform?.lastCall?.key ?? ''
    const r = step(accepted, { type: 'platform_call_result', callKey: key, outcome: 'refused', errcode: 10021046, message: '商家账户余额不足' }, system, later(MON_10, 11))
    expect(r.case.status).toBe('in_review')
    expect(r.case.flags.refundFailed).toBe(true)
    expect(r.case.refunds[0]).toMatchObject({ status: 'failed', failureReason: '商家账户余额不足' })
    expect(r.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'staff_alert', alert: 'platform_refused' })]))
    // the same answer again is a no-op (CONFLICT)
    const again = decide(r.case, { type: 'platform_call_result', callKey: key, outcome: 'refused' }, ctx(system, later(MON_10, 12)))
    expect(again.ok || again.error.code).toBe('CONFLICT')
  })

  it('平台状态：新的快照推动售后单，旧的被忽略；平台退款完成 → 已解决并记退款成功', () => {
    const c = shopCase()
    const stale = decide(c, { type: 'platform_sync', snapshot: snap({ status: 'USER_CANCELD', updateTime: later(MON_10, -5) }) }, ctx(system, later(MON_10, 1)))
    expect(stale.ok || stale.error.code).toBe('CONFLICT')
    const auto = step(c, { type: 'platform_sync', snapshot: snap({ status: 'PLATFORM_REFUNDING', updateTime: later(MON_10, 48 * 60), deadline: null }) }, system, later(MON_10, 48 * 60 + 1))
    expect(auto.case.status).toBe('refunding')
    const done = step(auto.case, { type: 'platform_sync', snapshot: snap({ status: 'MERCHANT_REFUND_SUCCESS', updateTime: later(MON_10, 48 * 60 + 2), deadline: null }) }, system, later(MON_10, 48 * 60 + 3))
    expect(done.case.status).toBe('resolved')
    expect(done.case.refunds).toEqual([expect.objectContaining({ status: 'succeeded', amountFen: 5000 })])
  })

  it('小程序的处理指令在视频号小店售后单上不可用，SLA 不晚于平台期限', () => {
    const c = shopCase()
    const r = decide(c, { type: 'approve' }, ctx(agent, later(MON_10, 5)))
    expect(r.ok || r.error.message).toContain('平台')
    expect(Date.parse(c.sla.resolution.dueAt)).toBeLessThanOrEqual(Date.parse(later(MON_10, 48 * 60)))
    expect(allowedCommands(c, { actor: agent, policy, now: later(MON_10, 5) })).toEqual(expect.arrayContaining(['platform_accept', 'platform_reject', 'note']))
    expect(allowedCommands(c, { actor: agent, policy, now: later(MON_10, 5) })).not.toContain('approve')
  })

  it('平台退款完成后的回访：客服可以在视频号小店售后单上记录回访（平台不管回访）', () => {
    const auto = step(shopCase(), { type: 'platform_sync', snapshot: snap({ status: 'PLATFORM_REFUNDING', updateTime: later(MON_10, 60), deadline: null }) }, system, later(MON_10, 61))
    const done = step(auto.case, { type: 'platform_sync', snapshot: snap({ status: 'MERCHANT_REFUND_SUCCESS', updateTime: later(MON_10, 62), deadline: null }) }, system, later(MON_10, 63))
    expect(done.case.followUp).toBeTruthy()
    expect(allowedCommands(done.case, { actor: agent, policy, now: later(MON_10, 64) })).toContain('record_visit')
    const visit = step(done.case, { type: 'record_visit', outcome: 'satisfied' }, agent, later(MON_10, 65))
    expect(visit.case.followUp?.outcome).toBe('satisfied')
  })
})
