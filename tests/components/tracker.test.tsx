import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import { STATUS_LABELS, CASE_STATUSES, type CaseStatus } from '@contract/domain'
import { BUYER_COMMANDS } from '@contract/actions'
import { setTransport } from '../../src/api/client'
import { CaseScreen } from '../../src/pages/case/CaseScreen'
import { caseView, fakeServer, offer, policy } from './fixtures'
import { doubleTap, settle, tap, text, typeInto } from './helpers'

function mount(view: ReturnType<typeof caseView>, handlers: Record<string, (d: Record<string, unknown>) => unknown> = {}) {
  const server = fakeServer({ get_case: () => view, get_policy: () => policy, ...handlers })
  setTransport(server.transport)
  const utils = render(<CaseScreen caseId={view.id} />)
  return { ...utils, server }
}

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  Taro.removeStorageSync('aftersale:subscribeRefused')
})
afterEach(() => jest.restoreAllMocks())

describe('tracker: every status shows where the case is, what comes next and only the allowed buttons', () => {
  test.each(CASE_STATUSES.map((s) => [s]))('%s', async (status: CaseStatus) => {
    const view = caseView(status)
    const { container } = mount(view)
    await settle()
    expect(text(container, '#case-status')).toBe(STATUS_LABELS[status])
    expect(text(container, '#next-text')).toBe(view.next.text)
    if (view.next.dueAt) expect(text(container, '#next-due')).toMatch(/还剩 .+（截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}）/)
    else expect(container.querySelector('#next-due')).toBeNull()
    // the current step is the latest timeline entry (the server sends a buyer only their entries)
    expect(text(container, '#step-current')).toContain(STATUS_LABELS[status])
    for (const cmd of BUYER_COMMANDS) {
      const shown = cmd === 'accept_offer' ? container.querySelector('[id^="accept-"]') : container.querySelector(`#action-${cmd}`)
      expect([cmd, !!shown]).toEqual([cmd, view.actions.includes(cmd)])
    }
    if (view.actions.length === 0) expect(container.querySelector('#no-actions')).not.toBeNull()
  })
})

test('an offer shows the engine explanation and amounts in 元; accepting asks once with the case version', async () => {
  const view = caseView('offer_pending', {
    offers: [
      offer({ id: 'off-a', kind: 'refund', refundFen: 3980, items: [], explanation: '轻微瑕疵，按实付金额的20%部分退款' }),
      offer({ id: 'off-b', kind: 'coupon', couponFen: 1000, items: [], explanation: '或者送您一张10元无门槛优惠券' }),
    ],
  })
  const accepted = { ...caseView('refunding'), acceptedOfferId: 'off-a', version: 5 }
  const { container, server } = mount(view, { accept_offer: () => accepted })
  await settle()
  expect(text(container, '#offers')).toContain('任选其一')
  expect(text(container, '#offer-off-a')).toContain('轻微瑕疵，按实付金额的20%部分退款')
  expect(text(container, '#offer-off-a')).toContain('¥39.80')
  expect(text(container, '#offer-off-b')).toContain('¥10.00')
  // the headline is the product the buyer bought, the kind of claim below it
  expect(text(container, '#case-product')).toBe(view.order.items.find((i) => i.skuId === view.claimedItems[0].skuId)!.name)

  await doubleTap(container, '#accept-off-a')
  await settle()
  const calls = server.of('accept_offer')
  expect(calls).toHaveLength(1)
  expect(calls[0].data).toMatchObject({ caseId: 'case-1', offerId: 'off-a', expectedVersion: 4 })
  expect(calls[0].key).toEqual(expect.any(String))
  expect(text(container, '#case-status')).toBe(STATUS_LABELS.refunding)
  expect(container.querySelector('#accept-off-a')).toBeNull()
})

test('declining an offer sends the optional words', async () => {
  const { container, server } = mount(caseView('offer_pending'), { decline_offer: () => caseView('in_review') })
  await settle()
  await tap(container, '#action-decline_offer')
  await typeInto(container, '#panel-text', '我想要退款')
  await tap(container, '#panel-submit')
  expect(server.of('decline_offer')[0].data).toMatchObject({ offerId: 'off-1', text: '我想要退款' })
  expect(text(container, '#case-status')).toBe(STATUS_LABELS.in_review)
})

test('cancel asks for confirmation; "再想想" sends nothing, "确定" cancels', async () => {
  const modal = jest.spyOn(Taro, 'showModal').mockResolvedValueOnce({ confirm: false, cancel: true, errMsg: 'ok' })
  const { container, server } = mount(caseView('submitted'), { cancel: () => caseView('cancelled') })
  await settle()
  await tap(container, '#action-cancel')
  expect(modal).toHaveBeenCalledWith(expect.objectContaining({ title: '撤销申请' }))
  expect(server.of('cancel')).toHaveLength(0)

  modal.mockResolvedValueOnce({ confirm: true, cancel: false, errMsg: 'ok' })
  await tap(container, '#action-cancel')
  await settle()
  expect(server.of('cancel')).toHaveLength(1)
  expect(text(container, '#case-status')).toBe(STATUS_LABELS.cancelled)
  expect(container.querySelector('#action-cancel')).toBeNull()
})

test('ship_return needs carrier and number; a booked pickup is explained', async () => {
  const view = caseView('awaiting_return', {
    returnShipment: {
      status: 'pending', pickup: true, shippingPaidBy: 'seller', purpose: 'collect', items: [{ skuId: 'sku-nest-6', qty: 1 }],
      carrier: null, trackingNo: null, shippedAt: null, receivedAt: null,
    },
  })
  const { container, server } = mount(view, { ship_return: () => caseView('return_shipped') })
  await settle()
  expect(text(container, '#pickup-hint')).toContain('上门取件')
  expect(text(container, '#return-info')).toContain('运费由商家承担')
  await tap(container, '#action-ship_return')
  // where to send it, copyable
  expect(text(container, '#return-address')).toContain('杭州市西湖区龙井路 88 号')
  const copy = jest.spyOn(Taro, 'setClipboardData').mockResolvedValue({ errMsg: 'setClipboardData:ok' } as never)
  await tap(container, '#return-address .btn')
  expect(copy).toHaveBeenCalledWith({ data: '售后组 0571-88886666 杭州市西湖区龙井路 88 号' })
  await typeInto(container, '#carrier', '顺丰速运')
  await tap(container, '#panel-submit')
  expect(text(container, '#action-error')).toBe('请填写快递公司和快递单号')
  expect(server.of('ship_return')).toHaveLength(0)
  await typeInto(container, '#tracking', 'SF998877')
  await tap(container, '#panel-submit')
  expect(server.of('ship_return')[0].data).toMatchObject({ carrier: '顺丰速运', trackingNo: 'SF998877', expectedVersion: 4 })
  expect(text(container, '#case-status')).toBe(STATUS_LABELS.return_shipped)
})

test('a seller without a return address: the buyer is told to ask before sending', async () => {
  const view = caseView('awaiting_return', {
    returnShipment: {
      status: 'pending', pickup: false, shippingPaidBy: 'buyer', purpose: 'inspect', items: [{ skuId: 'sku-nest-6', qty: 1 }],
      carrier: null, trackingNo: null, shippedAt: null, receivedAt: null,
    },
  })
  const { container } = mount(view, { get_policy: () => ({ ...policy, returnAddress: null }) })
  await settle()
  await tap(container, '#action-ship_return')
  expect(container.querySelector('#return-address')).toBeNull()
  expect(text(container, '#panel-ship_return')).toContain('商家尚未设置寄回地址')
})

test('provide_info and appeal need words; evidence goes along', async () => {
  const { container, server } = mount(caseView('awaiting_buyer'), { provide_info: () => caseView('in_review') })
  await settle()
  await tap(container, '#action-provide_info')
  await tap(container, '#panel-submit')
  expect(text(container, '#action-error')).toBe('请填写补充说明')
  await typeInto(container, '#panel-text', '补充了破损照片')
  await tap(container, '#panel-submit')
  expect(server.of('provide_info')[0].data).toMatchObject({ text: '补充了破损照片', evidence: [] })

  const r = mount(caseView('rejected', { caseNo: 'AS2' }), { appeal: () => caseView('in_review') })
  await settle()
  await tap(r.container, '#action-appeal')
  await typeInto(r.container, '#panel-text', '照片能看出是运输破损')
  await tap(r.container, '#panel-submit')
  expect(r.server.of('appeal')[0].data).toMatchObject({ caseId: 'case-1', text: '照片能看出是运输破损' })
})

test('confirm receipt and rating 1–5 with a comment', async () => {
  jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'ok' })
  const { container, server } = mount(caseView('replacement_shipped'), { confirm_receipt: () => caseView('resolved') })
  await settle()
  await tap(container, '#action-confirm_receipt')
  await settle()
  expect(server.of('confirm_receipt')).toHaveLength(1)
  expect(container.querySelector('#action-rate')).not.toBeNull()

  server.calls.length = 0
  const rated = caseView('closed', { rating: { score: 4, comment: '处理很快', at: new Date().toISOString() } })
  const r2 = mount(caseView('resolved'), { rate: () => rated })
  await settle()
  await tap(r2.container, '#action-rate')
  await tap(r2.container, '#panel-submit')
  expect(text(r2.container, '#action-error')).toBe('请先选择1到5星')
  await tap(r2.container, '#star-4')
  await typeInto(r2.container, '#panel-text', '处理很快')
  await tap(r2.container, '#panel-submit')
  expect(r2.server.of('rate')[0].data).toMatchObject({ score: 4, comment: '处理很快' })
  expect(text(r2.container, '#rating-info')).toContain('★★★★☆')
  expect(text(r2.container, '#rating-info')).toContain('处理很快')
  expect(text(r2.container, '#no-actions')).toBe('感谢您的评价，本次售后已结束。')
})

test('a conflict reloads the case and says why', async () => {
  let version = 4
  const { container, server } = mount(caseView('submitted'), {
    cancel: () => {
      throw { code: 'CONFLICT', message: '数据已被他人更新，请刷新后重试' }
    },
    get_case: () => caseView('in_review', { version: ++version }),
  })
  jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'ok' })
  await settle()
  await tap(container, '#action-cancel')
  await settle()
  expect(text(container, '#action-error')).toBe('数据已被他人更新，请刷新后重试')
  expect(server.of('get_case').length).toBeGreaterThanOrEqual(2)
  expect(text(container, '#case-status')).toBe(STATUS_LABELS.in_review)
})

test('a buyer who refused notifications sees a quiet hint; others do not', async () => {
  const a = mount(caseView('in_review'))
  await settle()
  expect(a.container.querySelector('#not-notified')).toBeNull()
  a.unmount()
  const b = mount(caseView('in_review', { flags: { ...caseView('in_review').flags, buyerNotNotified: true } }))
  await settle()
  expect(text(b.container, '#not-notified')).toContain('不会提醒您')
})

test('a load error offers a retry', async () => {
  let fail = true
  const view = caseView('submitted')
  const { container } = mount(view, {
    get_case: () => {
      if (fail) throw { code: 'NOT_FOUND', message: '没有找到这个售后单' }
      return view
    },
  })
  await settle()
  expect(text(container, '#state-error')).toContain('没有找到这个售后单')
  fail = false
  await tap(container, '#retry')
  await settle()
  expect(text(container, '#case-status')).toBe(STATUS_LABELS.submitted)
})

test('a single offer reads on its own: no leading 或者 (offers saved before the fix included)', async () => {
  const view = caseView('offer_pending', { offers: [offer({ id: 'off-only', kind: 'coupon', couponFen: 1000, items: [], explanation: '或者：送您¥10.00店铺优惠券，商品无需寄回' })] })
  const { container } = mount(view)
  await settle()
  expect(text(container, '#offers')).not.toContain('任选其一')
  expect(text(container, '#offer-off-only')).toContain('送您¥10.00店铺优惠券')
  expect(text(container, '#offer-off-only')).not.toContain('或者')
})
