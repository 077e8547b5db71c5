/** Shared by limits.test.ts and limits-cross-process.test.ts: a what-if population and draft. */
import type { Case } from '@contract/domain'
import type { Policy } from '@contract/policy'
import type { Store } from '../../cloudfunctions/ports/store'
import { makeCase } from './fixtures'

/** `n` cases created in the last 30 days (straight into the store: the what-if only reads them). */
export async function population(store: Store, n: number, now: string) {
  for (let i = 0; i < n; i++) {
    const createdAt = new Date(Date.parse(now) - (1 + (i % 28)) * 86_400_000 - i * 1000).toISOString()
    const c: Case = makeCase({ createdAt, reason: i % 3 ? 'quality_defect' : 'damaged_in_transit', description: i % 5 ? '瓶盖漏液' : '瓶身有裂纹' })
    await store.createCase(c, [])
  }
}
/** A draft that changes severity and money for some cases (a new safety word, a lower approval threshold). */
export const draftOf = (p: Policy): Policy => ({ ...p, safetyKeywords: [...p.safetyKeywords, '裂纹'], compensation: { ...p.compensation, approvalThresholdFen: 15_000 } })

