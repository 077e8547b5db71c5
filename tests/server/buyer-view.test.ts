/**
 * The buyer's view is an allow-list (issue 14 point 7, issue 20 point 1): no staff identifier, note,
 * approval, 差评 / 回访 record, routing, risk or platform call detail reaches it. The desk serves one
 * shop (no shop id anywhere in the store or the functions), so there is no other shop's data for a
 * staff member to see.
 */
import type { Case, PlatformBlock } from '@contract/domain'
import { BuyerCaseSummarySchema, BuyerCaseViewSchema, BUYER_TIMELINE_TYPES } from '@contract/buyer-view'
import { PERSONAS } from '../../cloudfunctions/gateway/seed'
import { buyerView } from '../../cloudfunctions/app/views'
import { makeApp, unwrap, type App } from './app-harness'

const BUYER = 'buyer-zhao'
const staffIds = PERSONAS.staff.map((s) => s.id)

let app: App
beforeEach(async () => {
  app = await makeApp()
})
afterEach(() => app.close())

type Order = { order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }

async function fileCase(key: string, type = 'return_refund', reason = 'size_fit'): Promise<string> {
  const orders = unwrap<Order[]>(await app.buyer(BUYER, 'list_orders', {}))
  const o = orders.find((x) => x.order.items.length === 1 && x.order.deliveredAt && !x.order.items[0].finalSale)!.order
  const { case: c } = unwrap<{ case: { id: string } }>(
    await app.buyer(BUYER, 'submit', { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type, reason, desiredRemedy: type === 'refund_only' ? 'refund' : 'return_refund' }, key),
  )
  return c.id
}

const staffCase = async (id: string) => unwrap<Case>(await app.staff('staff-sup', 'get_case', { caseId: id }))

test('after staff answer, reassign, escalate, approve, receive and inspect, no field of the buyer\'s view names a staff member', async () => {
  const id = await fileCase('k-view-1')
  const version = async () => (await staffCase(id)).version
  expect((await staffCase(id)).assigneeId).not.toBeNull() // routing did pick someone, and staff see who
  unwrap(await app.staff('staff-cai', 'respond', { caseId: id, text: '您好，我们来处理' }))
  unwrap(await app.staff('staff-sup', 'reassign', { caseId: id, assigneeId: 'staff-cai', text: '转交小蔡' }))
  unwrap(await app.staff('staff-cai', 'escalate', { caseId: id, text: '请主管看看' }))
  unwrap(await app.staff('staff-sup', 'approve', { caseId: id, expectedVersion: await version() }))
  unwrap(await app.buyer(BUYER, 'ship_return', { caseId: id, carrier: '顺丰', trackingNo: 'SF100' }))
  unwrap(await app.staff('staff-cai', 'receive_return', { caseId: id, expectedVersion: await version() }))
  unwrap(await app.staff('staff-cai', 'inspect', { caseId: id, result: 'pass', note: '完好', expectedVersion: await version() }))

  const views = [JSON.stringify(await app.buyer(BUYER, 'get_case', { caseId: id })), JSON.stringify(await app.buyer(BUYER, 'list_cases', {}))]
  for (const body of views) for (const s of staffIds) expect(body).not.toContain(s)
  const view = unwrap<{ timeline: { actor: Record<string, string> }[]; inspection: Record<string, unknown> }>(await app.buyer(BUYER, 'get_case', { caseId: id }))
  expect(view.timeline.every((t) => Object.keys(t.actor).join() === 'kind')).toBe(true)
  expect(view.timeline.some((t) => t.actor.kind === 'staff')).toBe(true)
  expect(Object.keys(view.inspection).sort()).toEqual(['at', 'note', 'result'])
})

/** Every string of the case that a buyer could not have written or been told, planted with a marker. */
const KEEP = new Set(['status', 'type', 'kind', 'reason', 'desiredRemedy', 'severity', 'team', 'clock', 'purpose', 'shippingPaidBy', 'result', 'role', 'outcome', 'call', 'source', 'category', 'channel', 'breachedTarget', 'fromStatus', 'toStatus', 'decision'])
const ISO = /^\d{4}-\d{2}-\d{2}T/

function plant(c: Case): { marked: Case; paths: Map<string, string> } {
  const paths = new Map<string, string>()
  let n = 0
  const walk = (v: unknown, path: string, key: string): unknown => {
    if (typeof v === 'string') {
      if (KEEP.has(key) || ISO.test(v) || path === 'id' || path === 'buyerOpenid' || path === 'order.orderId') return v
      const m = `«M${n++}»`
      paths.set(m, path)
      return m
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}[${i}]`, key))
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k, k)]))
    return v
  }
  return { marked: walk(c, '', '') as Case, paths }
}

/** Case paths whose strings a buyer may see (timeline entries: only their own kind of entry). */
function buyerMayRead(path: string, c: Case): boolean {
  const t = /^timeline\[(\d+)\]\.(.+)$/.exec(path)
  if (t) {
    const e = c.timeline[Number(t[1])]
    const visible = !e.internal && (BUYER_TIMELINE_TYPES as readonly string[]).includes(e.type)
    return visible && (t[2] === 'id' || t[2] === 'text' || /^data\.(offerIds|offerId|carrier|trackingNo|legId|evidence)\b/.test(t[2]))
  }
  const generic = path.replace(/\[\d+\]/g, '[]')
  return [
    'caseNo', 'description', 'acceptedOfferId',
    /^order\.(items\[\]\.(skuId|name)|carrier|trackingNo)$/,
    /^claimedItems\[\]\.skuId$/, /^evidence\[\]\.(fileId|mime)$/,
    /^offers\[\]\.(id|explanation|group|items\[\]\.skuId)$/,
    /^returnShipment\.(carrier|trackingNo|items\[\]\.skuId)$/,
    'inspection.note', /^refunds\[\]\.key$/, /^replacementShipments\[\]\.(id|carrier|trackingNo|items\[\]\.skuId)$/, 'rating.comment',
    // the reason the buyer picked on the shop, in the platform's words (BuyerCaseView.reasonText)
    'platform.reasonText',
  ].some((p) => (typeof p === 'string' ? p === generic : p.test(generic)))
}

test('a fully worked case (approval, refund, 回访, 差评 follow-up, notes, platform block): every staff field planted with a marker, none reaches the buyer', async () => {
  const id = await fileCase('k-view-2', 'refund_only', 'quality_defect')
  const agent = (await staffCase(id)).assigneeId!
  unwrap(await app.staff(agent, 'note', { caseId: id, text: '内部备注：买家疑似职业索赔' }))
  unwrap(await app.staff(agent, 'respond', { caseId: id, text: '您好，已收到' }))
  unwrap(await app.staff(agent, 'submit_for_approval', { caseId: id, request: { type: 'approve' }, note: '审批说明：质量问题' }))
  const approvalId = (await staffCase(id)).approvals![0].id
  unwrap(await app.staff('staff-sup', 'decide_approval', { caseId: id, approvalId, decision: 'approved', note: '审批意见：下不为例' }))
  expect((await staffCase(id)).status).toBe('resolved')
  unwrap(await app.staff(agent, 'record_visit', { caseId: id, outcome: 'satisfied', note: '回访备注：电话已接通' }))
  unwrap(await app.buyer(BUYER, 'rate', { caseId: id, score: 1, comment: '太慢了' }))
  unwrap(await app.staff(agent, 'review_step', { caseId: id, step: { step: 'analyse', cause: 'service', text: '分析：买家情绪化' } }))
  unwrap(await app.staff(agent, 'review_step', { caseId: id, step: { step: 'contact', channel: 'phone', outcome: 'reached', note: '联系备注：已道歉' } }))
  unwrap(await app.staff(agent, 'review_step', { caseId: id, step: { step: 'remedy', mode: 'none', note: '补救备注：无' } }))
  unwrap(await app.staff(agent, 'review_step', { caseId: id, step: { step: 'reply', text: '感谢反馈' } }))
  const worked = await staffCase(id)
  expect(worked.approvals).toHaveLength(1)
  expect(worked.reviewFollowUp?.cause).not.toBeNull()
  expect(worked.followUp?.outcome).toBe('satisfied')
  expect(worked.refunds).toHaveLength(1)

  // the real buyer answers: schema-exact, and none of the staff words above
  const got = JSON.stringify(unwrap(await app.buyer(BUYER, 'get_case', { caseId: id })))
  BuyerCaseViewSchema.parse(JSON.parse(got))
  for (const list of unwrap<{ items: unknown[] }>(await app.buyer(BUYER, 'list_cases', {})).items) BuyerCaseSummarySchema.parse(list)
  for (const s of ['内部备注', '审批说明', '审批意见', '回访备注', '分析：', '联系备注', '补救备注', '主管', approvalId, ...staffIds]) expect(got).not.toContain(s)

  // plant a marker in every string of the stored case (plus a shop platform block with its last call)
  const stored = (await app.store.getCase(id))!
  const platform: PlatformBlock = {
    afterSaleOrderId: 'AS-1', orderId: stored.order.orderId, type: 'REFUND', status: 'MERCHANT_PROCESSING', reasonCode: '10000021', reasonText: '质量问题',
    refundFen: 100, productId: 'P1', skuId: 'S1', count: 1, description: '买家描述', mediaIds: ['media-1'], telNumber: '13800000000',
    returnWaybill: { waybillId: 'W1', deliveryId: 'SF', deliveryName: '顺丰' }, deadline: null, refundResp: { code: 'C1', ret: 1, message: '余额不足' }, complaintId: 'CP1',
    shopOpenid: 'shop-openid', unionid: 'union-1', createTime: stored.createdAt, updateTime: stored.createdAt, syncedAt: stored.createdAt,
    lastCall: { key: 'call-1', call: 'reject', at: stored.createdAt, outcome: 'refused', message: '平台拒绝', errcode: 10021046 },
  }
  const { marked, paths } = plant({ ...stored, platform, routingNote: stored.routingNote })
  const policy = (await app.store.getPolicy())!.policy
  const leaked = (body: string) => [...body.matchAll(/«M\d+»/g)].map((m) => paths.get(m[0])!)
  const direct = JSON.stringify(buyerView(marked, app.deps.now(), policy))
  await app.store.saveCase({ ...marked, version: stored.version + 1 }, stored.version, [])
  const served = JSON.stringify(await app.buyer(BUYER, 'get_case', { caseId: id }))
  const listed = JSON.stringify(await app.buyer(BUYER, 'list_cases', {}))
  for (const body of [direct, served, listed]) {
    const bad = leaked(body).filter((p) => !buyerMayRead(p, marked))
    expect(bad).toEqual([])
  }
  // the planting reached every staff part, and the buyer still sees their own words
  const planted = [...paths.values()]
  for (const part of ['approvals[0].note', 'approvals[0].decisionNote', 'approvals[0].requestedBy', 'reviewFollowUp.cause.text', 'reviewFollowUp.contacts[0].note', 'reviewFollowUp.reply.text', 'routingNote', 'assigneeId', 'platform.lastCall.message', 'platform.refundResp.message', 'platform.telNumber'])
    expect(planted).toContain(part)
  expect(leaked(served)).toEqual(expect.arrayContaining(['description', 'caseNo', 'rating.comment']))
  expect(JSON.parse(served).ok).toBe(true)
})

test('the buyer view of an approved decision keeps what was decided, not the approval', async () => {
  const stored = (await app.store.getCase(await fileCase('k-view-3')))!
  const policy = (await app.store.getPolicy())!.policy
  const decided: Case = {
    ...stored,
    timeline: [{ id: 't', at: stored.createdAt, actor: { kind: 'staff', id: 'staff-sup' }, type: 'decide_approval', fromStatus: 'in_review', toStatus: 'refunding', text: '主管已批准（¥300.00）：同意退款 ¥300.00。审批意见：下不为例', internal: false }],
  }
  expect(buyerView(decided, app.deps.now(), policy).timeline.map((e) => e.text)).toEqual(['同意退款 ¥300.00'])
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
