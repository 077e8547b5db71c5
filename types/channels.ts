/**
 * Wire shapes of the WeChat Channels shop (微信小店) API, as documented (PLATFORM-FACTS §1).
 * zod only — no node imports. These mirror the platform's JSON (snake_case, unix seconds, fen);
 * the shop adapter parses every answer with them and the use cases map them into the domain.
 *
 * Deliberately lenient where the platform is loose (ids sometimes numbers, optional blocks
 * missing or empty) and strict where the desk depends on a value (status, type, amounts).
 */
import { z } from 'zod'

/** Ids come as strings, but a few SDKs show numbers: accept both, keep a string. */
const IdSchema = z.union([z.string(), z.number()]).transform((v) => String(v))
const Fen = z.number().int().min(0)
const UnixSeconds = z.number().int().min(0)
const Str = z.string().optional().default('')
/** yes/no flags: documented as 0/1, seen as booleans too */
const Flag = z.union([z.boolean(), z.number().int()]).transform((v) => v === true || v === 1)

// ---------------------------------------------------------------- after-sale statuses

/** Every after-sale status the platform documents (official list + WxJava/SKIT extras, incl. exchange). */
export const AFTER_SALE_STATUSES = [
  'USER_CANCELD',
  'MERCHANT_PROCESSING',
  'MERCHANT_REJECT_REFUND',
  'MERCHANT_REJECT_RETURN',
  'USER_WAIT_RETURN',
  'RETURN_CLOSED',
  'MERCHANT_WAIT_RECEIPT',
  'MERCHANT_OVERDUE_REFUND',
  'MERCHANT_REFUND_SUCCESS',
  'MERCHANT_RETURN_SUCCESS',
  'PLATFORM_REFUNDING',
  'PLATFORM_REFUND_FAIL',
  'USER_WAIT_CONFIRM',
  'MERCHANT_REFUND_RETRY_FAIL',
  'MERCHANT_FAIL',
  'USER_WAIT_CONFIRM_UPDATE',
  'USER_WAIT_HANDLE_MERCHANT_AFTER_SALE',
  'WAIT_PACKAGE_INTERCEPT',
  'MERCHANT_REJECT_EXCHANGE',
  'MERCHANT_REJECT_RESHIP',
  'USER_WAIT_RECEIPT',
  'MERCHANT_EXCHANGE_SUCCESS',
] as const
export const AfterSaleStatusSchema = z.enum(AFTER_SALE_STATUSES)
export type AfterSaleStatus = z.infer<typeof AfterSaleStatusSchema>

/** The platform's own Chinese label of each status (shown next to the desk's status). */
export const AFTER_SALE_STATUS_TEXT: Record<AfterSaleStatus, string> = {
  USER_CANCELD: '用户取消申请',
  MERCHANT_PROCESSING: '商家受理中',
  MERCHANT_REJECT_REFUND: '商家拒绝退款',
  MERCHANT_REJECT_RETURN: '商家拒绝退货退款',
  USER_WAIT_RETURN: '待买家退货',
  RETURN_CLOSED: '退货退款关闭',
  MERCHANT_WAIT_RECEIPT: '待商家收货',
  MERCHANT_OVERDUE_REFUND: '商家逾期未退款',
  MERCHANT_REFUND_SUCCESS: '退款完成',
  MERCHANT_RETURN_SUCCESS: '退货退款完成',
  PLATFORM_REFUNDING: '平台退款中',
  PLATFORM_REFUND_FAIL: '平台退款失败',
  USER_WAIT_CONFIRM: '待用户确认',
  MERCHANT_REFUND_RETRY_FAIL: '商家打款失败，客服关闭售后',
  MERCHANT_FAIL: '售后关闭',
  USER_WAIT_CONFIRM_UPDATE: '待用户处理商家协商',
  USER_WAIT_HANDLE_MERCHANT_AFTER_SALE: '待用户处理商家代发起的售后申请',
  WAIT_PACKAGE_INTERCEPT: '物流线上拦截中',
  MERCHANT_REJECT_EXCHANGE: '商家拒绝换货',
  MERCHANT_REJECT_RESHIP: '商家拒绝发货',
  USER_WAIT_RECEIPT: '待用户收货',
  MERCHANT_EXCHANGE_SUCCESS: '换货完成',
}

export const AFTER_SALE_TYPES = ['REFUND', 'RETURN', 'EXCHANGE'] as const
export const AfterSaleTypeSchema = z.enum(AFTER_SALE_TYPES)
export type AfterSaleType = z.infer<typeof AfterSaleTypeSchema>

// ---------------------------------------------------------------- after-sale order

export const ChannelsAfterSaleOrderSchema = z.object({
  after_sale_order_id: IdSchema,
  status: AfterSaleStatusSchema,
  type: AfterSaleTypeSchema,
  openid: Str,
  unionid: Str,
  order_id: IdSchema,
  product_info: z
    .object({
      product_id: IdSchema,
      sku_id: IdSchema,
      count: z.number().int().min(0),
      fast_refund: z.boolean().optional(),
    })
    .passthrough(),
  refund_info: z
    .object({
      amount: Fen,
      refund_reason: z.number().int().optional(),
      /** 小额保障退款 (the platform's low-price guarantee refunds it) */
      is_low_price_insurance_refund: Flag.optional(),
      /** 最终由运费险出资: the freight insurance pays the return */
      is_final_refund_by_insurance: Flag.optional(),
    })
    .passthrough()
    .optional()
    .default({ amount: 0 }),
  return_info: z
    .object({ waybill_id: Str, delivery_id: Str, delivery_name: Str })
    .passthrough()
    .optional(),
  merchant_upload_info: z
    .object({ reject_reason: Str, refund_certificates: z.array(z.string()).optional().default([]) })
    .passthrough()
    .optional(),
  refund_resp: z
    .object({ code: Str, ret: z.number().int().optional().default(0), message: Str })
    .passthrough()
    .optional(),
  /** reason code (string on the wire; newer codes carry no meaning of their own); bounded like our own codes */
  reason: z.union([z.string().max(32), z.number().int().min(0).max(99_999_999)]).transform((v) => String(v)).optional().default(''),
  /** the platform's own text for the reason: display this */
  reason_text: Str,
  details: z
    .object({
      desc: Str,
      receive_product: z.union([z.boolean(), z.number()]).optional(),
      cancel_time: z.number().optional(),
      media_id_list: z.array(z.string()).optional().default([]),
      prove_imgs: z.array(z.string()).optional().default([]),
      tel_number: Str,
    })
    .passthrough()
    .optional()
    .default({}),
  complaint_id: z.union([z.string(), z.number()]).transform((v) => String(v)).optional(),
  /**
   * Seller's deadline as the platform reports it. Read it with `afterSaleDeadlineAt` (ports/shop):
   * documented as seconds left (SKIT), some answers carry a unix timestamp.
   */
  deadline: z.number().int().min(0).optional(),
  create_time: UnixSeconds,
  update_time: UnixSeconds,
  exchange_product_info: z.record(z.unknown()).optional(),
  exchange_delivery_info: z.record(z.unknown()).optional(),
})
export type ChannelsAfterSaleOrder = z.infer<typeof ChannelsAfterSaleOrderSchema>

// ---------------------------------------------------------------- orders

/**
 * Order statuses (numeric): 10 待付款, 12 礼物待收下, 13 凑单买凑团中, 20 待发货, 21 部分发货,
 * 30 待收货, 100 完成, 200 全部商品售后之后订单取消, 250 未付款用户主动取消或超时未付款订单自动取消.
 */
export const ORDER_STATUS_TEXT: Record<number, string> = {
  10: '待付款',
  12: '礼物待收下',
  13: '拼团中',
  20: '待发货',
  21: '部分发货',
  30: '待收货',
  100: '已完成',
  200: '售后后取消',
  250: '已取消',
}

export const ChannelsOrderProductSchema = z
  .object({
    product_id: IdSchema,
    sku_id: IdSchema,
    title: Str,
    thumb_img: Str,
    sku_cnt: z.number().int().min(0),
    /** unit price before discounts, fen */
    sale_price: Fen,
    /** what the buyer actually paid for this line, fen */
    real_price: Fen.optional(),
    market_price: Fen.optional(),
    on_aftersale_sku_cnt: z.number().int().optional(),
    finish_aftersale_sku_cnt: z.number().int().optional(),
    sku_attrs: z.array(z.object({ attr_key: z.string(), attr_value: z.string() }).passthrough()).optional(),
    /** per product: 运费险 (freight insurance) and 7天无理由 (seven-day no-reason return) */
    extra_service: z.object({ freight_insurance: Flag.optional(), seven_day_return: Flag.optional() }).passthrough().optional(),
  })
  .passthrough()
export type ChannelsOrderProduct = z.infer<typeof ChannelsOrderProductSchema>

export const ChannelsDeliveryProductSchema = z
  .object({
    waybill_id: Str,
    delivery_id: Str,
    delivery_name: Str,
    delivery_time: UnixSeconds.optional(),
    product_infos: z.array(z.object({ product_id: IdSchema, sku_id: IdSchema, product_cnt: z.number().int() }).passthrough()).optional(),
  })
  .passthrough()

export const ChannelsOrderSchema = z.object({
  order_id: IdSchema,
  status: z.number().int(),
  openid: Str,
  unionid: Str,
  create_time: UnixSeconds,
  update_time: UnixSeconds,
  order_detail: z
    .object({
      product_infos: z.array(ChannelsOrderProductSchema).default([]),
      price_info: z
        .object({
          product_price: Fen.optional(),
          /** what the buyer paid for the order, fen */
          order_price: Fen,
          freight: Fen.optional(),
          discounted_price: Fen.optional(),
        })
        .passthrough(),
      pay_info: z
        .object({ pay_time: UnixSeconds.optional(), transaction_id: Str, prepay_id: Str })
        .passthrough()
        .optional(),
      delivery_info: z
        .object({
          delivery_product_info: z.array(ChannelsDeliveryProductSchema).optional().default([]),
          /** when the last parcel was shipped (unix seconds) */
          ship_done_time: UnixSeconds.optional(),
          deliver_method: z.number().int().optional(),
          address_info: z.record(z.unknown()).optional(),
        })
        .passthrough()
        .optional(),
    })
    .passthrough(),
  aftersale_detail: z
    .object({
      aftersale_order_list: z.array(z.object({ aftersale_order_id: IdSchema, status: z.number().int().optional() }).passthrough()).optional(),
      on_aftersale_order_cnt: z.number().int().optional(),
    })
    .passthrough()
    .optional(),
})
export type ChannelsOrder = z.infer<typeof ChannelsOrderSchema>

// ---------------------------------------------------------------- reasons, addresses

export const ChannelsReasonSchema = z.object({
  reason: z.union([z.string(), z.number()]).transform((v) => String(v)),
  reason_text: z.string(),
})
export type ChannelsReason = z.infer<typeof ChannelsReasonSchema>

export const ChannelsRejectReasonSchema = z.object({
  reject_reason_type: z.number().int(),
  reject_reason_type_text: z.string(),
  reject_reason: Str,
  /** where the reason applies (e.g. 1 refund, 2 return …); passed through */
  reject_scene: z.union([z.number(), z.array(z.number())]).optional(),
})
export type ChannelsRejectReason = z.infer<typeof ChannelsRejectReasonSchema>

export const ChannelsAddressSchema = z.object({
  address_id: IdSchema,
  name: Str,
  address_info: z
    .object({
      user_name: Str,
      tel_number: Str,
      province_name: Str,
      city_name: Str,
      county_name: Str,
      detail_info: Str,
      postal_code: Str,
    })
    .passthrough(),
  /** 1 = usable as the return (receiving) address */
  recv_addr: z.number().int().optional(),
  default_recv: z.number().int().optional(),
  send_addr: z.number().int().optional(),
  remark: Str,
})
export type ChannelsAddress = z.infer<typeof ChannelsAddressSchema>

// ---------------------------------------------------------------- list answers

const Page = { has_more: z.boolean().optional().default(false), next_key: z.string().optional().default('') }
export const OrderIdPageSchema = z.object({ order_id_list: z.array(IdSchema).optional().default([]), ...Page })
export const AfterSaleIdPageSchema = z.object({ after_sale_order_id_list: z.array(IdSchema).optional().default([]), ...Page })

// ---------------------------------------------------------------- disputes (纠纷单)

/**
 * Dispute statuses (`channels_ec_complaint_update.complaint_status`, getcomplaintorder `status`),
 * with the platform's own Chinese label (developers.weixin.qq.com/doc/store/shop/API/complaint/).
 */
export const COMPLAINT_STATUS_TEXT: Record<number, string> = {
  100: '待商家处理纠纷',
  101: '待客服处理',
  102: '取消客服介入',
  103: '客服处理中',
  104: '待用户补充凭证',
  105: '用户已补充凭证',
  106: '待商家补充凭证',
  107: '商家已补充凭证',
  108: '待双方补充凭证',
  109: '双方补充凭证超时',
  110: '待商家确认',
  111: '商家申诉中',
  112: '调解完成',
  113: '待客服核实',
  114: '重新退款中',
  115: '退款核实完成',
  116: '调解关闭',
  305: '用户补充凭证超时',
  307: '商家补充凭证超时',
}
export const COMPLAINT_STATUSES = Object.keys(COMPLAINT_STATUS_TEXT).map(Number)
export const ComplaintStatusSchema = z
  .number()
  .int()
  .refine((n) => n in COMPLAINT_STATUS_TEXT, { message: 'unknown complaint status' })

/** One entry of a dispute's history (getcomplaintorder `history[]`); `item_type` is the platform's code. */
export const ChannelsComplaintHistorySchema = z
  .object({
    item_type: z.number().int(),
    time: UnixSeconds,
    content: Str,
    media_id_list: z.array(z.string()).optional().default([]),
    phone_number: z.union([z.string(), z.number()]).transform((v) => String(v)).optional(),
    after_sale_type: z.number().int().optional(),
    after_sale_reason: z.number().int().optional(),
  })
  .passthrough()
export type ChannelsComplaintHistory = z.infer<typeof ChannelsComplaintHistorySchema>

/** getcomplaintorder's answer (the fields beside errcode / errmsg). */
export const ChannelsComplaintOrderSchema = z.object({
  after_sale_order_id: IdSchema,
  order_id: IdSchema,
  status: ComplaintStatusSchema,
  history: z.array(ChannelsComplaintHistorySchema).optional().default([]),
})
export type ChannelsComplaintOrder = z.infer<typeof ChannelsComplaintOrderSchema>

// ---------------------------------------------------------------- platform tickets (客诉工单)

/** Ticket states (`ticket_state`): 1 待商家处理, 2 待平台处理, 3 已完结 (…/guide/connect/platformkf.html). */
export const TICKET_STATE_TEXT: Record<number, string> = { 1: '待商家处理', 2: '待平台处理', 3: '已完结' }
/** Ticket classes (`ticket_class_type`): only 9 催发货 is open so far. */
export const TICKET_CLASS_TEXT: Record<number, string> = { 9: '催发货' }
/** `platform_review_result` once the platform reviewed the ticket (0 = not yet). */
export const TICKET_REVIEW_TEXT: Record<number, string> = {
  1: '审核通过，协商一致支持用户',
  2: '审核不通过，默认判支持用户',
  3: '平台介入处理，判支持商家',
  4: '平台介入处理，判支持用户',
  5: '平台关闭工单',
}

/** One merchant ticket (getmchticketdetail `merchant_ticket`, getmchticketlist `ticket_item_list[]`). */
export const ChannelsTicketSchema = z
  .object({
    ticket_id: IdSchema,
    ticket_class_type: z.number().int(),
    ticket_state: z.number().int().min(1).max(3),
    /** unix seconds: created, and the seller's deadline */
    ticket_begin_time: UnixSeconds,
    ticket_deal_end_time: UnixSeconds.optional().default(0),
    merchant_operate_time: UnixSeconds.optional().default(0),
    platform_operate_time: UnixSeconds.optional().default(0),
    merchant_reply: z.number().int().optional().default(0),
    /** the platform's words; may carry an HTML link */
    description: z.string().max(4000).optional().default(''),
    order_id: z.union([z.string(), z.number()]).transform((v) => String(v)).optional().default(''),
    aftersale_id: z.union([z.string(), z.number()]).transform((v) => String(v)).optional().default(''),
    platform_review_result: z.number().int().optional().default(0),
  })
  .passthrough()
export type ChannelsTicket = z.infer<typeof ChannelsTicketSchema>
