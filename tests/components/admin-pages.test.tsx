import './admin-setup'
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { AnalyticsView, StaffView } from '@contract/actions'
import { setTransport } from '../../src/api/client'
import { PolicyScreen } from '../../src/admin/policy'
import { RosterScreen } from '../../src/admin/roster'
import { AnalyticsScreen } from '../../src/admin/analytics'
import { fakeAdmin, me, policyRecord } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'showModal:ok' } as never)
})
afterEach(() => jest.restoreAllMocks())

describe('policy editor', () => {
  // the editor renders every reason's chips: slow in jsdom's Taro hosts on a loaded machine
  jest.setTimeout(30_000)
  const version2 = { version: 2, updatedBy: 'staff-owner', updatedByName: '王店长', updatedAt: '2026-11-22T06:00:00.000Z', whatIf: null,
    changes: [{ path: 'compensation.latePerDayFen', label: '物流延迟每天补偿', before: '¥10', after: '¥15' }] }
  const whatIfView = (over: Record<string, unknown> = {}) => ({
    from: '2026-10-24T03:00:00.000Z', to: '2026-11-23T03:00:00.000Z', generatedAt: '2026-11-23T03:00:00.000Z', baseVersion: 2, cases: 40, truncated: false, changedCases: 3,
    counts: { severity: 0, team: 0, offer: 0, amount: 3, approval: 1, buyerDeadline: 0, sla: 0 },
    sla: { metToBreached: 0, breachedToMet: 0, before: { hit: 30, total: 36, rate: 0.8333 }, after: { hit: 30, total: 36, rate: 0.8333 } },
    money: { rows: [{ remedy: 'compensation', label: '现金补偿', beforeFen: 9000, afterFen: 13500, diffFen: 4500 }], beforeFen: 9000, afterFen: 13500, diffFen: 4500 },
    changes: [{ caseId: 'c1', caseNo: 'AS20261120000001', createdAt: '2026-11-20T03:00:00.000Z', product: '明前龙井', reasonLabel: '物流延迟', fields: [{ field: 'amount', before: '¥30.00', after: '¥45.00' }] }],
    ...over,
  })

  test('yuan inputs are saved as integer fen with the version the editor loaded; bad input is flagged in Chinese; saving shows the what-if first and records its range', async () => {
    const server = fakeAdmin({ get_policy: () => policyRecord(), list_policy_versions: () => [version2], preview_policy: () => whatIfView(), update_policy: () => ({ ...policyRecord(), version: 3 }) })
    setTransport(server.transport)
    const { container } = render(<PolicyScreen me={me('owner')} />)
    await settle()
    expect(text(container, '#policy-ok')).toBe('校验通过')
    expect(text(container, '#policy-versions')).toContain('第 2 版')
    expect(text(container, '#policy-dirty')).toBe('没有未保存的修改')
    await typeInto(container, '#comp-threshold', '350.5')
    await typeInto(container, '#comp-latePerDay', '99')
    // the cap (¥50) is now below the per-day amount: the core's schema says so at once, with the field's Chinese name
    expect(text(container, '#policy-errors')).toContain('延迟补偿上限：延迟补偿上限不能低于每日补偿金额')
    expect(text(container, '#policy-errors')).not.toContain('compensation.')
    await typeInto(container, '#comp-latePerDay', '8')
    expect(container.querySelector('#policy-errors')).toBeNull()
    await typeInto(container, '#sla-followup', '72')
    await typeInto(container, '#ret-address', '  上海市静安区南京西路 1 号 售后仓  ')
    expect(text(container, '#policy-dirty')).toBe('4 处未保存的修改')
    await tap(container, '#policy-preview')
    await settle()
    // the what-if of the draft, on the page
    const previewCall = server.of('preview_policy')[0].data as { policy: { compensation: Record<string, number> }; from: string }
    expect(previewCall.policy.compensation.latePerDayFen).toBe(800)
    expect(text(container, '#whatif-headline')).toBe('40 个售后单中，3 个会有变化')
    expect(text(container, '#whatif-money')).toContain('+¥45.00')
    expect(text(container, '#whatif-case-AS20261120000001')).toContain('方案金额：¥30.00 → ¥45.00')
    // saving the same draft reuses that what-if and puts its numbers in the confirmation
    await tap(container, '#policy-save')
    await settle()
    expect(server.of('preview_policy')).toHaveLength(1)
    expect((Taro.showModal as unknown as jest.Mock).mock.calls[0][0].content).toContain('3 个会有变化，补偿金额+¥45.00')
    const call = server.of('update_policy')[0].data as { expectedVersion: number; preview: { from: string; to: string }; policy: { compensation: Record<string, number>; sla: { followUpVisitHours: number }; returnAddress: { address: string } } }
    expect(call.policy.sla.followUpVisitHours).toBe(72)
    expect(call.policy.returnAddress.address).toBe('上海市静安区南京西路 1 号 售后仓')
    expect(call.expectedVersion).toBe(2)
    expect(call.policy.compensation.approvalThresholdFen).toBe(35050)
    expect(call.policy.compensation.latePerDayFen).toBe(800)
    expect(call.preview).toEqual({ from: '2026-10-24T03:00:00.000Z', to: '2026-11-23T03:00:00.000Z' })
  })

  test('reasons in Chinese: removed, added back and reordered with the types each allows; history names the staff member and diffs fields', async () => {
    const server = fakeAdmin({ get_policy: () => policyRecord(), list_policy_versions: () => [version2], preview_policy: () => whatIfView(), update_policy: () => ({ ...policyRecord(), version: 3 }) })
    setTransport(server.transport)
    const { container } = render(<PolicyScreen me={me('owner')} />)
    await settle()
    // no internal codes on the page
    const page = container.textContent ?? ''
    for (const code of ['quality_defect', 'late_delivery', 'case_update', 'thing2', 'character_string1', 'caseNo']) expect(page).not.toContain(code)
    expect(page).toContain('P1 紧急：安全、过敏等可能伤害买家的问题')
    await tap(container, '#reason-remove-size_fit')
    expect(container.querySelector('#reason-size_fit')).toBeNull()
    expect(text(container, '#reasons-removed')).toContain('尺码/不合适')
    await tap(container, '#reason-up-taste_usage')
    await tap(container, '#reason-quality_defect-type-compensation')
    expect(text(container, '#policy-dirty')).toBe('3 处未保存的修改')
    await tap(container, '#reason-add-size_fit')
    expect(container.querySelector('#reason-size_fit')).not.toBeNull()
    // 加回 undoes 删除; the order change (taste up, size_fit now last) is one change
    expect(text(container, '#policy-dirty')).toBe('2 处未保存的修改')
    await tap(container, '#policy-save')
    await settle()
    const sent = server.of('update_policy')[0].data as { policy: { reasons: { code: string; enabled: boolean; allowedTypes: string[] }[] } }
    const codes = sent.policy.reasons.map((r) => r.code)
    expect(codes.indexOf('taste_usage')).toBeLessThan(codes.indexOf('no_reason_7d'))
    expect(sent.policy.reasons.find((r) => r.code === 'quality_defect')?.allowedTypes).not.toContain('compensation')
    // history: staff name, not the openid; the field diff opens on tap
    expect(text(container, '#version-2')).toContain('王店长')
    expect(text(container, '#version-2')).not.toContain('staff-owner')
    await tap(container, '#version-2')
    expect(text(container, '#version-2')).toContain('物流延迟每天补偿：¥10 → ¥15')
  })

  test('supervisors read the policy but have no save button', async () => {
    setTransport(fakeAdmin({ get_policy: () => policyRecord(), list_policy_versions: () => [] }).transport)
    const { container } = render(<PolicyScreen me={me('supervisor')} />)
    await settle()
    expect(container.querySelector('#policy-save')).toBeNull()
    expect(text(container, '#policy-head')).toContain('仅店主可修改')
  })
})

describe('roster', () => {
  const staff: StaffView[] = [
    { id: 'staff-amy', name: '小美', role: 'agent', teams: ['quality'], onDuty: true, openCases: 3, lastAssignedAt: null, active: true },
    { id: 'staff-dan', name: '小丹', role: 'agent', teams: ['general'], onDuty: false, openCases: 0, lastAssignedAt: null, active: true },
  ]
  const lin = { openid: 'buyer-lin', name: '林小姐', phoneTail: '8801', orderId: 'DEMO0001', dedicatedRepId: null, repName: null, trusted: false }
  const zhou = { openid: 'buyer-zhou', name: '周先生', phoneTail: '1200', orderId: 'DEMO0009', dedicatedRepId: 'staff-dan', repName: '小丹', trusted: true }
  test('shows staff with roles, teams and load; the on-duty switch is labelled 接单; supervisors can add staff', async () => {
    setTransport(fakeAdmin({ list_staff: () => staff, search_buyers: () => ({ matches: [], assigned: [] }) }).transport)
    const { container } = render(<RosterScreen me={me('supervisor')} />)
    await settle()
    expect(text(container, '#staff-staff-amy')).toContain('品质组 · 处理中 3 单')
    expect(text(container, '#staff-staff-amy')).toContain('接单')
    expect(container.querySelector('#staff-add')).not.toBeNull()
  })

  test('dedicated rep: the buyer is found by name and picked from results, the rep from the roster; no openid is typed or shown', async () => {
    let assigned = [zhou]
    const server = fakeAdmin({
      list_staff: () => staff,
      search_buyers: (d) => ({ matches: d.q === '林' ? [lin] : [], assigned }),
      set_dedicated_rep: (d) => {
        assigned = [...assigned, { ...lin, dedicatedRepId: String(d.repId), repName: '小美' }]
        return { openid: d.buyerOpenid, dedicatedRepId: d.repId, trusted: false, changed: true }
      },
    })
    setTransport(server.transport)
    const { container } = render(<RosterScreen me={me('supervisor')} />)
    await settle()
    // every saved assignment is listed
    expect(text(container, '#rep-assigned')).toContain('周先生 · 手机尾号 1200 · 订单 DEMO0009 → 小丹')
    expect(container.querySelector('#rep-save')).toBeNull()
    await typeInto(container, '#rep-search', '林')
    await tap(container, '#rep-search-go')
    await settle()
    expect(text(container, '#rep-chosen')).toContain('林小姐 · 手机尾号 8801 · 订单 DEMO0001')
    await tap(container, '#rep-staff-amy')
    await tap(container, '#rep-save')
    await settle()
    expect(server.of('set_dedicated_rep')[0].data).toEqual({ buyerOpenid: 'buyer-lin', repId: 'staff-amy' })
    expect(Taro.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已将小美设为林小姐的专属客服' }))
    expect(text(container, '#rep-assigned')).toContain('林小姐')
    expect(container.textContent).not.toContain('buyer-lin')
  })

  test('dedicated rep: a save that changes nothing says so; an assignment is removed from its row', async () => {
    const server = fakeAdmin({
      list_staff: () => staff,
      search_buyers: (d) => ({ matches: d.q === '1200' ? [zhou] : [], assigned: [zhou] }),
      set_dedicated_rep: (d) => ({ openid: d.buyerOpenid, dedicatedRepId: d.repId, trusted: true, changed: d.repId !== 'staff-dan' }),
    })
    setTransport(server.transport)
    const { container } = render(<RosterScreen me={me('supervisor')} />)
    await settle()
    await typeInto(container, '#rep-search', '1200')
    await tap(container, '#rep-search-go')
    await settle()
    await tap(container, '#rep-save')
    await settle()
    expect(Taro.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '周先生的设置没有变化' }))
    await tap(container, '#rep-remove-buyer-zhou')
    await settle()
    expect(server.of('set_dedicated_rep')[1].data).toEqual({ buyerOpenid: 'buyer-zhou', repId: null })
    expect(Taro.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已取消周先生的专属客服' }))
  })

  test('agents see no staff editing or dedicated-rep form', async () => {
    setTransport(fakeAdmin({ list_staff: () => staff }).transport)
    const { container } = render(<RosterScreen me={me('agent')} />)
    await settle()
    expect(container.querySelector('#staff-add')).toBeNull()
    expect(container.querySelector('#rep-form')).toBeNull()
  })
})

describe('analytics', () => {
  const view: AnalyticsView = {
    from: '2026-10-05T16:00:00.000Z', to: '2026-11-23T06:00:00.000Z', generatedAt: '2026-11-23T06:00:00.000Z', timezone: 'Asia/Shanghai',
    weeks: ['2026-11-16', '2026-11-23'], totalCases: 5, truncated: false, perWeek: [1, 4], repeatRate: 0.2,
    byReason: [{ key: 'quality_defect', label: '质量问题', total: 4, perWeek: [1, 3], repeatRate: 0.25 }, { key: 'late_delivery', label: '快递长时间未送达', total: 1, perWeek: [0, 1], repeatRate: 0 }],
    byProduct: [], bySku: [], byBatch: [{ key: 'SKU-TEA-01@B2611A', label: '明前龙井 批次 B2611A', total: 4, perWeek: [1, 3], repeatRate: 0.25 }],
    rising: [{ key: 'quality_defect|SKU-TEA-01', reason: 'quality_defect', reasonLabel: '质量问题', skuId: 'SKU-TEA-01', product: '明前龙井', latest: 3, previousAvg: 1, delta: 2 }],
    sla: { firstResponse: { hit: 3, total: 4, rate: 0.75 }, resolution: { hit: 1, total: 1, rate: 1 }, overall: { hit: 3, total: 4, rate: 0.75 } },
    times: { medianFirstResponseMs: 30 * 60_000, firstResponseCount: 4, medianResolutionMs: 26 * 3600_000, resolutionCount: 1 },
    money: { rows: [{ remedy: 'refund_only', label: '仅退款', cases: 1, refundFen: 16800, compensationFen: 0, couponFen: 0, giftFen: 0, replacementFen: 0, totalFen: 16800 }], totalFen: 16800 },
    csat: { count: 1, average: 5, satisfiedRate: 1, distribution: [0, 0, 0, 0, 1] },
    followUps: {
      reviews: 4,
      onTime: { hit: 2, total: 3, rate: 0.6667 },
      updated: { hit: 1, total: 4, rate: 0.25 },
      outcomes: { updated: 1, not_updated: 1, unreachable: 0, open: 2 },
      visits: { total: 3, satisfied: 2, not_satisfied: 1, unreachable: 0 },
    },
    disputes: { opened: 3, open: 1, won: 1, lost: 1, closed: 0, answeredInTime: 2, sellerTimeouts: 1 },
  }

  test('figures, F2 charts with text summaries, and a table exported as CSV with BOM', async () => {
    const server = fakeAdmin({ analytics: () => view })
    setTransport(server.transport)
    const blobs: Blob[] = []
    const create = jest.spyOn(URL, 'createObjectURL').mockImplementation((b) => (blobs.push(b as Blob), 'blob:x'))
    const { container } = render(<AnalyticsScreen me={me('owner')} />)
    await settle()
    expect(server.of('analytics')[0].data.from).toMatch(/T16:00:00.000Z$/) // a Monday 00:00 in Shanghai
    expect(text(container, '#kpi-total')).toContain('5')
    expect(text(container, '#kpi-sla')).toContain('75%')
    expect(text(container, '#kpi-first')).toContain('30分钟')
    expect(text(container, '#an-rising')).toContain('质量问题 · 明前龙井')
    // the week chart is an F2 canvas (drawn in tests/e2e and tests/simulate) with its figures as text
    expect(container.querySelector('#chart-weeks')).not.toBeNull()
    expect(text(container, '#chart-weeks-summary')).toMatch(/^\d\d\/\d\d周 1单，\d\d\/\d\d周 4单$/)
    expect(text(container, '#an-money')).toContain('¥168.00')
    await tap(container, '#an-reason-csv')
    expect(create).toHaveBeenCalled()
    const read = <T,>(how: 'readAsText' | 'readAsArrayBuffer') =>
      new Promise<T>((resolve) => {
        const r = new FileReader()
        r.onload = () => resolve(r.result as T)
        r[how](blobs[0])
      })
    // UTF-8 BOM first (Excel then reads the Chinese correctly)
    expect(Array.from(new Uint8Array(await read<ArrayBuffer>('readAsArrayBuffer')).slice(0, 3))).toEqual([0xef, 0xbb, 0xbf])
    const csv = await read<string>('readAsText')
    expect(csv).toContain('质量问题,quality_defect,4,25%,1,3')
  })

  test('差评 and 回访 figures: count, followed up within 24 h, reviews updated, visit outcomes, with CSV', async () => {
    const server = fakeAdmin({ analytics: () => view })
    setTransport(server.transport)
    const blobs: Blob[] = []
    jest.spyOn(URL, 'createObjectURL').mockImplementation((b) => (blobs.push(b as Blob), 'blob:x'))
    const { container } = render(<AnalyticsScreen me={me('supervisor')} />)
    await settle()
    expect(text(container, '#kpi-reviews')).toContain('4')
    expect(text(container, '#kpi-review-ontime')).toContain('66.7%')
    expect(text(container, '#kpi-review-ontime')).toContain('2/3')
    expect(text(container, '#kpi-review-updated')).toContain('25%')
    expect(text(container, '#an-review-outcomes')).toContain('跟进中')
    // platform disputes: opened, won of the ended ones, answered before the deadline, timeouts
    expect(text(container, '#kpi-disputes')).toContain('3')
    expect(text(container, '#kpi-disputes-won')).toContain('1/2')
    expect(text(container, '#kpi-disputes-intime')).toContain('2/3')
    expect(text(container, '#kpi-disputes-timeout')).toContain('1')
    expect(text(container, '#an-dispute-outcomes')).toContain('判退款给买家')
    expect(text(container, '#an-visits')).toContain('回访：买家不满意')
    await tap(container, '#an-followups-csv')
    const csv = await new Promise<string>((resolve) => {
      const r = new FileReader()
      r.onload = () => resolve(r.result as string)
      r.readAsText(blobs[0])
    })
    expect(csv).toContain('24小时内跟进,2,3,66.7%')
    expect(csv).toContain('回访：买家满意,2,3,')
  })

  test('agents are told analytics is for supervisors and owners, and nothing is fetched', async () => {
    const server = fakeAdmin({ analytics: () => view })
    setTransport(server.transport)
    const { container } = render(<AnalyticsScreen me={me('agent')} />)
    await settle()
    expect(text(container, '#adm-analytics-forbidden')).toContain('仅限主管和店主')
    expect(server.of('analytics')).toHaveLength(0)
  })
})
