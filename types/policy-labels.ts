/**
 * The seller's words for every policy field, and a field-level diff of two policies (version
 * history, the editor's unsaved-change count). Shared by the functions and the mini-program, so
 * no internal code (reason codes, template keys, field names) reaches a seller's screen.
 */
import { CASE_TYPE_LABELS, REASON_DEFAULTS, type CaseType, type ReasonCode, type Severity } from './domain'
import type { Policy } from './policy'
import { autoRuleText, type AutoRule } from './auto-rules'
import type { PolicyFieldChange } from './actions'

export const SEVERITY_EXPLAINED: Record<Severity, { short: string; long: string }> = {
  P1: { short: 'P1 紧急', long: 'P1 紧急：安全、过敏等可能伤害买家的问题' },
  P2: { short: 'P2 重要', long: 'P2 重要：质量问题、破损、错发漏发、丢件' },
  P3: { short: 'P3 一般', long: 'P3 一般：延迟、无理由退换、口感、尺码等' },
}

export const COMPENSATION_LABELS: Record<keyof Policy['compensation'], { label: string; unit: 'fen' | 'count' | 'percent' | 'days' }> = {
  latePerDayFen: { label: '物流延迟每天补偿', unit: 'fen' },
  lateCapFen: { label: '延迟补偿上限', unit: 'fen' },
  damagedPickupAboveUnits: { label: '破损超过几件上门取件', unit: 'count' },
  giftValueFen: { label: '错发赠品价值', unit: 'fen' },
  partialRefundPercent: { label: '小瑕疵部分退款比例', unit: 'percent' },
  couponFen: { label: '小瑕疵优惠券金额', unit: 'fen' },
  approvalThresholdFen: { label: '超过此金额需主管审批', unit: 'fen' },
  riskRefundCount90d: { label: '90天内退款几次标记风险', unit: 'count' },
  trustMinOrders: { label: '老客户（换货先发）：签收订单至少几单', unit: 'count' },
  trustOrderDays: { label: '老客户：统计最近几天签收的订单', unit: 'days' },
}

export const BUYER_WAIT_LABELS: Record<keyof Policy['buyerWait'], string> = {
  infoDays: '买家补充信息期限（天）',
  offerDays: '买家确认方案期限（天）',
  returnShipDays: '买家寄回商品期限（天）',
  appealDays: '买家申诉期限（天）',
  receiptDays: '自动确认收货（天）',
  rateDays: '买家评价期限（天）',
}

export const LIMIT_LABELS: Record<keyof Policy['limits'], string> = {
  maxRequestsPerSku: '每个商品最多申请次数',
  noReasonDays: '无理由退换天数',
  maxAppeals: '最多申诉次数',
  unsignedAfterShipDays: '发货几天未签收主动关怀',
}

export const SLA_FIELD_LABELS = {
  warnRatio: '用时达到多少比例时提醒',
  negativeReviewReplyHours: '差评回访时限（小时）',
  negativeReviewMaxScore: '几星及以下算差评',
  followUpVisitHours: '解决后几小时提醒回访（0 = 不提醒）',
} as const

export const TARGET_LABELS = { firstResponse: '首次响应', resolution: '解决' } as const
export const CLOCK_LABELS = { business: '按营业时间', calendar: '按自然时间', '24x7': '全天候（7×24）' } as const

/** Subscription message templates (policy.templates keys). */
export const TEMPLATE_LABELS: Record<string, string> = {
  case_update: '进度通知',
  action_required: '待您处理提醒',
  refund_notice: '退款通知',
  shipment_notice: '发货通知',
  survey: '满意度回访',
}

/** What a template field is filled with (policy.templates[*].fields values). */
export const TEMPLATE_SOURCE_LABELS: Record<string, string> = {
  caseNo: '售后单号',
  productName: '商品名称',
  statusPhrase: '处理状态',
  nextStep: '下一步',
  updatedAt: '更新时间',
  actionText: '需要买家做的事',
  deadline: '截止时间',
  amountFen: '金额',
  trackingNo: '快递单号',
  carrier: '快递公司',
  deadlineDate: '截止日期',
}

/** WeChat template field kinds (thing1 → 事物, time2 → 时间 …). */
const FIELD_KIND_LABELS: Record<string, string> = {
  thing: '文字',
  phrase: '短语',
  character_string: '编号',
  number: '数字',
  amount: '金额',
  time: '时间',
  date: '日期',
  name: '姓名',
  letter: '字母',
  symbol: '符号',
  phone_number: '电话',
  car_number: '车牌',
}

/** "thing2" → "第2项（文字）". */
export function templateFieldLabel(field: string): string {
  const m = /^([a-z_]+?)(\d+)$/.exec(field)
  if (!m) return field
  return `第${m[2]}项（${FIELD_KIND_LABELS[m[1]] ?? '其他'}）`
}

export const WEEKDAY_LABELS = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'] as const

export function reasonLabelOf(policy: Pick<Policy, 'reasons'>, code: string): string {
  return policy.reasons.find((r) => r.code === code)?.label ?? REASON_DEFAULTS[code as ReasonCode]?.label ?? code
}

const yuanText = (fen: number) => `¥${(fen / 100).toFixed(fen % 100 === 0 ? 0 : 2)}`
const minutesText = (m: number) => (m % (24 * 60) === 0 ? `${m / (24 * 60)}天` : m % 60 === 0 ? `${m / 60}小时` : `${m}分钟`)
const typesText = (ts: CaseType[]) => ts.map((t) => CASE_TYPE_LABELS[t] ?? t).join('、')
const textOf = (v: unknown): string => {
  if (v === undefined || v === null || v === '') return '（空）'
  if (Array.isArray(v)) return v.length ? v.join('、') : '（无）'
  if (typeof v === 'boolean') return v ? '是' : '否'
  return String(v)
}
const TRIM = 60
const short = (s: string) => (s.length > TRIM ? `${s.slice(0, TRIM)}…` : s)

/**
 * Field-level differences from `a` to `b`, labelled in Chinese. Reasons are matched by code (a
 * moved reason shows as 顺序), templates by key, canned replies by reason.
 *
 * @example diffPolicy(defaultPolicy, { ...defaultPolicy, compensation: { ...defaultPolicy.compensation, latePerDayFen: 1500 } })
 *   // → [{ path: 'compensation.latePerDayFen', label: '物流延迟每天补偿', before: '¥10', after: '¥15' }]
 */
export function diffPolicy(a: Policy, b: Policy): PolicyFieldChange[] {
  const out: PolicyFieldChange[] = []
  const push = (path: string, label: string, before: string, after: string) => {
    if (before !== after) out.push({ path, label, before: short(before), after: short(after) })
  }

  // reasons
  const codesA = a.reasons.map((r) => r.code)
  const codesB = b.reasons.map((r) => r.code)
  for (const r of b.reasons) {
    const old = a.reasons.find((x) => x.code === r.code)
    const name = r.label
    if (!old) {
      push(`reasons.${r.code}`, `售后原因「${name}」`, '（无）', `新增：${typesText(r.allowedTypes)}`)
      continue
    }
    push(`reasons.${r.code}.label`, `售后原因「${old.label}」的名称`, old.label, r.label)
    push(`reasons.${r.code}.team`, `「${name}」的处理小组`, teamText(a, old.team), teamText(b, r.team))
    push(`reasons.${r.code}.severity`, `「${name}」的紧急程度`, SEVERITY_EXPLAINED[old.severity].short, SEVERITY_EXPLAINED[r.severity].short)
    push(`reasons.${r.code}.allowedTypes`, `「${name}」可选的售后类型`, typesText(old.allowedTypes), typesText(r.allowedTypes))
    push(`reasons.${r.code}.enabled`, `售后原因「${name}」`, old.enabled === false ? '已删除' : '买家可选', r.enabled === false ? '已删除' : '买家可选')
    push(`reasons.${r.code}.channelsCode`, `「${name}」的视频号原因编号`, textOf(old.channelsCode), textOf(r.channelsCode))
  }
  for (const r of a.reasons) if (!codesB.includes(r.code)) push(`reasons.${r.code}`, `售后原因「${r.label}」`, typesText(r.allowedTypes), '（已删除）')
  const common = codesB.filter((c) => codesA.includes(c))
  const orderA = codesA.filter((c) => common.includes(c))
  if (orderA.join() !== common.join()) push('reasons.order', '售后原因的顺序', orderA.map((c) => reasonLabelOf(a, c)).join(' → '), common.map((c) => reasonLabelOf(b, c)).join(' → '))

  for (const t of b.teams) {
    const old = a.teams.find((x) => x.code === t.code)
    push(`teams.${t.code}`, '小组名称', old?.label ?? '（无）', t.label)
  }

  for (const k of Object.keys(COMPENSATION_LABELS) as (keyof Policy['compensation'])[]) {
    const { label, unit } = COMPENSATION_LABELS[k]
    const f = (v: number) => (unit === 'fen' ? yuanText(v) : unit === 'percent' ? `${v}%` : unit === 'days' ? `${v}天` : `${v}`)
    push(`compensation.${k}`, label, f(a.compensation[k]), f(b.compensation[k]))
  }

  for (const sev of ['P1', 'P2', 'P3'] as const) {
    for (const t of ['firstResponse', 'resolution'] as const) {
      const x = a.sla.targets[sev][t]
      const y = b.sla.targets[sev][t]
      push(`sla.targets.${sev}.${t}`, `${SEVERITY_EXPLAINED[sev].short} ${TARGET_LABELS[t]}时限`, `${minutesText(x.minutes)}（${CLOCK_LABELS[x.clock]}）`, `${minutesText(y.minutes)}（${CLOCK_LABELS[y.clock]}）`)
    }
  }
  for (const k of Object.keys(SLA_FIELD_LABELS) as (keyof typeof SLA_FIELD_LABELS)[]) {
    const f = (v: number | undefined) => (k === 'warnRatio' ? `${Math.round((v ?? 0) * 100)}%` : textOf(v))
    push(`sla.${k}`, SLA_FIELD_LABELS[k], f(a.sla[k]), f(b.sla[k]))
  }

  const hours = (p: Policy, d: string) => (p.calendar.businessHours[d as '0'] ?? []).map((w) => `${w.start}-${w.end}`).join('，') || '休息'
  for (let d = 0; d < 7; d++) push(`calendar.businessHours.${d}`, `${WEEKDAY_LABELS[d]}营业时间`, hours(a, String(d)), hours(b, String(d)))
  push('calendar.timezone', '时区', a.calendar.timezone, b.calendar.timezone)
  listDiff(a.calendar.holidays, b.calendar.holidays, 'calendar.holidays', '节假日', push)
  listDiff(a.calendar.makeupWorkdays ?? [], b.calendar.makeupWorkdays ?? [], 'calendar.makeupWorkdays', '调休上班日', push)

  for (const k of Object.keys(BUYER_WAIT_LABELS) as (keyof Policy['buyerWait'])[]) push(`buyerWait.${k}`, BUYER_WAIT_LABELS[k], textOf(a.buyerWait[k]), textOf(b.buyerWait[k]))
  for (const k of Object.keys(LIMIT_LABELS) as (keyof Policy['limits'])[]) push(`limits.${k}`, LIMIT_LABELS[k], textOf(a.limits[k]), textOf(b.limits[k]))
  listDiff(a.safetyKeywords, b.safetyKeywords, 'safetyKeywords', '安全关键词', push)

  const keys = [...new Set([...Object.keys(a.templates), ...Object.keys(b.templates)])]
  for (const key of keys) {
    const name = TEMPLATE_LABELS[key] ?? key
    const x = a.templates[key]
    const y = b.templates[key]
    push(`templates.${key}.templateId`, `「${name}」模板编号`, textOf(x?.templateId), textOf(y?.templateId))
    const fields = [...new Set([...Object.keys(x?.fields ?? {}), ...Object.keys(y?.fields ?? {})])]
    for (const f of fields) {
      const src = (v: string | undefined) => (v === undefined ? '（无）' : (TEMPLATE_SOURCE_LABELS[v] ?? v))
      push(`templates.${key}.fields.${f}`, `「${name}」${templateFieldLabel(f)}`, src(x?.fields[f]), src(y?.fields[f]))
    }
  }

  const replyCodes = [...new Set([...Object.keys(a.cannedReplies), ...Object.keys(b.cannedReplies)])]
  for (const code of replyCodes) {
    push(`cannedReplies.${code}`, `「${reasonLabelOf(b, code)}」快捷回复`, textOf(a.cannedReplies[code as ReasonCode]), textOf(b.cannedReplies[code as ReasonCode]))
  }
  const addr = (p: Policy) => [p.returnAddress?.name, p.returnAddress?.phone, p.returnAddress?.address].filter(Boolean).join(' ') || '（未设置）'
  push('returnAddress', '退货地址', addr(a), addr(b))

  // auto-decision rules (issue #24), by their stable id
  const ra = a.autoRules ?? []
  const rb = b.autoRules ?? []
  const ruleText = (p: Policy, r: AutoRule) => autoRuleText(r, (c) => reasonLabelOf(p, c))
  for (const r of rb) {
    const old = ra.find((x) => x.id === r.id)
    push(`autoRules.${r.id}`, `自动处理规则「${r.name}」`, old ? ruleText(a, old) : '（无）', ruleText(b, r))
  }
  for (const r of ra) if (!rb.some((x) => x.id === r.id)) push(`autoRules.${r.id}`, `自动处理规则「${r.name}」`, ruleText(a, r), '（已删除）')
  const kept = rb.filter((r) => ra.some((x) => x.id === r.id)).map((r) => r.id)
  const keptBefore = ra.filter((r) => kept.includes(r.id)).map((r) => r.id)
  const names = (p: Policy, ids: string[]) => ids.map((id) => (p.autoRules ?? []).find((r) => r.id === id)?.name ?? id).join(' → ')
  if (kept.join() !== keptBefore.join()) push('autoRules.order', '自动处理规则的顺序', names(a, keptBefore), names(b, kept))
  const inspect = (p: Policy) => (p.platformReturns?.inspectBeforeRefund === false ? '确认收货即退款' : '先验货再退款')
  push('platformReturns.inspectBeforeRefund', PLATFORM_RETURNS_LABEL, inspect(a), inspect(b))
  return out
}

/** The policy switch's label (editor and change list). */
export const PLATFORM_RETURNS_LABEL = '视频号小店退货：先验货再退款'

function teamText(p: Policy, code: string) {
  return p.teams.find((t) => t.code === code)?.label ?? code
}

function listDiff(a: string[], b: string[], path: string, label: string, push: (path: string, label: string, before: string, after: string) => void) {
  const added = b.filter((x) => !a.includes(x))
  const removed = a.filter((x) => !b.includes(x))
  if (added.length) push(`${path}.added`, `${label}（新增）`, '', added.join('、'))
  if (removed.length) push(`${path}.removed`, `${label}（删除）`, removed.join('、'), '')
}
