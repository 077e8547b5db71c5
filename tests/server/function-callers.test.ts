/**
 * Every CloudBase function entry checks its caller (issue 20 §4, §8): the real `main` of each
 * `cloudfunctions/<name>/index.ts`, called with an event and a context shaped as CloudBase passes
 * them (`environment` JSON carrying TRIGGER_SRC, WX_OPENID …). Only the runtime's dependencies are
 * swapped: `cloudDeps()` answers the SQLite store of the test app (the CloudBase store on the local
 * emulator for `setup`), with the Channels shop stand-in; wx-server-sdk's cloud call is recorded.
 * Each forged call — a payload claiming an identity, a timer event from a client, a push without
 * signature or without the HTTP shape — is refused and leaves no trace.
 */
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { Deps } from '../../cloudfunctions/app/deps'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { AFTERSALE_SCOPE } from '../../cloudfunctions/app/usecases/import-aftersale'
import { TIMER_TRIGGERS } from '../../cloudfunctions/app/callers'
import { startChannelsStandin, type ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { main as aftersale } from '../../cloudfunctions/aftersale/index'
import { main as admin } from '../../cloudfunctions/admin/index'
import { main as scheduler } from '../../cloudfunctions/scheduler/index'
import { main as notify } from '../../cloudfunctions/notify/index'
import { main as setup } from '../../cloudfunctions/setup/index'
import { main as channels } from '../../cloudfunctions/channels/index'
import { CloudBaseEmulator } from './cloudbase-emulator'
import { makeApp, unwrap, type App } from './app-harness'

const mockRuntime: { deps: Deps | null; sent: unknown[] } = { deps: null, sent: [] }
jest.mock('../../cloudfunctions/adapters/cloudbase/deps', () => ({
  cloudDeps: async () => {
    if (!mockRuntime.deps) throw new Error('test deps not set')
    return mockRuntime.deps
  },
}))
jest.mock('wx-server-sdk', () => ({
  __esModule: true,
  default: {
    init: () => {},
    DYNAMIC_CURRENT_ENV: 'test-env',
    openapi: { subscribeMessage: { send: async (p: unknown) => (mockRuntime.sent.push(p), { errCode: 0, errMsg: 'ok' }) } },
  },
}))

jest.setTimeout(30_000)
process.env.SILENCE = 'true'

const BUYER = 'buyer-zhao'
const OWNER = 'staff-owner'
const AGENT = 'staff-amy'
const TOKEN = 'push-token-functions'

/** A call context as CloudBase passes it to `main(event, context)`. */
const context = (env: Record<string, string>) => ({ request_id: randomBytes(4).toString('hex'), function_name: 'f', namespace: 'env', memory_limit_in_mb: 256, time_limit_in_ms: 60_000, environment: JSON.stringify(env) })
/** a mini-program user calling wx.cloud.callFunction */
const fromClient = (openid: string) => context({ TRIGGER_SRC: 'tcb', WX_OPENID: openid, WX_APPID: 'wxdesk00000000001', WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID' })
/** a web visitor signed in anonymously */
const fromWeb = context({ TRIGGER_SRC: 'tcb', TCB_UUID: 'web-visitor-1', TCB_ISANONYMOUS_USER: 'true' })
/** the platform's timer trigger */
const fromTimer = context({ TRIGGER_SRC: 'timer' })
/** `tcb fn invoke` with the cloud account's keys: no end user behind it */
const fromDeploy = context({})
const timerEvent = (name: string) => ({ Type: 'Timer', TriggerName: name, Time: '2026-11-23T03:00:00Z', Message: '' })

let app: App
let standin: ChannelsStandin
let baseDeps: Deps
beforeAll(async () => {
  app = await makeApp()
  standin = await startChannelsStandin({ clock: { now: () => Date.parse(app.deps.now()) } })
  const shop = new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store: app.store, now: () => Date.parse(app.deps.now()), sleep: async () => {} })
  baseDeps = { ...app.deps, shop }
  mockRuntime.deps = baseDeps
})
afterAll(async () => {
  await standin.close()
  await app.close()
})

/** A buyer's case: due for an SLA breach a day later, with messages in the outbox. */
async function fileCase(): Promise<{ id: string; version: number }> {
  const orders = unwrap<{ order: { orderId: string; items: { skuId: string }[] } }[]>(await app.buyer(BUYER, 'list_orders', {}))
  const tea = orders.find((o) => o.order.items.length === 1 && o.order.items[0].skuId === 'SKU-TEA-01')!
  const r = unwrap<{ case: { id: string; version: number } }>(await app.buyer(BUYER, 'submit', {
    orderId: tea.order.orderId, claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }], type: 'refund_only', reason: 'quality_defect', description: '受潮', desiredRemedy: 'refund',
  }, `k-${randomBytes(6).toString('hex')}`))
  return r.case
}
const versionOf = async (id: string) => (await app.store.getCase(id))!.version
const pending = async () => (await app.store.listOutbox({ status: 'pending' }, 1000)).length

describe('aftersale and admin: identity from the call context only', () => {
  test('a payload claiming another identity changes nothing: the context’s openid is the caller', async () => {
    const forged = { action: 'whoami', data: { openid: OWNER }, userInfo: { openId: OWNER, appId: 'wxdesk00000000001' }, openid: OWNER }
    expect(await aftersale(forged, fromClient(BUYER))).toMatchObject({ ok: true, data: { openid: BUYER, role: 'buyer' } })
    // no identity in the context: refused, whatever the payload says
    expect(await aftersale(forged, fromDeploy)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } })
    expect(await admin(forged, fromDeploy)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } })
    expect(await admin(forged, fromWeb)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } })
    // a buyer claiming to be the owner in the payload is still a buyer: the staff write is refused and not made
    const before = (await app.store.listStaff()).length
    const upsert = { action: 'upsert_staff', data: { id: 'staff-mallory', name: '冒充', role: 'owner', teams: ['general'], onDuty: true }, userInfo: { openId: OWNER } }
    expect(await admin(upsert, fromClient(BUYER))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect((await app.store.listStaff()).length).toBe(before)
    expect(await admin({ action: 'whoami' }, fromClient(OWNER))).toMatchObject({ ok: true, data: { openid: OWNER, role: 'owner' } })
  })
})

describe('scheduler and notify: only their timer, or an owner', () => {
  test('forged timer events, web visitors, buyers and agents are refused and nothing runs; the timer and the owner run it', async () => {
    const c = await fileCase()
    app.setNow('2026-11-24T10:00:00.000Z') // the first response is overdue: the scheduler would escalate
    try {
      const shopCalls = standin.state.calls.length
      const forged = (trigger: string): [unknown, unknown][] => [
        [timerEvent(trigger), fromClient(BUYER)], // a client sending the trigger's event
        [timerEvent(trigger), fromClient(AGENT)], // staff, but not an owner
        [timerEvent(trigger), fromWeb],
        [{ ...timerEvent(trigger), openid: OWNER, userInfo: { openId: OWNER } }, fromClient(BUYER)], // a payload claiming the owner
        [timerEvent('another-trigger'), fromTimer], // the timer of another function
        [{}, fromTimer],
        [{}, fromDeploy],
        [timerEvent(trigger), context({ TRIGGER_SRC: 'tcb' })], // another function's server-side call
        [{ ...timerEvent(trigger), httpMethod: 'POST' }, fromTimer],
      ]
      for (const [event, ctx] of forged('scheduler-every-minute')) expect(await scheduler(event, ctx)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
      for (const [event, ctx] of forged('notify-every-minute')) expect(await notify(event, ctx)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
      expect(await versionOf(c.id)).toBe(c.version)
      expect(standin.state.calls.length).toBe(shopCalls)
      const waiting = await pending()
      expect(waiting).toBeGreaterThan(0)
      expect(mockRuntime.sent).toEqual([])

      expect(await scheduler(timerEvent('scheduler-every-minute'), fromTimer)).toMatchObject({ acted: expect.any(Number) })
      // a runtime that does not set TRIGGER_SRC: the trigger's event with no end user behind it still runs
      expect(await scheduler(timerEvent('scheduler-every-minute'), fromDeploy)).toMatchObject({ examined: expect.any(Number) })
      expect(await versionOf(c.id)).toBeGreaterThan(c.version)
      expect(await notify(timerEvent('notify-every-minute'), fromTimer)).toMatchObject({ sent: expect.any(Number) })
      expect(await pending()).toBeLessThan(waiting)
      // the owner may run them by hand
      expect(await scheduler({}, fromClient(OWNER))).toMatchObject({ examined: expect.any(Number) })
      expect(await notify({}, fromClient(OWNER))).toMatchObject({ sent: expect.any(Number) })
    } finally {
      app.setNow('2026-11-23T03:00:00.000Z')
    }
  })
})

describe('setup: only a deployment invoke, or an owner', () => {
  const emulator = new CloudBaseEmulator()
  const before = process.env.TENCENTCLOUD
  beforeAll(async () => {
    process.env.TENCENTCLOUD = 'true' // no metadata probe of Tencent hosts (see store.cloudbase.test.ts)
    await emulator.start()
  })
  afterAll(async () => {
    mockRuntime.deps = baseDeps
    await emulator.stop()
    if (before === undefined) delete process.env.TENCENTCLOUD
    else process.env.TENCENTCLOUD = before
  })

  test('a client, a web visitor, a timer or an HTTP call is refused before a collection is touched; the deploy invoke runs it', async () => {
    const store = new CloudBaseStore({ env: 'local-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: emulator.url, timeout: 10_000 })
    mockRuntime.deps = { ...baseDeps, store }
    for (const [event, ctx] of [[{}, fromClient(BUYER)], [{}, fromClient(OWNER)], [{ openid: OWNER }, fromWeb], [timerEvent('setup'), fromTimer], [{ httpMethod: 'POST' }, fromDeploy]] as const) {
      expect(await setup(event, ctx)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    }
    expect(emulator.calls.get('database.addCollection') ?? 0).toBe(0)
    expect(await setup({}, fromDeploy)).toMatchObject({ done: true })
    expect(emulator.calls.get('database.addCollection')).toBeGreaterThan(0)
    // once set up, an owner of the roster may run it again; an agent may not
    await store.upsertStaff({ id: OWNER, name: '店主', role: 'owner', teams: ['general'], onDuty: true, active: true } as never)
    await store.upsertStaff({ id: AGENT, name: '客服', role: 'agent', teams: ['general'], onDuty: true, active: true } as never)
    expect(await setup({}, fromClient(AGENT))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    expect(await setup({}, fromClient(OWNER))).toMatchObject({ done: true })
  })
})

describe('channels: only the signed HTTP push', () => {
  const sha1 = (...p: string[]) => createHash('sha1').update([...p].sort().join('')).digest('hex')
  const signedQuery = (ts = Math.floor(Date.parse(app.deps.now()) / 1000), nonce = randomBytes(6).toString('hex')) => ({ signature: sha1(TOKEN, String(ts), nonce), timestamp: String(ts), nonce })
  const event = (id: string) => ({ ToUserName: 'gh_shop', FromUserName: 'o_sys', CreateTime: 1, MsgType: 'event', Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: { status: 'MERCHANT_PROCESSING', after_sale_order_id: id, order_id: '1' } })
  const http = (query: Record<string, string>, body: string, extra: Record<string, unknown> = {}) => ({ httpMethod: 'POST', path: '/channels', headers: {}, queryStringParameters: query, body, isBase64Encoded: false, ...extra })
  const caseOf = (id: string) => app.store.findByIdempotencyKey(AFTERSALE_SCOPE, id)
  const afterSale = () => standin.state.createAfterSale({ orderId: standin.state.createOrder().order_id, type: 'REFUND' }).after_sale_order_id
  beforeAll(() => {
    process.env.CHANNELS_PUSH_TOKEN = TOKEN
  })
  afterAll(() => {
    delete process.env.CHANNELS_PUSH_TOKEN
  })

  test('the event object without the HTTP shape, a client call, and unsigned / stale / replayed pushes are refused with nothing read', async () => {
    const id = afterSale()
    const calls = standin.state.calls.length
    const refusals: [unknown, unknown, number, string][] = [
      [event(id), fromDeploy, 403, 'FORBIDDEN'], // what the old entry trusted as a push from WeChat's network
      [event(id), fromClient(BUYER), 403, 'FORBIDDEN'],
      [http(signedQuery(), JSON.stringify(event(id))), fromClient(BUYER), 403, 'FORBIDDEN'], // a client call dressed as HTTP
      [http({}, JSON.stringify(event(id))), fromDeploy, 401, 'BAD_SIGNATURE'],
      [http({ signature: 'deadbeef', timestamp: '1', nonce: '2' }, JSON.stringify(event(id))), fromDeploy, 401, 'BAD_SIGNATURE'],
      [http(signedQuery(978_307_200), JSON.stringify(event(id))), fromDeploy, 401, 'STALE'],
      [http(signedQuery(), 'x'.repeat(400 * 1024)), fromDeploy, 413, 'TOO_LARGE'],
      [http(signedQuery(), JSON.stringify(event(id)), { httpMethod: 'PUT' }), fromDeploy, 405, 'METHOD_NOT_ALLOWED'],
    ]
    for (const [ev, ctx, status, code] of refusals) {
      const r = (await channels(ev, ctx)) as { statusCode: number; body: string }
      expect([r.statusCode, (JSON.parse(r.body) as { error: { code: string } }).error.code]).toEqual([status, code])
    }
    expect(standin.state.calls.length).toBe(calls)
    expect(await caseOf(id)).toBeNull()

    const q = signedQuery()
    const body = Buffer.from(JSON.stringify(event(id))).toString('base64')
    expect(await channels(http(q, body, { isBase64Encoded: true }), fromDeploy)).toMatchObject({ statusCode: 200, body: 'success' })
    expect(await caseOf(id)).not.toBeNull()
    const read = standin.state.calls.length
    expect(await channels(http(q, body, { isBase64Encoded: true }), fromDeploy)).toMatchObject({ statusCode: 409 })
    expect(standin.state.calls.length).toBe(read)
  })

  test('the URL check answers echostr only when signed and fresh', async () => {
    expect(await channels({ httpMethod: 'GET', queryStringParameters: { ...signedQuery(), echostr: 'e1' } }, fromDeploy)).toMatchObject({ statusCode: 200, body: 'e1' })
    expect(await channels({ httpMethod: 'GET', queryStringParameters: { ...signedQuery(978_307_200), echostr: 'e1' } }, fromDeploy)).toMatchObject({ statusCode: 401 })
  })
})

describe('the trigger names the entries accept are the deployed ones', () => {
  test('config.json and cloudbaserc.json name the same timer triggers as TIMER_TRIGGERS', () => {
    const root = path.join(__dirname, '..', '..')
    const rc = JSON.parse(fs.readFileSync(path.join(root, 'cloudbaserc.json'), 'utf8')) as { functions: { name: string; triggers?: { name: string; type: string }[] }[] }
    for (const [fn, trigger] of Object.entries(TIMER_TRIGGERS)) {
      const own = JSON.parse(fs.readFileSync(path.join(root, 'cloudfunctions', fn, 'config.json'), 'utf8')) as { triggers: { name: string; type: string }[] }
      expect(own.triggers).toEqual([expect.objectContaining({ name: trigger, type: 'timer' })])
      expect(rc.functions.find((f) => f.name === fn)?.triggers).toEqual([expect.objectContaining({ name: trigger, type: 'timer' })])
    }
  })
})
