import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { BuyerCaseView as CaseView } from '@contract/buyer-view'
import { setTransport } from '../../src/api/client'
import { NewCaseForm } from '../../src/pages/new/NewCaseForm'
import { caseView, eligibility, fakeServer, order, orderView, policy } from './fixtures'
import { doubleTap, settle, tap, text, typeInto } from './helpers'

type Handlers = Parameters<typeof fakeServer>[0]

function mount(handlers: Handlers = {}, orderId: string | null = order.orderId) {
  const server = fakeServer({
    list_orders: () => [orderView()],
    get_policy: () => policy,
    check_eligibility: () => eligibility(),
    submit: () => ({ case: caseView('submitted'), created: true }),
    record_subscriptions: () => ({ credits: {} }),
    ...handlers,
  })
  setTransport(server.transport)
  const onSubmitted = jest.fn<void, [CaseView]>()
  const utils = render(<NewCaseForm orderId={orderId ?? undefined} onSubmitted={onSubmitted} />)
  return { ...utils, server, onSubmitted }
}

/** Pick the first item, a reason, an allowed type (and with it the matching remedy). */
async function fillValid(container: HTMLElement) {
  await tap(container, '#item-sku-nest-6')
  await tap(container, '#reason-damaged_in_transit')
  await settle()
  await tap(container, '#type-resend')
}

let redirect: jest.SpyInstance
beforeEach(() => {
  redirect = jest.spyOn(Taro, 'redirectTo').mockResolvedValue({ errMsg: 'redirectTo:ok' })
  jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' })
})
afterEach(() => {
  jest.restoreAllMocks()
  process.env.TARO_ENV = 'h5'
})

test('shows the order with its hints, and validation messages that clear as soon as the field is fixed', async () => {
  const { container, server } = mount()
  await settle()
  expect(text(container, '#order-card')).toContain(order.orderId)
  expect(text(container, '#order-card')).toContain('7天无理由退货 可申请至 2026-11-29 14:00')
  // nothing is red before the buyer tries to submit
  expect(container.querySelector('.error-text')).toBeNull()
  await tap(container, '#submit')
  expect(text(container, '#err-items')).toBe('请选择要申请售后的商品')
  expect(text(container, '#err-reason')).toBe('请选择售后原因')
  // fixing a field removes its message at once, without another submit
  await tap(container, '#item-sku-nest-6')
  expect(container.querySelector('#err-items')).toBeNull()
  expect(text(container, '#err-reason')).toBe('请选择售后原因')
  await tap(container, '#reason-damaged_in_transit')
  await settle()
  expect(container.querySelector('#err-reason')).toBeNull()
  expect(text(container, '#err-type')).toBe('请选择您希望怎么处理')
  await tap(container, '#type-resend')
  expect(container.querySelector('#err-type')).toBeNull()
  expect(container.querySelector('.error-text')).toBeNull()
  expect(server.of('submit')).toHaveLength(0)
})

test('one question for what the buyer wants: its answers are the allowed types, and the remedy follows from the answer', async () => {
  const { container, server } = mount()
  await settle()
  // one question, not two: no separate 售后类型 / remedy chips
  expect(container.textContent).not.toContain('售后类型')
  expect(container.textContent?.split('您希望怎么处理').length).toBe(2)
  expect(container.querySelector('[id^="remedy-"]')).toBeNull()
  await tap(container, '#item-sku-nest-6')
  await tap(container, '#reason-damaged_in_transit')
  await settle()
  expect(text(container, '#type-refund_only')).toBe('退款（不用退货）')
  await tap(container, '#type-refund_only')
  await tap(container, '#submit')
  await settle()
  expect(server.of('submit')[0].data).toMatchObject({ type: 'refund_only', desiredRemedy: 'refund' })
})

test('unavailable answers are explained on one line that says what to choose instead; a reason that allows nothing asks for another reason, not a red banner', async () => {
  const { container, server } = mount({
    check_eligibility: (d) =>
      d.reason === 'late_delivery'
        ? eligibility({
            ok: false,
            types: (['refund_only', 'return_refund', 'exchange', 'resend', 'compensation', 'logistics'] as const).map((type) => ({ type, allowed: false, reason: '尚未超过承诺送达时间' })),
          })
        : eligibility({
            types: [
              { type: 'resend', allowed: true, reason: '' },
              { type: 'refund_only', allowed: true, reason: '' },
              ...(['return_refund', 'exchange', 'compensation', 'logistics'] as const).map((type) => ({ type, allowed: false, reason: `“破损/污渍”不支持${type}` })),
            ],
          }),
  })
  await settle()
  await tap(container, '#item-sku-nest-6')
  await tap(container, '#reason-damaged_in_transit')
  await settle()
  expect(container.querySelectorAll('#refused-line')).toHaveLength(1)
  expect(text(container, '#refused-line')).toBe('“破损/污渍”不支持退货退款、换货、给我补偿、帮我查物流，可以选择：补发、退款（不用退货）')
  expect(container.querySelector('.error-text')).toBeNull()

  await tap(container, '#reason-late_delivery')
  await settle()
  expect(text(container, '#refused-line')).toBe('“快递长时间未送达”现在不能申请：尚未超过承诺送达时间。请换一个售后原因')
  expect(container.textContent?.split('尚未超过承诺送达时间').length).toBe(2)
  expect(container.textContent).not.toContain('该订单暂不能申请售后')
  await tap(container, '#submit')
  expect(text(container, '#err-reason')).toBe('这个原因现在不能申请，请换一个售后原因')
  expect(container.querySelector('#err-eligibility')).toBeNull()
  expect(server.of('submit')).toHaveLength(0)
})

test('answers come from check_eligibility, and a change re-checks', async () => {
  const { container, server } = mount({
    check_eligibility: (d) =>
      d.reason === 'no_reason_7d'
        ? eligibility({
            types: [
              { type: 'return_refund', allowed: true, reason: '' },
              { type: 'exchange', allowed: false, reason: '该商品不支持换货' },
            ],
            hints: ['7天无理由退货 可申请至 2026-11-29 14:00'],
            noReasonDeadline: '2026-11-29T06:00:00.000Z',
          })
        : eligibility(),
  })
  await settle()
  expect(text(container, '#types')).toContain('选好商品和原因后')
  await tap(container, '#item-sku-nest-6')
  expect(server.of('check_eligibility')).toHaveLength(0) // no reason yet
  await tap(container, '#reason-damaged_in_transit')
  await settle()
  expect(server.of('check_eligibility')[0].data).toEqual({
    orderId: order.orderId,
    claimedItems: [{ skuId: 'sku-nest-6', qty: 2 }],
    reason: 'damaged_in_transit',
  })
  expect(container.querySelector('#type-resend')).not.toBeNull()
  expect(container.querySelector('#type-refund_only')).not.toBeNull()
  expect(container.querySelector('#type-return_refund')).toBeNull()
  expect(text(container, '#refused-line')).toBe('该商品已拆封，不支持退货，可以选择：补发、退款（不用退货）')

  await tap(container, '#type-resend')
  expect(container.querySelector('#type-resend')?.className).toContain('chip--on')

  // changing the quantity asks again
  await tap(container, '#qty-sku-nest-6-minus')
  await settle()
  expect(server.of('check_eligibility')[1].data.claimedItems).toEqual([{ skuId: 'sku-nest-6', qty: 1 }])

  // a reason where the chosen answer is no longer allowed clears it
  await tap(container, '#reason-no_reason_7d')
  await settle()
  expect(container.querySelector('#type-resend')).toBeNull()
  expect(container.querySelector('#type-return_refund')).not.toBeNull()
  expect(text(container, '#refused-line')).toContain('该商品不支持换货')
  // the deadline the order card already shows is not repeated under the answers
  expect(container.textContent?.split('7天无理由退货 可申请至 2026-11-29 14:00').length).toBe(2)
  await tap(container, '#submit')
  expect(text(container, '#err-type')).toBe('请选择您希望怎么处理')
})

test('an item that cannot be claimed says so once and is not submitted', async () => {
  const { container, server } = mount({
    check_eligibility: () =>
      eligibility({ ok: false, types: [], errors: ['该商品已申请售后5次，已达上限'] }),
  })
  await settle()
  await tap(container, '#item-sku-nest-6')
  await tap(container, '#reason-quality_defect')
  await settle()
  expect(text(container, '#elig-errors')).toBe('该商品已申请售后5次，已达上限')
  await tap(container, '#submit')
  expect(container.textContent?.split('该商品已申请售后5次，已达上限').length).toBe(2)
  expect(server.of('submit')).toHaveLength(0)
})

test('a double tap on 提交申请 files one case with one idempotency key, then opens it', async () => {
  let release: () => void = () => {}
  const gate = new Promise<void>((r) => (release = r))
  const { container, server, onSubmitted } = mount({
    submit: async () => {
      await gate
      return { case: caseView('submitted', { id: 'case-77' }), created: true }
    },
  })
  await settle()
  await fillValid(container)
  await typeInto(container, '#description', '有一瓶在路上摔碎了')
  await doubleTap(container, '#submit')
  await tap(container, '#submit') // and once more while the first request is still open
  release()
  await settle()
  const submits = server.of('submit')
  expect(submits).toHaveLength(1)
  expect(submits[0].key).toEqual(expect.any(String))
  expect(submits[0].data).toMatchObject({
    orderId: order.orderId,
    claimedItems: [{ skuId: 'sku-nest-6', qty: 2 }],
    type: 'resend',
    reason: 'damaged_in_transit',
    description: '有一瓶在路上摔碎了',
    evidence: [],
    desiredRemedy: 'resend',
  })
  expect(onSubmitted).toHaveBeenCalledTimes(1)
  expect(redirect).toHaveBeenCalledWith({ url: '/pages/case/index?id=case-77' })
})

test('a retry after a network failure reuses the same key, so the server can never file two cases', async () => {
  let first = true
  const { container, server } = mount({
    submit: () => {
      if (first) {
        first = false
        throw { network: true }
      }
      return { case: caseView('submitted'), created: false }
    },
  })
  await settle()
  await fillValid(container)
  await tap(container, '#submit')
  await settle()
  expect(text(container, '#submit-error')).toBe('网络不给力，请检查网络后重试')
  await tap(container, '#submit')
  await settle()
  const keys = server.of('submit').map((c) => c.key)
  expect(keys).toHaveLength(2)
  expect(keys[0]).toBe(keys[1])
  expect(redirect).toHaveBeenCalledTimes(1)
})

test('on weapp the submit tap asks for subscription messages (≤ 5 templates) and records each answer', async () => {
  process.env.TARO_ENV = 'weapp'
  const ask = jest.fn().mockResolvedValue({ errMsg: 'requestSubscribeMessage:ok', TPL_UPDATE: 'accept', TPL_ACTION: 'reject', TPL_REFUND: 'ban' })
  const t = Taro as unknown as { requestSubscribeMessage: unknown }
  const original = t.requestSubscribeMessage
  t.requestSubscribeMessage = ask
  try {
    const { container, server } = mount()
    await settle()
    await fillValid(container)
    await tap(container, '#submit')
    await settle()
    expect(ask).toHaveBeenCalledTimes(1)
    expect(ask.mock.calls[0][0].tmplIds).toEqual(['TPL_UPDATE', 'TPL_ACTION', 'TPL_REFUND'])
    expect(server.of('record_subscriptions')[0].data).toEqual({
      results: [
        { templateId: 'TPL_UPDATE', result: 'accept' },
        { templateId: 'TPL_ACTION', result: 'reject' },
        { templateId: 'TPL_REFUND', result: 'ban' },
      ],
    })
    expect(server.of('submit')).toHaveLength(1)
  } finally {
    t.requestSubscribeMessage = original
  }
})

test('on H5 there is no subscription prompt: submit goes straight through', async () => {
  const { container, server } = mount()
  await settle()
  await fillValid(container)
  await tap(container, '#submit')
  await settle()
  expect(server.of('record_subscriptions')).toHaveLength(0)
  expect(server.of('submit')).toHaveLength(1)
})

test('without ?orderId the buyer picks an order first; load errors can be retried', async () => {
  let fail = true
  const { container } = mount(
    {
      list_orders: () => {
        if (fail) throw { code: 'INTERNAL', message: '系统繁忙，请稍后再试' }
        return [orderView()]
      },
    },
    null,
  )
  await settle()
  expect(text(container, '#state-error')).toContain('系统繁忙')
  fail = false
  await tap(container, '#retry')
  await settle()
  await tap(container, `#pick-${order.orderId}`)
  expect(text(container, '#order-card')).toContain(order.orderId)
})
