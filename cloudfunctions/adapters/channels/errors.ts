/**
 * errcode → ShopError for the Channels shop API. Codes from the platform's pages (PLATFORM-FACTS §1,
 * each endpoint's 错误码 table) and the general WeChat codes (-1, 40001, 42001, 45009 …).
 */
import { ShopError, type ShopErrorKind } from '../../ports/shop'

/** errcode of 数据版本号不匹配 (PLATFORM-FACTS §6): refetch, then retry */
export const VERSION_MISMATCH_ERRCODE = 100004
/** errcode of the 11th 补发货 on one order as the stand-in answers it (unconfirmed: the desk refuses before calling) */
export const DELIVERY_COMPENSATION_LIMIT_ERRCODE = 10021200

const KIND_BY_CODE: Record<number, ShopErrorKind> = {
  [-1]: 'transient', // 系统繁忙
  9700223: 'transient', // 系统失败
  10021044: 'transient', // 当前用户太多,请稍后再试
  40001: 'token', // access_token 无效
  40014: 'token', // 不合法的 access_token
  41001: 'token', // 缺少 access_token
  42001: 'token', // access_token 超时
  40013: 'token', // 不合法的 AppID
  40125: 'token', // 不合法的 AppSecret
  40164: 'token', // 调用 IP 不在白名单
  45009: 'rate_limited', // 接口调用超过每日限额
  45011: 'rate_limited', // 调用太频繁
  10021059: 'rate_limited', // 同一售后单每分钟只能调用一次
  10021045: 'refund_failed',
  10021046: 'insufficient_funds',
  10021068: 'needs_negotiation',
  10021051: 'dispute_open',
  10021060: 'address_invalid',
  10021062: 'address_invalid',
  10020004: 'window_too_long',
  10020000: 'not_found', // 售后单号不存在 / 不合法
  10021050: 'not_found',
  10021057: 'not_found',
  10021085: 'not_found', // 获取订单信息失败
  10020001: 'rejected', // 售后单状态不合法
  10021041: 'rejected', // 当前售后单不支持此操作
  10021043: 'rejected', // 售后单非当前账号
  10020261: 'rejected', // 存在不合规字符
  10021083: 'rejected', // 请求ID不合法
  10021084: 'rejected', // 售后原因不合法
  10021086: 'rejected', // 虚拟商品不支持退货退款
  10021088: 'rejected', // 订单不支持代发起售后
  10021089: 'rejected', // request_id 对应的售后单已经发起
  // 数据版本号不匹配: the adapter re-reads and repeats the call once; persisting, the outbox retries later
  100004: 'transient',
  // 补发次数已达上限 (10 per order): the code is the stand-in's; the official table was not readable (README)
  [DELIVERY_COMPENSATION_LIMIT_ERRCODE]: 'rejected',
  // disputes (纠纷单) and platform tickets (客诉工单)
  10021500: 'not_found', // 纠纷单号不存在
  10021501: 'rejected', // 单条留言文字数量过多
  10021502: 'rejected', // 所有留言图片总数过多
  10021503: 'rejected', // 不是待客服处理的状态,无法留言
  10021504: 'rejected', // 不是待商家举证的状态
  1600001: 'rejected', // 该工单已处理
}

/** The agent's words for the dispute codes (the kind alone says too little). */
export const DISPUTE_ZH: Record<number, string> = {
  10021500: '平台上找不到该纠纷单',
  10021501: '留言/举证文字超过平台上限（500字）',
  10021502: '该纠纷所有留言图片合计超过平台上限（20张）',
  10021503: '纠纷当前不在「客服处理中」，平台不接受留言',
  10021504: '纠纷当前不是「待商家举证」，平台不接受举证',
}

const ZH: Record<ShopErrorKind, string> = {
  token: '微信小店接口凭证无效或已失效（请检查 AppID / AppSecret 配置与 IP 白名单）',
  rate_limited: '平台限制调用频率（同一售后单每分钟只能操作一次），已安排稍后自动重试',
  transient: '微信平台繁忙或网络异常，稍后自动重试',
  refund_failed: '平台退款失败，请稍后重试或与买家协商处理',
  insufficient_funds: '店铺账户可用余额不足，平台无法退款，请充值后重试',
  needs_negotiation: '平台要求先与买家协商（售后协商），协商无果后才能拒绝',
  dispute_open: '买家已发起纠纷，平台介入中，暂不能在此操作，请到微信小店后台处理',
  address_invalid: '退货地址缺失或无效，请选择店铺的退货地址后重试',
  window_too_long: '查询的时间范围超出平台限制',
  not_found: '平台上找不到该订单或售后单',
  rejected: '平台拒绝了此操作：售后单当前状态不允许（可能买家已取消或状态已变化）',
  unknown: '微信小店接口返回了未识别的错误',
}

export function kindOf(errcode: number): ShopErrorKind {
  return KIND_BY_CODE[errcode] ?? 'unknown'
}

/** The agent's message: what happened in Chinese, plus the platform's own words when it gave any. */
export function shopError(kind: ShopErrorKind, errcode: number, errmsg: string, path: string, retryAt: string | null = null): ShopError {
  const detail = errmsg ? `（平台：${errcode ? `${errcode} ` : ''}${errmsg}）` : ''
  return new ShopError(kind, errcode, errmsg, (DISPUTE_ZH[errcode] ?? ZH[kind]) + detail, retryAt, path)
}

export function fromErrcode(errcode: number, errmsg: string, path: string, retryAt: string | null = null): ShopError {
  return shopError(kindOf(errcode), errcode, errmsg, path, retryAt)
}
