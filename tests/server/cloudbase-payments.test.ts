/**
 * Paying commands on the wiring CloudBase deploys (adapters/cloudbase/deps.ts): the CloudBase
 * store through the real SDK (local emulator) and the NoSilentRefunds payment port. The refund's
 * outcome is decided with the case's own write — one transaction that reads the order's guard
 * inside it — so an order with no refund channel never holds money, and a shop order's 退差价
 * leaves as an outbox row the dispatcher picks up.
 */
import crypto from 'node:crypto'
import type { Deps } from '../../cloudfunctions/app/deps'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { NoSilentRefunds } from '../../cloudfunctions/adapters/cloudbase/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { emulatorForFile } from './emulator-hooks'
import { unwrap } from './app-harness'

process.env.SILENCE = 'true'
jest.setTimeout(60_000)

const NOW = '2026-11-23T03:00:00.000Z'
const emulator = emulatorForFile()

async function deployed() {
  emulator.reset()
  const store = new CloudBaseStore({ env: 'pay-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: emulator.url, timeout: 20_000 })
  await store.init()
  await seedDemoShop(store, NOW)
  const t = (d: number) => new Date(Date.parse(NOW) + d * 86_400_000).toISOString()
  for (const [orderId, source] of [['CSV-1', undefined], ['SHOP-1', 'channels']] as const) {
    await store.upsertOrder({
      order: {
        orderId, buyerOpenid: 'buyer-zhao', paidFen: 20_000, ...(source ? { source } : {}),
        items: [{ skuId: 'A', name: '保温杯', qty: 1, unitPriceFen: 10_000, batch: 'B1' }, { skuId: 'B', name: '杯套', qty: 1, unitPriceFen: 10_000, batch: 'B1' }],
        paidAt: t(-5), shippedAt: t(-4), carrier: '顺丰速运', trackingNo: `SF${orderId}`, promisedDeliveryAt: t(-3), deliveredAt: t(-2),
      },
      createdAt: NOW,
    })
  }
  const deps: Deps = { store, payments: new NoSilentRefunds(store), media: new LocalMedia(store), now: () => NOW, newId: () => crypto.randomUUID(), log: () => {} }
  const buyer = aftersaleFunction(deps)
  const staff = adminFunction(deps)
  const file = async (orderId: string, type: string, key: string) =>
    unwrap<{ case: { id: string; version: number } }>(await buyer({ action: 'submit', idempotencyKey: key, data: { orderId, claimedItems: [{ skuId: 'A', qty: 1 }], type, reason: 'quality_defect', description: '杯身有裂纹', evidence: [], desiredRemedy: type === 'compensation' ? 'compensation' : 'refund' } }, { openid: 'buyer-zhao' })).case
  return { store, staff, file }
}

it('a refund on an order with no refund channel is refused in the approval’s own write: back to the agent, no money held', async () => {
  const { store, staff, file } = await deployed()
  const c = await file('CSV-1', 'refund_only', 'pay-test-csv-refund')
  const r = await staff({ action: 'approve', data: { caseId: c.id, expectedVersion: c.version, amountFen: 10_000 } }, { openid: 'staff-sup' })
  const view = unwrap<{ status: string; version: number; refunds: Array<{ status: string; failureReason: string | null }> }>(r)
  expect(view.refunds).toHaveLength(1)
  expect(view.refunds[0].status).toBe('failed')
  expect(view.refunds[0].failureReason).toContain('没有可用的退款通道')
  expect(['in_review', 'submitted']).toContain(view.status) // with the agent again, not 退款中
  // one write: approval and refusal are two versions written together
  const stored = await store.getCase(c.id)
  expect(stored?.version).toBe(view.version)
  expect(stored?.version).toBe(c.version + 2)
  expect(stored?.timeline.some((e) => e.text.includes('退款未成功'))).toBe(true)
  // the guard holds nothing for a refused refund; nothing is left for the dispatcher to pay
  expect((await store.getOrderGuard('CSV-1')).committedFen).toBe(0)
  await store.sweepCaseOutbox(100)
  expect((await store.listOutbox({ caseId: c.id }, 50)).map((o) => o.kind)).not.toContain('refund_requested')
})

it('a compensation on a shop order is held by the guard and leaves as one 退差价 outbox row', async () => {
  const { store, staff, file } = await deployed()
  const c = await file('SHOP-1', 'compensation', 'pay-test-shop-comp')
  const view = unwrap<{ status: string; refunds: Array<{ status: string; amountFen: number }> }>(await staff({ action: 'approve', data: { caseId: c.id, expectedVersion: c.version, amountFen: 5_000 } }, { openid: 'staff-sup' }))
  expect(view.refunds.map((x) => [x.status, x.amountFen])).toEqual([['pending', 5_000]])
  expect((await store.getOrderGuard('SHOP-1')).committedFen).toBe(5_000)
  // listed at once (still in the case document), claimable after the dispatcher's sweep
  expect((await store.listOutbox({ caseId: c.id }, 50)).filter((o) => o.kind === 'shop_call')).toHaveLength(1)
  expect(await store.sweepCaseOutbox(100)).toBeGreaterThan(0)
  const claimed = await store.claimOutbox('2026-11-23T03:01:00.000Z', 100, '2026-11-23T03:05:00.000Z', 'pass-1')
  const call = claimed.filter((o) => o.caseId === c.id && o.kind === 'shop_call')
  expect(call).toHaveLength(1)
  expect(call[0].payload).toMatchObject({ call: 'refund_price_diff', amountFen: 5_000, skuId: 'A' })
})
