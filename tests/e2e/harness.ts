import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { CALL_HEADER } from '@contract/api'
import { startGateway, type Gateway, type GatewayOptions } from '../../cloudfunctions/gateway/server'
import { ChannelsShop } from '../../cloudfunctions/adapters/channels/shop'
import { startChannelsStandin, type ChannelsStandin, type ChannelsStandinOptions } from '../../cloudfunctions/gateway/channels-standin'

const root = path.resolve(__dirname, '..', '..')
export const shotsDir = path.join(root, 'test-results', 'screenshots')

/** A gateway on a free loopback port with a fresh SQLite file, serving the real H5 build. */
export async function startTestGateway(): Promise<{ gw: Gateway; dataDir: string }> {
  const h5Dir = process.env.E2E_H5_DIR ? path.resolve(process.env.E2E_H5_DIR) : path.join(root, 'dist/h5')
  if (!fs.existsSync(path.join(h5Dir, 'index.html'))) throw new Error('dist/h5 missing: run `npm run build:h5` first')
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-e2e-'))
  // The scheduler timer is off: its logistics watch would open cases for the seeded unsigned orders
  // mid-test; tests that need a pass call gw.tick().
  const gw = await startGateway({ host: '127.0.0.1', port: 0, dataDir, h5Dir, quiet: true, scheduleEveryMs: 0, demo: true })
  return { gw, dataDir }
}

/** Debian's Chromium, headless, with a fresh profile (never a downloaded browser). */
export async function launchBrowser(): Promise<BrowserContext> {
  const exe = '/usr/bin/chromium'
  if (!fs.existsSync(exe)) throw new Error('Chromium missing at /usr/bin/chromium: run scripts/ensure-chromium.sh (as root)')
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'))
  // A fresh --user-data-dir per run: playwright takes it as the persistent context's folder.
  return chromium.launchPersistentContext(profile, {
    executablePath: exe,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic',
    ],
  })
}

/**
 * One gateway and one browser for a test file: started before its tests, closed after them.
 * Read them through the returned object (they exist once the tests run).
 */
export function gatewayAndBrowserForFile(): { readonly gw: Gateway; readonly browser: BrowserContext } {
  const env = {} as { gw: Gateway; browser: BrowserContext }
  beforeAll(async () => {
    env.gw = (await startTestGateway()).gw
    env.browser = await launchBrowser()
  }, 60_000)
  afterAll(async () => {
    await env.browser?.close()
    await env.gw?.close()
  })
  return env
}

export async function shot(page: Page, name: string) {
  fs.mkdirSync(shotsDir, { recursive: true })
  await page.screenshot({ path: path.join(shotsDir, `${name}.png`), fullPage: true })
}

/** Signs in through the gateway's dev sign-in page as a persona, like a developer would. */
export async function signIn(page: Page, baseUrl: string, openid: string) {
  await page.goto(`${baseUrl}/dev/login`)
  await page.click(`#persona-${openid}`)
  await page.waitForLoadState('load')
}

/** Calls a function over HTTP as a given identity (the seller acting "through the API"). */
export async function callAs<T = unknown>(baseUrl: string, openid: string, fn: 'aftersale' | 'admin', action: string, data: unknown = {}, idempotencyKey?: string): Promise<T> {
  const res = await fetch(`${baseUrl}/api/fn/${fn}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-dev-openid': openid, [CALL_HEADER]: '1' },
    body: JSON.stringify({ action, data, idempotencyKey }),
  })
  const body = (await res.json()) as { ok: boolean; data?: T; error?: { code: string; message: string } }
  if (!body.ok) throw new Error(`${fn}.${action} failed: ${body.error?.code} ${body.error?.message}`)
  return body.data as T
}

/**
 * A gateway connected to the Channels stand-in (real adapter, signed pushes to the gateway) and a
 * phone-sized page, for a test file: started before its tests, closed after them. `now` (ms) is
 * the one clock of the desk, the adapter and the stand-in when a test moves time.
 */
export function shopDeskForFile(o: { standin: ChannelsStandinOptions; gateway?: Partial<GatewayOptions>; now?: () => number }) {
  const env = { errors: [] as string[] } as { standin: ChannelsStandin; gw: Gateway; browser: BrowserContext; page: Page; dataDir: string; errors: string[] }
  beforeAll(async () => {
    const h5Dir = process.env.E2E_H5_DIR ? path.resolve(process.env.E2E_H5_DIR) : path.join(root, 'dist/h5')
    if (!fs.existsSync(path.join(h5Dir, 'index.html'))) throw new Error('dist/h5 missing: run `npm run build:h5` first')
    env.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-e2e-shop-'))
    const opts: ChannelsStandinOptions = { ...o.standin, ...(o.now ? { clock: { now: o.now } } : {}) }
    env.standin = await startChannelsStandin(opts)
    const st = env.standin.state
    env.gw = await startGateway({
      host: '127.0.0.1', port: 0, dataDir: env.dataDir, h5Dir, quiet: true, demo: true, scheduleEveryMs: 0, dispatchEveryMs: 300,
      ...(o.now ? { now: () => new Date(o.now!()).toISOString() } : {}),
      shop: (store) => new ChannelsShop({ appid: st.appid, secret: st.secret, baseUrl: env.standin.url, store, sleep: async () => {}, ...(o.now ? { now: o.now } : {}) }),
      push: { token: o.standin.pushToken ?? '' },
      ...o.gateway,
    })
    opts.pushUrl = `${env.gw.url}/channels/push`
    env.browser = await launchBrowser()
    env.page = await env.browser.newPage()
    await env.page.setViewportSize({ width: 414, height: 860 })
    env.page.setDefaultTimeout(15_000)
    env.page.on('pageerror', (e) => env.errors.push(String(e)))
    env.page.on('console', (m) => {
      if (m.type() === 'error' && !/favicon\.ico$/.test(m.location().url)) env.errors.push(`console: ${m.text().slice(0, 300)}`)
    })
  }, 90_000)
  afterAll(async () => {
    await env.browser?.close()
    await env.gw?.close()
    await env.standin?.close()
    if (env.dataDir) fs.rmSync(env.dataDir, { recursive: true, force: true })
  })
  return env
}
