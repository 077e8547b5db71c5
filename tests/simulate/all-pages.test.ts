/**
 * Every page of the compiled weapp build (main package and the admin subpackage) renders its main
 * state under miniprogram-simulate with the official wcc compiler, and the buyer's journey
 * form → submit → tracker runs on the compiled pages. Build first: `npx taro build --type weapp`.
 * What this cannot show: real layout and canvas drawing (simulate has no renderer), so pixel
 * placement is checked by the browser walks in tests/e2e.
 */
import path from 'node:path'
import { defaultPolicy } from '@contract/policy'
import { STATUS_LABELS } from '@contract/domain'
import { caseView, eligibility, order, orderView, policy } from '../components/fixtures'
import { caseDetail, counts, me, summary } from '../components/admin-fixtures'
import { DIST, installHost } from './weapp-shims'

const host = installHost()
// eslint-disable-next-line @typescript-eslint/no-require-imports
const simulate = require('miniprogram-simulate') as typeof import('miniprogram-simulate')
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(path.join(DIST, 'app.js'))

type Comp = ReturnType<typeof simulate.render>
const textOf = (c: Comp, sel: string) => (c.querySelector(sel)?.dom?.textContent ?? '').replace(/\s+/g, ' ').trim()

const analyticsView = {
  from: '2026-10-05T16:00:00.000Z', to: '2026-11-23T06:00:00.000Z', generatedAt: '2026-11-23T06:00:00.000Z', timezone: 'Asia/Shanghai',
  weeks: ['2026-11-16', '2026-11-23'], totalCases: 5, truncated: false, perWeek: [1, 4], repeatRate: 0.2,
  byReason: [{ key: 'quality_defect', label: '质量问题', total: 4, perWeek: [1, 3], repeatRate: 0.25 }],
  byProduct: [], bySku: [], byBatch: [], rising: [],
  sla: { firstResponse: { hit: 3, total: 4, rate: 0.75 }, resolution: { hit: 1, total: 1, rate: 1 }, overall: { hit: 3, total: 4, rate: 0.75 } },
  times: { medianFirstResponseMs: 1_800_000, firstResponseCount: 4, medianResolutionMs: 93_600_000, resolutionCount: 1 },
  money: { rows: [], totalFen: 0 },
  csat: { count: 0, average: null, satisfiedRate: null, distribution: [0, 0, 0, 0, 0] },
  followUps: {
    reviews: 2, onTime: { hit: 1, total: 2, rate: 0.5 }, updated: { hit: 1, total: 2, rate: 0.5 },
    outcomes: { updated: 1, not_updated: 0, unreachable: 0, open: 1 }, visits: { total: 1, satisfied: 1, not_satisfied: 0, unreachable: 0 },
  },
}

/** One fake backend for both functions: what a seeded shop answers, enough for each page's main state. */
function answer(action: string, data: Record<string, unknown>): unknown {
  const fn = host.calls[host.calls.length - 1]?.name
  if (fn === 'admin') {
    switch (action) {
      case 'whoami':
        return me('owner')
      case 'queue':
        return { items: [summary('case-1', { title: '明前龙井 250g 礼盒装' })], next: null, counts: counts() }
      case 'get_case':
        return caseDetail('in_review')
      case 'list_staff':
        return [{ id: 'staff-amy', name: '小美', role: 'agent', teams: ['quality'], onDuty: true, openCases: 3, lastAssignedAt: null, active: true }]
      case 'get_policy':
        return { version: 2, policy: defaultPolicy, updatedBy: 'staff-owner', updatedAt: '2026-11-22T06:00:00.000Z' }
      case 'list_policy_versions':
        return []
      case 'analytics':
        return analyticsView
      case 'inbox':
        return { items: [], next: null, unread: 0 }
      default:
        throw { code: 'UNKNOWN_ACTION', message: action }
    }
  }
  switch (action) {
    case 'whoami':
      return { openid: 'buyer-zhao' }
    case 'list_orders':
      return [orderView()]
    case 'list_cases':
      return { items: [], next: null }
    case 'get_policy':
      return policy
    case 'check_eligibility':
      return eligibility()
    case 'submit':
      return { case: caseView('submitted', { id: 'case-9', claimedItems: data.claimedItems as never }), created: true }
    case 'get_case':
      return caseView('submitted', { id: String(data.caseId) })
    case 'record_subscriptions':
      return { credits: {} }
    default:
      throw { code: 'UNKNOWN_ACTION', message: action }
  }
}

/** simulate registers a page once: a second load of the same path answers no usable id */
const loaded = new Map<string, string>()

async function open(page: string, query: Record<string, string>, ready: string): Promise<Comp> {
  host.query = query
  host.handler = answer
  const id = loaded.get(page) ?? simulate.load(path.join(DIST, page), { rootPath: DIST, compiler: 'official' })
  loaded.set(page, id)
  const comp = simulate.render(id)
  comp.attach(document.createElement('parent-wrapper'))
  for (let i = 0; i < 60 && !comp.querySelector(ready); i++) await simulate.sleep(30)
  return comp
}

beforeEach(() => {
  host.calls.length = 0
})

// page (as compiled) → what its main state shows
const PAGES: { page: string; query?: Record<string, string>; ready: string; expect: (c: Comp) => void }[] = [
  { page: 'pages/index/index', ready: `#order-${order.orderId}`, expect: (c) => expect(c.querySelector(`#order-${order.orderId}`)).toBeTruthy() },
  { page: 'pages/policy/index', ready: '#policy', expect: (c) => expect(textOf(c, '#policy')).toContain('售后须知') },
  { page: 'admin/queue/index', ready: '#adm-queue-list', expect: (c) => expect(textOf(c, '#adm-queue-list')).toContain('明前龙井') },
  { page: 'admin/case/index', query: { id: 'case-1' }, ready: '#case-timeline', expect: (c) => expect(textOf(c, '#case-head')).toContain('处理中') },
  { page: 'admin/roster/index', ready: '#staff-staff-amy', expect: (c) => expect(textOf(c, '#staff-staff-amy')).toContain('小美') },
  { page: 'admin/policy/index', ready: '#policy-reasons', expect: (c) => expect(textOf(c, '#policy-reasons')).toContain('质量问题') },
  { page: 'admin/analytics/index', ready: '#kpi-total', expect: (c) => expect(textOf(c, '#kpi-total')).toContain('5') },
  { page: 'admin/inbox/index', ready: '#adm-inbox', expect: (c) => expect(c.querySelector('#adm-error')).toBeFalsy() },
]

test.each(PAGES)('$page renders its main state in the compiled weapp build', async ({ page, query, ready, expect: check }) => {
  const comp = await open(page, query ?? {}, ready)
  expect(comp.querySelector(ready)).toBeTruthy()
  check(comp)
})

/**
 * simulate has no renderer, so the host's 2d canvas is stood in by one that records what is drawn on
 * it (the host, not the code under test: F2 and the page are the compiled weapp bundle's own).
 */
function recordingCanvas(width: number, height: number) {
  const calls: { name: string; args: unknown[] }[] = []
  const node: Record<string, unknown> = { width, height }
  const props: Record<string | symbol, unknown> = { canvas: node }
  const ctx = new Proxy(props, {
    get(t, k) {
      if (k in t) return t[k]
      if (typeof k === 'symbol' || k === 'then') return undefined
      if (k === 'measureText') return (s: unknown) => ({ width: String(s).length * 6, actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 })
      if (k === 'getTransform') return () => ({ a: 1, b: 0, c: 0, d: 1, e: 0, f: 0 })
      if (k === 'getLineDash') return () => []
      if (k === 'isPointInPath' || k === 'isPointInStroke') return () => false
      if (k === 'createLinearGradient' || k === 'createRadialGradient' || k === 'createPattern') return () => ({ addColorStop: () => undefined })
      if (k === 'getImageData' || k === 'createImageData') return () => ({ data: new Uint8ClampedArray(4), width: 1, height: 1 })
      return (...args: unknown[]) => void calls.push({ name: k, args })
    },
    set(t, k, v) {
      t[k] = v
      calls.push({ name: `set ${String(k)}`, args: [v] })
      return true
    },
  })
  Object.assign(node, {
    getContext: () => ctx,
    requestAnimationFrame: (cb: () => void) => setTimeout(cb, 0) as unknown as number,
    cancelAnimationFrame: (id: number) => clearTimeout(id),
    createImage: () => ({}),
  })
  return { node, calls }
}

test('analytics on the compiled weapp page: F2 draws the week chart on the 2d canvas node the page queries', async () => {
  const wx = (globalThis as unknown as { wx: Record<string, unknown> }).wx
  const canvases = new Map<string, ReturnType<typeof recordingCanvas>>()
  const original = wx.createSelectorQuery
  const originalOffscreen = wx.createOffscreenCanvas
  wx.createOffscreenCanvas = () => recordingCanvas(10, 10).node
  wx.createSelectorQuery = () => {
    const q = {
      in: () => q,
      select: (sel: string) => ({
        fields: () => ({
          exec: (cb: (res: unknown[]) => void) => {
            const id = sel.replace(/^#/, '')
            if (!canvases.has(id)) canvases.set(id, recordingCanvas(320, 160))
            setTimeout(() => cb([{ node: canvases.get(id)!.node, width: 320, height: 160 }]), 0)
            return q
          },
        }),
        boundingClientRect: () => q,
      }),
      selectAll: () => q,
      selectViewport: () => q,
      exec: (cb?: (res: unknown[]) => void) => cb?.([]),
    }
    return q
  }
  try {
    const comp = await open('admin/analytics/index', {}, '#kpi-total')
    expect(comp.querySelector('#chart-weeks')).toBeTruthy()
    for (let i = 0; i < 100 && !(canvases.get('chart-weeks')?.calls.some((c) => c.name === 'fillText' && String(c.args[0]).includes('11/23'))); i++) await simulate.sleep(30)
    const drawn = canvases.get('chart-weeks')!.calls
    // F2 laid the weeks out on the axis and filled the bars
    const texts = drawn.filter((c) => c.name === 'fillText').map((c) => String(c.args[0]))
    expect(texts).toEqual(expect.arrayContaining(['11/16', '11/23']))
    expect(drawn.filter((c) => c.name === 'fill' || c.name === 'fillRect').length).toBeGreaterThanOrEqual(2)
    expect(textOf(comp, '#chart-weeks-summary')).toBe('11/16周 1单，11/23周 4单')
  } finally {
    wx.createSelectorQuery = original
    wx.createOffscreenCanvas = originalOffscreen
  }
})

test('the buyer journey on the compiled pages: form → submit → tracker', async () => {
  const redirects: string[] = []
  const wx = (globalThis as unknown as { wx: Record<string, unknown> }).wx
  wx.redirectTo = (o: { url: string; success?: (r: unknown) => void; complete?: (r: unknown) => void }) => {
    redirects.push(o.url)
    o.success?.({ errMsg: 'redirectTo:ok' })
    o.complete?.({ errMsg: 'redirectTo:ok' })
  }
  const form = await open('pages/new/index', { orderId: order.orderId }, '#order-card')
  const tapOn = async (sel: string) => {
    const el = form.querySelector(sel)
    if (!el) throw new Error(`nothing matches ${sel}`)
    el.dispatchEvent('tap')
    await simulate.sleep(60)
  }
  await tapOn('#item-sku-nest-6')
  await tapOn('#reason-damaged_in_transit')
  for (let i = 0; i < 40 && !form.querySelector('#type-resend'); i++) await simulate.sleep(30)
  await tapOn('#type-resend')
  await tapOn('#submit')
  for (let i = 0; i < 40 && redirects.length === 0; i++) await simulate.sleep(30)
  const submit = host.calls.find((c) => c.action === 'submit')
  expect(submit).toMatchObject({ name: 'aftersale', data: { orderId: order.orderId, type: 'resend', reason: 'damaged_in_transit', desiredRemedy: 'resend' } })
  expect(submit?.idempotencyKey).toEqual(expect.any(String))
  expect(redirects).toEqual(['/pages/case/index?id=case-9'])

  const tracker = await open('pages/case/index', { id: 'case-9' }, '#case-status')
  expect(textOf(tracker, '#case-status')).toBe(STATUS_LABELS.submitted)
  expect(textOf(tracker, '#next-text')).toBe(caseView('submitted').next.text)
})
