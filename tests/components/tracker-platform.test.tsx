/**
 * A shop (视频号小店) after-sale in the buyer's tracker: the buyer's own application, in the
 * platform's words for the reason — never 「商家主动联系您」 / 「商家主动跟进中」 (issue 21 §4).
 */
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import { setTransport } from '../../src/api/client'
import { CaseScreen } from '../../src/pages/case/CaseScreen'
import { caseView, fakeServer, policy } from './fixtures'
import { settle, text } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
})
afterEach(() => jest.restoreAllMocks())

function mount(view: ReturnType<typeof caseView>) {
  setTransport(fakeServer({ get_case: () => view, get_policy: () => policy }).transport)
  return render(<CaseScreen caseId={view.id} />)
}

/** The application as the import writes it: opened by the system, on the buyer's behalf. */
const opened = (at: string) => ({ id: 'tl-open', at, actor: { kind: 'system' as const }, type: 'opened' as const, fromStatus: null, toStatus: 'submitted' as const, text: '您在视频号小店申请了退款¥59（原因：不想要了），商家会尽快处理' })

test('a shop after-sale reads as the buyer’s own application, with the platform’s reason', async () => {
  const base = caseView('submitted')
  const view = { ...base, source: 'channels' as const, reason: 'other' as const, reasonText: '不想要了', timeline: [opened(base.createdAt)] }
  const { container } = mount(view)
  await settle()
  expect(text(container, '#tracker')).toContain('原因：不想要了')
  expect(text(container, '#tracker')).not.toContain('其他')
  expect(text(container, '#timeline')).not.toContain('商家主动联系您')
  expect(text(container, '#step-current')).toContain('您的售后申请')
  expect(text(container, '#case-status')).not.toContain('主动')
})

test('a case the seller opened (logistics watch) still says the seller reached out', async () => {
  const base = caseView('submitted')
  const view = { ...base, timeline: [{ ...opened(base.createdAt), text: '我们发现您的包裹异常，已主动为您创建售后单并跟进' }] }
  const { container } = mount(view)
  await settle()
  expect(text(container, '#step-current')).toContain('商家主动联系您')
})
