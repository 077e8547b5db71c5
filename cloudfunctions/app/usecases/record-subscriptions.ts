import type { Deps } from '../deps'
import { AppError } from '../errors'
import { livePolicy } from '../shared'

/**
 * Records the buyer's answers to requestSubscribeMessage: each "accept" is one send credit for
 * that template. Only templates of this shop's policy count.
 */
export async function recordSubscriptions(deps: Deps, openid: string, results: { templateId: string; result: string }[]) {
  const { policy } = await livePolicy(deps)
  const known = new Set(Object.values(policy.templates).map((t) => t.templateId))
  for (const r of results) {
    if (!known.has(r.templateId)) throw new AppError('VALIDATION', `未知的订阅消息模板：${r.templateId}`)
  }
  for (const r of results) if (r.result === 'accept') await deps.store.addCredits(openid, r.templateId, 1)
  return { credits: await deps.store.getCredits(openid) }
}
