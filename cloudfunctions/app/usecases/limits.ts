import type { Deps } from '../deps'
import { AppError } from '../errors'

/**
 * What one buyer may do to one case (provide_info, appeal, …): a person taps a few times a minute
 * at most; a script repeating a command is stopped here before it grows the case or slows others.
 */
export const BUYER_CASE_RATE = { perMinute: 10, perDay: 100 } as const

/**
 * Takes one of the case's buyer-command slots of this minute and of this day (UTC), counted in the
 * store so every instance shares them. Called once the command would change the buyer's own case:
 * a stranger's calls and refused commands use up none of the owner's slots.
 */
export async function takeBuyerCommandSlot(deps: Deps, caseId: string): Promise<void> {
  const now = deps.now()
  const minute = now.slice(0, 16)
  if (!(await deps.store.takeSlot(`buyer-case:${caseId}:${minute}`, BUYER_CASE_RATE.perMinute))) {
    const retryAt = new Date(Date.parse(`${minute}:00.000Z`) + 60_000).toISOString()
    throw new AppError('LIMIT_EXCEEDED', '操作太频繁，请稍等一分钟再试', { retryAt, perMinute: BUYER_CASE_RATE.perMinute })
  }
  const day = now.slice(0, 10)
  if (!(await deps.store.takeSlot(`buyer-case:${caseId}:${day}`, BUYER_CASE_RATE.perDay))) {
    const retryAt = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString()
    throw new AppError('LIMIT_EXCEEDED', '这个售后单今天的操作次数已达上限，请明天再试或联系客服', { retryAt, perDay: BUYER_CASE_RATE.perDay })
  }
}
