/**
 * The buyer's whole journey on the H5 build, against the real gateway:
 * form (with a photo) → seller offers a return-and-refund (API) → buyer accepts → buyer ships
 * the return → seller receives, inspects and refunds (API) → buyer sees it resolved and rates it.
 * Every step is asserted on what the buyer sees, and the server state is checked through the API.
 */
import zlib from 'node:zlib'
import type { Page } from 'playwright-core'
import type { AdminAction, AdminOutputs, AftersaleOutputs } from '@contract/actions'
import { shot, signIn, callAs, gatewayAndBrowserForFile } from './harness'

const BUYER = 'buyer-zhao'
const CUP = 'SKU-CUP-02'

const env = gatewayAndBrowserForFile()

// ---------------------------------------------------------------- a real (small) PNG

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
function crc32(buf: Buffer): number {
  let c = 0xffffffff
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([len, body, crc])
}
/** A 48×48 RGB PNG: a celadon cup-ish disc with a dark crack across it. */
function photoPng(): Buffer {
  const w = 48
  const h = 48
  const raw = Buffer.alloc((w * 3 + 1) * h)
  for (let y = 0; y < h; y++) {
    raw[y * (w * 3 + 1)] = 0 // filter: none
    for (let x = 0; x < w; x++) {
      const inDisc = (x - 24) ** 2 + (y - 24) ** 2 < 18 ** 2
      const crack = inDisc && Math.abs(y - (x * 0.6 + 8)) < 1.2
      const [r, g, b] = crack ? [40, 40, 40] : inDisc ? [150, 200, 180] : [245, 240, 230]
      const o = y * (w * 3 + 1) + 1 + x * 3
      raw[o] = r
      raw[o + 1] = g
      raw[o + 2] = b
    }
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

// ---------------------------------------------------------------- helpers

/** A staff action through the API; commands answer the case as staff see it. */
const staff = (who: string, action: AdminAction, data: unknown) => callAs<AdminOutputs['get_case']>(env.gw.url, who, 'admin', action, data)
const buyer = <A extends keyof AftersaleOutputs>(action: A, data: unknown) => callAs<AftersaleOutputs[A]>(env.gw.url, BUYER, 'aftersale', action, data)

/** Type into a Taro Input / Textarea (the host tag wraps the native element). */
async function typeInto(page: Page, hostSelector: string, value: string) {
  const inner = page.locator(`${hostSelector} input, ${hostSelector} textarea`).first()
  await inner.fill(value)
}

/** Waits until the element's text matches (contains a string, or matches a pattern). */
async function waitText(page: Page, selector: string, want: string | RegExp, timeout = 15_000) {
  const el = page.locator(selector).first()
  await el.waitFor({ timeout })
  const deadline = Date.now() + timeout
  let last = ''
  while (Date.now() < deadline) {
    last = ((await el.textContent()) ?? '').trim()
    if (typeof want === 'string' ? last.includes(want) : want.test(last)) return last
    await page.waitForTimeout(100)
  }
  throw new Error(`${selector}: expected ${String(want)}, saw ${JSON.stringify(last)}`)
}

/** Waits for Taro's H5 toast to show this text (its host box has no size, so check display). */
async function waitToast(page: Page, text: string) {
  await page.waitForFunction(
    (t) => Array.from(document.querySelectorAll<HTMLElement>('.taro__toast')).some((el) => el.style.display !== 'none' && (el.textContent ?? '').includes(t)),
    text,
    { timeout: 10_000 },
  )
}

/**
 * A screenshot of the whole current mini-program page. Taro's H5 router scrolls inside the page
 * element (not the document), so the viewport is stretched to the page's height for the shot,
 * once the page transition has settled and any toast has gone.
 */
async function screen(page: Page, name: string) {
  await page.waitForFunction(() => {
    const pages = document.querySelectorAll('.taro_page.taro_page_show')
    const current = pages[pages.length - 1]
    const toast = document.querySelector<HTMLElement>('.taro__toast')
    return !!current && current.classList.contains('taro_page_stationed') && current.getBoundingClientRect().left === 0 && (!toast || getComputedStyle(toast).display === 'none')
  }, undefined, { timeout: 10_000 })
  const size = page.viewportSize() ?? { width: 390, height: 844 }
  const height = await page.evaluate(() => {
    const pages = document.querySelectorAll('.taro_page.taro_page_show')
    return pages[pages.length - 1].scrollHeight
  })
  await page.setViewportSize({ width: size.width, height: Math.min(Math.max(height, size.height), 5000) })
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))))
  await shot(page, name)
  await page.setViewportSize(size)
}

const bodyText = async (page: Page) => (await page.locator('body').innerText()).replace(/\s+/g, ' ')

// ---------------------------------------------------------------- the flow

test('a buyer files a return through the form with a photo, accepts the offer, ships it back, is refunded and rates the service', async () => {
  const page = await env.browser.newPage()
  await page.setViewportSize({ width: 390, height: 844 })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(String(e)))
  const consoleErrors: string[] = []
  page.on('console', (m) => {
    // a failed request is reported below with its address
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) consoleErrors.push(m.text())
  })
  const failed: string[] = []
  page.on('response', (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`)
  })
  page.on('dialog', (d) => void d.accept())

  // ---- 1. the form, from home
  await signIn(page, env.gw.url, BUYER)
  const orders = await buyer('list_orders', {})
  const cupOrder = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === CUP && o.order.items[0].qty === 6 && o.order.deliveredAt)
  expect(cupOrder).toBeDefined()
  const orderId = cupOrder!.order.orderId
  await waitText(page, `#order-${orderId}`, '手工青瓷茶杯')
  await screen(page, 'buyer-flow-0-home')
  await page.locator(`#apply-${orderId}`).click()
  await waitText(page, '#order-card', orderId)

  // items and quantity: a one-item order starts with all 6 picked; claim 2 of them
  for (let i = 0; i < 4; i++) await page.locator(`#qty-${CUP}-minus`).click()
  await waitText(page, `#qty-${CUP} .stepper__val`, /^2$/)
  await page.locator('#reason-no_reason_7d').click()
  await page.locator('#type-return_refund').click()
  await typeInto(page, '#description', '杯子颜色和直播间看到的不一样，不想要了，退回两只')
  const chooser = page.waitForEvent('filechooser')
  await page.locator('#evidence-add').click()
  await (await chooser).setFiles({ name: 'cup.png', mimeType: 'image/png', buffer: photoPng() })
  await page.locator('#evidence-item-0 img').waitFor()
  await page.waitForFunction(() => !!document.querySelector('#evidence-item-0') && !document.querySelector('#evidence-item-0 .tile__mask'))
  await screen(page, 'buyer-flow-1-form')
  await page.locator('#submit').click()

  // the case page: received
  await waitText(page, '#case-status', '已提交，等待客服处理', 20_000)
  await waitText(page, '#next-text', '客服将尽快受理您的申请')
  // the photo is on the case, shown from the gateway
  await waitText(page, '#request-info', '已上传凭证 1 个')
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#request-evidence-0 img')
    return !!img && img.complete && img.naturalWidth === 48
  })
  await screen(page, 'buyer-flow-1-received')
  const caseId = new URLSearchParams(page.url().split('?')[1] ?? '').get('id')
  expect(caseId).toBeTruthy()
  const filed = await buyer('get_case', { caseId })
  expect(filed.status).toBe('submitted')
  expect(filed.claimedItems).toEqual([{ skuId: CUP, qty: 2 }])
  expect(filed.type).toBe('return_refund')
  expect(filed.reason).toBe('no_reason_7d')
  expect(filed.desiredRemedy).toBe('return_refund')
  expect(filed.description).toBe('杯子颜色和直播间看到的不一样，不想要了，退回两只')
  expect(filed.evidence).toHaveLength(1)
  expect(filed.evidence[0]).toMatchObject({ kind: 'image', mime: 'image/png' })
  expect(filed.evidence[0].fileId).toMatch(/^local:/)
  const mediaUrl = `${env.gw.url}/media/${filed.evidence[0].fileId.slice('local:'.length)}`
  const media = await fetch(mediaUrl, { headers: { 'x-dev-openid': BUYER } })
  expect(media.headers.get('content-type')).toBe('image/png')
  expect(Buffer.from(await media.arrayBuffer()).equals(photoPng())).toBe(true)
  // the photo is the buyer's and the seller's to see, nobody else's
  expect((await fetch(mediaUrl, { headers: { 'x-dev-openid': 'staff-amy' } })).status).toBe(200)
  expect((await fetch(mediaUrl, { headers: { 'x-dev-openid': 'buyer-lin' } })).status).toBe(403)
  expect((await fetch(mediaUrl)).status).toBe(401)

  // ---- 2. the seller responds and offers the engine's return-and-refund
  const seen = await staff('staff-sup', 'get_case', { caseId })
  const agent = seen.assigneeId ?? 'staff-sup'
  await staff(agent, 'respond', { caseId, text: '您好，已收到您的申请，马上为您处理' })
  await page.reload()
  await waitText(page, '#case-status', '客服处理中', 20_000)
  await waitText(page, '#step-current', '您好，已收到您的申请，马上为您处理')
  await screen(page, 'buyer-flow-2-responded')
  const suggested = seen.offers.find((o) => o.status === 'suggested' && o.kind === 'return_refund')
  expect(suggested).toBeDefined()
  expect(suggested!.refundFen).toBe(2 * 3900)
  await staff(agent, 'make_offer', { caseId, offerIds: [suggested!.id] })

  // ---- 3. the buyer sees the offer with its explanation and amount, and accepts
  await page.reload()
  await waitText(page, '#case-status', '等待您确认方案', 20_000)
  const offerCard = `#offer-${suggested!.id}`
  await waitText(page, offerCard, suggested!.explanation)
  await waitText(page, offerCard, '¥78.00')
  await waitText(page, offerCard, '退回运费由您承担')
  await screen(page, 'buyer-flow-3-offer')
  await page.locator(`#accept-${suggested!.id}`).click()
  await waitToast(page, '已接受方案')
  await waitText(page, '#case-status', '等待寄回商品', 20_000)
  await waitText(page, '#next-text', '请寄回商品并填写快递单号')
  await waitText(page, '#accepted-offer', suggested!.explanation)
  // H5 has no subscription prompt: accepting went straight through, and any "not notified" note stays a quiet line
  expect(await bodyText(page)).not.toMatch(/暂不支持|not support/i)
  for (const hint of await page.locator('#not-notified').all()) expect(await hint.getAttribute('class')).toContain('quiet-hint')
  await screen(page, 'buyer-flow-3-accepted')

  // ---- 4. the buyer enters the return shipment
  await page.locator('#action-ship_return').click()
  await waitText(page, '#return-hint', '手工青瓷茶杯 ×2')
  await waitText(page, '#return-hint', '运费由您承担')
  await typeInto(page, '#carrier', '中通快递')
  await typeInto(page, '#tracking', 'ZT7788990011')
  await screen(page, 'buyer-flow-4-return-form')
  await page.locator('#panel-submit').click()
  await waitToast(page, '物流信息已提交')
  await waitText(page, '#case-status', '退货寄回中', 20_000)
  await waitText(page, '#return-info', 'ZT7788990011')
  await screen(page, 'buyer-flow-4-return-shipped')
  const shipped = await buyer('get_case', { caseId })
  expect(shipped.returnShipment).toMatchObject({ status: 'shipped', carrier: '中通快递', trackingNo: 'ZT7788990011' })

  // ---- 5. the seller receives the return, inspects it and the refund goes out
  await staff(agent, 'receive_return', { caseId })
  await page.reload()
  await waitText(page, '#case-status', '商家验货中', 20_000)
  await waitText(page, '#return-info', '商家已收到')
  await screen(page, 'buyer-flow-5-inspecting')
  await staff(agent, 'inspect', { caseId, result: 'pass', note: '两只杯子完好，可二次销售', expectedVersion: (await staff(agent, 'get_case', { caseId })).version })
  const done = await staff(agent, 'get_case', { caseId })
  expect(done.status).toBe('resolved')
  expect(done.refunds).toEqual([expect.objectContaining({ amountFen: 7800, purpose: 'refund', status: 'succeeded' })])

  // ---- 6. the buyer sees it resolved, rates it, and sees the rating and the case closed
  await page.reload()
  await waitText(page, '#case-status', '已解决', 20_000)
  await waitText(page, '#refund-info', '¥78.00')
  await waitText(page, '#refund-info', '已到账')
  await screen(page, 'buyer-flow-6-resolved')
  await page.locator('#action-rate').click()
  await page.locator('#star-5').click()
  await waitText(page, '#score-text', '非常满意')
  await typeInto(page, '#panel-rate', '退货很顺利，退款也很快')
  await screen(page, 'buyer-flow-6-rating')
  await page.locator('#panel-submit').click()
  await waitText(page, '#case-status', '已关闭', 20_000)
  await waitText(page, '#rating-info', '★★★★★')
  await waitText(page, '#rating-info', '退货很顺利，退款也很快')
  await waitText(page, '#no-actions', '本次售后已结束')
  await screen(page, 'buyer-flow-6-closed')
  // and on home, the case is listed as closed
  await page.goto(`${env.gw.url}/#/pages/index/index`)
  await waitText(page, `#case-${caseId}`, '已关闭', 20_000)
  const closed = await buyer('get_case', { caseId })
  expect(closed.status).toBe('closed')
  expect(closed.rating).toMatchObject({ score: 5, comment: '退货很顺利，退款也很快' })
  expect(errors).toEqual([])
  expect(consoleErrors).toEqual([])
  expect(failed).toEqual([])
}, 90_000)
