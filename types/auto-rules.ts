/**
 * Auto-decision rules (issue #24 "Prevent and automate"): the owner's own 极速退款 / 自动审核.
 * A rule is a small declarative set of conditions (no code, nothing evaluated) and one action; the
 * core (cloudfunctions/core/auto-rules.ts) applies the first enabled rule that fits, through the
 * same decide() as a person, so the money guard, risk flags and approval threshold still hold.
 * zod only — shared with the policy editor.
 */
import { z } from 'zod'
import { CASE_TYPE_LABELS, CaseTypeSchema, CaseSourceSchema, CASE_SOURCE_LABELS, MAX_FEN, REASON_DEFAULTS, ReasonCodeSchema, type CaseType, type ReasonCode } from './domain'

/** At most this many rules: each submit looks at every enabled one. */
export const MAX_AUTO_RULES = 50

export const AUTO_RULE_SHIPPED = ['not_shipped', 'shipped', 'tracked'] as const
export const AUTO_RULE_SHIPPED_LABELS: Record<(typeof AUTO_RULE_SHIPPED)[number], string> = {
  not_shipped: '未发货',
  shipped: '已发货',
  tracked: '已发货且有物流单号',
}
export const AUTO_RULE_BUYER = ['trusted', 'not_risky'] as const
export const AUTO_RULE_BUYER_LABELS: Record<(typeof AUTO_RULE_BUYER)[number], string> = {
  trusted: '老客户',
  not_risky: '无退款风险',
}
export const AUTO_RULE_ACTIONS = ['approve'] as const
export const AUTO_RULE_ACTION_LABELS: Record<(typeof AUTO_RULE_ACTIONS)[number], string> = {
  // a mini-program case: approve with the engine's remedy (else the request); a shop after-sale: agree on the platform
  approve: '自动同意（按建议方案；视频号小店单为平台同意）',
}

const fen = z.number().int().min(0, '金额不能小于0').max(MAX_FEN, '金额超出上限')

/** Every condition is optional; an absent one does not restrict. All present ones must hold. */
export const AutoRuleWhenSchema = z
  .object({
    types: z.array(CaseTypeSchema).min(1, '至少选一种售后类型').max(6).optional(),
    reasons: z.array(ReasonCodeSchema).min(1, '至少选一个原因').max(20).optional(),
    /** the value the decision gives (cash + coupon + gift + goods sent ahead) is at most this */
    maxAmountFen: fen.optional(),
    shipped: z.enum(AUTO_RULE_SHIPPED).optional(),
    /** signed for at most this many days ago (shop-local dates); an order not signed for does not fit */
    maxDaysSinceDelivery: z.number().int().min(0, '天数不能小于0').max(365, '天数不能大于365').optional(),
    buyer: z.enum(AUTO_RULE_BUYER).optional(),
    sources: z.array(CaseSourceSchema).min(1).max(2).optional(),
  })
  .strict()
export type AutoRuleWhen = z.infer<typeof AutoRuleWhenSchema>

export const AutoRuleSchema = z
  .object({
    /** stable id: the daily cap is counted per rule id and shop-local day */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, '规则编号只能用小写字母、数字和-'),
    name: z.string().trim().min(1, '请填写规则名称').max(30, '规则名称最多30个字'),
    enabled: z.boolean().default(true),
    /** money the rule may decide per shop-local day (fen); past it, cases go to a person */
    dailyCapFen: fen,
    when: AutoRuleWhenSchema,
    action: z.enum(AUTO_RULE_ACTIONS).default('approve'),
  })
  .strict()
export type AutoRule = z.infer<typeof AutoRuleSchema>

export const AutoRulesSchema = z
  .array(AutoRuleSchema)
  .max(MAX_AUTO_RULES, `自动处理规则最多${MAX_AUTO_RULES}条`)
  .superRefine((rules, ctx) => {
    const seen = new Set<string>()
    rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `规则编号 ${r.id} 重复` })
      seen.add(r.id)
    })
  })

const yuan = (f: number) => `¥${(f / 100).toFixed(f % 100 === 0 ? 0 : 2)}`

/** The conditions in the seller's words, in a fixed order ("仅退款；未发货；金额≤¥50；无退款风险"). */
export function autoRuleConditions(w: AutoRuleWhen, reasonLabel: (c: ReasonCode) => string = (c) => REASON_DEFAULTS[c].label): string[] {
  const out: string[] = []
  if (w.types) out.push(w.types.map((t: CaseType) => CASE_TYPE_LABELS[t]).join('或'))
  if (w.reasons) out.push(`原因：${w.reasons.map(reasonLabel).join('或')}`)
  if (w.maxAmountFen !== undefined) out.push(`金额≤${yuan(w.maxAmountFen)}`)
  if (w.shipped) out.push(AUTO_RULE_SHIPPED_LABELS[w.shipped])
  if (w.maxDaysSinceDelivery !== undefined) out.push(`签收${w.maxDaysSinceDelivery}天内`)
  if (w.buyer) out.push(AUTO_RULE_BUYER_LABELS[w.buyer])
  if (w.sources) out.push(`来自${w.sources.map((s) => CASE_SOURCE_LABELS[s]).join('或')}`)
  return out
}

/** One line for a rule: "「小额未发货仅退款」仅退款；未发货；金额≤¥50 → 自动同意，每天最多¥500（停用）". */
export function autoRuleText(r: AutoRule, reasonLabel?: (c: ReasonCode) => string): string {
  const when = autoRuleConditions(r.when, reasonLabel)
  return `「${r.name}」${when.length ? when.join('；') : '任何售后单'} → 自动同意，每天最多${yuan(r.dailyCapFen)}${r.enabled ? '' : '（停用）'}`
}
