import type { BuyerCommand } from '@contract/actions'
import type { DesiredRemedy, ReturnShipment, Refund, ReplacementShipment } from '@contract/domain'

/** Buyer-facing words for enums the contract does not label itself. Presentation only. */
export const REMEDY_LABELS: Record<DesiredRemedy, string> = {
  refund: '退款',
  return_refund: '退货退款',
  exchange: '换货',
  resend: '补发',
  compensation: '补偿',
  contact_me: '请客服联系我',
}


export const ACTION_LABELS: Record<BuyerCommand, string> = {
  provide_info: '补充信息',
  accept_offer: '接受方案',
  decline_offer: '不接受方案',
  ship_return: '填写退货物流',
  confirm_receipt: '确认收货',
  rate: '评价服务',
  cancel: '撤销申请',
  appeal: '申请复核',
}

export const RETURN_STATUS_LABELS: Record<ReturnShipment['status'], string> = {
  pending: '待寄回',
  shipped: '已寄出',
  received: '商家已收到',
}

export const REFUND_STATUS_LABELS: Record<Refund['status'], string> = {
  pending: '退款中',
  succeeded: '已到账',
  failed: '退款失败',
}

export const REPLACEMENT_STATUS_LABELS: Record<ReplacementShipment['status'], string> = {
  to_ship: '待发货',
  shipped: '已发货',
  received: '已签收',
}

export const ACTOR_LABELS = { buyer: '需要您处理', seller: '等待商家处理', none: '' } as const

export { OFFER_KIND_LABELS } from '@contract/domain'
