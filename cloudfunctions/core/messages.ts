/**
 * The ONE message catalogue: buyer-facing event → template key, next-step text and the data the
 * template fields are filled from. Field values are formatted to WeChat subscription-message
 * limits by field type (thing ≤ 20, phrase ≤ 5, character_string ≤ 32 …), truncating on
 * grapheme-cluster boundaries so no surrogate pair or emoji is ever cut.
 */
import type { BuyerMessageEvent, Case, CaseStatus, CommandType } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { formatYuan } from './money'
import { formatLocalTime, localDate } from './tz'

interface BuyerEventDef {
  templateKey: string
  /** the "next step" field; a function when it depends on the seller's policy */
  nextStep: string | ((policy: Policy) => string)
}

export const BUYER_EVENTS = {
  case_submitted: { templateKey: 'case_update', nextStep: '我们已收到申请，客服会尽快处理' },
  case_responded: { templateKey: 'case_update', nextStep: '客服已回复，请查看详情' },
  info_requested: { templateKey: 'action_required', nextStep: '请补充售后信息或凭证' },
  offer_made: { templateKey: 'action_required', nextStep: '请查看并确认售后方案' },
  return_requested: { templateKey: 'action_required', nextStep: '请寄回商品并填写单号' },
  // 运费险 pays the return: the buyer is never asked to pay it (issue 21)
  return_requested_insured: { templateKey: 'action_required', nextStep: '请寄回商品并填写单号，运费由运费险承担' },
  pickup_booked: { templateKey: 'case_update', nextStep: '快递将上门取件，运费由商家承担' },
  pickup_booked_insured: { templateKey: 'case_update', nextStep: '快递将上门取件，运费由运费险承担' },
  return_received: { templateKey: 'case_update', nextStep: '已收到退货，正在验货' },
  refund_issued: { templateKey: 'refund_notice', nextStep: '退款已发起，请留意到账' },
  refund_succeeded: { templateKey: 'refund_notice', nextStep: '退款已到账，感谢您的耐心' },
  replacement_shipped: { templateKey: 'shipment_notice', nextStep: '商品已发出，请留意查收' },
  case_resolved: { templateKey: 'case_update', nextStep: '售后已完成，欢迎评价' },
  case_rejected: { templateKey: 'case_update', nextStep: (p: Policy) => `如有异议可在${p.buyerWait.appealDays}天内申诉` },
  appeal_received: { templateKey: 'case_update', nextStep: '申诉已受理，主管将复核' },
  case_closed: { templateKey: 'case_update', nextStep: '售后单已关闭' },
  case_cancelled: { templateKey: 'case_update', nextStep: '您已撤销售后申请' },
  survey: { templateKey: 'survey', nextStep: '请为本次服务评分' },
  logistics_care: { templateKey: 'case_update', nextStep: '包裹未签收，我们正在跟进物流' },
} as const satisfies Record<string, BuyerEventDef>
export type BuyerEventKey = keyof typeof BUYER_EVENTS

export interface BuyerMessageDraft {
  event: BuyerEventKey
  extra?: MessageExtra
}

interface OnEnter {
  event: BuyerEventKey
  /** when this entry is not sent (another message already says it) */
  unless?: (c: Case, command: CommandType) => boolean
  extra?: (c: Case) => MessageExtra
}

/**
 * Which buyer messages go out when a case enters a status, whichever command moved it. Messages
 * tied to a command rather than a status (refund issued, pickup booked …) are sent by that command.
 */
export const ON_ENTER: Partial<Record<CaseStatus, OnEnter[]>> = {
  awaiting_buyer: [{ event: 'info_requested' }],
  offer_pending: [{ event: 'offer_made' }],
  // a booked pickup: pickup_booked already told the buyer
  awaiting_return: [
    { event: 'return_requested', unless: (c) => !!c.returnShipment?.pickup || c.returnShipment?.shippingPaidBy === 'insurance' },
    { event: 'return_requested_insured', unless: (c) => !!c.returnShipment?.pickup || c.returnShipment?.shippingPaidBy !== 'insurance' },
  ],
  replacement_shipped: [
    {
      event: 'replacement_shipped',
      extra: (c) => {
        const leg = c.replacementShipments.find((l) => l.status === 'shipped')
        return { carrier: leg?.carrier ?? undefined, trackingNo: leg?.trackingNo ?? undefined }
      },
    },
  ],
  rejected: [{ event: 'case_rejected' }],
  resolved: [{ event: 'case_resolved' }, { event: 'survey' }],
  cancelled: [{ event: 'case_cancelled' }],
  // the buyer closed it by rating: nothing to tell
  closed: [{ event: 'case_closed', unless: (_c, command) => command === 'rate' }],
}

/** The buyer messages for `c` having just entered its status by `command`. */
export function enterMessages(c: Case, command: CommandType): BuyerMessageDraft[] {
  return (ON_ENTER[c.status] ?? []).filter((m) => !m.unless?.(c, command)).map((m) => (m.extra ? { event: m.event, extra: m.extra(c) } : { event: m.event }))
}

/** 5-character status phrases (WeChat phrase field: ≤ 5 汉字). */
export const STATUS_PHRASES: Record<CaseStatus, string> = {
  submitted: '已受理',
  awaiting_buyer: '待补充',
  in_review: '处理中',
  offer_pending: '待确认',
  awaiting_return: '待寄回',
  return_shipped: '寄回中',
  inspecting: '验货中',
  refunding: '退款中',
  replacement_shipped: '已发货',
  resolved: '已解决',
  rejected: '已驳回',
  closed: '已关闭',
  cancelled: '已撤销',
}

export const LIMITS = { thing: 20, phrase: 5, character_string: 32, number: 32, name: 10, letter: 32, symbol: 5, phone_number: 17, car_number: 8 } as const

// built on first use: an Intl.Segmenter loads ICU's break rules (~15 ms), paid by every cold start when made at load
let segmenter: Intl.Segmenter | null = null

export function graphemes(s: string): string[] {
  return Array.from((segmenter ??= new Intl.Segmenter('zh', { granularity: 'grapheme' })).segment(s), (x) => x.segment)
}

export function codePointLength(s: string): number {
  return Array.from(s).length
}

/**
 * Truncate to at most `max` code points, cutting only between grapheme clusters; adds "…" when
 * something was cut. A single cluster longer than the room is dropped, never split.
 */
export function truncate(s: string, max: number, ellipsis = '…'): string {
  // no more UTF-16 units than the room: no more code points either
  if (s.length <= max || codePointLength(s) <= max) return s
  const room = max - codePointLength(ellipsis)
  let out = ''
  let used = 0
  for (const g of graphemes(s)) {
    const len = codePointLength(g)
    if (used + len > room) break
    out += g
    used += len
  }
  return room >= 0 ? out + ellipsis : ''
}

/** Remove lone surrogates and control characters, collapse whitespace. */
function clean(s: string): string {
  let out = ''
  // (a text without surrogates has no lone one to drop)
  if (!/[\ud800-\udfff]/.test(s)) out = s
  else for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0
    if (cp >= 0xd800 && cp <= 0xdfff) continue
    out += ch
  }
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return out.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim()
}

export type FieldValue = string | number | null | undefined

function toInstant(value: FieldValue): number {
  if (typeof value === 'number') return value
  const raw = value ?? ''
  if (!/^\d{4}-\d{2}-\d{2}/.test(raw)) return Number.NaN
  return Date.parse(raw)
}

const MIN_MS = Date.UTC(2000, 0, 1)
const MAX_MS = Date.UTC(9999, 0, 1)

/** The field's instant: the value's, else the fallback's, within 2000–9999; else null. */
function instantOf(value: FieldValue, fallback: FieldValue): number | null {
  for (const v of [value, fallback]) {
    const ms = toInstant(v ?? null)
    if (Number.isFinite(ms) && ms >= MIN_MS && ms < MAX_MS) return ms
  }
  return null
}

export interface FormatOptions {
  tz?: string
  /** used for time / date fields whose value is missing or invalid (WeChat rejects placeholders) */
  fallbackTime?: string
}

/**
 * Format one value for a WeChat field by the field name's type prefix (thing1 → thing).
 * time / date values that are missing or invalid use opts.fallbackTime, else "-".
 */
export function formatField(fieldName: string, value: FieldValue, opts: FormatOptions = {}): string {
  const tz = opts.tz ?? 'Asia/Shanghai'
  const type = fieldName.replace(/\d+$/, '')
  const raw = value === null || value === undefined ? '' : String(value)
  switch (type) {
    case 'amount': {
      const fen = typeof value === 'number' ? value : Number.parseInt(raw, 10)
      return formatYuan(Number.isFinite(fen) ? Math.min(fen, 1e15) : 0)
    }
    case 'time': {
      const ms = instantOf(value, opts.fallbackTime)
      return ms === null ? '-' : formatLocalTime(ms, tz)
    }
    case 'date': {
      if (/^\d{4}-\d{2}-\d{2}$/.test(raw)) return raw
      const ms = instantOf(value, opts.fallbackTime)
      return ms === null ? '-' : localDate(ms, tz)
    }
    case 'character_string': {
      const s = raw.replace(/[^\x21-\x7e]/g, '').slice(0, LIMITS.character_string)
      return s || '-'
    }
    case 'number': {
      const s = raw.replace(/[^0-9]/g, '').slice(0, LIMITS.number)
      return s || '0'
    }
    case 'letter': {
      const s = raw.replace(/[^A-Za-z]/g, '').slice(0, LIMITS.letter)
      return s || 'A'
    }
    case 'phone_number': {
      const s = raw.replace(/[^0-9+-]/g, '').slice(0, LIMITS.phone_number)
      return s || '-'
    }
    case 'phrase': {
      // phrase: ≤ 5 汉字 only
      const han = Array.from(clean(raw)).filter((c) => /\p{Script=Han}/u.test(c)).join('')
      return han ? truncate(han, LIMITS.phrase, '') : '处理中'
    }
    default: {
      const max = (LIMITS as Record<string, number>)[type] ?? LIMITS.thing
      const s = truncate(clean(raw), max)
      return s || '无'
    }
  }
}

function productName(c: Case): string {
  const first = c.claimedItems[0]
  const name = c.order.items.find((i) => i.skuId === first?.skuId)?.name ?? '商品'
  return c.claimedItems.length > 1 ? `${name}等${c.claimedItems.length}件` : name
}

export interface MessageExtra {
  amountFen?: number
  deadline?: string
  trackingNo?: string
  carrier?: string
  actionText?: string
}

/**
 * Build the outbox event for a buyer-facing business event, or null when the policy has no
 * template for it (seller did not configure it).
 */
export function buildBuyerMessage(event: BuyerEventKey, c: Case, policy: Policy, key: string, nowIso: string, extra: MessageExtra = {}): BuyerMessageEvent | null {
  const def: BuyerEventDef = BUYER_EVENTS[event]
  const tpl = policy.templates[def.templateKey]
  if (!tpl) return null
  const nextStep = typeof def.nextStep === 'function' ? def.nextStep(policy) : def.nextStep
  const source: Record<string, FieldValue> = {
    caseNo: c.caseNo,
    productName: productName(c),
    statusPhrase: STATUS_PHRASES[c.status],
    statusText: c.status,
    nextStep,
    actionText: extra.actionText ?? nextStep,
    updatedAt: nowIso,
    deadline: extra.deadline ?? c.buyerDeadline?.dueAt ?? null,
    deadlineDate: extra.deadline ?? c.buyerDeadline?.dueAt ?? null,
    amountFen: extra.amountFen ?? null,
    trackingNo: extra.trackingNo ?? null,
    carrier: extra.carrier ?? null,
    orderId: c.order.orderId,
  }
  const data: Record<string, { value: string }> = {}
  for (const [field, src] of Object.entries(tpl.fields)) {
    data[field] = { value: formatField(field, source[src], { tz: policy.calendar.timezone, fallbackTime: nowIso }) }
  }
  return {
    kind: 'buyer_message',
    key,
    event,
    templateKey: def.templateKey,
    templateId: tpl.templateId,
    caseId: c.id,
    openid: c.buyerOpenid,
    page: casePage(c.id),
    data,
  }
}

export function casePage(caseId: string): string {
  return `pages/case/index?id=${encodeURIComponent(caseId)}`
}

/** Check a formatted value against its field's WeChat limit (used by tests and adapters). */
export function withinLimit(fieldName: string, value: string): boolean {
  const type = fieldName.replace(/\d+$/, '')
  switch (type) {
    case 'amount':
      return /^\d+\.\d{2}元$/.test(value)
    case 'time':
      return /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(value)
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(value)
    case 'character_string':
      return /^[\x21-\x7e]{1,32}$/.test(value)
    case 'number':
      return /^\d{1,32}$/.test(value)
    case 'phrase':
      return codePointLength(value) >= 1 && codePointLength(value) <= 5
    default: {
      const max = (LIMITS as Record<string, number>)[type] ?? LIMITS.thing
      return codePointLength(value) >= 1 && codePointLength(value) <= max && !/[\ud800-\udfff]/.test(value.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))
    }
  }
}
