/**
 * The shop's push endpoint against an attacker (issue 20 §2, §8): the real gateway route, the real
 * Channels adapter against the local stand-in shop (whose call log shows every shop API call a
 * push cost) and the SQLite store shared by two gateway instances. Then a fuzz of push bodies
 * through the use case: no crash, no hang, no effect without a signature.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { encryptMessage, openPushBody, parseAfterSaleEvent, PushError, PUSH_LIMITS, type PushConfig } from '../../cloudfunctions/adapters/channels/push'
import { AFTERSALE_SCOPE } from '../../cloudfunctions/app/usecases/import-aftersale'
import { receiveChannelsPush } from '../../cloudfunctions/app/usecases/receive-channels-push'
import { startChannelsStandin, type ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { startGateway, type Gateway, type GatewayOptions } from '../../cloudfunctions/gateway/server'
import type { Store } from '../../cloudfunctions/ports/store'

jest.setTimeout(60_000)

const TOKEN = 'push-token-hostile'
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG'
const clock = Date.parse('2026-11-23T02:00:00.000Z')
const nowSec = () => Math.floor(clock / 1000)

let standin: ChannelsStandin
const dirs: string[] = []
const gateways: Gateway[] = []

async function gateway(push: PushConfig, extra: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const dataDir = extra.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'push-hostile-'))
  if (!extra.dataDir) dirs.push(dataDir)
  const shop = (store: Store) => new ChannelsShop({ appid: standin.state.appid, secret: standin.state.secret, baseUrl: standin.url, store, now: () => clock, sleep: async () => {} })
  const gw = await startGateway({ dataDir, port: 0, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0, now: () => new Date(clock).toISOString(), shop, push, ...extra })
  gateways.push(gw)
  return gw
}

beforeAll(async () => {
  standin = await startChannelsStandin({ clock: { now: () => clock }, pushToken: TOKEN })
})
afterAll(async () => {
  for (const g of gateways) await g.close()
  await standin.close()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

const sha1 = (...p: string[]) => createHash('sha1').update([...p].sort().join('')).digest('hex')
/** The URL query WeChat signs: `signature` over token / timestamp / nonce (and `msg_signature` over Encrypt in safe mode). */
function signed(opts: { ts?: number; nonce?: string; encrypt?: string; token?: string } = {}): string {
  const timestamp = String(opts.ts ?? nowSec())
  const nonce = opts.nonce ?? randomBytes(6).toString('hex')
  const q = new URLSearchParams({ signature: sha1(opts.token ?? TOKEN, timestamp, nonce), timestamp, nonce })
  if (opts.encrypt) {
    q.set('encrypt_type', 'aes')
    q.set('msg_signature', sha1(opts.token ?? TOKEN, timestamp, nonce, opts.encrypt))
  }
  return q.toString()
}
const event = (id: string, status = 'MERCHANT_PROCESSING') =>
  JSON.stringify({ ToUserName: 'gh_shop', FromUserName: 'o_sys', CreateTime: nowSec(), MsgType: 'event', Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: { status, after_sale_order_id: id, order_id: '1' } })

/** A real after-sale on the stand-in shop (not pushed by it: the tests push). */
function afterSale(): string {
  return standin.state.createAfterSale({ orderId: standin.state.createOrder().order_id, type: 'REFUND' }).after_sale_order_id
}
/** getaftersaleorder calls the shop answered so far: each push that got through costs one */
const shopReads = () => standin.state.calls.filter((c) => c.path.endsWith('/getaftersaleorder')).length
const caseOf = (gw: Gateway, id: string) => gw.deps.store.findByIdempotencyKey(AFTERSALE_SCOPE, id)

async function post(gw: Gateway, query: string, body: string | Buffer) {
  const r = await fetch(`${gw.url}/channels/push?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const text = await r.text()
  return { status: r.status, text, code: r.ok ? null : ((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null) }
}

/** Fails the test when `p` has not settled within `ms` (a hang guard, not a timing target). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let t: NodeJS.Timeout
  return Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(t))
}

describe('the push endpoint refuses replays, stale and forged pushes before any shop call', () => {
  let gw: Gateway
  let twin: Gateway
  beforeAll(async () => {
    gw = await gateway({ token: TOKEN })
    // a second instance on the same store: the remembered nonces are the store's, not a process's
    twin = await gateway({ token: TOKEN }, { dataDir: dirs[dirs.length - 1], seed: false })
  })

  test('a captured push replayed 100 times, to this instance and another: refused every time, one shop call, one case', async () => {
    const id = afterSale()
    const query = signed()
    const body = event(id)
    const before = shopReads()
    expect(await post(gw, query, body)).toMatchObject({ status: 200, text: 'success' })
    expect(shopReads()).toBe(before + 1)
    expect(await caseOf(gw, id)).not.toBeNull()
    const replays = []
    for (let i = 0; i < 100; i++) replays.push(await post(i % 2 ? twin : gw, query, body))
    expect(replays.filter((r) => r.status === 409 && r.code === 'REPLAYED')).toHaveLength(100)
    expect(shopReads()).toBe(before + 1)
  })

  test('a captured signature used with another body is refused, and the other after-sale is not read', async () => {
    const first = afterSale()
    const other = afterSale()
    const query = signed()
    expect((await post(gw, query, event(first))).status).toBe(200)
    const before = shopReads()
    expect(await post(twin, query, event(other, 'MERCHANT_REFUND_SUCCESS'))).toMatchObject({ status: 409, code: 'REPLAYED' })
    expect(shopReads()).toBe(before)
    expect(await caseOf(gw, other)).toBeNull()
  })

  test('a correctly signed timestamp from 2001, or an hour ahead, is refused without a shop call', async () => {
    const id = afterSale()
    const before = shopReads()
    expect(await post(gw, signed({ ts: 978_307_200 }), event(id))).toMatchObject({ status: 401, code: 'STALE' })
    expect(await post(gw, signed({ ts: nowSec() + 3600 }), event(id))).toMatchObject({ status: 401, code: 'STALE' })
    expect(await post(gw, signed({ ts: nowSec() - PUSH_LIMITS.windowSeconds - 1 }), event(id))).toMatchObject({ status: 401, code: 'STALE' })
    expect(shopReads()).toBe(before)
    expect(await caseOf(gw, id)).toBeNull()
    // the URL check (GET with echostr) is held to the same window
    const r = await fetch(`${gw.url}/channels/push?${signed({ ts: 978_307_200 })}&echostr=hi`)
    expect(r.status).toBe(401)
    expect(await (await fetch(`${gw.url}/channels/push?${signed()}&echostr=hi`)).text()).toBe('hi')
  })

  test('unsigned and wrongly signed pushes are refused with a code, never a 5xx', async () => {
    const id = afterSale()
    const before = shopReads()
    for (const query of ['', 'signature=deadbeef&timestamp=1&nonce=2', signed({ token: 'not-the-token' }), signed({ nonce: 'x'.repeat(65) }), signed({ nonce: 'a/b' })]) {
      const r = await post(gw, query, event(id))
      expect(r.status).toBe(401)
      expect(['BAD_SIGNATURE', 'STALE']).toContain(r.code)
    }
    expect(shopReads()).toBe(before)
  })
})

describe('behind the access token (remote / production), the push endpoint still answers WeChat', () => {
  test('a signed push without our token gets through to the push checks; a forged one is refused by them, not by the token', async () => {
    const gw = await gateway({ token: TOKEN }, { accessToken: 'a'.repeat(16) + '-token' })
    const id = afterSale()
    const ok = await post(gw, signed(), event(id))
    expect(ok.status).toBe(200)
    expect(await caseOf(gw, id)).not.toBeNull()
    const forged = await post(gw, signed({ token: 'not-the-token' }), event(afterSale()))
    expect(forged).toMatchObject({ status: 401, code: 'BAD_SIGNATURE' })
    // everything else still needs the token
    expect((await fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-desk-call': '1' }, body: '{"action":"whoami"}' })).status).toBe(401)
  })
})

describe('safe mode accepts only encrypted pushes', () => {
  test('a signed plaintext body is refused; the encrypted push with its msg_signature is accepted; a changed Encrypt is refused', async () => {
    const gw = await gateway({ token: TOKEN, aesKey: AES_KEY, appid: standin.state.appid })
    const id = afterSale()
    const before = shopReads()
    expect(await post(gw, signed(), event(id))).toMatchObject({ status: 400, code: 'ENCRYPTION_REQUIRED' })
    expect(shopReads()).toBe(before)
    expect(await caseOf(gw, id)).toBeNull()

    const enc = encryptMessage(AES_KEY, standin.state.appid, event(id))
    const other = encryptMessage(AES_KEY, standin.state.appid, event(afterSale()))
    // msg_signature covers Encrypt: a captured one does not carry another body
    expect(await post(gw, signed({ encrypt: enc }), JSON.stringify({ ToUserName: 'gh_shop', Encrypt: other }))).toMatchObject({ status: 401, code: 'BAD_SIGNATURE' })
    expect(await post(gw, signed({ encrypt: enc }), JSON.stringify({ ToUserName: 'gh_shop', Encrypt: enc }))).toMatchObject({ status: 200, text: 'success' })
    expect(await caseOf(gw, id)).not.toBeNull()
  })
})

describe('the body is read with a size cap and a time limit, and parsed in linear time', () => {
  let gw: Gateway
  beforeAll(async () => {
    gw = await gateway({ token: TOKEN, limits: { readTimeoutMs: 500 } })
  })

  /** `mb` MiB sent chunked as fast as the socket takes them; answers the status and how many MiB left the client. */
  function flood(query: string, mb: number) {
    let sent = 0
    const body = new Readable({
      read() {
        if (sent >= mb) return this.push(null)
        sent++
        this.push(Buffer.alloc(1024 * 1024, 0x20))
      },
    })
    const u = new URL(gw.url)
    return new Promise<{ status: number; sentMb: number }>((resolve) => {
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: `/channels/push?${query}`, headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => {
        resolve({ status: res.statusCode ?? 0, sentMb: sent })
        res.resume()
      })
      // the gateway may close the socket before the client finished sending: that is a refusal too
      req.on('error', () => resolve({ status: -1, sentMb: sent }))
      body.pipe(req)
    })
  }

  test('an unsigned 100 MB body is refused before it is read', async () => {
    const r = await flood('signature=deadbeef&timestamp=1&nonce=2', 100)
    expect([401, -1]).toContain(r.status)
    // socket buffers take a few MiB; reading the body would have pulled all 100
    expect(r.sentMb).toBeLessThan(32)
    expect((await fetch(`${gw.url}/api/health`)).status).toBe(200)
  })

  test('a signed body over the cap is refused 413, declared or streamed', async () => {
    const streamed = await flood(signed(), 100)
    expect([413, -1]).toContain(streamed.status)
    expect(streamed.sentMb).toBeLessThan(32)
    const declared = await post(gw, signed(), Buffer.alloc(PUSH_LIMITS.maxBodyBytes + 1, 0x20))
    expect(declared).toMatchObject({ status: 413, code: 'TOO_LARGE' })
  })

  test('a body that trickles in is cut off at the time limit (408)', async () => {
    const u = new URL(gw.url)
    const res = await within(5_000, 'slow body', new Promise<number>((resolve, reject) => {
      const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: `/channels/push?${signed()}`, headers: { 'content-type': 'application/json', 'content-length': 1000 } }, (r) => {
        resolve(r.statusCode ?? 0)
        r.resume()
      })
      req.on('error', reject)
      req.write('{"Event":') // …and nothing more
    }))
    expect(res).toBe(408)
  })

  test('bodies that made the old reader backtrack for seconds do not stall the gateway', async () => {
    const bodies = ['<xml><Encrypt>' + ' '.repeat(2000) + 'x', '<xml><Event>' + ' \n'.repeat(3000), '<xml><Encrypt><![CDATA[' + ' '.repeat(6000)]
    for (const body of bodies) {
      const [push, health] = await within(3_000, 'push + health', Promise.all([post(gw, signed(), body), fetch(`${gw.url}/api/health`)]))
      expect(push).toMatchObject({ status: 400, code: 'BAD_MESSAGE' })
      expect(health.status).toBe(200)
    }
  })
})

describe('fuzz: push bodies', () => {
  const TAGS = ['<xml>', '</xml>', '<Event>', '</Event>', '<Encrypt>', '</Encrypt>', '<finder_shop_aftersale_status_update>', '</finder_shop_aftersale_status_update>', '<status>', '</status>', '<after_sale_order_id>', '</after_sale_order_id>', '<![CDATA[', ']]>', '<!--', '-->', '<?xml version="1.0"?>', '<!DOCTYPE x>', '&amp;', '&#x4e2d;', '&', '<', '>', '/>', 'channels_ec_aftersale_update', 'MERCHANT_PROCESSING', '37001', '\n', '"']
  const xmlish = fc.array(fc.oneof(fc.constantFrom(...TAGS), fc.string({ maxLength: 8 }), fc.nat(3000).map((n) => ' '.repeat(n))), { maxLength: 60 }).map((p) => p.join(''))
  const jsonish = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.record({ Event: fc.oneof(fc.constant('channels_ec_aftersale_update'), fc.string()), finder_shop_aftersale_status_update: fc.oneof(fc.anything({ maxDepth: 2 }), fc.string().map((s) => `\n${s}\nUSER_CANCELD\n`)), Encrypt: fc.option(fc.base64String()) }).map((o) => JSON.stringify(o)),
  )
  const bodies = fc.oneof(xmlish, jsonish, fc.string({ maxLength: 300 }), fc.fullUnicodeString({ maxLength: 100 }))

  test('each body is answered or refused with a PushError within a 100 ms hang guard, signed or not, safe mode or not', () => {
    fc.assert(
      fc.property(bodies, fc.boolean(), (body, safe) => {
        const cfg: PushConfig = safe ? { token: TOKEN, aesKey: AES_KEY } : { token: TOKEN }
        const t = performance.now()
        try {
          parseAfterSaleEvent(openPushBody(cfg, { msg_signature: 'x' }, body))
        } catch (e) {
          if (!(e instanceof PushError)) throw e
        }
        expect(performance.now() - t).toBeLessThan(100)
      }),
      { numRuns: 2_000 },
    )
  })

  test('without a valid signature, window and fresh nonce nothing happens: no case, no shop call', async () => {
    const gw = await gateway({ token: TOKEN })
    const ids = Array.from({ length: 5 }, () => afterSale())
    const valid = fc.constantFrom(...ids).map((id) => event(id))
    const used = signed()
    expect((await post(gw, used, event(afterSale()))).status).toBe(200)
    const reads = standin.state.calls.length
    const cases = await gw.deps.store.countCases({})
    const query = fc.oneof(
      fc.constant({}),
      fc.record({ signature: fc.hexaString({ minLength: 40, maxLength: 40 }), timestamp: fc.constant(String(nowSec())), nonce: fc.string({ minLength: 1, maxLength: 10 }) }),
      fc.constant(Object.fromEntries(new URLSearchParams(signed({ token: 'wrong' })))),
      fc.constant(Object.fromEntries(new URLSearchParams(signed({ ts: nowSec() - 3600 })))),
      fc.constant(Object.fromEntries(new URLSearchParams(used))),
    )
    await fc.assert(
      fc.asyncProperty(query, fc.oneof(valid, bodies), async (q, body) => {
        await expect(receiveChannelsPush(gw.deps, { token: TOKEN }, q, body)).rejects.toBeInstanceOf(PushError)
      }),
      { numRuns: 300 },
    )
    expect(standin.state.calls.length).toBe(reads)
    expect(await gw.deps.store.countCases({})).toBe(cases)
    for (const id of ids) expect(await caseOf(gw, id)).toBeNull()
  })
})
