/**
 * Issue 24 in Chromium on the H5 build served by the gateway: five buyers of one tea batch file
 * quality cases (through the API, as the mini-program would); the owner opens the batch alert,
 * sees the five cases side by side, sets the batch's remedy and reaches the batch's other buyers
 * with a coupon in one confirmed action; then applies one note to a page of the queue in one
 * confirmed bulk action and reads the per-case answer. Screenshots: test-results/screenshots/batch-*.png.
 */
import type { Page } from 'playwright-core'
import { callAs, shot, signIn, gatewayAndBrowserForFile } from './harness'
import { BATCH, SKU, buyerOf, qualityForm, seedBatchOrders } from '../server/batch-fixtures'

const OWNER = 'staff-owner'
const env = gatewayAndBrowserForFile()
let page: Page
const errors: string[] = []

beforeAll(async () => {
  page = await env.browser.newPage()
  await page.setViewportSize({ width: 414, height: 860 })
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon\.ico$/.test(m.location().url)) errors.push(`console: ${m.text().slice(0, 300)}`)
  })
}, 60_000)

async function confirmModal() {
  await page.locator('.taro-modal__foot').waitFor()
  await page.locator('.taro-modal__foot > *', { hasText: '确认' }).last().click()
}

test('the owner acts on a batch alert from its page: the cases side by side, one confirmed action', async () => {
  const url = env.gw.url
  await seedBatchOrders(env.gw.deps.store, new Date().toISOString(), 8)
  for (let i = 0; i < 5; i++) await callAs(url, buyerOf(i), 'aftersale', 'submit', qualityForm(i, `第${i + 1}位买家：茶叶结块发黑`), `e2e-batch-key-${i}`)
  const { items } = await callAs<{ items: Array<{ id: string }> }>(url, OWNER, 'admin', 'batch_alerts', {})
  expect(items).toHaveLength(1)

  await signIn(page, url, OWNER)
  await page.goto(`${url}/#/admin/batch/index?id=${encodeURIComponent(items[0].id)}`)
  await page.locator('#batch-cases').waitFor()
  expect(await page.locator('.adm-batch-case').count()).toBe(5)
  expect(await page.textContent('#batch-cases')).toContain('第3位买家：茶叶结块发黑')
  await shot(page, 'batch-alert')
  await page.click('#remedy-refund')
  await page.fill('#reach-per input', '8')
  await page.fill('#reach-budget input', '100')
  await page.click('#batch-act-submit')
  await confirmModal()
  await page.locator('#batch-action-line', { hasText: '主动联系 3 位买家' }).waitFor()
  expect(await page.locator('#batch-act').count()).toBe(0)
  await shot(page, 'batch-acted')
  // each of the three other buyers has the coupon offered to them
  const mine = await callAs<{ items: Array<{ status: string }> }>(url, buyerOf(6), 'aftersale', 'list_cases', {})
  expect(mine.items.map((c) => c.status)).toEqual(['offer_pending'])
})

test('one note for a page of the queue, confirmed, answered per case', async () => {
  await page.goto(`${env.gw.url}/#/admin/queue/index`)
  await page.locator('#adm-queue-list').waitFor()
  await page.click('#bulk-toggle')
  await page.click('#bulk-all')
  await page.click('#bulk-note')
  await page.fill('#bulk-text textarea', '批次问题已登记，按统一方案处理')
  await page.click('#bulk-run')
  await confirmModal()
  await page.locator('#bulk-summary').waitFor()
  expect(await page.textContent('#bulk-summary')).toMatch(/共 \d+ 个：执行 \d+ 个，未执行 \d+ 个/)
  // the newest case (an outreach case) is on the page: it got the note once
  const c = await env.gw.deps.store.findByIdempotencyKey('batch-care', `${SKU}@${BATCH}:${buyerOf(7)}`)
  expect(c!.timeline.filter((t) => t.type === 'note' && t.text.includes('批次问题已登记'))).toHaveLength(1)
  await shot(page, 'batch-bulk')
  expect(errors).toEqual([])
})
