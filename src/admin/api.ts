import type { z } from 'zod'
import type { AdminAction, AdminOutputs, CaseView, StaffCommand, adminInputs } from '@contract/actions'
import { call, newIdempotencyKey } from '../api/client'

/**
 * Typed wrappers over the staff function (`admin`). Inputs and outputs come from the shared
 * contract, so a schema change breaks the typecheck here. Every rule is enforced by the function;
 * these only carry data.
 */
type Inputs = typeof adminInputs
export type AdminInput<K extends AdminAction> = z.input<Inputs[K]>
type Output<K extends AdminAction> = K extends keyof AdminOutputs ? AdminOutputs[K] : CaseView

export function admin<K extends AdminAction>(action: K, data: AdminInput<K>, idempotencyKey?: string): Promise<Output<K>> {
  return call<Output<K>>('admin', action, data, idempotencyKey)
}

export type CaseDetail = AdminOutputs['get_case']
export type Me = AdminOutputs['whoami']

export const adminApi = {
  whoami: () => admin('whoami', {}),
  queue: (q: AdminInput<'queue'>) => admin('queue', q),
  getCase: (caseId: string) => admin('get_case', { caseId }),
  listStaff: () => admin('list_staff', {}),
  upsertStaff: (s: AdminInput<'upsert_staff'>) => admin('upsert_staff', s),
  setDuty: (id: string, onDuty: boolean) => admin('set_duty', { id, onDuty }),
  setDedicatedRep: (d: AdminInput<'set_dedicated_rep'>) => admin('set_dedicated_rep', d),
  searchBuyers: (q: string) => admin('search_buyers', { q }),
  setBuyerTrust: (d: AdminInput<'set_buyer_trust'>) => admin('set_buyer_trust', d),
  getPolicy: () => admin('get_policy', {}),
  updatePolicy: (expectedVersion: number, policy: unknown, preview?: { from?: string; to?: string }, rulesPreview?: string) =>
    admin('update_policy', { expectedVersion, policy, ...(preview ? { preview } : {}), ...(rulesPreview ? { rulesPreview } : {}) }),
  previewPolicy: (d: AdminInput<'preview_policy'>) => admin('preview_policy', d),
  cancelPreview: () => admin('cancel_preview', {}),
  listPolicyVersions: () => admin('list_policy_versions', {}),
  analytics: (r: AdminInput<'analytics'>) => admin('analytics', r),
  exportCases: (r: AdminInput<'export_cases'>) => admin('export_cases', r),
  shopOptions: () => admin('shop_options', {}),
  inbox: (q: AdminInput<'inbox'>) => admin('inbox', q),
  openLinkedCase: (q: AdminInput<'open_linked_case'>) => admin('open_linked_case', q),
  markInboxRead: (q: AdminInput<'mark_inbox_read'>) => admin('mark_inbox_read', q),
  recordStaffSubscriptions: (results: AdminInput<'record_staff_subscriptions'>['results']) => admin('record_staff_subscriptions', { results }),
  /** A staff command on a case; refunds and approvals carry an idempotency key so a retry never pays twice. */
  command: <K extends StaffCommand>(action: K, data: AdminInput<K>) => admin(action, data, newIdempotencyKey()) as Promise<CaseView>,
}
