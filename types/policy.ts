/**
 * The ONE seller policy: reasons, teams, compensation, SLA, calendar, buyer waits, limits,
 * message templates and canned replies. Seller-editable, validated with parsePolicy().
 * zod only — shared with the mini-program.
 */
import { z } from 'zod'
import {
  CaseTypeSchema,
  DateStringSchema,
  MAX_FEN,
  MAX_PERK_FEN,
  ReviewCauseSchema,
  REASON_CODES,
  REASON_DEFAULTS,
  ReasonCodeSchema,
  SeveritySchema,
  SlaClockSchema,
  StaffAlertKindSchema,
  TeamSchema,
  type CaseType,
  type ReasonCode,
  type Severity,
  type Team,
} from './domain'
import { CarePolicySchema } from './care'
import { AutoRulesSchema } from './auto-rules'

/** Closed days (and make-up days) the policy lists: enough for a decade of statutory holidays. */
export const MAX_HOLIDAYS = 400

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, '时间应为 HH:mm')

export const BusinessWindowSchema = z
  .object({ start: HHMM, end: HHMM })
  .refine((w) => w.start < w.end, { message: '营业时间的开始必须早于结束' })
export type BusinessWindow = z.infer<typeof BusinessWindowSchema>

export const ReasonPolicySchema = z.object({
  code: ReasonCodeSchema,
  label: z.string().min(1).max(20),
  team: TeamSchema,
  severity: SeveritySchema,
  allowedTypes: z.array(CaseTypeSchema).min(1),
  channelsCode: z.string().regex(/^\d{2}$/).nullable(),
  /**
   * false = removed from the buyer's form (the code stays in the policy because past cases and the
   * Channels mapping still name it); the editor "adds" a reason back by enabling it. Order = the form's order.
   */
  enabled: z.boolean().default(true),
})
export type ReasonPolicy = z.infer<typeof ReasonPolicySchema>

/** An SLA target is at most 90 days: anything longer is a typo, and deadline math stays bounded. */
export const SLA_MAX_MINUTES = 90 * 24 * 60
export const SlaTargetPolicySchema = z.object({ minutes: z.number().int().min(1).max(SLA_MAX_MINUTES, '时限不能超过90天'), clock: SlaClockSchema })

/** Ranges of the policy's numbers (counts, days, hours): a value outside one is a typo, never a setting. */
const int = (min: number, max: number) => z.number().int().min(min, `不能小于${min}`).max(max, `不能大于${max}`)
const days = int(1, 90)
const fen = (max: number) => int(0, max)

const SeverityTargetsSchema = z.object({ firstResponse: SlaTargetPolicySchema, resolution: SlaTargetPolicySchema })

export const TemplateSchema = z.object({
  templateId: z.string(),
  /** WeChat field name (thing1, time2, amount3, phrase4, character_string5, number6, date7) → source key */
  fields: z.record(z.string().regex(/^(thing|phrase|character_string|number|amount|time|date|name|letter|symbol|phone_number|car_number)\d+$/, '字段名应为 thing1 / time2 这类微信模板字段'), z.string()),
})
export type TemplatePolicy = z.infer<typeof TemplateSchema>

/**
 * A team's WeCom (企业微信) group robot. The webhook key is a secret: the policy only names the
 * environment variable that holds it (set on the notify function), and nothing ever shows it back.
 */
export const WecomRobotSchema = z.object({
  team: TeamSchema,
  keyEnv: z.string().regex(/^WECOM_KEY_[A-Z0-9_]{1,40}$/, '应填环境变量名（如 WECOM_KEY_QUALITY），不要填密钥本身'),
  msgtype: z.enum(['markdown', 'text']).default('markdown'),
  /** alert kinds posted to the group; empty = every kind */
  alerts: z.array(StaffAlertKindSchema).default([]),
})
export type WecomRobot = z.infer<typeof WecomRobotSchema>

export const StaffAlertPolicySchema = z.object({
  /**
   * subscription message template staff subscribe to from the admin pages (one-time credits).
   * Sources: alertLabel, caseNo, text, at, dueAt (the alert's deadline, else the case's), and the
   * alert's context: productName, buyerName, reasonLabel, amountFen.
   */
  template: TemplateSchema,
  wecom: z.array(WecomRobotSchema).max(20).default([]),
})

/** Closing the loop (seeds 001, 002): approvals that wait, 差评 follow-up. */
export const LoopPolicySchema = z.object({
  /** an approval nobody answered within this many hours goes to the owner */
  approvalEscalateHours: z.number().int().min(1).max(72),
  /** comment words that make any rating a negative review (差评), whatever the score */
  negativeKeywords: z.array(z.string().min(1).max(20)).max(50),
  /** public reply drafts per cause (edited by the agent before recording) */
  replyDrafts: z.record(ReviewCauseSchema, z.string().max(500)),
})

const DEFAULT_LOOP: z.input<typeof LoopPolicySchema> = {
  approvalEscalateHours: 4,
  negativeKeywords: ['差评', '失望', '太差', '垃圾', '骗人', '不会再买', '态度差', '难吃', '假货'],
  replyDrafts: {
    product: '非常抱歉这次的商品没有让您满意。我们已第一时间联系您处理，并把问题反馈给品控部门改进，感谢您的监督。',
    logistics: '抱歉让您久等了。物流延误不是我们想看到的，我们已与快递核实并为您做了补偿，后续会优化发货与配送。',
    service: '抱歉这次的服务让您不愉快。我们已复盘沟通过程并改进，欢迎您随时联系我们，我们一定认真对待。',
    expectation: '感谢您的反馈。商品的口感和使用体验因人而异，我们已为您提供了搭配建议与退换方案，欢迎随时联系客服。',
    other: '感谢您的反馈，我们已联系您了解情况并处理，会持续改进，期待您再次光临。',
  },
}

const DEFAULT_STAFF_ALERTS: z.input<typeof StaffAlertPolicySchema> = {
  template: {
    templateId: 'TEMPLATE_STAFF_ALERT',
    fields: { thing1: 'alertLabel', character_string2: 'caseNo', thing3: 'text', time4: 'at' },
  },
  wecom: [],
}

export const PolicySchema = z
  .object({
    version: z.number().int().min(1),
    reasons: z.array(ReasonPolicySchema).min(1),
    teams: z.array(z.object({ code: TeamSchema, label: z.string().min(1) })).min(1),
    compensation: z.object({
      latePerDayFen: fen(MAX_PERK_FEN),
      lateCapFen: fen(MAX_PERK_FEN),
      damagedPickupAboveUnits: int(0, 10_000),
      giftValueFen: fen(MAX_PERK_FEN),
      partialRefundPercent: int(1, 100),
      couponFen: fen(MAX_PERK_FEN),
      approvalThresholdFen: fen(MAX_FEN),
      riskRefundCount90d: int(1, 1000),
      /** 老客户 (two-way exchange, 双向发货): at least this many orders signed for … */
      trustMinOrders: int(1, 1000).default(5),
      /** … within this many days, and no refunded or risk-flagged case in the last 90 days (a supervisor's decision overrides) */
      trustOrderDays: int(7, 730).default(180),
    }),
    sla: z.object({
      targets: z.object({ P1: SeverityTargetsSchema, P2: SeverityTargetsSchema, P3: SeverityTargetsSchema }),
      warnRatio: z.number().min(0.1, '预警比例不能小于0.1').max(0.95, '预警比例不能大于0.95'),
      /** negative-review follow-up must be answered within this many hours */
      negativeReviewReplyHours: int(1, 720),
      /** rating at or below this is a negative review */
      negativeReviewMaxScore: int(1, 5),
      /** remind the agent to visit the buyer (回访) this many hours after resolution; 0 = off */
      followUpVisitHours: int(0, 720).default(48),
    }),
    calendar: z.object({
      timezone: z.string().min(1),
      /** key = weekday 0 (Sunday) … 6 (Saturday); missing / empty = closed */
      businessHours: z.record(z.enum(['0', '1', '2', '3', '4', '5', '6']), z.array(BusinessWindowSchema).max(8, '每天最多8个营业时间段')),
      holidays: z.array(DateStringSchema).max(MAX_HOLIDAYS, `休息日最多${MAX_HOLIDAYS}个`),
      /** 调休补班: weekend dates that are working days (use Monday's hours) */
      makeupWorkdays: z.array(DateStringSchema).max(MAX_HOLIDAYS, `补班日最多${MAX_HOLIDAYS}个`).default([]),
    }),
    buyerWait: z.object({
      infoDays: days,
      offerDays: days,
      returnShipDays: days,
      appealDays: days,
      receiptDays: days,
      rateDays: days,
    }),
    limits: z.object({
      maxRequestsPerSku: int(1, 100),
      noReasonDays: days,
      maxAppeals: int(0, 10),
      /** orders shipped more than N days ago and not signed → proactive logistics case */
      unsignedAfterShipDays: int(1, 60),
    }),
    /** words in the description that make any case a safety case (P1) */
    safetyKeywords: z.array(z.string().min(1).max(20)).max(200),
    templates: z.record(z.string(), TemplateSchema),
    /** canned replies per reason code (guidance first for taste / usage) */
    cannedReplies: z.record(ReasonCodeSchema, z.string()).default({}),
    /** where buyers send returns (shown on the return form); empty address = not set yet */
    returnAddress: z
      .object({ name: z.string().max(40), phone: z.string().max(30), address: z.string().max(200) })
      .default({ name: '', phone: '', address: '' }),
    /** where staff alerts go besides the inbox: subscription messages and WeCom group robots */
    staffAlerts: StaffAlertPolicySchema.default(DEFAULT_STAFF_ALERTS),
    loop: LoopPolicySchema.default(DEFAULT_LOOP),
    /** batch watch, 签收回访, 差好评 words (issue 24, types/care.ts) */
    care: CarePolicySchema.default({}),
    /** auto-decision rules (issue #24), first enabled one that fits decides; see ./auto-rules.ts */
    autoRules: AutoRulesSchema.default([]),
    /** 视频号小店 returns: the goods are received and inspected (验货) before the platform is told to refund */
    platformReturns: z.object({ inspectBeforeRefund: z.boolean().default(true) }).default({ inspectBeforeRefund: true }),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>()
    p.reasons.forEach((r, i) => {
      if (seen.has(r.code)) ctx.addIssue({ code: 'custom', path: ['reasons', i, 'code'], message: `原因 ${r.code} 重复` })
      seen.add(r.code)
    })
    for (const code of REASON_CODES) {
      if (!seen.has(code)) ctx.addIssue({ code: 'custom', path: ['reasons'], message: `缺少原因 ${code}` })
    }
    if (!p.reasons.some((r) => r.enabled !== false)) ctx.addIssue({ code: 'custom', path: ['reasons'], message: '至少保留一个售后原因' })
    // Deadline math must always finish: at least an hour of business time a week, and no business-clock
    // target longer than half a year of it (with at most MAX_HOLIDAYS closed days on top, a deadline
    // is then found within ~600 days, inside the core calendar's scan).
    const weekly = weeklyBusinessMinutes(p.calendar.businessHours)
    if (weekly < 60) ctx.addIssue({ code: 'custom', path: ['calendar', 'businessHours'], message: '每周营业时间至少需要1小时，否则无法计算时限' })
    else {
      for (const sev of ['P1', 'P2', 'P3'] as const) {
        for (const target of ['firstResponse', 'resolution'] as const) {
          const t = p.sla.targets[sev][target]
          if (t.clock === 'business' && t.minutes > weekly * 26)
            ctx.addIssue({ code: 'custom', path: ['sla', 'targets', sev, target, 'minutes'], message: `按营业时间计的时限超过半年的营业时间（每周${Math.round(weekly / 60)}小时），无法计算截止时间` })
        }
      }
    }
    for (const [day, ws] of Object.entries(p.calendar.businessHours)) {
      const sorted = [...(ws ?? [])].sort((a, b) => (a.start < b.start ? -1 : 1))
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].start < sorted[i - 1].end)
          ctx.addIssue({ code: 'custom', path: ['calendar', 'businessHours', day], message: '营业时间段不能重叠' })
      }
    }
    const robotTeams = new Set<string>()
    p.staffAlerts.wecom.forEach((r, i) => {
      if (robotTeams.has(r.team)) ctx.addIssue({ code: 'custom', path: ['staffAlerts', 'wecom', i, 'team'], message: `${r.team} 已配置了企业微信机器人` })
      robotTeams.add(r.team)
    })
    if (p.compensation.lateCapFen < p.compensation.latePerDayFen)
      ctx.addIssue({ code: 'custom', path: ['compensation', 'lateCapFen'], message: '延迟补偿上限不能低于每日补偿金额' })
    try {
      // the default zone needs no check: the first DateTimeFormat with a zone loads ICU's zone data (~14 ms of a cold start)
      if (p.calendar.timezone !== 'Asia/Shanghai') new Intl.DateTimeFormat('en-US', { timeZone: p.calendar.timezone })
    } catch {
      ctx.addIssue({ code: 'custom', path: ['calendar', 'timezone'], message: `未知时区 ${p.calendar.timezone}` })
    }
  })

export type Policy = z.output<typeof PolicySchema>

/** Minutes of business time in a regular week (holidays aside). */
export function weeklyBusinessMinutes(hours: Partial<Record<string, { start: string; end: string }[]>>): number {
  const min = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))
  return Object.values(hours).reduce((sum, ws) => sum + (ws ?? []).reduce((s, w) => s + Math.max(0, min(w.end) - min(w.start)), 0), 0)
}
export type PolicyInput = z.input<typeof PolicySchema>

const P1: ReasonCode[] = ['safety_allergy']
const P2: ReasonCode[] = ['quality_defect', 'not_as_described', 'damaged_in_transit', 'wrong_item', 'missing_item', 'lost_parcel']

const TEAM_OF: Record<ReasonCode, Team> = {
  quality_defect: 'quality',
  not_as_described: 'quality',
  safety_allergy: 'quality',
  damaged_in_transit: 'logistics',
  missing_item: 'warehouse',
  wrong_item: 'warehouse',
  lost_parcel: 'logistics',
  late_delivery: 'logistics',
  no_reason_7d: 'general',
  // seeds' 分类管理: usage problems sit with quality problems (the team that knows the product); guidance first
  taste_usage: 'quality',
  size_fit: 'general',
  other: 'general',
}

const TYPES_OF: Record<ReasonCode, CaseType[]> = {
  quality_defect: ['refund_only', 'return_refund', 'exchange', 'resend', 'compensation'],
  not_as_described: ['refund_only', 'return_refund', 'exchange', 'compensation'],
  safety_allergy: ['refund_only', 'return_refund'],
  damaged_in_transit: ['resend', 'refund_only', 'return_refund', 'exchange', 'compensation'],
  missing_item: ['resend', 'refund_only'],
  wrong_item: ['exchange', 'resend', 'return_refund'],
  lost_parcel: ['resend', 'refund_only', 'logistics'],
  late_delivery: ['compensation', 'logistics', 'refund_only'],
  no_reason_7d: ['return_refund', 'exchange'],
  taste_usage: ['return_refund', 'exchange', 'compensation'],
  size_fit: ['exchange', 'return_refund'],
  other: ['refund_only', 'return_refund', 'exchange', 'resend', 'compensation', 'logistics'],
}

function severityOf(code: ReasonCode): Severity {
  if (P1.includes(code)) return 'P1'
  if (P2.includes(code)) return 'P2'
  return 'P3'
}

const weekday = [{ start: '09:00', end: '21:00' }]

/** Defaults from DESIGN §3 (seeds 000–004). */
export const defaultPolicy: Policy = {
  version: 1,
  reasons: REASON_CODES.map((code) => ({
    code,
    label: REASON_DEFAULTS[code].label,
    team: TEAM_OF[code],
    severity: severityOf(code),
    allowedTypes: TYPES_OF[code],
    channelsCode: REASON_DEFAULTS[code].channelsCode,
    enabled: true,
  })),
  teams: [
    { code: 'quality', label: '品质组' },
    { code: 'logistics', label: '物流组' },
    { code: 'warehouse', label: '仓库组' },
    { code: 'general', label: '综合客服' },
  ],
  compensation: {
    latePerDayFen: 1000,
    lateCapFen: 5000,
    damagedPickupAboveUnits: 3,
    giftValueFen: 1000,
    partialRefundPercent: 20,
    couponFen: 1000,
    approvalThresholdFen: 20000,
    riskRefundCount90d: 3,
    trustMinOrders: 5,
    trustOrderDays: 180,
  },
  sla: {
    targets: {
      // safety cases run around the clock ("immediate"): nights, weekends and holidays count
      P1: { firstResponse: { minutes: 60, clock: '24x7' }, resolution: { minutes: 24 * 60, clock: '24x7' } },
      P2: { firstResponse: { minutes: 4 * 60, clock: 'business' }, resolution: { minutes: 72 * 60, clock: 'calendar' } },
      P3: { firstResponse: { minutes: 12 * 60, clock: 'business' }, resolution: { minutes: 7 * 24 * 60, clock: 'calendar' } },
    },
    warnRatio: 0.8,
    negativeReviewReplyHours: 24,
    negativeReviewMaxScore: 2,
    followUpVisitHours: 48,
  },
  calendar: {
    timezone: 'Asia/Shanghai',
    businessHours: { '0': [], '1': weekday, '2': weekday, '3': weekday, '4': weekday, '5': weekday, '6': [{ start: '10:00', end: '18:00' }] },
    // 2026 statutory holidays (元旦, 春节, 清明, 劳动节, 端午, 中秋, 国庆) — seller-editable
    holidays: [
      '2026-01-01', '2026-01-02', '2026-01-03',
      '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
      '2026-04-04', '2026-04-05', '2026-04-06',
      '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
      '2026-06-19', '2026-06-20', '2026-06-21',
      '2026-09-25', '2026-09-26', '2026-09-27',
      '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
    ],
    makeupWorkdays: [],
  },
  buyerWait: { infoDays: 3, offerDays: 3, returnShipDays: 7, appealDays: 7, receiptDays: 10, rateDays: 7 },
  platformReturns: { inspectBeforeRefund: true },
  limits: { maxRequestsPerSku: 5, noReasonDays: 7, maxAppeals: 1, unsignedAfterShipDays: 3 },
  safetyKeywords: ['过敏', '中毒', '受伤', '异物', '烫伤', '腹泻', '呕吐', '变质', '发霉'],
  templates: {
    case_update: {
      templateId: 'TEMPLATE_CASE_UPDATE',
      fields: { character_string1: 'caseNo', thing2: 'productName', phrase3: 'statusPhrase', thing4: 'nextStep', time5: 'updatedAt' },
    },
    action_required: {
      templateId: 'TEMPLATE_ACTION_REQUIRED',
      fields: { character_string1: 'caseNo', thing2: 'actionText', time3: 'deadline', thing4: 'productName' },
    },
    refund_notice: {
      templateId: 'TEMPLATE_REFUND',
      fields: { character_string1: 'caseNo', amount2: 'amountFen', thing3: 'productName', time4: 'updatedAt', thing5: 'nextStep' },
    },
    shipment_notice: {
      templateId: 'TEMPLATE_SHIPMENT',
      fields: { character_string1: 'trackingNo', thing2: 'carrier', thing3: 'productName', time4: 'updatedAt' },
    },
    survey: {
      templateId: 'TEMPLATE_SURVEY',
      fields: { character_string1: 'caseNo', thing2: 'productName', thing3: 'nextStep', date4: 'deadlineDate' },
    },
  },
  cannedReplies: {
    taste_usage:
      '口感因人而异，建议先按包装上的方法冲泡或食用，适当调整用量、水温或搭配，口感会更好；如尝试后仍无法接受，我们再为您办理退换。',
    damaged_in_transit: '非常抱歉商品在运输中受损，请提供照片或小视频，我们马上为您补发。',
    missing_item: '非常抱歉给您漏发了商品，我们立即为您补发，并通知仓库核查。',
    wrong_item: '非常抱歉发错了商品，我们马上寄出正确的商品并附上小礼物，错发的商品安排快递上门取回。',
    late_delivery: '非常抱歉物流延误，我们已联系快递催派，并按每延迟一天补偿给您。',
    quality_defect: '非常抱歉商品有质量问题，请提供照片或小视频，我们核实后马上为您处理退换。',
    not_as_described: '非常抱歉商品与描述不符，请告诉我们具体哪里不一样并附上照片，我们核实后为您退换。',
    size_fit: '规格不合适可以为您换货或退货，请保持商品完好、不影响二次销售。',
    no_reason_7d: '签收后7天内可以无理由退货，请保持商品完好、不影响二次销售，验货通过后为您退款。',
  },
  returnAddress: { name: '售后组', phone: '0571-88886666', address: '浙江省杭州市西湖区龙井路 88 号 演示茶庄售后仓' },
  staffAlerts: StaffAlertPolicySchema.parse(DEFAULT_STAFF_ALERTS),
  loop: LoopPolicySchema.parse(DEFAULT_LOOP),
  care: CarePolicySchema.parse({}),
  autoRules: [],
}

/** Readable validation errors: "compensation.latePerDayFen: 应为整数". */
export function parsePolicy(input: unknown): { ok: true; policy: Policy } | { ok: false; errors: string[] } {
  const r = PolicySchema.safeParse(input)
  if (r.success) return { ok: true, policy: r.data }
  return {
    ok: false,
    errors: r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(policy)'}: ${i.message}`),
  }
}

export function reasonPolicy(policy: Policy, code: ReasonCode): ReasonPolicy {
  const r = policy.reasons.find((x) => x.code === code)
  if (!r) throw new Error(`policy has no reason ${code}`)
  return r
}
