import type { NewOutboxItem } from '../ports/store'

/**
 * The order in which the dispatcher claims due outbox rows: staff-facing work (alerts and their
 * channels), money and platform calls, and every message of a P1 case first; other buyer
 * messages after. At a burst (20k messages queued in seconds) this decides whether a supervisor
 * hears of a P1 complaint in seconds or after the whole queue.
 */
export const URGENT = 0
export const NORMAL = 1

export const URGENT_KINDS: ReadonlySet<string> = new Set(['staff_alert', 'staff_subscribe', 'wecom', 'platform_call', 'refund_requested', 'warehouse_task'])

export function outboxPriority(o: Pick<NewOutboxItem, 'kind'>, severity?: string | null): number {
  return URGENT_KINDS.has(o.kind) || severity === 'P1' ? URGENT : NORMAL
}
