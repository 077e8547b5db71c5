/**
 * Local stand-in for the WeChat Channels shop (微信小店) API — used only by the tests, the benchmark
 * and the demo (`npm start`); the real adapter (adapters/channels) is what talks to it.
 *
 * What it reproduces (documented wire shapes, PLATFORM-FACTS §1):
 * - `POST /cgi-bin/stable_token` (AppID/AppSecret; the same token until its last 5 minutes, then a
 *   new one while the old stays valid until it expires; `force_refresh` retires the old one at
 *   once) and the token check on every call: 41001 missing, 40001 unknown/replaced, 42001 expired.
 * - Orders: `/channels/ec/order/list/get` (update/create time ranges ≤ 7 days, page_size ≤ 100,
 *   next_key), `/channels/ec/order/get` (products, prices in fen, pay/delivery info, per product
 *   `extra_service` {freight_insurance, seven_day_return} as 0/1 — 运费险 only when the order is
 *   created with it, 7天无理由 always 1).
 * - After-sales: getaftersalelist (create/update windows ≤ 24 h → 10020004 beyond, next_key),
 *   getaftersaleorder (the documented fields, `deadline` as seconds left,
 *   `refund_info.is_final_refund_by_insurance` only when the control API asks for it), reason/get,
 *   rejectreason/get, merchant/address/list + get, acceptapply, rejectapply,
 *   merchantupdateaftersale, uploadrefundcertificate, acceptexchangereship, rejectexchangereship,
 *   genaftersaleorder (request_id: a second call with the same id answers 10021089).
 * - Desk remedies on an order: `/channels/ec/aftersale/refundpricediff` (代用户发起退差价: request_id —
 *   the same id answers the after-sale it opened; order / product / sku checked, amount within the
 *   SKU's paid price less earlier refunds, reason 10001336 / 10001337 / 10001338 else 10021084,
 *   one per order per minute 10021059; answers `after_sale_order_id` of a REFUND after-sale that
 *   refunds at once: PLATFORM_REFUNDING, then MERCHANT_REFUND_SUCCESS / PLATFORM_REFUND_FAIL by the
 *   clock, pushed like any other) and `/channels/ec/order/delivery/compensation` (订单补发货:
 *   reason 1–4, delivery_list with deliver_type 1 / 6, waybill, company and products of the order;
 *   the parcel joins `delivery_info.delivery_product_info`; the 11th on one order answers
 *   DELIVERY_COMPENSATION_LIMIT_ERRCODE of adapters/channels/errors.ts — the code itself is not
 *   confirmed, see there).
 * - Errcodes: 100004 (数据版本号不匹配) and any other code on demand through /__standin/errors
 *   {path, errcode: 100004, times}; 10021059 (a second write on one after-sale order within a minute of its clock),
 *   10021060 / 10021062 (address missing / unknown), 10021068 (negotiation required, per order),
 *   10021051 (dispute open, per order), 10020001 (action not allowed in the current status),
 *   10020000 (no such after-sale), 10021045 / 10021046 and -1 / HTTP 5xx when injected.
 * - Its own clock moves statuses: the seller's decision deadline auto-approves (REFUND →
 *   PLATFORM_REFUNDING, RETURN/EXCHANGE → USER_WAIT_RETURN), a return not shipped in time closes
 *   (RETURN_CLOSED), a return not confirmed in time is refunded, PLATFORM_REFUNDING settles to
 *   MERCHANT_REFUND_SUCCESS / MERCHANT_RETURN_SUCCESS or PLATFORM_REFUND_FAIL (configurable).
 *   Buyers act through the control API: apply, cancel, ship the return.
 * - Push: `channels_ec_aftersale_update` to `pushUrl` with signature / timestamp / nonce, JSON
 *   body, or safe mode (`aesKey`: `{ToUserName, Encrypt}` + msg_signature). Chaos on demand:
 *   duplicates, reversed order, a dropped push, a replayed stale status.
 * - Disputes (纠纷单, issue 21): getcomplaintorder (status + history[] {item_type, time, content,
 *   media_id_list}), addcomplaintproof (only in 106 / 108, else 10021504; 106 → 107, 108 → 104),
 *   addcomplaintmaterial (only in 103, else 10021503), 10021500 unknown dispute, 10021501 text over
 *   500, 10021502 over 20 images in all; `basics/img/upload` by URL (upload_type=1, resp_type=1 →
 *   pic_file.media_id). Push `channels_ec_complaint_update` {complaint_status, after_sale_order_id,
 *   complaint_id, order_id} on every change. Its clock: 106 / 108 not answered within `proofMs`
 *   (default 48 h) → 307 商家补充凭证超时. The platform's moves through the control API.
 * - Platform tickets (客诉工单): getmchticketdetail, getmchticketlist (ticket_state, creation
 *   window, start / limit); pushes `ec_platform_kf_create_mch_ticket` and, when `ticket_deal_end_time`
 *   passes in state 1, `ec_platform_kf_ticket_timeout` (state 3, review 2 默认判支持用户).
 * - Media: `GET /channels/ec/basics/media/get?media_id=` answers the bytes of a buyer's photo
 *   (after-sales created with `mediaIds` get a small PNG each; `addMedia` sets other bytes), an
 *   unknown id 40007 as JSON.
 *
 * What it does NOT reproduce: other endpoints (products, logistics, file upload, syncworkorder,
 * operatemchticket / getticketclassconfig, guarantee orders), the dispute history's item_type
 * codes (its own: 1 buyer, 2 seller proof, 3 seller message, 10 platform), the virtual phone number, the real errmsg texts, daily quotas (45009) and the IP whitelist, the exact
 * platform deadlines (configurable windows instead), XML pushes and the platform's push retries (one attempt per event), when the
 * platform itself sets the insurance flags, `is_low_price_insurance_refund`, the buyer's side of negotiations and exchanges beyond what the control API offers, partial
 * quantities per after-sale and the 5-after-sales-per-product limit; for 退差价 the platform's own
 * amount rules beyond the paid price and what a repeat after a changed body answers; for 补发货
 * the delivery company list (any id is taken), virtual / pickup orders and the real limit errcode;
 * 100004 never happens by itself (only when injected).
 *
 * Control API (loopback only, no auth; JSON bodies): POST /__standin/orders,
 * /__standin/aftersales, /__standin/aftersales/:id/cancel, /__standin/aftersales/:id/ship-return,
 * /__standin/aftersales/:id/dispute, /__standin/aftersales/:id/require-negotiation,
 * /__standin/clock/advance {ms}, /__standin/errors {path, errcode?, http?, times?},
 * /__standin/push/drop-next, /__standin/push/chaos {duplicate?, reorder?},
 * /__standin/push/replay {afterSaleOrderId, status}, /__standin/refund-result {result},
 * /__standin/tokens/expire, /__standin/complaints {afterSaleOrderId, status?, content?},
 * /__standin/complaints/:id/move {status, content?}, /__standin/tickets {orderId, dealMs?},
 * /__standin/tickets/:id/review {result}; GET /__standin/state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHash, randomBytes } from 'node:crypto'
import type { AfterSaleStatus, AfterSaleType } from '@contract/channels'
import { encryptMessage, pushSignature } from '../adapters/channels/push'
import { DELIVERY_COMPENSATION_LIMIT_ERRCODE } from '../adapters/channels/errors'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export interface StandinClock {
  now(): number
}

export interface ChannelsStandinOptions {
  port?: number
  host?: string
  /** the stand-in's clock (ms); default: wall clock plus whatever `advance` added */
  clock?: StandinClock
  appid?: string
  secret?: string
  /** where push events go (the gateway route); none when absent */
  pushUrl?: string
  pushToken?: string
  /** EncodingAESKey (43 chars): pushes are sent in safe mode */
  aesKey?: string
  tokenTtlSec?: number
  /** seller's decision window on a new after-sale (default 48 h) */
  decisionMs?: number
  /** buyer's window to ship a return (default 7 days) */
  returnMs?: number
  /** seller's window to confirm receipt (default 10 days) */
  receiptMs?: number
  /** how long PLATFORM_REFUNDING lasts (default 1 minute) */
  refundMs?: number
  /** after-sale ids per page of getaftersalelist (default 50) */
  afterSalePageSize?: number
  /** run the clock's effects every this many real ms (demo); off by default */
  autoTickMs?: number
  /** the seller's window to add proof in a dispute (default 48 h) */
  proofMs?: number
}

interface Complaint {
  complaint_id: string
  after_sale_order_id: string
  order_id: string
  status: number
  history: { item_type: number; time: number; content: string; media_id_list: string[] }[]
  deadlineAt: number | null
}

interface Ticket {
  ticket_id: string
  ticket_class_type: number
  ticket_state: number
  ticket_begin_time: number
  ticket_deal_end_time: number
  merchant_operate_time: number
  platform_operate_time: number
  merchant_reply: number
  description: string
  order_id: string
  aftersale_id: string
  platform_review_result: number
}

/** the dispute statuses in which the platform waits on the seller's proof */
const PROOF_STATES = new Set([106, 108])
const COMPLAINT_STATUS_OK = new Set([100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 305, 307])

export interface NewOrderInput {
  orderId?: string
  openid?: string
  unionid?: string
  /** freightInsurance: the product carries 运费险 (`extra_service.freight_insurance` = 1; default 0) */
  products?: { productId: string; skuId: string; title: string; count: number; priceFen: number; freightInsurance?: boolean }[]
  /** shipped with a waybill (default true) */
  shipped?: boolean
  createTime?: number
}

export interface NewAfterSaleInput {
  orderId: string
  type?: AfterSaleType
  skuId?: string
  count?: number
  amountFen?: number
  /** `refund_info.is_final_refund_by_insurance` = 1 (the caller decides: the platform's rule for it is not documented) */
  refundByInsurance?: boolean
  reason?: string
  desc?: string
  mediaIds?: string[]
  /** EXCHANGE to another SKU at another unit price: `exchange_product_info` old/new sku and price */
  exchangeTo?: { skuId: string; priceFen: number }
}

interface AfterSale {
  after_sale_order_id: string
  status: AfterSaleStatus
  type: AfterSaleType
  openid: string
  unionid: string
  order_id: string
  product_info: { product_id: string; sku_id: string; count: number }
  refund_info: { amount: number; refund_reason?: number; is_final_refund_by_insurance?: number }
  return_info: { waybill_id: string; delivery_id: string; delivery_name: string }
  merchant_upload_info: { reject_reason: string; refund_certificates: string[] }
  refund_resp: { code: string; ret: number; message: string }
  reason: string
  reason_text: string
  details: { desc: string; receive_product: boolean; media_id_list: string[]; tel_number: string }
  create_time: number
  update_time: number
  exchange_product_info?: { old_sku_id: string; new_sku_id: string; old_sku_price: number; new_sku_price: number; product_id: string }
  // internal
  deadlineAt: number | null
  settleAt: number | null
  addressId: string | null
  dispute: boolean
  needsNegotiation: boolean
  negotiated: boolean
  lastWriteAt: number | null
  exchange?: { waybill_id: string; delivery_id: string }
}

/**
 * A queued push: an after-sale update, or (event set) a dispute / ticket event with its own body
 * (then `id` is the dispute's after-sale, or the ticket's order, and `status` only fills the record).
 */
interface OutPush {
  id: string
  status: AfterSaleStatus
  createTime: number
  event?: { name: string; body: Record<string, unknown> }
}

interface Order {
  order_id: string
  status: number
  openid: string
  unionid: string
  create_time: number
  update_time: number
  order_detail: Record<string, unknown>
}

interface Injected {
  path?: string
  errcode?: number
  http?: number
  times: number
}

export interface PushRecord {
  afterSaleOrderId: string
  status: AfterSaleStatus
  /** the event name when it was not an after-sale update (complaint / ticket events) */
  event?: string
  delivered: boolean
  httpStatus: number | null
  error: string | null
}

class ApiError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(errmsg)
  }
}

/** An 8×8 orange PNG: what the stand-in's buyers photograph. */
const STANDIN_PNG = Uint8Array.from(
  Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEUlEQVR4nGP40GCAFTEMLQkA0yBoAeE1ei4AAAAASUVORK5CYII=', 'base64'),
)

const REASONS = [
  { reason: '10000000', reason_text: '不想要了' },
  { reason: '10000019', reason_text: '7天无理由退货' },
  { reason: '10000021', reason_text: '质量问题' },
  { reason: '10000023', reason_text: '商品与描述不符' },
  { reason: '10000025', reason_text: '少件/漏发' },
  { reason: '10000027', reason_text: '快递长时间未送达' },
]
const REJECT_REASONS = [
  { reject_reason_type: 1, reject_reason_type_text: '商品已影响二次销售', reject_reason: '退回的商品已使用或缺少配件', reject_scene: [1, 2] },
  { reject_reason_type: 2, reject_reason_type_text: '未收到退货', reject_reason: '尚未收到买家寄回的商品', reject_scene: [2] },
  { reject_reason_type: 3, reject_reason_type_text: '已与买家协商', reject_reason: '已与买家协商一致，无需退款', reject_scene: [1, 2] },
]
const ADDRESSES = [
  {
    address_id: '90001',
    name: '杭州退货仓',
    address_info: { user_name: '售后仓 王师傅', tel_number: '0571-88880000', province_name: '浙江省', city_name: '杭州市', county_name: '余杭区', detail_info: '仓前街道文一西路 1888 号 3 号库', postal_code: '311121' },
    recv_addr: 1,
    default_recv: 1,
    send_addr: 1,
    remark: '',
  },
  {
    address_id: '90002',
    name: '广州备用仓',
    address_info: { user_name: '售后仓 李姐', tel_number: '020-66660000', province_name: '广东省', city_name: '广州市', county_name: '白云区', detail_info: '太和镇大源北路 66 号', postal_code: '510540' },
    recv_addr: 1,
    default_recv: 0,
    send_addr: 0,
    remark: '',
  },
]

/** fields of AfterSale the platform does not send */
const INTERNAL = new Set(['deadlineAt', 'settleAt', 'addressId', 'dispute', 'needsNegotiation', 'negotiated', 'lastWriteAt', 'exchange'])

const FINAL: ReadonlySet<AfterSaleStatus> = new Set([
  'USER_CANCELD', 'MERCHANT_REJECT_REFUND', 'MERCHANT_REJECT_RETURN', 'RETURN_CLOSED', 'MERCHANT_REFUND_SUCCESS',
  'MERCHANT_RETURN_SUCCESS', 'MERCHANT_REFUND_RETRY_FAIL', 'MERCHANT_FAIL', 'MERCHANT_EXCHANGE_SUCCESS', 'MERCHANT_REJECT_EXCHANGE', 'MERCHANT_REJECT_RESHIP',
])

/** The shop, its state and its clock; `handle` answers one API request. */
export class ChannelsShopState {
  readonly appid: string
  readonly secret: string
  private offset = 0
  private readonly clock: StandinClock
  private token: { value: string; expiresAt: number } | null = null
  /** replaced tokens: a normal rotation keeps the old one valid until it expires, force_refresh does not */
  private readonly retired = new Map<string, number>()
  readonly orders = new Map<string, Order>()
  readonly afterSales = new Map<string, AfterSale>()
  private readonly genRequests = new Map<string, string>()
  private readonly priceDiffRequests = new Map<string, string>()
  private readonly priceDiffAt = new Map<string, number>()
  private readonly compensations = new Map<string, number>()
  private injected: Injected[] = []
  private seq = 0
  refundResult: 'success' | 'fail' = 'success'
  chaos = { duplicate: false, reorder: false }
  private dropNext = 0
  /** every API call (path, the stand-in's time) — tests count stable_token calls or writes */
  readonly calls: { path: string; at: number; errcode: number }[] = []
  readonly pushes: PushRecord[] = []
  private outbox: OutPush[] = []
  readonly complaints = new Map<string, Complaint>()
  readonly tickets = new Map<string, Ticket>()
  /** images sent over each dispute (the platform's limit is 20 in all) */
  private readonly complaintImages = new Map<string, number>()
  /** media the buyers attached (media id → bytes): served by basics/media/get */
  readonly media = new Map<string, { bytes: Uint8Array; contentType: string }>()

  constructor(private readonly o: ChannelsStandinOptions) {
    this.appid = o.appid ?? 'wxstandin00000001'
    this.secret = o.secret ?? 'standin-secret'
    this.clock = o.clock ?? { now: () => Date.now() + this.offset }
  }

  now(): number {
    return this.clock.now()
  }
  sec(ms = this.now()): number {
    return Math.floor(ms / 1000)
  }
  private newId(prefix: string): string {
    this.seq++
    return `${prefix}${String(this.sec()).slice(-6)}${String(this.seq).padStart(6, '0')}`
  }

  /** Moves the default clock (an injected clock is moved by its owner) and applies what became due. */
  advance(ms: number): void {
    if (!this.o.clock) this.offset += ms
    this.tick()
  }

  // ------------------------------------------------------------------ buyers and seeds (control)

  createOrder(input: NewOrderInput = {}): Order {
    const id = input.orderId ?? this.newId('37')
    const products = input.products ?? [{ productId: '10000001', skuId: '20000001', title: '羊毛混纺围巾 燕麦色', count: 1, priceFen: 19_900 }]
    const created = input.createTime ?? this.sec() - 3 * 24 * 3600
    const total = products.reduce((s, p) => s + p.priceFen * p.count, 0)
    const shipped = input.shipped ?? true
    const order: Order = {
      order_id: id,
      status: shipped ? 30 : 20,
      openid: input.openid ?? `oShop_${id.slice(-6)}`,
      unionid: input.unionid ?? '',
      create_time: created,
      update_time: this.sec(),
      order_detail: {
        product_infos: products.map((p) => ({
          product_id: p.productId,
          sku_id: p.skuId,
          title: p.title,
          thumb_img: '',
          sku_cnt: p.count,
          sale_price: p.priceFen,
          real_price: p.priceFen * p.count,
          market_price: p.priceFen,
          extra_service: { freight_insurance: p.freightInsurance ? 1 : 0, seven_day_return: 1 },
        })),
        price_info: { product_price: total, order_price: total, freight: 0, discounted_price: 0 },
        pay_info: { pay_time: created + 60, transaction_id: `4200${id}`, prepay_id: `wx${id}` },
        delivery_info: {
          delivery_product_info: shipped
            ? [{ waybill_id: `SF${id.slice(-10)}`, delivery_id: 'SF', delivery_name: '顺丰速运', delivery_time: created + 6 * 3600, product_infos: products.map((p) => ({ product_id: p.productId, sku_id: p.skuId, product_cnt: p.count })) }]
            : [],
          ...(shipped ? { ship_done_time: created + 6 * 3600 } : {}),
          deliver_method: 0,
          address_info: { user_name: '张三', tel_number: '138****0000', province_name: '上海市', city_name: '上海市', county_name: '浦东新区', detail_info: '世纪大道 100 号' },
        },
      },
    }
    this.orders.set(id, order)
    return order
  }

  /** A buyer applies for an after-sale on the order (status MERCHANT_PROCESSING, decision deadline). */
  createAfterSale(input: NewAfterSaleInput): AfterSale {
    const order = this.orders.get(input.orderId)
    if (!order) throw new ApiError(10021085, 'order not found')
    const products = order.order_detail.product_infos as { product_id: string; sku_id: string; sku_cnt: number; sale_price: number }[]
    const p = products.find((x) => x.sku_id === input.skuId) ?? products[0]
    const count = input.count ?? p.sku_cnt
    const reason = REASONS.find((r) => r.reason === input.reason) ?? REASONS[input.type === 'REFUND' ? 0 : 2]
    const a: AfterSale = {
      after_sale_order_id: this.newId('4100'),
      status: 'MERCHANT_PROCESSING',
      type: input.type ?? 'REFUND',
      openid: order.openid,
      unionid: order.unionid,
      order_id: order.order_id,
      product_info: { product_id: p.product_id, sku_id: p.sku_id, count },
      refund_info: { amount: input.amountFen ?? p.sale_price * count, ...(input.refundByInsurance ? { is_final_refund_by_insurance: 1 } : {}) },
      return_info: { waybill_id: '', delivery_id: '', delivery_name: '' },
      merchant_upload_info: { reject_reason: '', refund_certificates: [] },
      refund_resp: { code: '', ret: 0, message: '' },
      reason: reason.reason,
      reason_text: reason.reason_text,
      details: { desc: input.desc ?? '', receive_product: input.type !== 'REFUND', media_id_list: input.mediaIds ?? [], tel_number: '138****0000' },
      create_time: this.sec(),
      update_time: this.sec(),
      ...(input.exchangeTo ? { exchange_product_info: { product_id: p.product_id, old_sku_id: p.sku_id, new_sku_id: input.exchangeTo.skuId, old_sku_price: p.sale_price, new_sku_price: input.exchangeTo.priceFen } } : {}),
      deadlineAt: this.now() + (this.o.decisionMs ?? 2 * DAY),
      settleAt: null,
      addressId: null,
      dispute: false,
      needsNegotiation: false,
      negotiated: false,
      lastWriteAt: null,
    }
    for (const m of a.details.media_id_list) if (!this.media.has(m)) this.addMedia(m)
    this.afterSales.set(a.after_sale_order_id, a)
    this.queuePush(a)
    return a
  }

  /** A buyer's photo on the platform (default: a small PNG); served by basics/media/get. */
  addMedia(mediaId: string, file: { bytes: Uint8Array; contentType: string } = { bytes: STANDIN_PNG, contentType: 'image/png' }): void {
    this.media.set(mediaId, file)
  }

  /** `GET /channels/ec/basics/media/get`: the bytes, or an errcode as JSON (the token is checked like every call). */
  getMedia(query: URLSearchParams): { bytes: Uint8Array; contentType: string } {
    const inj = this.injected.findIndex((e) => e.path === '/channels/ec/basics/media/get')
    if (inj >= 0) {
      const e = this.injected[inj]
      if (--e.times <= 0) this.injected.splice(inj, 1)
      if (e.http) throw Object.assign(new Error('injected'), { http: e.http })
      if (e.errcode !== undefined) throw new ApiError(e.errcode, 'injected error')
    }
    this.checkToken(query.get('access_token'))
    const m = this.media.get(query.get('media_id') ?? '')
    if (!m) throw new ApiError(40007, 'invalid media_id')
    return m
  }

  buyerCancel(id: string): AfterSale {
    const a = this.mustGet(id)
    if (!['MERCHANT_PROCESSING', 'USER_WAIT_RETURN', 'USER_WAIT_CONFIRM_UPDATE', 'USER_WAIT_HANDLE_MERCHANT_AFTER_SALE', 'MERCHANT_REJECT_REFUND', 'MERCHANT_REJECT_RETURN'].includes(a.status)) {
      throw new ApiError(10020001, `cannot cancel in ${a.status}`)
    }
    this.move(a, 'USER_CANCELD', null)
    return a
  }

  buyerShipReturn(id: string, r: { waybillId?: string; deliveryId?: string; deliveryName?: string } = {}): AfterSale {
    const a = this.mustGet(id)
    if (a.status !== 'USER_WAIT_RETURN') throw new ApiError(10020001, `cannot ship a return in ${a.status}`)
    a.return_info = { waybill_id: r.waybillId ?? `YT${a.after_sale_order_id.slice(-10)}`, delivery_id: r.deliveryId ?? 'YTO', delivery_name: r.deliveryName ?? '圆通速递' }
    this.move(a, 'MERCHANT_WAIT_RECEIPT', this.now() + (this.o.receiptMs ?? 10 * DAY))
    return a
  }

  openDispute(id: string): void {
    this.mustGet(id).dispute = true
  }
  requireNegotiation(id: string): void {
    this.mustGet(id).needsNegotiation = true
  }
  injectError(e: { path?: string; errcode?: number; http?: number; times?: number }): void {
    this.injected.push({ ...e, times: e.times ?? 1 })
  }
  dropNextPush(n = 1): void {
    this.dropNext += n
  }
  expireTokens(): void {
    if (this.token) this.token.expiresAt = this.now() - 1
    for (const k of this.retired.keys()) this.retired.set(k, 0)
  }
  /** re-sends an event with a given (possibly stale) status: an out-of-order delivery */
  replayPush(id: string, status: AfterSaleStatus): void {
    this.mustGet(id)
    this.outbox.push({ id, status, createTime: this.sec() })
  }

  // ------------------------------------------------------------------ disputes and tickets (control)

  /** The buyer asks the platform to step in on an after-sale (the after-sale's writes then answer 10021051). */
  openComplaint(input: { afterSaleOrderId: string; status?: number; content?: string }): Complaint {
    const a = this.mustGet(input.afterSaleOrderId)
    const status = input.status ?? 103
    if (!COMPLAINT_STATUS_OK.has(status)) throw new ApiError(9700224, `invalid complaint status ${status}`)
    const c: Complaint = {
      complaint_id: this.newId('21'),
      after_sale_order_id: a.after_sale_order_id,
      order_id: a.order_id,
      status,
      history: [{ item_type: 1, time: this.sec(), content: input.content ?? '商家拒绝退款，申请平台介入', media_id_list: [] }],
      deadlineAt: PROOF_STATES.has(status) ? this.now() + (this.o.proofMs ?? 2 * DAY) : null,
    }
    this.complaints.set(c.complaint_id, c)
    a.dispute = true
    ;(a as AfterSale & { complaint_id?: string }).complaint_id = c.complaint_id
    a.update_time = Math.max(a.update_time + 1, this.sec())
    this.queueComplaintPush(c)
    return c
  }

  /** Customer service / the buyer moves a dispute (history entry item_type 10 = platform, unless given). */
  moveComplaint(c: Complaint, status: number, content = '', itemType = 10): Complaint {
    if (!COMPLAINT_STATUS_OK.has(status)) throw new ApiError(9700224, `invalid complaint status ${status}`)
    c.status = status
    c.deadlineAt = PROOF_STATES.has(status) ? this.now() + (this.o.proofMs ?? 2 * DAY) : null
    c.history.push({ item_type: itemType, time: this.sec(), content, media_id_list: [] })
    if ([102, 112, 115, 116].includes(status)) {
      const a = this.afterSales.get(c.after_sale_order_id)
      if (a) a.dispute = false
    }
    this.queueComplaintPush(c)
    return c
  }

  mustComplaint(id: string): Complaint {
    const c = this.complaints.get(String(id))
    if (!c) throw new ApiError(10021500, '纠纷单号不存在')
    return c
  }

  private queueComplaintPush(c: Complaint): void {
    this.outbox.push({
      id: c.after_sale_order_id,
      status: this.afterSales.get(c.after_sale_order_id)?.status ?? 'MERCHANT_PROCESSING',
      createTime: this.sec(),
      event: { name: 'channels_ec_complaint_update', body: { finder_shop_complaint: { complaint_status: c.status, after_sale_order_id: c.after_sale_order_id, complaint_id: c.complaint_id, order_id: c.order_id } } },
    })
  }

  /** The platform opens a ticket (催发货) on an order: the seller must handle it within `dealMs` (default 24 h). */
  openTicket(input: { orderId: string; dealMs?: number; classType?: number }): Ticket {
    const o = this.orders.get(String(input.orderId))
    if (!o) throw new ApiError(10021085, 'order not exist')
    const t: Ticket = {
      ticket_id: this.newId('77'),
      ticket_class_type: input.classType ?? 9,
      ticket_state: 1,
      ticket_begin_time: this.sec(),
      ticket_deal_end_time: this.sec(this.now() + (input.dealMs ?? DAY)),
      merchant_operate_time: 0,
      platform_operate_time: 0,
      merchant_reply: 0,
      description: '订单发货已超时，且用户催发货，为避免“缺货”违规，请尽快处理工单。<a href="https://store.weixin.qq.com/" target="_blank">「规则详情」</a>',
      order_id: o.order_id,
      aftersale_id: '',
      platform_review_result: 0,
    }
    this.tickets.set(t.ticket_id, t)
    this.queueTicketPush(t, 'ec_platform_kf_create_mch_ticket')
    return t
  }

  reviewTicket(id: string, result: number): Ticket {
    const t = this.tickets.get(String(id))
    if (!t) throw new ApiError(9700224, 'ticket not exist')
    t.ticket_state = 3
    t.platform_review_result = result
    t.platform_operate_time = this.sec()
    return t
  }

  private queueTicketPush(t: Ticket, name: string): void {
    this.outbox.push({ id: t.order_id, status: 'MERCHANT_PROCESSING', createTime: this.sec(), event: { name, body: { request_data: { ticket_id: t.ticket_id } } } })
  }

  private complaintAnswer(path: string, body: Record<string, unknown>, str: (k: string) => string): Record<string, unknown> {
    const c = this.mustComplaint(str('complaint_id'))
    const content = str('content')
    const media = Array.isArray(body.media_id_list) ? body.media_id_list.map(String) : []
    const proof = path.endsWith('addcomplaintproof')
    if (proof && !PROOF_STATES.has(c.status)) throw new ApiError(10021504, '不是待商家举证的状态,无法留言')
    if (!proof && c.status !== 103) throw new ApiError(10021503, '不是待客服处理的状态,无法留言')
    if ([...content].length > 500) throw new ApiError(10021501, '单条留言文字数量过多')
    const sent = this.complaintImages.get(c.complaint_id) ?? 0
    if (sent + media.length > 20) throw new ApiError(10021502, '所有留言图片总数过多')
    this.complaintImages.set(c.complaint_id, sent + media.length)
    c.history.push({ item_type: proof ? 2 : 3, time: this.sec(), content, media_id_list: media })
    if (proof) this.moveComplaint(c, c.status === 106 ? 107 : 104, '', 11)
    else this.queueComplaintPush(c)
    return {}
  }

  private listTickets(body: Record<string, unknown>): Record<string, unknown> {
    const state = body.ticket_state === undefined ? null : Number(body.ticket_state)
    const start = Number(body.search_start_time ?? 0)
    const end = Number(body.search_end_time ?? Number.MAX_SAFE_INTEGER)
    const offset = Number(body.start ?? 0)
    const limit = Number(body.limit ?? 10)
    if (!Number.isInteger(limit) || limit < 1 || limit > 50 || !Number.isInteger(offset) || offset < 0) throw new ApiError(40097, '参数错误')
    const all = [...this.tickets.values()]
      .filter((t) => (state === null || t.ticket_state === state) && t.ticket_begin_time >= start && t.ticket_begin_time <= end)
      .sort((a, b) => b.ticket_begin_time - a.ticket_begin_time || b.ticket_id.localeCompare(a.ticket_id))
    return { ticket_item_list: all.slice(offset, offset + limit), total: all.length }
  }

  private mustGet(id: string): AfterSale {
    const a = this.afterSales.get(String(id))
    if (!a) throw new ApiError(10020000, 'after sale order not exist')
    return a
  }

  private move(a: AfterSale, status: AfterSaleStatus, deadlineAt: number | null): void {
    a.status = status
    a.deadlineAt = deadlineAt
    a.update_time = Math.max(a.update_time + 1, this.sec())
    this.queuePush(a)
  }
  private queuePush(a: AfterSale): void {
    this.outbox.push({ id: a.after_sale_order_id, status: a.status, createTime: this.sec() })
  }

  /** The platform acting on its own when deadlines pass. */
  tick(): void {
    const now = this.now()
    for (const c of this.complaints.values()) {
      if (c.deadlineAt !== null && c.deadlineAt <= now && PROOF_STATES.has(c.status)) this.moveComplaint(c, 307, '', 10)
    }
    for (const t of this.tickets.values()) {
      if (t.ticket_state === 1 && t.ticket_deal_end_time * 1000 <= now) {
        t.ticket_state = 3
        t.platform_review_result = 2
        t.platform_operate_time = this.sec()
        this.queueTicketPush(t, 'ec_platform_kf_ticket_timeout')
      }
    }
    for (const a of this.afterSales.values()) {
      if (a.settleAt !== null && a.status === 'PLATFORM_REFUNDING' && a.settleAt <= now) {
        a.settleAt = null
        if (this.refundResult === 'fail') {
          a.refund_resp = { code: 'REFUND_FAIL', ret: 1, message: '退款失败：商户账户异常' }
          this.move(a, 'PLATFORM_REFUND_FAIL', null)
        } else {
          a.refund_resp = { code: 'SUCCESS', ret: 0, message: '' }
          this.move(a, a.type === 'REFUND' ? 'MERCHANT_REFUND_SUCCESS' : 'MERCHANT_RETURN_SUCCESS', null)
        }
        continue
      }
      if (a.deadlineAt === null || a.deadlineAt > now) continue
      switch (a.status) {
        case 'MERCHANT_PROCESSING':
          // the seller did not decide in time: the platform agrees for them
          if (a.type === 'REFUND') this.startRefund(a)
          else {
            a.addressId = ADDRESSES[0].address_id
            this.move(a, 'USER_WAIT_RETURN', now + (this.o.returnMs ?? 7 * DAY))
          }
          break
        case 'USER_WAIT_RETURN':
          this.move(a, 'RETURN_CLOSED', null)
          break
        case 'MERCHANT_WAIT_RECEIPT':
          if (a.type === 'EXCHANGE') this.move(a, 'USER_WAIT_RECEIPT', now + (this.o.receiptMs ?? 10 * DAY))
          else this.startRefund(a)
          break
        case 'USER_WAIT_RECEIPT':
          this.move(a, 'MERCHANT_EXCHANGE_SUCCESS', null)
          break
        case 'USER_WAIT_CONFIRM_UPDATE':
          this.move(a, 'MERCHANT_PROCESSING', now + (this.o.decisionMs ?? 2 * DAY))
          break
        default:
          a.deadlineAt = null
      }
    }
  }

  private startRefund(a: AfterSale): void {
    a.settleAt = this.now() + (this.o.refundMs ?? MINUTE)
    this.move(a, 'PLATFORM_REFUNDING', null)
  }

  /** Takes the pushes due, with the configured chaos applied. */
  takePushes(): OutPush[] {
    let out = this.outbox
    this.outbox = []
    if (this.chaos.reorder) out = [...out].reverse()
    if (this.chaos.duplicate) out = out.flatMap((p) => [p, p])
    const kept: typeof out = []
    for (const p of out) {
      if (this.dropNext > 0) {
        this.dropNext--
        this.pushes.push({ afterSaleOrderId: p.id, status: p.status, ...(p.event ? { event: p.event.name } : {}), delivered: false, httpStatus: null, error: 'dropped' })
      } else kept.push(p)
    }
    return kept
  }

  // ------------------------------------------------------------------ the API

  handle(path: string, query: URLSearchParams, body: Record<string, unknown>): Record<string, unknown> {
    const inj = this.injected.findIndex((e) => !e.path || e.path === path)
    if (inj >= 0) {
      const e = this.injected[inj]
      if (--e.times <= 0) this.injected.splice(inj, 1)
      if (e.http) throw Object.assign(new Error('injected'), { http: e.http })
      if (e.errcode !== undefined) throw new ApiError(e.errcode, e.errcode === -1 ? 'system error' : 'injected error')
    }
    if (path === '/cgi-bin/stable_token') return this.stableToken(body)
    this.checkToken(query.get('access_token'))
    const str = (k: string) => {
      const v = body[k]
      if ((typeof v !== 'string' && typeof v !== 'number') || String(v) === '') throw new ApiError(9700224, `invalid param ${k}`)
      return String(v)
    }
    switch (path) {
      case '/channels/ec/order/list/get':
        return this.listOrders(body)
      case '/channels/ec/order/get': {
        const o = this.orders.get(str('order_id'))
        if (!o) throw new ApiError(10021085, 'order not exist')
        return { order: o }
      }
      case '/channels/ec/aftersale/getaftersalelist':
        return this.listAfterSales(body)
      case '/channels/ec/aftersale/getaftersaleorder':
        return { after_sale_order: this.view(this.mustGet(str('after_sale_order_id'))) }
      case '/channels/ec/aftersale/reason/get':
        return { reason_list: REASONS }
      case '/channels/ec/aftersale/rejectreason/get':
        return { reject_reason_list: REJECT_REASONS }
      case '/channels/ec/merchant/address/list': {
        const offset = Number(body.offset ?? 0)
        const limit = Math.min(Number(body.limit ?? 10), 100)
        return { address_id_list: ADDRESSES.slice(offset, offset + limit).map((a) => a.address_id) }
      }
      case '/channels/ec/merchant/address/get': {
        const a = ADDRESSES.find((x) => x.address_id === str('address_id'))
        if (!a) throw new ApiError(9700224, 'address not exist')
        return { address_detail: { ...a, address_id: Number(a.address_id), create_time: 1_700_000_000, update_time: 1_700_000_000 } }
      }
      case '/channels/ec/aftersale/genaftersaleorder':
        return this.gen(body, str)
      case '/channels/ec/aftersale/refundpricediff':
        return this.priceDiff(body, str)
      case '/channels/ec/order/delivery/compensation':
        return this.compensate(body, str)
      case '/channels/ec/aftersale/getcomplaintorder': {
        const c = this.mustComplaint(str('complaint_id'))
        return { after_sale_order_id: c.after_sale_order_id, order_id: c.order_id, status: c.status, history: c.history.map((h) => ({ ...h, media_id_list: [...h.media_id_list] })) }
      }
      case '/channels/ec/aftersale/addcomplaintproof':
      case '/channels/ec/aftersale/addcomplaintmaterial':
        return this.complaintAnswer(path, body, str)
      case '/channels/ec/basics/img/upload':
        if (query.get('upload_type') !== '1' || query.get('resp_type') !== '1') throw new ApiError(9700224, 'upload_type / resp_type')
        return { pic_file: { media_id: `MEDIA_${createHash('sha1').update(str('img_url')).digest('hex').slice(0, 24)}` } }
      case '/channels/ec/platformkf/getmchticketdetail': {
        const t = this.tickets.get(str('ticket_id'))
        if (!t) throw new ApiError(40097, '参数错误')
        return { merchant_ticket: { ...t } }
      }
      case '/channels/ec/platformkf/getmchticketlist':
        return this.listTickets(body)
      default:
        break
    }
    const writes: Record<string, (a: AfterSale) => Record<string, unknown>> = {
      '/channels/ec/aftersale/acceptapply': (a) => this.accept(a, body),
      '/channels/ec/aftersale/rejectapply': (a) => this.reject(a, body),
      '/channels/ec/aftersale/merchantupdateaftersale': (a) => this.negotiate(a, body),
      '/channels/ec/aftersale/uploadrefundcertificate': (a) => {
        if (FINAL.has(a.status)) throw new ApiError(10020001, 'status invalid')
        a.merchant_upload_info.refund_certificates = (body.refund_certificates as string[] | undefined) ?? []
        a.update_time = this.sec()
        return {}
      },
      '/channels/ec/aftersale/acceptexchangereship': (a) => {
        if (a.type !== 'EXCHANGE' || a.status !== 'MERCHANT_WAIT_RECEIPT') throw new ApiError(10021041, '当前售后单不支持此操作')
        a.exchange = { waybill_id: str('waybill_id'), delivery_id: str('delivery_id') }
        this.move(a, 'USER_WAIT_RECEIPT', this.now() + (this.o.receiptMs ?? 10 * DAY))
        return {}
      },
      '/channels/ec/aftersale/rejectexchangereship': (a) => {
        if (a.type !== 'EXCHANGE' || a.status !== 'MERCHANT_WAIT_RECEIPT') throw new ApiError(10021041, '当前售后单不支持此操作')
        a.merchant_upload_info.reject_reason = String(body.reject_reason ?? '')
        this.move(a, 'MERCHANT_REJECT_RESHIP', null)
        return {}
      },
    }
    const w = writes[path]
    if (!w) throw Object.assign(new Error('no such endpoint'), { http: 404 })
    const a = this.mustGet(str('after_sale_order_id'))
    const now = this.now()
    if (a.lastWriteAt !== null && now - a.lastWriteAt < MINUTE) throw new ApiError(10021059, '同一售后单每分钟只能调用一次')
    a.lastWriteAt = now
    return w(a)
  }

  private stableToken(body: Record<string, unknown>): Record<string, unknown> {
    if (body.grant_type !== 'client_credential') throw new ApiError(40002, 'invalid grant_type')
    if (body.appid !== this.appid) throw new ApiError(40013, 'invalid appid')
    if (body.secret !== this.secret) throw new ApiError(40125, 'invalid appsecret')
    const now = this.now()
    const force = body.force_refresh === true
    // normal mode hands out the same token until its last 5 minutes, then a new one
    if (force || !this.token || this.token.expiresAt - 5 * MINUTE <= now) {
      if (this.token) this.retired.set(this.token.value, force ? 0 : this.token.expiresAt)
      this.token = { value: `ACCESS_${randomBytes(12).toString('hex')}`, expiresAt: now + (this.o.tokenTtlSec ?? 7200) * 1000 }
    }
    return { access_token: this.token.value, expires_in: Math.max(1, Math.floor((this.token.expiresAt - now) / 1000)) }
  }

  private checkToken(t: string | null): void {
    if (!t) throw new ApiError(41001, 'access_token missing')
    const expiresAt = this.token?.value === t ? this.token.expiresAt : this.retired.get(t)
    if (expiresAt !== undefined && expiresAt > this.now()) return
    if (this.token?.value === t || (expiresAt !== undefined && expiresAt > 0)) throw new ApiError(42001, 'access_token expired')
    throw new ApiError(40001, expiresAt !== undefined ? 'access_token replaced by a newer one' : 'invalid credential, access_token is invalid or not latest')
  }

  private page<T>(items: T[], nextKey: unknown, size: number): { slice: T[]; next: string; more: boolean } {
    const start = typeof nextKey === 'string' && nextKey ? Number(Buffer.from(nextKey, 'base64url').toString()) || 0 : 0
    const slice = items.slice(start, start + size)
    const more = start + size < items.length
    return { slice, next: more ? Buffer.from(String(start + size)).toString('base64url') : '', more }
  }

  private range(r: unknown, maxSec: number): { start: number; end: number } | null {
    if (!r || typeof r !== 'object') return null
    const { start_time: s, end_time: e } = r as { start_time?: unknown; end_time?: unknown }
    if (typeof s !== 'number' || typeof e !== 'number' || e < s) throw new ApiError(9700224, 'invalid time range')
    if (e - s > maxSec) throw new ApiError(10020004, 'time range too long')
    return { start: s, end: e }
  }

  private listOrders(body: Record<string, unknown>): Record<string, unknown> {
    const upd = this.range(body.update_time_range, 7 * 24 * 3600)
    const cre = this.range(body.create_time_range, 7 * 24 * 3600)
    if (!upd && !cre) throw new ApiError(9700224, 'a time range is required')
    const size = Number(body.page_size ?? 10)
    if (!Number.isInteger(size) || size < 1 || size > 100) throw new ApiError(9700224, 'page_size must be 1..100')
    const items = [...this.orders.values()]
      .filter((o) => (!upd || (o.update_time >= upd.start && o.update_time <= upd.end)) && (!cre || (o.create_time >= cre.start && o.create_time <= cre.end)))
      .filter((o) => body.status === undefined || o.status === body.status)
      .sort((a, b) => a.update_time - b.update_time || a.order_id.localeCompare(b.order_id))
    const p = this.page(items, body.next_key, size)
    return { order_id_list: p.slice.map((o) => o.order_id), has_more: p.more, next_key: p.next }
  }

  private listAfterSales(body: Record<string, unknown>): Record<string, unknown> {
    const pair = (b: unknown, e: unknown) => (b === undefined && e === undefined ? null : this.range({ start_time: b, end_time: e }, 24 * 3600))
    const cre = pair(body.begin_create_time, body.end_create_time)
    const upd = pair(body.begin_update_time, body.end_update_time)
    if (!cre && !upd) throw new ApiError(9700224, 'begin/end time required')
    const items = [...this.afterSales.values()]
      .filter((a) => (!cre || (a.create_time >= cre.start && a.create_time <= cre.end)) && (!upd || (a.update_time >= upd.start && a.update_time <= upd.end)))
      .sort((a, b) => a.create_time - b.create_time || a.after_sale_order_id.localeCompare(b.after_sale_order_id))
    const p = this.page(items, body.next_key, this.o.afterSalePageSize ?? 50)
    return { after_sale_order_id_list: p.slice.map((a) => a.after_sale_order_id), has_more: p.more, next_key: p.next }
  }

  /** The wire view: internal fields dropped, `deadline` as the seller's seconds left. */
  view(a: AfterSale): Record<string, unknown> {
    const { deadlineAt, exchange } = a
    const wire = Object.fromEntries(Object.entries(a).filter(([k]) => !INTERNAL.has(k)))
    return {
      ...wire,
      deadline: deadlineAt === null ? 0 : Math.max(0, Math.floor((deadlineAt - this.now()) / 1000)),
      ...(exchange ? { exchange_delivery_info: exchange } : {}),
    }
  }

  private accept(a: AfterSale, body: Record<string, unknown>): Record<string, unknown> {
    if (a.dispute) throw new ApiError(10021051, '售后单存在纠纷，无法操作')
    const needsAddress = a.status === 'MERCHANT_PROCESSING' && a.type !== 'REFUND'
    if (needsAddress) {
      const addr = body.address_id
      if (addr === undefined || addr === '') throw new ApiError(10021060, 'address_id 缺失')
      if (!ADDRESSES.some((x) => x.address_id === String(addr))) throw new ApiError(10021062, 'address_id 不合法')
      a.addressId = String(addr)
      this.move(a, 'USER_WAIT_RETURN', this.now() + (this.o.returnMs ?? 7 * DAY))
      return {}
    }
    if ((a.status === 'MERCHANT_PROCESSING' && a.type === 'REFUND') || (a.status === 'MERCHANT_WAIT_RECEIPT' && a.type === 'RETURN') || a.status === 'PLATFORM_REFUND_FAIL') {
      this.startRefund(a)
      return {}
    }
    throw new ApiError(10020001, `售后单状态不合法 (${a.status})`)
  }

  private reject(a: AfterSale, body: Record<string, unknown>): Record<string, unknown> {
    if (a.dispute) throw new ApiError(10021051, '售后单存在纠纷，无法操作')
    if (!['MERCHANT_PROCESSING', 'MERCHANT_WAIT_RECEIPT', 'USER_WAIT_CONFIRM_UPDATE'].includes(a.status)) throw new ApiError(10020001, `售后单状态不合法 (${a.status})`)
    if (a.needsNegotiation && !a.negotiated) {
      throw new ApiError(10021068, '当前售后暂不支持直接拒绝,需先使用「售后协商」功能与买家进一步沟通,如买家超时仍未回复,你可拒绝申请')
    }
    const type = Number(body.reject_reason_type)
    const r = REJECT_REASONS.find((x) => x.reject_reason_type === type)
    if (!r) throw new ApiError(9700224, 'invalid reject_reason_type')
    a.merchant_upload_info.reject_reason = typeof body.reject_reason === 'string' && body.reject_reason ? body.reject_reason : r.reject_reason
    this.move(a, a.type === 'REFUND' ? 'MERCHANT_REJECT_REFUND' : 'MERCHANT_REJECT_RETURN', null)
    return {}
  }

  private negotiate(a: AfterSale, body: Record<string, unknown>): Record<string, unknown> {
    if (a.status !== 'MERCHANT_PROCESSING') throw new ApiError(10021041, '当前售后单不支持此操作')
    const amount = Number(body.amount)
    if (!Number.isInteger(amount) || amount < 0 || typeof body.merchant_update_desc !== 'string') throw new ApiError(9700224, 'invalid param')
    a.negotiated = true
    a.refund_info.amount = amount
    if (body.type === 1) a.type = 'REFUND'
    if (body.type === 2) a.type = 'RETURN'
    // the buyer has the decision window to answer; silence hands it back to the seller
    this.move(a, 'USER_WAIT_CONFIRM_UPDATE', this.now() + (this.o.decisionMs ?? 2 * DAY))
    return {}
  }

  /**
   * 代用户发起退差价: a REFUND after-sale with the price-difference reason, refunding at once
   * (PLATFORM_REFUNDING, then settled by the clock like any refund). The same request_id answers
   * the after-sale it opened (the page: retry with the same id, no second after-sale).
   */
  private priceDiff(body: Record<string, unknown>, str: (k: string) => string): Record<string, unknown> {
    const requestId = str('request_id')
    const earlier = this.priceDiffRequests.get(requestId)
    if (earlier) return { after_sale_order_id: earlier }
    const order = this.orders.get(str('order_id'))
    if (!order) throw new ApiError(10021085, '获取订单信息失败')
    const products = order.order_detail.product_infos as { product_id: string; sku_id: string; real_price: number }[]
    const p = products.find((x) => x.product_id === str('product_id') && x.sku_id === str('sku_id'))
    if (!p) throw new ApiError(9700224, 'product_id / sku_id not in this order')
    const reason = PRICE_DIFF_REASONS.find((r) => r.reason === str('reason'))
    if (!reason) throw new ApiError(10021084, '售后原因不合法')
    const amount = Number(body.amount)
    const refunded = [...this.afterSales.values()].filter((a) => a.order_id === order.order_id && a.product_info.sku_id === p.sku_id && REFUNDED.has(a.status)).reduce((t, a) => t + a.refund_info.amount, 0)
    if (!Number.isInteger(amount) || amount <= 0 || amount + refunded > p.real_price) throw new ApiError(9700224, 'invalid amount')
    const last = this.priceDiffAt.get(order.order_id)
    if (last !== undefined && this.now() - last < MINUTE) throw new ApiError(10021059, '同一订单每分钟只能发起一次退款')
    this.priceDiffAt.set(order.order_id, this.now())
    const a = this.createAfterSale({ orderId: order.order_id, type: 'REFUND', skuId: p.sku_id, amountFen: amount, desc: String(body.desc ?? '') })
    this.outbox.pop()
    a.reason = reason.reason
    a.reason_text = reason.reason_text
    a.details.receive_product = true
    this.startRefund(a)
    this.priceDiffRequests.set(requestId, a.after_sale_order_id)
    return { after_sale_order_id: a.after_sale_order_id }
  }

  /** 订单补发货: the parcel joins the order's delivery info; the 11th on one order is refused. */
  private compensate(body: Record<string, unknown>, str: (k: string) => string): Record<string, unknown> {
    const order = this.orders.get(str('order_id'))
    if (!order) throw new ApiError(10021085, '获取订单信息失败')
    if (order.status < 30 || order.status >= 200) throw new ApiError(10021041, '订单当前状态不支持补发')
    const reason = Number(body.reason)
    if (![1, 2, 3, 4].includes(reason)) throw new ApiError(9700224, 'invalid reason')
    const list = body.delivery_list
    if (!Array.isArray(list) || !list.length) throw new ApiError(9700224, 'delivery_list required')
    const products = order.order_detail.product_infos as { product_id: string; sku_id: string; sku_cnt: number }[]
    const parcels = list.map((d: Record<string, unknown>) => {
      const infos = d?.product_infos
      if (![1, 6].includes(Number(d?.deliver_type)) || typeof d?.waybill_id !== 'string' || !d.waybill_id || typeof d?.delivery_id !== 'string' || !d.delivery_id || !Array.isArray(infos) || !infos.length) {
        throw new ApiError(9700224, 'invalid delivery_list')
      }
      for (const i of infos as Record<string, unknown>[]) {
        const p = products.find((x) => x.product_id === String(i?.product_id) && x.sku_id === String(i?.sku_id))
        const cnt = Number(i?.product_cnt)
        if (!p || !Number.isInteger(cnt) || cnt < 1 || cnt > p.sku_cnt) throw new ApiError(9700224, 'invalid product_infos')
      }
      return { waybill_id: d.waybill_id, delivery_id: d.delivery_id, delivery_name: d.delivery_id, delivery_time: this.sec(), product_infos: infos }
    })
    const used = this.compensations.get(order.order_id) ?? 0
    if (used >= COMPENSATIONS_PER_ORDER) throw new ApiError(DELIVERY_COMPENSATION_LIMIT_ERRCODE, '补发次数已达上限（每个订单最多补发10次）')
    this.compensations.set(order.order_id, used + 1)
    const delivery = order.order_detail.delivery_info as { delivery_product_info: unknown[] }
    delivery.delivery_product_info.push(...parcels)
    order.update_time = this.sec()
    return {}
  }

  /** resends the seller made in the shop back office (count toward the 10) */
  backOfficeResends(orderId: string, n: number): void {
    this.compensations.set(orderId, (this.compensations.get(orderId) ?? 0) + n)
  }
  /** how many 补发货 an order has had (tests) */
  compensationsOf(orderId: string): number {
    return this.compensations.get(orderId) ?? 0
  }

  private gen(body: Record<string, unknown>, str: (k: string) => string): Record<string, unknown> {
    const requestId = str('request_id')
    if (this.genRequests.has(requestId)) throw new ApiError(10021089, 'request_id对应的售后单已经发起')
    const type = str('type')
    if (type !== 'REFUND' && type !== 'RETURN') throw new ApiError(9700224, 'invalid type')
    if (!REASONS.some((r) => r.reason === str('reason'))) throw new ApiError(10021084, '售后原因不合法')
    const a = this.createAfterSale({ orderId: str('order_id'), type, skuId: str('sku_id'), count: Number(body.count), amountFen: Number(body.amount), reason: str('reason'), desc: String(body.desc ?? '') })
    a.status = 'USER_WAIT_HANDLE_MERCHANT_AFTER_SALE'
    a.deadlineAt = null
    this.outbox.pop()
    this.queuePush(a)
    this.genRequests.set(requestId, a.after_sale_order_id)
    return { after_sale_order_id: a.after_sale_order_id }
  }
}

/** 退差价 reasons the platform takes (refundpricediff) */
const PRICE_DIFF_REASONS = [
  { reason: '10001336', reason_text: '双方协商一致退差价' },
  { reason: '10001337', reason_text: '商品降价' },
  { reason: '10001338', reason_text: '未使用优惠券' },
]
/** money that left (or is leaving) the order: what a 退差价 must stay within */
const REFUNDED: ReadonlySet<AfterSaleStatus> = new Set(['PLATFORM_REFUNDING', 'MERCHANT_REFUND_SUCCESS', 'MERCHANT_RETURN_SUCCESS'])
/** at most this many 补发货 per order (the platform's documented rule) */
export const COMPENSATIONS_PER_ORDER = 10

export interface ChannelsStandin {
  url: string
  state: ChannelsShopState
  /** moves the clock, applies due status changes and delivers the resulting pushes */
  advance(ms: number): Promise<void>
  /** delivers queued pushes now (control calls do it themselves) */
  flushPushes(): Promise<void>
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > 1_000_000) throw new ApiError(9700224, 'body too large')
    chunks.push(c as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
  res.end(JSON.stringify(body))
}

/** Starts the stand-in on 127.0.0.1 (port 0 = any free port). */
export async function startChannelsStandin(o: ChannelsStandinOptions = {}): Promise<ChannelsStandin> {
  const state = new ChannelsShopState(o)

  const deliver = async (p: OutPush) => {
    const rec: PushRecord = { afterSaleOrderId: p.id, status: p.status, ...(p.event ? { event: p.event.name } : {}), delivered: false, httpStatus: null, error: null }
    state.pushes.push(rec)
    if (!o.pushUrl) {
      rec.error = 'no push url'
      return
    }
    const head = { ToUserName: 'gh_standin_shop', FromUserName: 'o_channels_system', CreateTime: p.createTime, MsgType: 'event' }
    const plain = JSON.stringify(
      p.event
        ? { ...head, Event: p.event.name, ...p.event.body }
        : { ...head, Event: 'channels_ec_aftersale_update', finder_shop_aftersale_status_update: { status: p.status, after_sale_order_id: p.id, order_id: state.afterSales.get(p.id)?.order_id ?? '' } },
    )
    const token = o.pushToken ?? ''
    // WeChat signs with the real time: the wall clock, unless the test shares one clock with the desk
    const timestamp = String(Math.floor((o.clock ? state.now() : Date.now()) / 1000))
    const nonce = randomBytes(6).toString('hex')
    const q = new URLSearchParams({ signature: pushSignature(token, timestamp, nonce), timestamp, nonce })
    let body = plain
    if (o.aesKey) {
      const enc = encryptMessage(o.aesKey, state.appid, plain)
      q.set('encrypt_type', 'aes')
      q.set('msg_signature', pushSignature(token, timestamp, nonce, enc))
      body = JSON.stringify({ ToUserName: 'gh_standin_shop', Encrypt: enc })
    }
    try {
      const r = await fetch(`${o.pushUrl}${o.pushUrl.includes('?') ? '&' : '?'}${q}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(5000),
      })
      rec.httpStatus = r.status
      rec.delivered = r.ok && (await r.text()).trim() === 'success'
    } catch (e) {
      rec.error = e instanceof Error ? e.message : String(e)
    }
  }
  // one delivery at a time, in the order the platform produced them (chaos aside)
  let chain: Promise<void> = Promise.resolve()
  const flushPushes = () => {
    const batch = state.takePushes()
    chain = chain.then(async () => {
      for (const p of batch) await deliver(p)
    })
    return chain
  }

  const control = async (path: string, body: Record<string, unknown>): Promise<unknown> => {
    const cm = /^\/__standin\/(complaints|tickets)\/([^/]+)\/(move|review)$/.exec(path)
    if (cm) {
      const [, what, id, action] = cm
      if (what === 'complaints' && action === 'move') return state.moveComplaint(state.mustComplaint(id), Number(body.status), typeof body.content === 'string' ? body.content : '')
      if (what === 'tickets' && action === 'review') return state.reviewTicket(id, Number(body.result ?? 3))
    }
    if (path === '/__standin/complaints') return state.openComplaint(body as { afterSaleOrderId: string; status?: number; content?: string })
    if (path === '/__standin/tickets') return state.openTicket(body as { orderId: string; dealMs?: number })
    const m = /^\/__standin\/aftersales\/([^/]+)\/([a-z-]+)$/.exec(path)
    if (m) {
      const [, id, action] = m
      if (action === 'cancel') return state.view(state.buyerCancel(id))
      if (action === 'ship-return') return state.view(state.buyerShipReturn(id, body as { waybillId?: string }))
      if (action === 'dispute') return state.openDispute(id), {}
      if (action === 'require-negotiation') return state.requireNegotiation(id), {}
    }
    switch (path) {
      case '/__standin/orders':
        return state.createOrder(body as NewOrderInput)
      case '/__standin/aftersales':
        return state.view(state.createAfterSale(body as unknown as NewAfterSaleInput))
      case '/__standin/clock/advance':
        state.advance(Number(body.ms ?? 0))
        return { now: state.now() }
      case '/__standin/errors':
        state.injectError(body as { path?: string; errcode?: number; http?: number; times?: number })
        return {}
      case '/__standin/push/drop-next':
        state.dropNextPush(Number(body.n ?? 1))
        return {}
      case '/__standin/push/chaos':
        state.chaos = { duplicate: body.duplicate === true, reorder: body.reorder === true }
        return state.chaos
      case '/__standin/push/replay':
        state.replayPush(String(body.afterSaleOrderId), body.status as AfterSaleStatus)
        return {}
      case '/__standin/refund-result':
        state.refundResult = body.result === 'fail' ? 'fail' : 'success'
        return {}
      case '/__standin/tokens/expire':
        state.expireTokens()
        return {}
      default:
        throw Object.assign(new Error('no such control'), { http: 404 })
    }
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://standin')
      try {
        if (req.method === 'GET' && url.pathname === '/__standin/state') {
          return send(res, 200, { now: state.now(), orders: state.orders.size, afterSales: state.afterSales.size, calls: state.calls.length, pushes: state.pushes })
        }
        if (req.method === 'GET' && url.pathname === '/channels/ec/basics/media/get') {
          try {
            const m = state.getMedia(url.searchParams)
            state.calls.push({ path: url.pathname, at: state.now(), errcode: 0 })
            res.writeHead(200, { 'content-type': m.contentType, 'content-length': String(m.bytes.length) })
            return res.end(m.bytes)
          } catch (e) {
            if (e instanceof ApiError) state.calls.push({ path: url.pathname, at: state.now(), errcode: e.errcode })
            throw e
          }
        }
        if (req.method !== 'POST') return send(res, 405, { errcode: 43002, errmsg: 'require POST method' })
        const text = await readBody(req)
        let body: Record<string, unknown>
        try {
          body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
          if (!body || typeof body !== 'object' || Array.isArray(body)) throw new Error('not an object')
        } catch {
          return send(res, 200, { errcode: 47001, errmsg: 'data format error' })
        }
        if (url.pathname.startsWith('/__standin/')) {
          const out = await control(url.pathname, body)
          await flushPushes()
          return send(res, 200, out ?? {})
        }
        let answer: Record<string, unknown>
        try {
          answer = { errcode: 0, errmsg: 'ok', ...state.handle(url.pathname, url.searchParams, body) }
        } catch (e) {
          if (!(e instanceof ApiError)) throw e
          answer = { errcode: e.errcode, errmsg: e.errmsg }
        }
        state.calls.push({ path: url.pathname, at: state.now(), errcode: Number(answer.errcode) })
        send(res, 200, answer)
        void flushPushes()
      } catch (e) {
        const http = (e as { http?: number }).http
        if (e instanceof ApiError) return send(res, 200, { errcode: e.errcode, errmsg: e.errmsg })
        if (http) {
          state.calls.push({ path: url.pathname, at: state.now(), errcode: -http })
          return send(res, http, { message: 'stand-in http error' })
        }
        send(res, 500, { message: e instanceof Error ? e.message : String(e) })
      }
    })()
  })
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const timer = o.autoTickMs
    ? setInterval(() => {
        state.tick()
        void flushPushes()
      }, o.autoTickMs)
    : null
  timer?.unref()

  return {
    url: `http://127.0.0.1:${port}`,
    state,
    async advance(ms: number) {
      state.advance(ms)
      await flushPushes()
    },
    flushPushes,
    close: async () => {
      if (timer) clearInterval(timer)
      await chain
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
