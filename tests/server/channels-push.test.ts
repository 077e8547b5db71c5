/**
 * WeChat message push helpers (adapters/channels/push): signatures, safe-mode AES and the
 * after-sale event in JSON and XML. Encryption in this test is written independently from the
 * adapter (node:crypto, the format as documented), so both sides are checked against the format.
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto'
import {
  PUSH_LIMITS,
  PushError,
  answerUrlCheck,
  checkPushQuery,
  encryptedField,
  parseXml,
  pushNonce,
  decryptMessage,
  encryptMessage,
  openPush,
  parseAfterSaleEvent,
  parseComplaintEvent,
  parseTicketEvent,
  verifyMsgSignature,
  verifySignature,
} from '../../cloudfunctions/adapters/channels/push'

const TOKEN = 'pushtoken123'
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' // 43 chars, the format WeChat issues
const APPID = 'wx1234567890abcdef'

/** The documented format, written out separately: random16 | len BE | msg | appid, PKCS#7 to 32. */
function referenceEncrypt(msg: string, appid = APPID, key = AES_KEY): string {
  const k = Buffer.from(key + '=', 'base64')
  const m = Buffer.from(msg)
  const head = Buffer.alloc(20)
  head.fill(7, 0, 16)
  head.writeUInt32BE(m.length, 16)
  let raw = Buffer.concat([head, m, Buffer.from(appid)])
  const n = 32 - (raw.length % 32)
  raw = Buffer.concat([raw, Buffer.from(new Array(n).fill(n))])
  const c = createCipheriv('aes-256-cbc', k, k.subarray(0, 16)).setAutoPadding(false)
  return Buffer.concat([c.update(raw), c.final()]).toString('base64')
}
function referenceDecrypt(b64: string, key = AES_KEY): { msg: string; appid: string } {
  const k = Buffer.from(key + '=', 'base64')
  const d = createDecipheriv('aes-256-cbc', k, k.subarray(0, 16)).setAutoPadding(false)
  const raw = Buffer.concat([d.update(Buffer.from(b64, 'base64')), d.final()])
  const unpadded = raw.subarray(0, raw.length - raw[raw.length - 1])
  const len = unpadded.readUInt32BE(16)
  return { msg: unpadded.subarray(20, 20 + len).toString(), appid: unpadded.subarray(20 + len).toString() }
}
const sig = (...p: string[]) => createHash('sha1').update(p.sort().join('')).digest('hex')
/** the instant the tests' pushes are sent (their timestamp 1764000000) */
const NOW = 1_764_000_000_000

const jsonEvent = (status: string, id = '3700000001', createTime = 1_764_000_000) =>
  JSON.stringify({
    ToUserName: 'gh_shop',
    FromUserName: 'OpenID',
    CreateTime: createTime,
    MsgType: 'event',
    Event: 'channels_ec_aftersale_update',
    finder_shop_aftersale_status_update: { status, after_sale_order_id: id, order_id: '3700000099' },
  })
const xmlEvent = `<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[OpenID]]></FromUserName>
<CreateTime>1764000123</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[channels_ec_aftersale_update]]></Event>
<finder_shop_aftersale_status_update><status><![CDATA[USER_WAIT_RETURN]]></status><after_sale_order_id><![CDATA[3700000002]]></after_sale_order_id><order_id>3700000100</order_id></finder_shop_aftersale_status_update></xml>`

describe('push signatures', () => {
  it('accepts the sorted-sha1 signature and refuses a tampered one', () => {
    const s = sig(TOKEN, '1764000000', 'nonce1')
    expect(verifySignature(TOKEN, '1764000000', 'nonce1', s)).toBe(true)
    expect(verifySignature(TOKEN, '1764000000', 'nonce1', s.toUpperCase())).toBe(true)
    expect(verifySignature(TOKEN, '1764000001', 'nonce1', s)).toBe(false)
    expect(verifySignature('other', '1764000000', 'nonce1', s)).toBe(false)
    expect(verifySignature(TOKEN, '1764000000', 'nonce1', '')).toBe(false)
  })

  it('answers the URL check with echostr only when signed and fresh', () => {
    const q = { timestamp: '1764000000', nonce: 'n', signature: sig(TOKEN, '1764000000', 'n'), echostr: 'hello' }
    expect(answerUrlCheck({ token: TOKEN }, q, NOW)).toBe('hello')
    expect(answerUrlCheck({ token: TOKEN }, { ...q, signature: 'x' }, NOW)).toBeNull()
    expect(answerUrlCheck({ token: TOKEN }, q, NOW + 3600_000)).toBeNull()
  })
})

describe('safe mode (AES-256-CBC)', () => {
  it('decrypts what the documented format produces, and the reference decrypts what the adapter encrypts', () => {
    const msg = jsonEvent('MERCHANT_PROCESSING') + '中文内容'
    expect(decryptMessage(AES_KEY, referenceEncrypt(msg), APPID)).toBe(msg)
    expect(referenceDecrypt(encryptMessage(AES_KEY, APPID, msg))).toEqual({ msg, appid: APPID })
    // block-aligned message: a full 32-byte padding block
    const aligned = 'x'.repeat(32 * 3 - 20 - APPID.length)
    expect(decryptMessage(AES_KEY, referenceEncrypt(aligned), APPID)).toBe(aligned)
  })

  it('refuses a message for another appid, a wrong key, and garbage', () => {
    const enc = referenceEncrypt('{}', 'wxOTHER')
    expect(() => decryptMessage(AES_KEY, enc, APPID)).toThrow(PushError)
    expect(decryptMessage(AES_KEY, enc)).toBe('{}')
    const otherKey = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut'
    expect(() => decryptMessage(otherKey, referenceEncrypt('{"a":1}'), APPID)).toThrow(PushError)
    expect(() => decryptMessage(AES_KEY, 'bm90IGVuY3J5cHRlZA==', APPID)).toThrow(PushError)
    expect(() => decryptMessage('short', enc)).toThrow(/43/)
  })

  it('checks msg_signature over the encrypted field', () => {
    const enc = referenceEncrypt('{}')
    expect(verifyMsgSignature(TOKEN, '5', 'n', enc, sig(TOKEN, '5', 'n', enc))).toBe(true)
    expect(verifyMsgSignature(TOKEN, '5', 'n', enc, sig(TOKEN, '5', 'n', enc + 'x'))).toBe(false)
  })
})

describe('after-sale event bodies', () => {
  it('parses the JSON and the XML form', () => {
    expect(parseAfterSaleEvent(jsonEvent('PLATFORM_REFUNDING', '37001', 1_764_000_500))).toEqual({
      event: 'channels_ec_aftersale_update',
      afterSaleOrderId: '37001',
      status: 'PLATFORM_REFUNDING',
      orderId: '3700000099',
      createTime: 1_764_000_500,
    })
    expect(parseAfterSaleEvent(xmlEvent)).toEqual({
      event: 'channels_ec_aftersale_update',
      afterSaleOrderId: '3700000002',
      status: 'USER_WAIT_RETURN',
      orderId: '3700000100',
      createTime: 1_764_000_123,
    })
  })

  it('ignores other events and refuses a malformed after-sale event', () => {
    expect(parseAfterSaleEvent(JSON.stringify({ Event: 'channels_ec_order_pay', order_info: {} }))).toBeNull()
    expect(() => parseAfterSaleEvent(jsonEvent('NOT_A_STATUS'))).toThrow(/unknown status/)
    expect(() => parseAfterSaleEvent(JSON.stringify({ Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: { status: 'USER_CANCELD' } }))).toThrow(
      /after_sale_order_id/,
    )
    expect(() => parseAfterSaleEvent('not a body')).toThrow(PushError)
  })
})

describe('dispute and platform ticket event bodies', () => {
  it('parses channels_ec_complaint_update (JSON and XML) and the two ticket events', () => {
    const json = JSON.stringify({ ToUserName: 'gh_x', MsgType: 'event', CreateTime: 1_764_000_000, Event: 'channels_ec_complaint_update', finder_shop_complaint: { complaint_status: 106, after_sale_order_id: '41001', complaint_id: '21009', order_id: '37009' } })
    expect(parseComplaintEvent(json)).toEqual({ event: 'channels_ec_complaint_update', complaintId: '21009', afterSaleOrderId: '41001', status: 106, orderId: '37009' })
    const xml = '<xml><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[channels_ec_complaint_update]]></Event><finder_shop_complaint><complaint_status>112</complaint_status><after_sale_order_id>41002</after_sale_order_id><complaint_id>21010</complaint_id><order_id>37010</order_id></finder_shop_complaint></xml>'
    expect(parseComplaintEvent(xml)).toMatchObject({ complaintId: '21010', status: 112 })
    expect(parseTicketEvent(JSON.stringify({ Event: 'ec_platform_kf_create_mch_ticket', request_data: { ticket_id: '123' } }))).toEqual({ event: 'ec_platform_kf_create_mch_ticket', ticketId: '123' })
    expect(parseTicketEvent(JSON.stringify({ Event: 'ec_platform_kf_ticket_timeout', request_data: { ticket_id: 456 } }))).toEqual({ event: 'ec_platform_kf_ticket_timeout', ticketId: '456' })
    // not theirs: null
    expect(parseComplaintEvent(jsonEvent('PLATFORM_REFUNDING'))).toBeNull()
    expect(parseTicketEvent(jsonEvent('PLATFORM_REFUNDING'))).toBeNull()
  })

  it('refuses a malformed dispute or ticket event', () => {
    expect(() => parseComplaintEvent(JSON.stringify({ Event: 'channels_ec_complaint_update', finder_shop_complaint: { complaint_status: 106 } }))).toThrow(PushError)
    expect(() => parseComplaintEvent(JSON.stringify({ Event: 'channels_ec_complaint_update', finder_shop_complaint: { complaint_id: '../x', complaint_status: 106 } }))).toThrow(PushError)
    expect(() => parseTicketEvent(JSON.stringify({ Event: 'ec_platform_kf_create_mch_ticket', request_data: {} }))).toThrow(/ticket_id/)
  })
})

describe('openPush (what the route and the push function call)', () => {
  const q = (extra: Record<string, string> = {}) => ({ timestamp: '1764000000', nonce: 'abc', signature: sig(TOKEN, '1764000000', 'abc'), ...extra })

  it('passes a signed plaintext body through', () => {
    expect(parseAfterSaleEvent(openPush({ token: TOKEN }, q(), jsonEvent('USER_CANCELD'), NOW))?.status).toBe('USER_CANCELD')
  })

  it('opens a signed safe-mode body in JSON and in XML', () => {
    const plain = jsonEvent('MERCHANT_REFUND_SUCCESS')
    const enc = referenceEncrypt(plain)
    const msgSig = sig(TOKEN, '1764000000', 'abc', enc)
    const cfg = { token: TOKEN, aesKey: AES_KEY, appid: APPID }
    expect(openPush(cfg, q({ msg_signature: msgSig, encrypt_type: 'aes' }), JSON.stringify({ ToUserName: 'gh_shop', Encrypt: enc }), NOW)).toBe(plain)
    const xml = `<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><Encrypt><![CDATA[${enc}]]></Encrypt></xml>`
    expect(parseAfterSaleEvent(openPush(cfg, q({ msg_signature: msgSig }), xml, NOW))?.status).toBe('MERCHANT_REFUND_SUCCESS')
  })

  it('refuses a bad signature, a bad msg_signature, and an encrypted body without a key', () => {
    const enc = referenceEncrypt(jsonEvent('USER_CANCELD'))
    const body = JSON.stringify({ Encrypt: enc })
    expect(() => openPush({ token: TOKEN }, q({ signature: 'bad' }), jsonEvent('USER_CANCELD'), NOW)).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }))
    expect(() => openPush({ token: TOKEN, aesKey: AES_KEY }, q({ msg_signature: 'bad' }), body, NOW)).toThrow(expect.objectContaining({ code: 'BAD_SIGNATURE' }))
    expect(() => openPush({ token: TOKEN }, q({ msg_signature: sig(TOKEN, '1764000000', 'abc', enc) }), body, NOW)).toThrow(expect.objectContaining({ code: 'BAD_MESSAGE' }))
    expect(() => openPush({ token: '' }, q(), jsonEvent('USER_CANCELD'), NOW)).toThrow(expect.objectContaining({ code: 'NOT_CONFIGURED' }))
  })

  it('refuses a timestamp outside the window (a 2001 timestamp, or one from the future), correctly signed', () => {
    const at = (ts: string) => ({ timestamp: ts, nonce: 'abc', signature: sig(TOKEN, ts, 'abc') })
    expect(() => checkPushQuery({ token: TOKEN }, at('978307200'), NOW)).toThrow(expect.objectContaining({ code: 'STALE' }))
    expect(() => checkPushQuery({ token: TOKEN }, at(String(1_764_000_000 + PUSH_LIMITS.windowSeconds + 1)), NOW)).toThrow(expect.objectContaining({ code: 'STALE' }))
    expect(() => checkPushQuery({ token: TOKEN }, at('1764000000.5'), NOW)).toThrow(expect.objectContaining({ code: 'STALE' }))
    expect(checkPushQuery({ token: TOKEN }, at(String(1_764_000_000 - PUSH_LIMITS.windowSeconds)), NOW)).toEqual({ timestamp: String(1_764_000_000 - PUSH_LIMITS.windowSeconds), nonce: 'abc' })
    // the nonce is remembered until the timestamp's window has passed
    expect(pushNonce({ token: TOKEN }, { timestamp: '1764000000', nonce: 'abc' })).toEqual({ key: '1764000000.abc', expiresAt: new Date((1_764_000_000 + PUSH_LIMITS.windowSeconds + 1) * 1000).toISOString() })
  })

  it('safe mode accepts only encrypted bodies: a signed plaintext body is refused', () => {
    const cfg = { token: TOKEN, aesKey: AES_KEY, appid: APPID }
    expect(() => openPush(cfg, q(), jsonEvent('USER_CANCELD'), NOW)).toThrow(expect.objectContaining({ code: 'ENCRYPTION_REQUIRED' }))
    expect(() => openPush(cfg, q(), xmlEvent, NOW)).toThrow(expect.objectContaining({ code: 'ENCRYPTION_REQUIRED' }))
  })

  it('refuses a body over the size cap before parsing it', () => {
    const big = JSON.stringify({ Event: 'x', pad: 'y'.repeat(PUSH_LIMITS.maxBodyBytes) })
    expect(() => openPush({ token: TOKEN }, q(), big, NOW)).toThrow(expect.objectContaining({ code: 'TOO_LARGE' }))
  })
})

describe('the ISV body format (finder_shop_aftersale_status_update as a newline-joined string)', () => {
  const isv = '\n3700000077\nMERCHANT_REFUND_SUCCESS\n3700000555\n'
  it('is read in JSON and in XML', () => {
    const want = { event: 'channels_ec_aftersale_update', afterSaleOrderId: '3700000077', status: 'MERCHANT_REFUND_SUCCESS', orderId: '3700000555', createTime: 1_764_000_001 }
    expect(parseAfterSaleEvent(JSON.stringify({ CreateTime: 1_764_000_001, Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: isv }))).toEqual(want)
    const xml = `<xml><CreateTime>1764000001</CreateTime><Event><![CDATA[channels_ec_aftersale_update]]></Event><finder_shop_aftersale_status_update><![CDATA[${isv}]]></finder_shop_aftersale_status_update></xml>`
    expect(parseAfterSaleEvent(xml)).toEqual(want)
    // CRLF line ends and no order id
    expect(parseAfterSaleEvent(JSON.stringify({ Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: '\r\n37001\r\nUSER_CANCELD\r\n' }))).toMatchObject({ afterSaleOrderId: '37001', status: 'USER_CANCELD', orderId: '' })
  })
  it('refuses a string without a known status or an id', () => {
    expect(() => parseAfterSaleEvent(JSON.stringify({ Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: '\n37001\nNOPE\n' }))).toThrow(/unknown status/)
    expect(() => parseAfterSaleEvent(JSON.stringify({ Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: '\nUSER_CANCELD\n' }))).toThrow(/after_sale_order_id/)
  })
})

describe('the XML reader', () => {
  it('decodes references and CDATA, skips the prolog, comments and attributes, keeps the first of repeated elements', () => {
    expect(parseXml('<?xml version="1.0"?><!-- c --><xml a="1"><A>x &amp; y &#20013;&#x6587; &bogus;</A><B><![CDATA[<raw> ]]></B><A>second</A><E/></xml>')).toEqual({ A: 'x & y 中文 &bogus;', B: '<raw> ', E: '' })
  })
  it('refuses DOCTYPE / ENTITY declarations, mismatched or unclosed tags, two roots and deep nesting', () => {
    for (const bad of [
      '<!DOCTYPE x [<!ENTITY a "b">]><xml>&a;</xml>',
      '<xml><A></B></xml>',
      '<xml><A>',
      '<xml/><xml/>',
      '<xml><![CDATA[x',
      'text<xml/>',
      '<xml><1a/></xml>',
      '<a>'.repeat(PUSH_LIMITS.maxXmlDepth + 1) + '</a>'.repeat(PUSH_LIMITS.maxXmlDepth + 1),
    ]) expect(() => parseXml(bad)).toThrow(expect.objectContaining({ code: 'BAD_MESSAGE' }))
  })
  it('does not let an element named __proto__ change the object it is read into', () => {
    const r = parseXml('<xml><__proto__><polluted>1</polluted></__proto__></xml>')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(r)).toEqual(['__proto__'])
  })
  it('reads what made the old regular expressions backtrack for seconds within a hang guard', () => {
    // 2,000 spaces after an open tag took the old reader 12-15 s (cubic backtracking)
    for (const body of ['<xml><Event>' + ' '.repeat(2000) + 'x', '<xml><Encrypt>' + ' \n'.repeat(3000), '<xml>' + '<finder_shop_aftersale_status_update>'.repeat(1000)]) {
      const t = performance.now()
      expect(() => parseAfterSaleEvent(body)).toThrow(PushError)
      expect(() => encryptedField(body)).toThrow(PushError)
      expect(performance.now() - t).toBeLessThan(100)
    }
  })
})
