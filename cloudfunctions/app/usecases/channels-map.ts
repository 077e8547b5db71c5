/**
 * The shop's wire shapes (types/channels.ts: snake_case, unix seconds, fen) → the desk's domain
 * (OrderSnapshot, PlatformSnapshot: ISO UTC, fen). Pure; used by the order sync and the
 * after-sale import.
 */
import type { ChannelsAfterSaleOrder, ChannelsOrder } from '@contract/channels'
import type { OrderSnapshot, PlatformSnapshot } from '@contract/domain'
import { afterSaleDeadlineAt } from '../../ports/shop'

const isoOf = (unixSeconds: number): string => new Date(unixSeconds * 1000).toISOString()

/** Buyers of the shop not (yet) matched to a mini-program user are kept under this id. */
export const shopBuyerId = (shopOpenid: string): string => `channels:${shopOpenid}`

/** Order statuses at which the buyer has the goods (100 完成; 200 = cancelled after after-sales). */
const RECEIVED_STATUSES = new Set([100])

/**
 * A shop order as the desk's order snapshot, or null when it has nothing an after-sales case could
 * claim (no products, unpaid). `buyerOpenid` is the mini-program openid of the matched buyer, else
 * `channels:<shop openid>`. The shop answer has no separate signing time: an order the platform
 * marks completed (100) is taken as signed at its last update.
 */
export function orderFromShop(o: ChannelsOrder, buyerOpenid: string): OrderSnapshot | null {
  const products = o.order_detail.product_infos.filter((p) => p.sku_cnt > 0)
  if (!products.length || o.status === 10 || o.status === 250) return null
  const delivery = o.order_detail.delivery_info
  const parcels = delivery?.delivery_product_info ?? []
  const shipped = delivery?.ship_done_time || parcels.map((p) => p.delivery_time ?? 0).reduce((a, b) => Math.max(a, b), 0)
  const first = parcels.find((p) => p.waybill_id)
  // the receiver's name: what staff alerts call the buyer (the shop gives no nickname)
  const receiver = delivery?.address_info?.user_name
  const buyerName = typeof receiver === 'string' ? receiver.trim().slice(0, 64) : ''
  return {
    orderId: o.order_id,
    buyerOpenid,
    items: products.map((p) => ({
      skuId: p.sku_id,
      productId: p.product_id,
      name: p.title || `商品 ${p.product_id}`,
      qty: p.sku_cnt,
      // real_price is what the buyer paid for the line; the unit price is its share per unit
      unitPriceFen: p.real_price !== undefined ? Math.floor(p.real_price / p.sku_cnt) : p.sale_price,
      // 运费险 decides who pays the buyer's return; absent when the order does not say
      ...(p.extra_service?.freight_insurance !== undefined ? { freightInsurance: p.extra_service.freight_insurance } : {}),
    })),
    paidFen: o.order_detail.price_info.order_price,
    paidAt: isoOf(o.order_detail.pay_info?.pay_time || o.create_time),
    ...(shipped ? { shippedAt: isoOf(shipped) } : {}),
    ...(RECEIVED_STATUSES.has(o.status) ? { deliveredAt: isoOf(o.update_time) } : {}),
    ...(first ? { carrier: first.delivery_name || first.delivery_id, trackingNo: first.waybill_id } : {}),
    source: 'channels',
    shopOpenid: o.openid,
    ...(o.unionid ? { buyerUnionid: o.unionid } : {}),
    ...(buyerName ? { buyerName } : {}),
  }
}

/** A shop after-sale order as the case keeps it; `fetchedAt` anchors a relative deadline. */
export function snapshotFromShop(a: ChannelsAfterSaleOrder, fetchedAt: string): PlatformSnapshot {
  const d = a.details
  const r = a.return_info
  return {
    afterSaleOrderId: a.after_sale_order_id,
    orderId: a.order_id,
    type: a.type,
    status: a.status,
    reasonCode: a.reason,
    reasonText: a.reason_text,
    refundFen: a.refund_info.amount,
    productId: a.product_info.product_id,
    skuId: a.product_info.sku_id,
    count: Math.max(1, a.product_info.count),
    description: (d.desc ?? '').slice(0, 1000),
    mediaIds: [...(d.media_id_list ?? []), ...(d.prove_imgs ?? [])],
    telNumber: d.tel_number || null,
    returnWaybill: r?.waybill_id ? { waybillId: r.waybill_id, deliveryId: r.delivery_id, deliveryName: r.delivery_name } : null,
    deadline: afterSaleDeadlineAt(a, Date.parse(fetchedAt)),
    refundResp: a.refund_resp && (a.refund_resp.code || a.refund_resp.message) ? { code: a.refund_resp.code, ret: a.refund_resp.ret, message: a.refund_resp.message } : null,
    complaintId: a.complaint_id || null,
    shopOpenid: a.openid,
    unionid: a.unionid || null,
    createTime: isoOf(a.create_time),
    updateTime: isoOf(a.update_time),
    ...(a.refund_info.is_final_refund_by_insurance !== undefined ? { refundByInsurance: a.refund_info.is_final_refund_by_insurance } : {}),
    ...(a.refund_info.is_low_price_insurance_refund !== undefined ? { lowPriceInsuranceRefund: a.refund_info.is_low_price_insurance_refund } : {}),
    ...exchangeOf(a.exchange_product_info),
  }
}

/** exchange_product_info → the SKU and unit price asked for against the ordered one; nothing when incomplete. */
function exchangeOf(x: Record<string, unknown> | undefined): Pick<PlatformSnapshot, 'exchange'> {
  if (!x) return {}
  const id = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '')
  const fen = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 100_000_000 ? v : typeof v === 'string' && /^\d{1,9}$/.test(v) ? Number(v) : null)
  const oldSkuId = id(x.old_sku_id)
  const newSkuId = id(x.new_sku_id)
  const oldSkuPriceFen = fen(x.old_sku_price)
  const newSkuPriceFen = fen(x.new_sku_price)
  if (!oldSkuId || !newSkuId || oldSkuPriceFen === null || newSkuPriceFen === null) return {}
  return { exchange: { oldSkuId, newSkuId, oldSkuPriceFen, newSkuPriceFen } }
}
