/**
 * Auto-decision rules (issue #24): which of the owner's rules fits a new case, and what it does.
 *
 * The first enabled rule (policy order) whose conditions all hold decides, by running ONE command
 * through decide() as a system actor (`auto-rule:<id>`): `approve` on a mini-program case (the
 * engine's remedy, else the request), `platform_accept` on a shop after-sale. decide() holds a
 * system actor to everything an agent is held to — the table, the guards, the money guard, the
 * risk flag and the approval threshold (commands/work.ts requireApproval) — and a refusal leaves
 * the case to a person (no approval request is filed for a rule). The value the decision gives
 * must fit the rule's amount condition; the rule's daily cap is NOT known here: the store holds it
 * inside the case write (a counter per rule and shop-local day, `ruleCapBucket`), and the caller
 * passes rules the store found full in `exhausted`.
 *
 * Safety cases (P1) are never decided by a rule.
 */
import type { AutoRule } from '@contract/auto-rules'
import { autoRuleConditions } from '@contract/auto-rules'
import { caseSourceOf, type Actor, type Case, type CaseCommand, type CaseEvent } from '@contract/domain'
import { reasonLabelOf } from '@contract/policy-labels'
import type { CoreContext } from './context'
import { cloneJson } from './clone'
import { decide } from './decide'
import { givenValueFen } from './commands/work'
import { yuan } from './money'
import { DAY_MS, localDate, toMs } from './tz'

export const AUTO_RULE_ACTOR = 'auto-rule:'

export const ruleActor = (r: Pick<AutoRule, 'id'>): Actor => ({ kind: 'system', id: `${AUTO_RULE_ACTOR}${r.id}` })

/** The shop-local day a rule's money counts on. */
export const ruleDay = (now: string, tz: string): string => localDate(toMs(now), tz)

/** The store's counter of one rule's money on one day (the daily cap, held inside the write). */
export const ruleCapBucket = (ruleId: string, day: string): string => `auto-rule:${ruleId}:${day}`

/** What the store must hold inside the write that records the decision: this much more on the rule's counter, at most the cap. */
export interface RuleSpend {
  bucket: string
  amountFen: number
  capFen: number
}

export interface RuleMiss {
  ruleId: string
  name: string
  /** Chinese: the first condition that does not hold, or why the rule could not decide */
  why: string
}

export type AutoDecision =
  | {
      decided: true
      rule: AutoRule
      command: CaseCommand
      case: Case
      events: CaseEvent[]
      /** the value the decision gives (cash + coupon + gift + goods sent ahead; a shop after-sale: the platform's refund) */
      amountFen: number
      spend: RuleSpend
      /** Chinese, staff-facing: which conditions held */
      why: string
      misses: RuleMiss[]
    }
  | { decided: false; why: string; misses: RuleMiss[] }

const wholeDays = (fromIso: string, toIso: string, tz: string) =>
  Math.round((Date.parse(`${localDate(toMs(toIso), tz)}T00:00:00Z`) - Date.parse(`${localDate(toMs(fromIso), tz)}T00:00:00Z`)) / DAY_MS)

/** The first condition of `rule` the case does not meet (Chinese), or null when all but the amount hold. */
export function factsMiss(rule: AutoRule, c: Case, now: string, tz: string): string | null {
  const w = rule.when
  const o = c.order
  if (w.types && !w.types.includes(c.type)) return '售后类型不符'
  if (w.reasons && !w.reasons.includes(c.reason)) return '原因不符'
  if (w.sources && !w.sources.includes(caseSourceOf(c))) return '来源不符'
  if (w.shipped === 'not_shipped' && o.shippedAt) return '订单已发货'
  if (w.shipped === 'shipped' && !o.shippedAt) return '订单未发货'
  if (w.shipped === 'tracked' && !(o.shippedAt && o.trackingNo)) return '订单没有物流单号'
  if (w.maxDaysSinceDelivery !== undefined) {
    if (!o.deliveredAt) return '订单未签收'
    const d = wholeDays(o.deliveredAt, now, tz)
    if (d > w.maxDaysSinceDelivery) return `已签收${d}天，超过${w.maxDaysSinceDelivery}天`
  }
  if (w.buyer === 'trusted' && !c.flags.trusted) return '买家不是老客户'
  if (w.buyer === 'not_risky' && c.flags.risk) return '买家已标记退款风险'
  return null
}

/** The one command a rule issues on this case. */
export function ruleCommand(c: Case): CaseCommand {
  return c.platform ? { type: 'platform_accept', expectedVersion: c.version } : { type: 'approve', expectedVersion: c.version }
}

/**
 * Which rule decides `c` (a case just opened or imported) and the decided case, or why none does.
 * `exhausted`: rules whose daily cap the store found reached (skipped).
 */
export function autoDecide(c: Case, ctx: Omit<CoreContext, 'actor'>, opts: { exhausted?: ReadonlySet<string> } = {}): AutoDecision {
  const rules = (ctx.policy.autoRules ?? []).filter((r) => r.enabled)
  const misses: RuleMiss[] = []
  if (!rules.length) return { decided: false, why: '没有启用的自动处理规则', misses }
  if (c.severity === 'P1') return { decided: false, why: '安全问题由人工处理', misses }
  const tz = ctx.policy.calendar.timezone
  const label = (code: Case['reason']) => reasonLabelOf(ctx.policy, code)
  // every rule issues the same command: it is decided once, the deciding rule is then named on it
  const command = ruleCommand(c)
  let decided: { case: Case; events: CaseEvent[]; amountFen: number } | null = null
  for (const rule of rules) {
    const miss = factsMiss(rule, c, ctx.now, tz)
    if (miss) {
      misses.push({ ruleId: rule.id, name: rule.name, why: miss })
      continue
    }
    if (opts.exhausted?.has(rule.id)) {
      misses.push({ ruleId: rule.id, name: rule.name, why: `今日额度${yuan(rule.dailyCapFen)}已用完` })
      continue
    }
    if (!decided) {
      const r = decide(c, command, { ...ctx, actor: ruleActor(rule) })
      if (!r.ok) {
        // what refuses this rule's command refuses the rest's
        const why = `规则「${rule.name}」符合，但不能自动处理：${r.error.message}`
        misses.push({ ruleId: rule.id, name: rule.name, why: r.error.message })
        return { decided: false, why, misses }
      }
      const amount = c.platform ? c.platform.refundFen : Math.max(0, givenValueFen(r.value.case) - givenValueFen(c))
      decided = { case: r.value.case, events: r.value.events, amountFen: amount }
    }
    const amountFen = decided.amountFen
    if (rule.when.maxAmountFen !== undefined && amountFen > rule.when.maxAmountFen) {
      misses.push({ ruleId: rule.id, name: rule.name, why: `金额${yuan(amountFen)}超过${yuan(rule.when.maxAmountFen)}` })
      continue
    }
    if (amountFen > rule.dailyCapFen) {
      misses.push({ ruleId: rule.id, name: rule.name, why: `金额${yuan(amountFen)}超过每日额度${yuan(rule.dailyCapFen)}` })
      continue
    }
    const held = autoRuleConditions({ ...rule.when, maxAmountFen: undefined }, label)
    const why = [...held, rule.when.maxAmountFen !== undefined ? `金额${yuan(amountFen)}≤${yuan(rule.when.maxAmountFen)}` : `金额${yuan(amountFen)}`].join('；')
    // the entry the decision wrote: staff read the rule and why; the buyer reads the remedy as theirs
    const after = cloneJson(decided.case)
    const entry = after.timeline[after.timeline.length - 1]
    entry.actor = { kind: 'system', id: ruleActor(rule).id }
    entry.data = { ...entry.data, autoRule: { id: rule.id, name: rule.name, why } }
    if (command.type === 'approve') {
      const offer = after.offers.find((o) => o.id === after.acceptedOfferId)
      if (offer) entry.text = `买家的售后申请已自动同意：${offer.explanation}`
    }
    return {
      decided: true,
      rule,
      command,
      case: after,
      events: decided.events,
      amountFen,
      spend: { bucket: ruleCapBucket(rule.id, ruleDay(ctx.now, tz)), amountFen, capFen: rule.dailyCapFen },
      why,
      misses,
    }
  }
  return { decided: false, why: '没有符合条件的自动处理规则', misses }
}
