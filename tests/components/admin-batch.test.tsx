/**
 * Issue 24: the batch alert page — the window's cases side by side (buyer, reason, words, photos),
 * the owner's one confirmed action (batch remedy + reaching the buyers within a budget), what was
 * done afterwards; supervisors read it without the action.
 */
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { BatchAlertView } from '@contract/care'
import { setTransport } from '../../src/api/client'
import { BatchScreen } from '../../src/admin/batch/BatchScreen'
import { fakeAdmin, me } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

jest.setTimeout(30_000)

let modal: jest.SpyInstance
beforeEach(() => {
  jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' })
  modal = jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'showModal:ok' } as never)
})
afterEach(() => jest.restoreAllMocks())

const view = (over: Partial<BatchAlertView> = {}): BatchAlertView => ({
  id: 'ba-1', key: 'SKU-TEA-01@B2611A', skuId: 'SKU-TEA-01', batch: 'B2611A', product: '明前龙井 250g 礼盒装',
  openedAt: '2026-11-23T06:00:00.000Z', windowFrom: '2026-11-21T06:00:00.000Z', threshold: 5, caseIds: ['c-1', 'c-2'], triggerCaseId: 'c-2', version: 1,
  action: null, progress: null, currentRemedy: null,
  cases: [
    { caseId: 'c-1', caseNo: 'AS001', createdAt: '2026-11-22T06:00:00.000Z', buyer: '赵先生', reason: 'quality_defect', reasonLabel: '质量问题', status: 'submitted', description: '茶叶结块发黑', photos: [{ fileId: 'local:p1', kind: 'image' }] },
    { caseId: 'c-2', caseNo: 'AS002', createdAt: '2026-11-23T05:00:00.000Z', buyer: '买家…ab12', reason: 'not_as_described', reasonLabel: '与描述不符', status: 'in_review', description: '颜色和图片不一样', photos: [] },
  ],
  ...over,
})

test('the owner sees the cases side by side and acts once, after confirming what will happen', async () => {
  const server = fakeAdmin({
    get_batch_alert: () => view(),
    act_batch_alert: (d) => view({ version: 3, action: { by: 'staff-owner', byName: '王店长', at: '2026-11-23T06:10:00.000Z', remedy: d.remedy as never, outreach: d.outreach as never }, progress: { status: 'done', cursor: null, reached: 12, skipped: 3, refused: 0, spentFen: 12_000, note: null, updatedAt: '2026-11-23T06:10:00.000Z' } }),
  })
  setTransport(server.transport)
  const { container } = render(<BatchScreen me={me('owner')} alertId="ba-1" />)
  await settle(50)
  expect(text(container, '#batch-case-c-1')).toContain('赵先生 · 质量问题')
  expect(text(container, '#batch-case-c-1')).toContain('茶叶结块发黑')
  expect(container.querySelectorAll('#batch-case-c-1 .adm-evidence__img')).toHaveLength(1)
  expect(text(container, '#batch-case-c-2')).toContain('无图片')
  await tap(container, '#remedy-resend')
  await typeInto(container, '#reach-per', '10')
  await typeInto(container, '#reach-budget', '200')
  await tap(container, '#batch-act-submit')
  await settle(50)
  expect(modal).toHaveBeenCalledWith(expect.objectContaining({ content: expect.stringContaining('每人¥10.00，总预算¥200.00') }))
  expect(server.of('act_batch_alert')[0].data).toMatchObject({ alertId: 'ba-1', expectedVersion: 1, remedy: { kind: 'resend' }, outreach: { kind: 'coupon', amountFen: 1000, budgetFen: 20_000 } })
  expect(text(container, '#batch-action-line')).toContain('主动联系 12 位买家')
  expect(container.querySelector('#batch-act')).toBeNull() // acted once: the form is gone
})

test('cancelling the dialog sends nothing; a supervisor reads the alert without the action', async () => {
  const server = fakeAdmin({ get_batch_alert: () => view(), act_batch_alert: () => view() })
  setTransport(server.transport)
  modal.mockResolvedValueOnce({ confirm: false, cancel: true, errMsg: 'showModal:ok' } as never)
  const owner = render(<BatchScreen me={me('owner')} alertId="ba-1" />)
  await settle(50)
  await tap(owner.container, '#batch-act-submit')
  await settle()
  expect(server.of('act_batch_alert')).toHaveLength(0)
  owner.unmount()
  const sup = render(<BatchScreen me={me('supervisor')} alertId="ba-1" />)
  await settle(50)
  expect(sup.container.querySelector('#batch-act')).toBeNull()
  expect(text(sup.container, '#batch-detail')).toContain('由店主设定批次方案并联系买家')
})
