/**
 * Collections of the CloudBase adapter and the indexes to create in the CloudBase console
 * (云开发控制台 → 数据库 → 集合 → 索引管理). The server SDK cannot create indexes; `init()` only
 * creates missing collections (db.createCollection). Field names are those of the stored
 * documents written by ./store.ts.
 */

export const COLLECTIONS = {
  cases: 'cases',
  outbox: 'outbox',
  idempotency: 'idempotency',
  staff: 'staff',
  buyers: 'buyers',
  policyVersions: 'policy_versions',
  orders: 'orders',
  refunds: 'refunds',
  credits: 'credits',
  counters: 'counters',
  media: 'media',
  staffInbox: 'staff_inbox',
  caseTasks: 'case_tasks',
  rateSlots: 'rate_slots',
  guards: 'order_guards',
  syncState: 'sync_state',
  tokens: 'tokens',
  throttles: 'throttles',
  pushNonces: 'push_nonces',
  // issue 24: batch alerts and their per-(SKU, batch) window guard
  batchAlerts: 'batch_alerts',
  batchGuards: 'batch_guards',
} as const
export type CollectionKey = keyof typeof COLLECTIONS

export interface IndexSpec {
  collection: CollectionKey
  name: string
  /** field → 1 (asc) / -1 (desc), in order */
  fields: Record<string, 1 | -1>
  unique?: boolean
  why: string
}

/** `_id` is always indexed (and unique); these are the extra ones the queries need. */
export const INDEXES: IndexSpec[] = [
  {
    collection: 'cases',
    name: 'created_sla',
    fields: { createdAt: -1, _id: -1, slaWarnAt: 1, slaBreachAt: 1 },
    why: 'listCases created_desc (全部, keyset) with the SLA-state filter checked in the index keys. Replaces created (its prefix)',
  },
  { collection: 'cases', name: 'buyer_created', fields: { buyerOpenid: 1, createdAt: -1, _id: -1 }, why: 'buyer’s own list; buyerCaseCounts and filingContext’s case lookups (standing: the buyer’s ids, last 90 days)' },
  { collection: 'cases', name: 'order', fields: { orderId: 1, createdAt: -1 }, why: 'cases of an order' },
  { collection: 'cases', name: 'team_status_due', fields: { team: 1, status: 1, dueSort: 1, _id: 1 }, why: 'team queue, due_asc' },
  { collection: 'cases', name: 'assignee_status_due', fields: { assigneeId: 1, status: 1, dueSort: 1, _id: 1 }, why: 'my queue / openCaseCounts' },
  {
    collection: 'cases',
    name: 'open_due_sla',
    fields: { open: 1, dueSort: 1, _id: 1, slaWarnAt: 1, slaBreachAt: 1 },
    why: 'open queue by due time; the SLA-state filter (range on slaWarnAt / slaBreachAt) is checked in the index keys. Replaces open_due (its prefix)',
  },
  { collection: 'cases', name: 'open_assignee_sla', fields: { open: 1, assigneeId: 1, dueSort: 1, _id: 1, slaWarnAt: 1, slaBreachAt: 1 }, why: '我的 / 未分配 queues by due time (+ SLA state); openCaseCounts' },
  { collection: 'cases', name: 'open_team_sla', fields: { open: 1, team: 1, dueSort: 1, _id: 1, slaWarnAt: 1, slaBreachAt: 1 }, why: '本组 queue by due time (+ SLA state)' },
  { collection: 'cases', name: 'open_escalated_sla', fields: { open: 1, escalated: 1, dueSort: 1, _id: 1, slaWarnAt: 1, slaBreachAt: 1 }, why: '已升级 queue by due time (+ SLA state)' },
  { collection: 'cases', name: 'status_created', fields: { status: 1, createdAt: -1, _id: -1 }, why: 'status filter newest first' },
  { collection: 'cases', name: 'sla_due', fields: { slaDueAt: 1, _id: 1 }, why: 'dueCases (scheduler)' },
  { collection: 'cases', name: 'case_no', fields: { caseNo: 1 }, unique: true, why: 'lookup by case number; uniqueness backstop' },
  { collection: 'outbox', name: 'pending', fields: { status: 1, nextAttemptAt: 1, _id: 1 }, why: 'pendingOutbox' },
  { collection: 'outbox', name: 'claim', fields: { status: 1, priority: 1, nextAttemptAt: 1, _id: 1 }, why: 'claimOutbox (urgent first)' },
  { collection: 'outbox', name: 'claimToken', fields: { claim: 1 }, why: 'claimOutbox read-back, finishOutbox' },
  { collection: 'outbox', name: 'case', fields: { caseId: 1, createdAt: 1, _id: 1 }, why: 'listOutbox by case' },
  { collection: 'orders', name: 'buyer_created', fields: { buyerOpenid: 1, createdAt: -1, _id: -1 }, why: 'listOrdersByBuyer' },
  { collection: 'orders', name: 'watch_due', fields: { watchDue: 1, _id: 1 }, why: 'unsignedOrders (logistics watch)' },
  { collection: 'orders', name: 'buyer_delivered', fields: { buyerOpenid: 1, deliveredAt: 1 }, why: 'countOrders and filingContext’s order lookup (trust rule: orders signed for in the last N days)' },
  { collection: 'orders', name: 'unionid_created', fields: { buyerUnionid: 1, createdAt: -1, _id: -1 }, why: 'listOrdersByUnionid (shop orders of a mini-program buyer)' },
  { collection: 'buyers', name: 'unionid', fields: { unionid: 1 }, why: 'getBuyerByUnionid and filingContext’s unionid lookup (shop order / after-sale → mini-program buyer)' },
  { collection: 'buyers', name: 'searchKeys', fields: { searchKeys: 1 }, why: 'searchBuyers (staff find a buyer by name or phone tail)' },
  { collection: 'buyers', name: 'dedicatedRepId', fields: { dedicatedRepId: 1 }, why: 'listRepAssignments (the roster lists every dedicated rep)' },
  { collection: 'refunds', name: 'order', fields: { orderId: 1 }, why: 'refundedForOrder' },
  { collection: 'credits', name: 'openid', fields: { openid: 1 }, why: 'getCredits' },
  { collection: 'cases', name: 'task_approval_owner_due', fields: { task_approval_open: 1, task_approval_owner: 1, task_approval_dueAt: 1, _id: 1 }, why: '待审批 list of one owner (listTaskCases, countTasks; task fields on the case)' },
  { collection: 'cases', name: 'task_approval_due', fields: { task_approval_open: 1, task_approval_dueAt: 1, _id: 1 }, why: '待审批 list for every owner' },
  { collection: 'cases', name: 'task_review_owner_due', fields: { task_review_open: 1, task_review_owner: 1, task_review_dueAt: 1, _id: 1 }, why: '差评跟进 list of one owner (listTaskCases, countTasks; task fields on the case)' },
  { collection: 'cases', name: 'task_review_due', fields: { task_review_open: 1, task_review_dueAt: 1, _id: 1 }, why: '差评跟进 list for every owner' },
  { collection: 'cases', name: 'task_visit_owner_due', fields: { task_visit_open: 1, task_visit_owner: 1, task_visit_dueAt: 1, _id: 1 }, why: '回访 list of one owner (listTaskCases, countTasks; task fields on the case)' },
  { collection: 'cases', name: 'task_visit_due', fields: { task_visit_open: 1, task_visit_dueAt: 1, _id: 1 }, why: '回访 list for every owner' },
  { collection: 'cases', name: 'task_next', fields: { taskNextAt: 1, _id: 1 }, why: 'dueTaskCases (scheduler: reminders, escalations)' },
  { collection: 'cases', name: 'outq', fields: { outqAt: 1 }, why: 'sweepCaseOutbox (outbox rows waiting in case documents)' },
  { collection: 'staffInbox', name: 'staff_created', fields: { staffId: 1, createdAt: -1, _id: -1 }, why: 'listInbox (newest first, keyset)' },
  { collection: 'staffInbox', name: 'staff_unread_created', fields: { staffId: 1, unread: 1, createdAt: -1, _id: -1 }, why: 'listInbox unread only; countUnread; mark all read' },
  { collection: 'policyVersions', name: 'version', fields: { version: -1 }, why: 'listPolicyVersions' },
  { collection: 'pushNonces', name: 'expires', fields: { expiresAt: 1 }, why: 'purgePushNonces (scheduler housekeeping)' },
  { collection: 'batchAlerts', name: 'opened', fields: { openedAt: -1, _id: -1 }, why: 'listBatchAlerts (newest first; analytics range)' },
  { collection: 'batchAlerts', name: 'running_opened', fields: { running: 1, openedAt: -1, _id: -1 }, why: 'listBatchAlerts running (the scheduler continues an outreach)' },
  { collection: 'orders', name: 'sku_batch', fields: { skuBatchKeys: 1, _id: 1 }, why: 'listOrdersByBatch (reach the buyers of a batch)' },
  { collection: 'orders', name: 'delivered_id', fields: { deliveredAt: 1, _id: 1 }, why: 'listDeliveredOrders (签收回访 pass)' },
  { collection: 'cases', name: 'batch_created', fields: { 'skuItems.batchKey': 1, createdAt: -1, _id: -1 }, why: 'cases of one SKU and batch in a window (batch watch)' },
]

export function collectionName(key: CollectionKey, prefix = ''): string {
  return `${prefix}${COLLECTIONS[key]}`
}
