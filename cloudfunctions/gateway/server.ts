import fs from 'node:fs'
import path from 'node:path'
import crypto from 'node:crypto'
import { Hono, type Context } from 'hono'
import type { IncomingMessage } from 'node:http'
import { serve, type HttpBindings, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { getCookie, setCookie, deleteCookie } from 'hono/cookie'
import { parse as parseCookies } from 'hono/utils/cookie'
import { CALL_HEADER, FunctionNameSchema } from '@contract/api'
import { SqliteStore } from '../adapters/sqlite/store'
import { startCheckpointer } from '../adapters/sqlite/checkpointer'
import { LocalPayments } from '../adapters/local/payments'
import { LocalMedia, MEDIA_LIMITS, UPLOAD_QUOTA, sniffMime } from '../adapters/local/media'
import { localDate } from '../core/tz'
import type { Deps } from '../app/deps'
import type { FunctionHandler } from '../app/function'
import { aftersaleFunction } from '../app/aftersale'
import { adminFunction } from '../app/admin'
import { seedDemoShop, PERSONAS } from './seed'
import { parseOrdersCsv } from '../adapters/local/orders-csv'
import { RecordingSender } from '../adapters/local/sender'
import { GATEWAY_DISPATCH, dispatchOutbox } from '../app/usecases/dispatch-outbox'
import { runScheduler } from '../app/usecases/run-scheduler'
import { devLoginPage, messagesPage } from './pages'
import type { ShopPort } from '../ports/shop'
import type { Store } from '../ports/store'
import { answerUrlCheck, checkPushQuery, PUSH_ERROR_STATUS, PushError, pushLimits, type PushConfig } from '../adapters/channels/push'
import { receiveChannelsPush } from '../app/usecases/receive-channels-push'
import { allowedHosts, guard, headerOf, inlineScriptHashes, MEDIA_CSP, pageCsp } from './security'
import { boundaryOf, MultipartError, readFilePart, TooLarge } from './multipart'

export interface GatewayOptions {
  host?: string
  port?: number
  dataDir: string
  h5Dir?: string
  /** listen on a non-loopback address; off unless explicitly asked for, and then only with `accessToken` */
  allowRemote?: boolean
  /**
   * The demo: persona sign-in, the messages page and the CSV order import under /dev/ (off by
   * default; `npm start` turns it on). Without it those paths do not exist.
   */
  demo?: boolean
  /** a secret every request must carry (header, bearer, or the cookie `?access_token=` sets) */
  accessToken?: string
  /**
   * Production (`DESK_MODE=production`, README "Production mode"): no demo surface and no seed;
   * `accessToken` is required and accepted only in a header (the front proxy's secret); the
   * caller's identity comes only from the proxy's `X-Desk-Openid` / `X-Desk-Unionid` headers on
   * such requests, never from the dev cookie or `X-Dev-Openid`.
   */
  production?: boolean
  /** uploads per identity and day (default UPLOAD_QUOTA) */
  uploadQuota?: { files: number; bytes: number }
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
/** Production: the caller as the trusted front proxy names it (README "Production mode"). */
export const PROXY_OPENID_HEADER = 'x-desk-openid'
export const PROXY_UNIONID_HEADER = 'x-desk-unionid'

type Env = { Bindings: HttpBindings }
type Identify = (c: Context<Env>) => string | null

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

/** WeChat openids / unionids are 28–29 url-safe characters; anything else names nobody. */
const WX_ID = /^[\w-]{1,128}$/
function proxyHeader(c: Context<Env>, name: string): string | null {
  const v = c.env?.incoming ? c.env.incoming.headers[name] : c.req.header(name)
  return typeof v === 'string' && WX_ID.test(v) ? v : null
}
/** Production identity: every request that got this far carried the proxy's token in a header (guard). */
const proxyIdentity: Identify = (c) => proxyHeader(c, PROXY_OPENID_HEADER)

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

/**
 * A request body of at most `maxBytes` that must arrive within `timeoutMs`, else PushError
 * TOO_LARGE / TIMEOUT as soon as that is known; the rest is never read (the caller closes the
 * connection).
 */
function readCapped(incoming: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (err: Error | null) => {
      clearTimeout(timer)
      incoming.off('data', onData)
      incoming.off('end', onEnd)
      incoming.off('error', onError)
      if (err) {
        incoming.pause()
        reject(err)
      } else resolve(utf8.decode(Buffer.concat(chunks)))
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > maxBytes) done(new PushError('TOO_LARGE', 'push body too large'))
      else chunks.push(chunk)
    }
    const onEnd = () => done(null)
    const onError = () => done(new PushError('BAD_MESSAGE', 'request aborted'))
    const timer = setTimeout(() => done(new PushError('TIMEOUT', 'push body not received in time')), timeoutMs)
    incoming.on('data', onData)
    incoming.once('end', onEnd)
    incoming.once('error', onError)
  })
}

/** Bytes of multipart framing allowed on top of the largest file. */
const MULTIPART_OVERHEAD = 64 * 1024
/** The upload quota's day */
const QUOTA_TZ = 'Asia/Shanghai'

const fail = (code: string, message: string) => ({ ok: false, error: { code, message } })

export async function startGateway(opts: GatewayOptions): Promise<Gateway> {
  const host = opts.host ?? '127.0.0.1'
  const remote = !LOOPBACK.test(host)
  if (opts.production) {
    if (opts.demo || opts.seed) throw new Error('production mode has no demo surface and no demo seed')
    // identity comes from the front proxy's headers: only a caller holding its secret may name one
    if (!opts.accessToken) throw new Error('production mode needs GATEWAY_ACCESS_TOKEN: the secret the front proxy adds to every request it forwards')
  }
  if (remote && !opts.allowRemote) {
    throw new Error(`refusing to listen on ${host}: the local gateway has a dev sign-in and serves loopback only (pass --allow-remote to override)`)
  }
  // identity on this gateway is whatever the caller's header or cookie says: beyond loopback only with a secret in front
  if (remote && !opts.accessToken) {
    throw new Error(
      `refusing to listen on ${host} without an access token: anyone who reaches it could act as any buyer or staff member${opts.demo ? ' through the dev sign-in' : ' through the X-Dev-Openid header'}. Set GATEWAY_ACCESS_TOKEN to a long random secret.`,
    )
  }
  fs.mkdirSync(opts.dataDir, { recursive: true })
  const mediaDir = path.join(opts.dataDir, 'media')
  fs.mkdirSync(mediaDir, { recursive: true })

  const dbFile = path.join(opts.dataDir, 'aftersale.db')
  // checkpoints on a worker thread (./checkpointer); the writer's own only past 10,000 pages (~40 MB of WAL)
  const store = new SqliteStore(dbFile, { autocheckpointPages: 10_000 })
  await store.init()
  const now = opts.now ?? (() => new Date().toISOString())
  const log = opts.quiet ? () => {} : (msg: string, err?: unknown) => console.error(`[gateway] ${msg}`, err ?? '')
  const deps: Deps = {
    store,
    ...(opts.shop ? { shop: opts.shop(store) } : {}),
    payments: new LocalPayments(store, now),
    media: new LocalMedia(store, mediaDir),
    now,
    newId: () => crypto.randomUUID(),
    log,
  }
  if (!opts.production && opts.seed !== false && (await seedDemoShop(store, now())) && !opts.quiet) console.log('[gateway] seeded the demo shop')

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
  const dispatch = guarded(() => dispatchOutbox(deps, sender, GATEWAY_DISPATCH))
  const schedule = guarded(() => runScheduler(deps))
  const timers = [
    (opts.dispatchEveryMs ?? 2000) > 0 ? setInterval(dispatch, opts.dispatchEveryMs ?? 2000) : null,
    (opts.scheduleEveryMs ?? 30_000) > 0 ? setInterval(schedule, opts.scheduleEveryMs ?? 30_000) : null,
  ]
  timers.forEach((t) => t?.unref())
  const app = new Hono<Env>()
  const identityOf = opts.production ? proxyIdentity : identityFrom
  const quota = opts.uploadQuota ?? UPLOAD_QUOTA
  let listening: Set<string> | null = null
  // production: no Host allow-list (the proxy forwards the public Host; every request carries its
  // secret in a header, which a rebinding page cannot add); Origin checks stay
  app.use('*', guard({ hosts: () => (remote || opts.production ? null : listening), accessToken: opts.accessToken, headerTokenOnly: opts.production }))

  app.get('/api/health', (c) => c.json({ ok: true }))

  // The shop's message push (channels_ec_aftersale_update), as WeChat sends it to a seller's server.
  // Checked before it is read: signature and timestamp window from the URL, then the body with a
  // size cap and a time limit, the nonce claimed in the store, only then parsed; answer `success`.
  const push = opts.push
  if (push) {
    const limits = pushLimits(push)
    app.get('/channels/push', (c) => {
      const echo = answerUrlCheck(push, c.req.query(), Date.parse(now()))
      return echo === null ? c.json(fail('BAD_SIGNATURE', 'signature mismatch or stale timestamp'), 401) : c.text(echo)
    })
    app.post('/channels/push', async (c) => {
      const incoming: IncomingMessage | undefined = c.env?.incoming
      try {
        const query = c.req.query()
        checkPushQuery(push, query, Date.parse(now()))
        if (Number(c.req.header('content-length') ?? NaN) > limits.maxBodyBytes) throw new PushError('TOO_LARGE', 'push body too large')
        const body = incoming ? await readCapped(incoming, limits.maxBodyBytes, limits.readTimeoutMs) : await c.req.text()
        await receiveChannelsPush(deps, push, query, body)
        return c.text('success')
      } catch (e) {
        if (!(e instanceof PushError)) throw e
        // the rest of a refused body is not read: close the connection instead of draining it
        if (incoming && !incoming.complete) c.header('connection', 'close')
        return c.json(fail(e.code, e.message), PUSH_ERROR_STATUS[e.code])
      }
    })
  }
  /** Calls from the desk's own pages only: JSON with the custom header (no cross-site form or text/plain post). */
  const ownCall = (c: Context<Env>, json: boolean) =>
    !!headerOf(c, CALL_HEADER) && (!json || /^application\/json\s*(;|$)/i.test(headerOf(c, 'content-type') ?? ''))

  // Functions exactly as the mini-program calls them: body = { action, data, idempotencyKey }.
  app.post('/api/fn/:name', async (c) => {
    const name = FunctionNameSchema.safeParse(c.req.param('name'))
    if (!name.success) return c.json({ ok: false, error: { code: 'NOT_FOUND', message: '没有这个云函数' } }, 404)
    if (!ownCall(c, true)) return c.json(fail('FORBIDDEN', `仅接受带 ${CALL_HEADER} 头的 application/json 调用`), 415)
    let body: unknown
    try {
      body = await readJson(c)
    } catch (e) {
      const tooLarge = e instanceof Error && e.message === 'request too large'
      return c.json({ ok: false, error: { code: 'VALIDATION', message: tooLarge ? '请求过大（上限 1MB，图片视频请走上传）' : '请求体不是合法的 JSON' } })
    }
    const openid = identityOf(c)
    // the proxy names the caller's unionid in production; in the demo its personas stand in for WeChat's UNIONID context
    const unionid = opts.production ? proxyHeader(c, PROXY_UNIONID_HEADER) : (PERSONAS.buyers.find((b) => b.openid === openid)?.unionid ?? null)
    return c.json(await functions[name.data](body, { openid, unionid }))
  })

  // Evidence upload (stands in for wx.cloud.uploadFile): streamed to disk with the size limit
  // enforced as the bytes arrive, type sniffed from the bytes, a quota per identity and day.
  app.post('/api/upload', async (c) => {
    const incoming: IncomingMessage | undefined = c.env?.incoming
    const refuse = (status: 400 | 401 | 403 | 413 | 429, code: string, message: string) => {
      // the rest of a refused body is not read: close the connection instead of draining it
      if (incoming && !incoming.complete) c.header('connection', 'close')
      return c.json(fail(code, message), status)
    }
    if (!ownCall(c, false)) return refuse(403, 'FORBIDDEN', `仅接受带 ${CALL_HEADER} 头的上传`)
    const openid = identityOf(c)
    if (!openid) return refuse(401, 'UNAUTHENTICATED', '请先登录')
    const boundary = boundaryOf(c.req.header('content-type'))
    if (!incoming || !boundary) return refuse(400, 'VALIDATION', '上传格式错误（需要 multipart/form-data）')
    const declared = Number(c.req.header('content-length') ?? NaN)
    if (declared > MEDIA_LIMITS.videoMaxBytes + MULTIPART_OVERHEAD) return refuse(413, 'VALIDATION', '文件过大（视频不超过50MB，图片不超过10MB）')
    // The quota is taken in the store before a byte is read (shared by every process on it): one
    // upload of the day's files, and the most this body can hold of the day's bytes; what the file
    // did not use is given back once it is stored (all of it when the upload is refused).
    const bucket = `upload:${openid}:${localDate(Date.parse(now()), QUOTA_TZ)}`
    if (!(await store.takeSlot(`${bucket}:files`, quota.files))) return refuse(429, 'LIMIT_EXCEEDED', `今日上传次数已达上限（${quota.files}个），请明天再试`)
    const reserved = declared > 0 ? declared : MEDIA_LIMITS.videoMaxBytes + MULTIPART_OVERHEAD
    if (!(await store.takeSlot(`${bucket}:bytes`, quota.bytes, reserved))) return refuse(429, 'LIMIT_EXCEEDED', '今日上传总量已达上限，请明天再试')
    let kept = 0
    try {
      const id = crypto.randomUUID()
      const part = path.join(mediaDir, `${id}.part`)
      const out = fs.createWriteStream(part)
      // a write still queued when a refusal destroys the stream fails with ERR_STREAM_DESTROYED:
      // without a listener that error would crash the gateway (end() reports real write errors)
      out.on('error', () => {})
      const head: Buffer[] = []
      let headLen = 0
      let size: number | null
      try {
        size = await readFilePart(incoming, boundary, 'file', MEDIA_LIMITS.videoMaxBytes, () => {}, (chunk) => {
          if (headLen < 32) {
            head.push(chunk.subarray(0, 32 - headLen))
            headLen += Math.min(chunk.length, 32 - headLen)
          }
          // backpressure: wait for the disk when its buffer is full
          return out.write(chunk) ? undefined : new Promise<void>((r) => out.once('drain', () => r()))
        })
        await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
      } catch (e) {
        // the file is removed only once the stream has closed (it may still be opening it)
        if (!out.closed) await new Promise<void>((r) => out.destroy().once('close', () => r()))
        fs.rmSync(part, { force: true })
        if (e instanceof TooLarge) return refuse(413, 'VALIDATION', '文件过大（视频不超过50MB，图片不超过10MB）')
        if (e instanceof MultipartError) return refuse(400, 'VALIDATION', '上传内容格式错误，请重新选择文件')
        throw e
      }
      const refuseFile = (status: 400 | 413, message: string) => {
        fs.rmSync(part, { force: true })
        return c.json(fail('VALIDATION', message), status)
      }
      if (size === null || size === 0) return refuseFile(400, '没有收到文件')
      const mime = sniffMime(Buffer.concat(head))
      if (!mime) return refuseFile(400, '仅支持 jpg / png / webp / heic 图片和 mp4 视频')
      const kind = mime.startsWith('video/') ? 'video' : 'image'
      const max = kind === 'video' ? MEDIA_LIMITS.videoMaxBytes : MEDIA_LIMITS.imageMaxBytes
      if (size > max) return refuseFile(413, kind === 'video' ? '视频不能超过 50MB' : '单张图片不能超过 10MB')
      fs.renameSync(part, path.join(mediaDir, id))
      await store.putMedia({ id, ownerOpenid: openid, mime, kind, size, location: id, createdAt: now(), attachedAt: null })
      kept = size
      return c.json({ ok: true, data: { fileId: `local:${id}`, kind, mime, size, url: `/media/${id}` } })
    } finally {
      if (kept < reserved) await store.takeSlot(`${bucket}:bytes`, quota.bytes, kept - reserved)
    }
  })

  // Evidence is personal: only the buyer who uploaded it and the seller's active staff may see it.
  app.get('/media/:id', async (c) => {
    const who = identityOf(c)
    if (!who) return c.text('请先登录', 401)
    const rec = await store.getMedia(c.req.param('id'))
    if (!rec) return c.text('not found', 404)
    if (rec.ownerOpenid !== who && !(await store.getStaff(who))?.active) return c.text('无权查看该文件', 403)
    return c.body(fs.readFileSync(path.join(mediaDir, path.basename(rec.location))), 200, {
      'content-type': rec.mime,
      'cache-control': 'private, max-age=3600',
      'content-security-policy': MEDIA_CSP,
      // evidence is never embedded by another site
      'cross-origin-resource-policy': 'same-origin',
    })
  })

  if (opts.demo) mountDemo(app, store, identityOf)

  if (opts.h5Dir && fs.existsSync(path.join(opts.h5Dir, 'index.html'))) {
    const root = path.relative(process.cwd(), opts.h5Dir) || '.'
    // Taro's inline rem snippet is allowed by its hash, nothing else inline runs
    const csp = pageCsp(inlineScriptHashes(opts.h5Dir))
    // before the answer is built (see guard): the static answer starts from it
    app.use('/*', async (c, next) => {
      c.header('Content-Security-Policy', csp)
      await next()
    })
    app.use('/*', serveStatic({ root }))
    app.get('/', serveStatic({ path: path.join(root, 'index.html') }))
  } else {
    app.get('/', (c) => c.html(`<p>H5 build missing: run <code>npm run build:h5</code>.</p>${opts.demo ? '<p><a href="/dev/login">dev sign-in</a></p>' : ''}`))
  }

  // a port already taken fails the start (before, the promise never settled and a caller could go on with a URL another process owns)
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: opts.port ?? 8787 }, () => {
      s.off('error', reject)
      resolve(s)
    })
    s.once('error', reject)
  })
  const checkpointer = startCheckpointer(dbFile)
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : (opts.port ?? 8787)
  listening = allowedHosts(host, port)
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
      await checkpointer.stop()
      await store.close()
    },
  }
}

/**
 * The demo's dev surface: persona sign-in (the cookie stands in for the WeChat context), the
 * messages that would have been sent, and the CSV order import of the local orders adapter.
 */
function mountDemo(app: Hono<Env>, store: SqliteStore, identityOf: Identify) {
  app.get('/dev/login', async (c) => c.html(devLoginPage(PERSONAS, identityOf(c))))
  app.post('/dev/login', async (c) => {
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
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
  // CSV import (one row per item; see adapters/local/orders-csv.ts): the owner's, from a script or page of the desk
  app.post('/dev/import-orders', async (c) => {
    if (!c.req.header(CALL_HEADER)) return c.json(fail('FORBIDDEN', `仅接受带 ${CALL_HEADER} 头的导入`), 403)
    const who = identityOf(c)
    const staff = who ? await store.getStaff(who) : null
    if (!staff?.active || staff.role !== 'owner') return c.json(fail(who ? 'FORBIDDEN' : 'UNAUTHENTICATED', '仅店主可以导入订单'), who ? 403 : 401)
    const { orders, errors } = parseOrdersCsv(await c.req.text())
    if (errors.length) return c.json({ ok: false, error: { code: 'VALIDATION', message: errors[0], details: { errors } } }, 400)
    const refused: string[] = []
    for (const order of orders) if (!(await store.importOrder({ order, createdAt: order.paidAt }))) refused.push(order.orderId)
    return c.json({ ok: true, data: { imported: orders.length - refused.length, refused } })
  })
  app.get('/dev/whoami', (c) => c.json({ openid: identityOf(c) }))
  // the messages carry buyers' openids and what they were told: the seller's active staff only
  const staffOnly = async (c: Context<Env>) => {
    const who = identityOf(c)
    if (!who) return c.json(fail('UNAUTHENTICATED', '请先以商家客服身份登录（/dev/login）'), 401)
    if (!(await store.getStaff(who))?.active) return c.json(fail('FORBIDDEN', '仅商家客服可以查看消息记录'), 403)
    return null
  }
  app.get('/dev/messages', async (c) => (await staffOnly(c)) ?? c.html(messagesPage(await store.listOutbox({}, 500))))
  app.get('/dev/messages.json', async (c) => (await staffOnly(c)) ?? c.json(await store.listOutbox({}, 500)))
}
