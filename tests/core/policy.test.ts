import { defaultPolicy, parsePolicy, PolicySchema } from '@contract/policy'
import { REASON_CODES } from '@contract/domain'

describe('商家政策（一个 schema，可编辑，可校验）', () => {
  test('默认政策本身合法，且覆盖全部原因', () => {
    const r = parsePolicy(defaultPolicy)
    expect(r.ok).toBe(true)
    expect(defaultPolicy.reasons.map((x) => x.code).sort()).toEqual([...REASON_CODES].sort())
  })
  test('默认值来自 DESIGN §3', () => {
    expect(defaultPolicy.compensation).toMatchObject({ latePerDayFen: 1000, damagedPickupAboveUnits: 3, approvalThresholdFen: 20000 })
    // P1 (safety) is "immediate": around the clock (issue 14)
    expect(defaultPolicy.sla.targets.P1).toEqual({ firstResponse: { minutes: 60, clock: '24x7' }, resolution: { minutes: 1440, clock: '24x7' } })
    expect(defaultPolicy.sla.targets.P3.firstResponse).toEqual({ minutes: 720, clock: 'business' })
    expect(defaultPolicy.sla.warnRatio).toBe(0.8)
    expect(defaultPolicy.limits).toMatchObject({ maxRequestsPerSku: 5, noReasonDays: 7 })
    expect(defaultPolicy.calendar.timezone).toBe('Asia/Shanghai')
    expect(defaultPolicy.reasons.find((r) => r.code === 'missing_item')?.channelsCode).toBe('05')
  })
  test('错误信息带路径，商家看得懂', () => {
    const bad = {
      ...defaultPolicy,
      compensation: { ...defaultPolicy.compensation, latePerDayFen: 10.5 },
      calendar: { ...defaultPolicy.calendar, timezone: 'Mars/Olympus', businessHours: { ...defaultPolicy.calendar.businessHours, '1': [{ start: '18:00', end: '09:00' }] } },
      reasons: defaultPolicy.reasons.slice(1),
    }
    const r = parsePolicy(bad)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.errors.some((e) => e.startsWith('compensation.latePerDayFen:'))).toBe(true)
      expect(r.errors).toContain('calendar.timezone: 未知时区 Mars/Olympus')
      expect(r.errors.some((e) => e.startsWith('calendar.businessHours.1.0:') && e.includes('开始必须早于结束'))).toBe(true)
      expect(r.errors).toContain('reasons: 缺少原因 quality_defect')
    }
  })
  test('一周都不营业的日历不接受（时效没法算）', () => {
    const closed = { ...defaultPolicy, calendar: { ...defaultPolicy.calendar, businessHours: { '0': [], '1': [], '2': [], '3': [], '4': [], '5': [], '6': [] } } }
    expect(PolicySchema.safeParse(closed).success).toBe(false)
  })
})
