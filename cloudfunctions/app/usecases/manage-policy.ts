import type { PublicPolicy } from '@contract/actions'
import { defaultPolicy, parsePolicy } from '@contract/policy'
import { calendarWarning as officialCalendarWarning } from '../official-calendar'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy, upgradePolicy } from '../shared'
import { StoreConflict } from '../../ports/store'

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
 * the version the editor loaded; every version is kept with who and when.
 */
export async function updatePolicy(deps: Deps, by: string, expectedVersion: number, input: unknown) {
  const current = await deps.store.getPolicy()
  const parsed = parsePolicy({ ...(input as object), version: expectedVersion + 1 })
  if (!parsed.ok) throw new AppError('VALIDATION', parsed.errors[0] ?? '策略校验失败', { errors: parsed.errors })
  if ((current?.version ?? 0) !== expectedVersion) throw new AppError('CONFLICT', '策略已被他人修改，请刷新后再编辑')
  try {
    return await deps.store.savePolicy(parsed.policy, expectedVersion, by, deps.now())
  } catch (e) {
    if (e instanceof StoreConflict) throw new AppError('CONFLICT', '策略已被他人修改，请刷新后再编辑')
    throw e
  }
}

/** What a buyer may read of the policy: the FAQ page and the subscription template ids. */
export async function publicPolicy(deps: Deps): Promise<PublicPolicy> {
  const { policy, version } = await livePolicy(deps)
  return {
    version,
    reasons: policy.reasons.map((r) => ({ code: r.code, label: r.label, allowedTypes: r.allowedTypes })),
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
