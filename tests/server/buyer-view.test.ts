/** The buyer never sees staff identifiers (issue 14 point 7): not in the timeline, routing, inspection or anywhere else. */
import { PERSONAS } from '../../cloudfunctions/gateway/seed'
import { makeApp, unwrap, type App } from './app-harness'

const BUYER = 'buyer-zhao'
const staffIds = PERSONAS.staff.map((s) => s.id)

let app: App
beforeEach(async () => {
  app = await makeApp()
})
afterEach(() => app.close())

test('after staff answer, reassign, escalate, approve, receive and inspect, no field of the buyer\'s view names a staff member', async () => {
  const orders = unwrap<{ order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }[]>(await app.buyer(BUYER, 'list_orders', {}))
  const o = orders.find((x) => x.order.items.length === 1 && x.order.deliveredAt && !x.order.items[0].finalSale)!.order
  const { case: c } = unwrap<{ case: { id: string } }>(
    await app.buyer(BUYER, 'submit', { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'return_refund', reason: 'size_fit', desiredRemedy: 'return_refund' }, 'k-view-1'),
  )
  const version = async () => unwrap<{ version: number }>(await app.staff('staff-sup', 'get_case', { caseId: c.id })).version
  const staffSeen = unwrap<{ assigneeId: string | null; timeline: { actor: { id: string } }[] }>(await app.staff('staff-sup', 'get_case', { caseId: c.id }))
  expect(staffSeen.assigneeId).not.toBeNull() // routing did pick someone, and staff see who
  unwrap(await app.staff('staff-cai', 'respond', { caseId: c.id, text: '您好，我们来处理' }))
  unwrap(await app.staff('staff-sup', 'reassign', { caseId: c.id, assigneeId: 'staff-cai', text: '转交小蔡' }))
  unwrap(await app.staff('staff-cai', 'escalate', { caseId: c.id, text: '请主管看看' }))
  unwrap(await app.staff('staff-sup', 'approve', { caseId: c.id, expectedVersion: await version() }))
  unwrap(await app.buyer(BUYER, 'ship_return', { caseId: c.id, carrier: '顺丰', trackingNo: 'SF100' }))
  unwrap(await app.staff('staff-cai', 'receive_return', { caseId: c.id, expectedVersion: await version() }))
  unwrap(await app.staff('staff-cai', 'inspect', { caseId: c.id, result: 'pass', note: '完好', expectedVersion: await version() }))

  const views = [
    JSON.stringify(await app.buyer(BUYER, 'get_case', { caseId: c.id })),
    JSON.stringify(await app.buyer(BUYER, 'list_cases', {})),
  ]
  for (const body of views) for (const id of staffIds) expect(body).not.toContain(id)
  const view = unwrap<{ timeline: { actor: { kind: string; id: string } }[]; inspection: { by: string } }>(await app.buyer(BUYER, 'get_case', { caseId: c.id }))
  expect(new Set(view.timeline.map((t) => t.actor.id))).toEqual(new Set(view.timeline.map((t) => t.actor.kind)))
  expect(view.timeline.some((t) => t.actor.kind === 'staff')).toBe(true)
  expect(view.inspection.by).toBe('staff')
})

test('the buyer\'s timeline speaks to them in the second person; staff still read 买家', async () => {
  const orders = unwrap<{ order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }[]>(await app.buyer(BUYER, 'list_orders', {}))
  const o = orders.find((x) => x.order.items.length === 1 && x.order.deliveredAt && !x.order.items[0].finalSale)!.order
  const { case: c } = unwrap<{ case: { id: string } }>(
    await app.buyer(BUYER, 'submit', { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'return_refund', reason: 'quality_defect', description: '有裂纹', desiredRemedy: 'return_refund' }, 'k-voice-1'),
  )
  unwrap(await app.staff('staff-sup', 'ask_info', { caseId: c.id, text: '请拍一下裂纹' }))
  unwrap(await app.buyer(BUYER, 'provide_info', { caseId: c.id, text: '已拍照' }))
  unwrap(await app.buyer(BUYER, 'cancel', { caseId: c.id, text: '不想退了' }))
  const mine = unwrap<{ timeline: { type: string; text: string }[] }>(await app.buyer(BUYER, 'get_case', { caseId: c.id }))
  const texts = mine.timeline.map((t) => t.text)
  expect(texts).toContain('您补充了：已拍照')
  expect(texts).toContain('您撤销了申请：不想退了')
  expect(texts.filter((t) => t.includes('买家'))).toEqual([])
  const staff = unwrap<{ timeline: { type: string; text: string }[] }>(await app.staff('staff-sup', 'get_case', { caseId: c.id }))
  expect(staff.timeline.map((t) => t.text)).toContain('买家补充：已拍照')
})
