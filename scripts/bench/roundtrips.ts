/**
 * Round trips per action on the CloudBase adapter: the REAL @cloudbase/node-sdk against the local
 * emulator (tests/server/cloudbase-emulator.ts), which logs every request it answers. "Total" is
 * the number of requests the SDK sent for one call of the function; "in sequence" is the longest
 * chain of requests each sent after the previous one was answered (the latency a user waits for at
 * one network round trip each). Every answer is held LATENCY_MS so that overlap is real.
 * Measured with the demo shop's 6 staff and with 30 (24 more agents), each action on a warm
 * instance (its caches filled by an earlier call of another case), as in production.
 */
import crypto from 'node:crypto'
import type { OrderSnapshot } from '@contract/domain'
import type { Deps } from '../../cloudfunctions/app/deps'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { NoSilentRefunds } from '../../cloudfunctions/adapters/cloudbase/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { adminFunction } from '../../cloudfunctions/app/admin'
import { runScheduler } from '../../cloudfunctions/app/usecases/run-scheduler'
import { dispatchOutbox } from '../../cloudfunctions/app/usecases/dispatch-outbox'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { CloudBaseEmulator } from '../../tests/server/cloudbase-emulator'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { startChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { pushSignature } from '../../cloudfunctions/adapters/channels/push'
import { channelsEntry } from '../../cloudfunctions/adapters/cloudbase/entries'
import { upsertShopOrder } from '../../cloudfunctions/app/usecases/sync-shop-orders'

import { SMALL, le, type Figure } from './figures'

/** Held before every answer so that overlap is real (2 ms in small mode: only proves the bench runs). */
const LATENCY_MS = SMALL ? 2 : 15
const NOW = '2026-11-23T03:00:00.000Z'
const LATER = '2026-12-03T03:00:00.000Z'
/** Open cases due in the measured scheduler pass (enough that the pass's fixed work is not charged to them). */
const DUE_CASES = 20

export interface RoundTrips {
  action: string
  total: number
  seq: number
  budget: { total?: number; seq?: number }
}

/** Longest chain of requests where each one started after the previous one's answer. */
export function criticalPath(trace: { start: number; end: number }[]): number {
  const xs = [...trace].sort((a, b) => a.start - b.start)
  const depth: number[] = []
  for (let i = 0; i < xs.length; i++) {
    let d = 1
    for (let j = 0; j < i; j++) if (xs[j].end <= xs[i].start && depth[j] + 1 > d) d = depth[j] + 1
    depth.push(d)
  }
  return depth.length ? Math.max(...depth) : 0
}

function order(orderId: string, buyerOpenid: string, skus: string[], paidFen: number, source?: 'channels'): OrderSnapshot {
  const t = (d: number) => new Date(Date.parse(NOW) + d * 86_400_000).toISOString()
  return {
    orderId, buyerOpenid, paidFen, ...(source ? { source } : {}),
    items: skus.map((skuId) => ({ skuId, name: `商品${skuId}`, qty: 1, unitPriceFen: Math.floor(paidFen / skus.length), batch: 'B1' })),
    paidAt: t(-5), shippedAt: t(-4), carrier: '顺丰速运', trackingNo: `SF${orderId}`, promisedDeliveryAt: t(-3), deliveredAt: t(-2),
  }
}

export async function measureRoundTrips(staffCount: number): Promise<RoundTrips[]> {
  process.env.TENCENTCLOUD = 'true'
  process.env.SILENCE = 'true'
  const emulator = new CloudBaseEmulator()
  const url = await emulator.start()
  // the Channels shop stand-in, on the desk's clock: pushes are signed with it and read from it
  let now = NOW
  const PUSH_TOKEN = 'bench-push-token'
  const standin = await startChannelsStandin({ clock: { now: () => Date.parse(now) }, pushToken: PUSH_TOKEN })
  const open = () => new CloudBaseStore({ env: 'bench', secretId: 'local-id', secretKey: 'local-key', serviceUrl: url, timeout: 30_000 })
  const setup = open()
  try {
    await setup.init()
    await seedDemoShop(setup, NOW)
    for (let i = 0; i < staffCount - 6; i++) {
      await setup.upsertStaff({ id: `staff-x${i}`, name: `客服${i}`, role: 'agent', teams: ['quality'], onDuty: true, lastAssignedAt: null, active: true })
    }
    for (let i = 0; i < 40; i++) await setup.upsertOrder({ order: order(`RT-${i}`, 'buyer-zhao', ['A', 'B'], 20_000), createdAt: NOW })
    for (let i = 0; i < 4; i++) await setup.upsertOrder({ order: order(`SHOP-${i}`, 'buyer-zhao', ['A', 'B'], 20_000, 'channels'), createdAt: NOW })

    // a warm instance: its own store (policy and case-number caches), one call of each kind first
    const store = open()
    // the payment port CloudBase deploys (adapters/cloudbase/deps.ts); the local ledger for one row below
    const shop = new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store, now: () => Date.parse(now), sleep: async () => {} })
    const deps: Deps = { store, payments: new NoSilentRefunds(store), media: new LocalMedia(store), now: () => now, newId: () => crypto.randomUUID(), log: () => {} }
    // the channels function's instance: the same store, with the shop connected
    const shopDeps: Deps = { ...deps, shop }
    const buyer = aftersaleFunction(deps)
    const staff = adminFunction(deps)
    const ok = <T>(r: { ok: boolean; data?: unknown; error?: unknown }): T => {
      if (!r.ok) throw new Error(JSON.stringify(r.error))
      return r.data as T
    }
    // the buyer as CloudBase presents them: the demo's 赵先生 is bound to the seller's open-platform
    // account (his record holds the unionid claimShopOrders took from his calls), so every call of his
    // carries WX_UNIONID in its context
    const zhao = { openid: 'buyer-zhao', unionid: 'union-zhao' }
    let n = 0
    const submit = async () => ok<{ case: { id: string; version: number } }>(await buyer({ action: 'submit', idempotencyKey: `rt-submit-${n}`, data: { orderId: `RT-${n++}`, claimedItems: [{ skuId: 'A', qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '裂了', evidence: [], desiredRemedy: 'refund' } }, zhao)).case
    const rows: RoundTrips[] = []
    const traced = async (action: string, f: () => Promise<unknown>) => {
      emulator.latencyMs = LATENCY_MS
      emulator.trace = []
      await f()
      const trace = emulator.trace
      emulator.trace = null
      emulator.latencyMs = 0
      if (process.env.BENCH_TRACE && action.includes(process.env.BENCH_TRACE)) {
        const by = new Map<string, number>()
        for (const t of trace) by.set(`${t.action} ${t.what ?? ''}`, (by.get(`${t.action} ${t.what ?? ''}`) ?? 0) + 1)
        console.error(action, Object.fromEntries(by))
      }
      return { total: trace.length, seq: criticalPath(trace) }
    }
    const measure = async (action: string, budget: RoundTrips['budget'], f: () => Promise<unknown>, per = 1) => {
      const r = await traced(action, f)
      rows.push({ action, total: r.total / per, seq: r.seq / per, budget })
    }
    // setup's init (collections, migration marks): once per deployment by the `setup` function, on no cold start
    await measure('setup init (per deployment)', {}, () => open().init())
    // a buyer files from their order list: it is read (and their shop orders claimed) first
    ok(await buyer({ action: 'list_orders', data: {} }, zhao))
    const warm = await submit()
    ok(await staff({ action: 'respond', data: { caseId: warm.id, text: '您好' } }, { openid: 'staff-sup' }))
    ok(await staff({ action: 'get_case', data: { caseId: warm.id } }, { openid: 'staff-sup' }))

    // cold start: a fresh instance's first call against the same call on a warm one (caches empty:
    // policy version, staff record, case numbers)
    {
      const [a, b] = [await submit(), await submit()]
      const freshStore = open()
      const fresh = adminFunction({ ...deps, store: freshStore, payments: new NoSilentRefunds(freshStore), media: new LocalMedia(freshStore) })
      const cold = await traced('cold start', () => fresh({ action: 'respond', data: { caseId: a.id, text: '您好' } }, { openid: 'staff-sup' }))
      const warmCall = await traced('warm call', () => staff({ action: 'respond', data: { caseId: b.id, text: '您好' } }, { openid: 'staff-sup' }))
      rows.push({ action: 'cold start: first call over a warm one (respond)', total: cold.total - warmCall.total, seq: cold.seq - warmCall.seq, budget: { total: 2 } })
    }
    let c = { id: '', version: 0 }
    await measure('submit (buyer)', { total: 10, seq: 6 }, async () => (c = await submit()))
    await measure('case command: respond (staff)', { total: 6, seq: 4 }, async () => {
      c = ok(await staff({ action: 'respond', data: { caseId: c.id, text: '已收到，马上处理', expectedVersion: c.version } }, { openid: 'staff-sup' }))
    })
    // paying commands: a 退差价 on a shop order (the money the desk moves on CloudBase, through the
    // outbox), a refund on an order with no refund channel (refused in the same write), and the
    // local ledger's refund (the demo's port: recorded and settled in the same write)
    const shopCase = ok<{ case: { id: string; version: number } }>(await buyer({ action: 'submit', idempotencyKey: 'rt-shop-compensation', data: { orderId: 'SHOP-0', claimedItems: [{ skuId: 'A', qty: 1 }], type: 'compensation', reason: 'quality_defect', description: '有划痕', evidence: [], desiredRemedy: 'compensation' } }, { openid: 'buyer-zhao' })).case
    await measure('paying command: approve ¥50 compensation, shop order (退差价 via outbox)', { total: 10, seq: 6 }, async () => {
      ok(await staff({ action: 'approve', data: { caseId: shopCase.id, expectedVersion: shopCase.version, amountFen: 5_000 } }, { openid: 'staff-sup' }))
    })
    const spare = await submit()
    await measure('paying command: approve ¥100 refund, no refund channel (deployed port)', { total: 10, seq: 6 }, async () => {
      ok(await staff({ action: 'approve', data: { caseId: spare.id, expectedVersion: spare.version, amountFen: 10_000 } }, { openid: 'staff-sup' }))
    })
    deps.payments = new LocalPayments(store, () => now)
    await measure('paying command: approve ¥100 refund, local ledger (demo port)', { total: 10, seq: 6 }, async () => {
      ok(await staff({ action: 'approve', data: { caseId: c.id, expectedVersion: c.version, amountFen: 10_000 } }, { openid: 'staff-sup' }))
    })
    // the commands of closing the loop, on one case: an agent asks a supervisor to approve, the
    // supervisor decides (paying: the local ledger settles it), the agent records the 回访, the
    // buyer rates 1★ and the agent takes the 差评 follow-up's first step
    {
      const x = await submit()
      const agent = ok<{ assigneeId: string }>(await staff({ action: 'get_case', data: { caseId: x.id } }, { openid: 'staff-sup' })).assigneeId
      ok(await staff({ action: 'get_case', data: { caseId: x.id } }, { openid: agent })) // the agent opens the case first, as on the case page
      await measure('new command: submit_for_approval (agent)', { total: 6, seq: 4 }, async () => ok(await staff({ action: 'submit_for_approval', data: { caseId: x.id, request: { type: 'approve' }, note: '质量问题' } }, { openid: agent })))
      const approvalId = ok<{ approvals: Array<{ id: string }> }>(await staff({ action: 'get_case', data: { caseId: x.id } }, { openid: 'staff-sup' })).approvals[0].id
      await measure('paying command: decide_approval, local ledger (supervisor)', { total: 10, seq: 6 }, async () => ok(await staff({ action: 'decide_approval', data: { caseId: x.id, approvalId, decision: 'approved', note: '同意' } }, { openid: 'staff-sup' })))
      await measure('new command: record_visit (agent)', { total: 6, seq: 4 }, async () => ok(await staff({ action: 'record_visit', data: { caseId: x.id, outcome: 'satisfied', note: '电话已接通' } }, { openid: agent })))
      ok(await buyer({ action: 'rate', data: { caseId: x.id, score: 1, comment: '太慢了' } }, { openid: 'buyer-zhao' }))
      await measure('new command: review_step (agent)', { total: 6, seq: 4 }, async () => ok(await staff({ action: 'review_step', data: { caseId: x.id, step: { step: 'analyse', cause: 'service', text: '物流慢' } } }, { openid: agent })))
    }
    deps.payments = new NoSilentRefunds(store)
    await measure('queue: mine + 6 tab counts (agent)', { total: 5, seq: 4 }, async () => ok(await staff({ action: 'queue', data: { tab: 'mine' } }, { openid: 'staff-amy' })))
    await measure('get_case (staff)', { seq: 3 }, async () => ok(await staff({ action: 'get_case', data: { caseId: c.id } }, { openid: 'staff-sup' })))
    await measure('get_case (buyer)', { seq: 3 }, async () => ok(await buyer({ action: 'get_case', data: { caseId: c.id } }, zhao)))
    await measure('list_orders (buyer)', {}, async () => ok(await buyer({ action: 'list_orders', data: {} }, zhao)))

    // Channels push → new case: the channels function (as CloudBase runs it) gets a signed push of a
    // new after-sale on an order the order sync already wrote, reads it from the shop and opens its
    // case. Store round trips at the SDK; shop API calls (the stand-in's log) separately.
    const channels = channelsEntry(async () => shopDeps, () => ({ token: PUSH_TOKEN }))
    let pushes = 0
    const newAfterSale = async () => {
      const o = standin.state.createOrder()
      await upsertShopOrder(shopDeps, await shop.getOrder(o.order_id))
      return standin.state.createAfterSale({ orderId: o.order_id, type: 'REFUND' }).after_sale_order_id
    }
    const push = async (afterSaleOrderId: string) => {
      const timestamp = String(Math.floor(Date.parse(now) / 1000))
      const nonce = `bench-nonce-${pushes++}`
      const body = JSON.stringify({
        ToUserName: 'gh_shop', FromUserName: 'o_sys', CreateTime: Number(timestamp), MsgType: 'event', Event: 'channels_ec_aftersale_update',
        finder_shop_aftersale_status_update: { status: 'MERCHANT_PROCESSING', after_sale_order_id: afterSaleOrderId, order_id: '1' },
      })
      const r = (await channels({ httpMethod: 'POST', queryStringParameters: { signature: pushSignature(PUSH_TOKEN, timestamp, nonce), timestamp, nonce }, body })) as { statusCode: number; body: string }
      if (r.statusCode !== 200) throw new Error(`bench: push answered ${r.statusCode} ${r.body}`)
    }
    await push(await newAfterSale()) // warm: token fetched, caches filled
    const pushed = await newAfterSale()
    const shopCalls = standin.state.calls.length
    await measure('Channels push → new case', { total: 8 }, () => push(pushed))
    const shopRow = { action: 'Channels push → new case: shop calls', total: standin.state.calls.length - shopCalls, seq: standin.state.calls.length - shopCalls, budget: { total: 1 } }
    rows.push(shopRow)
    if (!(await store.findByIdempotencyKey('channels-aftersale', pushed))) throw new Error('bench: the pushed after-sale opened no case')

    // timers, ten days on. A pass's fixed work (policy, due queries, logistics watch, media sweep,
    // nonce purge, outreach, delivery care) is measured on its own: a steady-state pass with nothing
    // due, after one unmeasured pass that did the once-only work and the two cases above.
    now = LATER
    await runScheduler(deps)
    if ((await store.dueCases(LATER, 1000)).length) throw new Error('bench: cases still due after a pass')
    const fixed = await traced('scheduler, fixed per pass (0 due)', () => runScheduler(deps))
    rows.push({ action: 'scheduler, fixed per pass (0 due)', ...fixed, budget: {} })
    // then DUE_CASES open cases, opened at NOW, all due at LATER: per due case = (pass − fixed) / N
    now = NOW
    for (let i = 0; i < DUE_CASES; i++) await submit()
    now = LATER
    const due = (await store.dueCases(LATER, 1000)).length
    const pass = await traced(`scheduler, per due case (${due} due)`, () => runScheduler(deps))
    rows.push({ action: `scheduler, per due case (${due} due)`, total: (pass.total - fixed.total) / due, seq: (pass.seq - fixed.seq) / due, budget: { total: 3 } })
    const pending = (await store.pendingOutbox(LATER, 1000)).length
    const quiet = { sendSubscribe: async () => ({ errcode: 0, errmsg: 'ok' }), notifyStaff: async () => ({ errcode: 0, errmsg: 'ok' }), sendWecom: async () => ({ errcode: 0, errmsg: 'ok' }) }
    await measure(`dispatcher, per message (${pending} pending)`, { total: 2 }, () => dispatchOutbox(deps, quiet, { random: () => 0.5, limit: 1000 }), pending)
    // one kind at a time, 20 queued: supervisor alerts (inbox of each supervisor + a subscription row each), buyer messages with credits
    const burst = 20
    await store.addCredits('buyer-zhao', 'TPL_RT', burst)
    await store.enqueueOutbox(Array.from({ length: burst }, (_, i) => ({
      key: `rt-alert-${i}`, caseId: c.id, kind: 'staff_alert',
      payload: { kind: 'staff_alert', key: `rt-alert-${i}`, caseId: c.id, caseNo: 'RT', team: 'quality', to: 'supervisor', alert: 'p1_opened', text: `P1 ${i}` },
    })), now)
    await measure(`dispatcher, per staff alert (${burst} queued)`, { total: 2 }, () => dispatchOutbox(deps, quiet, { limit: burst }), burst)
    await store.enqueueOutbox(Array.from({ length: burst }, (_, i) => ({
      key: `rt-msg-${i}`, caseId: c.id, kind: 'buyer_message',
      payload: { kind: 'buyer_message', key: `rt-msg-${i}`, event: 'case_update', templateKey: 'case_update', templateId: 'TPL_RT', caseId: c.id, openid: 'buyer-zhao', page: 'pages/case/index', data: { thing1: { value: `第${i}条` } } },
    })), now)
    await measure(`dispatcher, per buyer message (${burst} queued)`, { total: 2 }, () => dispatchOutbox(deps, quiet, { limit: burst }), burst)
    return rows
  } finally {
    await emulator.stop()
    await standin.close()
  }
}

export function roundTripTable(at6: RoundTrips[], at30: RoundTrips[]): string[] {
  const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1))
  const mark = (r: RoundTrips) => {
    const parts: string[] = []
    if (r.budget.total !== undefined) parts.push(`total ≤ ${r.budget.total} ${r.total <= r.budget.total ? 'met' : 'MISSED'}`)
    if (r.budget.seq !== undefined) parts.push(`seq ≤ ${r.budget.seq} ${r.seq <= r.budget.seq ? 'met' : 'MISSED'}`)
    return parts.join(', ')
  }
  const w = Math.max(44, ...at30.map((r) => r.action.replace(/\(\d+ (due|pending)\)/, '').length + 2))
  const out = [`  ${'action'.padEnd(w)}${'6 staff'.padStart(12)}${'30 staff'.padStart(12)}  budget (at 30 staff)`, `  ${''.padEnd(w)}${'total/seq'.padStart(12)}${'total/seq'.padStart(12)}`]
  for (let i = 0; i < at30.length; i++) {
    const a = at6[i]
    const b = at30[i]
    out.push(`  ${b.action.replace(/\(\d+ (due|pending)\)/, '').padEnd(w)}${`${f(a.total)}/${f(a.seq)}`.padStart(12)}${`${f(b.total)}/${f(b.seq)}`.padStart(12)}  ${mark(b)}`)
  }
  return out
}

/** The 30-staff figures against their budgets (issue #22). */
export function roundTripFigures(at30: RoundTrips[]): Figure[] {
  const out: Figure[] = []
  for (const r of at30) {
    const action = r.action.replace(/ \(\d+ (due|pending)\)/, '')
    out.push({ bench: 'roundtrips', name: `${action}: total`, value: r.total, unit: 'req', ...(r.budget.total !== undefined ? { budget: le(r.budget.total) } : {}) })
    out.push({ bench: 'roundtrips', name: `${action}: in sequence`, value: r.seq, unit: 'req', ...(r.budget.seq !== undefined ? { budget: le(r.budget.seq) } : {}) })
  }
  return out
}

if (require.main === module) {
  void (async () => {
    const at6 = await measureRoundTrips(6)
    const at30 = SMALL ? at6 : await measureRoundTrips(30)
    for (const l of roundTripTable(at6, at30)) console.log(l)
  })()
}
