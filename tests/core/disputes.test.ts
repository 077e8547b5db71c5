import type { DisputeSnapshot, PlatformSnapshot } from '@contract/domain'
import { allowedCommands, decide, nextTimers } from '../../cloudfunctions/core'
import { disputeOutcome } from '../../cloudfunctions/core/dispute-status'
import { agent, ctx, later, MON_10, open, policy, step, system } from './fixtures'

const snap = (over: Partial<PlatformSnapshot> = {}): PlatformSnapshot => ({
  afterSaleOrderId: 'AS-1', orderId: 'O-1001', type: 'REFUND', status: 'MERCHANT_REJECT_REFUND', reasonCode: '10000021', reasonText: '质量问题',
  refundFen: 5000, productId: 'P', skuId: 'NEST-6', count: 1, description: '有杂质', mediaIds: [], telNumber: null, returnWaybill: null,
  deadline: null, refundResp: null, complaintId: 'CP-1', shopOpenid: 'shop-o', unionid: null, createTime: MON_10, updateTime: MON_10,
  ...over,
})
const shopCase = () => open({ type: 'refund_only', desiredRemedy: 'refund', platform: { ...snap(), syncedAt: MON_10, lastCall: null } }, MON_10, { actor: system })
const dispute = (status: number, entries: number, over: Partial<DisputeSnapshot> = {}): DisputeSnapshot => ({
  complaintId: 'CP-1',
  afterSaleOrderId: 'AS-1',
  status,
  history: Array.from({ length: entries }, (_, i) => ({ itemType: 1, at: later(MON_10, i), content: `记录${i}`, mediaIds: [] })),
  platformDeadline: null,
  ...over,
})

describe('平台纠纷（纠纷单）', () => {
  it('待商家补充凭证：显示状态与截止（平台未给出时按48小时估算），提醒客服，只允许举证', () => {
    const now = later(MON_10, 60)
    const r = step(shopCase(), { type: 'dispute_sync', snapshot: dispute(106, 1) }, system, now)
    expect(r.case.dispute).toMatchObject({ status: 106, deadline: later(now, 48 * 60), deadlineSource: 'estimated', outcome: null })
    expect(r.events).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'staff_alert', alert: 'dispute_update', dueAt: later(now, 48 * 60) })]))
    const actions = allowedCommands(r.case, { actor: agent, policy, now })
    expect(actions).toContain('dispute_proof')
    expect(actions).not.toContain('dispute_message')
    // the platform's own deadline wins when it gives one
    const own = step(shopCase(), { type: 'dispute_sync', snapshot: dispute(106, 1, { platformDeadline: later(now, 24 * 60) }) }, system, now)
    expect(own.case.dispute).toMatchObject({ deadline: later(now, 24 * 60), deadlineSource: 'platform' })
  })

  it('重复或更旧的纠纷快照什么也不加（CONFLICT）', () => {
    const first = step(shopCase(), { type: 'dispute_sync', snapshot: dispute(103, 2) }, system, later(MON_10, 1)).case
    const same = decide(first, { type: 'dispute_sync', snapshot: dispute(103, 2) }, ctx(system, later(MON_10, 2)))
    expect(same.ok || same.error.code).toBe('CONFLICT')
    const older = decide(first, { type: 'dispute_sync', snapshot: dispute(100, 1) }, ctx(system, later(MON_10, 3)))
    expect(older.ok || older.error.code).toBe('CONFLICT')
  })

  it('举证：写出一条平台调用，回答前不能再提交；平台收下后记为截止前答复', () => {
    const now = later(MON_10, 10)
    const disputed = step(shopCase(), { type: 'dispute_sync', snapshot: dispute(106, 1) }, system, now).case
    const r = step(disputed, { type: 'dispute_proof', text: '发货凭证', photos: ['local:a'] }, agent, later(now, 5))
    const call = r.events.find((e) => e.kind === 'platform_call')
    expect(call).toMatchObject({ call: 'complaint_proof', complaintId: 'CP-1', content: '发货凭证', photos: ['local:a'], callKey: r.case.dispute?.lastCall?.key })
    const again = decide(r.case, { type: 'dispute_proof', text: '再来', photos: [] }, ctx(agent, later(now, 6)))
    expect(again.ok || again.error.code).toBe('CONFLICT')
    const done = step(r.case, { type: 'dispute_call_result', callKey: r.case.dispute!.lastCall!.key, outcome: 'done' }, system, later(now, 7))
    expect(done.case.dispute?.answers).toEqual([expect.objectContaining({ call: 'complaint_proof', beforeDeadline: true })])
  })

  it('截止将至：计时器在截止前12小时提醒一次', () => {
    const now = later(MON_10, 10)
    const disputed = step(shopCase(), { type: 'dispute_sync', snapshot: dispute(108, 1) }, system, now).case
    const warnAt = later(now, 36 * 60)
    expect(nextTimers(disputed, now, policy)).toEqual(expect.arrayContaining([{ command: 'shop_deadline_warn', at: warnAt }]))
    const early = decide(disputed, { type: 'shop_deadline_warn' }, ctx(system, later(warnAt, -1)))
    expect(early.ok).toBe(false)
    const warned = step(disputed, { type: 'shop_deadline_warn' }, system, warnAt)
    expect(warned.events).toEqual([expect.objectContaining({ kind: 'staff_alert', alert: 'platform_deadline', dueAt: later(now, 48 * 60) })])
    expect(nextTimers(warned.case, warnAt, policy).some((t) => t.command === 'shop_deadline_warn')).toBe(false)
  })

  it('结果：退款核实完成 = 判退款；调解关闭 = 关闭；调解完成看售后单是否退款；取消介入 = 未退款', () => {
    expect(disputeOutcome(115, false)).toBe('lost')
    expect(disputeOutcome(116, false)).toBe('closed')
    expect(disputeOutcome(112, true)).toBe('lost')
    expect(disputeOutcome(112, false)).toBe('won')
    expect(disputeOutcome(102, false)).toBe('won')
    expect(disputeOutcome(307, false)).toBeNull()
    const c = step(shopCase(), { type: 'dispute_sync', snapshot: dispute(106, 1) }, system, later(MON_10, 1)).case
    const timedOut = step(c, { type: 'dispute_sync', snapshot: dispute(307, 2) }, system, later(MON_10, 2)).case
    expect(timedOut.dispute).toMatchObject({ timeouts: [307], deadline: null })
    const ended = step(timedOut, { type: 'dispute_sync', snapshot: dispute(115, 3) }, system, later(MON_10, 3))
    expect(ended.case.dispute).toMatchObject({ outcome: 'lost', endedAt: later(MON_10, 3) })
    expect(allowedCommands(ended.case, { actor: agent, policy, now: later(MON_10, 4) })).not.toContain('dispute_proof')
  })
})
