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
 * The gateway route and the CloudBase push function call `openPush` with the query string and
 * the raw body, then answer the plain string `success`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { AFTER_SALE_STATUSES, type AfterSaleStatus } from '@contract/channels'

export const AFTER_SALE_EVENT = 'channels_ec_aftersale_update'

export interface AfterSaleEvent {
  event: typeof AFTER_SALE_EVENT
  afterSaleOrderId: string
  status: AfterSaleStatus
  orderId: string
  /** unix seconds of the event (CreateTime) */
  createTime: number
}

export class PushError extends Error {
  constructor(
    readonly code: 'BAD_SIGNATURE' | 'BAD_MESSAGE' | 'NOT_CONFIGURED',
    message: string,
  ) {
    super(message)
    this.name = 'PushError'
  }
}

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

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }
const unescapeXml = (s: string) => s.replace(/&(lt|gt|amp|quot|apos);/g, (_, e: string) => ENTITIES[e])

/**
 * The text of the first `<tag>` element, CDATA unwrapped. WeChat push XML is flat, element-only
 * and attribute-free; this reads exactly that shape (no package for XML is a dependency here).
 */
export function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${tag}>`).exec(xml)
  if (!m) return undefined
  return m[1] !== undefined ? m[1] : unescapeXml(m[2] ?? '')
}
function xmlBlock(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml)
  return m?.[1]
}

const isXml = (body: string) => body.trimStart().startsWith('<')

type Fields = { Event?: unknown; CreateTime?: unknown; finder_shop_aftersale_status_update?: { status?: unknown; after_sale_order_id?: unknown; order_id?: unknown } }

function fieldsOf(body: string): Fields {
  if (isXml(body)) {
    const inner = xmlBlock(body, 'finder_shop_aftersale_status_update')
    return {
      Event: xmlText(body, 'Event'),
      CreateTime: xmlText(body, 'CreateTime'),
      finder_shop_aftersale_status_update: inner
        ? { status: xmlText(inner, 'status'), after_sale_order_id: xmlText(inner, 'after_sale_order_id'), order_id: xmlText(inner, 'order_id') }
        : undefined,
    }
  }
  try {
    const j = JSON.parse(body) as unknown
    if (j && typeof j === 'object') return j as Fields
  } catch {
    // fall through
  }
  throw new PushError('BAD_MESSAGE', 'body is neither JSON nor XML')
}

/** The event name of a plaintext body (JSON or XML), '' when there is none. */
export function eventName(body: string): string {
  const e = fieldsOf(body).Event
  return typeof e === 'string' ? e : ''
}

/** A `channels_ec_aftersale_update` body (plaintext JSON or XML) → the event; null for other events. */
export function parseAfterSaleEvent(body: string): AfterSaleEvent | null {
  const f = fieldsOf(body)
  if (f.Event !== AFTER_SALE_EVENT) return null
  const u = f.finder_shop_aftersale_status_update
  const id = u?.after_sale_order_id
  const status = u?.status
  if ((typeof id !== 'string' && typeof id !== 'number') || String(id) === '') throw new PushError('BAD_MESSAGE', 'after_sale_order_id missing')
  if (typeof status !== 'string' || !(AFTER_SALE_STATUSES as readonly string[]).includes(status)) throw new PushError('BAD_MESSAGE', `unknown status ${String(status)}`)
  const createTime = Number(f.CreateTime)
  return {
    event: AFTER_SALE_EVENT,
    afterSaleOrderId: String(id),
    status: status as AfterSaleStatus,
    orderId: u?.order_id === undefined ? '' : String(u.order_id),
    createTime: Number.isFinite(createTime) ? createTime : 0,
  }
}

/** The `Encrypt` field of a safe-mode body (JSON or XML), if any. */
export function encryptedField(body: string): string | undefined {
  if (isXml(body)) return xmlText(body, 'Encrypt')
  try {
    const j = JSON.parse(body) as { Encrypt?: unknown }
    return typeof j.Encrypt === 'string' ? j.Encrypt : undefined
  } catch {
    return undefined
  }
}

export interface PushConfig {
  /** CHANNELS_PUSH_TOKEN */
  token: string
  /** CHANNELS_PUSH_AES_KEY (safe mode); without it encrypted bodies are refused */
  aesKey?: string
  /** the shop's appid, checked at the end of decrypted messages when given */
  appid?: string
}

/** The push request's query parameters (signature, timestamp, nonce, msg_signature, echostr …). */
export type PushQuery = Record<string, string | undefined>

/**
 * Checks and opens one push request: verifies `signature`, decrypts a safe-mode body after
 * checking `msg_signature`, and answers the plaintext body. Throws PushError on any mismatch.
 */
export function openPush(cfg: PushConfig, query: PushQuery, rawBody: string): string {
  const timestamp = query.timestamp ?? ''
  const nonce = query.nonce ?? ''
  if (!cfg.token) throw new PushError('NOT_CONFIGURED', 'push token not configured')
  if (!verifySignature(cfg.token, timestamp, nonce, query.signature ?? '')) throw new PushError('BAD_SIGNATURE', 'signature mismatch')
  const enc = encryptedField(rawBody)
  if (enc === undefined) return rawBody
  if (!cfg.aesKey) throw new PushError('NOT_CONFIGURED', 'encrypted push but no EncodingAESKey configured')
  if (!verifyMsgSignature(cfg.token, timestamp, nonce, enc, query.msg_signature ?? '')) throw new PushError('BAD_SIGNATURE', 'msg_signature mismatch')
  return decryptMessage(cfg.aesKey, enc, cfg.appid)
}

/** The URL check when the push URL is configured (GET with echostr): answer echostr when signed. */
export function answerUrlCheck(token: string, query: PushQuery): string | null {
  return verifySignature(token, query.timestamp ?? '', query.nonce ?? '', query.signature ?? '') ? (query.echostr ?? '') : null
}
