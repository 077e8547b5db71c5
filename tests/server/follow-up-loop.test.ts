/**
 * The follow-up loop complete (issue 23 point 4): what the buyer said on a 差评 contact is kept with
 * the step and read by staff in the timeline; a 回访 that opened a case names it; preferences stated
 * in a 回访 live on the buyer's profile and reach the next agent on any of their cases; the export
 * carries each case's 差评 and 回访 columns in staff words.
 */
import type { CaseExport, CaseView, LinkedCaseView, BuyerHistoryView } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { BuyerCaseView } from '@contract/buyer-view'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { makeApp, unwrap, type App } from './app-harness'

const BUYER = 'buyer-zhao'
const SUP = 'staff-sup'
const AGENT = 'staff-amy'
const OWNER = 'staff-owner'

let app: App
beforeEach(async () => {
  app = await makeApp()
})
afterEach(() => app.close())

type Order = { order: { orderId: string; items: { skuId: string; qty: number; finalSale?: boolean }[]; deliveredAt?: string } }
type Detail = Case & CaseView & { buyerHistory: BuyerHistoryView; linkedCases?: LinkedCaseView[] }
const delivered = async () =>
  unwrap<Order[]>(await app.buyer(BUYER, 'list_orders', {}))
    .filter((x) => x.order.deliveredAt && !x.order.items.some((i) => i.finalSale))
    .map((x) => x.order)

async function file(order: Order['order'], key: string): Promise<string> {
  const body = { orderId: order.orderId, claimedItems: [{ skuId: order.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }
  return unwrap<{ case: { id: string } }>(await app.buyer(BUYER, 'submit', body, key)).case.id
}
const staffCase = async (id: string, who = SUP) => unwrap<Detail>(await app.staff(who, 'get_case', { caseId: id }))
async function resolved(id: string): Promise<void> {
  unwrap(await app.staff(SUP, 'approve', { caseId: id, expectedVersion: (await staffCase(id)).version }))
  expect((await staffCase(id)).status).toBe('resolved')
}
const step = (id: string, s: Record<string, unknown>, who = SUP) => app.staff(who, 'review_step', { caseId: id, step: s })

describe('差评 contact: what the buyer said', () => {
  test('is saved with the step and read by staff in the timeline; the buyer never sees it; the step stays offered while the task is open', async () => {
    const [o] = await delivered()
    const id = await file(o, 'k-said-1')
    await resolved(id)
    unwrap(await app.buyer(BUYER, 'rate', { caseId: id, score: 1, comment: '茶叶有霉味' }))
    // the rated case is closed, yet the follow-up step is what staff may do now
    expect((await staffCase(id, AGENT)).actions).toContain('review_step')
    unwrap(await step(id, { step: 'analyse', cause: 'product', text: '批次受潮' }))
    unwrap(await step(id, { step: 'contact', channel: 'phone', outcome: 'reached', note: '希望退一半货款，以后不要打电话' }))
    const c = await staffCase(id)
    expect(c.reviewFollowUp?.contacts).toEqual([expect.objectContaining({ channel: 'phone', outcome: 'reached', note: '希望退一半货款，以后不要打电话' })])
    const entry = c.timeline.find((t) => t.type === 'review_step' && t.text.startsWith('联系买家'))
    expect(entry?.text).toBe('联系买家（电话）：已沟通，买家说：希望退一半货款，以后不要打电话')
    expect(entry?.internal).toBe(true)
    const mine = unwrap<BuyerCaseView>(await app.buyer(BUYER, 'get_case', { caseId: id }))
    expect(JSON.stringify(mine)).not.toContain('希望退一半货款')
    // too long for the field: a clear refusal, nothing written
    const before = (await staffCase(id)).version
    app.setNow('2026-11-24T03:00:00.000Z')
    const long = await step(id, { step: 'contact', channel: 'wechat', outcome: 'reached', note: '长'.repeat(1001) })
    expect(long).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect((await staffCase(id)).version).toBe(before)
    // closed: no step left to offer
    unwrap(await step(id, { step: 'reply', text: '抱歉给您带来不便，已为您处理' }))
    unwrap(await step(id, { step: 'close', outcome: 'not_updated' }))
    expect((await staffCase(id)).actions).not.toContain('review_step')
  })
})

describe('回访', () => {
  test('a not-satisfied visit names the case it opened: listed with its number on both cases, and on the timeline entry', async () => {
    const [o] = await delivered()
    const id = await file(o, 'k-visit-1')
    await resolved(id)
    const opened = unwrap<{ caseId: string; caseNo: string }>(await app.staff(SUP, 'open_linked_case', { caseId: id, purpose: 'visit', note: '仍有异味' }))
    unwrap(await app.staff(SUP, 'record_visit', { caseId: id, outcome: 'not_satisfied', linkedCaseId: opened.caseId, note: '买家仍不满意' }))
    const parent = await staffCase(id)
    expect(parent.linkedCases).toEqual([{ id: opened.caseId, caseNo: opened.caseNo, status: 'submitted', purpose: 'visit' }])
    const entry = parent.timeline.find((t) => t.type === 'record_visit')
    expect(entry?.data).toMatchObject({ outcome: 'not_satisfied', linkedCaseId: opened.caseId })
    const child = await staffCase(opened.caseId)
    expect(child.linkedCases).toEqual([{ id, caseNo: parent.caseNo, status: 'resolved', purpose: 'parent' }])
  })

  test('preferences stated in a visit live on the buyer\'s profile and reach the next agent on another case of theirs', async () => {
    const [o1, o2] = await delivered()
    const first = await file(o1, 'k-pref-1')
    await resolved(first)
    const second = await file(o2, 'k-pref-2')
    expect((await staffCase(second, AGENT)).buyerHistory.preferences ?? null).toBeNull()
    unwrap(await app.staff(SUP, 'record_visit', { caseId: first, outcome: 'satisfied', note: '', preferences: { items: ['no_phone', 'refund_only'], note: '只在工作日白天联系' } }))
    const saved = (await app.store.getBuyer(BUYER))?.preferences
    expect(saved).toMatchObject({ items: ['no_phone', 'refund_only'], note: '只在工作日白天联系', by: SUP, caseId: first })
    // the other case's agent reads them next to the buyer's standing
    const next = await staffCase(second, AGENT)
    expect(next.buyerHistory.preferences).toMatchObject({ items: ['no_phone', 'refund_only'], note: '只在工作日白天联系' })
    // the visit's own entry says what was recorded (staff only)
    expect((await staffCase(first)).timeline.find((t) => t.type === 'record_visit')?.text).toBe('回访：买家满意；买家偏好：不要打电话、只要退款、只在工作日白天联系')
    // the outbox copy (a retry after an interrupted write) changes nothing and never undoes a later visit
    const later = { items: ['prefer_wechat' as const], note: '', at: '2026-11-30T03:00:00.000Z', by: AGENT, caseId: second, caseNo: next.caseNo }
    expect(await app.store.setBuyerPreferences(BUYER, later)).toBe(true)
    await dispatchOutbox(app.deps, { sendSubscribeMessage: async () => ({ errcode: 0, errmsg: 'ok' }), notifyStaff: async () => ({ errcode: 0, errmsg: 'ok' }) } as never)
    expect((await app.store.getBuyer(BUYER))?.preferences).toEqual(later)
  })

  test('contradictory preferences are refused in Chinese and nothing is written', async () => {
    const [o] = await delivered()
    const id = await file(o, 'k-pref-bad')
    await resolved(id)
    const before = (await staffCase(id)).version
    const r = await app.staff(SUP, 'record_visit', { caseId: id, outcome: 'satisfied', preferences: { items: ['prefer_phone', 'no_phone'] } })
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: '“偏好电话联系”和“不要打电话”不能同时选' } })
    const unknown = await app.staff(SUP, 'record_visit', { caseId: id, outcome: 'satisfied', preferences: { items: ['call_at_3am'] } })
    expect(unknown).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    expect((await staffCase(id)).version).toBe(before)
    expect((await app.store.getBuyer(BUYER))?.preferences ?? null).toBeNull()
  })
})

/** RFC 4180 fields of one CSV text (quotes, doubled quotes, CRLF), BOM dropped. */
function parseCsv(csv: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  const s = csv.replace(/^\uFEFF/, '')
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"'
        i++
      } else if (ch === '"') quoted = false
      else field += ch
    } else if (ch === '"') quoted = true
    else if (ch === ',') {
      row.push(field)
      field = ''
    } else if (ch === '\r' && s[i + 1] === '\n') {
      row.push(field)
      rows.push(row)
      row = []
      field = ''
      i++
    } else field += ch
  }
  return rows
}

describe('export: per-case 差评 and 回访 columns', () => {
  test('差评时间, first follow-up (time and staff name), in time, review updated, 回访结果', async () => {
    const [o1, o2, o3] = await delivered()
    // a 差评 followed up by the agent within the day, the buyer updated the review
    const a = await file(o1, 'k-export-a')
    await resolved(a)
    app.setNow('2026-11-23T05:00:00.000Z')
    unwrap(await app.buyer(BUYER, 'rate', { caseId: a, score: 1, comment: '很差' }))
    app.setNow('2026-11-23T07:30:00.000Z')
    unwrap(await step(a, { step: 'analyse', cause: 'product', text: '批次问题' }, AGENT))
    unwrap(await step(a, { step: 'contact', channel: 'wechat', outcome: 'reached', note: '已改评' }, AGENT))
    unwrap(await step(a, { step: 'close', outcome: 'updated' }, AGENT))
    // a 差评 nobody reached out about for two days
    app.setNow('2026-11-23T03:00:00.000Z')
    const b = await file(o2, 'k-export-b')
    await resolved(b)
    unwrap(await app.buyer(BUYER, 'rate', { caseId: b, score: 2, comment: '' }))
    // no 差评, a 回访 recorded
    const c = await file(o3, 'k-export-c')
    await resolved(c)
    unwrap(await app.staff(SUP, 'record_visit', { caseId: c, outcome: 'unreachable' }))
    app.setNow('2026-11-25T03:00:00.000Z')

    const out = unwrap<CaseExport>(await app.staff(OWNER, 'export_cases', {}))
    const [header, ...rows] = parseCsv(out.csv)
    for (const name of ['差评时间', '首次跟进时间', '首次跟进人', '是否24小时内跟进', '评价是否更新', '回访结果']) expect(header).toContain(name)
    const byNo = async (id: string) => {
      const no = (await staffCase(id)).caseNo
      const row = rows.find((r) => r[0] === no)!
      return (name: string) => row[header.indexOf(name)]
    }
    const ra = await byNo(a)
    expect([ra('差评时间'), ra('首次跟进时间'), ra('首次跟进人'), ra('是否24小时内跟进'), ra('评价是否更新')]).toEqual([
      '2026-11-23 13:00', '2026-11-23 15:30', '小美（品质组）', '是', '是',
    ])
    const rb = await byNo(b)
    expect([rb('差评时间'), rb('首次跟进时间'), rb('首次跟进人'), rb('是否24小时内跟进'), rb('评价是否更新')]).toEqual(['2026-11-23 11:00', '', '', '否', '跟进中'])
    const rc = await byNo(c)
    expect([rc('差评时间'), rc('是否24小时内跟进'), rc('评价是否更新'), rc('回访结果')]).toEqual(['', '', '', '联系不上'])
    expect(out.csv).not.toMatch(/staff-[a-z]+/)
  })
})
