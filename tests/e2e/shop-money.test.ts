/**
 * The shop executes what the desk decides (issue 21 §1), in Chromium on the H5 build served by a
 * gateway connected to the Channels shop stand-in: a demo buyer's shop order arrived late; the
 * buyer files a case in the mini-program (through the API); the agent opens it and approves the
 * engine's late-delivery compensation. The money is not paid by the desk: the case page shows it
 * waiting for the platform, the dispatcher sends the 退差价 (refundpricediff) and the page shows
 * the platform refunding; only when the stand-in has refunded (and pushed) does the page show it
 * paid and the case resolved. Screenshots: test-results/screenshots/shop-money-*.png.
 */
import type { Page } from 'playwright-core'
import type { ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import type { Gateway } from '../../cloudfunctions/gateway/server'
import { syncShopOrders } from '../../cloudfunctions/app/usecases/sync-shop-orders'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { callAs, shopDeskForFile, shot, signIn } from './harness'

const BUYER = 'buyer-zhao' // union-zhao: the mini-program and the shop share an open-platform account
const PUSH_TOKEN = 'e2e-shop-money'
const DAY = 24 * 3600_000

const env = shopDeskForFile({ standin: { pushToken: PUSH_TOKEN, refundMs: 300 }, gateway: { dispatchEveryMs: 0 } })
let standin: ChannelsStandin
let gw: Gateway
let page: Page
const errors = env.errors
beforeAll(() => {
  ;({ standin, gw, page } = env)
})

const textOf = async (sel: string) => ((await page.textContent(sel)) ?? '').replace(/\s+/g, '')
const statusIs = (text: string) => page.locator('#case-status', { hasText: text }).waitFor()
const legsShow = (text: string) => page.locator('#case-legs', { hasText: text }).waitFor()

interface StaffCase {
  id: string
  status: string
  version: number
  assigneeId: string | null
  refunds: { key: string; amountFen: number; status: string; shop?: { afterSaleOrderId: string | null } }[]
}

test('an agent pays a late-delivery compensation on a shop order: the shop refunds it (退差价) and the case is paid only when the platform says so', async () => {
  // a demo buyer's shop order, delivered three days after the promised day
  const o = standin.state.createOrder({ unionid: 'union-zhao', products: [{ productId: '10000031', skuId: 'CH-TEA-31', title: '明前龙井 250g', count: 2, priceFen: 19_900 }] })
  await syncShopOrders(gw.deps, { firstSyncDays: 10 })
  const rec = await gw.deps.store.getOrder(o.order_id)
  expect(rec?.order.buyerOpenid).toBe(BUYER)
  const delivered = Date.now() - DAY
  await gw.deps.store.upsertOrder({ ...rec!, order: { ...rec!.order, deliveredAt: new Date(delivered).toISOString(), promisedDeliveryAt: new Date(delivered - 3 * DAY).toISOString() } })

  const filed = await callAs<{ case: { id: string } }>(gw.url, BUYER, 'aftersale', 'submit', {
    orderId: o.order_id,
    claimedItems: [{ skuId: 'CH-TEA-31', qty: 2 }],
    type: 'logistics',
    reason: 'late_delivery',
    description: '比承诺晚了三天才到',
    desiredRemedy: 'compensation',
  }, 'e2e-shop-money-late')
  const id = filed.case.id
  const staffCase = () => callAs<StaffCase>(gw.url, 'staff-sup', 'admin', 'get_case', { caseId: id })
  const agent = (await staffCase()).assigneeId ?? 'staff-sup'

  // the agent opens it and approves the engine's compensation
  await signIn(page, gw.url, agent)
  await page.click(`#case-${id}`)
  await page.locator('#adm-case').waitFor()
  await page.click('#act-approve')
  expect(await textOf('#approve-preview')).toContain('补偿')
  await page.click('#submit-approve')
  // the confirmation says the shop pays it, and when it arrives
  const modal = page.locator('.taro__modal')
  await modal.getByText('平台退款后到账').waitFor()
  expect((await modal.textContent()) ?? '').toContain('同意补偿：将由微信小店平台退给买家¥30')
  await modal.getByText('确认', { exact: true }).click()
  await statusIs('退款中')
  await legsShow('等待平台受理退差价')
  let state = await staffCase()
  const refund = state.refunds[0]
  expect(refund).toMatchObject({ status: 'pending', shop: { afterSaleOrderId: null } })
  expect(refund.amountFen).toBeGreaterThan(0)
  await page.locator('#case-legs').evaluate((el) => el.scrollIntoView({ block: 'start' }))
  await shot(page, 'shop-money-1-waiting-for-platform')

  // the dispatcher sends the 退差价: the platform has taken it, the money is not there yet
  await dispatchOutbox(gw.deps, gw.sender)
  state = await staffCase()
  const afterSaleOrderId = state.refunds[0].shop?.afterSaleOrderId
  expect(afterSaleOrderId).toBeTruthy()
  expect(state.status).toBe('refunding')
  await page.reload()
  await legsShow(`平台退款中（平台售后单 ${afterSaleOrderId}）`)
  await page.locator('#case-legs').evaluate((el) => el.scrollIntoView({ block: 'start' }))
  await shot(page, 'shop-money-2-platform-refunding')

  // the stand-in refunds and pushes: the case is paid and resolved
  await new Promise((r) => setTimeout(r, 400))
  await standin.advance(0)
  await page.reload()
  await statusIs('已解决')
  await legsShow('平台已退款，已到账')
  expect(await textOf('#case-legs')).toContain(`补偿¥${(refund.amountFen / 100).toFixed(2)}`)
  state = await staffCase()
  expect(state.refunds[0].status).toBe('succeeded')
  await page.locator('#case-legs').evaluate((el) => el.scrollIntoView({ block: 'start' }))
  await shot(page, 'shop-money-3-paid')

  // the buyer's tracker shows the money as arrived
  const mine = await callAs<{ refunds: { amountFen: number; status: string }[] }>(gw.url, BUYER, 'aftersale', 'get_case', { caseId: id })
  expect(mine.refunds).toEqual([expect.objectContaining({ amountFen: refund.amountFen, status: 'succeeded' })])
  expect(standin.state.calls.filter((c) => c.path === '/channels/ec/aftersale/refundpricediff' && c.errcode === 0)).toHaveLength(1)
  expect(errors).toEqual([])
}, 120_000)
