/**
 * What a staff member's tap would do now, answered by running decide() on a copy: the case page
 * labels its 同意 button with this (runs / goes to a supervisor / refused, with the value), so no
 * page re-derives a guard or a threshold.
 */
import type { Case, CaseCommand } from '@contract/domain'
import type { CoreContext } from './context'
import { decide } from './decide'
import { pendingApproval } from './commands/approvals'
import { valueOf } from './offers'

export interface TapPreview {
  outcome: 'runs' | 'approval' | 'refused'
  summary: string
  valueFen: number
  message: string
}

export function previewTap(c: Case, command: CaseCommand, ctx: Omit<CoreContext, 'newId'>): TapPreview {
  let n = 0
  const r = decide(c, command, { ...ctx, newId: () => `preview-${n++}` })
  if (!r.ok) return { outcome: 'refused', summary: '', valueFen: 0, message: r.error.message }
  const waiting = !pendingApproval(c) ? pendingApproval(r.value.case) : undefined
  if (waiting) return { outcome: 'approval', summary: waiting.summary, valueFen: waiting.amountFen, message: `${waiting.why}，点击后提交主管审批` }
  const offer = r.value.case.offers.find((o) => o.id === r.value.case.acceptedOfferId)
  // the value it gives: the 同意 confirmation names the amount of a remedy left at the engine's
  return { outcome: 'runs', summary: offer?.explanation ?? '', valueFen: offer ? valueOf(offer) : 0, message: '' }
}
