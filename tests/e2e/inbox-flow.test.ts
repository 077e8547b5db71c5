/**
 * The staff inbox as a team lives in it (issue 23, point 8), in Chromium on the H5 build: a
 * supervisor finds an agent's over-limit request in the inbox, with the product and the value, and
 * approves it from there; an agent sees a buyer's counter arrive in the inbox with what the buyer
 * said and answers it. Screenshots: test-results/screenshots/inbox-*.png.
 */
import type { Page } from 'playwright-core'
import { callAs, shot, signIn, gatewayAndBrowserForFile } from './harness'

const BUYER = 'buyer-zhao'
const AGENT = 'staff-amy' // 小美（品质组）: quality complaints are routed to her
const SUPERVISOR = 'staff-sup'

const env = gatewayAndBrowserForFile()
let page: Page
const errors: string[] = []
const textOf = async (sel: string) => ((await page.textContent(sel)) ?? '').replace(/\s+/g, '')

beforeAll(async () => {
  page = await env.browser.newPage()
  await page.setViewportSize({ width: 390, height: 860 })
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (e) => errors.push(String(e)))
}, 60_000)

interface View { id: string; version: number; status: string; offers: { id: string; status: string }[]; approvals?: { status: string; amountFen: number }[]; timeline: { type: string; text: string }[] }

/** The buyer files a quality complaint on one of their seeded orders (as the mini-program would). */
async function file(skuId: string, key: string): Promise<string> {
  const orders = await callAs<{ order: { orderId: string; items: { skuId: string }[] } }[]>(env.gw.url, BUYER, 'aftersale', 'list_orders', {})
  const o = orders.find((x) => x.order.items.length === 1 && x.order.items[0].skuId === skuId)!
  const filed = await callAs<{ case: { id: string } }>(env.gw.url, BUYER, 'aftersale', 'submit', {
    orderId: o.order.orderId, claimedItems: [{ skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '质量有问题', desiredRemedy: 'refund',
  }, key)
  return filed.case.id
}

/** Opens the inbox and waits for the entry (the dispatcher fans alerts out in the background). */
async function inboxShows(sel: string) {
  for (let i = 0; i < 20; i++) {
    await page.click('#link-inbox')
    await page.locator('#adm-inbox').waitFor()
    if (await page.locator(sel).count()) return
    await page.waitForTimeout(500)
    await page.goBack()
  }
  throw new Error(`${sel} never appeared in the inbox`)
}

test('a supervisor approves an agent’s over-limit refund from the inbox: the entry names the product and the value', async () => {
  const id = await file('SKU-DRS-04', 'e2e-inbox-approval') // ¥459 > the ¥200 limit
  const c = await callAs<View>(env.gw.url, AGENT, 'admin', 'get_case', { caseId: id })
  await callAs(env.gw.url, AGENT, 'admin', 'approve', { caseId: id, expectedVersion: c.version }) // one tap: the request
  await signIn(page, env.gw.url, SUPERVISOR)
  await inboxShows(`#inbox-approval_needed-${id}`)
  const entry = await textOf(`#inbox-approval_needed-${id}`)
  // who acts needs no other screen to triage: product, buyer, reason, value
  expect(entry).toContain('真丝连衣裙')
  expect(entry).toContain('赵先生')
  expect(entry).toContain('¥459')
  await shot(page, 'inbox-1-approval-needed')
  await page.click(`#inbox-approval_needed-${id}`)
  await page.locator('#approval-pending').waitFor()
  expect(await textOf('#approval-value')).toContain('价值¥459.00')
  await page.click('#approval-approve')
  await page.locator('#case-status', { hasText: '已解决' }).waitFor()
  const after = await callAs<View>(env.gw.url, SUPERVISOR, 'admin', 'get_case', { caseId: id })
  expect(after.approvals).toEqual([expect.objectContaining({ status: 'approved', amountFen: 45_900 })])
  await shot(page, 'inbox-2-approved')
  expect(errors).toEqual([])
}, 90_000)

test('an agent sees the buyer’s counter arrive in the inbox with what they said, and answers it', async () => {
  const id = await file('SKU-TEA-01', 'e2e-inbox-counter')
  const c = await callAs<View>(env.gw.url, AGENT, 'admin', 'get_case', { caseId: id })
  await callAs<View>(env.gw.url, AGENT, 'admin', 'make_offer', { caseId: id, expectedVersion: c.version, offers: [{ kind: 'compensation', compensationFen: 500, explanation: '补偿您5元' }] })
  const mine = await callAs<View>(env.gw.url, BUYER, 'aftersale', 'get_case', { caseId: id })
  await callAs(env.gw.url, BUYER, 'aftersale', 'decline_offer', { caseId: id, expectedVersion: mine.version, text: '太少了，想要退一半' })
  await signIn(page, env.gw.url, AGENT)
  await inboxShows(`#inbox-offer_declined-${id}`)
  expect(await textOf(`#inbox-offer_declined-${id}`)).toContain('太少了')
  await shot(page, 'inbox-3-counter')
  await page.click(`#inbox-offer_declined-${id}`)
  await page.locator('#adm-case').waitFor()
  await page.click('#act-respond')
  await page.fill('#f-text textarea', '明白，我们重新为您核算方案')
  await page.click('#submit-respond')
  await page.locator('#case-timeline', { hasText: '明白，我们重新为您核算方案' }).waitFor()
  const after = await callAs<View>(env.gw.url, BUYER, 'aftersale', 'get_case', { caseId: id })
  expect(after.timeline.map((t) => t.text).join('\n')).toContain('明白，我们重新为您核算方案')
  await shot(page, 'inbox-4-answered')
  expect(errors).toEqual([])
}, 90_000)
