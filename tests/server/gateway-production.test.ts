/**
 * Production mode is explicit and safe to expose (issue 20). `DESK_MODE=production` starts the
 * real gateway process (`npm start`'s entry) with no shop stand-in, no dev sign-in, no /dev routes
 * and no demo seed; it refuses to start (exit 1, the missing names, nothing written) without a
 * secret; and a caller's identity comes only from the front proxy's header on a request carrying
 * the proxy's token. Before, `--no-demo` still started the stand-in (whose control API answers
 * anyone on loopback) and seeded its after-sales into the real store. Also: the demo's messages
 * page is for the seller's staff only.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { startChannelsStandin, type ChannelsStandin } from '../../cloudfunctions/gateway/channels-standin'
import { startGateway, type Gateway } from '../../cloudfunctions/gateway/server'

jest.setTimeout(120_000)
const root = path.resolve(__dirname, '../..')
const TOKEN = 'proxy-secret-0123456789abcdef'
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' // 43 characters
const CALL = { 'content-type': 'application/json', 'x-desk-call': '1' }

interface Run {
  child: ChildProcess
  out: () => string
  exited: Promise<number | null>
}
function run(args: string[], env: Record<string, string | undefined>): Run {
  const clean = { ...process.env }
  for (const k of Object.keys(clean)) if (/^(CHANNELS_|GATEWAY_ACCESS_TOKEN$|DESK_MODE$|HOST$|PORT$|DATA_DIR$)/.test(k)) delete clean[k]
  const child = spawn(process.execPath, ['--import', 'tsx', 'cloudfunctions/gateway/main.ts', '--port', '0', ...args], {
    cwd: root,
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return { child, out: () => out, exited }
}

/** Its exit code, or 'still running' (then stopped) when it has not exited within ms. */
async function exitOf(r: Run, ms = 30_000): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'still running'>((res) => (timer = setTimeout(() => res('still running'), ms)))
  const code = await Promise.race([r.exited, late])
  clearTimeout(timer)
  if (code === 'still running') await stop(r)
  return code
}

async function started(r: Run): Promise<string> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(r.out())
    if (url) return url[1]
    if (r.child.exitCode !== null) throw new Error(`gateway exited ${r.child.exitCode}: ${r.out()}`)
    if (Date.now() > deadline) throw new Error(`gateway did not start: ${r.out()}`)
    await new Promise((res) => setTimeout(res, 50))
  }
}

async function stop(r: Run) {
  if (r.child.exitCode === null) r.child.kill('SIGTERM')
  await r.exited
}

/** TCP ports the process listens on (Linux /proc): its sockets' inodes matched against LISTEN rows. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>()
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (m) inodes.add(m[1])
    } catch {
      // closed meanwhile
    }
  }
  const ports = new Set<number>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.add(parseInt(f[1].split(':')[1], 16))
    }
  }
  return [...ports].sort((a, b) => a - b)
}

/** Counts of what a demo seed writes; all zero on a store nobody has used. */
function seeded(dataDir: string): Record<string, number> {
  const db = new Database(path.join(dataDir, 'aftersale.db'), { readonly: true })
  try {
    const count = (t: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n
    return { cases: count('cases'), orders: count('orders'), staff: count('staff'), buyers: count('buyers') }
  } finally {
    db.close()
  }
}

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'desk-prod-'))

describe('DESK_MODE=production: the real gateway process', () => {
  let shop: ChannelsStandin
  let secrets: Record<string, string>
  beforeAll(async () => {
    // the "seller's shop" the production gateway is configured with (no network from the suite)
    shop = await startChannelsStandin({ pushToken: 'push-token', aesKey: AES_KEY })
    secrets = {
      DESK_MODE: 'production',
      CHANNELS_APPID: shop.state.appid,
      CHANNELS_SECRET: shop.state.secret,
      CHANNELS_API_BASE: shop.url,
      CHANNELS_PUSH_TOKEN: 'push-token',
      CHANNELS_PUSH_AES_KEY: AES_KEY,
      GATEWAY_ACCESS_TOKEN: TOKEN,
    }
  })
  afterAll(async () => {
    await shop.close()
  })

  test.each([
    ['every secret', ['CHANNELS_APPID', 'CHANNELS_SECRET', 'CHANNELS_PUSH_TOKEN', 'CHANNELS_PUSH_AES_KEY', 'GATEWAY_ACCESS_TOKEN'], ['CHANNELS_APPID', 'CHANNELS_SECRET', 'CHANNELS_PUSH_TOKEN', 'CHANNELS_PUSH_AES_KEY', 'GATEWAY_ACCESS_TOKEN']],
    ['the shop secret', ['CHANNELS_SECRET'], ['CHANNELS_SECRET']],
    ['the push AES key (plaintext pushes)', ['CHANNELS_PUSH_AES_KEY'], ['CHANNELS_PUSH_AES_KEY']],
    ['the proxy access token', ['GATEWAY_ACCESS_TOKEN'], ['GATEWAY_ACCESS_TOKEN']],
  ])('without %s it refuses to start: exit 1, the names, nothing written', async (_what, unset, named) => {
    const dataDir = path.join(tmp(), 'data')
    const env: Record<string, string | undefined> = { ...secrets }
    for (const k of unset) delete env[k]
    const r = run(['--data', dataDir], env)
    expect(await exitOf(r)).toBe(1)
    for (const name of named) expect(r.out()).toContain(name)
    expect(r.out()).not.toContain('running at')
    expect(fs.existsSync(dataDir)).toBe(false)
  })

  test('a short access token, an unknown mode and the old --no-demo flag are refused too', async () => {
    const dataDir = path.join(tmp(), 'data')
    const runs = [
      run(['--data', dataDir], { ...secrets, GATEWAY_ACCESS_TOKEN: 'short' }),
      run(['--data', dataDir], { ...secrets, DESK_MODE: 'prod' }),
      run(['--data', dataDir, '--no-demo'], {}),
    ]
    expect(await Promise.all(runs.map((r) => exitOf(r)))).toEqual([1, 1, 1])
    expect(runs[0].out()).toContain('GATEWAY_ACCESS_TOKEN (at least 16 characters)')
    expect(runs[1].out()).toContain('DESK_MODE must be "production" or "demo"')
    expect(runs[2].out()).toContain('DESK_MODE=production')
    expect(fs.existsSync(dataDir)).toBe(false)
  })

  test('no stand-in, no dev routes, no seed; identity only from the proxy', async () => {
    const dataDir = tmp()
    const r = run(['--data', dataDir], secrets)
    try {
      const base = await started(r)
      const proxy = { 'x-access-token': TOKEN }
      // one listening socket: the gateway's own (no stand-in and its control API in this process)
      expect(listeningPorts(r.child.pid!)).toEqual([Number(new URL(base).port)])
      expect(r.out()).toContain(`视频号小店 ${shop.state.appid}`)

      // each dev route absent, even for a caller holding the proxy's token
      for (const p of ['/dev/login', '/dev/messages', '/dev/messages.json', '/dev/whoami', '/__standin/state']) {
        expect({ p, status: (await fetch(`${base}${p}`, { headers: proxy })).status }).toEqual({ p, status: 404 })
      }
      const login = await fetch(`${base}/dev/login`, { method: 'POST', headers: { ...proxy, 'content-type': 'application/x-www-form-urlencoded' }, body: 'openid=staff-owner', redirect: 'manual' })
      expect(login.status).toBe(404)
      expect(login.headers.get('set-cookie')).toBeNull()
      const imp = await fetch(`${base}/dev/import-orders`, { method: 'POST', headers: { ...proxy, 'x-desk-openid': 'staff-owner', 'x-desk-call': '1' }, body: 'order_id\n' })
      expect(imp.status).toBe(404)

      const call = async (headers: Record<string, string>, fn: 'aftersale' | 'admin', action: string) => {
        const res = await fetch(`${base}/api/fn/${fn}`, { method: 'POST', headers: { ...CALL, ...headers }, body: JSON.stringify({ action, data: {} }) })
        return { status: res.status, body: (await res.json().catch(() => null)) as { ok: boolean; data?: unknown; error?: { code: string } } | null }
      }
      // without the proxy's token: nothing (and no link or cookie sign-in with it)
      expect((await call({ 'x-desk-openid': 'buyer-zhao' }, 'aftersale', 'whoami')).status).toBe(401)
      expect((await fetch(`${base}/?access_token=${TOKEN}`, { redirect: 'manual' })).status).toBe(401)
      expect((await call({ cookie: `desk_access=${TOKEN}`, 'x-desk-openid': 'buyer-zhao' }, 'aftersale', 'whoami')).status).toBe(401)
      // the demo's ways of naming a caller name nobody
      const forgeries: Record<string, string>[] = [{ 'x-dev-openid': 'buyer-zhao' }, { cookie: 'dev_openid=buyer-zhao' }, { 'x-dev-openid': 'staff-owner' }]
      for (const forged of forgeries) {
        const a = await call({ ...proxy, ...forged }, 'aftersale', 'whoami')
        expect(a.body).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } })
      }
      // the proxy's header does
      const me = await call({ ...proxy, 'x-desk-openid': 'buyer-zhao' }, 'aftersale', 'whoami')
      expect(me.body).toMatchObject({ ok: true })
      // no demo roster: the demo owner's id is nobody's
      expect((await call({ ...proxy, 'x-desk-openid': 'staff-owner' }, 'admin', 'queue')).body).toMatchObject({ ok: false })
      // the public Host the proxy forwards is answered (the token, not the Host, guards production),
      // but a write from another site's page still is not
      const viaProxy = (origin: string) =>
        new Promise<number>((resolve, reject) => {
          const u = new URL(base)
          const body = JSON.stringify({ action: 'whoami', data: {} })
          const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/api/fn/aftersale', headers: { ...CALL, ...proxy, host: 'desk.example.com', origin, 'x-desk-openid': 'buyer-zhao' } }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
          req.on('error', reject)
          req.end(body)
        })
      expect(await viaProxy('https://desk.example.com')).toBe(200)
      expect(await viaProxy('https://evil.example')).toBe(403)
    } finally {
      await stop(r)
    }
    // nothing seeded into the real store: no demo staff, buyers, orders or shop after-sales
    expect(seeded(dataDir)).toEqual({ cases: 0, orders: 0, staff: 0, buyers: expect.any(Number) })
    expect(seeded(dataDir).buyers).toBeLessThanOrEqual(1) // at most the buyer whoami recorded
  })

  test('the demo, by contrast, runs the stand-in beside the gateway and seeds it (the checks above can fail)', async () => {
    const dataDir = tmp()
    const r = run(['--data', dataDir], {})
    try {
      const base = await started(r)
      const ports = listeningPorts(r.child.pid!)
      expect(ports).toHaveLength(2)
      const standin = ports.find((p) => p !== Number(new URL(base).port))!
      expect((await fetch(`http://127.0.0.1:${standin}/__standin/state`)).status).toBe(200)
      expect((await fetch(`${base}/dev/login`)).status).toBe(200)
    } finally {
      await stop(r)
    }
    expect(seeded(dataDir).staff).toBeGreaterThan(0)
  })
})

describe('startGateway({ production: true })', () => {
  test('refuses without the proxy token or with the demo surface or seed', async () => {
    const dataDir = tmp()
    await expect(startGateway({ dataDir, production: true, port: 0, quiet: true })).rejects.toThrow(/GATEWAY_ACCESS_TOKEN/)
    await expect(startGateway({ dataDir, production: true, demo: true, accessToken: TOKEN, port: 0, quiet: true })).rejects.toThrow(/no demo/)
    await expect(startGateway({ dataDir, production: true, seed: true, accessToken: TOKEN, port: 0, quiet: true })).rejects.toThrow(/no demo/)
  })
})

describe('the demo messages page', () => {
  let gw: Gateway
  beforeAll(async () => {
    gw = await startGateway({ dataDir: tmp(), demo: true, seed: true, port: 0, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0 })
    // a buyer's case, so there are messages with an openid in them
    const post = async (action: string, data: unknown, idempotencyKey?: string) =>
      (await (await fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { ...CALL, 'x-dev-openid': 'buyer-zhao' }, body: JSON.stringify({ action, data, idempotencyKey }) })).json()) as { ok: boolean; data: unknown }
    const orders = (await post('list_orders', {})).data as { order: { orderId: string; items: { skuId: string }[] } }[]
    let filed = false
    for (const { order } of orders) {
      const data = { orderId: order.orderId, claimedItems: [{ skuId: order.items[0].skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }
      if ((await post('submit', data, `msg-page-${order.orderId}`)).ok) {
        filed = true
        break
      }
    }
    expect(filed).toBe(true)
    await gw.tick()
  })
  afterAll(async () => {
    await gw.close()
  })

  test.each(['/dev/messages', '/dev/messages.json'])('%s: 401 anonymous, 403 for a buyer, the list for staff', async (p) => {
    const anon = await fetch(`${gw.url}${p}`)
    expect(anon.status).toBe(401)
    expect(await anon.text()).not.toContain('buyer-zhao')
    const buyer = await fetch(`${gw.url}${p}`, { headers: { cookie: 'dev_openid=buyer-zhao' } })
    expect(buyer.status).toBe(403)
    expect(await buyer.text()).not.toContain('buyer-zhao')
    const staff = await fetch(`${gw.url}${p}`, { headers: { cookie: 'dev_openid=staff-amy' } })
    expect(staff.status).toBe(200)
    expect(await staff.text()).toContain('buyer-zhao')
  })
})
