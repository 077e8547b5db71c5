/**
 * The shop executes what the desk decides, in Chromium on the H5 build (issue 21 §4): the gateway
 * is connected to the Channels stand-in (real adapter, signed pushes, one clock the test moves).
 * An agent works a platform refund and a platform return to completion on the case page — the
 * buyer's platform photo shown as evidence, the reason in the platform's words; the return goes
 * 同意退货 → the buyer ships (stand-in) → 确认收货 → 验货 → the platform refunds — and the buyer's
 * tracker reads as their own application. Screenshots: test-results/screenshots/platform-flow-*.png.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import type { Case } from '@contract/domain'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import type { Store } from '../../cloudfunctions/ports/store'
import { startChannelsStandin, type ChannelsStandin, type ChannelsStandinOptions } from '../../cloudfunctions/gateway/channels-standin'
import { startGateway, type Gateway } from '../../cloudfunctions/gateway/server'
import { AFTERSALE_SCOPE } from '../../cloudfunctions/app/usecases/import-aftersale'
import { callAs, launchBrowser, shot, signIn } from './harness'

jest.setTimeout(120_000)

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const BUYER = 'buyer-zhao'
const PUSH_TOKEN = 'e2e-push-token'
const root = path.resolve(__dirname, '..', '..')

// the desk, the adapter and the stand-in share one clock: real time plus what the test moves on
let offset = 0
const now = () => Date.now() + offset

let standin: ChannelsStandin
let gw: Gateway
let browser: BrowserContext
let page: Page
let dataDir: string
const errors: string[] = []

beforeAll(async () => {
  const h5Dir = process.env.E2E_H5_DIR ? path.resolve(process.env.E2E_H5_DIR) : path.join(root, 'dist/h5')
  if (!fs.existsSync(path.join(h5Dir, 'index.html'))) throw new Error('dist/h5 missing: run `npm run build:h5` first')
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-e2e-platform-'))
  const opts: ChannelsStandinOptions = { clock: { now }, pushToken: PUSH_TOKEN, decisionMs: 48 * HOUR, refundMs: MINUTE }
  standin = await startChannelsStandin(opts)
  const shop = (store: Store) => new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store, now })
  gw = await startGateway({
    host: '127.0.0.1', port: 0, dataDir, h5Dir, quiet: true, demo: true, scheduleEveryMs: 0, dispatchEveryMs: 300,
    now: () => new Date(now()).toISOString(), shop, push: { token: PUSH_TOKEN },
  })
  opts.pushUrl = `${gw.url}/channels/push`
  browser = await launchBrowser()
  page = await browser.newPage()
  await page.setViewportSize({ width: 414, height: 860 })
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon\.ico$/.test(m.location().url)) errors.push(`console: ${m.text().slice(0, 300)}`)
  })
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await standin?.close()
  await gw?.close()
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true })
})

const caseOf = async (afterSaleId: string): Promise<Case> => {
  const c = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, afterSaleId)
  if (!c) throw new Error(`no case for ${afterSaleId}`)
  return c
}
/** Waits until the case (read from the store) satisfies `pred` — the dispatcher and pushes run on their own. */
async function until(afterSaleId: string, pred: (c: Case) => boolean, what: string): Promise<Case> {
  for (let i = 0; i < 100; i++) {
    const c = await caseOf(afterSaleId)
    if (pred(c)) return c
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`timed out waiting for: ${what} (${JSON.stringify((await caseOf(afterSaleId)).platform?.lastCall)})`)
}
const textOf = async (sel: string) => ((await page.textContent(sel)) ?? '').replace(/\s+/g, '')
/** Taro's H5 showModal: the confirm button of the dialog. */
async function confirmModal() {
  await page.locator('.taro-modal__foot').waitFor()
  await page.locator('.taro-modal__foot > *', { hasText: '确认' }).last().click()
}
async function openCase(id: string) {
  await page.goto(`${gw.url}/#/admin/case/index?id=${encodeURIComponent(id)}`)
  await page.locator('#adm-case').waitFor()
}

const CUP = { productId: '10000003', skuId: 'CH-CUP-03', title: '手工玻璃杯 一只', count: 1, priceFen: 5_900 }

test('an agent works a platform refund and a platform return to completion; the buyer reads their own application', async () => {
  // 赵先生 opened the mini-program once (his unionid links his shop orders), then applied in WeChat
  await callAs(gw.url, BUYER, 'aftersale', 'list_orders', {})
  const o1 = standin.state.createOrder({ unionid: 'union-zhao', products: [CUP] })
  const refund = standin.state.createAfterSale({ orderId: o1.order_id, type: 'REFUND', reason: '10000000', desc: '拍多了一只', mediaIds: ['e2e-media-refund'] }).after_sale_order_id
  const o2 = standin.state.createOrder({ unionid: 'union-zhao', products: [{ ...CUP, skuId: 'CH-CUP-04', title: '手工玻璃杯 一对' }] })
  const ret = standin.state.createAfterSale({ orderId: o2.order_id, type: 'RETURN', reason: '10000021', desc: '杯口有缺口，见图', mediaIds: ['e2e-media-return'] }).after_sale_order_id
  await standin.flushPushes()
  // the pushes were answered without the photos; the dispatcher (timer) fetches and keeps them
  const r1 = await until(refund, (c) => (c.platform?.media?.length ?? 0) > 0, 'the refund photo kept by the dispatcher')
  const r2 = await until(ret, (c) => (c.platform?.media?.length ?? 0) > 0, 'the return photo kept by the dispatcher')
  expect(r1.buyerOpenid).toBe(BUYER)

  // ---- the refund: the agent sees the platform's reason and the buyer's photo, and agrees
  const agent1 = r1.assigneeId ?? 'staff-sup'
  await signIn(page, gw.url, agent1)
  await openCase(r1.id)
  expect(await textOf('#case-reason')).toBe('不想要了')
  await page.locator('#case-evidence img').first().waitFor()
  expect(await textOf('#case-evidence')).not.toContain('买家未上传凭证')
  expect(await textOf('#case-platform')).not.toContain('在视频号小店后台查看')
  expect(await textOf('#adm-case')).not.toContain('原因“其他”')
  await shot(page, 'platform-flow-1-refund-case')
  await page.click('#pa-platform_accept')
  await confirmModal()
  await until(refund, (c) => c.platform?.lastCall?.outcome === 'done', 'acceptapply done')
  offset += 2 * MINUTE
  await standin.advance(0)
  const paid = await until(refund, (c) => c.status === 'resolved', 'the platform refunded')
  expect(paid.refunds).toEqual([expect.objectContaining({ amountFen: 5_900, status: 'succeeded' })])

  // ---- the return: 同意退货 → the buyer ships → 确认收货 → 验货 → the platform refunds
  const agent2 = r2.assigneeId ?? 'staff-sup'
  if (agent2 !== agent1) await signIn(page, gw.url, agent2)
  await openCase(r2.id)
  expect(await textOf('#case-reason')).toBe('质量问题')
  await page.locator('#case-evidence img').first().waitFor()
  await page.click('#pa-platform_accept')
  await confirmModal()
  await until(ret, (c) => c.platform?.status === 'USER_WAIT_RETURN', 'the platform agreed to the return')
  offset += 2 * MINUTE
  standin.state.buyerShipReturn(ret)
  await standin.flushPushes()
  await until(ret, (c) => c.status === 'return_shipped', 'the parcel is on its way back')
  await openCase(r2.id)
  // no bare 确认收货并退款: the desk receives and inspects first
  await page.locator('#act-receive_return').waitFor()
  expect(await page.locator('#pa-platform_accept').count()).toBe(0)
  await page.click('#act-receive_return')
  await page.click('#submit-receive_return')
  await until(ret, (c) => c.status === 'inspecting', 'received')
  await page.locator('#act-inspect').waitFor()
  await page.click('#act-inspect')
  await page.click('#f-pass')
  await page.fill('#f-text textarea', '包装完好，杯口缺口与买家照片一致')
  await shot(page, 'platform-flow-2-inspect')
  await page.click('#submit-inspect')
  await until(ret, (c) => c.status === 'refunding' && c.platform?.lastCall?.call === 'confirm_receipt_refund', 'inspection passed, receipt + refund sent')
  await until(ret, (c) => c.platform?.lastCall?.outcome === 'done', 'the platform took the receipt + refund')
  offset += 2 * MINUTE
  await standin.advance(0)
  const returned = await until(ret, (c) => c.status === 'resolved', 'the platform refunded the return')
  expect(returned.platform?.status).toBe('MERCHANT_RETURN_SUCCESS')
  expect(returned.refunds).toEqual([expect.objectContaining({ amountFen: 5_900, status: 'succeeded' })])
  await openCase(r2.id)
  expect(await textOf('#adm-case')).toContain('已解决（平台售后已完成）')
  await shot(page, 'platform-flow-3-return-done')

  // ---- the buyer's tracker: their own application, in the platform's words, never the seller reaching out
  await signIn(page, gw.url, BUYER)
  await page.goto(`${gw.url}/#/pages/case/index?id=${encodeURIComponent(r1.id)}`)
  await page.locator('#timeline').waitFor()
  let timeline = await textOf('#timeline')
  expect(timeline).toContain('您在视频号小店申请了退款¥59（原因：不想要了）')
  expect(timeline).not.toContain('商家主动联系您')
  expect(timeline).not.toContain('已同步到工作台')
  expect(await textOf('#tracker')).toContain('原因：不想要了')
  expect(await textOf('#step-current')).toContain('平台已退款¥59')
  // the platform confirming the seller's own 同意退款 is not a second 退款处理中 step
  expect(timeline).not.toContain('平台正在退款')
  // rated in WeChat, not here
  expect(await textOf('#next-step')).not.toContain('评分')
  await shot(page, 'platform-flow-4-buyer-refund')
  await page.goto(`${gw.url}/#/pages/case/index?id=${encodeURIComponent(r2.id)}`)
  await page.locator('#timeline').waitFor()
  await page.locator('#timeline', { hasText: '验货通过' }).waitFor()
  timeline = await textOf('#timeline')
  expect(timeline).toContain('您在视频号小店申请了退货退款¥59（原因：质量问题）')
  expect(timeline).toContain('验货通过')
  expect(await textOf('#step-current')).toContain('平台已退款¥59')
  // one row per platform move: no 平台状态 row repeated
  expect(timeline.split('平台已退款¥59').length - 1).toBe(1)
  await shot(page, 'platform-flow-5-buyer-return')
  expect(errors).toEqual([])
})
