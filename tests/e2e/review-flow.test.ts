/**
 * An agent walks a 差评 follow-up to its end (issue 23, point 8), in Chromium on the H5 build: the
 * buyer rates a resolved case one star; the agent finds the task in the inbox, the bottom bar
 * offers the open step at every stage, she records the cause, the call (channel, result and what
 * the buyer said, in their labelled groups), the remedy and the public reply, and closes it; the
 * timeline shows what the buyer said; the buyer never sees the internal steps. Then the 回访 on
 * another case: the buyer was not satisfied, the entry links the case it opened, and the
 * preferences recorded show on the buyer's other case. Screenshots: test-results/screenshots/review-*.png.
 */
import type { Page } from 'playwright-core'
import { callAs, shot, signIn, gatewayAndBrowserForFile } from './harness'

const BUYER = 'buyer-zhao'
const AGENT = 'staff-amy' // 小美（品质组）: quality complaints are routed to her
const SUPERVISOR = 'staff-sup'

interface View {
  id: string
  caseNo: string
  version: number
  status: string
  reviewFollowUp?: { closedAt: string | null; outcome: string | null; contacts: { note: string }[] } | null
  followUp?: { outcome?: string | null; linkedCaseId?: string | null } | null
  timeline: { type: string; text: string }[]
}

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

/** A quality complaint on one of the buyer's seeded orders, approved by the supervisor: resolved. */
async function resolvedCase(skuId: string, key: string): Promise<string> {
  const orders = await callAs<{ order: { orderId: string; items: { skuId: string }[] } }[]>(env.gw.url, BUYER, 'aftersale', 'list_orders', {})
  const o = orders.find((x) => x.order.items.length === 1 && x.order.items[0].skuId === skuId)!
  const filed = await callAs<{ case: { id: string } }>(env.gw.url, BUYER, 'aftersale', 'submit', {
    orderId: o.order.orderId, claimedItems: [{ skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '茶叶受潮', desiredRemedy: 'refund',
  }, key)
  const c = await callAs<View>(env.gw.url, SUPERVISOR, 'admin', 'get_case', { caseId: filed.case.id })
  await callAs(env.gw.url, SUPERVISOR, 'admin', 'approve', { caseId: c.id, expectedVersion: c.version })
  return c.id
}

/** Opens the inbox from the queue and waits for the entry (alerts fan out in the background). */
async function inboxShows(sel: string) {
  for (let i = 0; i < 20; i++) {
    await page.goto(`${env.gw.url}/#/admin/queue/index`)
    await page.click('#link-inbox')
    await page.locator('#adm-inbox').waitFor()
    if (await page.locator(sel).count()) return
    await page.waitForTimeout(500)
  }
  throw new Error(`${sel} never appeared in the inbox`)
}

/** The bottom bar names the open step; tapping it brings the step's section on screen. */
async function barLeadsTo(label: string, section: string) {
  await page.locator('#act-loop-review', { hasText: label }).waitFor()
  await page.click('#act-loop-review')
  await page.waitForTimeout(400)
  const box = await page.locator(`#${section}`).boundingBox()
  expect(box).not.toBeNull()
  expect(box!.y).toBeLessThan(860)
  expect(box!.y + box!.height).toBeGreaterThan(0)
}

test('an agent takes a 差评 from the inbox through cause, call, remedy and reply to its close', async () => {
  const id = await resolvedCase('SKU-TEA-01', 'e2e-review-tea')
  await callAs(env.gw.url, BUYER, 'aftersale', 'rate', { caseId: id, score: 1, comment: '茶叶有霉味，很失望' })
  await signIn(page, env.gw.url, AGENT)
  await inboxShows(`#inbox-negative_review_followup-${id}`)
  await shot(page, 'review-1-inbox')
  await page.click(`#inbox-negative_review_followup-${id}`)
  await page.locator('#case-review').waitFor()
  // the case is closed, yet the bar does not say there is nothing to do: it offers the open step
  expect(await page.locator('#adm-no-actions').count()).toBe(0)

  await barLeadsTo('① 分析原因', 'review-step-analyse')
  await page.click('#cause-product')
  await page.click('#review-analyse')

  await barLeadsTo('② 联系买家', 'review-step-contact')
  expect(await textOf('#review-contact-channel .adm-group__label')).toBe('联系方式')
  expect(await textOf('#review-contact-outcome .adm-group__label')).toBe('结果')
  expect(await textOf('#review-contact-said-group .adm-group__label')).toBe('买家说了什么')
  await page.click('#channel-phone')
  await page.click('#contact-reached')
  await page.fill('#review-contact-said textarea', '希望退一半货款，以后别打电话')
  await shot(page, 'review-2-contact')
  await page.click('#review-contact')
  await page.locator('#review-step-contact', { hasText: '买家说：希望退一半货款，以后别打电话' }).waitFor()

  await barLeadsTo('③ 补救', 'review-step-remedy')
  await page.click('#review-remedy-none')

  await barLeadsTo('④ 评价回复', 'review-step-reply')
  await page.fill('#review-reply-text textarea', '非常抱歉这次的茶叶让您失望了，我们已联系您处理并排查了这批货的仓储。')
  await page.click('#review-reply')

  await barLeadsTo('完成跟进', 'review-step-close')
  await page.click('#review-outcome-updated')
  await page.click('#review-close')
  await page.locator('#case-review', { hasText: '差评跟进（已完成）' }).waitFor()
  await page.locator('#adm-no-actions').waitFor()
  expect(await textOf('#case-timeline')).toContain('联系买家（电话）：已沟通，买家说：希望退一半货款，以后别打电话')
  await shot(page, 'review-3-closed')

  const done = await callAs<View>(env.gw.url, AGENT, 'admin', 'get_case', { caseId: id })
  expect(done.reviewFollowUp).toMatchObject({ outcome: 'updated', contacts: [{ note: '希望退一半货款，以后别打电话' }] })
  expect(done.reviewFollowUp?.closedAt).toBeTruthy()
  // the buyer reads none of the internal follow-up
  const mine = await callAs<View>(env.gw.url, BUYER, 'aftersale', 'get_case', { caseId: id })
  expect(JSON.stringify(mine)).not.toContain('希望退一半货款')
  expect(errors).toEqual([])
}, 180_000)

test('a 回访: not satisfied opens a linked case the entry links to; the preferences show on the buyer’s other case', async () => {
  const id = await resolvedCase('SKU-CRM-05', 'e2e-visit-cream')
  const other = await resolvedCase('SKU-DRS-04', 'e2e-visit-dress')
  await signIn(page, env.gw.url, AGENT)
  await page.goto(`${env.gw.url}/#/admin/case/index?id=${encodeURIComponent(id)}`)
  await page.locator('#case-visit').waitFor()
  await page.locator('#act-loop-visit', { hasText: '记录回访' }).waitFor()
  await page.click('#visit-not_satisfied')
  await page.click('#pref-no_phone')
  await page.click('#pref-refund_only')
  await page.fill('#visit-pref-note input', '只在工作日白天联系')
  await page.fill('#visit-note textarea', '面霜用后过敏，仍不满意')
  await shot(page, 'review-4-visit')
  await page.click('#visit-record')
  await page.locator('#visit-outcome', { hasText: '买家不满意' }).waitFor()
  const parent = await callAs<View>(env.gw.url, AGENT, 'admin', 'get_case', { caseId: id })
  const linkedId = parent.followUp?.linkedCaseId
  expect(linkedId).toBeTruthy()
  const linked = await callAs<View>(env.gw.url, AGENT, 'admin', 'get_case', { caseId: linkedId })
  // the 回访 section and its timeline entry both name the case it opened
  await page.locator('#linked-visit-visit', { hasText: linked.caseNo }).waitFor()
  expect(await textOf('#case-timeline')).toContain(linked.caseNo)
  await shot(page, 'review-5-visit-linked')
  await page.click('#linked-visit-visit')
  await page.locator('#case-head .adm-section__title', { hasText: `售后单 ${linked.caseNo}` }).waitFor()

  // the next agent on the buyer's other case reads what they asked for
  await page.goto(`${env.gw.url}/#/admin/case/index?id=${encodeURIComponent(other)}`)
  await page.reload() // a fresh page stack: only the other case's page
  await page.locator('#case-history #buyer-preferences').waitFor()
  const prefs = await textOf('#case-history #buyer-preferences')
  expect(prefs).toContain('不要打电话')
  expect(prefs).toContain('只要退款')
  expect(prefs).toContain('只在工作日白天联系')
  await shot(page, 'review-6-preferences')
  expect(errors).toEqual([])
}, 180_000)
