import './admin-setup'
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import { setTransport } from '../../src/api/client'
import { PolicyScreen } from '../../src/admin/policy'
import { CaseScreen } from '../../src/admin/case/CaseScreen'
import { caseDetail, fakeAdmin, me, policyRecord } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'showModal:ok' } as never)
})
afterEach(() => jest.restoreAllMocks())

const whatIf = (rows: Array<{ id: string; name: string; cases: number; amountFen: number; cappedCases: number }>) => ({
  from: '2026-10-24T03:00:00.000Z', to: '2026-11-23T03:00:00.000Z', generatedAt: '2026-11-23T03:00:00.000Z', baseVersion: 2, cases: 40, truncated: false, changedCases: 0,
  counts: { severity: 0, team: 0, offer: 0, amount: 0, approval: 0, buyerDeadline: 0, sla: 0 },
  sla: { metToBreached: 0, breachedToMet: 0, before: { hit: 30, total: 36, rate: 0.8333 }, after: { hit: 30, total: 36, rate: 0.8333 } },
  money: { rows: [], beforeFen: 0, afterFen: 0, diffFen: 0 },
  autoRules: { rows: rows.map((r) => ({ ...r, enabled: true })), decidedCases: rows.reduce((s, r) => s + r.cases, 0), amountFen: rows.reduce((s, r) => s + r.amountFen, 0), token: 'tok-rules-1' },
  changes: [],
})

describe('policy editor: 自动处理规则', () => {
  jest.setTimeout(30_000)

  test('the owner adds rules in Chinese, sets conditions and cap, reorders them, previews next to the button and saves with the preview’s token', async () => {
    const server = fakeAdmin({
      get_policy: () => policyRecord(),
      list_policy_versions: () => [],
      preview_policy: () => whatIf([{ id: 'rule-1', name: '规则1', cases: 1, amountFen: 3_000, cappedCases: 0 }, { id: 'rule-2', name: '小额退款', cases: 4, amountFen: 18_000, cappedCases: 2 }]),
      update_policy: () => ({ ...policyRecord(), version: 3 }),
    })
    setTransport(server.transport)
    const { container } = render(<PolicyScreen me={me('owner')} />)
    await settle()
    expect(text(container, '#policy-rules')).toContain('还没有规则')
    await tap(container, '#rule-add')
    await tap(container, '#rule-add')
    expect(text(container, '#rule-state-rule-1')).toBe('已启用')
    expect(text(container, '#policy-dirty')).toBe('2 处未保存的修改')
    // rule 2: any reason, ≤ ¥80, no shipping condition, shop after-sales only, cap ¥300
    await typeInto(container, '#rule-name-rule-2', '小额退款')
    await typeInto(container, '#rule-amount-rule-2', '80')
    await typeInto(container, '#rule-cap-rule-2', '300')
    await tap(container, '#rule-rule-2-shipped-any')
    await tap(container, '#rule-rule-2-source-channels')
    await tap(container, '#rule-rule-2-buyer-trusted')
    // a cap left empty is flagged at once
    await typeInto(container, '#rule-cap-rule-1', '')
    expect(text(container, '#policy-errors')).toContain('自动处理规则「规则1」')
    await typeInto(container, '#rule-cap-rule-1', '100')
    expect(container.querySelector('#policy-errors')).toBeNull()
    // the second rule goes first
    await tap(container, '#rule-up-rule-2')
    const ids = Array.from(container.querySelectorAll('#policy-rules .adm-offer')).map((e) => e.id)
    expect(ids).toEqual(['rule-rule-2', 'rule-rule-1'])
    expect(text(container, '#rules-preview-result')).toBe('保存前需要预览')
    await tap(container, '#rules-preview')
    await settle()
    expect(text(container, '#rules-preview-result')).toBe('近30天会有 5 单被规则自动处理，共¥210.00')
    expect(text(container, '#rule-preview-rule-2')).toContain('近30天会自动处理 4 单，共¥180.00；因当天额度用完转人工 2 单')
    // no internal codes on the section
    for (const code of ['refund_only', 'not_shipped', 'channels', 'maxAmountFen']) expect(text(container, '#policy-rules')).not.toContain(code)
    await tap(container, '#policy-save')
    await settle()
    expect(server.of('preview_policy')).toHaveLength(1)
    expect((Taro.showModal as unknown as jest.Mock).mock.calls[0][0].content).toContain('自动处理规则会处理 5 单，共¥210.00')
    const call = server.of('update_policy')[0].data as { rulesPreview: string; policy: { autoRules: Array<{ id: string; name: string; dailyCapFen: number; enabled: boolean; when: Record<string, unknown> }> } }
    expect(call.rulesPreview).toBe('tok-rules-1')
    expect(call.policy.autoRules.map((r) => r.id)).toEqual(['rule-2', 'rule-1'])
    expect(call.policy.autoRules[0]).toEqual({ id: 'rule-2', name: '小额退款', enabled: true, dailyCapFen: 30_000, action: 'approve', when: { types: ['refund_only'], maxAmountFen: 8_000, buyer: 'trusted', sources: ['channels'] } })
    expect(call.policy.autoRules[1].dailyCapFen).toBe(10_000)
  })

  test('a preview goes stale when a rule changes after it; removing a rule is one change', async () => {
    const rule = { id: 'small', name: '小额退款', enabled: true, dailyCapFen: 50_000, when: { types: ['refund_only'] }, action: 'approve' }
    const rec = policyRecord()
    const server = fakeAdmin({ get_policy: () => ({ ...rec, policy: { ...rec.policy, autoRules: [rule] } }), list_policy_versions: () => [], preview_policy: () => whatIf([{ id: 'small', name: '小额退款', cases: 2, amountFen: 9_000, cappedCases: 0 }]) })
    setTransport(server.transport)
    const { container } = render(<PolicyScreen me={me('owner')} />)
    await settle()
    await typeInto(container, '#rule-amount-small', '50')
    await tap(container, '#rules-preview')
    await settle()
    expect(text(container, '#rule-preview-small')).toBe('预览：近30天会自动处理 2 单，共¥90.00')
    await typeInto(container, '#rule-amount-small', '60')
    expect(text(container, '#rule-preview-small')).toContain('已过期，请重新预览')
    expect(text(container, '#rules-preview-result')).toBe('保存前需要预览')
    await tap(container, '#rule-remove-small')
    expect(container.querySelector('#rule-small')).toBeNull()
    expect(text(container, '#policy-dirty')).toBe('1 处未保存的修改')
  })
})

describe('case page: a decision by a rule', () => {
  test('staff read which rule decided and why under the timeline entry (the actor is 系统), and why none took a case', async () => {
    const view = caseDetail('refunding')
    view.timeline.push({
      id: 't3', at: view.timeline[0].at, actor: { kind: 'system', id: 'auto-rule:small' }, type: 'approve', fromStatus: 'submitted', toStatus: 'refunding',
      text: '买家的售后申请已自动同意：同意仅退款¥168', internal: false, data: { autoRule: { id: 'small', name: '小额仅退款', why: '仅退款；无退款风险；金额¥168≤¥200' } },
    })
    view.timeline.push({
      id: 't4', at: view.timeline[0].at, actor: { kind: 'system', id: 'routing' }, type: 'routed', fromStatus: 'submitted', toStatus: 'submitted',
      text: '分配给品质组', internal: true, data: { autoRuleMiss: '没有符合条件的自动处理规则（「小额仅退款」今日额度¥500已用完）' },
    })
    setTransport(fakeAdmin({ get_case: () => view, get_policy: () => policyRecord() }).transport)
    const { container } = render(<CaseScreen caseId="case-1" me={me('agent')} />)
    await settle()
    expect(text(container, '#tl-t3')).toContain('系统')
    expect(text(container, '#tl-rule-t3')).toBe('自动处理规则「小额仅退款」：仅退款；无退款风险；金额¥168≤¥200')
    expect(container.querySelector('#tl-rule-t1')).toBeNull()
    // a case no rule took says why, for staff
    expect(text(container, '#tl-rule-miss-t4')).toBe('未自动处理：没有符合条件的自动处理规则（「小额仅退款」今日额度¥500已用完）')
  })
})
