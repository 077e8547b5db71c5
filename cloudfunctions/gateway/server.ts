import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { Hono, type Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { serve, type HttpBindings, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { getCookie, setCookie, deleteCookie } from 'hono/cookie'
import { parse as parseCookies } from 'hono/utils/cookie'
import { FunctionNameSchema } from '@contract/api'
import { SqliteStore } from '../adapters/sqlite/store'
import { LocalPayments } from '../adapters/local/payments'
import { LocalMedia, MEDIA_LIMITS, sniffMime } from '../adapters/local/media'
import type { Deps } from '../app/deps'
import type { FunctionHandler } from '../app/function'
import { aftersaleFunction } from '../app/aftersale'
import { adminFunction } from '../app/admin'
import { seedDemoShop, PERSONAS } from './seed'
import { parseOrdersCsv } from '../adapters/local/orders-csv'
import { RecordingSender } from '../adapters/local/sender'
import { dispatchOutbox } from '../app/usecases/dispatch-outbox'
import { runScheduler } from '../app/usecases/run-scheduler'
import { devLoginPage, messagesPage } from './pages'
import type { ShopPort } from '../ports/shop'
import type { Store } from '../ports/store'
import { answerUrlCheck, PushError, type PushConfig } from '../adapters/channels/push'
import { receiveChannelsPush } from '../app/usecases/receive-channels-push'

export interface GatewayOptions {
  host?: string
  port?: number
  dataDir: string
  h5Dir?: string
  /** listen on a non-loopback address; off unless explicitly asked for */
  allowRemote?: boolean
  seed?: boolean
  quiet?: boolean
  now?: () => string
  /** run the outbox dispatcher and the scheduler on timers (ms); 0 = off (tests drive them) */
  dispatchEveryMs?: number
  scheduleEveryMs?: number
  /** the Channels shop to sync with, built on the gateway's store (its token and throttles live there); absent = no shop */
  shop?: (store: Store) => ShopPort
  /** checks the shop's message pushes on POST /channels/push (token, safe-mode key) */
  push?: PushConfig
}

export interface Gateway {
  url: string
  deps: Deps
  functions: Record<'aftersale' | 'admin', FunctionHandler>
  sender: RecordingSender
  /** one dispatcher pass and one scheduler pass, as the timers would run them */
  tick(): Promise<void>
  close(): Promise<void>
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/
/** The cookie the dev sign-in sets; plays the part of WeChat's OPENID context locally. */
export const DEV_COOKIE = 'dev_openid'
export const DEV_HEADER = 'x-dev-openid'

type Env = { Bindings: HttpBindings }

/**
 * Hot-path reads straight from Node's request. Going through `c.req.json()` / `c.req.header()`
 * makes @hono/node-server build a full Web Request (undici Request, AbortController, a
 * ReadableStream over the socket, a Headers object) for every function call; the profile of the
 * HTTP benchmark showed that as the gateway's own largest cost. Falls back to hono's accessors
 * when there are no Node bindings.
 */
function identityFrom(c: Context<Env>): string | null {
  const headers = c.env?.incoming?.headers
  if (!headers) return c.req.header(DEV_HEADER) || getCookie(c, DEV_COOKIE) || null
  const h = headers[DEV_HEADER]
  if (typeof h === 'string' && h) return h
  return (headers.cookie && parseCookies(headers.cookie, DEV_COOKIE)[DEV_COOKIE]) || null
}

const MAX_CALL_BYTES = 1024 * 1024
const utf8 = new TextDecoder() // strips a BOM, as the Fetch API's body.json() does

function readJson(c: Context<Env>): Promise<unknown> {
  const incoming: IncomingMessage | undefined = c.env?.incoming
  if (!incoming) return c.req.json()
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length
      // a function call is a small envelope (files go to /api/upload): refuse anything huge
      if (size > MAX_CALL_BYTES) {
        incoming.removeAllListeners('data')
        incoming.resume()
        reject(new Error('request too large'))
        return
      }
      chunks.push(chunk)
    })
    incoming.once('error', reject)
    incoming.once('end', () => {
      try {
        resolve(JSON.parse(utf8.decode(Buffer.concat(chunks))))
      } catch (e) {
        reject(e)
      }
    })
  })
}

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1'
  if (!LOOPBACK.test(host) && !opts.allowRemote) {
    throw new Error(`refusing to listen on ${host}: the local gateway has a dev sign-in and serves loopback only (pass --allow-remote to override)`)
  }
  fs.mkdirSync(opts.dataDir, { recursive: true })
  const mediaDir = path.join(opts.dataDir, 'media')
  fs.mkdirSync(mediaDir, { recursive: true })

  const store = new SqliteStore(path.join(opts.dataDir, 'aftersale.db'))
  await store.init()
  const now = opts.now ?? (() => new Date().toISOString())
  const log = opts.quiet ? () => {} : (msg: string, err?: unknown) => console.error(`[gateway] ${msg}`, err ?? '')
  const deps: Deps = {
    store,
    ...(opts.shop ? { shop: opts.shop(store) } : {}),
    payments: new LocalPayments(store, now),
    media: new LocalMedia(store),
    now,
    newId: () => crypto.randomUUID(),
    log,
  }
  if (opts.seed !== false && (await seedDemoShop(store, now())) && !opts.quiet) console.log('[gateway] seeded the demo shop')

  const functions = { aftersale: aftersaleFunction(deps), admin: adminFunction(deps) }
  const sender = new RecordingSender()
  // Timers of the embedded default: the same use cases the notify / scheduler functions run.
  let busy = false
  const guarded = (job: () => Promise<unknown>) => async () => {
    if (busy) return
    busy = true
    try {
      await job()
    } catch (e) {
      log('timer job failed', e)
    } finally {
      busy = false
    }
  }
  const dispatch = guarded(() => dispatchOutbox(deps, sender))
  const schedule = guarded(() => runScheduler(deps))
  const timers = [
    (opts.dispatchEveryMs ?? 2000) > 0 ? setInterval(dispatch, opts.dispatchEveryMs ?? 2000) : null,
    (opts.scheduleEveryMs ?? 30_000) > 0 ? setInterval(schedule, opts.scheduleEveryMs ?? 30_000) : null,
  ]
  timers.forEach((t) => t?.unref())
  const app = new Hono<Env>()
  const identityOf = identityFrom

  app.get('/api/health', (c) => c.json({ ok: true }))

  // The shop's message push (channels_ec_aftersale_update), as WeChat sends it to a seller's server:
  // signature checked, safe mode opened; the answer is the plain string `success`.
  const push = opts.push
  if (push) {
    app.get('/channels/push', (c) => {
      const echo = answerUrlCheck(push.token, c.req.query())
      return echo === null ? c.text('bad signature', 401) : c.text(echo)
    })
    app.post('/channels/push', async (c) => {
      try {
        await receiveChannelsPush(deps, push, c.req.query(), await c.req.text())
        return c.text('success')
      } catch (e) {
        if (e instanceof PushError) return c.text(e.message, e.code === 'BAD_SIGNATURE' ? 401 : 400)
        throw e
      }
    })
  }

  // Functions exactly as the mini-program calls them: body = { action, data, idempotencyKey }.
  app.post('/api/fn/:name', async (c) => {
    const name = FunctionNameSchema.safeParse(c.req.param('name'))
    if (!name.success) return c.json({ ok: false, error: { code: 'NOT_FOUND', message: '没有这个云函数' } }, 404)
    let body: unknown
    try {
      body = await readJson(c)
    } catch (e) {
      const tooLarge = e instanceof Error && e.message === 'request too large'
      return c.json({ ok: false, error: { code: 'VALIDATION', message: tooLarge ? '请求过大（上限 1MB，图片视频请走上传）' : '请求体不是合法的 JSON' } })
    }
    const openid = identityOf(c)
    // locally the demo personas stand in for WeChat's UNIONID context
    const unionid = PERSONAS.buyers.find((b) => b.openid === openid)?.unionid ?? null
    return c.json(await functions[name.data](body, { openid, unionid }))
  })

  // Evidence upload (stands in for wx.cloud.uploadFile): type sniffed from the bytes.
  app.post('/api/upload', async (c) => {
    const openid = identityOf(c)
    if (!openid) return c.json({ ok: false, error: { code: 'UNAUTHENTICATED', message: '请先登录' } })
    let file: unknown
    try {
      const form = await c.req.parseBody()
      file = form.file
    } catch {
      file = null
    }
    if (!(file instanceof File)) return c.json({ ok: false, error: { code: 'VALIDATION', message: '没有收到文件' } })
    if (file.size > MEDIA_LIMITS.videoMaxBytes) return c.json({ ok: false, error: { code: 'VALIDATION', message: '文件过大' } })
    const bytes = new Uint8Array(await file.arrayBuffer())
    const mime = sniffMime(bytes.subarray(0, 32))
    if (!mime) return c.json({ ok: false, error: { code: 'VALIDATION', message: '仅支持 jpg / png / webp / heic 图片和 mp4 视频' } })
    const kind = mime.startsWith('video/') ? 'video' : 'image'
    const max = kind === 'video' ? MEDIA_LIMITS.videoMaxBytes : MEDIA_LIMITS.imageMaxBytes
    if (bytes.length > max) return c.json({ ok: false, error: { code: 'VALIDATION', message: kind === 'video' ? '视频不能超过 50MB' : '单张图片不能超过 10MB' } })
    const id = crypto.randomUUID()
    fs.writeFileSync(path.join(mediaDir, id), bytes)
    await store.putMedia({ id, ownerOpenid: openid, mime, kind, size: bytes.length, location: id, createdAt: now() })
    return c.json({ ok: true, data: { fileId: `local:${id}`, kind, mime, size: bytes.length, url: `/media/${id}` } })
  })

  // Evidence is personal: only the buyer who uploaded it and the seller's active staff may see it.
  app.get('/media/:id', async (c) => {
    const who = identityOf(c)
    if (!who) return c.text('请先登录', 401)
    const rec = await store.getMedia(c.req.param('id'))
    if (!rec) return c.text('not found', 404)
    if (rec.ownerOpenid !== who && !(await store.getStaff(who))?.active) return c.text('无权查看该文件', 403)
    return c.body(fs.readFileSync(path.join(mediaDir, rec.location)), 200, { 'content-type': rec.mime, 'cache-control': 'private, max-age=3600' })
  })

  // Dev sign-in: pick a persona; the cookie stands in for the WeChat context.
  app.get('/dev/login', async (c) => c.html(devLoginPage(PERSONAS, identityOf(c))))
  app.post('/dev/login', async (c) => {
    const form = await c.req.parseBody()
    const openid = String(form.openid || '')
    const isStaff = PERSONAS.staff.some((s) => s.id === openid)
    const isBuyer = PERSONAS.buyers.some((b) => b.openid === openid)
    if (!isStaff && !isBuyer) return c.text('unknown persona', 400)
    setCookie(c, DEV_COOKIE, openid, { path: '/', httpOnly: true, sameSite: 'Lax' })
    return c.redirect(isStaff ? '/#/admin/queue/index' : '/#/pages/index/index')
  })
  app.post('/dev/logout', (c) => {
    deleteCookie(c, DEV_COOKIE, { path: '/' })
    return c.redirect('/dev/login')
  })
  // Local orders adapter: CSV import (one row per item; see adapters/local/orders-csv.ts).
  app.post('/dev/import-orders', async (c) => {
    const { orders, errors } = parseOrdersCsv(await c.req.text())
    if (errors.length) return c.json({ ok: false, error: { code: 'VALIDATION', message: errors[0], details: { errors } } })
    for (const order of orders) await store.upsertOrder({ order, createdAt: order.paidAt })
    return c.json({ ok: true, data: { imported: orders.length } })
  })
  app.get('/dev/whoami', (c) => c.json({ openid: identityOf(c) }))
  app.get('/dev/messages', async (c) => c.html(messagesPage(await store.listOutbox({}, 500))))
  app.get('/dev/messages.json', async (c) => c.json(await store.listOutbox({}, 500)))

  if (opts.h5Dir && fs.existsSync(path.join(opts.h5Dir, 'index.html'))) {
    const root = path.relative(process.cwd(), opts.h5Dir) || '.'
    app.use('/*', serveStatic({ root }))
    app.get('/', serveStatic({ path: path.join(root, 'index.html') }))
  } else {
    app.get('/', (c) => c.html('<p>H5 build missing: run <code>npm run build:h5</code>.</p><p><a href="/dev/login">dev sign-in</a></p>'))
  }

  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: opts.port ?? 8787 }, () => resolve(s))
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : opts.port
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  return {
    url,
    deps,
    functions,
    sender,
    tick: async () => {
      await runScheduler(deps)
      await dispatchOutbox(deps, sender)
    },
    close: async () => {
      timers.forEach((t) => t && clearInterval(t))
      await new Promise<void>((r) => server.close(() => r()))
      await store.close()
    },
  }
}
