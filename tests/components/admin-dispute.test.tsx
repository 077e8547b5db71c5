/**
 * Issue 21 §2: the case page's 平台纠纷与客诉 section — the dispute's status in the platform's words,
 * the deadline and history, only the answer the platform takes now, the case's images to pick, what
 * is sent, and the platform's refusal in Chinese.
 */
import './admin-setup'
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { CaseView } from '@contract/actions'
import type { DisputeBlock } from '@contract/domain'
import { setTransport } from '../../src/api/client'
import { DisputePanel } from '../../src/admin/case/DisputePanel'
import { caseDetail, fakeAdmin, fail } from './admin-fixtures'
import { settle, tap, text, typeInto } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'showModal:ok' } as never)
})
afterEach(() => jest.restoreAllMocks())

const dispute = (over: Partial<DisputeBlock> = {}): DisputeBlock => ({
  complaintId: '21001', afterSaleOrderId: '41001', status: 106, platformDeadline: null,
  history: [{ itemType: 1, at: '2026-11-23T02:00:00.000Z', content: '商家拒绝退款，我要平台评理', mediaIds: ['m1'] }],
  openedAt: '2026-11-23T02:00:00.000Z', statusSince: '2026-11-23T02:00:00.000Z', deadline: '2026-11-25T02:00:00.000Z', deadlineSource: 'estimated',
  warnedFor: null, lastCall: null, answers: [], timeouts: [], outcome: null, endedAt: null,
  ...over,
})
const view = (d: DisputeBlock, actions: CaseView['actions'] = ['dispute_proof']): CaseView => {
  const c = caseDetail('rejected', {
    dispute: d,
    evidence: [{ fileId: 'local:photo1', kind: 'image', size: 1000, mime: 'image/png' }],
  })
  return { ...c, actions }
}

describe('staff case page: platform dispute', () => {
  test('shows status, deadline (estimated) and history; offers only 举证 in 待商家补充凭证; sends text and a picked case image', async () => {
    const server = fakeAdmin({ dispute_proof: (d) => ({ ...view(dispute({ lastCall: { key: 'k', call: 'complaint_proof', at: '2026-11-23T06:00:00.000Z', outcome: 'pending', message: null, errcode: null, text: String(d.text), photos: 1 } }), []) }) })
    setTransport(server.transport)
    const updated: CaseView[] = []
    const { container } = render(<DisputePanel view={view(dispute())} onUpdated={(v) => updated.push(v)} />)
    expect(text(container, '#dispute-status')).toBe('待商家补充凭证')
    expect(text(container, '#dispute-deadline')).toContain('按48小时估算')
    expect(text(container, '#dispute-history')).toContain('商家拒绝退款，我要平台评理')
    expect(container.querySelector('#act-dispute_message')).toBeNull()
    await tap(container, '#act-dispute_proof')
    // empty text is refused in Chinese before anything is sent
    await tap(container, '#f-dispute-submit')
    expect(text(container, '#dispute-error')).toBe('请填写举证说明')
    await typeInto(container, '#f-dispute-text', '发货前已拍照，吊牌完好')
    await tap(container, '#f-dispute-pick-local\\:photo1')
    await tap(container, '#f-dispute-submit')
    await settle()
    expect(server.of('dispute_proof')).toEqual([expect.objectContaining({ data: expect.objectContaining({ text: '发货前已拍照，吊牌完好', photos: ['local:photo1'] }) })])
    expect(updated).toHaveLength(1)
  })

  test('the platform’s refusal and the server’s refusal are shown in Chinese', async () => {
    const refused = dispute({ status: 103, lastCall: { key: 'k', call: 'complaint_proof', at: '2026-11-23T06:00:00.000Z', outcome: 'refused', message: '纠纷当前不是「待商家举证」，平台不接受举证', errcode: 10021504, text: 'x', photos: 0 } })
    setTransport(fakeAdmin({ dispute_message: () => fail('CONFLICT', '售后单已被更新，请刷新后重试') }).transport)
    const { container } = render(<DisputePanel view={view(refused, ['dispute_message'])} onUpdated={() => {}} />)
    expect(text(container, '#dispute-last-call')).toContain('平台未接受')
    expect(text(container, '#dispute-last-call')).toContain('不接受举证')
    await tap(container, '#act-dispute_message')
    await typeInto(container, '#f-dispute-text', '补充说明')
    await tap(container, '#f-dispute-submit')
    await settle()
    expect(text(container, '#dispute-error')).toBe('售后单已被更新，请刷新后重试')
  })
})
