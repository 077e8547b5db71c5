import type {
  AfterSaleType,
  ChannelsAddress,
  ChannelsAfterSaleOrder,
  ChannelsComplaintOrder,
  ChannelsOrder,
  ChannelsTicket,
  ChannelsReason,
  ChannelsRejectReason,
} from '@contract/channels'

/**
 * The shop port: the WeChat Channels shop (微信小店) as the use cases need it. Implemented by
 * adapters/channels (HTTP API; against the live shop or the local stand-in in gateway/).
 *
 * Answers are the platform's own wire shapes (types/channels.ts, parsed with zod): the use cases
 * map them into the desk's domain. Times on the wire are unix seconds, money is fen.
 *
 * Every method throws ShopError on failure. The adapter already refreshes the access token and
 * retries transient failures a few times with backoff before it throws, so a ShopError of kind
 * 'transient' or 'rate_limited' means "reschedule" (see `retryAt`), the others need a person or
 * a different action. Write calls on one after-sale order are at most one per minute across all
 * instances (platform rule 10021059): the adapter answers rate_limited with retryAt instead of
 * calling the platform too early.
 */

export type ShopErrorKind =
  /** credentials or token refused even after a refresh (40001/42001 persisting, 40013, 40125 …) */
  | 'token'
  /** too many calls: 10021059 (one write per minute per after-sale order), 45009, 45011 */
  | 'rate_limited'
  /** system busy (-1), 5xx, network: retry later */
  | 'transient'
  /** 10021045 退款失败 */
  | 'refund_failed'
  /** 10021046 商家余额不足 */
  | 'insufficient_funds'
  /** 10021068: the platform requires a negotiation (merchantUpdateAfterSale) before rejecting */
  | 'needs_negotiation'
  /** 10021051: a dispute (纠纷) is open on this after-sale */
  | 'dispute_open'
  /** 10021060 / 10021062: return address missing or invalid */
  | 'address_invalid'
  /** 10020004: the list window is longer than the API allows */
  | 'window_too_long'
  /** the order / after-sale order does not exist (for this shop) */
  | 'not_found'
  /** the platform refused the action in the after-sale's current state (buyer cancelled meanwhile, …) */
  | 'rejected'
  | 'unknown'

export class ShopError extends Error {
  readonly code = 'SHOP'
  constructor(
    readonly kind: ShopErrorKind,
    /** the platform's errcode (0 when the failure was not an errcode, e.g. network or bad JSON) */
    readonly errcode: number,
    /** the platform's errmsg, verbatim (or the network error) — for logs and support */
    readonly errmsg: string,
    /** Chinese, for the agent: what happened and what to do */
    readonly messageZh: string,
    /** rate_limited / transient: earliest instant (ISO) a retry makes sense */
    readonly retryAt: string | null = null,
    /** API path that failed */
    readonly path = '',
  ) {
    super(`${path || 'shop'}: ${kind} (errcode ${errcode}: ${errmsg})`)
    this.name = 'ShopError'
  }
}

export function isShopError(e: unknown): e is ShopError {
  return e instanceof ShopError
}

/** A unix-seconds window [startTime, endTime]. Orders: ≤ 7 days; after-sales: ≤ 24 h. */
export interface TimeRange {
  startTime: number
  endTime: number
}

export interface IdPage {
  ids: string[]
  hasMore: boolean
  /** pass back to get the next page ('' at the start) */
  nextKey: string
}

export interface ListOrdersQuery {
  /** one of the two ranges is required; span ≤ 7 days */
  updateTimeRange?: TimeRange
  createTimeRange?: TimeRange
  status?: number
  /** ≤ 100 */
  pageSize?: number
  nextKey?: string
}

export interface ListAfterSalesQuery {
  /** window on update time (polling) or create time; span ≤ 24 h */
  by: 'update' | 'create'
  range: TimeRange
  nextKey?: string
}

/** acceptapply: 1 = agree to the return (RETURN/EXCHANGE, needs addressId), 2 = agree to refund. */
export interface AcceptApplyInput {
  acceptType?: 1 | 2
  addressId?: string
}

export interface RejectApplyInput {
  /** one of getRejectReasons()' reject_reason_type */
  rejectReasonType: number
  rejectReason?: string
  /** media ids of evidence images */
  certificates?: string[]
}

/** merchantupdateaftersale (商家协商). */
export interface MerchantUpdateInput {
  /** 1 refund only, 2 return and refund */
  type: 1 | 2
  amountFen: number
  desc: string
  updateReasonType: number
  /** 1 agreed, invite buyer to cancel; 2 ask buyer to verify / add evidence; 3 change the request */
  merchantUpdateType: 1 | 2 | 3
  mediaIds?: string[]
}

export interface RefundCertificateInput {
  certificates: string[]
  desc?: string
}

export interface ExchangeReshipInput {
  waybillId: string
  deliveryId: string
}

/** genaftersaleorder: a seller-initiated after-sale for a buyer; `requestId` makes retries safe. */
export interface GenAfterSaleInput {
  requestId: string
  orderId: string
  productId: string
  skuId: string
  count: number
  amountFen: number
  /** reason code from getReasons() */
  reason: string
  type: Exclude<AfterSaleType, 'EXCHANGE'>
  addressId?: string
  desc?: string
}

/** refundpricediff (代用户发起退差价): the platform refunds `amountFen` of one SKU; `requestId` makes retries safe. */
export interface RefundPriceDiffInput {
  requestId: string
  orderId: string
  productId: string
  skuId: string
  amountFen: number
  /** 10001336 双方协商一致退差价, 10001337 商品降价, 10001338 未使用优惠券 */
  reason: string
  desc?: string
}

/** order/delivery/compensation (订单补发货): at most 10 per order; the answer carries nothing. */
export interface DeliveryCompensationInput {
  orderId: string
  /** 1 商品漏发, 2 拆分包裹, 3 坏损, 4 赠品 */
  reason: 1 | 2 | 3 | 4
  /** the platform's delivery company id (deliverycompanylist), `OTHER` for others */
  deliveryId: string
  waybillId: string
  /** 1 third-party courier (default), 6 own logistics */
  deliverType?: 1 | 6
  products: { productId: string; skuId: string; count: number }[]
}

export interface ShopPort {
  listOrderIds(q: ListOrdersQuery): Promise<IdPage>
  getOrder(orderId: string): Promise<ChannelsOrder>
  listAfterSaleIds(q: ListAfterSalesQuery): Promise<IdPage>
  getAfterSaleOrder(afterSaleOrderId: string): Promise<ChannelsAfterSaleOrder>
  getReasons(): Promise<ChannelsReason[]>
  getRejectReasons(): Promise<ChannelsRejectReason[]>
  /** the shop's addresses (list + detail), for picking a return address */
  listAddresses(): Promise<ChannelsAddress[]>

  // ---- seller actions on one after-sale order (≤ 1 per minute per order, see rate_limited)
  acceptApply(afterSaleOrderId: string, input: AcceptApplyInput): Promise<void>
  rejectApply(afterSaleOrderId: string, input: RejectApplyInput): Promise<void>
  merchantUpdateAfterSale(afterSaleOrderId: string, input: MerchantUpdateInput): Promise<void>
  uploadRefundCertificate(afterSaleOrderId: string, input: RefundCertificateInput): Promise<void>
  acceptExchangeReship(afterSaleOrderId: string, input: ExchangeReshipInput): Promise<void>
  rejectExchangeReship(afterSaleOrderId: string, input: RejectApplyInput): Promise<void>
  /** returns the new after_sale_order_id */
  genAfterSaleOrder(input: GenAfterSaleInput): Promise<{ afterSaleOrderId: string }>

  // ---- desk remedies on an order (no buyer after-sale needed)
  /** 退差价: returns the after-sale it opened, which then moves through the usual statuses to the refund */
  refundPriceDiff(input: RefundPriceDiffInput): Promise<{ afterSaleOrderId: string }>
  /** 补发货: registers a resend parcel on the order */
  deliveryCompensation(input: DeliveryCompensationInput): Promise<void>

  // ---- disputes (纠纷单) and platform tickets (客诉工单)
  /** getcomplaintorder: status and history of one dispute */
  getComplaintOrder(complaintId: string): Promise<ChannelsComplaintOrder>
  /** addcomplaintproof (举证): only while the dispute waits on the seller's proof (else 10021504) */
  addComplaintProof(complaintId: string, input: ComplaintAnswerInput): Promise<void>
  /** addcomplaintmaterial (留言): only while customer service handles it, 103 (else 10021503) */
  addComplaintMaterial(complaintId: string, input: ComplaintAnswerInput): Promise<void>
  /** basics/img/upload by URL → a media_id usable in the calls above */
  uploadImageUrl(url: string): Promise<string>
  /** platformkf/getmchticketdetail */
  getTicket(ticketId: string): Promise<ChannelsTicket>
  /** platformkf/getmchticketlist (newest first), one page */
  listTickets(q: ListTicketsQuery): Promise<{ tickets: ChannelsTicket[]; total: number }>
  /**
   * The bytes of a media id an after-sale (or a dispute) carries — the buyer's photos and videos
   * (`GET /channels/ec/basics/media/get?media_id=…`: binary on success, a JSON errcode otherwise).
   * At most `maxBytes`; larger answers fail with kind 'unknown'.
   */
  getMedia(mediaId: string, maxBytes: number): Promise<ShopMedia>
}

/** The seller's words (≤ 500 characters) and images (platform media ids, ≤ 20 over the dispute). */
export interface ComplaintAnswerInput {
  content: string
  mediaIds: string[]
}

export interface ListTicketsQuery {
  /** 1 待商家处理, 2 待平台处理, 3 已完结; all when absent */
  state?: 1 | 2 | 3
  /** creation time window (unix seconds) */
  range?: TimeRange
  offset: number
  /** ≤ 50 */
  limit: number
}

export interface ShopMedia {
  bytes: Uint8Array
  /** as the platform declared it (the desk sniffs the real type) */
  contentType: string
}

/**
 * When the platform decides on its own if the seller does nothing (ISO), from the after-sale's
 * `deadline` read at `fetchedAtMs`. The field is documented as seconds left; a value that looks
 * like a unix timestamp (after 2001) is read as one. Null when the platform gave none.
 */
export function afterSaleDeadlineAt(a: Pick<ChannelsAfterSaleOrder, 'deadline'>, fetchedAtMs: number): string | null {
  if (a.deadline === undefined || a.deadline <= 0) return null
  const ms = a.deadline >= 1_000_000_000 ? a.deadline * 1000 : fetchedAtMs + a.deadline * 1000
  return new Date(ms).toISOString()
}

/** Unix seconds of an ISO instant (for TimeRange). */
export function unixSeconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000)
}
