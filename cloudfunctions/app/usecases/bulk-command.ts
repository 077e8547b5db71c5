import type { z } from 'zod'
import type { CaseCommand } from '@contract/domain'
import type { CaseView } from '@contract/actions'
import type { BulkInputSchema, BulkItemResult, BulkResult } from '@contract/care'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { Caller } from '../function'
import { applyCommand } from './apply-command'

/** Cases worked at once (each one its own load → decide → compare-and-set). */
const IN_FLIGHT = 4

/**
 * One reply, note, reassignment, offer, 同意 or approval decision applied to many cases (issue 24).
 * Every case goes through applyCommand on its own — its guard, its money guard, its
 * compare-and-set on the version the agent saw — and the answer lists per case what happened and,
 * for a refusal, the code and the core's Chinese reason. The request's idempotency key is required:
 * each case's write stores `bulk:<key>:<caseId>` with it, so a retried request applies nothing twice
 * (those cases answer `replayed`). At most BULK_MAX cases (the schema refuses more).
 */
export async function bulkCommand(deps: Deps, caller: Caller, input: z.output<typeof BulkInputSchema>, idempotencyKey?: string): Promise<BulkResult> {
  if (!idempotencyKey) throw new AppError('VALIDATION', '批量操作缺少请求标识（idempotencyKey），请重试')
  const results: BulkItemResult[] = new Array(input.items.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < input.items.length; i = next++) results[i] = await one(deps, caller, input, input.items[i], `bulk:${idempotencyKey}:${input.items[i].caseId}`)
  }
  await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, input.items.length) }, worker))
  const applied = results.filter((r) => r.outcome !== 'refused').length
  return { total: results.length, applied, refused: results.length - applied, results }
}

async function one(
  deps: Deps,
  caller: Caller,
  input: z.output<typeof BulkInputSchema>,
  item: { caseId: string; expectedVersion: number },
  key: string,
): Promise<BulkItemResult> {
  let caseNo: string | null = null
  const refused = (code: string, message: string): BulkItemResult => ({ caseId: item.caseId, caseNo, outcome: 'refused', status: null, code, message })
  try {
    const loaded = await deps.store.getCaseWithKeys(item.caseId)
    if (!loaded) return refused('NOT_FOUND', '没有找到这个售后单')
    const c = loaded.case
    caseNo = c.caseNo
    // an earlier try of this request already wrote this case: answer it, decide nothing again
    if (loaded.keys.some((k) => k.key === key)) return { caseId: c.id, caseNo: c.caseNo, outcome: 'replayed', status: c.status }
    const cmd = input.command
    let command: CaseCommand
    if (cmd.type === 'decide_approval') {
      const pending = (c.approvals ?? []).find((a) => a.status === 'pending')
      if (!pending) return refused('NOT_ALLOWED_IN_STATUS', '这个售后单没有待审批的申请')
      command = { type: 'decide_approval', approvalId: pending.id, decision: cmd.decision, note: cmd.note, expectedVersion: item.expectedVersion }
    } else if (cmd.type === 'make_offer') {
      command = { type: 'make_offer', offerIds: [], offers: cmd.offers, ...(cmd.text ? { text: cmd.text } : {}), expectedVersion: item.expectedVersion }
    } else {
      command = { ...cmd, expectedVersion: item.expectedVersion } as CaseCommand
    }
    const view = (await applyCommand(deps, caller, c.id, command, key)) as CaseView
    const last = view.timeline[view.timeline.length - 1]
    const approval = command.type !== 'submit_for_approval' && last?.type === 'submit_for_approval' && view.version === c.version + 1
    return { caseId: c.id, caseNo: c.caseNo, outcome: approval ? 'approval' : 'applied', status: view.status }
  } catch (e) {
    if (e instanceof AppError) return refused(e.code, e.message)
    deps.log(`bulk ${key} failed`, e)
    return refused('INTERNAL', '处理失败，请稍后重试')
  }
}
