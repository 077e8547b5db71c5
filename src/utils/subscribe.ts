import Taro from '@tarojs/taro'
import { api, type SubscriptionResult } from '../api/aftersale'

/**
 * Subscription messages. WeChat only lets a tap ask for them, so call this first thing in a tap
 * handler (before any await). On H5 there is nothing to ask: it resolves 'skipped'.
 */
export type SubscribeOutcome = 'accepted' | 'refused' | 'skipped'

const REFUSED_KEY = 'aftersale:subscribeRefused'

export function subscriptionRefused(): boolean {
  try {
    return Taro.getStorageSync(REFUSED_KEY) === true
  } catch {
    return false
  }
}

function remember(refused: boolean) {
  try {
    if (refused) Taro.setStorageSync(REFUSED_KEY, true)
    else Taro.removeStorageSync(REFUSED_KEY)
  } catch {
    // storage is a nicety here
  }
}

/**
 * Asks for the templates and records each answer with `record` (the buyer's credits by default;
 * the admin pages pass the staff recorder, which leaves the buyer's "refused" memory alone).
 */
export async function requestSubscriptions(
  templateIds: string[],
  record: (results: SubscriptionResult[]) => Promise<unknown> = api.recordSubscriptions,
): Promise<SubscribeOutcome> {
  const buyer = record === api.recordSubscriptions
  const ids = Array.from(new Set(templateIds.filter(Boolean))).slice(0, 5)
  const request = (Taro as unknown as { requestSubscribeMessage?: unknown }).requestSubscribeMessage
  if (process.env.TARO_ENV !== 'weapp' || typeof request !== 'function' || ids.length === 0) return 'skipped'
  let answer: Record<string, string>
  try {
    answer = (await Taro.requestSubscribeMessage({ tmplIds: ids } as Taro.requestSubscribeMessage.Option)) as unknown as Record<
      string,
      string
    >
  } catch {
    // main switch off, or the dialog could not open: the buyer will not be notified
    if (buyer) remember(true)
    return 'refused'
  }
  const results: SubscriptionResult[] = ids.map((templateId) => {
    const r = answer?.[templateId]
    return { templateId, result: r === 'accept' || r === 'ban' || r === 'filter' ? r : 'reject' }
  })
  const accepted = results.some((r) => r.result === 'accept')
  if (buyer) remember(!accepted)
  try {
    await record(results)
  } catch {
    // recording credits must never block the buyer's own action
  }
  return accepted ? 'accepted' : 'refused'
}
