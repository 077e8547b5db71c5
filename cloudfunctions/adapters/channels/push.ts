/**
 * WeChat message push (消息推送) for the Channels shop: pure protocol helpers, no I/O.
 *
 * - Plain mode: the URL carries `signature = sha1(sort([token, timestamp, nonce]).join(''))`.
 * - Safe mode (安全模式): the body carries `Encrypt` (JSON `{ ToUserName, Encrypt }` or XML
 *   `<xml><ToUserName/><Encrypt/></xml>`) and the URL `msg_signature =
 *   sha1(sort([token, timestamp, nonce, Encrypt]).join(''))`. Encrypt is base64 of
 *   AES-256-CBC(key = base64decode(EncodingAESKey + '='), iv = key[0..16]) over
 *   random(16) + msgLen(4 bytes, big-endian) + msg + appid, PKCS#7-padded to a multiple of 32.
 * - The plaintext is JSON or XML; `parseAfterSaleEvent` turns a `channels_ec_aftersale_update`
 *   into `{ event, afterSaleOrderId, status, orderId, createTime }`.
 *
 * Checks before reading (issue 20): `checkPushQuery` verifies the URL's signature and that its
 * timestamp is within PUSH_LIMITS.windowSeconds of now — before the body is read; the caller then
 * reads at most PUSH_LIMITS.maxBodyBytes within PUSH_LIMITS.readTimeoutMs, remembers the nonce in
 * the store (a replay is refused), and only then `openPush` parses the body: in linear time (a
 * bounded scanner, no regular expression over the body), safe mode only when an EncodingAESKey
 * is configured. The caller answers the plain string `success`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { z } from 'zod'
import { AFTER_SALE_STATUSES, AfterSaleStatusSchema, type AfterSaleStatus } from '@contract/channels'

export const AFTER_SALE_EVENT = 'channels_ec_aftersale_update'

export interface AfterSaleEvent {
  event: typeof AFTER_SALE_EVENT
  afterSaleOrderId: string
  status: AfterSaleStatus
  orderId: string
  /** unix seconds of the event (CreateTime) */
  createTime: number
}

export type PushErrorCode =
  | 'BAD_SIGNATURE'
  /** timestamp missing or outside the window */
  | 'STALE'
  /** this timestamp + nonce was already accepted (a replay) */
  | 'REPLAYED'
  /** safe mode is configured and the body is not encrypted */
  | 'ENCRYPTION_REQUIRED'
  | 'BAD_MESSAGE'
  | 'TOO_LARGE'
  /** the body did not arrive within the read time limit */
  | 'TIMEOUT'
  | 'NOT_CONFIGURED'

export class PushError extends Error {
  constructor(
    readonly code: PushErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'PushError'
  }
}

/** The HTTP status of each refusal: 4xx for anything a sender got wrong; 503 only when this side has no token. */
export const PUSH_ERROR_STATUS: Record<PushErrorCode, 400 | 401 | 408 | 409 | 413 | 503> = {
  BAD_SIGNATURE: 401,
  STALE: 401,
  REPLAYED: 409,
  ENCRYPTION_REQUIRED: 400,
  BAD_MESSAGE: 400,
  TOO_LARGE: 413,
  TIMEOUT: 408,
  NOT_CONFIGURED: 503,
}

/** What the push endpoint accepts (README "The push endpoint's checks"). */
export const PUSH_LIMITS = {
  /** the largest body read; WeChat's after-sale events are under 2 KB */
  maxBodyBytes: 256 * 1024,
  /** the whole body must arrive within this (slow senders are cut off) */
  readTimeoutMs: 10_000,
  /** |now − timestamp| allowed, seconds; WeChat sends at once and retries with a new timestamp */
  windowSeconds: 300,
  /** XML nesting and element count: push XML is two levels deep with a dozen elements */
  maxXmlDepth: 8,
  maxXmlElements: 1_000,
} as const
export type PushLimits = { [K in keyof typeof PUSH_LIMITS]: number }

const sha1 = (s: string) => createHash('sha1').update(s).digest('hex')

/** sha1 of the sorted parts concatenated: `signature` (3 parts) and `msg_signature` (4 parts). */
export function pushSignature(...parts: string[]): string {
  return sha1([...parts].sort().join(''))
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a.toLowerCase())
  const y = Buffer.from(b.toLowerCase())
  return x.length === y.length && timingSafeEqual(x, y)
}

export function verifySignature(token: string, timestamp: string, nonce: string, signature: string): boolean {
  return !!signature && sameHex(pushSignature(token, timestamp, nonce), signature)
}

export function verifyMsgSignature(token: string, timestamp: string, nonce: string, encrypt: string, msgSignature: string): boolean {
  return !!msgSignature && sameHex(pushSignature(token, timestamp, nonce, encrypt), msgSignature)
}

function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64')
  if (encodingAesKey.length !== 43 || key.length !== 32) throw new PushError('NOT_CONFIGURED', 'EncodingAESKey must be 43 characters (32 bytes base64)')
  return key
}

/** Decrypts an `Encrypt` value; checks the appid at the end when `appid` is given. */
export function decryptMessage(encodingAesKey: string, encrypt: string, appid?: string): string {
  const key = aesKey(encodingAesKey)
  let plain: Buffer
  try {
    const d = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16))
    d.setAutoPadding(false)
    plain = Buffer.concat([d.update(Buffer.from(encrypt, 'base64')), d.final()])
  } catch {
    throw new PushError('BAD_MESSAGE', 'cannot decrypt the message')
  }
  const pad = plain[plain.length - 1]
  if (!pad || pad > 32 || plain.length < 20 + pad) throw new PushError('BAD_MESSAGE', 'bad padding')
  const body = plain.subarray(0, plain.length - pad)
  const len = body.readUInt32BE(16)
  if (20 + len > body.length) throw new PushError('BAD_MESSAGE', 'bad message length')
  const msg = body.subarray(20, 20 + len).toString('utf8')
  const from = body.subarray(20 + len).toString('utf8')
  if (appid !== undefined && from !== appid) throw new PushError('BAD_MESSAGE', 'message is for another appid')
  return msg
}

/** Encrypts like the platform does (the stand-in's safe mode). `random16` for reproducible tests. */
export function encryptMessage(encodingAesKey: string, appid: string, msg: string, random16: Buffer = randomBytes(16)): string {
  const key = aesKey(encodingAesKey)
  const text = Buffer.from(msg, 'utf8')
  const len = Buffer.alloc(4)
  len.writeUInt32BE(text.length, 0)
  const raw = Buffer.concat([random16, len, text, Buffer.from(appid, 'utf8')])
  const pad = 32 - (raw.length % 32)
  const c = createCipheriv('aes-256-cbc', key, key.subarray(0, 16))
  c.setAutoPadding(false)
  return Buffer.concat([c.update(Buffer.concat([raw, Buffer.alloc(pad, pad)])), c.final()]).toString('base64')
}

// ------------------------------------------------------------------ bodies

/** A parsed body: XML elements as nested objects (text-only elements as strings), or a JSON object. */
export type XmlValue = string | XmlObject
export interface XmlObject {
  [name: string]: XmlValue
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }
// anchored on '&' with bounded alternatives: linear in the text
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/g
function unescapeXml(s: string): string {
  if (!s.includes('&')) return s
  return s.replace(ENTITY, (m, hex: string | undefined, dec: string | undefined, name: string | undefined) => {
    if (name) return NAMED_ENTITIES[name]
    const cp = hex ? parseInt(hex, 16) : Number(dec)
    return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m
  })
}
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13

interface Frame {
  name: string
  children: XmlObject | null
  /** text pieces; `true` marks CDATA (kept verbatim) */
  text: [string, boolean][]
}

/**
 * The root element's content of an XML body, in one left-to-right pass: every step finds its end
 * with `indexOf` from the current position and moves past it, so the time is linear in the body
 * whatever it holds (the regular expressions this replaced backtracked for seconds on 6 KB).
 * WeChat push XML is element-only: attributes are skipped, DOCTYPE / ENTITY declarations refused,
 * the five named and numeric character references decoded, CDATA kept verbatim; the first of
 * repeated elements wins. Throws PushError BAD_MESSAGE on anything malformed.
 */
export function parseXml(xml: string, limits: Pick<PushLimits, 'maxXmlDepth' | 'maxXmlElements'> = PUSH_LIMITS): XmlObject {
  const bad = (why: string) => new PushError('BAD_MESSAGE', `malformed XML: ${why}`)
  const n = xml.length
  const stack: Frame[] = []
  let root: XmlObject | null = null
  let elements = 0
  const close = (f: Frame) => {
    const cdata = f.text.some(([, c]) => c)
    const value: XmlValue = f.children ?? (cdata ? f.text.map(([s, c]) => (c ? s : s.trim())).join('') : f.text.map(([s]) => s).join('').trim())
    const parent = stack[stack.length - 1]
    if (!parent) {
      root = f.children ?? Object.create(null)
      return
    }
    parent.children ??= Object.create(null) as XmlObject
    if (!Object.prototype.hasOwnProperty.call(parent.children, f.name)) parent.children[f.name] = value
  }
  let i = 0
  while (i < n) {
    const lt = xml.indexOf('<', i)
    const end = lt === -1 ? n : lt
    if (end > i) {
      const top = stack[stack.length - 1]
      const text = xml.slice(i, end)
      if (top) top.text.push([unescapeXml(text), false])
      else if (text.trim()) throw bad('text outside the root element')
    }
    if (lt === -1) break
    if (xml.startsWith('<![CDATA[', lt)) {
      const close = xml.indexOf(']]>', lt + 9)
      if (close === -1) throw bad('unterminated CDATA')
      const top = stack[stack.length - 1]
      if (!top) throw bad('CDATA outside the root element')
      top.text.push([xml.slice(lt + 9, close), true])
      i = close + 3
    } else if (xml.startsWith('<!--', lt)) {
      const close = xml.indexOf('-->', lt + 4)
      if (close === -1) throw bad('unterminated comment')
      i = close + 3
    } else if (xml.startsWith('<?', lt)) {
      const close = xml.indexOf('?>', lt + 2)
      if (close === -1) throw bad('unterminated declaration')
      i = close + 2
    } else if (xml.startsWith('<!', lt)) {
      throw bad('DOCTYPE and entity declarations are not accepted')
    } else {
      const gt = xml.indexOf('>', lt + 1)
      if (gt === -1) throw bad('unterminated tag')
      if (xml.charCodeAt(lt + 1) === 47 /* / */) {
        const name = xml.slice(lt + 2, gt).trim()
        const top = stack.pop()
        if (!top || top.name !== name) throw bad(`unexpected closing tag ${name.slice(0, 40)}`)
        close(top)
      } else {
        let e = lt + 1
        while (e < gt && !isSpace(xml.charCodeAt(e)) && xml.charCodeAt(e) !== 47) e++
        const name = xml.slice(lt + 1, e)
        if (!XML_NAME.test(name)) throw bad(`bad element name ${name.slice(0, 40)}`)
        if (root) throw bad('content after the root element')
        if (stack.length >= limits.maxXmlDepth) throw bad('nested too deep')
        if (++elements > limits.maxXmlElements) throw bad('too many elements')
        const frame: Frame = { name, children: null, text: [] }
        if (xml.charCodeAt(gt - 1) === 47 /* <name/> */) close(frame)
        else stack.push(frame)
      }
      i = gt + 1
    }
  }
  if (stack.length) throw bad(`unclosed element ${stack[stack.length - 1].name.slice(0, 40)}`)
  if (!root) throw bad('no root element')
  return root
}

type Fields = Record<string, unknown>

/** The fields of a plaintext or safe-mode body, JSON object or XML (linear time either way). */
export function bodyFields(body: string): Fields {
  const t = body.trimStart() // also drops a BOM
  if (t.startsWith('<')) return parseXml(t)
  let j: unknown
  try {
    j = JSON.parse(t)
  } catch {
    throw new PushError('BAD_MESSAGE', 'body is neither JSON nor XML')
  }
  if (j && typeof j === 'object' && !Array.isArray(j)) return j as Fields
  throw new PushError('BAD_MESSAGE', 'body is not a JSON object')
}

type Update = { status?: unknown; after_sale_order_id?: unknown; order_id?: unknown }

/**
 * `finder_shop_aftersale_status_update`: an object, or under an ISV authorisation a newline-joined
 * string `"\n<after_sale_order_id>\n<STATUS>\n<order_id>\n"` (PLATFORM-FACTS "Push format"): the
 * line naming a known status is the status, the other lines the ids in that order.
 */
function updateOf(u: unknown): Update | undefined {
  if (u && typeof u === 'object') return u as Update
  if (typeof u !== 'string') return undefined
  const lines = u.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 8)
  const known = lines.find((l) => (AFTER_SALE_STATUSES as readonly string[]).includes(l))
  const ids = lines.filter((l) => l !== known)
  return { status: known ?? lines[1], after_sale_order_id: ids[0], order_id: ids[1] }
}

const ID = /^[A-Za-z0-9_-]{1,64}$/
const IdSchema = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(ID))
/** The after-sale part of the event, checked at the boundary (whichever form it came in). */
const UpdateSchema = z.object({
  after_sale_order_id: IdSchema,
  status: AfterSaleStatusSchema,
  order_id: IdSchema.optional().catch(undefined),
})

/** The event name of a plaintext body (JSON or XML), '' when there is none. */
export function eventName(body: string): string {
  const e = bodyFields(body).Event
  return typeof e === 'string' ? e : ''
}

/** A `channels_ec_aftersale_update` body (plaintext JSON or XML) → the event; null for other events. */
export function parseAfterSaleEvent(body: string): AfterSaleEvent | null {
  const f = bodyFields(body)
  if (f.Event !== AFTER_SALE_EVENT) return null
  const u = updateOf(f.finder_shop_aftersale_status_update)
  const parsed = UpdateSchema.safeParse(u ?? {})
  if (!parsed.success) {
    if (parsed.error.issues.some((i) => i.path[0] === 'after_sale_order_id')) throw new PushError('BAD_MESSAGE', 'after_sale_order_id missing or malformed')
    throw new PushError('BAD_MESSAGE', `unknown status ${String(u?.status).slice(0, 40)}`)
  }
  const createTime = Number(f.CreateTime)
  return {
    event: AFTER_SALE_EVENT,
    afterSaleOrderId: parsed.data.after_sale_order_id,
    status: parsed.data.status,
    orderId: parsed.data.order_id ?? '',
    createTime: Number.isFinite(createTime) ? createTime : 0,
  }
}

export const COMPLAINT_EVENT = 'channels_ec_complaint_update'
export const TICKET_CREATED_EVENT = 'ec_platform_kf_create_mch_ticket'
export const TICKET_TIMEOUT_EVENT = 'ec_platform_kf_ticket_timeout'

export interface ComplaintEvent {
  event: typeof COMPLAINT_EVENT
  complaintId: string
  afterSaleOrderId: string
  /** the dispute status the push names (a hint: the dispute is read from the shop) */
  status: number
  orderId: string
}

const ComplaintSchema = z.object({
  complaint_id: IdSchema,
  after_sale_order_id: IdSchema.optional().catch(undefined),
  order_id: IdSchema.optional().catch(undefined),
  complaint_status: z.union([z.number(), z.string()]).transform(Number).pipe(z.number().int().min(0).max(100_000)),
})

/** A `channels_ec_complaint_update` body (`finder_shop_complaint`) → the event; null for other events. */
export function parseComplaintEvent(body: string): ComplaintEvent | null {
  const f = bodyFields(body)
  if (f.Event !== COMPLAINT_EVENT) return null
  const parsed = ComplaintSchema.safeParse(f.finder_shop_complaint ?? {})
  if (!parsed.success) throw new PushError('BAD_MESSAGE', 'finder_shop_complaint missing or malformed')
  return {
    event: COMPLAINT_EVENT,
    complaintId: parsed.data.complaint_id,
    afterSaleOrderId: parsed.data.after_sale_order_id ?? '',
    status: parsed.data.complaint_status,
    orderId: parsed.data.order_id ?? '',
  }
}

export interface TicketEvent {
  event: typeof TICKET_CREATED_EVENT | typeof TICKET_TIMEOUT_EVENT
  ticketId: string
}

/** `ec_platform_kf_create_mch_ticket` / `ec_platform_kf_ticket_timeout` (`request_data.ticket_id`) → the event; null for other events. */
export function parseTicketEvent(body: string): TicketEvent | null {
  const f = bodyFields(body)
  if (f.Event !== TICKET_CREATED_EVENT && f.Event !== TICKET_TIMEOUT_EVENT) return null
  const parsed = z.object({ ticket_id: IdSchema }).safeParse(f.request_data ?? {})
  if (!parsed.success) throw new PushError('BAD_MESSAGE', 'request_data.ticket_id missing or malformed')
  return { event: f.Event, ticketId: parsed.data.ticket_id }
}

/** The `Encrypt` field of a safe-mode body (JSON or XML), if any. */
export function encryptedField(body: string): string | undefined {
  const e = bodyFields(body).Encrypt
  return typeof e === 'string' ? e : undefined
}

export interface PushConfig {
  /** CHANNELS_PUSH_TOKEN */
  token: string
  /** CHANNELS_PUSH_AES_KEY (safe mode): when set, only encrypted bodies are accepted */
  aesKey?: string
  /** the shop's appid, checked at the end of decrypted messages when given */
  appid?: string
  /** tighter or looser limits than PUSH_LIMITS (tests) */
  limits?: Partial<PushLimits>
}

export const pushLimits = (cfg: Pick<PushConfig, 'limits'>): PushLimits => ({ ...PUSH_LIMITS, ...cfg.limits })

/** The push request's query parameters (signature, timestamp, nonce, msg_signature, echostr …). */
export type PushQuery = Record<string, string | undefined>

const TIMESTAMP = /^[0-9]{1,12}$/
const NONCE = /^[A-Za-z0-9_-]{1,64}$/

/**
 * The checks that need no body: token configured, `signature` over token / timestamp / nonce,
 * timestamp within the window of `nowMs`, a well-formed nonce. Throws PushError.
 */
export function checkPushQuery(cfg: PushConfig, query: PushQuery, nowMs: number): { timestamp: string; nonce: string } {
  if (!cfg.token) throw new PushError('NOT_CONFIGURED', 'push token not configured')
  const timestamp = query.timestamp ?? ''
  const nonce = query.nonce ?? ''
  if (!verifySignature(cfg.token, timestamp, nonce, query.signature ?? '')) throw new PushError('BAD_SIGNATURE', 'signature mismatch')
  if (!TIMESTAMP.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > pushLimits(cfg).windowSeconds) {
    throw new PushError('STALE', 'timestamp outside the accepted window')
  }
  if (!NONCE.test(nonce)) throw new PushError('BAD_SIGNATURE', 'nonce missing or malformed')
  return { timestamp, nonce }
}

/** The one-time key of a checked push and until when it must be remembered (its timestamp's window end). */
export function pushNonce(cfg: PushConfig, q: { timestamp: string; nonce: string }): { key: string; expiresAt: string } {
  return { key: `${q.timestamp}.${q.nonce}`, expiresAt: new Date((Number(q.timestamp) + pushLimits(cfg).windowSeconds + 1) * 1000).toISOString() }
}

/**
 * Opens the body of a push whose query passed `checkPushQuery` (and whose nonce was claimed):
 * size cap, safe mode only when a key is configured (`msg_signature` over Encrypt, then decrypt),
 * and answers the plaintext body. Throws PushError.
 */
export function openPushBody(cfg: PushConfig, query: PushQuery, rawBody: string): string {
  if (Buffer.byteLength(rawBody, 'utf8') > pushLimits(cfg).maxBodyBytes) throw new PushError('TOO_LARGE', 'push body too large')
  const enc = bodyFields(rawBody).Encrypt
  if (enc === undefined) {
    if (cfg.aesKey) throw new PushError('ENCRYPTION_REQUIRED', 'safe mode: only encrypted pushes are accepted')
    return rawBody
  }
  if (typeof enc !== 'string') throw new PushError('BAD_MESSAGE', 'Encrypt is not a string')
  if (!cfg.aesKey) throw new PushError('BAD_MESSAGE', 'encrypted push but no EncodingAESKey configured')
  if (!verifyMsgSignature(cfg.token, query.timestamp ?? '', query.nonce ?? '', enc, query.msg_signature ?? '')) throw new PushError('BAD_SIGNATURE', 'msg_signature mismatch')
  return decryptMessage(cfg.aesKey, enc, cfg.appid)
}

/** `checkPushQuery` then `openPushBody`, without the nonce (the use case claims it in between). */
export function openPush(cfg: PushConfig, query: PushQuery, rawBody: string, nowMs: number): string {
  checkPushQuery(cfg, query, nowMs)
  return openPushBody(cfg, query, rawBody)
}

/** The URL check when the push URL is configured (GET with echostr): answer echostr when signed and fresh. */
export function answerUrlCheck(cfg: PushConfig, query: PushQuery, nowMs: number): string | null {
  try {
    checkPushQuery(cfg, query, nowMs)
  } catch {
    return null
  }
  return query.echostr ?? ''
}
