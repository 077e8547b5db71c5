/**
 * The buyer's and the staff's key pages on a phone, 360 and 414 px wide, in the H5 build served
 * by the gateway: a screenshot of each, and a layout check that no interactive element leaves the
 * viewport or overlaps another one (elements inside a sideways-scrolling strip may run past the
 * edge — that is what the strip is for; a fixed bar is compared only with its own content).
 */
import type { Page } from 'playwright-core'
import { callAs, shot, signIn, gatewayAndBrowserForFile } from './harness'

const env = gatewayAndBrowserForFile()

const INTERACTIVE = [
  'button', 'input', 'textarea', 'taro-button-core', 'taro-input-core', 'taro-switch-core',
  '.chip', '.adm-chip', '.adm-tab', '.adm-ptab', '.adm-link', '.adm-link-btn', '.link', '.tile', '.stepper',
].join(',')

/** Problems found on the page as it is laid out now (empty = fine). */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate((selector) => {
    const vw = document.documentElement.clientWidth
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.trim().split(/\s+/).join('.')}` : ''} "${(el.textContent ?? '').trim().slice(0, 12)}"`
    const scroller = (el: Element) => {
      for (let p = el.parentElement; p; p = p.parentElement) {
        const o = getComputedStyle(p).overflowX
        if (o === 'auto' || o === 'scroll') return p
      }
      return null
    }
    const layer = (el: Element) => {
      for (let p: Element | null = el; p; p = p.parentElement) {
        const pos = getComputedStyle(p).position
        if (pos === 'fixed' || pos === 'sticky') return p
      }
      return null
    }
    const all = Array.from(document.querySelectorAll(selector)).filter((el) => {
      const r = el.getBoundingClientRect()
      const s = getComputedStyle(el)
      return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
    })
    // an element inside another interactive one is part of it (a Taro host and its native input)
    const items = all.filter((el) => !all.some((o) => o !== el && o.contains(el)))
    const out: string[] = []
    // the page itself never scrolls sideways (the inbox once came out 765 px wide on a 390 px phone)
    const pageWidth = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)
    if (pageWidth > vw + 1) out.push(`the page is ${pageWidth} px wide on a ${vw} px screen`)
    for (const el of items) {
      const r = el.getBoundingClientRect()
      if (!scroller(el) && (r.left < -1 || r.right > vw + 1)) out.push(`leaves the viewport (${Math.round(r.left)}…${Math.round(r.right)} of ${vw}): ${describe(el)}`)
    }
    for (let i = 0; i < items.length; i++) {
      for (let j = i + 1; j < items.length; j++) {
        const a = items[i]
        const b = items[j]
        if (layer(a) !== layer(b) || scroller(a) !== scroller(b)) continue
        const ra = a.getBoundingClientRect()
        const rb = b.getBoundingClientRect()
        const w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left)
        const h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top)
        if (w > 2 && h > 2) out.push(`overlap ${Math.round(w)}×${Math.round(h)}: ${describe(a)} / ${describe(b)}`)
      }
    }
    return out
  }, INTERACTIVE)
}

/** Taps `selector` and samples the page's width every frame while the next page slides in: the widest seen. */
async function widestWhileOpening(page: Page, selector: string): Promise<number> {
  await page.evaluate(() => {
    const w = window as unknown as { __widest: number; __sampling: boolean }
    w.__widest = 0
    w.__sampling = true
    const tick = () => {
      w.__widest = Math.max(w.__widest, document.documentElement.scrollWidth, document.body.scrollWidth)
      if (w.__sampling) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
  await page.click(selector)
  await page.waitForTimeout(800)
  return page.evaluate(() => {
    const w = window as unknown as { __widest: number; __sampling: boolean }
    w.__sampling = false
    return w.__widest
  })
}

async function check(page: Page, name: string) {
  await page.waitForTimeout(300)
  await shot(page, name)
  expect(await layoutProblems(page)).toEqual([])
}

// the workspace a team lives in (issue 23): the inbox, reached by a tap as staff do, and the case
// page's follow-up sections (差评 steps, 回访 with the buyer's preferences) with the bar offering them
for (const [width, sku] of [[360, 'SKU-TEA-01'], [390, 'SKU-CUP-02'], [414, 'SKU-CRM-05']] as const) {
  test(`staff at ${width} px: the inbox, a 回访 due and a 差评 follow-up`, async () => {
    const BUYER = 'buyer-lin' // her cases go to her dedicated rep, 小美
    const orders = await callAs<{ order: { orderId: string; items: { skuId: string }[] } }[]>(env.gw.url, BUYER, 'aftersale', 'list_orders', {})
    const o = orders.find((x) => x.order.items.length === 1 && x.order.items[0].skuId === sku)!.order
    const filed = await callAs<{ case: { id: string } }>(env.gw.url, BUYER, 'aftersale', 'submit', {
      orderId: o.orderId, claimedItems: [{ skuId: sku, qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '有问题', desiredRemedy: 'refund',
    }, `phone-widths-loop-${width}`)
    const id = filed.case.id
    const c = await callAs<{ version: number }>(env.gw.url, 'staff-sup', 'admin', 'get_case', { caseId: id })
    await callAs(env.gw.url, 'staff-sup', 'admin', 'approve', { caseId: id, expectedVersion: c.version })
    // the dispatcher fans the assignment alert out on its timer: the inbox page shows what is there when it opens
    for (const until = Date.now() + 30_000; ; ) {
      const inbox = await callAs<{ items: { caseId: string }[] }>(env.gw.url, 'staff-amy', 'admin', 'inbox', { unreadOnly: false, limit: 20 })
      if (inbox.items.some((i) => i.caseId === id)) break
      if (Date.now() > until) throw new Error('the assignment alert never reached the inbox')
      await new Promise((r) => setTimeout(r, 250))
    }

    const page = await env.browser.newPage()
    await page.setViewportSize({ width, height: 780 })
    await signIn(page, env.gw.url, 'staff-amy')
    await page.goto(`${env.gw.url}/#/admin/queue/index`)
    await page.locator('#link-inbox').waitFor({ timeout: 20_000 })
    await page.waitForTimeout(300)
    // while the inbox slides in, the page never gets wider than the phone
    expect(await widestWhileOpening(page, '#link-inbox')).toBeLessThanOrEqual(width)
    await page.locator('#adm-inbox').waitFor({ timeout: 20_000 })
    await page.locator('#inbox-list .adm-card').first().waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-staff-inbox`)

    // resolved: the 回访 form (outcome, the buyer's preferences, the note) and the bar's 记录回访
    await page.goto(`${env.gw.url}/#/admin/case/index?id=${encodeURIComponent(id)}`)
    await page.locator('#visit-preferences').waitFor({ timeout: 20_000 })
    await page.locator('#act-loop-visit').waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-staff-visit`)

    // rated one star: the 差评 steps, the contact step's groups and the bar's open step
    await callAs(env.gw.url, BUYER, 'aftersale', 'rate', { caseId: id, score: 1, comment: '不满意' })
    await page.reload()
    await page.locator('#case-review').waitFor({ timeout: 20_000 })
    await callAs(env.gw.url, 'staff-amy', 'admin', 'review_step', { caseId: id, step: { step: 'analyse', cause: 'product', text: '批次问题' } })
    await page.reload()
    await page.locator('#review-contact-said').waitFor({ timeout: 20_000 })
    await page.locator('#act-loop-review', { hasText: '② 联系买家' }).waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-staff-review`)
    await page.close()
  }, 120_000)
}

for (const width of [360, 414]) {
  test(`buyer at ${width} px: home, the form with its one question, the tracker`, async () => {
    const page = await env.browser.newPage()
    await page.setViewportSize({ width, height: 780 })
    await signIn(page, env.gw.url, 'buyer-wu')
    await page.getByText('订单').first().waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-buyer-home`)

    const orders = await callAs<{ order: { orderId: string; items: { skuId: string }[]; deliveredAt?: string } }[]>(env.gw.url, 'buyer-wu', 'aftersale', 'list_orders', {})
    // each width files on its own order (an order with an open case refuses a second one)
    const delivered = orders.filter((o) => o.order.deliveredAt && o.order.items.length === 1)[width === 360 ? 0 : 1]!
    await page.goto(`${env.gw.url}/#/pages/new/index?orderId=${encodeURIComponent(delivered.order.orderId)}`)
    await page.locator('#order-card').waitFor({ timeout: 20_000 })
    await page.locator('#reason-quality_defect').click()
    await page.locator('#types .chip').first().waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-buyer-form`)

    const filed = await callAs<{ case: { id: string } }>(env.gw.url, 'buyer-wu', 'aftersale', 'submit', {
      orderId: delivered.order.orderId, claimedItems: [{ skuId: delivered.order.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '有破损', desiredRemedy: 'refund',
    }, `phone-widths-${width}-key`)
    await page.goto(`${env.gw.url}/#/pages/case/index?id=${encodeURIComponent(filed.case.id)}`)
    await page.locator('#case-status').waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-buyer-tracker`)
    await page.close()
  }, 120_000)

  test(`staff at ${width} px: queue, case, roster, policy editor`, async () => {
    const page = await env.browser.newPage()
    await page.setViewportSize({ width, height: 780 })
    await signIn(page, env.gw.url, 'staff-owner')
    await page.goto(`${env.gw.url}/#/admin/queue/index`)
    await page.locator('#adm-tabs').waitFor({ timeout: 20_000 })
    await page.locator('#tab-all').click()
    await page.locator('#adm-queue-list, #adm-queue-empty').first().waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-staff-queue`)

    const queue = await callAs<{ items: { id: string }[] }>(env.gw.url, 'staff-owner', 'admin', 'queue', { tab: 'all' })
    if (queue.items[0]) {
      await page.goto(`${env.gw.url}/#/admin/case/index?id=${encodeURIComponent(queue.items[0].id)}`)
      await page.locator('#case-timeline').waitFor({ timeout: 20_000 })
      await check(page, `phone-${width}-staff-case`)
    }
    await page.goto(`${env.gw.url}/#/admin/roster/index`)
    await page.locator('#adm-roster').waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-staff-roster`)
    // the dedicated-rep picker with search results and the saved assignments listed
    await page.fill('#rep-search input', '赵')
    await page.locator('#rep-search-go').click()
    await page.locator('#rep-chosen').waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-staff-roster-rep`)
    await page.goto(`${env.gw.url}/#/admin/policy/index`)
    await page.locator('#policy-reasons').waitFor({ timeout: 20_000 })
    await check(page, `phone-${width}-staff-policy`)
    await page.close()
  }, 120_000)

  test(`owner at ${width} px: a what-if answers next to the button, without scrolling; disabled buttons look disabled`, async () => {
    const page = await env.browser.newPage()
    await page.setViewportSize({ width, height: 780 })
    await signIn(page, env.gw.url, 'staff-owner')
    await page.goto(`${env.gw.url}/#/admin/policy/index`)
    await page.locator('#policy-reasons').waitFor({ timeout: 20_000 })
    await page.waitForTimeout(300)
    // nothing changed yet: the save bar's buttons are disabled and must look it (not white on white)
    const look = await page.evaluate(() => {
      const el = document.querySelector('#policy-save') as HTMLElement
      const s = getComputedStyle(el)
      return { disabled: el.hasAttribute('disabled'), color: s.color, background: s.backgroundColor }
    })
    expect(look.disabled).toBe(true)
    expect(look.color).not.toBe(look.background)
    expect([look.color, look.background]).not.toEqual(['rgba(255, 255, 255, 0.6)', 'rgb(255, 255, 255)'])

    await page.fill('#comp-threshold input', '150')
    await page.locator('#policy-dirty', { hasText: '处未保存的修改' }).waitFor({ timeout: 20_000 })
    const before = await page.evaluate(() => window.scrollY)
    await page.locator('#policy-preview').click()
    const summary = page.locator('#whatif-summary', { hasText: '单有变化' })
    await summary.waitFor({ timeout: 30_000 })
    // the answer is on screen where the owner tapped: inside the viewport, the page not scrolled
    const box = await summary.boundingBox()
    expect(box).not.toBeNull()
    expect(box!.y).toBeGreaterThanOrEqual(0)
    expect(box!.y + box!.height).toBeLessThanOrEqual(780)
    expect(box!.x + box!.width).toBeLessThanOrEqual(width + 1)
    expect(await page.evaluate(() => window.scrollY)).toBe(before)
    await check(page, `phone-${width}-owner-whatif`)
    // the details open on tap
    await page.locator('#whatif-details').click()
    await page.locator('#whatif-headline').waitFor({ timeout: 20_000 })
    await page.close()
  }, 120_000)

  test(`owner at ${width} px: the landing shows what needs them; analytics charts drawn by F2 fit the screen`, async () => {
    // a case to count and chart
    const orders = await callAs<{ order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }[]>(env.gw.url, 'buyer-zhao', 'aftersale', 'list_orders', {})
    const o = orders.filter((x) => x.order.deliveredAt && x.order.items.length === 1 && !x.order.items[0].finalSale)[width === 360 ? 0 : 1]!.order
    await callAs(env.gw.url, 'buyer-zhao', 'aftersale', 'submit', {
      orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '有裂纹', desiredRemedy: 'refund',
    }, `phone-widths-owner-${width}`)
    const page = await env.browser.newPage()
    await page.setViewportSize({ width, height: 780 })
    await signIn(page, env.gw.url, 'staff-owner')
    await page.goto(`${env.gw.url}/#/admin/queue/index`)
    await page.locator('#adm-needs').waitFor({ timeout: 20_000 })
    await page.locator('#adm-queue-list').waitFor({ timeout: 20_000 })
    expect(await page.locator('#tab-all.adm-tab--on').count()).toBe(1)
    await check(page, `phone-${width}-owner-landing`)

    await page.goto(`${env.gw.url}/#/admin/analytics/index`)
    await page.locator('#chart-weeks canvas').waitFor({ timeout: 20_000 })
    // F2 painted the canvas (some pixels are not blank) and it fits the phone's width
    const painted = async (id: string) =>
      page.evaluate((sel) => {
        const c = document.querySelector(sel) as HTMLCanvasElement | null
        if (!c || !c.width) return { inked: 0, right: 0 }
        const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data
        let inked = 0
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) inked++
        return { inked, right: c.getBoundingClientRect().right }
      }, `#${id} canvas`)
    for (let i = 0; i < 50 && (await painted('chart-weeks')).inked === 0; i++) await page.waitForTimeout(100)
    for (const id of ['chart-weeks', 'chart-reasons']) {
      const p = await painted(id)
      expect(p.inked).toBeGreaterThan(100)
      expect(p.right).toBeLessThanOrEqual(width + 1)
    }
    await check(page, `phone-${width}-owner-analytics`)
    await page.close()
  }, 120_000)
}
