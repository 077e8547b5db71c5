import type { PolicyVersionView, PublicPolicy } from '@contract/actions'
import { defaultPolicy, parsePolicy } from '@contract/policy'
import { diffPolicy } from '@contract/policy-labels'
import { calendarWarning as officialCalendarWarning } from '../official-calendar'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy, upgradePolicy } from '../shared'
import { StoreConflict } from '../../ports/store'
import { runWhatIf, summaryOf } from './policy-what-if'
import { requireRulesPreviewed } from './rules-what-if'

/** The seller's policy with who changed it last. */
/** The seller's own policy (what the editor edits: not merged with the official calendar) and the calendar's coverage warning. */
export async function getPolicy(deps: Deps) {
  const rec = await deps.store.getPolicy()
  const calendarWarning = officialCalendarWarning(deps.now())
  if (rec) return { ...rec, policy: upgradePolicy(deps.store, rec.version, rec.policy), calendarWarning }
  return { version: defaultPolicy.version, policy: defaultPolicy, updatedBy: 'default', updatedAt: deps.now(), calendarWarning }
}

/**
 * Replaces the policy after validating it with the core's schema. Versioned: compare-and-set on
 * the version the editor loaded; every version is kept with who and when. With `preview` (the
 * range of the what-if the owner looked at) the what-if is recomputed here, against the policy
 * being replaced, and its summary is stored on the new version.
 */
export async function updatePolicy(deps: Deps, by: string, expectedVersion: number, input: unknown, preview?: { from?: string; to?: string }, rulesPreview?: string) {
  const current = await deps.store.getPolicy()
  const parsed = parsePolicy({ ...(input as object), version: expectedVersion + 1 })
  if (!parsed.ok) throw new AppError('VALIDATION', parsed.errors[0] ?? '策略校验失败', { errors: parsed.errors })
  if ((current?.version ?? 0) !== expectedVersion) throw new AppError('CONFLICT', '策略已被他人修改，请刷新后再编辑')
  const live = current ? upgradePolicy(deps.store, current.version, current.policy) : defaultPolicy
  // changed auto-decision rules are saved only after the owner previewed exactly them
  await requireRulesPreviewed(deps, live, parsed.policy, rulesPreview)
  const whatIf = preview ? summaryOf(await runWhatIf(deps, live, current?.version ?? defaultPolicy.version, parsed.policy, preview, 0)) : null
  try {
    return await deps.store.savePolicy(parsed.policy, expectedVersion, by, deps.now(), whatIf)
  } catch (e) {
    if (e instanceof StoreConflict) throw new AppError('CONFLICT', '策略已被他人修改，请刷新后再编辑')
    throw e
  }
}

/** The history shows this many newest versions, each diffed against the one before. */
export const HISTORY_VERSIONS = 20

/** Policy versions, newest first, with the staff member's name and a field-level diff against the previous version. */
export async function policyHistory(deps: Deps): Promise<PolicyVersionView[]> {
  const [versions, staff] = await Promise.all([deps.store.listPolicyVersions(), deps.store.listStaff()])
  const shown = versions.slice(0, HISTORY_VERSIONS)
  const wanted = [...new Set(shown.flatMap((v) => [v.version, v.version - 1]).filter((v) => v >= 1))]
  const docs = new Map((await Promise.all(wanted.map((v) => deps.store.getPolicyVersion(v)))).filter((r) => r !== null).map((r) => [r.version, upgradePolicy(deps.store, r.version, r.policy)]))
  const nameOf = (id: string) => staff.find((s) => s.id === id)?.name ?? (id === 'default' || id === 'seed' ? '系统默认' : id)
  return shown.map((v) => {
    const doc = docs.get(v.version)
    // the first saved version is compared with the default the shop ran on before
    const prev = v.version === 1 ? defaultPolicy : docs.get(v.version - 1)
    return {
      version: v.version,
      updatedBy: v.updatedBy,
      updatedByName: nameOf(v.updatedBy),
      updatedAt: v.updatedAt,
      changes: doc && prev ? diffPolicy(prev, doc) : [],
      whatIf: v.whatIf ?? null,
    }
  })
}

/** What a buyer may read of the policy: the FAQ page and the subscription template ids. */
export async function publicPolicy(deps: Deps): Promise<PublicPolicy> {
  const { policy, version } = await livePolicy(deps)
  return {
    version,
    // removed reasons are not offered; the policy's order is the form's order
    reasons: policy.reasons.filter((r) => r.enabled !== false).map((r) => ({ code: r.code, label: r.label, allowedTypes: r.allowedTypes })),
    noReasonDays: policy.limits.noReasonDays,
    maxRequestsPerSku: policy.limits.maxRequestsPerSku,
    buyerWait: policy.buyerWait,
    cannedReplies: policy.cannedReplies,
    templateIds: Object.entries(policy.templates)
      .filter(([, t]) => t.templateId)
      .map(([key, t]) => ({ key, templateId: t.templateId })),
    // stored policies from before the field parse without it
    returnAddress: policy.returnAddress?.address ? policy.returnAddress : null,
  }
}
