import type { WhatIfRules } from '@contract/actions'
import type { Case } from '@contract/domain'
import type { Policy } from '@contract/policy'
import { computeSeverity, suggestOffers } from '../../core'
import { autoDecide, ruleDay } from '../../core/auto-rules'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { fingerprint } from '../shared'

/**
 * The what-if of the draft's auto-decision rules (issue #24): each past case is taken back to how
 * it was filed — status 待处理, the draft engine's suggestions, no money, a shop after-sale waiting
 * on the seller — and the core's autoDecide says which rule would have decided it and for how
 * much. Each rule's daily cap is applied per shop-local day in the order the cases are read
 * (newest first). Taken as recorded: the buyer's risk and trust flags; the order's other cases
 * are left out of the money guard (only this case's own caps).
 */
export class RulesWhatIf {
  private readonly rules: Policy['autoRules']
  private readonly spent = new Map<string, number>()
  private readonly rows = new Map<string, WhatIfRules['rows'][number]>()
  private decidedCases = 0
  private amountFen = 0

  constructor(
    private readonly draft: Policy,
    private readonly live: Policy,
  ) {
    this.rules = draft.autoRules ?? []
    for (const r of this.rules) this.rows.set(r.id, { id: r.id, name: r.name, enabled: r.enabled, cases: 0, amountFen: 0, cappedCases: 0 })
  }

  get active(): boolean {
    return this.rules.some((r) => r.enabled)
  }

  add(c: Case): void {
    if (!this.active) return
    const opened = asFiled(c, this.draft, this.live)
    const tz = this.draft.calendar.timezone
    const day = ruleDay(c.createdAt, tz)
    const exhausted = new Set<string>()
    let n = 0
    for (let i = 0; i <= this.rules.length; i++) {
      const d = autoDecide(opened, { now: c.createdAt, policy: this.draft, newId: () => `whatif-${n++}` }, { exhausted })
      if (!d.decided) return
      const key = `${d.rule.id}|${day}`
      const used = this.spent.get(key) ?? 0
      const row = this.rows.get(d.rule.id)!
      if (used + d.amountFen > d.rule.dailyCapFen) {
        row.cappedCases++
        exhausted.add(d.rule.id)
        continue
      }
      this.spent.set(key, used + d.amountFen)
      row.cases++
      row.amountFen += d.amountFen
      this.decidedCases++
      this.amountFen += d.amountFen
      return
    }
  }

  view(): WhatIfRules {
    return { rows: [...this.rows.values()], decidedCases: this.decidedCases, amountFen: this.amountFen, token: rulesToken(this.rules) }
  }
}

/** The case as it was filed, under the draft's engine. */
function asFiled(c: Case, draft: Policy, live: Policy): Case {
  const severity = computeSeverity({ reason: c.reason, description: c.description }, draft).severity
  const offers = c.platform
    ? []
    : suggestOffers(
        { order: c.order, claimedItems: c.claimedItems, reason: c.reason, severity, minorDefect: c.offers.some((o) => o.rule.startsWith('minor_defect')), platform: c.platform, now: c.createdAt },
        draft,
        { refundCount90d: c.flags.risk ? live.compensation.riskRefundCount90d : 0 },
      ).offers
  return {
    ...c,
    status: 'submitted',
    version: 1,
    severity,
    offers: offers.map((d, i) => ({ ...d, id: `whatif-offer-${i}`, status: 'suggested' as const, createdAt: c.createdAt, group: null })),
    acceptedOfferId: null,
    refunds: [],
    replacementShipments: [],
    returnShipment: null,
    approvals: [],
    timeline: c.timeline.filter((t) => t.type === 'opened' || t.type === 'routed'),
    buyerDeadline: null,
    ...(c.platform ? { platform: { ...c.platform, status: 'MERCHANT_PROCESSING', lastCall: null } } : {}),
  }
}

/** Names exactly this list of rules: a save of changed rules must carry the token of a preview of them. */
export function rulesToken(rules: Policy['autoRules']): string {
  return fingerprint(rules ?? [])
}

const PREVIEWED = (token: string) => `auto-rules-preview:${token}`

/** Remembers that a preview of exactly these rules ran (shared by every instance). */
export async function markRulesPreviewed(deps: Deps, token: string): Promise<void> {
  if (!(await deps.store.getSyncState(PREVIEWED(token)))) await deps.store.saveSyncState(PREVIEWED(token), { at: deps.now() }, 0, deps.now())
}

/**
 * A save that changes the rules is refused unless the editor previewed exactly these rules: the
 * token it sends is theirs and a preview of them ran here.
 */
export async function requireRulesPreviewed(deps: Deps, live: Policy, draft: Policy, token: string | undefined): Promise<void> {
  const want = rulesToken(draft.autoRules)
  if (want === rulesToken(live.autoRules)) return
  const refuse = () => new AppError('VALIDATION', '自动处理规则有改动：请先点“预览影响”，看过这些规则对近期售后单的影响后再保存', { reason: 'rules_not_previewed' })
  if (token !== want) throw refuse()
  if (!(await deps.store.getSyncState(PREVIEWED(want)))) throw refuse()
}
