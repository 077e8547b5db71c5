import type { NewOutboxItem } from '../ports/store'

/**
 * The order in which the dispatcher claims due outbox rows: staff-facing work (alerts and their
 * channels), money and platform calls, and every message of a P1 case first; other buyer
 * messages after. At a burst (20k messages queued in seconds) this decides whether a supervisor
 * hears of a P1 complaint in seconds or after the whole queue. A platform case's buyer photos
 * (`platform_media`) are staff-facing too: the agent the case alert reaches decides on them, and
 * there is at most one such row per after-sale update, so they never crowd out the alerts.
 */
export const URGENT = 0
export const NORMAL = 1

export const URGENT_KINDS: ReadonlySet<string> = new Set(['staff_alert', 'staff_subscribe', 'wecom', 'platform_call', 'refund_requested', 'warehouse_task', 'shop_call', 'platform_media'])

export function outboxPriority(o: Pick<NewOutboxItem, 'kind'>, severity?: string | null): number {
  return URGENT_KINDS.has(o.kind) || severity === 'P1' ? URGENT : NORMAL
}
