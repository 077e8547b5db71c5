/**
 * Issue 24, points 3 and 4: one action over many cases (each through decide on its own, per-case
 * results with the refusals in Chinese, one idempotency key per request, at most 200 cases), and
 * post-delivery care (签收回访: once per order, a reply that is not 满意 opens a case; 差好评).
 */
import { makeApp, unwrap, type App } from './app-harness'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'
import type { BulkResult, CareReplyResult } from '@contract/care'
import type { CaseSummary } from '@contract/actions'

/** The refusal of a function answer (undefined when it succeeded). */
const errorOf = (r: { ok: boolean }) => (r as { error?: { code: string; message: string } }).error

const NOW = '2026-11-23T03:00:00.000Z'
const DAY = 86_400_000
const ago = (d: number) => new Date(Date.parse(NOW) - d * DAY).toISOString()

let app: App
beforeEach(async () => {
  app = await makeApp({ now: NOW })
})
afterEach(() => app.close())

/** `n` size cases (not a watched reason), one per order of one buyer; answers [caseId, version][] */
async function fileCases(n: number, buyer = 'bulk-buyer'): Promise<Array<{ caseId: string; expectedVersion: number }>> {
  const out = []
  for (let i = 0; i < n; i++) {
    const orderId = `BULK${String(i).padStart(4, '0')}`
    await app.store.upsertOrder({ createdAt: ago(5), order: { orderId, buyerOpenid: buyer, items: [{ skuId: 'SKU-DRS-09', name: '棉麻衬衫 L码', qty: 1, unitPriceFen: 15900 }], paidFen: 15900, paidAt: ago(5), shippedAt: ago(4), deliveredAt: ago(2) } })
    const r = unwrap<{ case: { id: string } }>(await app.buyer(buyer, 'submit', { orderId, claimedItems: [{ skuId: 'SKU-DRS-09', qty: 1 }], type: 'exchange', reason: 'size_fit', description: '偏小', desiredRemedy: 'exchange' }, `bulk-key-${i}`))
    out.push({ caseId: r.case.id, expectedVersion: 1 })
  }
  return out
}

test('a bulk reply over 200 cases is refused whole; 200 with some refusals lists each case; a retry applies nothing twice', async () => {
  const items = await fileCases(201)
  const tooMany = await app.staff('staff-amy', 'bulk_command', { items, command: { type: 'respond', text: '您好，已收到' } }, 'bulk-0001-aaaa')
  expect(tooMany.ok).toBe(false)
  expect(errorOf(tooMany)).toMatchObject({ code: 'VALIDATION' })
  expect((errorOf(tooMany) as { message: string }).message).toContain('一次最多批量处理200个售后单')
  expect((await app.store.getCase(items[0].caseId))!.version).toBe(1) // nothing written

  // of 200: 2 the buyer cancelled meanwhile, 3 changed since the agent's page (stale version), 1 unknown id
  const batch = items.slice(0, 200)
  for (const it of batch.slice(0, 2)) unwrap(await app.buyer('bulk-buyer', 'cancel', { caseId: it.caseId }))
  for (const it of batch.slice(2, 5)) unwrap(await app.staff('staff-sup', 'note', { caseId: it.caseId, text: '主管看过' }))
  batch[199] = { caseId: 'no-such-case', expectedVersion: 1 }
  const sent = batch.map((it, i) => (i < 2 ? { ...it, expectedVersion: 2 } : it)) // the cancelled ones at their new version
  const res = unwrap<BulkResult>(await app.staff('staff-amy', 'bulk_command', { items: sent, command: { type: 'respond', text: '您好，已收到，正在为您安排换货' } }, 'bulk-0002-bbbb'))
  expect(res).toMatchObject({ total: 200, applied: 194, refused: 6 })
  const by = (id: string) => res.results.find((r) => r.caseId === id)!
  expect(by(batch[0].caseId)).toMatchObject({ outcome: 'refused', code: 'NOT_ALLOWED_IN_STATUS' })
  expect(by(batch[0].caseId).message).toMatch(/[\u4e00-\u9fa5]/)
  expect(by(batch[2].caseId)).toMatchObject({ outcome: 'refused', code: 'CONFLICT' })
  expect(by(batch[2].caseId).message).toContain('刷新')
  expect(by('no-such-case')).toMatchObject({ outcome: 'refused', code: 'NOT_FOUND', message: '没有找到这个售后单' })
  expect(by(batch[10].caseId)).toMatchObject({ outcome: 'applied', status: 'in_review' })
  expect(res.results.map((r) => r.caseId)).toEqual(sent.map((s) => s.caseId)) // in the order sent

  // the same request again (a retry after a lost answer): nothing applied twice
  const again = unwrap<BulkResult>(await app.staff('staff-amy', 'bulk_command', { items: sent, command: { type: 'respond', text: '您好，已收到，正在为您安排换货' } }, 'bulk-0002-bbbb'))
  expect(again.results.filter((r) => r.outcome === 'replayed')).toHaveLength(194)
  const c = (await app.store.getCase(batch[10].caseId))!
  expect(c.timeline.filter((t) => t.type === 'respond')).toHaveLength(1)
  expect(c.version).toBe(2)
  // the queue hands out the versions a bulk request sends back
  const q = unwrap<{ items: CaseSummary[] }>(await app.staff('staff-sup', 'queue', { tab: 'all', limit: 5 }))
  expect(q.items[0].version).toEqual(expect.any(Number))
}, 60_000)

test('a bulk offer above the threshold goes to approval case by case; a supervisor approves them in one action', async () => {
  const items = await fileCases(4)
  const offer = { kind: 'coupon', couponFen: 30_000, explanation: '送您¥300优惠券' }
  const made = unwrap<BulkResult>(await app.staff('staff-amy', 'bulk_command', { items, command: { type: 'make_offer', offers: [offer] } }, 'bulk-0003-cccc'))
  expect(made.results.map((r) => r.outcome)).toEqual(['approval', 'approval', 'approval', 'approval'])
  // an agent cannot approve; the supervisor approves all four, each at its new version
  const versions = await Promise.all(items.map(async (it) => ({ caseId: it.caseId, expectedVersion: (await app.store.getCase(it.caseId))!.version })))
  const refused = unwrap<BulkResult>(await app.staff('staff-amy', 'bulk_command', { items: versions, command: { type: 'decide_approval', decision: 'approved' } }, 'bulk-0004-dddd'))
  expect(refused.refused).toBe(4)
  expect(refused.results[0].code).toBe('FORBIDDEN')
  const approved = unwrap<BulkResult>(await app.staff('staff-sup', 'bulk_command', { items: versions, command: { type: 'decide_approval', decision: 'approved' } }, 'bulk-0005-eeee'))
  expect(approved.results.map((r) => [r.outcome, r.status])).toEqual(new Array(4).fill(['applied', 'offer_pending']))
  // without an idempotency key a bulk request is refused
  expect(errorOf(await app.staff('staff-sup', 'bulk_command', { items: versions, command: { type: 'note', text: 'x' } }))).toMatchObject({ code: 'VALIDATION' })
})

test('签收回访: on in the policy, each signed order gets one message; not 满意 opens a case, 满意 does not; a second reply keeps the first', async () => {
  const live = unwrap<{ version: number; policy: Record<string, unknown> & { care: { delivery: object } } }>(await app.staff('staff-owner', 'get_policy', {}))
  unwrap(await app.staff('staff-owner', 'update_policy', { expectedVersion: live.version, policy: { ...live.policy, care: { ...live.policy.care, delivery: { ...live.policy.care.delivery, enabled: true, afterDays: 3 } } } }))
  for (const [id, signed] of [['CARE0001', 4], ['CARE0002', 5], ['CARE0003', 1]] as const) {
    await app.store.upsertOrder({ createdAt: ago(8), order: { orderId: id, buyerOpenid: 'care-buyer', items: [{ skuId: 'SKU-CRM-05', name: '修护面霜 50ml', qty: 1, unitPriceFen: 25900 }], paidFen: 25900, paidAt: ago(8), shippedAt: ago(7), deliveredAt: ago(signed) } })
  }
  await runScheduler(app.deps)
  await runScheduler(app.deps)
  const rows = (await app.store.listOutbox({}, 5000)).filter((o) => o.key.startsWith('delivery-care:CARE'))
  expect(rows.map((r) => r.key).sort()).toEqual(['delivery-care:CARE0001', 'delivery-care:CARE0002']) // CARE0003 signed a day ago: not yet
  expect(rows[0].payload).toMatchObject({ kind: 'buyer_message', openid: 'care-buyer', page: expect.stringContaining('pages/care/index?orderId=CARE') })

  const happy = unwrap<CareReplyResult>(await app.buyer('care-buyer', 'care_reply', { orderId: 'CARE0001', satisfied: true }))
  expect(happy).toMatchObject({ satisfied: true, caseId: null, recorded: true })
  const unhappy = unwrap<CareReplyResult>(await app.buyer('care-buyer', 'care_reply', { orderId: 'CARE0002', satisfied: false, text: '用了两天脸有点干' }))
  expect(unhappy).toMatchObject({ satisfied: false, recorded: true, caseId: expect.any(String) })
  const c = (await app.store.getCase(unhappy.caseId!))!
  expect(c.description).toContain('用了两天脸有点干')
  // a second answer keeps the first; a stranger's and an order without a visit are refused
  expect(unwrap<CareReplyResult>(await app.buyer('care-buyer', 'care_reply', { orderId: 'CARE0002', satisfied: true }))).toMatchObject({ satisfied: false, recorded: false, caseId: c.id })
  expect(errorOf(await app.buyer('someone-else', 'care_reply', { orderId: 'CARE0002', satisfied: false }))).toMatchObject({ code: 'NOT_FOUND' })
  expect(errorOf(await app.buyer('care-buyer', 'care_reply', { orderId: 'CARE0003', satisfied: false }))).toMatchObject({ code: 'NOT_ALLOWED_IN_STATUS' })
})

test('签收回访 is off by default: no message', async () => {
  await app.store.upsertOrder({ createdAt: ago(8), order: { orderId: 'CARE0009', buyerOpenid: 'care-buyer', items: [{ skuId: 'SKU-CRM-05', name: '修护面霜 50ml', qty: 1, unitPriceFen: 25900 }], paidFen: 25900, paidAt: ago(8), shippedAt: ago(7), deliveredAt: ago(4) } })
  await runScheduler(app.deps)
  expect((await app.store.listOutbox({}, 5000)).filter((o) => o.key.startsWith('delivery-care:'))).toHaveLength(0)
})
