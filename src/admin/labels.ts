import { STAFF_STATUS_LABELS, type CaseStatus, type CommandType, type Severity, type StaffRole, type Team } from '@contract/domain'
import type { QueueTab, SlaView } from '@contract/actions'

/** Staff-facing wording (the buyer's wording lives in STATUS_LABELS of the contract). Statuses in the staff's words (one table in the contract, shared with the CSV export). */
export const STAFF_STATUS: Record<CaseStatus, string> = STAFF_STATUS_LABELS

/** What happens next, in the staff's words (the case view's `next.text` speaks to the buyer). */
export const STAFF_NEXT: Record<CaseStatus, string> = {
  submitted: '待受理：请尽快回复买家',
  awaiting_buyer: '等待买家补充信息',
  in_review: '处理中：请给出方案或处理结果',
  offer_pending: '等待买家确认方案',
  awaiting_return: '等待买家寄回商品',
  return_shipped: '退货运输中，收到后确认收货并验货',
  inspecting: '请验货',
  refunding: '退款处理中，等待到账',
  replacement_shipped: '等待买家确认收货',
  resolved: '已解决，等待买家评价',
  rejected: '已驳回，买家可在申诉期内申诉',
  closed: '已关闭',
  cancelled: '买家已撤销',
}

/** A shop (视频号小店) after-sale: the buyer acts and rates in WeChat, not here. */
export const STAFF_NEXT_PLATFORM: Partial<Record<CaseStatus, string>> = {
  awaiting_return: '等待买家在微信填写退货单号',
  resolved: '已解决（平台售后已完成）',
  rejected: '已驳回，买家可在微信申请平台介入',
}

export const TAB_LABELS: Record<QueueTab, string> = {
  mine: '我的',
  team: '本组',
  unassigned: '未分配',
  overdue: '已超时',
  escalated: '已升级',
  all: '全部',
  approvals: '待审批',
  reviews: '差评跟进',
  visits: '回访',
}
export const TABS: QueueTab[] = ['mine', 'team', 'unassigned', 'overdue', 'escalated', 'all', 'reviews', 'visits', 'approvals']

export const COMMAND_LABELS: Partial<Record<CommandType, string>> = {
  respond: '回复',
  ask_info: '要求补充',
  make_offer: '给出方案',
  withdraw_offer: '撤回方案',
  approve: '同意',
  reject: '驳回',
  receive_return: '确认收到退货',
  inspect: '验货',
  record_manual_refund: '登记线下退款',
  issue_refund: '退款',
  ship_replacement: '发出补发/换货',
  note: '内部备注',
  reassign: '转交',
  escalate: '升级',
}

export const SEVERITY_LABELS: Record<Severity, string> = { P1: 'P1 紧急', P2: 'P2 重要', P3: 'P3 一般' }
export const ROLE_LABELS: Record<StaffRole, string> = { agent: '客服', supervisor: '主管', owner: '店主' }
export const TEAM_LABELS: Record<Team, string> = { quality: '品质组', logistics: '物流组', warehouse: '仓库组', general: '综合客服' }
export const TEAMS: Team[] = ['quality', 'logistics', 'warehouse', 'general']
export const SLA_LABELS: Record<SlaView['state'], string> = { on_time: '正常', warning: '即将超时', breached: '已超时' }


/** Preset rejection reasons; the text sent is "【reason】message". */
export const REJECT_REASONS = ['凭证不足', '超出售后期限', '商品已影响二次销售', '不符合7天无理由条件', '问题非商品原因造成', '其他']

/** Engine rule that produced an offer (core/offers.ts), in the words of the seller's playbook. */
export const RULE_LABELS: Record<string, string> = {
  approved_request: '按买家申请同意',
  damaged_resend: '运输破损补发',
  late_delivery_per_day: '延迟按天补偿',
  lost_parcel_refund: '丢件退款',
  lost_parcel_resend: '丢件补发',
  minor_defect_coupon: '小瑕疵送券',
  minor_defect_partial_refund: '小瑕疵部分退款',
  missing_resend: '漏发补发',
  no_reason_return_after_inspection: '7天无理由（验货后退款）',
  not_buyer_fault_exchange: '非买家原因换货',
  not_buyer_fault_return: '非买家原因退货',
  serious_quality_full_refund: '严重质量问题全额退款',
  size_exchange: '尺码换货',
  size_return: '尺码退货',
  taste_exchange: '口感问题换货',
  taste_guidance_first: '口感问题先指导',
  taste_return: '口感问题退货',
  wrong_item_swap: '错发换正确商品+赠品',
  manual: '客服自定义',
}

export { OFFER_KIND_LABELS } from '@contract/domain'
