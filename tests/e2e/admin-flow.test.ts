/**
 * The seller's workspace end to end, in Chromium on the H5 build served by the gateway:
 * a buyer files a damaged-goods case with a photo (through the API, as the mini-program would);
 * an agent signs in through the dev sign-in page, finds it in the queue (tab counts, the SLA-state
 * filter on the server), opens it, sees the engine's suggestion and works it through the action bar
 * to resolution; a second, pricier case needs a supervisor: the agent's 同意 is one tap to an
 * approval request of exactly that refund, the supervisor approves it from 待审批 and it is paid; the analytics
 * page counts both. Every step leaves a screenshot (test-results/screenshots/admin-flow-*.png).
 */
import type { Page } from 'playwright-core'
import { callAs, shot, signIn, gatewayAndBrowserForFile } from './harness'

const BUYER = 'buyer-zhao'
const LOGISTICS_AGENT = 'staff-bo' // 小波（物流组）: damaged goods go to the logistics team
const QUALITY_AGENT = 'staff-amy' // 小美（品质组）
const SUPERVISOR = 'staff-sup' // 陈主管

interface CaseState {
  id: string
  status: string
  version: number
  assigneeId: string | null
  flags: { escalated: boolean }
  offers: { id: string; kind: string; status: string; explanation: string; needsSupervisor: boolean }[]
  refunds: { amountFen: number; status: string }[]
  replacementShipments: { status: string; trackingNo: string | null }[]
  evidence: { fileId: string }[]
}

const env = gatewayAndBrowserForFile()
let page: Page
const errors: string[] = []
const staffCase = (id: string, as = SUPERVISOR) => callAs<CaseState>(env.gw.url, as, 'admin', 'get_case', { caseId: id })

beforeAll(async () => {
  page = await env.browser.newPage()
  // a phone-sized viewport: the admin subpackage is a mini-program page
  await page.setViewportSize({ width: 414, height: 860 })
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (e) => errors.push(String(e)))
  // console errors too (a Taro component's DOM patch failing shows up only there); no favicon is served
  page.on('console', (m) => {
    if (m.type() === 'error' && !/favicon\.ico$/.test(m.location().url)) errors.push(`console: ${m.text().slice(0, 300)}`)
  })
}, 60_000)

/** A photo of the damage, drawn by the browser (a real PNG the gateway sniffs as image/png). */
async function damagePhoto(): Promise<Buffer> {
  const p = await env.browser.newPage()
  await p.setContent(`<div id="ph" style="width:320px;height:240px;background:linear-gradient(135deg,#cfe8df,#7fb8a4);
    display:flex;align-items:center;justify-content:center;font:bold 40px sans-serif;color:#7a1f1f">破碎的茶杯</div>`)
  const png = await p.locator('#ph').screenshot({ type: 'png' })
  await p.close()
  return png
}

/** Evidence upload exactly as the H5 build does it: multipart POST /api/upload as the buyer. */
async function upload(openid: string, bytes: Buffer, name: string) {
  const form = new FormData()
  form.append('file', new Blob([bytes], { type: 'image/png' }), name)
  const res = await fetch(`${env.gw.url}/api/upload`, { method: 'POST', headers: { 'x-dev-openid': openid, 'x-desk-call': '1' }, body: form })
  const body = (await res.json()) as { ok: boolean; data: { fileId: string; kind: 'image'; mime: string; size: number } }
  expect(body.ok).toBe(true)
  return { fileId: body.data.fileId, kind: body.data.kind, mime: body.data.mime, size: body.data.size }
}

/** Text of an element without white space (Taro splits texts into nodes). */
const textOf = async (sel: string) => ((await page.textContent(sel)) ?? '').replace(/\s+/g, '')
const statusIs = (text: string) => page.locator('#case-status', { hasText: text }).waitFor()
/** A queue tab with its count (the counts arrive with the queue page, after the tabs render). */
const tabShows = async (tab: string, label: string) => {
  const shown = ([sel, want]: readonly [string, string]) => (document.querySelector(sel)?.textContent ?? '').replace(/\s+/g, '') === want
  await page.waitForFunction(shown, [`#tab-${tab}`, label] as const, { timeout: 10_000 }).catch(() => undefined)
  expect(await textOf(`#tab-${tab}`)).toBe(label)
}
/** Waits for the answer to the queue query the next tap sends (matching `pred` on its data). */
const queueAnswer = (pred: (data: Record<string, unknown>) => boolean) =>
  page.waitForResponse((r) => {
    if (!r.url().endsWith('/api/fn/admin')) return false
    const body = r.request().postDataJSON() as { action?: string; data?: Record<string, unknown> } | null
    return body?.action === 'queue' && pred(body.data ?? {})
  })


/** A viewport screenshot with `sel` scrolled into view (the action bar is fixed at the bottom). */
async function shotAt(name: string, sel?: string) {
  if (sel) await page.locator(sel).first().evaluate((el) => el.scrollIntoView({ block: 'start' }))
  // the 已提交 toast (Taro H5: a wrapper of fixed-position children, hidden with display: none after 1.5 s)
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLElement>('.taro__toast')).every((t) => t.style.display === 'none'))
  await page.waitForTimeout(100)
  await shot(page, name)
}

let damaged: string
let pricey: string

test('an agent finds a damaged-goods case in the queue (tab counts, server-side SLA filter) and works it to resolution in the action bar', async () => {
  // (1) the buyer files a damaged-goods case on the six-cup order with a photo
  const orders = await callAs<{ order: { orderId: string; items: { skuId: string; qty: number }[] } }[]>(env.gw.url, BUYER, 'aftersale', 'list_orders', {})
  const cups = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === 'SKU-CUP-02' && o.order.items[0].qty === 6)!
  const photo = await upload(BUYER, await damagePhoto(), 'cups.png')
  const filed = await callAs<{ case: { id: string; caseNo: string } }>(env.gw.url, BUYER, 'aftersale', 'submit', {
    orderId: cups.order.orderId,
    claimedItems: [{ skuId: 'SKU-CUP-02', qty: 2 }],
    type: 'resend',
    reason: 'damaged_in_transit',
    description: '快递外箱压扁，两只茶杯碎了',
    evidence: [photo],
    desiredRemedy: 'resend',
    facts: { damagedUnits: 2 },
  }, 'e2e-admin-flow-damaged')
  damaged = filed.case.id
  expect((await staffCase(damaged)).assigneeId).toBe(LOGISTICS_AGENT)

  // (2) the agent signs in and sees it in 我的, with the count of every tab
  await signIn(page, env.gw.url, LOGISTICS_AGENT)
  await page.locator(`#case-${damaged}`).waitFor()
  expect(await textOf('#adm-me')).toContain('小波')
  const tabs = { mine: '我的1', team: '本组1', unassigned: '未分配0', overdue: '已超时0', escalated: '已升级0', all: '全部1' }
  for (const [tab, label] of Object.entries(tabs)) await tabShows(tab, label)
  const card = await textOf(`#case-${damaged}`)
  expect(card).toContain(filed.case.caseNo)
  expect(card).toContain('手工青瓷茶杯')
  expect(card).toContain('破损/污渍')
  expect(card).toContain('待受理')
  expect(card).toContain('正常') // SLA badge
  // the SLA-state filter goes to the server: 正常 keeps the case, 已超时 has none
  let answer = queueAnswer((d) => d.tab === 'mine' && d.slaState === 'on_time' && d.cursor === null)
  await page.click('#sla-on_time')
  await answer
  await page.locator('#sla-on_time.adm-chip--on').waitFor()
  await page.locator(`#case-${damaged}`).waitFor()
  await shotAt('admin-flow-1-queue')
  answer = queueAnswer((d) => d.slaState === 'breached')
  await page.click('#sla-breached')
  await answer
  await page.locator('#adm-queue-empty').waitFor()
  expect(await textOf('#adm-queue-empty')).toBe('没有符合条件的售后单')
  answer = queueAnswer((d) => d.slaState === undefined)
  await page.click('#filter-clear')
  await answer
  await page.locator(`#case-${damaged}`).waitFor()

  // (3) opens it: order, the photo, the engine's suggestion with its explanation
  await page.click(`#case-${damaged}`)
  await page.locator('#adm-case').waitFor()
  expect(await textOf('#case-status')).toBe('待受理')
  expect(await textOf('#case-head')).toContain('小波（物流组）') // the handler by name, not by id
  await page.locator('#case-evidence img').first().waitFor()
  const suggestions = await textOf('#case-suggestions')
  expect(suggestions).toContain('运输破损2件，为您重新补发，无需寄回')
  expect(suggestions).toContain('系统建议')
  await shotAt('admin-flow-2-case', '#case-evidence')

  // (4) responds with the canned reply for damaged goods
  await page.click('#act-respond')
  await page.click('#canned-damaged_in_transit')
  expect(await page.inputValue('#f-text textarea')).toContain('非常抱歉商品在运输中受损')
  await page.click('#submit-respond')
  await statusIs('处理中')
  expect((await staffCase(damaged)).status).toBe('in_review')
  await shotAt('admin-flow-3-responded')

  // (5) offers the engine's suggestion (补发) to the buyer
  const resend = (await staffCase(damaged)).offers.find((o) => o.status === 'suggested' && o.kind === 'resend')!
  await page.click('#act-make_offer')
  await page.click(`#pick-${resend.id} > *`)
  await page.locator(`#pick-${resend.id}.adm-offer--on`).waitFor()
  await shotAt('admin-flow-4-offer-form')
  await page.click('#submit-make_offer')
  await statusIs('待买家确认方案')
  expect(await textOf('#case-offers')).toContain('待买家确认')

  // the buyer accepts in the mini-program: the replacement is now to be sent
  await callAs(env.gw.url, BUYER, 'aftersale', 'accept_offer', { caseId: damaged, offerId: resend.id, expectedVersion: (await staffCase(damaged)).version })
  await page.reload()
  await statusIs('处理中')
  expect(await page.locator('#act-ship_replacement').count()).toBe(1)
  expect(await page.locator('#act-receive_return').count()).toBe(0) // nothing to take back for two cups

  // (6) ships the replacement with carrier and tracking number
  await page.click('#act-ship_replacement')
  await page.click('#submit-ship_replacement')
  expect(await textOf('#adm-action-error')).toContain('请填写快递公司和单号')
  await page.fill('#f-carrier input', '顺丰速运')
  await page.fill('#f-tracking input', 'SF7788990011')
  await page.click('#submit-ship_replacement')
  await statusIs('已补发/换货')
  expect(await textOf('#case-legs')).toContain('SF7788990011')
  await shotAt('admin-flow-5-shipped', '#case-legs')

  // the buyer confirms receipt: resolved
  await callAs(env.gw.url, BUYER, 'aftersale', 'confirm_receipt', { caseId: damaged })
  await page.reload()
  await statusIs('已解决')
  const state = await staffCase(damaged)
  expect(state.status).toBe('resolved')
  expect(state.replacementShipments).toEqual([expect.objectContaining({ status: 'received', trackingNo: 'SF7788990011' })])
  expect(state.evidence.map((e) => e.fileId)).toEqual([photo.fileId])
  expect(await textOf('#case-timeline')).toContain('小波（物流组）')
  await shotAt('admin-flow-6-resolved')
  expect(errors).toEqual([])
}, 90_000)

test('a refund above the approval limit: the agent’s 同意 is one tap to a supervisor, who approves exactly that from 待审批; the buyer never sees the approval', async () => {
  const orders = await callAs<{ order: { orderId: string; paidFen: number; items: { skuId: string }[] } }[]>(env.gw.url, BUYER, 'aftersale', 'list_orders', {})
  const dress = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === 'SKU-DRS-04')!
  expect(dress.order.paidFen).toBe(45_900) // ¥459 > the default ¥200 approval limit
  const filed = await callAs<{ case: { id: string } }>(env.gw.url, BUYER, 'aftersale', 'submit', {
    orderId: dress.order.orderId,
    claimedItems: [{ skuId: 'SKU-DRS-04', qty: 1 }],
    type: 'refund_only',
    reason: 'quality_defect',
    description: '裙子腋下开线',
    desiredRemedy: 'refund',
  }, 'e2e-admin-flow-pricey')
  pricey = filed.case.id
  expect((await staffCase(pricey)).assigneeId).toBe(QUALITY_AGENT)

  // the quality agent opens it from 我的: the form says what 同意 will do, as the core answered it
  await signIn(page, env.gw.url, QUALITY_AGENT)
  await page.click(`#case-${pricey}`)
  await page.locator('#adm-case').waitFor()
  await page.click('#act-approve')
  expect(await textOf('#form-approve')).toContain('本单还可退¥459（实付¥459）')
  expect(await textOf('#approve-preview')).toContain('将提交主管审批：同意仅退款¥459')
  expect(await textOf('#approve-over-limit')).toContain('不会立即执行')
  expect(await textOf('#submit-approve')).toBe('提交主管审批¥459.00')
  // one tap: no second form, nothing paid, the request is recorded with its exact value
  await page.click('#submit-approve')
  await page.locator('#adm-pending-approval').waitFor()
  expect(await textOf('#adm-pending-approval')).toContain('待主管审批：同意仅退款¥459（价值¥459.00')
  await shotAt('admin-flow-7-approval-submitted')
  let state = await staffCase(pricey) as CaseState & { approvals: { status: string; amountFen: number; summary: string; requestedBy: string }[] }
  expect(state.status).toBe('submitted')
  expect(state.refunds).toEqual([])
  expect(state.approvals).toEqual([expect.objectContaining({ status: 'pending', amountFen: 45_900, summary: '同意仅退款¥459', requestedBy: QUALITY_AGENT })])

  // a ¥0 approval cannot be made (nothing of value) — the API refuses it
  const zero = await fetch(`${env.gw.url}/api/fn/admin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': QUALITY_AGENT },
    body: JSON.stringify({ action: 'submit_for_approval', data: { caseId: pricey, expectedVersion: state.version, request: { type: 'make_offer', offers: [{ kind: 'guidance', explanation: '使用指导' }] } } }),
  }).then((r) => r.json() as Promise<{ ok: boolean; error?: { code: string } }>)
  expect(zero.ok).toBe(false)

  // the supervisor finds it under 待审批, sees the offer and the value, and approves it in one tap
  await signIn(page, env.gw.url, SUPERVISOR)
  await tabShows('approvals', '待审批1')
  await page.click('#tab-approvals')
  await page.locator(`#case-${pricey}`).waitFor()
  await page.click(`#case-${pricey}`)
  await page.locator('#approval-pending').waitFor()
  expect(await textOf('#approval-pending')).toContain('待主管审批：同意仅退款¥459')
  expect(await textOf('#approval-value')).toContain('价值¥459.00')
  expect(await textOf('#approval-approve')).toBe('批准：同意仅退款¥459')
  await shotAt('admin-flow-8-approval-pending', '#case-approval')
  await page.click('#approval-approve')
  await statusIs('已解决')
  expect(await textOf('#case-legs')).toContain('¥459.00·已到账')
  state = await staffCase(pricey) as typeof state
  expect(state.status).toBe('resolved')
  expect(state.refunds).toEqual([expect.objectContaining({ amountFen: 45_900, status: 'succeeded' })])
  expect(state.approvals).toEqual([expect.objectContaining({ status: 'approved', amountFen: 45_900 })])
  await shotAt('admin-flow-9-approved', '#case-legs')

  // the buyer sees the remedy and the money, never the approval
  const mine = await callAs<{ timeline: { text: string }[]; approvals?: unknown; offers: { explanation: string; status: string }[] }>(env.gw.url, BUYER, 'aftersale', 'get_case', { caseId: pricey })
  expect(mine.approvals).toBeUndefined()
  expect(mine.offers).toEqual([expect.objectContaining({ explanation: '同意仅退款¥459', status: 'accepted' })])
  const said = mine.timeline.map((t) => t.text).join('\n')
  expect(said).toContain('售后申请已同意：同意仅退款¥459')
  expect(said).not.toMatch(/审批|主管/)
  expect(errors).toEqual([])
}, 90_000)

test('the analytics dashboard counts both cases', async () => {
  await page.goBack()
  await page.locator('#link-analytics').waitFor()
  await page.click('#link-analytics')
  await page.locator('#kpi-total').waitFor()
  expect(await textOf('#kpi-total')).toBe('2售后单')
  const reasons = await textOf('#an-reason')
  expect(reasons).toContain('破损/污渍')
  expect(reasons).toContain('质量问题')
  expect(await textOf('#an-money')).toContain('¥459.00')
  const analytics = await callAs<{ totalCases: number; money: { totalFen: number } }>(env.gw.url, SUPERVISOR, 'admin', 'analytics', {})
  expect(analytics.totalCases).toBe(2)
  expect(analytics.money.totalFen).toBeGreaterThanOrEqual(45_900)
  await shotAt('admin-flow-11-analytics')
  expect(errors).toEqual([])
}, 30_000)
