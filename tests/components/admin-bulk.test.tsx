/**
 * Issue 24 in the seller's queue: pick cases (全选本页), one action for all after a confirmation
 * tap, the per-case answer with the reasons of the refusals; a retry after a failed call sends the
 * same request key (the function then applies nothing twice).
 */
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import { setTransport } from '../../src/api/client'
import { QueueScreen } from '../../src/admin/queue/QueueScreen'
import { counts, fail, fakeAdmin, me, policyRecord, summary } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

jest.setTimeout(30_000)

let modal: jest.SpyInstance
beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' })
  modal = jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'showModal:ok' } as never)
})
afterEach(() => jest.restoreAllMocks())

const page = [summary('c-01', { version: 3 }), summary('c-02', { version: 1 }), summary('c-03', { version: 7 })]

function mount(bulk: (d: Record<string, unknown>) => unknown) {
  const server = fakeAdmin({ queue: () => ({ items: page, next: null, counts: counts() }), get_policy: () => policyRecord(), list_staff: () => [], bulk_command: bulk })
  setTransport(server.transport)
  return { ...render(<QueueScreen me={me('agent')} />), server }
}

test('全选本页 → 回复 → 确认: every case sent with the version listed, the answer per case with the refusal in words', async () => {
  const { container, server } = mount((d) => {
    const items = d.items as Array<{ caseId: string }>
    return {
      total: items.length,
      applied: 2,
      refused: 1,
      results: items.map((i) =>
        i.caseId === 'c-02'
          ? { caseId: i.caseId, caseNo: 'AS-c-02', outcome: 'refused', status: null, code: 'NOT_ALLOWED_IN_STATUS', message: '售后单已撤销，不能回复' }
          : { caseId: i.caseId, caseNo: `AS-${i.caseId}`, outcome: 'applied', status: 'in_review' },
      ),
    }
  })
  await settle()
  expect(container.querySelector('#adm-bulk')).toBeNull()
  await tap(container, '#bulk-toggle')
  await tap(container, '#bulk-all')
  expect(text(container, '#adm-bulk')).toContain('已选 3 个售后单')
  // while picking, a tap on a case picks it instead of opening it
  await tap(container, '#case-c-02')
  expect(text(container, '#adm-bulk')).toContain('已选 2 个售后单')
  await tap(container, '#case-c-02')
  await typeInto(container, '#bulk-text', '您好，已收到，正在处理')
  await tap(container, '#bulk-run')
  await settle()
  expect(modal).toHaveBeenCalledWith(expect.objectContaining({ content: expect.stringContaining('对选中的 3 个售后单执行「回复买家」') }))
  const [call] = server.of('bulk_command')
  expect(call.data).toEqual({
    items: [{ caseId: 'c-01', expectedVersion: 3 }, { caseId: 'c-02', expectedVersion: 1 }, { caseId: 'c-03', expectedVersion: 7 }],
    command: { type: 'respond', text: '您好，已收到，正在处理' },
  })
  expect(call.key).toEqual(expect.any(String))
  expect(text(container, '#bulk-summary')).toBe('共 3 个：执行 2 个，未执行 1 个')
  expect(text(container, '#bulk-r-c-02')).toBe('AS-c-02：未执行（售后单已撤销，不能回复）')
  expect(text(container, '#bulk-r-c-01')).toBe('AS-c-01：已执行')
})

test('nothing is sent without the confirmation tap; a failed call is retried with the same key', async () => {
  let n = 0
  const { container, server } = mount(() => (n++ === 0 ? fail('INTERNAL', '网络异常，请重试') : { total: 1, applied: 1, refused: 0, results: [{ caseId: 'c-01', caseNo: 'AS-c-01', outcome: 'replayed', status: 'in_review' }] }))
  await settle()
  await tap(container, '#bulk-toggle')
  await tap(container, '#case-c-01')
  await tap(container, '#bulk-note')
  await typeInto(container, '#bulk-text', '批量备注')
  modal.mockResolvedValueOnce({ confirm: false, cancel: true, errMsg: 'showModal:ok' } as never)
  await tap(container, '#bulk-run')
  await settle()
  expect(server.of('bulk_command')).toHaveLength(0)
  await tap(container, '#bulk-run')
  await settle()
  expect(text(container, '#bulk-error')).toBe('网络异常，请重试')
  expect(text(container, '#bulk-run')).toBe('重试')
  await tap(container, '#bulk-run')
  await settle()
  const calls = server.of('bulk_command')
  expect(calls).toHaveLength(2)
  expect(calls[1].key).toBe(calls[0].key)
  expect(text(container, '#bulk-r-c-01')).toBe('AS-c-01：已执行（重试）')
})
