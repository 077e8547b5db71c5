import './admin-setup'
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { BuyerHistoryView } from '@contract/actions'
import { setTransport } from '../../src/api/client'
import { CaseScreen } from '../../src/admin/case/CaseScreen'
import { PolicyScreen } from '../../src/admin/policy'
import { caseDetail, fakeAdmin, me, policyRecord } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
})
afterEach(() => jest.restoreAllMocks())

const revoked: Partial<BuyerHistoryView> = {
  trusted: false,
  trustSource: 'supervisor',
  trustRule: { trusted: true, completedOrders: 5, riskCases90d: 0, minOrders: 5, orderDays: 180 },
  trustHistory: [{ at: '2026-11-20T02:00:00.000Z', by: 'staff-sup', byName: '陈主管', trusted: false, reason: '退回的商品有使用痕迹' }],
  refundCount90d: 0,
}

function mount(role: 'agent' | 'supervisor', history: Partial<BuyerHistoryView> = revoked) {
  const base = caseDetail('in_review')
  let view = { ...base, buyerHistory: { ...base.buyerHistory, ...history } }
  const server = fakeAdmin({
    get_case: () => view,
    get_policy: () => policyRecord(),
    list_staff: () => [],
    set_buyer_trust: (d) => {
      view = { ...view, buyerHistory: { ...view.buyerHistory, trusted: true, trustSource: 'supervisor', trustHistory: [...view.buyerHistory.trustHistory, { at: '2026-11-23T06:00:00.000Z', by: 'staff-sup', byName: '陈主管', trusted: d.trusted as boolean, reason: d.reason as string }] } }
      return { openid: d.buyerOpenid, trusted: true, trustSource: 'supervisor', trustHistory: view.buyerHistory.trustHistory }
    },
  })
  setTransport(server.transport)
  return { ...render(<CaseScreen caseId="case-1" me={me(role)} />), server }
}

describe('buyer panel: trust (老客户)', () => {
  test('staff see whether the buyer is trusted, who decided, the rule’s numbers and every decision with its reason', async () => {
    const { container } = mount('agent')
    await settle()
    expect(text(container, '#trust-state')).toBe('否（主管设定）')
    expect(text(container, '#trust-rule')).toContain('180天内签收≥5单')
    expect(text(container, '#trust-rule')).toContain('符合')
    expect(text(container, '#trust-change-0')).toContain('陈主管：取消老客户，原因：退回的商品有使用痕迹')
    // agents read it; only supervisors and owners decide
    expect(container.querySelector('#trust-form')).toBeNull()
  })

  test('the rule’s verdict when nobody decided', async () => {
    const { container } = mount('agent', { trusted: false, trustSource: 'rule', trustHistory: [], refundCount90d: 1, trustRule: { trusted: false, completedOrders: 2, riskCases90d: 0, minOrders: 5, orderDays: 180 } })
    await settle()
    expect(text(container, '#trust-state')).toBe('否（按规则）')
    expect(text(container, '#trust-rule')).toContain('180天内签收2单（需5单），90天内有1次退款 → 不符合')
  })

  test('a supervisor sets trust with a reason; the save button waits for one', async () => {
    const { container, server } = mount('supervisor')
    await settle()
    expect(container.querySelector('#trust-save')?.getAttribute('disabled')).not.toBeNull()
    await tap(container, '#trust-trusted')
    await typeInto(container, '#trust-reason', '已核实，恢复老客户')
    await tap(container, '#trust-save')
    await settle()
    expect(server.of('set_buyer_trust').map((c) => c.data)).toEqual([{ buyerOpenid: 'buyer-zhao', trusted: true, reason: '已核实，恢复老客户' }])
    expect(text(container, '#trust-state')).toBe('是（主管设定）')
    expect(text(container, '#trust-change-0')).toContain('设为老客户，原因：已核实，恢复老客户')
  })
})

describe('policy editor: the trust rule’s numbers', () => {
  jest.setTimeout(30_000)
  test('shown in the compensation section and edited like the other numbers; out of range is refused in Chinese', async () => {
    setTransport(fakeAdmin({ get_policy: () => policyRecord(), list_policy_versions: () => [] }).transport)
    const { container } = render(<PolicyScreen me={me('owner')} />)
    await settle()
    const comp = text(container, '#policy-compensation')
    expect(comp).toContain('老客户（换货先发）：签收订单至少几单')
    expect(comp).toContain('老客户：统计最近几天签收的订单')
    await typeInto(container, '#comp-trust-days', '3')
    expect(text(container, '#policy-errors')).toContain('老客户：统计最近几天签收的订单：不能小于7')
    await typeInto(container, '#comp-trust-days', '90')
    await typeInto(container, '#comp-trust-orders', '8')
    expect(container.querySelector('#policy-errors')).toBeNull()
    expect(text(container, '#policy-dirty')).toBe('2 处未保存的修改')
  })
})
