import type { AnalyticsView, CaseExport } from '@contract/actions'
import type { Case } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { makeApp, unwrap, type App } from './app-harness'
import { computeAnalytics, median, weekStart, weeksBetween } from '../../cloudfunctions/app/usecases/analytics'
import { casesToCsv, csvField, toCsv } from '../../cloudfunctions/app/usecases/export-cases'

const ZHAO = 'buyer-zhao'
const WU = 'buyer-wu'
const AGENT = 'staff-amy'
const SUP = 'staff-sup'
const OWNER = 'staff-owner'

type OrderRow = { order: { orderId: string; items: { skuId: string; qty: number }[] } }

async function file(app: App, openid: string, reason: string, skuId = 'SKU-TEA-01', type = 'refund_only', desiredRemedy = 'refund') {
  const orders = unwrap<OrderRow[]>(await app.buyer(openid, 'list_orders', {}))
  const order = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === skuId)!
  const res = await app.buyer(openid, 'submit', {
    orderId: order.order.orderId,
    claimedItems: [{ skuId, qty: 1 }],
    type,
    reason,
    description: '测试用例, 含"引号"',
    desiredRemedy,
  }, `k-${Math.random().toString(36).slice(2)}`)
  return unwrap<{ case: { id: string } }>(res).case.id
}

describe('analytics and CSV export through the admin function', () => {
  let app: App
  beforeEach(async () => {
    app = await makeApp()
  })
  afterEach(() => app.close())

  test('a supervisor sees cases by reason, product and batch, SLA, times, money and CSAT of real cases', async () => {
    const a = await file(app, ZHAO, 'quality_defect')
    await file(app, WU, 'quality_defect')
    await file(app, ZHAO, 'damaged_in_transit', 'SKU-CUP-02', 'resend', 'resend')
    // respond 30 min later, approve (refund ¥168), buyer rates 5
    app.setNow('2026-11-23T03:30:00.000Z')
    unwrap(await app.staff(SUP, 'respond', { caseId: a, text: '您好，已收到' }))
    app.setNow('2026-11-23T04:00:00.000Z')
    unwrap(await app.staff(SUP, 'approve', { caseId: a, expectedVersion: (await app.store.getCase(a))!.version }))
    unwrap(await app.buyer(ZHAO, 'rate', { caseId: a, score: 5, comment: '很快' }))

    const view = unwrap<AnalyticsView>(await app.staff(SUP, 'analytics', {}))
    expect(view.totalCases).toBe(3)
    expect(view.weeks).toHaveLength(8)
    expect(view.perWeek[view.perWeek.length - 1]).toBe(3)
    expect(view.byReason[0]).toMatchObject({ key: 'quality_defect', label: '质量问题', total: 2 })
    expect(view.bySku.map((r) => r.key).sort()).toEqual(['SKU-CUP-02', 'SKU-TEA-01'])
    expect(view.byBatch.find((r) => r.key === 'SKU-TEA-01@B2611A')?.total).toBe(2)
    // zhao filed twice (tea, then cup): the second of his cases is a repeat overall
    expect(view.repeatRate).toBeCloseTo(1 / 3, 3)
    expect(view.times.medianFirstResponseMs).toBe(30 * 60_000)
    expect(view.times.resolutionCount).toBe(1)
    expect(view.sla.firstResponse).toMatchObject({ hit: 1, total: 1, rate: 1 })
    expect(view.money.totalFen).toBe(16800)
    expect(view.money.rows[0]).toMatchObject({ refundFen: 16800, cases: 1 })
    expect(view.csat).toMatchObject({ count: 1, average: 5, satisfiedRate: 1, distribution: [0, 0, 0, 0, 1] })
  })

  test('only supervisors and owners may read analytics or export the case list', async () => {
    await file(app, ZHAO, 'quality_defect')
    expect(await app.staff(AGENT, 'analytics', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await app.staff(AGENT, 'export_cases', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await app.staff(ZHAO, 'analytics', {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await app.staff(OWNER, 'analytics', {})).toMatchObject({ ok: true })
    expect(await app.staff(SUP, 'analytics', { from: '2026-11-23T00:00:00Z', to: '2026-11-01T00:00:00Z' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
  })

  test('the exported case list opens in Excel: BOM, header, one quoted row per case', async () => {
    await file(app, ZHAO, 'quality_defect')
    await file(app, WU, 'damaged_in_transit', 'SKU-CUP-02', 'resend', 'resend')
    const out = unwrap<CaseExport>(await app.staff(OWNER, 'export_cases', {}))
    expect(out.rows).toBe(2)
    expect(out.truncated).toBe(false)
    expect(out.filename).toMatch(/^售后单-\d{8}\.csv$/)
    expect(out.csv.startsWith('\uFEFF售后单号,创建时间,状态')).toBe(true)
    const lines = out.csv.slice(1).trimEnd().split('\r\n')
    expect(lines).toHaveLength(3)
    expect(out.csv).toContain('明前龙井 250g 礼盒装')
    expect(out.csv).toContain('2026-11-23 11:00') // shown in Asia/Shanghai
    const filtered = unwrap<CaseExport>(await app.staff(SUP, 'export_cases', { reason: 'quality_defect' }))
    expect(filtered.rows).toBe(1)
  })

  test('the export speaks the staff\'s words: staff statuses, staff and buyer names, never an openid', async () => {
    await file(app, ZHAO, 'quality_defect')
    const out = unwrap<CaseExport>(await app.staff(OWNER, 'export_cases', {}))
    const [header, row] = out.csv.slice(1).trimEnd().split('\r\n').map((l) => l.split(','))
    const col = (name: string) => row[header.indexOf(name)]
    expect(col('状态')).toBe('待受理') // not the buyer's "已提交，等待客服处理"
    expect(col('买家')).toBe('赵先生 尾号3302')
    expect(col('处理人')).toBe('小美（品质组）')
    expect(out.csv).not.toContain('buyer-zhao')
    expect(out.csv).not.toMatch(/staff-[a-z]+/)
  })
})

describe('computeAnalytics (pure)', () => {
  let cases: Case[]
  const NOW = '2026-11-23T03:00:00.000Z'
  beforeAll(async () => {
    const app = await makeApp()
    const id = await file(app, ZHAO, 'quality_defect')
    const base = (await app.store.getCase(id))!
    await app.close()
    // the same problem on tea: one case three weeks ago, three this week (two from the same buyer)
    const at = (iso: string, buyer: string, n: number): Case => ({ ...base, id: `c${n}`, caseNo: `N${n}`, buyerOpenid: buyer, createdAt: iso })
    cases = [
      at('2026-11-02T02:00:00.000Z', 'b1', 1),
      at('2026-11-23T01:00:00.000Z', 'b2', 2),
      at('2026-11-23T02:00:00.000Z', 'b2', 3),
      at('2026-11-22T17:00:00.000Z', 'b3', 4), // Monday 01:00 in Shanghai: this week, though Sunday in UTC
    ]
  })

  test('weeks start on Monday in the shop time zone', () => {
    expect(weekStart('2026-11-23')).toBe('2026-11-23')
    expect(weekStart('2026-11-22')).toBe('2026-11-16')
    expect(weeksBetween('2026-11-01T16:00:00.000Z', NOW, 'Asia/Shanghai')).toEqual(['2026-11-02', '2026-11-09', '2026-11-16', '2026-11-23'])
  })

  test('counts per week, repeat rate per group and rising problems', () => {
    const v = computeAnalytics(cases, NOW, defaultPolicy, { from: '2026-11-01T16:00:00.000Z', to: NOW })
    expect(v.perWeek).toEqual([1, 0, 0, 3])
    expect(v.byReason).toEqual([{ key: 'quality_defect', label: '质量问题', total: 4, perWeek: [1, 0, 0, 3], repeatRate: 0.25 }])
    expect(v.rising).toEqual([
      { key: 'quality_defect|SKU-TEA-01', reason: 'quality_defect', reasonLabel: '质量问题', skuId: 'SKU-TEA-01', product: '明前龙井 250g 礼盒装', latest: 3, previousAvg: 0.33, delta: 2.67 },
    ])
  })

  test('SLA: met late or still open past due is a miss; running targets are not counted', () => {
    const c = cases[0]
    const met = (metAt: string, dueAt: string): Case => ({ ...c, sla: { ...c.sla, firstResponse: { ...c.sla.firstResponse, metAt, dueAt } } })
    const onTime = met('2026-11-02T03:00:00.000Z', '2026-11-02T06:00:00.000Z')
    const late = met('2026-11-02T08:00:00.000Z', '2026-11-02T06:00:00.000Z')
    const openPast: Case = { ...c, sla: { ...c.sla, firstResponse: { ...c.sla.firstResponse, metAt: null, dueAt: '2026-11-02T06:00:00.000Z', pausedRemainingMs: null } } }
    const running: Case = { ...c, sla: { ...c.sla, firstResponse: { ...c.sla.firstResponse, metAt: null, dueAt: '2026-11-30T06:00:00.000Z' } } }
    const v = computeAnalytics([onTime, late, openPast, running], NOW, defaultPolicy)
    expect(v.sla.firstResponse).toEqual({ hit: 1, total: 3, rate: 0.3333 })
  })

  test('median and an empty range', () => {
    expect(median([])).toBeNull()
    expect(median([5, 1, 3])).toBe(3)
    expect(median([1, 2, 3, 4])).toBe(3)
    const v = computeAnalytics([], NOW, defaultPolicy)
    expect(v).toMatchObject({ totalCases: 0, repeatRate: null, byReason: [], rising: [], csat: { count: 0, average: null } })
  })
})

describe('CSV fields', () => {
  test('quotes commas, quotes and line breaks; neutralises formulas; BOM and CRLF', () => {
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('说"好"')).toBe('"说""好"""')
    expect(csvField('两\n行')).toBe('"两\n行"')
    expect(csvField('=SUM(A1)')).toBe("'=SUM(A1)")
    expect(csvField(12)).toBe('12')
    expect(csvField(null)).toBe('')
    expect(toCsv([['a', 'b'], [1, '中文']])).toBe('\uFEFFa,b\r\n1,中文\r\n')
  })

  test('a case row carries labels, not codes', () => {
    const csv = casesToCsv([], '2026-11-23T03:00:00.000Z', defaultPolicy)
    expect(csv.split('\r\n')[0]).toContain('售后单号')
  })
})
