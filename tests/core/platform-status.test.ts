import { AFTER_SALE_STATUSES, AFTER_SALE_TYPES } from '@contract/channels'
import { CASE_STATUSES } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import {
  acceptCallFor,
  clampSlaToDeadline,
  deskReasonOf,
  expectedCaseStatus,
  isStaleSnapshot,
  mirroredStatus,
  platformRefusal,
  sellerCalls,
  sellerDeadline,
} from '../../cloudfunctions/core/platform-status'
import { startSla } from '../../cloudfunctions/core/sla'

const T0 = '2026-11-23T02:00:00.000Z'
const H = 3_600_000
const at = (ms: number) => new Date(Date.parse(T0) + ms).toISOString()

describe('视频号小店 after-sale status mirror', () => {
  it('maps every platform status and type to a case status', () => {
    for (const s of AFTER_SALE_STATUSES) for (const t of AFTER_SALE_TYPES) expect(CASE_STATUSES).toContain(mirroredStatus(s, t))
  })

  it.each([
    ['MERCHANT_PROCESSING', 'REFUND', 'in_review', ['accept_refund', 'reject']],
    ['MERCHANT_PROCESSING', 'RETURN', 'in_review', ['accept_return', 'reject']],
    ['USER_WAIT_RETURN', 'RETURN', 'awaiting_return', []],
    ['MERCHANT_WAIT_RECEIPT', 'RETURN', 'return_shipped', ['confirm_receipt_refund', 'reject']],
    ['MERCHANT_WAIT_RECEIPT', 'EXCHANGE', 'return_shipped', ['exchange_reship', 'reject']],
    ['PLATFORM_REFUNDING', 'REFUND', 'refunding', []],
    ['MERCHANT_REFUND_SUCCESS', 'REFUND', 'resolved', []],
    ['PLATFORM_REFUND_FAIL', 'REFUND', 'in_review', ['accept_refund', 'refund_certificate']],
    ['USER_CANCELD', 'REFUND', 'cancelled', []],
    ['USER_WAIT_CONFIRM', 'EXCHANGE', 'replacement_shipped', []],
    ['USER_WAIT_CONFIRM_UPDATE', 'REFUND', 'offer_pending', []],
    ['MERCHANT_REFUND_RETRY_FAIL', 'REFUND', 'closed', []],
  ] as const)('%s (%s) → %s, seller may %j', (status, type, caseStatus, calls) => {
    expect(mirroredStatus(status, type)).toBe(caseStatus)
    expect(sellerCalls(status, type)).toEqual(calls)
  })

  it('the platform deadline binds the seller only while the platform waits on the seller', () => {
    expect(sellerDeadline({ status: 'MERCHANT_PROCESSING', deadline: at(48 * H) })).toBe(at(48 * H))
    expect(sellerDeadline({ status: 'USER_WAIT_RETURN', deadline: at(48 * H) })).toBeNull()
  })

  it('agree means refund, return, or receipt + refund depending on the platform status', () => {
    expect(acceptCallFor({ status: 'MERCHANT_PROCESSING', type: 'REFUND' })).toBe('accept_refund')
    expect(acceptCallFor({ status: 'MERCHANT_PROCESSING', type: 'RETURN' })).toBe('accept_return')
    expect(acceptCallFor({ status: 'MERCHANT_WAIT_RECEIPT', type: 'RETURN' })).toBe('confirm_receipt_refund')
    expect(acceptCallFor({ status: 'PLATFORM_REFUND_FAIL', type: 'RETURN' })).toBe('accept_refund')
  })

  it('maps platform reason codes to the seller’s reasons through the policy’s shop codes', () => {
    expect(deskReasonOf('10000021', defaultPolicy)).toBe('quality_defect')
    expect(deskReasonOf('10000019', defaultPolicy)).toBe('no_reason_7d')
    expect(deskReasonOf('10000000', defaultPolicy)).toBe('other')
  })

  it('never lets the desk’s SLA run past the platform deadline, and warns before it', () => {
    const sla = startSla('P3', T0, defaultPolicy)
    expect(Date.parse(sla.resolution.dueAt)).toBeGreaterThan(Date.parse(at(24 * H)))
    const clamped = clampSlaToDeadline(sla, at(24 * H))
    expect(clamped.resolution.dueAt).toBe(at(24 * H))
    expect(Date.parse(clamped.firstResponse.dueAt)).toBeLessThanOrEqual(Date.parse(at(24 * H)))
    expect(clamped.resolution.clock).toBe('calendar')
    expect(clamped.resolution.targetMs).toBe(24 * H)
    // a target already due earlier is left alone
    expect(clampSlaToDeadline(sla, at(1000 * H))).toBe(sla)
  })

  it('ignores snapshots that are not newer than the case', () => {
    const snap = { status: 'MERCHANT_PROCESSING', type: 'REFUND', updateTime: at(0), deadline: at(48 * H) } as const
    const c = { status: 'submitted' as const, platform: { ...snap, lastCall: null } as never }
    expect(isStaleSnapshot(c, { ...snap } as never)).toBe(true)
    expect(isStaleSnapshot(c, { ...snap, updateTime: at(-1000) } as never)).toBe(true)
    expect(isStaleSnapshot(c, { ...snap, status: 'USER_CANCELD', updateTime: at(1000) } as never)).toBe(false)
    expect(expectedCaseStatus(c, snap)).toBe('submitted')
  })

  it('on a shop after-sale the desk’s own remedies and the buyer’s commands give way to the platform', () => {
    const shopCase = { platform: {} as never }
    expect(platformRefusal(shopCase, 'approve', 'staff')?.message).toContain('平台')
    expect(platformRefusal(shopCase, 'cancel', 'buyer')?.message).toContain('微信订单')
    expect(platformRefusal(shopCase, 'note', 'staff')).toBeNull()
    expect(platformRefusal({ platform: null }, 'platform_accept', 'staff')).not.toBeNull()
    expect(platformRefusal({ platform: null }, 'approve', 'staff')).toBeNull()
  })
})
