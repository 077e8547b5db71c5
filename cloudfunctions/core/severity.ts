/** Severity (seed 003): safety / allergy → P1; quality, described, damaged, wrong, missing → P2; the rest P3. */
import type { ReasonCode, Severity } from '@contract/domain'
import { reasonPolicy, type Policy } from '@contract/policy'

export interface SeverityResult {
  severity: Severity
  /** why (staff-facing Chinese) */
  why: string
}

export function computeSeverity(input: { reason: ReasonCode; description?: string; platformReason?: string }, policy: Policy): SeverityResult {
  const r = reasonPolicy(policy, input.reason)
  const text = input.description ?? ''
  const hit = policy.safetyKeywords.find((k) => text.includes(k))
  if (hit && r.severity !== 'P1') return { severity: 'P1', why: `描述中提到“${hit}”，按安全问题处理（P1，立即处理）` }
  // a shop after-sale is named by the platform's words; the desk's reason it maps to decides the level
  const named = input.platformReason && input.platformReason !== r.label ? `平台原因“${input.platformReason}”（按“${r.label}”）` : `原因“${r.label}”`
  return { severity: r.severity, why: `${named}默认等级 ${r.severity}` }
}
