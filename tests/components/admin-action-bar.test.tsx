import './admin-setup'
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import { STAFF_COMMANDS, type CaseView } from '@contract/actions'
import { CASE_STATUSES, type CaseStatus, type StaffRole } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { setTransport } from '../../src/api/client'
import { ActionBar } from '../../src/admin/case/ActionBar'
import { CaseScreen } from '../../src/admin/case/CaseScreen'
import { caseDetail, fail, fakeAdmin, me, policyRecord, staffActions, suggestion } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

let modal: jest.SpyInstance
beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  modal = jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'showModal:ok' } as never)
})
afterEach(() => jest.restoreAllMocks())

function mountBar(view: CaseView, role: StaffRole = 'agent', handlers: Record<string, (d: Record<string, unknown>) => unknown> = {}) {
  const server = fakeAdmin({ list_staff: () => [], ...handlers })
  setTransport(server.transport)
  const onUpdated = jest.fn()
  const utils = render(<ActionBar view={view} me={me(role)} cannedReplies={defaultPolicy.cannedReplies} reasonLabels={{ damaged_in_transit: '破损/污渍' }} onUpdated={onUpdated} />)
  return { ...utils, server, onUpdated }
}

const buttons = (root: ParentNode) => Array.from(root.querySelectorAll('.adm-action')).map((b) => b.id.replace(/^act-/, ''))

describe('action bar: role × status → exactly the actions the function allows now', () => {
  const roles: StaffRole[] = ['agent', 'supervisor', 'owner']
  const table = roles.flatMap((role) => CASE_STATUSES.map((status) => [role, status] as const))
  test.each(table)('%s in %s', (role, status: CaseStatus) => {
    const view = caseDetail(status)
    const { container } = mountBar(view, role)
    // approvals, 差评 follow-up and 回访 live in the case's LoopPanel, not in the bar
    const loop: readonly string[] = ['submit_for_approval', 'decide_approval', 'review_step', 'record_visit']
    const expected = STAFF_COMMANDS.filter((a) => view.actions.includes(a) && !loop.includes(a))
    expect(buttons(container)).toEqual(expected)
    if (!expected.length) expect(text(container, '#adm-no-actions')).toBe('当前状态无需处理')
  })

  test('the table the bar follows: a few statuses spelled out', () => {
    expect(staffActions('submitted')).toEqual(['respond', 'ask_info', 'make_offer', 'approve', 'reject', 'note', 'reassign', 'escalate', 'submit_for_approval', 'decide_approval'])
    expect(staffActions('inspecting')).toEqual(['inspect', 'ship_replacement', 'note', 'reassign', 'escalate'])
    // an offer the buyer has not answered can be revised or withdrawn
    expect(staffActions('offer_pending')).toEqual(['make_offer', 'withdraw_offer', 'note', 'reassign', 'escalate', 'submit_for_approval', 'decide_approval'])
    // a rated case is closed; its 差评 follow-up steps still run there
    expect(staffActions('closed')).toEqual(['review_step'])
  })

  test('the bar shows only what `actions` lists, even if the status would allow more', () => {
    const { container } = mountBar(caseDetail('submitted', { actions: ['note'] }))
    expect(buttons(container)).toEqual(['note'])
  })

  test('agents are told when an offer needs a supervisor; supervisors are not', () => {
    const view = caseDetail('submitted', { offers: [suggestion({ needsSupervisor: true, refundFen: 45900 })] })
    expect(mountBar(view, 'agent').container.querySelector('#adm-needs-supervisor')).not.toBeNull()
    expect(mountBar(view, 'supervisor').container.querySelector('#adm-needs-supervisor')).toBeNull()
  })
})

describe('action bar: acting on a case', () => {
  test('respond: a canned reply (话术) for the case reason is inserted into the text and sent with the case version', async () => {
    const view = caseDetail('submitted', { reason: 'damaged_in_transit' })
    const { container, server, onUpdated } = mountBar(view, 'agent', { respond: () => ({ ...view, status: 'in_review' }) })
    await tap(container, '#act-respond')
    expect(container.querySelector('#form-respond')).not.toBeNull()
    // the case's own reason comes first
    expect(container.querySelector('.adm-canned')!.id).toBe('canned-damaged_in_transit')
    await tap(container, '#canned-damaged_in_transit')
    await tap(container, '#submit-respond')
    await settle()
    expect(modal).not.toHaveBeenCalled()
    expect(server.of('respond')[0].data).toEqual({ caseId: 'case-1', expectedVersion: 3, text: defaultPolicy.cannedReplies.damaged_in_transit })
    expect(onUpdated).toHaveBeenCalledWith(expect.objectContaining({ status: 'in_review' }))
  })

  test('empty text is refused before calling the function', async () => {
    const { container, server } = mountBar(caseDetail('submitted'))
    await tap(container, '#act-note')
    await tap(container, '#submit-note')
    expect(text(container, '#adm-action-error')).toContain('请填写内容')
    expect(server.calls).toHaveLength(0)
  })

  test.each([
    ['approve', 'submitted', () => {}],
    ['issue_refund', 'in_review', async (c: HTMLElement) => typeInto(c, '#f-amount', '12.5')],
    ['reject', 'submitted', async (c: HTMLElement) => typeInto(c, '#f-text', '照片无法看出问题')],
  ] as const)('%s is irreversible: it asks for confirmation, and cancelling sends nothing', async (action, status, fill) => {
    modal.mockResolvedValue({ confirm: false, cancel: true, errMsg: 'showModal:ok' })
    const { container, server } = mountBar(caseDetail(status))
    await tap(container, `#act-${action}`)
    await fill(container)
    await tap(container, `#submit-${action}`)
    await settle()
    expect(modal).toHaveBeenCalledTimes(1)
    expect(server.of(action)).toHaveLength(0)
  })

  test('issue_refund converts yuan to integer fen and carries an idempotency key', async () => {
    const view = caseDetail('in_review')
    const { container, server } = mountBar(view, 'supervisor', { issue_refund: () => view })
    await tap(container, '#act-issue_refund')
    await typeInto(container, '#f-amount', '12.5')
    await tap(container, '#submit-issue_refund')
    await settle()
    expect(modal.mock.calls[0][0].content).toContain('¥12.50')
    const call = server.of('issue_refund')[0]
    expect(call.data).toMatchObject({ amountFen: 1250, purpose: 'refund', expectedVersion: 3 })
    expect(call.key).toMatch(/.{8,}/)
  })

  test('reject sends the chosen reason with the message', async () => {
    const view = caseDetail('submitted')
    const { container, server } = mountBar(view, 'agent', { reject: () => view })
    await tap(container, '#act-reject')
    await tap(container, '#reject-reason-1')
    await typeInto(container, '#f-text', '已超过售后期限')
    await tap(container, '#submit-reject')
    await settle()
    expect(server.of('reject')[0].data.text).toBe('【超出售后期限】已超过售后期限')
  })

  test('inspect: pass needs no confirmation, fail does', async () => {
    const view = caseDetail('inspecting')
    const { container, server } = mountBar(view, 'agent', { inspect: () => view })
    await tap(container, '#act-inspect')
    await typeInto(container, '#f-text', '包装完好')
    await tap(container, '#submit-inspect')
    await settle()
    expect(modal).not.toHaveBeenCalled()
    expect(server.of('inspect')[0].data).toMatchObject({ result: 'pass', note: '包装完好', photos: [] })
    await tap(container, '#act-inspect')
    await tap(container, '#f-fail')
    await typeInto(container, '#f-text', '商品已使用')
    await tap(container, '#submit-inspect')
    await settle()
    expect(modal).toHaveBeenCalledTimes(1)
    expect(server.of('inspect')[1].data).toMatchObject({ result: 'fail' })
  })

  test('approve above the limit: the core says it goes to a supervisor; one tap sends the same approve, nothing else (no page-side threshold)', async () => {
    const money = { refundMaxFen: 45_900, refundWhy: '本单该商品还可退¥459', compensationMaxFen: 45_900, compensationWhy: '该问题最多补偿¥459', thresholdFen: 20_000, givenFen: 0, pendingApproval: null }
    const view = { ...caseDetail('submitted'), money: { ...money, approve: { outcome: 'approval' as const, summary: '同意仅退款¥459', valueFen: 45_900, message: '总价值¥459超过审批门槛¥200，点击后提交主管审批' } } }
    const waiting = { ...view, money: { ...view.money, pendingApproval: { id: 'ap-1', summary: '同意仅退款¥459', valueFen: 45_900, why: '总价值¥459超过审批门槛¥200', requestedBy: 'staff-1', requestedAt: view.createdAt, mine: true } } }
    const { container, server, onUpdated } = mountBar(view, 'agent', { approve: () => waiting })
    await tap(container, '#act-approve')
    expect(text(container, '#approve-preview')).toContain('将提交主管审批：同意仅退款¥459')
    expect(text(container, '#form-approve')).toContain('本单该商品还可退¥459')
    expect(text(container, '#submit-approve')).toBe('提交主管审批 ¥459.00')
    await tap(container, '#submit-approve')
    await settle()
    expect(modal).not.toHaveBeenCalled() // nothing irreversible happens on this tap
    expect(server.of('approve')).toEqual([expect.objectContaining({ data: { caseId: 'case-1', expectedVersion: 3 } })])
    expect(server.of('escalate')).toHaveLength(0)
    expect(onUpdated).toHaveBeenCalledWith(waiting)

    // the page never re-derives the threshold: when the core says the tap runs, it runs (with a confirmation)
    const runs = { ...view, money: { ...money, approve: { outcome: 'runs' as const, summary: '同意仅退款¥168', valueFen: 0, message: '' } } }
    const server2 = fakeAdmin({ list_staff: () => [], approve: () => runs })
    setTransport(server2.transport)
    const b = render(<ActionBar view={runs} me={me('agent')} approvalThresholdFen={100} onUpdated={jest.fn()} />)
    await tap(b.container, '#act-approve')
    expect(text(b.container, '#approve-preview')).toContain('将执行：同意仅退款¥168')
    expect(text(b.container, '#submit-approve')).toBe('确认同意')
    expect(b.container.querySelector('#approve-over-limit')).toBeNull()
  })

  test('a case waiting for a supervisor says so in the bar', async () => {
    const view = { ...caseDetail('in_review'), money: { refundMaxFen: 0, refundWhy: '', compensationMaxFen: 0, compensationWhy: '', thresholdFen: 20_000, givenFen: 0, approve: null, pendingApproval: { id: 'ap-1', summary: '发放¥300优惠券', valueFen: 30_000, why: '总价值¥300超过审批门槛¥200', requestedBy: 'staff-1', requestedAt: '2026-11-23T02:00:00.000Z', mine: true } } }
    const { container } = mountBar(view, 'agent')
    expect(text(container, '#adm-pending-approval')).toBe('待主管审批：发放¥300优惠券（价值¥300.00，总价值¥300超过审批门槛¥200）')
  })

  test('make_offer: an unedited suggestion goes by id, an edited one as a new offer in fen', async () => {
    const view = caseDetail('submitted', { offers: [suggestion(), suggestion({ id: 'sug-2', kind: 'coupon', refundFen: 0, couponFen: 1000, explanation: '送您10元优惠券' })] })
    const { container, server } = mountBar(view, 'agent', { make_offer: () => view })
    await tap(container, '#act-make_offer')
    await tap(container, '#pick-sug-1 .taro_view, #pick-sug-1 > *')
    await tap(container, '#pick-sug-2 > *')
    await typeInto(container, '#f-offer-sug-2-couponFen', '15')
    await tap(container, '#submit-make_offer')
    await settle()
    const data = server.of('make_offer')[0].data
    expect(data.offerIds).toEqual(['sug-1'])
    expect(data.offers).toEqual([expect.objectContaining({ kind: 'coupon', couponFen: 1500, explanation: '送您10元优惠券' })])
  })

  test('withdraw_offer: lists the offers on the table, confirms first, sends the reason; cancelling sends nothing', async () => {
    const onTable = suggestion({ status: 'offered' })
    const view = caseDetail('offer_pending', { offers: [onTable] })
    const { container, server, onUpdated } = mountBar(view, 'agent', { withdraw_offer: () => ({ ...view, status: 'in_review' }) })
    expect(text(container, '#act-withdraw_offer')).toBe('撤回方案')
    await tap(container, '#act-withdraw_offer')
    expect(text(container, '#f-on-table')).toContain(onTable.explanation)
    await typeInto(container, '#f-text', '金额算错了')
    modal.mockResolvedValueOnce({ confirm: false, cancel: true, errMsg: 'showModal:ok' })
    await tap(container, '#submit-withdraw_offer')
    await settle()
    expect(modal.mock.calls[0][0].content).toContain('买家将不能再接受这些方案')
    expect(server.of('withdraw_offer')).toHaveLength(0)
    await tap(container, '#submit-withdraw_offer')
    await settle()
    expect(server.of('withdraw_offer')[0].data).toEqual({ caseId: 'case-1', expectedVersion: 3, reason: '金额算错了' })
    expect(onUpdated).toHaveBeenCalledWith(expect.objectContaining({ status: 'in_review' }))
  })

  test('make_offer while the buyer has not answered is 修改方案: the current offer can be kept, an edited one goes as new', async () => {
    const view = caseDetail('offer_pending', { offers: [suggestion({ status: 'offered' }), suggestion({ id: 'sug-2', kind: 'coupon', refundFen: 0, couponFen: 1000, explanation: '送您10元优惠券' })] })
    const { container, server } = mountBar(view, 'agent', { make_offer: () => view })
    expect(text(container, '#act-make_offer')).toBe('修改方案')
    await tap(container, '#act-make_offer')
    expect(text(container, '#f-revising')).toContain('新方案将替换买家尚未答复的方案')
    expect(text(container, '#pick-sug-1')).toContain('【当前】')
    await tap(container, '#pick-sug-1 > *')
    await tap(container, '#pick-sug-2 > *')
    await typeInto(container, '#f-offer-sug-2-couponFen', '15')
    await tap(container, '#submit-make_offer')
    await settle()
    const data = server.of('make_offer')[0].data
    expect(data.offerIds).toEqual(['sug-1'])
    expect(data.offers).toEqual([expect.objectContaining({ kind: 'coupon', couponFen: 1500 })])
  })

  test('approve: the form fits the case type and the confirmation names what will happen', async () => {
    // refund only: an amount (default = what the buyer claimed), no return options
    const refund = caseDetail('submitted')
    const a = mountBar(refund, 'agent', { approve: () => refund })
    await tap(a.container, '#act-approve')
    expect(text(a.container, '#form-approve')).toContain('留空按建议方案或申请商品金额¥168.00')
    expect(a.container.querySelector('#f-pickup')).toBeNull()
    expect(a.container.querySelector('#submit-approve')!.hasAttribute('disabled')).toBe(false)
    await tap(a.container, '#submit-approve')
    await settle()
    expect(modal.mock.calls[0][0].content).toContain('将立即原路退回¥168.00')
    expect(a.server.of('approve')[0].data).toEqual({ caseId: 'case-1', expectedVersion: 3 })
    a.unmount()
    // return and refund: the return terms start from the engine's suggestion for that remedy
    const ret = caseDetail('submitted', { type: 'return_refund', offers: [suggestion({ id: 'sug-r', kind: 'return_refund', refundFen: 16800, pickup: true, shippingPaidBy: 'seller' })] })
    const b = mountBar(ret, 'agent', { approve: () => ret })
    await tap(b.container, '#act-approve')
    expect(b.container.querySelector('#f-pickup')!.className).toContain('adm-chip--on')
    expect(b.container.querySelector('#f-paid-seller')!.className).toContain('adm-chip--on')
    await tap(b.container, '#submit-approve')
    await settle()
    expect(b.server.of('approve')[0].data).toMatchObject({ pickup: true, shippingPaidBy: 'seller' })
    b.unmount()
    // resend: goods, not money
    const c = mountBar(caseDetail('submitted', { type: 'resend' }))
    await tap(c.container, '#act-approve')
    expect(c.container.querySelector('#f-amount')).toBeNull()
    expect(text(c.container, '#f-pickup')).toBe('预约上门取回原商品')
  })

  test('ship replacement needs carrier and tracking number', async () => {
    const view = caseDetail('in_review')
    const { container, server } = mountBar(view, 'agent', { ship_replacement: () => view })
    await tap(container, '#act-ship_replacement')
    await tap(container, '#submit-ship_replacement')
    expect(text(container, '#adm-action-error')).toContain('快递')
    await typeInto(container, '#f-carrier', '顺丰速运')
    await typeInto(container, '#f-tracking', 'SF2000')
    await tap(container, '#submit-ship_replacement')
    await settle()
    expect(server.of('ship_replacement')[0].data).toMatchObject({ carrier: '顺丰速运', trackingNo: 'SF2000' })
  })
})

describe('case page', () => {
  test('shows order, buyer history, evidence, suggestions with explanations and the timeline with internal notes marked', async () => {
    const view = caseDetail('submitted')
    const server = fakeAdmin({ get_case: () => view, get_policy: () => policyRecord() })
    setTransport(server.transport)
    const { container } = render(<CaseScreen caseId="case-1" me={me('supervisor')} />)
    await settle()
    expect(text(container, '#case-status')).toBe('待受理')
    expect(text(container, '#case-order')).toContain('DEMO0004')
    expect(text(container, '#case-order')).toContain('批次B2611A')
    expect(text(container, '#history-refunds')).toBe('2 次')
    expect(container.querySelectorAll('#case-evidence img, #case-evidence taro-image-core').length).toBeGreaterThan(0)
    expect(container.querySelector('#case-evidence video, #case-evidence taro-video-core')).not.toBeNull()
    expect(text(container, '#case-suggestions')).toContain('轻微瑕疵，可部分退款20%')
    // the engine's rule in the playbook's words, not its code
    expect(text(container, '#case-suggestions')).toContain('规则：小瑕疵部分退款')
    expect(text(container, '#case-suggestions')).not.toContain('minor_defect_partial_refund')
    expect(text(container, '#tl-t2')).toContain('内部备注')
    expect(text(container, '#tl-t2')).toContain('职业索赔')
    expect(text(container, '#tl-t1')).not.toContain('内部备注')
    expect(text(container, '#case-head')).toContain('已超时')
  })

  test('staff read names (not ids) and the next step in their own words', async () => {
    const view = caseDetail('submitted')
    const server = fakeAdmin({
      get_case: () => view,
      get_policy: () => policyRecord(),
      list_staff: () => [
        { id: 'staff-amy', name: '小美', role: 'agent', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true },
        { id: 'staff-sup', name: '陈主管', role: 'supervisor', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true },
      ],
    })
    setTransport(server.transport)
    const { container } = render(<CaseScreen caseId="case-1" me={me('supervisor')} />)
    await settle()
    expect(text(container, '#case-head')).toContain('品质组 · 小美')
    expect(text(container, '#case-head')).not.toContain('staff-amy')
    expect(text(container, '#tl-t2')).toContain('陈主管')
    expect(text(container, '#case-next')).toContain('待受理：请尽快回复买家')
  })

  test('a missing case shows the error', async () => {
    const server = fakeAdmin({ get_case: () => fail('NOT_FOUND', '没有找到这个售后单'), get_policy: () => policyRecord() })
    setTransport(server.transport)
    const { container } = render(<CaseScreen caseId="nope" me={me()} />)
    await settle()
    expect(text(container, '#adm-error')).toContain('没有找到这个售后单')
  })
})
