/**
 * The real adapter of the shop port: the WeChat Channels shop (微信小店) HTTP API with Node's fetch.
 *
 * - Access token: `POST /cgi-bin/stable_token` (the stable token keeps its value while valid, so
 *   instances that fetch at once get the same token; in its last minutes a new one is issued and the
 *   old one stays valid until it expires). It is cached for EVERY function instance in
 *   the store (`tokens/channels:<appid>`, compare-and-set on its version) and in this instance's
 *   memory; refreshed `refreshBeforeMs` before it expires, and on 40001 / 42001 / 40014: first from
 *   the store (another instance may have refreshed already), else with `force_refresh: true`.
 *   Only the access token is stored, never the AppSecret; neither is ever logged.
 * - One write per minute per after-sale order (platform rule 10021059), across instances: every
 *   write first takes the store throttle `channels:aftersale:<id>`; when it is not granted the call
 *   does not reach the platform and fails with ShopError('rate_limited', retryAt).
 * - Reads are retried on transient failures (-1, 9700223, 10021044, 5xx, network, timeout) with
 *   exponential back-off (`retries` times). Writes are never repeated inside one call (the
 *   throttle forbids it and a lost answer may have been applied): they fail with 'transient' and
 *   a retryAt for the outbox.
 * - Every answer is parsed with the zod wire schemas of @contract/channels.
 */
import { z } from 'zod'
import {
  AfterSaleIdPageSchema,
  ChannelsAddressSchema,
  ChannelsAfterSaleOrderSchema,
  ChannelsComplaintOrderSchema,
  ChannelsOrderSchema,
  ChannelsTicketSchema,
  ChannelsReasonSchema,
  ChannelsRejectReasonSchema,
  OrderIdPageSchema,
  type ChannelsAddress,
  type ChannelsAfterSaleOrder,
  type ChannelsComplaintOrder,
  type ChannelsOrder,
  type ChannelsTicket,
  type ChannelsReason,
  type ChannelsRejectReason,
} from '@contract/channels'
import {
  ShopError,
  type AcceptApplyInput,
  type DeliveryCompensationInput,
  type RefundPriceDiffInput,
  type ComplaintAnswerInput,
  type ListTicketsQuery,
  type ExchangeReshipInput,
  type GenAfterSaleInput,
  type IdPage,
  type ListAfterSalesQuery,
  type ListOrdersQuery,
  type MerchantUpdateInput,
  type RefundCertificateInput,
  type RejectApplyInput,
  type ShopMedia,
  type ShopPort,
} from '../../ports/shop'
import type { Store } from '../../ports/store'
import { fromErrcode, shopError, VERSION_MISMATCH_ERRCODE } from './errors'

export const DEFAULT_API_BASE = 'https://api.weixin.qq.com'
/** platform rule: one write call per minute per after-sale order */
export const AFTER_SALE_WRITE_INTERVAL_MS = 60_000

export interface ChannelsShopOptions {
  appid: string
  secret: string
  /** default https://api.weixin.qq.com (tests: the local stand-in) */
  baseUrl?: string
  store: Pick<Store, 'getToken' | 'putToken' | 'takeThrottle'>
  /** wall clock in ms (tests: the stand-in's clock) */
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  fetch?: typeof fetch
  /** extra attempts of a read after a transient failure (default 3) */
  retries?: number
  /** first back-off in ms, doubled per attempt, with jitter (default 300) */
  backoffMs?: number
  /** refresh the token this long before it expires (default 5 min) */
  refreshBeforeMs?: number
  /** a transient failure that outlived the retries suggests a new try this much later (default 30 s) */
  transientRetryMs?: number
  /** per request (default 10 s) */
  timeoutMs?: number
  /** one line per failed attempt; never gets a token or the secret */
  log?: (line: string) => void
}

/** Env var names (cloudbaserc.json `envVariables`, README). */
export const CHANNELS_ENV = {
  appid: 'CHANNELS_APPID',
  secret: 'CHANNELS_SECRET',
  apiBase: 'CHANNELS_API_BASE',
  pushToken: 'CHANNELS_PUSH_TOKEN',
  pushAesKey: 'CHANNELS_PUSH_AES_KEY',
} as const

/** The adapter configured from the environment, or null when the shop is not configured. */
export function channelsShopFromEnv(
  env: Record<string, string | undefined>,
  store: ChannelsShopOptions['store'],
  extra: Partial<Omit<ChannelsShopOptions, 'appid' | 'secret' | 'store'>> = {},
): ChannelsShop | null {
  const appid = env[CHANNELS_ENV.appid]
  const secret = env[CHANNELS_ENV.secret]
  if (!appid || !secret) return null
  return new ChannelsShop({ appid, secret, baseUrl: env[CHANNELS_ENV.apiBase] || DEFAULT_API_BASE, store, ...extra })
}

const TokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.number().int().positive() })
const ReasonsAnswer = z.object({ reason_list: z.array(ChannelsReasonSchema).optional().default([]) })
const RejectReasonsAnswer = z.object({ reject_reason_list: z.array(ChannelsRejectReasonSchema).optional().default([]) })
const AddressIdsAnswer = z.object({ address_id_list: z.array(z.union([z.string(), z.number()]).transform(String)).optional().default([]) })
const AddressAnswer = z.object({ address_detail: ChannelsAddressSchema })
const GenAnswer = z.object({ after_sale_order_id: z.union([z.string(), z.number()]).transform(String) })
/** the page names the field `aftersale_id`, its example `after_sale_order_id`: either is read */
const AnyId = z.union([z.string().min(1), z.number()]).transform(String)
const PriceDiffAnswer = z
  .object({ after_sale_order_id: AnyId.optional(), aftersale_id: AnyId.optional() })
  .refine((a) => a.after_sale_order_id ?? a.aftersale_id, 'after_sale_order_id missing')
  .transform((a) => (a.after_sale_order_id ?? a.aftersale_id) as string)
const Ok = z.object({})
const UploadAnswer = z.object({ pic_file: z.object({ media_id: z.string().min(1) }) })
const TicketAnswer = z.object({ merchant_ticket: ChannelsTicketSchema })
const TicketListAnswer = z.object({ ticket_item_list: z.array(ChannelsTicketSchema).optional().default([]), total: z.number().int().min(0).optional().default(0) })

interface CachedToken {
  value: string
  expiresAtMs: number
  version: number
  /** when to stop using it and ask again */
  refreshAtMs: number
}

const TOKEN_CODES = new Set([40001, 40014, 42001])
const TRANSIENT_HTTP = (status: number) => status >= 500 || status === 429

export class ChannelsShop implements ShopPort {
  private readonly base: string
  private readonly now: () => number
  private readonly sleep: (ms: number) => Promise<void>
  private readonly fetchFn: typeof fetch
  private readonly retries: number
  private readonly backoffMs: number
  private readonly refreshBeforeMs: number
  private readonly timeoutMs: number
  private readonly transientRetryMs: number
  private readonly tokenName: string
  private cached: CachedToken | null = null
  /** counters for the benchmark and tests */
  readonly stats = { httpCalls: 0, tokenFetches: 0, storeCalls: 0, versionRetries: 0 }

  constructor(private readonly o: ChannelsShopOptions) {
    if (!o.appid || !o.secret) throw new Error('ChannelsShop: appid and secret are required')
    this.base = (o.baseUrl ?? DEFAULT_API_BASE).replace(/\/+$/, '')
    this.now = o.now ?? (() => Date.now())
    this.sleep = o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
    this.fetchFn = o.fetch ?? fetch
    this.retries = o.retries ?? 3
    this.backoffMs = o.backoffMs ?? 300
    this.refreshBeforeMs = o.refreshBeforeMs ?? 5 * 60_000
    this.timeoutMs = o.timeoutMs ?? 10_000
    this.transientRetryMs = o.transientRetryMs ?? 30_000
    this.tokenName = `channels:${o.appid}`
  }

  private iso(ms = this.now()): string {
    return new Date(ms).toISOString()
  }
  private log(line: string): void {
    this.o.log?.(`[channels] ${line}`)
  }

  // ------------------------------------------------------------------ transport

  /** One HTTP POST; answers the parsed JSON or throws a transient/unknown ShopError. */
  private async post(path: string, body: unknown, query: string): Promise<Record<string, unknown>> {
    this.stats.httpCalls++
    let res: Response
    try {
      res = await this.fetchFn(`${this.base}${path}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      })
    } catch (e) {
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      throw shopError('transient', 0, `network: ${msg}`, path, this.iso(this.now() + this.transientRetryMs))
    }
    const text = await res.text().catch(() => '')
    if (!res.ok) {
      const kind = TRANSIENT_HTTP(res.status) ? 'transient' : 'unknown'
      throw shopError(kind, 0, `HTTP ${res.status}`, path, kind === 'transient' ? this.iso(this.now() + this.transientRetryMs) : null)
    }
    try {
      const json = JSON.parse(text) as unknown
      if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>
    } catch {
      // fall through
    }
    throw shopError('unknown', 0, `not a JSON object: ${text.slice(0, 80)}`, path)
  }

  // ------------------------------------------------------------------ access token

  private async fetchToken(forceRefresh: boolean): Promise<{ value: string; expiresAtMs: number }> {
    const path = '/cgi-bin/stable_token'
    this.stats.tokenFetches++
    const json = await this.post(path, { grant_type: 'client_credential', appid: this.o.appid, secret: this.o.secret, force_refresh: forceRefresh }, '')
    const errcode = Number(json.errcode ?? 0)
    if (errcode !== 0) throw fromErrcode(errcode, String(json.errmsg ?? ''), path)
    const t = TokenAnswer.safeParse(json)
    if (!t.success) throw shopError('token', 0, 'stable_token answer without access_token', path)
    return { value: t.data.access_token, expiresAtMs: this.now() + t.data.expires_in * 1000 }
  }

  private fresh(t: CachedToken): boolean {
    return t.refreshAtMs > this.now()
  }
  /**
   * A stored token is refreshed `refreshBeforeMs` ahead; one the platform has just handed out is
   * the newest it gives, so it is used until half of what is left (no refetch loop near expiry).
   */
  private cache(value: string, expiresAtMs: number, version: number, justIssued: boolean): CachedToken {
    const left = expiresAtMs - this.now()
    const margin = justIssued ? Math.min(this.refreshBeforeMs, Math.max(0, left) / 2) : this.refreshBeforeMs
    return (this.cached = { value, expiresAtMs, version, refreshAtMs: expiresAtMs - margin })
  }

  /** Store it for every instance (CAS); when another instance won, use what it stored. */
  private async publish(got: { value: string; expiresAtMs: number }, expectedVersion: number): Promise<CachedToken> {
    this.stats.storeCalls++
    if (await this.o.store.putToken(this.tokenName, got.value, this.iso(got.expiresAtMs), expectedVersion, this.iso())) {
      return this.cache(got.value, got.expiresAtMs, expectedVersion + 1, true)
    }
    this.stats.storeCalls++
    const rec = await this.o.store.getToken(this.tokenName)
    if (rec) return this.cache(rec.value, Date.parse(rec.expiresAt), rec.version, true)
    return this.cache(got.value, got.expiresAtMs, 0, true)
  }

  private async token(): Promise<CachedToken> {
    if (this.cached && this.fresh(this.cached)) return this.cached
    this.stats.storeCalls++
    const rec = await this.o.store.getToken(this.tokenName)
    if (rec && Date.parse(rec.expiresAt) - this.refreshBeforeMs > this.now()) return this.cache(rec.value, Date.parse(rec.expiresAt), rec.version, false)
    // expiring or absent: without force_refresh the stable token stays the same while valid, so
    // two instances doing this at once get (and store) the same value
    return this.publish(await this.withRetries('/cgi-bin/stable_token', () => this.fetchToken(false)), rec?.version ?? 0)
  }

  /** The platform refused `bad`: take a newer one from the store, else force a new one. */
  private async replaceToken(bad: CachedToken): Promise<CachedToken> {
    this.cached = null
    this.stats.storeCalls++
    const rec = await this.o.store.getToken(this.tokenName)
    if (rec && rec.value !== bad.value && Date.parse(rec.expiresAt) > this.now()) {
      return this.cache(rec.value, Date.parse(rec.expiresAt), rec.version, false)
    }
    const got = await this.withRetries('/cgi-bin/stable_token', () => this.fetchToken(true))
    return this.publish(got, rec?.version ?? 0)
  }

  // ------------------------------------------------------------------ calls

  private async withRetries<T>(path: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (e) {
        if (!(e instanceof ShopError) || e.kind !== 'transient' || attempt >= this.retries) throw e
        const wait = this.backoffMs * 2 ** attempt * (0.75 + Math.random() / 2)
        this.log(`${path}: ${e.errcode} ${e.errmsg}; retry ${attempt + 1}/${this.retries} in ${Math.round(wait)} ms`)
        await this.sleep(wait)
      }
    }
  }

  /**
   * One API call with the token: a refused token is replaced once and the call repeated; on
   * 100004 (数据版本号不匹配) `refetch` re-reads what the call acts on and the call is repeated once
   * (the refused attempt changed nothing). `extraQuery` adds URL parameters (media reads).
   */
  private async once<S extends z.ZodTypeAny>(path: string, body: unknown, schema: S, refetch?: () => Promise<unknown>, extraQuery = ''): Promise<z.output<S>> {
    let tok = await this.token()
    let tokenReplaced = false
    let refetched = false
    for (;;) {
      const json = await this.post(path, body, `?access_token=${encodeURIComponent(tok.value)}${extraQuery}`)
      const errcode = Number(json.errcode ?? 0)
      if (errcode === 0) {
        const parsed = schema.safeParse(json)
        if (!parsed.success) {
          const issue = parsed.error.issues[0]
          throw shopError('unknown', 0, `unexpected answer: ${issue?.path.join('.')} ${issue?.message}`, path)
        }
        return parsed.data
      }
      if (TOKEN_CODES.has(errcode) && !tokenReplaced) {
        this.log(`${path}: token refused (${errcode}); replacing it`)
        tokenReplaced = true
        tok = await this.replaceToken(tok)
        continue
      }
      if (errcode === VERSION_MISMATCH_ERRCODE && refetch && !refetched) {
        this.log(`${path}: data version mismatch (${errcode}); re-reading and repeating once`)
        refetched = true
        this.stats.versionRetries++
        await refetch()
        continue
      }
      const kind = fromErrcode(errcode, String(json.errmsg ?? ''), path).kind
      const retryAt = kind === 'rate_limited' ? this.iso(this.now() + AFTER_SALE_WRITE_INTERVAL_MS) : kind === 'transient' ? this.iso(this.now() + this.transientRetryMs) : null
      throw fromErrcode(errcode, String(json.errmsg ?? ''), path, retryAt)
    }
  }

  private read<S extends z.ZodTypeAny>(path: string, body: unknown, schema: S, extraQuery = ''): Promise<z.output<S>> {
    return this.withRetries(path, () => this.once(path, body, schema, undefined, extraQuery))
  }

  /**
   * A write on one after-sale order: takes the cross-instance throttle, never repeated here (but
   * once after 100004: re-read with `refetch`, default the after-sale itself).
   */
  private async write<S extends z.ZodTypeAny>(afterSaleOrderId: string, path: string, body: unknown, schema: S, refetch?: () => Promise<unknown>): Promise<z.output<S>> {
    this.stats.storeCalls++
    const slot = await this.o.store.takeThrottle(`channels:aftersale:${afterSaleOrderId}`, this.iso(), AFTER_SALE_WRITE_INTERVAL_MS)
    if (!slot.granted) throw shopError('rate_limited', 10021059, 'local throttle: one write per minute per after-sale order', path, slot.retryAt)
    try {
      return await this.once(path, body, schema, refetch ?? (/^\d+$/.test(afterSaleOrderId) ? () => this.getAfterSaleOrder(afterSaleOrderId) : undefined))
    } catch (e) {
      // the next write on this order may only go out after the platform's minute
      if (e instanceof ShopError && e.kind === 'transient') {
        throw new ShopError(e.kind, e.errcode, e.errmsg, e.messageZh, this.iso(this.now() + AFTER_SALE_WRITE_INTERVAL_MS), e.path)
      }
      throw e
    }
  }

  // ------------------------------------------------------------------ ShopPort: reads

  async listOrderIds(q: ListOrdersQuery): Promise<IdPage> {
    const range = (r: { startTime: number; endTime: number }) => ({ start_time: r.startTime, end_time: r.endTime })
    const body = {
      ...(q.updateTimeRange ? { update_time_range: range(q.updateTimeRange) } : {}),
      ...(q.createTimeRange ? { create_time_range: range(q.createTimeRange) } : {}),
      ...(q.status !== undefined ? { status: q.status } : {}),
      page_size: Math.min(q.pageSize ?? 100, 100),
      ...(q.nextKey ? { next_key: q.nextKey } : {}),
    }
    const r = await this.read('/channels/ec/order/list/get', body, OrderIdPageSchema)
    return { ids: r.order_id_list, hasMore: r.has_more, nextKey: r.next_key }
  }

  async getOrder(orderId: string): Promise<ChannelsOrder> {
    return (await this.read('/channels/ec/order/get', { order_id: orderId }, z.object({ order: ChannelsOrderSchema }))).order
  }

  async listAfterSaleIds(q: ListAfterSalesQuery): Promise<IdPage> {
    const body =
      q.by === 'update'
        ? { begin_update_time: q.range.startTime, end_update_time: q.range.endTime }
        : { begin_create_time: q.range.startTime, end_create_time: q.range.endTime }
    const r = await this.read('/channels/ec/aftersale/getaftersalelist', { ...body, ...(q.nextKey ? { next_key: q.nextKey } : {}) }, AfterSaleIdPageSchema)
    return { ids: r.after_sale_order_id_list, hasMore: r.has_more, nextKey: r.next_key }
  }

  async getAfterSaleOrder(afterSaleOrderId: string): Promise<ChannelsAfterSaleOrder> {
    const r = await this.read('/channels/ec/aftersale/getaftersaleorder', { after_sale_order_id: afterSaleOrderId }, z.object({ after_sale_order: ChannelsAfterSaleOrderSchema }))
    return r.after_sale_order
  }

  async getReasons(): Promise<ChannelsReason[]> {
    return (await this.read('/channels/ec/aftersale/reason/get', {}, ReasonsAnswer)).reason_list
  }

  async getRejectReasons(): Promise<ChannelsRejectReason[]> {
    return (await this.read('/channels/ec/aftersale/rejectreason/get', {}, RejectReasonsAnswer)).reject_reason_list
  }

  async listAddresses(): Promise<ChannelsAddress[]> {
    const ids: string[] = []
    for (let offset = 0; offset < 1000; offset += 100) {
      const page = (await this.read('/channels/ec/merchant/address/list', { offset, limit: 100 }, AddressIdsAnswer)).address_id_list
      ids.push(...page)
      if (page.length < 100) break
    }
    const out: ChannelsAddress[] = []
    for (const id of ids) out.push((await this.read('/channels/ec/merchant/address/get', { address_id: id }, AddressAnswer)).address_detail)
    return out
  }

  // ------------------------------------------------------------------ ShopPort: seller actions

  async acceptApply(id: string, input: AcceptApplyInput): Promise<void> {
    await this.write(id, '/channels/ec/aftersale/acceptapply', {
      after_sale_order_id: id,
      ...(input.addressId ? { address_id: input.addressId } : {}),
      ...(input.acceptType ? { accept_type: input.acceptType } : {}),
    }, Ok)
  }

  async rejectApply(id: string, input: RejectApplyInput): Promise<void> {
    await this.write(id, '/channels/ec/aftersale/rejectapply', rejectBody(id, input), Ok)
  }

  async merchantUpdateAfterSale(id: string, input: MerchantUpdateInput): Promise<void> {
    await this.write(id, '/channels/ec/aftersale/merchantupdateaftersale', {
      after_sale_order_id: id,
      type: input.type,
      amount: input.amountFen,
      merchant_update_desc: input.desc,
      update_reason_type: input.updateReasonType,
      merchant_update_type: input.merchantUpdateType,
      media_ids: input.mediaIds ?? [],
    }, Ok)
  }

  async uploadRefundCertificate(id: string, input: RefundCertificateInput): Promise<void> {
    await this.write(id, '/channels/ec/aftersale/uploadrefundcertificate', {
      after_sale_order_id: id,
      refund_certificates: input.certificates,
      ...(input.desc ? { desc: input.desc } : {}),
    }, Ok)
  }

  async acceptExchangeReship(id: string, input: ExchangeReshipInput): Promise<void> {
    await this.write(id, '/channels/ec/aftersale/acceptexchangereship', { after_sale_order_id: id, waybill_id: input.waybillId, delivery_id: input.deliveryId }, Ok)
  }

  async rejectExchangeReship(id: string, input: RejectApplyInput): Promise<void> {
    await this.write(id, '/channels/ec/aftersale/rejectexchangereship', rejectBody(id, input), Ok)
  }

  /** Not tied to an existing after-sale order: throttled per request_id; safe to repeat with the same id. */
  async genAfterSaleOrder(input: GenAfterSaleInput): Promise<{ afterSaleOrderId: string }> {
    const r = await this.write(`gen:${input.requestId}`, '/channels/ec/aftersale/genaftersaleorder', {
      request_id: input.requestId,
      order_id: input.orderId,
      product_id: input.productId,
      sku_id: input.skuId,
      count: input.count,
      amount: input.amountFen,
      reason: input.reason,
      type: input.type,
      ...(input.addressId ? { address_id: input.addressId } : {}),
      ...(input.desc ? { desc: input.desc } : {}),
    }, GenAnswer)
    return { afterSaleOrderId: r.after_sale_order_id }
  }

  // ------------------------------------------------------------------ ShopPort: desk remedies on an order

  /**
   * 退差价. The platform allows one refund request per order per minute (10021059): throttled per
   * order. `request_id` makes a repeat safe; 100004 re-reads the order and repeats once.
   */
  async refundPriceDiff(input: RefundPriceDiffInput): Promise<{ afterSaleOrderId: string }> {
    const r = await this.write(`order:${input.orderId}`, '/channels/ec/aftersale/refundpricediff', {
      request_id: input.requestId,
      order_id: input.orderId,
      product_id: input.productId,
      sku_id: input.skuId,
      amount: input.amountFen,
      reason: input.reason,
      ...(input.desc ? { desc: input.desc.slice(0, 200) } : {}),
    }, PriceDiffAnswer, () => this.getOrder(input.orderId))
    return { afterSaleOrderId: r }
  }

  /** 补发货 (no documented per-minute rule, so no throttle); 100004 re-reads the order and repeats once. */
  async deliveryCompensation(input: DeliveryCompensationInput): Promise<void> {
    await this.once('/channels/ec/order/delivery/compensation', {
      order_id: input.orderId,
      reason: input.reason,
      delivery_list: [{
        deliver_type: input.deliverType ?? 1,
        waybill_id: input.waybillId,
        delivery_id: input.deliveryId,
        product_infos: input.products.map((p) => ({ product_id: p.productId, sku_id: p.skuId, product_cnt: p.count })),
      }],
    }, Ok, () => this.getOrder(input.orderId))
  }

  // ------------------------------------------------------------------ ShopPort: disputes and tickets

  async getComplaintOrder(complaintId: string): Promise<ChannelsComplaintOrder> {
    return this.read('/channels/ec/aftersale/getcomplaintorder', { complaint_id: complaintId }, ChannelsComplaintOrderSchema)
  }

  /** Never repeated inside one call (a lost answer may have been applied): the outbox retries by key. */
  async addComplaintProof(complaintId: string, input: ComplaintAnswerInput): Promise<void> {
    await this.once('/channels/ec/aftersale/addcomplaintproof', { complaint_id: complaintId, content: input.content, media_id_list: input.mediaIds }, Ok)
  }

  async addComplaintMaterial(complaintId: string, input: ComplaintAnswerInput): Promise<void> {
    await this.once('/channels/ec/aftersale/addcomplaintmaterial', { complaint_id: complaintId, content: input.content, media_id_list: input.mediaIds }, Ok)
  }

  /** upload_type 1 = by URL, resp_type 1 = answer a media_id (not a URL). */
  async uploadImageUrl(url: string): Promise<string> {
    return (await this.read('/channels/ec/basics/img/upload', { img_url: url }, UploadAnswer, '&upload_type=1&resp_type=1')).pic_file.media_id
  }

  async getTicket(ticketId: string): Promise<ChannelsTicket> {
    return (await this.read('/channels/ec/platformkf/getmchticketdetail', { ticket_id: ticketId }, TicketAnswer)).merchant_ticket
  }

  async listTickets(q: ListTicketsQuery): Promise<{ tickets: ChannelsTicket[]; total: number }> {
    const r = await this.read('/channels/ec/platformkf/getmchticketlist', {
      ...(q.state ? { ticket_state: q.state } : {}),
      ...(q.range ? { search_start_time: q.range.startTime, search_end_time: q.range.endTime } : {}),
      start: q.offset,
      limit: Math.min(q.limit, 50),
    }, TicketListAnswer)
    return { tickets: r.ticket_item_list, total: r.total }
  }

  // ------------------------------------------------------------------ ShopPort: media

  async getMedia(mediaId: string, maxBytes: number): Promise<ShopMedia> {
    const path = '/channels/ec/basics/media/get'
    return this.withRetries(path, async () => {
      let tok = await this.token()
      for (let tokenTry = 0; ; tokenTry++) {
        this.stats.httpCalls++
        let res: Response
        try {
          res = await this.fetchFn(`${this.base}${path}?access_token=${encodeURIComponent(tok.value)}&media_id=${encodeURIComponent(mediaId)}`, { method: 'GET', signal: AbortSignal.timeout(this.timeoutMs * 3) })
        } catch (e) {
          throw shopError('transient', 0, `network: ${e instanceof Error ? e.message : String(e)}`, path, this.iso(this.now() + this.transientRetryMs))
        }
        if (!res.ok) {
          const kind = TRANSIENT_HTTP(res.status) ? 'transient' : 'unknown'
          throw shopError(kind, 0, `HTTP ${res.status}`, path, kind === 'transient' ? this.iso(this.now() + this.transientRetryMs) : null)
        }
        const declared = Number(res.headers.get('content-length') ?? 0)
        if (declared > maxBytes) throw shopError('unknown', 0, `media larger than ${maxBytes} bytes`, path)
        const bytes = new Uint8Array(await res.arrayBuffer())
        if (bytes.length > maxBytes) throw shopError('unknown', 0, `media larger than ${maxBytes} bytes`, path)
        const contentType = res.headers.get('content-type') ?? ''
        // errors come as JSON (binary otherwise): the documented way to tell them apart
        if (contentType.includes('json') || (bytes.length < 2048 && bytes[0] === 0x7b)) {
          let json: Record<string, unknown> = {}
          try {
            json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>
          } catch {
            throw shopError('unknown', 0, 'media answer is neither a file nor JSON', path)
          }
          const errcode = Number(json.errcode ?? 0)
          if (TOKEN_CODES.has(errcode) && tokenTry === 0) {
            tok = await this.replaceToken(tok)
            continue
          }
          if (errcode === 0) throw shopError('unknown', 0, 'media answer without a file', path)
          const kind = fromErrcode(errcode, String(json.errmsg ?? ''), path).kind
          throw fromErrcode(errcode, String(json.errmsg ?? ''), path, kind === 'transient' ? this.iso(this.now() + this.transientRetryMs) : null)
        }
        return { bytes, contentType }
      }
    })
  }
}

function rejectBody(id: string, input: RejectApplyInput) {
  return {
    after_sale_order_id: id,
    reject_reason_type: input.rejectReasonType,
    ...(input.rejectReason ? { reject_reason: input.rejectReason } : {}),
    ...(input.certificates?.length ? { reject_certificates: input.certificates } : {}),
  }
}
