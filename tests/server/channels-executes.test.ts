/**
 * The shop executes what the desk decides (issue 21 §4): on the real adapter against the stand-in,
 * through the gateway's push route and the SQLite store, with one clock that moves like a real one
 * (a few seconds between a push and the next poll):
 * - a status already shown adds no row (duplicate, reordered, stale pushes and polls);
 * - the platform deciding on its own is said in plain Chinese and reaches the agent's inbox;
 * - the buyer reads a shop after-sale as their own application, reason in the platform's words;
 * - the buyer's platform photos are fetched once by media id by the dispatcher, never inside the
 *   push's answer, and kept with the case;
 * - a platform return is received and inspected before the platform refunds (policy switch).
 */
import type { BuyerCaseView } from '@contract/buyer-view'
import type { CaseView } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import type { Gateway } from '../../cloudfunctions/gateway/server'
import { shopDeskForFile } from './shop-desk'
import { AFTERSALE_SCOPE, importAfterSale } from '../../cloudfunctions/app/usecases/import-aftersale'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'

jest.setTimeout(60_000)

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const PUSH_TOKEN = 'push-token-for-tests'

let clock = Date.parse('2026-11-24T02:00:00.000Z')
const desk = shopDeskForFile({ name: 'channels-executes', clock: () => clock, pushToken: PUSH_TOKEN, standin: { decisionMs: 48 * HOUR, refundMs: MINUTE } })
let standin: ChannelsStandin
let gw: Gateway
beforeAll(() => {
  ;({ standin, gw } = desk)
})

type Answer<T> = { ok: boolean; data?: T; error?: { code: string; message: string } }
async function call<T>(fn: 'admin' | 'aftersale', openid: string, action: string, data: Record<string, unknown>): Promise<Answer<T>> {
  const r = await fetch(`${gw.url}/api/fn/${fn}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': openid },
    body: JSON.stringify({ action, data, idempotencyKey: `k-${Math.random()}` }),
  })
  return (await r.json()) as Answer<T>
}
const staff = (action: string, data: Record<string, unknown>, as = 'staff-owner') => call<CaseView>('admin', as, action, data)

async function mustCase(id: string): Promise<Case> {
  const c = await gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, id)
  if (!c) throw new Error(`no case for after-sale ${id}`)
  return c
}
const dispatch = () => dispatchOutbox(gw.deps, gw.sender, { random: () => 0 })
/** Rows the buyer can see that came from the platform's status mirror. */
const visibleSyncRows = (c: Case) => c.timeline.filter((t) => t.type === 'platform_sync' && !t.internal)
const okCalls = (p: string) => standin.state.calls.filter((x) => x.path === p && x.errcode === 0).length

const SCARF = { productId: '10000001', skuId: '20000001', title: '羊毛混纺围巾 燕麦色', count: 1, priceFen: 5_900 }

async function apply(type: 'REFUND' | 'RETURN', o: { unionid?: string; reason?: string; mediaIds?: string[] } = {}) {
  const order = standin.state.createOrder({ unionid: o.unionid ?? '', products: [SCARF] })
  const a = standin.state.createAfterSale({ orderId: order.order_id, type, reason: o.reason ?? '10000000', desc: '不想要了，没拆封', mediaIds: o.mediaIds })
  await standin.flushPushes()
  return a.after_sale_order_id
}

describe('a status already shown adds no row', () => {
  it('duplicate, reordered and stale pushes and polls seconds apart leave one buyer-visible row per real move', async () => {
    standin.state.chaos = { duplicate: true, reorder: true }
    const id = await apply('REFUND')
    // the same after-sale read again and again while the platform has not moved: the relative
    // deadline is read a few seconds later each time
    for (let i = 0; i < 6; i++) {
      // not on a whole second, as a real read never is: the deadline read back moves by a fraction of a second
      clock += 7 * SECOND + 137 * (i + 1)
      standin.state.replayPush(id, 'MERCHANT_PROCESSING')
      await standin.flushPushes()
      await importAfterSale(gw.deps, id)
    }
    let c = await mustCase(id)
    expect(c.timeline.filter((t) => t.type === 'platform_sync')).toHaveLength(0)
    const versionBefore = c.version
    // the buyer cancels: one move, one row, whatever arrives after it
    standin.state.buyerCancel(id)
    await standin.flushPushes()
    for (let i = 0; i < 4; i++) {
      clock += 5 * SECOND + 211
      standin.state.replayPush(id, i % 2 ? 'USER_CANCELD' : 'MERCHANT_PROCESSING')
      await standin.flushPushes()
      await importAfterSale(gw.deps, id)
    }
    c = await mustCase(id)
    expect(c.status).toBe('cancelled')
    expect(visibleSyncRows(c)).toHaveLength(1)
    expect(c.version).toBe(versionBefore + 1)
  })
})

describe('the platform decides on its own', () => {
  it('deadline passed → the platform refunds: the timeline says so with the money, and the agent’s inbox names product, buyer, reason and amount', async () => {
    const id = await apply('REFUND')
    clock += 48 * HOUR + MINUTE
    await standin.advance(0)
    const c = await mustCase(id)
    expect(c.status).toBe('refunding')
    const row = visibleSyncRows(c).at(-1)
    expect(row?.text).toBe('商家未在期限内处理，平台已自动同意退款¥59')
    await dispatch()
    const to = c.assigneeId ?? 'staff-sup'
    const inbox = await call<{ items: Array<{ caseId: string; kind: string; text: string; context?: { product: string; buyer: string; reasonLabel: string; amountFen: number } }> }>('admin', to, 'inbox', { limit: 50 })
    const item = inbox.data?.items.find((x) => x.caseId === c.id && x.kind === 'platform_update')
    expect(item?.text).toContain('平台已自动同意退款¥59')
    expect(item?.context).toMatchObject({ product: SCARF.title, buyer: '张三', reasonLabel: '不想要了', amountFen: 5_900 })
    // the platform then settles: an ordinary move, said as such
    clock += 2 * MINUTE
    await standin.advance(0)
    const done = await mustCase(id)
    expect(done.status).toBe('resolved')
    expect(visibleSyncRows(done).at(-1)?.text).toBe('平台已退款¥59，请留意到账')
  })
})

describe('the buyer reads their own application', () => {
  it('a shop after-sale of a mini-program buyer: second person, the platform’s reason, never the seller reaching out', async () => {
    // 赵先生 opened the mini-program once: his unionid links his shop orders to him
    await call('aftersale', 'buyer-zhao', 'list_orders', {})
    const id = await apply('REFUND', { unionid: 'union-zhao' })
    const c = await mustCase(id)
    expect(c.buyerOpenid).toBe('buyer-zhao')
    const v = await call<BuyerCaseView>('aftersale', 'buyer-zhao', 'get_case', { caseId: c.id })
    expect(v.ok).toBe(true)
    const view = v.data as BuyerCaseView
    expect(view.timeline[0].text).toBe('您在视频号小店申请了退款¥59（原因：不想要了），商家会尽快处理')
    expect(view.reasonText).toBe('不想要了')
    expect(view.next.text).not.toContain('主动')
    expect(JSON.stringify(view)).not.toContain('已同步到工作台')
    // the desk names the reason in the platform's words too
    const s = await staff('get_case', { caseId: c.id })
    expect(s.data?.platformMark?.reasonText).toBe('不想要了')
  })
})

describe('the buyer’s platform photos', () => {
  const MEDIA = '/channels/ec/basics/media/get'
  const mediaCalls = () => standin.state.calls.filter((x) => x.path === MEDIA).length

  it('the push is answered without fetching them; one dispatcher pass keeps them once and serves them to staff; duplicate pushes and passes fetch nothing again', async () => {
    const before = okCalls(MEDIA)
    const tried = mediaCalls()
    const pushed = standin.state.pushes.length
    standin.state.chaos = { duplicate: true, reorder: false }
    const id = await apply('RETURN', { reason: '10000021', mediaIds: ['media-crack-1', 'media-crack-2'] })
    // WeChat heard `success` for every push, and the media endpoint was not called to answer it
    const answered = standin.state.pushes.slice(pushed)
    expect(answered.length).toBeGreaterThan(0)
    expect(answered.every((p) => p.delivered)).toBe(true)
    expect(mediaCalls()).toBe(tried)
    let c = await mustCase(id)
    expect(c.platform?.mediaIds).toEqual(['media-crack-1', 'media-crack-2'])
    expect(c.platform?.media ?? []).toHaveLength(0)
    await dispatch()
    c = await mustCase(id)
    expect(c.platform?.media?.map((m) => m.mediaId)).toEqual(['media-crack-1', 'media-crack-2'])
    expect(c.platform?.media?.[0]).toMatchObject({ kind: 'image', mime: 'image/png' })
    expect(okCalls(MEDIA)).toBe(before + 2)
    // the staff-only row says what came; the buyer's timeline is unchanged
    expect(c.timeline.at(-1)).toMatchObject({ type: 'platform_sync', internal: true, text: '已取回买家在视频号小店上传的凭证2个' })
    for (let i = 0; i < 3; i++) await staff('get_case', { caseId: c.id })
    clock += 5 * SECOND
    standin.state.replayPush(id, 'MERCHANT_PROCESSING')
    await standin.flushPushes()
    await importAfterSale(gw.deps, id)
    await dispatch()
    clock += 10 * MINUTE
    await dispatch()
    expect(mediaCalls()).toBe(tried + 2)
    // the desk serves the kept bytes to staff (not to another buyer)
    const fileId = c.platform?.media?.[0].fileId ?? ''
    const url = `${gw.url}/media/${fileId.replace(/^local:/, '')}`
    const asStaff = await fetch(url, { headers: { 'x-dev-openid': 'staff-owner' } })
    expect(asStaff.status).toBe(200)
    expect(asStaff.headers.get('content-type')).toBe('image/png')
    expect((await fetch(url, { headers: { 'x-dev-openid': 'buyer-lin' } })).status).toBe(403)
  })

  it('a fetch that fails is retried with the outbox backoff and kept then (staff-only row); the case is never held up by it', async () => {
    standin.state.injectError({ path: MEDIA, errcode: 40007, times: 1 })
    const tried = mediaCalls()
    const id = await apply('REFUND', { mediaIds: ['media-late-1'] })
    await dispatch()
    let c = await mustCase(id)
    expect(mediaCalls()).toBe(tried + 1)
    expect(c.platform?.media ?? []).toHaveLength(0)
    // the agent agrees meanwhile: the platform call goes out, the file keeps waiting for its retry
    const accepted = await staff('platform_accept', { caseId: c.id, expectedVersion: c.version })
    expect(accepted.ok).toBe(true)
    clock += 10 * SECOND
    await dispatch()
    await standin.flushPushes()
    c = await mustCase(id)
    expect(c.platform?.media?.map((m) => m.mediaId)).toEqual(['media-late-1'])
    expect(c.timeline.some((t) => t.text === '已取回买家在视频号小店上传的凭证1个' && t.internal)).toBe(true)
    expect(mediaCalls()).toBe(tried + 2)
  })

  it('a platform outage longer than the outbox’s retries: the files are still fetched once it is over', async () => {
    const tried = mediaCalls()
    const id = await apply('REFUND', { mediaIds: ['media-outage-1'] })
    // six failed attempts use up the outbox's retries (a few minutes of backoff)
    standin.state.injectError({ path: MEDIA, errcode: 40007, times: 6 })
    for (let i = 0; i < 6; i++) {
      await dispatch()
      clock += 2 * MINUTE
    }
    expect(mediaCalls()).toBe(tried + 6)
    expect((await mustCase(id)).platform?.media ?? []).toHaveLength(0)
    clock += 30 * MINUTE
    await dispatch()
    expect((await mustCase(id)).platform?.media?.map((m) => m.mediaId)).toEqual(['media-outage-1'])
    expect(mediaCalls()).toBe(tried + 7)
  })
})

describe('a platform return is inspected before the platform refunds', () => {
  it('accept → the buyer ships → 确认收货 → 验货 pass → one receipt + refund call → the platform refunds', async () => {
    const id = await apply('RETURN', { reason: '10000021' })
    let c = await mustCase(id)
    const accepted = await staff('platform_accept', { caseId: c.id, expectedVersion: c.version })
    expect(accepted.data?.status).toBe('awaiting_return')
    await dispatch()
    clock += 2 * MINUTE
    standin.state.buyerShipReturn(id)
    await standin.flushPushes()
    c = await mustCase(id)
    expect(c.status).toBe('return_shipped')
    // the bare receipt + refund is not offered while the policy inspects
    const view = await staff('get_case', { caseId: c.id })
    expect(view.data?.actions).toEqual(expect.arrayContaining(['receive_return']))
    expect(view.data?.actions).not.toContain('platform_accept')
    const direct = await staff('platform_accept', { caseId: c.id, expectedVersion: c.version })
    expect(direct.error?.message).toContain('验货')
    const received = await staff('receive_return', { caseId: c.id, expectedVersion: c.version })
    expect(received.data?.status).toBe('inspecting')
    // the platform's snapshot read again does not take the case out of inspection
    clock += 10 * SECOND
    await importAfterSale(gw.deps, id)
    c = await mustCase(id)
    expect(c.status).toBe('inspecting')
    const acceptsBefore = okCalls('/channels/ec/aftersale/acceptapply')
    const passed = await staff('inspect', { caseId: c.id, expectedVersion: c.version, result: 'pass', note: '包装完好，未使用' })
    expect(passed.data?.status).toBe('refunding')
    await dispatch()
    await dispatch()
    expect(okCalls('/channels/ec/aftersale/acceptapply')).toBe(acceptsBefore + 1)
    clock += 2 * MINUTE
    await standin.advance(0)
    c = await mustCase(id)
    expect(c.platform?.status).toBe('MERCHANT_RETURN_SUCCESS')
    expect(c.status).toBe('resolved')
    expect(c.inspection).toMatchObject({ result: 'pass' })
    expect(c.refunds).toEqual([expect.objectContaining({ amountFen: 5_900, status: 'succeeded' })])
  })

  it('a failed inspection hands the case back to the agent, who can still reject on the platform', async () => {
    const id = await apply('RETURN', { reason: '10000021' })
    let c = await mustCase(id)
    await staff('platform_accept', { caseId: c.id, expectedVersion: c.version })
    await dispatch()
    clock += 2 * MINUTE
    standin.state.buyerShipReturn(id)
    await standin.flushPushes()
    c = await mustCase(id)
    await staff('receive_return', { caseId: c.id, expectedVersion: c.version })
    c = await mustCase(id)
    const failed = await staff('inspect', { caseId: c.id, expectedVersion: c.version, result: 'fail', note: '吊牌已拆，有使用痕迹' })
    expect(failed.data?.status).toBe('in_review')
    expect(failed.data?.actions).toContain('platform_reject')
    expect(failed.data?.refunds ?? []).toHaveLength(0)
  })
})
