/**
 * The gateway against a stranger (issue 14): DNS rebinding, cross-site posts, the dev surface outside
 * the demo, order import, hostile multipart, oversize streaming uploads, the upload quota, evidence
 * on every command that carries it, and the approval threshold over everything of value.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { startGateway, type Gateway, type GatewayOptions } from '../../cloudfunctions/gateway/server'
import { inlineScriptHashes, MEDIA_CSP, pageCsp } from '../../cloudfunctions/gateway/security'

const BUYER = 'buyer-zhao'
const OTHER = 'buyer-wu'
const AGENT = 'staff-amy'
const SUP = 'staff-sup'
const OWNER = 'staff-owner'
const CALL = { 'x-desk-call': '1' }

const dirs: string[] = []
const gateways: Gateway[] = []
let clock = Date.parse('2026-11-23T03:00:00.000Z') // Monday 11:00 in Shanghai
async function gateway(extra: Partial<GatewayOptions> = {}): Promise<Gateway> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-hostile-'))
  dirs.push(dataDir)
  const gw = await startGateway({ host: '127.0.0.1', port: 0, dataDir, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0, now: () => new Date(clock).toISOString(), ...extra })
  gateways.push(gw)
  return gw
}
afterAll(async () => {
  for (const g of gateways) await g.close()
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true })
})

/** A raw request, so the Host header and the body are exactly what a hostile client sends. */
function raw(url: string, opts: { method?: string; path: string; headers?: Record<string, string | number>; body?: Buffer | string | Readable }) {
  const u = new URL(url)
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    if (opts.body instanceof Readable) opts.body.pipe(req)
    else req.end(opts.body)
  })
}

type Answer<T = unknown> = { ok: boolean; data?: T; error?: { code: string; message: string } }
async function fn<T = any>(gw: Gateway, who: string, name: 'aftersale' | 'admin', action: string, data: unknown = {}, key?: string): Promise<Answer<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(`${gw.url}/api/fn/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dev-openid': who, ...CALL },
    body: JSON.stringify({ action, data, idempotencyKey: key }),
  })
  return (await res.json()) as Answer<T>
}
async function ok<T = any>(p: Promise<Answer<T>>): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const r = await p
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`)
  return r.data as T
}

/** Files a case on the first of the buyer's delivered single-item orders that has none open yet. */
async function fileOn(gw: Gateway, who: string, type: string, reason: string, remedy: string, evidence: unknown[] = []) {
  const orders = await ok<{ order: { orderId: string; items: { skuId: string; finalSale?: boolean }[]; deliveredAt?: string } }[]>(fn(gw, who, 'aftersale', 'list_orders'))
  let last: Answer | null = null
  for (const { order: o } of orders.filter((x) => x.order.items.length === 1 && x.order.deliveredAt && !x.order.items[0].finalSale)) {
    const data = { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type, reason, desiredRemedy: remedy, evidence }
    last = await fn<{ case: { id: string; version: number } }>(gw, who, 'aftersale', 'submit', data, `k-${Math.random().toString(36).slice(2)}`)
    if (last.ok) return { ...(last.data as { case: { id: string; version: number } }).case, items: [{ skuId: o.items[0].skuId, qty: 1 }] }
  }
  throw new Error(`no order left to file on: ${JSON.stringify(last?.error)}`)
}

const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(200, 7)])
async function upload(gw: Gateway, who: string, bytes: Buffer = PNG, name = 'a.png') {
  const form = new FormData()
  form.append('file', new Blob([bytes], { type: 'image/png' }), name)
  const res = await fetch(`${gw.url}/api/upload`, { method: 'POST', headers: { 'x-dev-openid': who, ...CALL }, body: form })
  return { status: res.status, body: (await res.json()) as Answer<{ fileId: string; kind: 'image' | 'video'; mime: string; size: number }> }
}
async function evidenceOf(gw: Gateway, who: string) {
  const r = await upload(gw, who)
  expect(r.status).toBe(200)
  const d = r.body.data!
  return { fileId: d.fileId, kind: d.kind, mime: d.mime, size: d.size }
}

describe('the gateway refuses what does not come from its own pages', () => {
  let gw: Gateway
  beforeAll(async () => {
    gw = await gateway()
  })

  test('a request whose Host is not the served address is refused (DNS rebinding)', async () => {
    const port = new URL(gw.url).port
    const body = JSON.stringify({ action: 'whoami', data: {} })
    const headers = { 'content-type': 'application/json', 'x-dev-openid': BUYER, ...CALL }
    for (const host of ['evil.example', `evil.example:${port}`, '127.0.0.1:1', `attacker.127.0.0.1.nip.io:${port}`]) {
      const r = await raw(gw.url, { method: 'POST', path: '/api/fn/aftersale', headers: { ...headers, host }, body })
      expect(r.status).toBe(421)
      expect(r.text).not.toContain('"ok":true')
    }
    const page = await raw(gw.url, { path: '/api/health', headers: { host: `rebound.example:${port}` } })
    expect(page.status).toBe(421)
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const r = await raw(gw.url, { method: 'POST', path: '/api/fn/aftersale', headers: { ...headers, host }, body })
      expect(JSON.parse(r.text)).toMatchObject({ ok: true, data: { openid: BUYER } })
    }
  })

  test('function calls as a form post, as text/plain or without the desk header do nothing', async () => {
    const before = await ok<{ items: unknown[] }>(fn(gw, BUYER, 'aftersale', 'list_cases', {}))
    const orders = await ok<{ order: { orderId: string; items: { skuId: string }[] } }[]>(fn(gw, BUYER, 'aftersale', 'list_orders'))
    const o = orders[0].order
    const envelope = JSON.stringify({ action: 'submit', idempotencyKey: 'csrf-key-1', data: { orderId: o.orderId, claimedItems: [{ skuId: o.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' } })
    const attempts: Record<string, string>[] = [
      { 'content-type': 'text/plain', ...CALL }, // a no-preflight fetch from another page
      { 'content-type': 'text/plain;charset=UTF-8' },
      { 'content-type': 'application/x-www-form-urlencoded' }, // a cross-site <form>
      { 'content-type': 'multipart/form-data; boundary=x' },
      { 'content-type': 'application/json' }, // without the desk header
    ]
    for (const h of attempts) {
      const res = await fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { 'x-dev-openid': BUYER, ...h }, body: envelope })
      expect(res.status).toBe(415)
      expect(((await res.json()) as Answer).ok).toBe(false)
    }
    // a page of another origin that does send the header (after a preflight the gateway never grants) is refused too
    const cross = await fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dev-openid': BUYER, origin: 'http://evil.example', ...CALL }, body: envelope })
    expect(cross.status).toBe(403)
    const sameSite = await fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dev-openid': BUYER, origin: 'http://localhost:1', ...CALL }, body: envelope })
    expect(sameSite.status).toBe(403)
    const after = await ok<{ items: unknown[] }>(fn(gw, BUYER, 'aftersale', 'list_cases', {}))
    expect(after.items.length).toBe(before.items.length)
    // an upload without the header (a cross-site multipart form) is refused before it is read
    const form = new FormData()
    form.append('file', new Blob([PNG]), 'a.png')
    const up = await fetch(`${gw.url}/api/upload`, { method: 'POST', headers: { 'x-dev-openid': BUYER }, body: form })
    expect(up.status).toBe(403)
  })

  test('outside demo mode the dev surface does not exist', async () => {
    for (const p of ['/dev/login', '/dev/messages', '/dev/messages.json', '/dev/whoami']) expect((await fetch(`${gw.url}${p}`)).status).toBe(404)
    const login = await fetch(`${gw.url}/dev/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'openid=staff-owner', redirect: 'manual' })
    expect(login.status).toBe(404)
    expect(login.headers.get('set-cookie')).toBeNull()
    const imp = await fetch(`${gw.url}/dev/import-orders`, { method: 'POST', headers: { 'x-dev-openid': OWNER, ...CALL }, body: 'order_id\n' })
    expect(imp.status).toBe(404)
  })

  test('pages, media and API answers carry nosniff, a content security policy and frame protection', async () => {
    const home = await fetch(`${gw.url}/`)
    const file = await evidenceOf(gw, BUYER)
    const media = await fetch(`${gw.url}/media/${file.fileId.slice(6)}`, { headers: { 'x-dev-openid': BUYER } })
    expect(media.status).toBe(200)
    const api = await fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dev-openid': BUYER, ...CALL }, body: JSON.stringify({ action: 'list_cases', data: {} }) })
    expect(((await api.json()) as { ok: boolean }).ok).toBe(true)
    for (const res of [home, media, api]) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
    }
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(media.headers.get('content-security-policy')).toContain('sandbox')
    expect(media.headers.get('cross-origin-resource-policy')).toBe('same-origin')
    // a file's own policy replaces the default one, it is not sent beside it (two policies both apply)
    expect(media.headers.get('content-security-policy')).toBe(MEDIA_CSP)
  })

  test("the H5 page's policy allows its inline script and is the only one sent", async () => {
    const h5Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-h5-'))
    dirs.push(h5Dir)
    fs.writeFileSync(path.join(h5Dir, 'index.html'), '<!doctype html><html><head><script>document.documentElement.style.fontSize = "20px"</script></head><body></body></html>')
    const page = await fetch(`${(await gateway({ h5Dir })).url}/`)
    expect(page.status).toBe(200)
    // the default policy beside it would block the inline script (every policy sent applies)
    expect(page.headers.get('content-security-policy')).toBe(pageCsp(inlineScriptHashes(h5Dir)))
    expect(page.headers.get('content-security-policy')).toMatch(/'sha256-[^']+'/)
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
  })

  test('a malformed multipart body is a 400, never a 500', async () => {
    const send = (contentType: string | undefined, body: string | Buffer) =>
      raw(gw.url, { method: 'POST', path: '/api/upload', headers: { host: new URL(gw.url).host, 'x-dev-openid': BUYER, ...CALL, ...(contentType ? { 'content-type': contentType } : {}) }, body })
    const b = 'XyZ'
    const bodies: [string | undefined, string | Buffer][] = [
      [undefined, 'hello'],
      ['multipart/form-data', `--${b}\r\n`], // no boundary parameter
      [`multipart/form-data; boundary=${b}`, 'no delimiter at all'],
      [`multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n${PNG.toString('latin1')}`], // never closed
      [`multipart/form-data; boundary=${b}`, `--${b}\r\nX-Nothing: 1\r\n\r\nabc\r\n--${b}--\r\n`], // part without disposition
      [`multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n${'H: v\r\n'.repeat(3000)}`], // endless headers
      [`multipart/form-data; boundary=${b}`, `--${b}--\r\n`], // no file
      [`multipart/form-data; boundary=${b}`, `--${b}\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--${b}--\r\n`],
      [`multipart/form-data; boundary=${b}`, Buffer.concat([Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="x.exe"\r\n\r\n`), Buffer.from('MZ\x90\x00'), Buffer.from(`\r\n--${b}--\r\n`)])],
    ]
    for (const [ct, body] of bodies) {
      const r = await send(ct, body)
      expect(r.status).toBe(400)
      expect(JSON.parse(r.text)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    }
    // a well-formed upload from the same client still works, and no half-written file is left behind
    expect((await upload(gw, BUYER)).status).toBe(200)
    expect(fs.readdirSync(path.join(dirs[0], 'media')).filter((f) => f.endsWith('.part'))).toEqual([])
  })

  test('an oversize upload is refused while it streams, declared or not, and nothing is kept', async () => {
    const b = 'BoUnDaRy'
    const head = Buffer.from(`--${b}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: video/mp4\r\n\r\n`)
    const mp4 = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d])
    const mb = Buffer.alloc(1024 * 1024, 1)
    /** 200 MB sent chunked (no Content-Length), as fast as the socket takes it */
    const endless = () => {
      let sent = 0
      return new Readable({
        read() {
          if (sent === 0) this.push(Buffer.concat([head, mp4]))
          if (sent >= 200) return this.push(null)
          sent++
          this.push(mb)
        },
      })
    }
    const headers = { host: new URL(gw.url).host, 'x-dev-openid': BUYER, ...CALL, 'content-type': `multipart/form-data; boundary=${b}` }
    const chunked = await raw(gw.url, { method: 'POST', path: '/api/upload', headers: { ...headers, 'transfer-encoding': 'chunked' }, body: endless() }).catch((e: Error) => ({ status: -1, text: e.message, headers: {} }))
    // either the 413 arrives, or the gateway closed the socket mid-body (it does not read 200 MB)
    if (chunked.status !== -1) {
      expect(chunked.status).toBe(413)
      expect(JSON.parse(chunked.text)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } })
    }
    const declared = await raw(gw.url, { method: 'POST', path: '/api/upload', headers: { ...headers, 'content-length': 200 * 1024 * 1024 }, body: Buffer.concat([head, mp4]) }).catch((e: Error) => ({ status: -1, text: e.message, headers: {} }))
    expect(declared.status).toBe(413)
    expect(fs.readdirSync(path.join(dirs[0], 'media')).filter((f) => f.endsWith('.part'))).toEqual([])
    expect((await fetch(`${gw.url}/api/health`)).status).toBe(200)
  })
})

describe('demo mode: sign-in, messages and the owner-only order import', () => {
  let gw: Gateway
  beforeAll(async () => {
    gw = await gateway({ demo: true })
  })
  const csv = (rows: string[]) => ['order_id,buyer_openid,sku_id,name,qty,unit_price_fen,paid_at', ...rows].join('\n')
  const importAs = (who: string | null, body: string, headers: Record<string, string> = CALL) =>
    fetch(`${gw.url}/dev/import-orders`, { method: 'POST', headers: { ...(who ? { 'x-dev-openid': who } : {}), ...headers }, body }).then(async (r) => ({ status: r.status, body: (await r.json()) as Answer<{ imported: number; refused: string[] }> }))

  test('the dev pages exist in the demo, and a sign-in posted from another site is refused', async () => {
    expect((await fetch(`${gw.url}/dev/login`)).status).toBe(200)
    const cross = await fetch(`${gw.url}/dev/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://evil.example' }, body: 'openid=staff-owner', redirect: 'manual' })
    expect(cross.status).toBe(403)
    expect(cross.headers.get('set-cookie')).toBeNull()
    const own = await fetch(`${gw.url}/dev/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.url }, body: 'openid=staff-owner', redirect: 'manual' })
    expect(own.status).toBe(302)
    expect(own.headers.get('set-cookie')).toContain('dev_openid=staff-owner')
  })

  test('only the owner imports orders, and an import never moves an order to another buyer or changes what was paid', async () => {
    const row = (id: string, buyer: string, price: number) => `${id},${buyer},SKU-IMP,导入商品,1,${price},2026-11-20T02:00:00Z`
    expect((await importAs(null, csv([row('IMP1', BUYER, 5000)]))).status).toBe(401)
    expect((await importAs(AGENT, csv([row('IMP1', BUYER, 5000)]))).status).toBe(403)
    expect((await importAs(SUP, csv([row('IMP1', BUYER, 5000)]))).status).toBe(403)
    expect((await importAs(OWNER, csv([row('IMP1', BUYER, 5000)]), {})).status).toBe(403) // no desk header
    expect(await importAs(OWNER, csv([row('IMP1', BUYER, 5000)]))).toMatchObject({ status: 200, body: { ok: true, data: { imported: 1, refused: [] } } })
    // the seeded demo order of another buyer, and the one just imported: neither may change hands or price
    const seeded = (await ok<{ order: { orderId: string; paidFen: number } }[]>(fn(gw, OTHER, 'aftersale', 'list_orders')))[0].order
    const hostile = await importAs(OWNER, csv([row('IMP1', OTHER, 5000), row('IMP1b', BUYER, 100), row(seeded.orderId, BUYER, 1)]))
    expect(hostile.body).toMatchObject({ ok: true, data: { imported: 1, refused: ['IMP1', seeded.orderId] } })
    const repriced = await importAs(OWNER, csv([row('IMP1', BUYER, 1)]))
    expect(repriced.body.data?.refused).toEqual(['IMP1'])
    const mine = await ok<{ order: { orderId: string; paidFen: number; buyerOpenid: string } }[]>(fn(gw, BUYER, 'aftersale', 'list_orders', { limit: 100 }))
    expect(mine.find((o) => o.order.orderId === 'IMP1')?.order.paidFen).toBe(5000)
    const theirs = await ok<{ order: { orderId: string; paidFen: number } }[]>(fn(gw, OTHER, 'aftersale', 'list_orders', { limit: 100 }))
    expect(theirs.find((o) => o.order.orderId === seeded.orderId)?.order.paidFen).toBe(seeded.paidFen)
    expect(mine.some((o) => o.order.orderId === seeded.orderId)).toBe(false)
  })

  test('CSV money and counts must be safe integers', async () => {
    for (const price of ['1e3', '12.5', '-1', '99999999999999999999', '0x10', '9007199254740993']) {
      const r = await importAs(OWNER, csv([`BAD1,${BUYER},SKU-IMP,导入商品,1,${price},2026-11-20T02:00:00Z`]))
      expect(r.status).toBe(400)
      expect(r.body.ok).toBe(false)
    }
    const qty = await importAs(OWNER, csv([`BAD2,${BUYER},SKU-IMP,导入商品,99999999,100,2026-11-20T02:00:00Z`]))
    expect(qty.status).toBe(400)
    const total = await importAs(OWNER, csv([`BAD3,${BUYER},SKU-IMP,导入商品,100000,10000000000,2026-11-20T02:00:00Z`])) // ¥10^13 in all
    expect(total.status).toBe(400)
  })
})

describe('--allow-remote', () => {
  test('refuses to start without an access token, in the demo or not', async () => {
    await expect(gateway({ host: '0.0.0.0', allowRemote: true, demo: true })).rejects.toThrow(/access token/)
    await expect(gateway({ host: '0.0.0.0', allowRemote: true })).rejects.toThrow(/access token/)
    await expect(gateway({ host: '0.0.0.0' })).rejects.toThrow(/allow-remote/)
  })

  test('with a token, nothing but health answers without it', async () => {
    const token = 'x'.repeat(12) + 'secret-token'
    const gw = await gateway({ host: '0.0.0.0', allowRemote: true, demo: true, accessToken: token })
    const base = gw.url.replace('0.0.0.0', '127.0.0.1')
    expect((await fetch(`${base}/api/health`)).status).toBe(200)
    expect((await fetch(`${base}/dev/login`)).status).toBe(401)
    expect((await fetch(`${base}/dev/login`, { headers: { 'x-access-token': 'wrong' } })).status).toBe(401)
    expect((await fetch(`${base}/dev/login`, { headers: { 'x-access-token': token } })).status).toBe(200)
    expect((await fetch(`${base}/dev/login`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200)
    const link = await fetch(`${base}/dev/login?access_token=${token}`, { redirect: 'manual' })
    expect(link.status).toBe(302)
    expect(link.headers.get('location')).toBe('/dev/login')
    const cookie = link.headers.get('set-cookie')!.split(';')[0]
    expect((await fetch(`${base}/dev/login`, { headers: { cookie } })).status).toBe(200)
    const call = await fetch(`${base}/api/fn/aftersale`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-dev-openid': BUYER, ...CALL }, body: '{"action":"whoami"}' })
    expect(call.status).toBe(401)
  })
})

describe('evidence is verified on every command that carries it, exactly as at submit', () => {
  let gw: Gateway
  beforeAll(async () => {
    gw = await gateway()
  })

  const fileCase = (who: string, type = 'refund_only', reason = 'quality_defect', evidence: unknown[] = []) =>
    fileOn(gw, who, type, reason, type === 'refund_only' ? 'refund' : 'return_refund', evidence)

  async function hostileEvidence(who: string) {
    const mine = await evidenceOf(gw, who)
    const theirs = await evidenceOf(gw, OTHER)
    const staffs = await evidenceOf(gw, AGENT)
    return {
      mine,
      bad: [
        ['another buyer\'s upload', [theirs]],
        ['a staff member\'s upload', [staffs]],
        ['an address on the internet', [{ fileId: 'https://evil.example/x.png', kind: 'image', mime: 'image/png', size: 100 }]],
        ['a cloud file of another environment', [{ fileId: 'cloud://other-env.1234/evidence/a.png', kind: 'image', mime: 'image/png', size: 100 }]],
        ['an id that was never uploaded', [{ fileId: 'local:00000000-0000-0000-0000-000000000000', kind: 'image', mime: 'image/png', size: 100 }]],
        ['a path instead of an id', [{ fileId: 'local:../aftersale.db', kind: 'image', mime: 'image/png', size: 100 }]],
        ['a lie about the size', [{ ...mine, size: 1 }]],
        ['a lie about the type', [{ ...mine, kind: 'video', mime: 'video/mp4' }]],
        ['too many files', Array.from({ length: 10 }, () => mine)],
      ] as [string, unknown[]][],
    }
  }

  test('submit, provide_info and appeal accept only the buyer\'s own uploads of this desk', async () => {
    const { mine, bad } = await hostileEvidence(BUYER)
    for (const [, evidence] of bad) {
      const r = await fn(gw, BUYER, 'aftersale', 'submit', { orderId: 'x', claimedItems: [{ skuId: 'x', qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund', evidence }, 'key-bad-evidence')
      expect(r.ok).toBe(false)
    }
    const c = await fileCase(BUYER)
    await ok(fn(gw, AGENT, 'admin', 'ask_info', { caseId: c.id, text: '请补充照片' }))
    for (const [what, evidence] of bad) {
      const r = await fn(gw, BUYER, 'aftersale', 'provide_info', { caseId: c.id, text: '照片', evidence })
      expect([what, r.ok, r.error?.code]).toEqual([what, false, 'VALIDATION'])
    }
    const provided = await ok<{ status: string; timeline: { data?: { evidence?: string[] } }[] }>(fn(gw, BUYER, 'aftersale', 'provide_info', { caseId: c.id, text: '照片', evidence: [mine] }))
    expect(provided.status).toBe('in_review')

    await ok(fn(gw, AGENT, 'admin', 'reject', { caseId: c.id, text: '不符合' }))
    for (const [what, evidence] of bad) {
      const r = await fn(gw, BUYER, 'aftersale', 'appeal', { caseId: c.id, text: '申诉', evidence })
      expect([what, r.ok, r.error?.code]).toEqual([what, false, 'VALIDATION'])
    }
    const again = await evidenceOf(gw, BUYER)
    expect((await ok<{ status: string }>(fn(gw, BUYER, 'aftersale', 'appeal', { caseId: c.id, text: '申诉', evidence: [again] }))).status).not.toBe('rejected')
  })

  test('inspection photos must be staff uploads of this desk, images only', async () => {
    const c = await fileCase(BUYER, 'return_refund', 'size_fit')
    await ok(fn(gw, AGENT, 'admin', 'approve', { caseId: c.id, expectedVersion: c.version }))
    const version = async () => (await ok<{ version: number }>(fn(gw, AGENT, 'admin', 'get_case', { caseId: c.id }))).version
    await ok(fn(gw, AGENT, 'admin', 'receive_return', { caseId: c.id, expectedVersion: await version() }))
    const buyers = (await evidenceOf(gw, BUYER)).fileId
    const mp4 = Buffer.concat([Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]), Buffer.alloc(64)])
    const video = (await upload(gw, AGENT, mp4, 'v.mp4')).body.data!.fileId
    for (const photos of [[buyers], ['https://evil.example/p.png'], ['local:nope'], [video], ['cloud://other-env.1/evidence/staff-amy/p.png']]) {
      const r = await fn(gw, AGENT, 'admin', 'inspect', { caseId: c.id, result: 'pass', note: '完好', photos, expectedVersion: await version() })
      expect([photos, r.error?.code]).toEqual([photos, 'VALIDATION'])
    }
    const supPhoto = (await evidenceOf(gw, SUP)).fileId
    const done = await ok<{ inspection: { photos: string[] } }>(fn(gw, AGENT, 'admin', 'inspect', { caseId: c.id, result: 'pass', note: '完好', photos: [supPhoto], expectedVersion: await version() }))
    expect(done.inspection.photos).toEqual([supPhoto])
  })

  test('uploads never attached to a case are swept after a day; attached ones stay', async () => {
    const kept = await evidenceOf(gw, BUYER)
    const orphan = await evidenceOf(gw, BUYER)
    await fileCase(BUYER, 'refund_only', 'quality_defect', [kept])
    clock += 25 * 3600_000
    await gw.tick()
    const get = (f: { fileId: string }) => fetch(`${gw.url}/media/${f.fileId.slice(6)}`, { headers: { 'x-dev-openid': BUYER } }).then((r) => r.status)
    expect(await get(kept)).toBe(200)
    expect(await get(orphan)).toBe(404)
    expect(fs.existsSync(path.join(dirs[dirs.length - 1], 'media', orphan.fileId.slice(6)))).toBe(false)
  })
})

test('the upload quota per identity: refused with LIMIT_EXCEEDED once the day\'s files are used up', async () => {
  const gw = await gateway({ uploadQuota: { files: 3, bytes: 1024 * 1024 } })
  for (let i = 0; i < 3; i++) expect((await upload(gw, BUYER)).status).toBe(200)
  const over = await upload(gw, BUYER)
  expect(over.status).toBe(429)
  expect(over.body.error?.code).toBe('LIMIT_EXCEEDED')
  expect((await upload(gw, OTHER)).status).toBe(200) // per identity
  clock += 25 * 3600_000
  expect((await upload(gw, BUYER)).status).toBe(200) // a rolling day
})

describe('the approval threshold counts everything of value (threshold ¥200)', () => {
  let gw: Gateway
  beforeAll(async () => {
    gw = await gateway()
  })
  let n = 0
  async function reviewed() {
    const c = await fileOn(gw, n++ % 2 ? OTHER : BUYER, 'compensation', 'quality_defect', 'compensation')
    await ok(fn(gw, AGENT, 'admin', 'respond', { caseId: c.id, text: '您好' }))
    return { caseId: c.id, items: c.items }
  }
  const offer = (o: Record<string, unknown>) => ({ kind: 'coupon', explanation: '心意', ...o })

  test.each([
    ['a coupon', { kind: 'coupon', couponFen: 20001 }],
    ['a resend with a gift', { kind: 'resend', giftValueFen: 30000, withItems: true }],
    ['compensation plus a coupon', { kind: 'compensation', compensationFen: 15000, couponFen: 6000 }],
  ])('%s above the threshold needs a supervisor', async (_what, spec) => {
    const { caseId, items } = await reviewed()
    const { withItems, ...o } = spec as Record<string, unknown>
    if (withItems) o.items = items
    // the agent's offer is not made: it becomes an approval request of its full value
    const byAgent = await ok<{ status: string; offers: { status: string }[]; money: { pendingApproval: { valueFen: number; summary: string } | null } }>(fn(gw, AGENT, 'admin', 'make_offer', { caseId, offers: [offer(o)] }))
    expect(byAgent.status).toBe('in_review')
    expect(byAgent.offers.filter((x) => x.status === 'offered')).toEqual([])
    expect(byAgent.money.pendingApproval?.valueFen).toBeGreaterThan(20000)
    expect(byAgent.money.pendingApproval?.summary).toContain('心意')
    const bySup = await ok<{ offers: { needsSupervisor: boolean; status: string }[] }>(fn(gw, SUP, 'admin', 'make_offer', { caseId, offers: [offer(o)] }))
    expect(bySup.offers.find((x) => x.status === 'offered')?.needsSupervisor).toBe(true)
  })

  test('coupon and gift values have a maximum in the contract', async () => {
    const { caseId, items } = await reviewed()
    const r = await fn(gw, SUP, 'admin', 'make_offer', { caseId, offers: [offer({ couponFen: 10_000_001 })] })
    expect(r.error?.code).toBe('VALIDATION')
    const g = await fn(gw, SUP, 'admin', 'make_offer', { caseId, offers: [offer({ kind: 'resend', items, giftValueFen: Number.MAX_SAFE_INTEGER + 2 })] })
    expect(g.error?.code).toBe('VALIDATION')
  })
})
