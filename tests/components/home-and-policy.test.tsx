import { render } from '@testing-library/react'
import Taro from '@tarojs/taro'
import type { BuyerCaseSummary } from '@contract/buyer-view'
import { setTransport } from '../../src/api/client'
import { HomeScreen } from '../../src/pages/index/HomeScreen'
import { PolicyScreen } from '../../src/pages/policy/index'
import { caseView, fakeServer, order, orderView, policy } from './fixtures'
import { settle, tap, text } from './helpers'

const summary = (over: Partial<BuyerCaseSummary> = {}): BuyerCaseSummary => {
  const v = caseView('awaiting_buyer')
  return {
    id: v.id,
    caseNo: v.caseNo,
    status: v.status,
    type: v.type,
    reason: v.reason,
    orderId: order.orderId,
    title: '即食燕窝 6瓶装 · 破损/污渍',
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    next: v.next,
    source: 'miniprogram',
    ...over,
  }
}

let nav: jest.SpyInstance
beforeEach(() => {
  nav = jest.spyOn(Taro, 'navigateTo').mockResolvedValue({ errMsg: 'navigateTo:ok' })
})
afterEach(() => jest.restoreAllMocks())

test('home lists my cases with their status and what I must do, and my orders with 申请售后', async () => {
  const server = fakeServer({
    list_orders: () => [orderView({ openCaseIds: ['case-1'] })],
    list_cases: () => ({ items: [summary()], next: null }),
  })
  setTransport(server.transport)
  const { container } = render(<HomeScreen />)
  expect(container.querySelector('#state-loading')).not.toBeNull()
  await settle()
  const card = text(container, '#case-case-1')
  expect(card).toContain('等待您补充信息')
  expect(card).toContain('请补充商品破损处的照片')
  expect(text(container, `#order-${order.orderId}`)).toContain('即食燕窝 6瓶装')
  expect(text(container, `#ship-${order.orderId}`)).toMatch(/^已签收 \d{4}-\d{2}-\d{2}$/)
  await tap(container, `#apply-${order.orderId}`)
  expect(nav).toHaveBeenLastCalledWith({ url: `/pages/new/index?orderId=${order.orderId}` })
  await tap(container, '#case-case-1')
  expect(nav).toHaveBeenLastCalledWith({ url: '/pages/case/index?id=case-1' })
})

test('home: empty and error states', async () => {
  let fail = true
  setTransport(
    fakeServer({
      list_orders: () => {
        if (fail) throw { code: 'INTERNAL', message: '系统繁忙，请稍后再试' }
        return []
      },
      list_cases: () => ({ items: [], next: null }),
    }).transport,
  )
  const { container } = render(<HomeScreen />)
  await settle()
  expect(text(container, '#state-error')).toContain('系统繁忙，请稍后再试')
  fail = false
  await tap(container, '#retry')
  await settle()
  expect(text(container, '#cases-empty')).toContain('还没有售后申请')
  expect(text(container, '#orders-empty')).toContain('暂无订单')
})

test('policy page is generated from get_policy', async () => {
  setTransport(fakeServer({ get_policy: () => policy }).transport)
  const { container } = render(<PolicyScreen />)
  await settle()
  expect(text(container, '#policy')).toContain('签收后 7 天内可申请无理由退货')
  expect(text(container, '#policy-reason-no_reason_7d')).toContain('退货退款 / 换货')
  expect(text(container, '#policy-reason-damaged_in_transit')).toContain('我们马上为您补发')
})

test('each order says where the parcel is: signed, on the way with carrier and number, or not shipped yet', async () => {
  const onTheWay = { ...order, orderId: 'W-TRANSIT', deliveredAt: undefined }
  const unshipped = { ...order, orderId: 'W-UNSHIPPED', shippedAt: undefined, deliveredAt: undefined, carrier: undefined, trackingNo: undefined }
  setTransport(fakeServer({ list_orders: () => [orderView(), orderView({ order: onTheWay }), orderView({ order: unshipped })], list_cases: () => ({ items: [], next: null }) }).transport)
  const { container } = render(<HomeScreen />)
  await settle()
  expect(text(container, `#ship-${order.orderId}`)).toContain('已签收')
  expect(text(container, '#ship-W-TRANSIT')).toMatch(/^运输中 · 顺丰速运 SF1234567890 · \d{4}-\d{2}-\d{2} 发货$/)
  expect(text(container, '#ship-W-UNSHIPPED')).toBe('待发货')
})
