/**
 * The staff inbox (issue 23 point 1): an alert names the product, the buyer, the reason, the money
 * and the deadline, so the agent knows what it is about before opening the case.
 */
import { act, render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { InboxItem } from '@contract/alerts'
import { setTransport } from '../../src/api/client'
import { INBOX_PEEK_MS, InboxScreen } from '../../src/admin/inbox/InboxScreen'
import { fmtShort } from '../../src/admin/format'
import { fakeAdmin, H, me, NOW, policyRecord } from './admin-fixtures'
import { settle, text } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' })
})
afterEach(() => jest.restoreAllMocks())

const at = (ms: number) => new Date(NOW + ms).toISOString()
const item = (id: string, over: Partial<InboxItem> = {}): InboxItem => ({
  id, staffId: 'staff-amy', caseId: `case-${id}`, caseNo: 'AS202611230001', kind: 'offer_declined', text: '售后单 AS202611230001 买家未接受方案：¥30不够',
  dueAt: null, createdAt: at(-H), readAt: null, ...over,
})

function mount(items: InboxItem[]) {
  const server = fakeAdmin({ inbox: () => ({ items, next: null, unread: items.length }), get_policy: () => policyRecord() })
  setTransport(server.transport)
  return render(<InboxScreen me={me('agent')} />)
}

describe('staff inbox', () => {
  test('an alert shows product · buyer · reason · amount and the case deadline with whose it is', async () => {
    const due = at(5 * H)
    const { container } = mount([
      item('a1', { context: { product: '手工青瓷茶杯 ×2', buyer: '林女士', reason: 'quality_defect', reasonLabel: '质量问题', amountFen: 3000, amountKind: 'declined', dueAt: due, dueKind: 'sla' } }),
    ])
    await settle()
    expect(text(container, '#inbox-ctx-a1')).toBe('手工青瓷茶杯 ×2 · 林女士 · 质量问题 · 买家未接受 ¥30.00')
    const row = text(container, '#inbox-offer_declined-case-a1')
    expect(row).toContain('买家未接受方案')
    expect(row).toContain('¥30不够')
    expect(row).toContain(`处理截止 ${fmtShort(due)}`)
  })

  test('the alert’s own deadline wins over the case’s; an entry from before contexts still shows its text and case number', async () => {
    const own = at(4 * H)
    const { container } = mount([
      item('a2', { kind: 'approval_needed', text: '待审批：¥300', dueAt: own, context: { product: '燕窝', buyer: '买家…r-01', reason: 'other', reasonLabel: '其他', amountFen: 30000, amountKind: 'claimed', dueAt: at(9 * H), dueKind: 'sla' } }),
      item('a3', { kind: 'escalated', text: '售后单 AS202611230003 已升级' }),
    ])
    await settle()
    const a2 = text(container, '#inbox-approval_needed-case-a2')
    expect(a2).toContain(`截止 ${fmtShort(own)}`)
    expect(a2).not.toContain('处理截止')
    expect(text(container, '#inbox-ctx-a2')).toContain('申请金额 ¥300')
    expect(container.querySelector('#inbox-ctx-a3')).toBeNull()
    expect(text(container, '#inbox-escalated-case-a3')).toContain('AS202611230001')
  })
})

describe('an inbox left open', () => {
  test('new entries appear on top by themselves, the ones already shown stay', async () => {
    const timers = jest.spyOn(global, 'setInterval')
    let items = [item('a1', { text: '第一条提醒' })]
    const server = fakeAdmin({ inbox: () => ({ items, next: null, unread: items.length }), get_policy: () => policyRecord() })
    setTransport(server.transport)
    const { container } = render(<InboxScreen me={me('agent')} />)
    await settle()
    const all = () => container.textContent ?? ''
    expect(all()).toContain('第一条提醒')
    const peek = timers.mock.calls.find((c) => c[1] === INBOX_PEEK_MS)?.[0] as (() => void) | undefined
    expect(peek).toBeDefined()
    items = [item('a2', { text: '买家已回复：照片补上了' }), ...items]
    await act(async () => peek!())
    await settle()
    expect(all()).toContain('买家已回复：照片补上了')
    expect(all().indexOf('买家已回复：照片补上了')).toBeLessThan(all().indexOf('第一条提醒'))
    expect(all().match(/第一条提醒/g)).toHaveLength(1)
  })
})
