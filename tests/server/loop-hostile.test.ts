/**
 * Hostile inputs on the follow-up loop and the policy (issue 20 point 7): a linked case must be the
 * one opened for this case (same buyer, same order, this parent), open_linked_case needs an open
 * 回访 / 差评 task, holiday dates must exist, and a platform reject reason is a bounded number. Each
 * is refused with a clear code and Chinese message, and nothing is written.
 */
import type { Case, PlatformBlock } from '@contract/domain'
import { makeApp, unwrap, type App } from './app-harness'
import { makeCase } from './fixtures'

const BUYER = 'buyer-zhao'
const OTHER = 'buyer-lin'
const SUP = 'staff-sup'
const OWNER = 'staff-owner'

let app: App
beforeEach(async () => {
  app = await makeApp()
})
afterEach(() => app.close())

type Order = { order: { orderId: string; items: { skuId: string; qty: number; finalSale?: boolean }[]; deliveredAt?: string } }
const delivered = async (buyer: string) =>
  unwrap<Order[]>(await app.buyer(buyer, 'list_orders', {}))
    .filter((x) => x.order.deliveredAt && !x.order.items.some((i) => i.finalSale))
    .map((x) => x.order)

async function file(buyer: string, order: Order['order'], key: string): Promise<string> {
  const body = { orderId: order.orderId, claimedItems: [{ skuId: order.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }
  return unwrap<{ case: { id: string } }>(await app.buyer(buyer, 'submit', body, key)).case.id
}
const staffCase = async (id: string) => unwrap<Case>(await app.staff(SUP, 'get_case', { caseId: id }))
/** Approved and refunded by the supervisor: resolved, with a 回访 due. */
async function resolved(id: string): Promise<Case> {
  unwrap(await app.staff(SUP, 'approve', { caseId: id, expectedVersion: (await staffCase(id)).version }))
  const c = await staffCase(id)
  expect(c.status).toBe('resolved')
  expect(c.followUp).toBeTruthy()
  return c
}
const refusal = (r: { ok: boolean; error?: { code: string; message: string } }) => (r.ok ? 'ok' : `${r.error!.code} ${r.error!.message}`)

describe('linked cases: only the one opened for this case', () => {
  test('open_linked_case needs an open 回访 or 差评 task on the case; nothing is opened otherwise', async () => {
    const [o1] = await delivered(BUYER)
    const id = await file(BUYER, o1, 'k-open-1')
    const count = async () => unwrap<{ items: unknown[] }>(await app.buyer(BUYER, 'list_cases', {})).items.length
    const before = await count()
    // a case still being worked: no visit, no review
    for (const purpose of ['visit', 'review'] as const) {
      expect(refusal(await app.staff(SUP, 'open_linked_case', { caseId: id, purpose }))).toMatch(/^NOT_ALLOWED_IN_STATUS .*不能为(回访|差评)新建关联售后单/)
    }
    await resolved(id)
    // resolved: a visit is due, but no 差评 was given
    expect(refusal(await app.staff(SUP, 'open_linked_case', { caseId: id, purpose: 'review' }))).toMatch(/^NOT_ALLOWED_IN_STATUS /)
    expect(await count()).toBe(before)
    const opened = unwrap<{ caseId: string; created: boolean }>(await app.staff(SUP, 'open_linked_case', { caseId: id, purpose: 'visit', note: '买家仍不满意' }))
    expect(opened.created).toBe(true)
    unwrap(await app.staff(SUP, 'record_visit', { caseId: id, outcome: 'not_satisfied', linkedCaseId: opened.caseId }))
    // the visit is recorded: no second linked case for it, but a replay of the first answers it again
    const again = unwrap<{ caseId: string; created: boolean }>(await app.staff(SUP, 'open_linked_case', { caseId: id, purpose: 'visit', note: '买家仍不满意' }))
    expect(again).toMatchObject({ caseId: opened.caseId, created: false })
    expect(await count()).toBe(before + 1)
  })

  test('record_visit refuses a linked case id of another buyer, another order, the case itself, another parent or none at all', async () => {
    const [o1, o2] = await delivered(BUYER)
    const [theirs] = await delivered(OTHER)
    const parent = await file(BUYER, o1, 'k-parent-1')
    const otherOrder = await file(BUYER, o2, 'k-other-order')
    const otherBuyer = await file(OTHER, theirs, 'k-other-buyer')
    await resolved(parent)
    const before = await staffCase(parent)
    for (const linkedCaseId of [otherBuyer, otherOrder, parent, 'no-such-case']) {
      const r = await app.staff(SUP, 'record_visit', { caseId: parent, outcome: 'not_satisfied', linkedCaseId })
      expect([linkedCaseId, refusal(r)]).toEqual([linkedCaseId, expect.stringMatching(/^VALIDATION 关联售后单无效/)])
    }
    // a case of the same buyer and order opened for another parent does not count either
    const p = await staffCase(parent)
    const forOther = makeCase({ buyerOpenid: BUYER, order: p.order, claimedItems: p.claimedItems, linkedFromCaseId: 'another-parent', status: 'closed' })
    await app.store.createCase(forOther, [])
    expect(refusal(await app.staff(SUP, 'record_visit', { caseId: parent, outcome: 'not_satisfied', linkedCaseId: forOther.id }))).toMatch(/^VALIDATION 关联售后单无效/)
    // nothing was written on the parent
    expect((await staffCase(parent)).version).toBe(before.version)
    // the case opened for it is accepted
    const mine = unwrap<{ caseId: string }>(await app.staff(SUP, 'open_linked_case', { caseId: parent, purpose: 'visit' })).caseId
    const done = unwrap<Case>(await app.staff(SUP, 'record_visit', { caseId: parent, outcome: 'not_satisfied', linkedCaseId: mine }))
    expect(done.followUp?.linkedCaseId).toBe(mine)
  })

  test('a 差评 remedy names only the case opened for that review', async () => {
    const [o1, o2] = await delivered(BUYER)
    const id = await file(BUYER, o1, 'k-review-1')
    const stranger = await file(BUYER, o2, 'k-review-2')
    await resolved(id)
    unwrap(await app.buyer(BUYER, 'rate', { caseId: id, score: 1, comment: '太差了' }))
    expect((await staffCase(id)).reviewFollowUp).toBeTruthy()
    for (const caseId of [stranger, 'no-such-case', id]) {
      const r = await app.staff(SUP, 'review_step', { caseId: id, step: { step: 'remedy', mode: 'new_case', caseId } })
      expect(refusal(r)).toMatch(/^VALIDATION 关联售后单无效/)
    }
    expect((await staffCase(id)).reviewFollowUp?.remedy).toBeNull()
    const linked = unwrap<{ caseId: string }>(await app.staff(SUP, 'open_linked_case', { caseId: id, purpose: 'review' })).caseId
    unwrap(await app.staff(SUP, 'review_step', { caseId: id, step: { step: 'remedy', mode: 'new_case', caseId: linked } }))
    expect((await staffCase(id)).reviewFollowUp?.remedy?.caseId).toBe(linked)
    // the remedy is recorded: no further linked case for this review
    expect(refusal(await app.staff(SUP, 'open_linked_case', { caseId: stranger, purpose: 'review' }))).toMatch(/^NOT_ALLOWED_IN_STATUS /)
  })
})

describe('policy calendar dates and reason numbers', () => {
  test('impossible holiday and make-up dates are refused in Chinese; real ones are saved', async () => {
    const cur = unwrap<{ version: number; policy: { calendar: { holidays: string[]; makeupWorkdays: string[] } } }>(await app.staff(OWNER, 'get_policy', {}))
    const withCal = (holidays: string[], makeupWorkdays: string[] = []) => ({ ...cur.policy, calendar: { ...cur.policy.calendar, holidays, makeupWorkdays } })
    for (const [h, m] of [[['2026-13-45'], []], [['2026-02-30'], []], [['2026-04-31'], []], [['2026-00-10'], []], [['0026-01-01'], []], [[], ['2027-02-29']]] as const) {
      for (const action of ['update_policy', 'preview_policy'] as const) {
        const r = await app.staff(OWNER, action, { expectedVersion: cur.version, policy: withCal([...h], [...m]) })
        expect([h, m, action, refusal(r)]).toEqual([h, m, action, expect.stringMatching(/^VALIDATION .*日期 .* 不存在/)])
      }
    }
    expect(unwrap<{ version: number }>(await app.staff(OWNER, 'get_policy', {})).version).toBe(cur.version)
    unwrap(await app.staff(OWNER, 'update_policy', { expectedVersion: cur.version, policy: withCal(['2028-02-29', '2026-12-31'], ['2026-02-28']) }))
    expect(unwrap<{ policy: { calendar: { holidays: string[] } } }>(await app.staff(OWNER, 'get_policy', {})).policy.calendar.holidays).toEqual(['2028-02-29', '2026-12-31'])
  })

  test('a platform reject reason outside the platform\'s numbers is refused before anything is sent', async () => {
    const c = makeCase({ buyerOpenid: BUYER, assigneeId: SUP })
    const platform: PlatformBlock = {
      afterSaleOrderId: 'AS-REJ-1', orderId: c.order.orderId, type: 'REFUND', status: 'MERCHANT_PROCESSING', reasonCode: '10000021', reasonText: '质量问题',
      refundFen: 19_900, productId: 'P1', skuId: 'sku-1', count: 1, description: '', mediaIds: [], telNumber: null, returnWaybill: null, deadline: null,
      refundResp: null, complaintId: null, shopOpenid: 'shop-o-1', unionid: null, createTime: c.createdAt, updateTime: c.createdAt, syncedAt: c.createdAt, lastCall: null,
    }
    await app.store.createCase({ ...c, source: 'channels', platform }, [])
    for (const rejectReasonType of [1e12, Number.MAX_SAFE_INTEGER + 2, -1, 0, 1.5, 100_000_000]) {
      const r = await app.staff(SUP, 'platform_reject', { caseId: c.id, rejectReasonType, text: '已与买家协商' })
      expect([rejectReasonType, refusal(r)]).toEqual([rejectReasonType, expect.stringMatching(/^VALIDATION .*拒绝原因编号无效/)])
    }
    expect(await app.store.listOutbox({ caseId: c.id }, 10)).toEqual([])
    const ok = unwrap<Case>(await app.staff(SUP, 'platform_reject', { caseId: c.id, rejectReasonType: 3, text: '已与买家协商' }))
    expect(ok.platform?.lastCall).toMatchObject({ call: 'reject', outcome: 'pending' })
  })
})
