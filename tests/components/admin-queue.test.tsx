import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import { setTransport } from '../../src/api/client'
import { QueueScreen } from '../../src/admin/queue/QueueScreen'
import { StaffGate } from '../../src/admin/ui'
import { counts, fail, fakeAdmin, H, me, policyRecord, summary } from './admin-fixtures'
import { settle, tap, text } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' })
})
afterEach(() => jest.restoreAllMocks())

const page1 = [
  summary('c-01', { sla: { state: 'breached', dueAt: null, msLeft: -2 * H, paused: false }, severity: 'P1', escalated: true }),
  summary('c-02', { sla: { state: 'warning', dueAt: null, msLeft: 40 * 60_000, paused: false } }),
  summary('c-03', { sla: { state: 'on_time', dueAt: null, msLeft: 26 * H, paused: false }, status: 'in_review' }),
]

function mount(role: 'agent' | 'supervisor' | 'owner' = 'agent', queue = (d: Record<string, unknown>) => ({ items: d.cursor ? [summary('c-04')] : page1, next: d.cursor ? null : 'cur-2', counts: counts() })) {
  const server = fakeAdmin({ queue, get_policy: () => policyRecord(), export_cases: () => ({ filename: 'a.csv', csv: '\uFEFFa\r\n', rows: 1, truncated: false }) })
  setTransport(server.transport)
  const utils = render(<QueueScreen me={me(role)} />)
  return { ...utils, server }
}

describe('seller queue', () => {
  test('shows the tabs with counts and the cases in the order the function sorted them (due first), with SLA badges and time left', async () => {
    const { container, server } = mount()
    await settle()
    expect(text(container, '#tab-mine')).toBe('我的2')
    expect(text(container, '#tab-overdue')).toBe('已超时1')
    expect(text(container, '#tab-all')).toBe('全部9')
    const ids = Array.from(container.querySelectorAll('.adm-queue-item')).map((e) => e.id)
    expect(ids).toEqual(['case-c-01', 'case-c-02', 'case-c-03'])
    expect(text(container, '#case-c-01')).toContain('已超时超时2小时0分')
    expect(text(container, '#case-c-01')).toContain('已升级')
    expect(text(container, '#case-c-02')).toContain('即将超时剩余40分钟')
    expect(text(container, '#case-c-03')).toContain('正常剩余1天2小时')
    expect(text(container, '#case-c-03')).toContain('处理中')
    expect(server.of('queue')[0].data).toMatchObject({ tab: 'mine', cursor: null })
  })

  test('the owner lands on every case with what needs them on top (待审批 / 已升级 / 已超时 …), each count opening its list', async () => {
    const { container, server } = mount('owner', () => ({ items: page1, next: null, counts: counts({ approvals: 2, escalated: 1, overdue: 1, unassigned: 0, reviews: 0 }) }))
    await settle()
    expect(server.of('queue')[0].data).toMatchObject({ tab: 'all' })
    expect(text(container, '#adm-needs')).toContain('需要你处理的事')
    expect(text(container, '#needs-approvals')).toBe('2待审批')
    expect(text(container, '#needs-escalated')).toBe('1已升级')
    await tap(container, '#needs-approvals')
    await settle()
    expect(server.of('queue').at(-1)!.data).toMatchObject({ tab: 'approvals' })
  })

  test('agents have no needs-you strip and land on their own cases', async () => {
    const { container, server } = mount('agent')
    await settle()
    expect(container.querySelector('#adm-needs')).toBeNull()
    expect(server.of('queue')[0].data).toMatchObject({ tab: 'mine' })
  })

  test('a case the buyer answered shows 买家已回复 instead of its status, the others their status', async () => {
    const { container } = mount('agent', () => ({ items: [summary('c-05', { status: 'in_review', buyerReplied: true }), summary('c-06', { status: 'in_review' })], next: null, counts: counts() }))
    await settle()
    expect(text(container, '#replied-c-05')).toBe('买家已回复')
    expect(text(container, '#case-c-05')).not.toContain('处理中')
    expect(container.querySelector('#replied-c-06')).toBeNull()
    expect(text(container, '#case-c-06')).toContain('处理中')
  })

  test('a tab with more cases than the function counts shows 999+', async () => {
    const { container } = mount('agent', () => ({ items: [], next: null, counts: counts({ all: 1000, team: 999 }) }))
    await settle()
    expect(text(container, '#tab-all')).toBe('全部999+')
    expect(text(container, '#tab-team')).toBe('本组999')
  })

  test('switching tab and filtering by severity ask the function again with those filters', async () => {
    const { container, server } = mount()
    await settle()
    await tap(container, '#tab-overdue')
    await settle()
    expect(server.of('queue').at(-1)!.data).toMatchObject({ tab: 'overdue' })
    await tap(container, '#sev-P1')
    await settle()
    expect(server.of('queue').at(-1)!.data).toMatchObject({ tab: 'overdue', severity: 'P1' })
    await tap(container, '#filter-clear')
    await settle()
    expect(server.of('queue').at(-1)!.data.severity).toBeUndefined()
  })

  test('the SLA filter is applied by the function: it asks again with slaState and pages with it', async () => {
    const { container, server } = mount('agent', (d) => ({
      items: d.slaState === 'warning' ? (d.cursor ? [summary('c-05', { sla: page1[1].sla })] : [page1[1]]) : page1,
      next: d.slaState === 'warning' && !d.cursor ? 'cur-w' : null,
      counts: counts(),
    }))
    await settle()
    await tap(container, '#sla-warning')
    await settle()
    expect(server.of('queue').at(-1)!.data).toMatchObject({ tab: 'mine', slaState: 'warning', cursor: null })
    const ids = () => Array.from(container.querySelectorAll('.adm-queue-item')).map((e) => e.id)
    expect(ids()).toEqual(['case-c-02'])
    await tap(container, '#adm-load-more')
    await settle()
    expect(server.of('queue').at(-1)!.data).toMatchObject({ slaState: 'warning', cursor: 'cur-w' })
    expect(ids()).toEqual(['case-c-02', 'case-c-05'])
    // a filter with no match says so (not "nothing for you")
    await tap(container, '#sla-warning')
    await settle()
    expect(server.of('queue').at(-1)!.data.slaState).toBeUndefined()
  })

  test('paging: 加载更多 fetches the next page with the cursor and appends it', async () => {
    const { container, server } = mount()
    await settle()
    await tap(container, '#adm-load-more')
    await settle()
    expect(server.of('queue').at(-1)!.data).toMatchObject({ cursor: 'cur-2' })
    expect(container.querySelectorAll('.adm-queue-item')).toHaveLength(4)
    expect(container.querySelector('#adm-load-more')).toBeNull()
    expect(container.textContent).toContain('没有更多了')
  })

  test('tapping a case opens its page', async () => {
    const { container } = mount()
    await settle()
    await tap(container, '#case-c-02')
    expect(Taro.navigateTo).toHaveBeenCalledWith({ url: '/admin/case/index?id=c-02' })
  })

  test('empty and error states; retry reloads', async () => {
    let n = 0
    const { container } = mount('agent', () => {
      n++
      if (n === 1) fail('INTERNAL', '系统繁忙，请稍后再试')
      return { items: [], next: null, counts: counts({ mine: 0 }) }
    })
    await settle()
    expect(text(container, '#adm-error')).toContain('系统繁忙')
    await tap(container, '#adm-retry')
    await settle()
    expect(text(container, '#adm-queue-empty')).toBe('没有待你处理的售后单')
  })

  test('agents do not see analytics or export; supervisors do', async () => {
    const agent = mount('agent')
    await settle()
    expect(agent.container.querySelector('#link-analytics')).toBeNull()
    expect(agent.container.querySelector('#link-export')).toBeNull()
    agent.unmount()
    const sup = mount('supervisor')
    await settle()
    expect(sup.container.querySelector('#link-analytics')).not.toBeNull()
    expect(sup.container.querySelector('#link-export')).not.toBeNull()
  })
})

describe('staff gate', () => {
  test('a non-staff caller sees 仅限商家客服使用 and nothing else', async () => {
    const server = fakeAdmin({ whoami: () => fail('FORBIDDEN', '仅限商家客服使用') })
    setTransport(server.transport)
    const { container } = render(<StaffGate>{() => <QueueScreen me={me()} />}</StaffGate>)
    await settle()
    expect(text(container, '#adm-forbidden')).toBe('仅限商家客服使用')
    expect(container.querySelector('#adm-queue')).toBeNull()
    expect(server.of('queue')).toHaveLength(0)
  })

  test('staff get through', async () => {
    const server = fakeAdmin({ whoami: () => me('supervisor'), queue: () => ({ items: [], next: null, counts: counts() }), get_policy: () => policyRecord() })
    setTransport(server.transport)
    const { container } = render(<StaffGate>{(m) => <QueueScreen me={m} />}</StaffGate>)
    await settle()
    expect(text(container, '#adm-me')).toContain('陈主管')
  })
})
