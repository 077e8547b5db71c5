import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context, MiddlewareHandler } from 'hono'
import { getCookie, setCookie } from 'hono/cookie'

/**
 * The gateway's defences against strangers (issue 14): DNS rebinding (Host check), cross-site
 * requests (Origin check on every write), an optional secret access token (required when it listens
 * beyond loopback), and headers that stop pages and media being sniffed or framed.
 */

export const ACCESS_COOKIE = 'desk_access'
export const ACCESS_HEADER = 'x-access-token'

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

/** Host headers the gateway answers: its own address and loopback aliases, with its port. */
export function allowedHosts(host: string, port: number, extra: readonly string[] = []): Set<string> {
  const own = host.includes(':') ? `[${host}]` : host
  return new Set([own, ...LOOPBACK_NAMES, ...extra].map((h) => `${h.toLowerCase()}:${port}`))
}

/** The host:port of an Origin header; '' for `null` or junk (refused). */
function hostOf(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase()
  } catch {
    return ''
  }
}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest()
const sameSecret = (a: string, b: string) => crypto.timingSafeEqual(digest(a), digest(b))

interface GuardOptions {
  /** null: the gateway listens beyond loopback and any Host is accepted (the access token guards it) */
  hosts: () => Set<string> | null
  accessToken?: string
  /** production: the token only in a header (a front proxy's), never the `?access_token=` link or its cookie */
  headerTokenOnly?: boolean
}

type NodeEnv = { incoming?: IncomingMessage; outgoing?: ServerResponse }

/**
 * A request header straight from Node's request when there is one: hono's `c.req.header()` makes
 * @hono/node-server build a full fetch Headers object of every header of the request. `name` in lower case.
 */
export function headerOf(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeEnv | undefined)?.incoming
  if (!incoming) return c.req.header(name)
  const v = incoming.headers[name]
  return Array.isArray(v) ? v.join(', ') : v
}

export function guard(opts: GuardOptions): MiddlewareHandler {
  return async (c, next) => {
    const hosts = opts.hosts()
    const header = (name: string) => headerOf(c, name)
    const host = (header('host') ?? '').toLowerCase()
    if (hosts && !hosts.has(host)) return c.text('misdirected request: unknown Host', 421)
    // a write from a page of another origin (form post, fetch) is refused before it does anything
    const method = c.req.method
    if (method !== 'GET' && method !== 'HEAD') {
      const origin = header('origin')
      if ((origin && hostOf(origin) !== host) || header('sec-fetch-site') === 'cross-site') return c.text('cross-origin request refused', 403)
    }
    // the shop's push endpoint is called by WeChat, which cannot carry our token: it checks the
    // push signature, timestamp window and nonce itself before it reads a byte of the body
    if (opts.accessToken && c.req.path !== '/api/health' && c.req.path !== '/channels/push') {
      const fromQuery = opts.headerTokenOnly ? undefined : c.req.query('access_token')
      if (fromQuery && method === 'GET' && sameSecret(fromQuery, opts.accessToken)) {
        // the link with the token signs this browser in once; the token leaves the address bar
        setCookie(c, ACCESS_COOKIE, fromQuery, { path: '/', httpOnly: true, sameSite: 'Strict' })
        const url = new URL(c.req.url)
        url.searchParams.delete('access_token')
        return c.redirect(url.pathname + url.search)
      }
      const bearer = /^Bearer\s+(.+)$/i.exec(header('authorization') ?? '')?.[1]
      const given = header(ACCESS_HEADER) ?? bearer ?? (opts.headerTokenOnly ? undefined : getCookie(c, ACCESS_COOKIE))
      if (!given || !sameSecret(given, opts.accessToken)) return c.text('access token required', 401)
    }
    // set before the handler answers, so a CSP of its own replaces the default. On Node they go on
    // the Node response: its writeHead merges them under the answer's own headers, whatever the
    // answer is (hono's c.header() would start a fetch Headers object for every answer; set after
    // next(), each header turned the answer into a full fetch Response read back as a stream)
    const outgoing = (c.env as NodeEnv | undefined)?.outgoing
    for (const [k, v] of DEFAULT_HEADERS) {
      if (outgoing) outgoing.setHeader(k, v)
      else c.header(k, v)
    }
    await next()
  }
}

/** The pages' policy: only the desk's own scripts, media and API; never framed. */
export function pageCsp(scriptHashes: readonly string[]): string {
  return [
    "default-src 'self'",
    `script-src 'self'${scriptHashes.map((h) => ` '${h}'`).join('')}`,
    // Taro and the dev pages style elements inline
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self' data:",
    // Taro's H5 uploadFile reads the picked file back from its blob: URL
    "connect-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

const DEFAULT_CSP = pageCsp([])
/** The security headers of every answer (a page or a file sets its own CSP on top). */
const DEFAULT_HEADERS: ReadonlyArray<[string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['X-Frame-Options', 'DENY'],
  ['Referrer-Policy', 'same-origin'],
  ['Content-Security-Policy', DEFAULT_CSP],
]

/** Uploaded files are data, never a document: nothing in them runs, even opened directly. */
export const MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox; frame-ancestors 'none'"

/** sha256 sources of the inline scripts of the H5 build's index.html (Taro's rem snippet), for its CSP. */
export function inlineScriptHashes(h5Dir: string): string[] {
  const file = path.join(h5Dir, 'index.html')
  if (!fs.existsSync(file)) return []
  const html = fs.readFileSync(file, 'utf8')
  const out: string[] = []
  for (const m of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
    out.push(`sha256-${crypto.createHash('sha256').update(m[1], 'utf8').digest('base64')}`)
  }
  return out
}
