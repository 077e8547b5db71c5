/**
 * Issue 24, point 2: cases of one SKU and batch reaching the policy's count within the window open
 * one alert for the owners and the batch's team; from it the owner sets the batch's remedy and
 * reaches the batch's buyers who did not complain, once each, within a budget.
 */
import { makeApp, unwrap, type App } from './app-harness'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { RecordingSender } from '../../cloudfunctions/adapters/local/sender'
import { BATCH, SKU, buyerOf, orderOf, qualityForm, seedBatchOrders } from './batch-fixtures'
import type { BatchAlert, BatchAlertView } from '@contract/care'

/** The refusal of a function answer (undefined when it succeeded). */
const errorOf = (r: { ok: boolean }) => (r as { error?: { code: string; message: string } }).error

const NOW = '2026-11-23T03:00:00.000Z'
const later = (h: number) => new Date(Date.parse(NOW) + h * 3_600_000).toISOString()

let app: App
beforeEach(async () => {
  app = await makeApp({ now: NOW })
  // 12 buyers of the batch; #10 and #11 have not received it yet
  await seedBatchOrders(app.store, NOW, 12, { unsigned: [10, 11] })
})
afterEach(() => app.close())

const file = (i: number, key = `key-0000-${i}`) => app.buyer(buyerOf(i), 'submit', qualityForm(i), key)
const alerts = async () => unwrap<{ items: BatchAlert[] }>(await app.staff('staff-owner', 'batch_alerts', {})).items

test('the fifth quality case of a batch within 48 h opens one alert for the owner and the quality team, with the cases side by side', async () => {
  for (let i = 0; i < 4; i++) unwrap(await file(i))
  expect(await alerts()).toHaveLength(0)
  unwrap(await file(4))
  const list = await alerts()
  expect(list).toHaveLength(1)
  expect(list[0]).toMatchObject({ skuId: SKU, batch: BATCH, threshold: 5, action: null })
  expect(list[0].caseIds).toHaveLength(5)
  // a sixth case in the same window: no second alert
  unwrap(await file(5))
  expect(await alerts()).toHaveLength(1)

  // the staff alert goes through the inbox path: the owner and the quality team's agent, each once
  await dispatchOutbox(app.deps, new RecordingSender(), { limit: 500 })
  const inbox = async (id: string) => unwrap<{ items: Array<{ kind: string; batchAlertId?: string; text: string }> }>(await app.staff(id, 'inbox', {})).items.filter((x) => x.kind === 'batch_problem')
  const owner = await inbox('staff-owner')
  const amy = await inbox('staff-amy')
  expect(owner).toHaveLength(1)
  expect(amy).toHaveLength(1)
  expect(owner[0].batchAlertId).toBe(list[0].id)
  expect(owner[0].text).toContain('桂花乌龙')
  expect(await inbox('staff-bo')).toHaveLength(0) // logistics

  const view = unwrap<BatchAlertView>(await app.staff('staff-sup', 'get_batch_alert', { alertId: list[0].id }))
  expect(view.cases).toHaveLength(5)
  expect(view.cases[0]).toMatchObject({ reason: 'quality_defect', reasonLabel: '质量问题', description: '茶叶结块，颜色发黑' })

  // after the window, five more cases open a new alert
  app.setNow(later(49))
  for (let i = 6; i < 10; i++) unwrap(await file(i))
  expect(await alerts()).toHaveLength(1) // 4 in the new window
  // a fifth in the new window: a buyer of the batch on another order
  await app.store.upsertOrder({ createdAt: later(40), order: { orderId: 'BATCH-X', buyerOpenid: 'batch-buyer-x', items: [{ skuId: SKU, name: '桂花乌龙 100g', qty: 1, unitPriceFen: 5900, batch: BATCH }], paidFen: 5900, paidAt: later(40), deliveredAt: later(45) } })
  unwrap(await app.buyer('batch-buyer-x', 'submit', { ...qualityForm(0), orderId: 'BATCH-X' }, 'key-0000-x'))
  expect(await alerts()).toHaveLength(2)
})

test('cases of other reasons or other batches do not count', async () => {
  for (let i = 0; i < 5; i++) unwrap(await app.buyer(buyerOf(i), 'submit', { ...qualityForm(i), reason: 'damaged_in_transit', type: 'resend', desiredRemedy: 'resend' }, `key-0000-${i}`))
  expect(await alerts()).toHaveLength(0)
})

test('the owner sets the batch remedy and reaches the buyers who did not complain, once each, within the budget', async () => {
  for (let i = 0; i < 5; i++) unwrap(await file(i))
  const [alert] = await alerts()
  // an agent may not act; a supervisor neither (the owner's decision)
  const act = { alertId: alert.id, expectedVersion: alert.version, remedy: { kind: 'refund', note: '发霉批次全额退' }, outreach: { kind: 'coupon', amountFen: 1000, budgetFen: 4000, message: '您购买的这批桂花乌龙可能受潮，送您一张¥10优惠券' } }
  expect(errorOf(await app.staff('staff-amy', 'act_batch_alert', act))).toMatchObject({ code: 'FORBIDDEN' })
  const view = unwrap<BatchAlertView>(await app.staff('staff-owner', 'act_batch_alert', act))
  // 12 buyers: 5 complained, 2 did not receive it → 5 may be reached, the budget covers 4
  expect(view.progress).toMatchObject({ status: 'done', reached: 4, spentFen: 4000 })
  expect(view.progress!.note).toContain('预算已用完')
  expect(view.currentRemedy).toMatchObject({ kind: 'refund' })
  // the analytics page shows the alert and what was done
  const an = unwrap<{ batchAlerts?: BatchAlert[] }>(await app.staff('staff-owner', 'analytics', {}))
  expect(an.batchAlerts).toMatchObject([{ id: alert.id, action: { by: 'staff-owner', remedy: { kind: 'refund' }, outreach: { kind: 'coupon' } }, progress: { reached: 4 } }])
  // a second tap on the same alert is refused
  expect(errorOf(await app.staff('staff-owner', 'act_batch_alert', { ...act, expectedVersion: view.version }))).toMatchObject({ code: 'NOT_ALLOWED_IN_STATUS' })

  const reached = []
  for (let i = 0; i < 12; i++) {
    const c = await app.store.findByIdempotencyKey('batch-care', `${SKU}@${BATCH}:${buyerOf(i)}`)
    if (c) reached.push({ i, c })
  }
  expect(reached.map((r) => r.i)).toEqual([5, 6, 7, 8])
  for (const { c } of reached) {
    expect(c.status).toBe('offer_pending')
    expect(c.offers.filter((o) => o.status === 'offered')).toMatchObject([{ kind: 'coupon', couponFen: 1000 }])
    // the buyer sees it as an offer from the shop
    const mine = unwrap<{ offers: Array<{ kind: string }> }>(await app.buyer(c.buyerOpenid, 'get_case', { caseId: c.id }))
    expect(mine.offers).toMatchObject([{ kind: 'coupon' }])
  }
  // the buyers who had not received the batch: when one complains later, the engine offers the batch remedy
  app.setNow(later(1))
  await app.store.upsertOrder({ createdAt: NOW, order: { ...(await app.store.getOrder(orderOf(10)))!.order, deliveredAt: later(0.5) } })
  const filed = unwrap<{ case: { id: string } }>(await file(10))
  const c = (await app.store.getCase(filed.case.id))!
  expect(c.offers.map((o) => o.rule)).toEqual(['batch_remedy'])
  expect(c.offers[0]).toMatchObject({ kind: 'refund', refundFen: 5900 })
})
