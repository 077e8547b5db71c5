/**
 * Issue 21 point 3: 运费险 is shown to staff (order section, shop after-sale) and the buyer is told
 * the insurance pays their return, never "运费由您承担".
 */
import './admin-setup'
import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import { defaultPolicy } from '@contract/policy'
import { setTransport } from '../../src/api/client'
import { ActionBar } from '../../src/admin/case/ActionBar'
import { FreightInsuranceRow } from '../../src/admin/case/CaseScreen'
import { CaseScreen } from '../../src/pages/case/CaseScreen'
import { caseDetail, fakeAdmin, me, suggestion } from './admin-fixtures'
import { caseView, fakeServer, offer, policy } from './fixtures'
import { settle, tap, text } from './helpers'

beforeEach(() => {
  jest.spyOn(Taro, 'showToast').mockResolvedValue({ errMsg: 'showToast:ok' })
  jest.spyOn(Taro, 'showModal').mockResolvedValue({ confirm: true, cancel: false, errMsg: 'showModal:ok' } as never)
})
afterEach(() => jest.restoreAllMocks())

const withInsurance = (on: boolean | undefined) => {
  const c = caseDetail('submitted', { type: 'return_refund', reason: 'no_reason_7d' })
  return { ...c, order: { ...c.order, items: c.order.items.map((i) => ({ ...i, ...(on === undefined ? {} : { freightInsurance: on }) })) } }
}

describe('staff case page: 运费险 in the order section', () => {
  test.each([
    [true, '有'],
    [false, '无'],
    [undefined, '订单未提供'],
  ] as const)('order flag %s → 运费险：%s', (on, label) => {
    const { container } = render(<FreightInsuranceRow view={withInsurance(on)} />)
    expect(text(container, '#order-freight-insurance')).toMatch(new RegExp(`^运费险${label}`))
    expect(container.querySelector('#platform-freight-insurance')).toBeNull()
  })

  test('a shop after-sale says whether the platform’s insurance pays the return', () => {
    const base = withInsurance(true)
    const platform = { refundByInsurance: true, lowPriceInsuranceRefund: false } as unknown as NonNullable<typeof base.platform>
    const { container } = render(<FreightInsuranceRow view={{ ...base, platform }} />)
    expect(text(container, '#platform-freight-insurance')).toContain('由运费险出资')
  })

  test('approving on an insured order: the chip reads 运费险承担 and sends it', async () => {
    const view = { ...withInsurance(true), offers: [suggestion({ id: 'sug-r', kind: 'return_refund', refundFen: 16800, pickup: false, shippingPaidBy: 'insurance' })] }
    const server = fakeAdmin({ list_staff: () => [], approve: () => view })
    setTransport(server.transport)
    const { container } = render(<ActionBar view={view} me={me('agent')} cannedReplies={defaultPolicy.cannedReplies} onUpdated={jest.fn()} />)
    await tap(container, '#act-approve')
    expect(text(container, '#f-paid-buyer')).toBe('运费险承担')
    expect(container.querySelector('#f-paid-buyer')!.className).toContain('adm-chip--on')
    await tap(container, '#submit-approve')
    await settle()
    expect(server.of('approve')[0].data).toMatchObject({ shippingPaidBy: 'insurance' })
  })
})

test('buyer case page: an insured return says 运费由运费险承担, never 由您承担', async () => {
  const view = caseView('awaiting_return', {
    returnShipment: {
      status: 'pending', pickup: false, shippingPaidBy: 'insurance', purpose: 'inspect', items: [{ skuId: 'sku-nest-6', qty: 1 }],
      carrier: null, trackingNo: null, shippedAt: null, receivedAt: null,
    },
  })
  const server = fakeServer({ get_case: () => view, get_policy: () => policy })
  setTransport(server.transport)
  const { container } = render(<CaseScreen caseId={view.id} />)
  await settle()
  expect(text(container, '#return-info')).toContain('运费由运费险承担')
  await tap(container, '#action-ship_return')
  expect(text(container, '#return-hint')).toContain('运费由运费险承担')
  expect(container.textContent).not.toContain('由您承担')
})

test('buyer offer card: an insured return offer says 退回运费由运费险承担', async () => {
  const view = caseView('offer_pending', { offers: [offer({ id: 'off-r', kind: 'return_refund', refundFen: 16800, shippingPaidBy: 'insurance', explanation: '7天无理由退货：运费由运费险承担，寄回验货通过后退款¥168.00' })] })
  const server = fakeServer({ get_case: () => view, get_policy: () => policy })
  setTransport(server.transport)
  const { container } = render(<CaseScreen caseId={view.id} />)
  await settle()
  expect(container.textContent).toContain('退回运费由运费险承担')
  expect(container.textContent).not.toContain('由您承担')
})
