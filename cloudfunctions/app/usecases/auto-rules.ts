import type { Case, CaseEvent } from '@contract/domain'
import type { Deps } from '../deps'
import { outboxOf, otherCasesLedger } from '../shared'
import { autoDecide, type AutoDecision } from '../../core/auto-rules'
import type { CoreContext } from '../../core'
import { GuardViolation, StoreConflict, type RuleSpend } from '../../ports/store'
import { settleRefund } from './apply-command'

type RuleCtx = Omit<CoreContext, 'actor'>

/**
 * Writes a case just opened (submit) with the owner's auto-decision rules applied, in ONE write:
 * the decided case (opened + the rule's command, through decide()) with both outboxes, and the
 * rule's money on its daily counter inside the same transaction. When the store finds the rule's
 * day full (GuardViolation `rule_cap`) the next fitting rule is tried; when the decided write is
 * refused by the order's money guard, or no rule fits, the case is written as opened: a person
 * decides it.
 */
export async function createWithRules<T>(
  opened: { case: Case; events: CaseEvent[] },
  ctx: RuleCtx,
  write: (c: Case, events: CaseEvent[], spend?: RuleSpend) => Promise<T>,
): Promise<{ result: T; decision: AutoDecision }> {
  const exhausted = new Set<string>()
  for (;;) {
    const d = autoDecide(opened.case, ctx, { exhausted })
    if (!d.decided) return { result: await write(noted(opened.case, d), opened.events, undefined), decision: d }
    try {
      return { result: await write(d.case, [...opened.events, ...d.events], d.spend), decision: d }
    } catch (e) {
      if (!(e instanceof GuardViolation)) throw e
      if (e.rule === 'rule_cap') {
        exhausted.add(d.rule.id)
        continue
      }
      // the order's guard refused the money (another case of the order was paid meanwhile): a person decides
      const left = { decided: false as const, why: '订单金额已被其他售后单占用', misses: d.misses }
      return { result: await write(noted(opened.case, left), opened.events, undefined), decision: left }
    }
  }
}

/**
 * Why no rule decided, on the case's internal routing entry (staff read it on the case page):
 * nothing when the shop has no enabled rule.
 */
function noted(c: Case, d: AutoDecision): Case {
  if (d.decided || (!d.misses.length && d.why === '没有启用的自动处理规则')) return c
  const entry = c.timeline.find((t) => t.type === 'routed')
  if (!entry) return c
  const detail = d.misses.slice(0, 3).map((m) => `「${m.name}」${m.why}`).join('；')
  const why = detail && !d.why.includes(detail) ? `${d.why}（${detail}${d.misses.length > 3 ? '…' : ''}）` : d.why
  return { ...c, timeline: c.timeline.map((t) => (t === entry ? { ...t, data: { ...t.data, autoRuleMiss: why } } : t)) }
}

/**
 * Applies the owner's auto-decision rules to a stored case (a platform after-sale just imported):
 * decide → compare-and-set save with the rule's money on its daily counter in the same write. A
 * lost race re-reads the case and decides again (a person who acted first wins: the rule's command
 * is then refused); a full day tries the next rule. Answers the decision (not decided: left to a person).
 */
export async function applyRulesToCase(deps: Deps, c: Case, policy: CoreContext['policy']): Promise<AutoDecision> {
  if (!(policy.autoRules ?? []).some((r) => r.enabled)) return { decided: false, why: '没有启用的自动处理规则', misses: [] }
  let cur = c
  const exhausted = new Set<string>()
  for (let attempt = 0; attempt < 5 + (policy.autoRules?.length ?? 0); attempt++) {
    const guard = await deps.store.getOrderGuard(cur.order.orderId)
    const d = autoDecide(cur, { now: deps.now(), policy, newId: deps.newId, orderLedger: otherCasesLedger(guard, cur.id) }, { exhausted })
    if (!d.decided) return d
    try {
      await deps.store.saveCase(d.case, cur.version, outboxOf(d.events), { ruleSpend: d.spend })
      await settleNow(deps, d)
      return d
    } catch (e) {
      if (e instanceof GuardViolation && e.rule === 'rule_cap') {
        exhausted.add(d.rule.id)
        continue
      }
      if (e instanceof GuardViolation) return { decided: false, why: '订单金额已被其他售后单占用', misses: d.misses }
      if (!(e instanceof StoreConflict)) throw e
      const fresh = await deps.store.getCase(cur.id)
      if (!fresh) return { decided: false, why: '售后单不存在', misses: d.misses }
      cur = fresh
    }
  }
  return { decided: false, why: '售后单一直在变化，已转人工处理', misses: [] }
}

/** A rule's refund is paid at once, like a person's approval (the outbox copy retries it otherwise). */
export async function settleNow(deps: Deps, d: AutoDecision): Promise<Case | null> {
  if (!d.decided) return null
  let latest = d.case
  for (const ev of d.events) if (ev.kind === 'refund_requested') latest = (await settleRefund(deps, latest, ev)).case
  return latest
}
