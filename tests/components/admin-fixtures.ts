/**
 * Answers of the `admin` function for the seller pages' component tests, typed by the contract.
 * The backend is not under test here: the pages are.
 */
import type { ApiResult, CallEnvelope, FunctionName } from '@contract/api'
import { untouchedCase } from '../shared/case-parts'
import type { AdminOutputs, CaseSummary, CaseView, QueueTab } from '@contract/actions'
import { STAFF_COMMANDS } from '@contract/actions'
import type { CaseStatus, CommandType, Offer, StaffRole } from '@contract/domain'
import { defaultPolicy } from '@contract/policy'
import { availableCommands } from '../../cloudfunctions/core/transitions'
import type { CaseDetail, Me } from '../../src/admin/api'

export const NOW = Date.parse('2026-11-23T06:00:00.000Z')
export const H = 3600_000
const iso = (ms: number) => new Date(NOW + ms).toISOString()

export const me = (role: StaffRole = 'agent', over: Partial<Me> = {}): Me => ({
  openid: role === 'agent' ? 'staff-amy' : role === 'supervisor' ? 'staff-sup' : 'staff-owner',
  role,
  name: role === 'agent' ? '小美' : role === 'supervisor' ? '陈主管' : '王店长',
  teams: ['quality'],
  ...over,
})

/** The staff commands the function lists for a case in `status` (same rule as the function's view). */
export const staffActions = (status: CaseStatus): CommandType[] =>
  // (the shop's platform_* commands are refused on mini-program cases, dispute_* on a case without a dispute, by the core's guards)
  availableCommands(status, 'staff').filter((a) => (STAFF_COMMANDS as readonly string[]).includes(a) && !a.startsWith('platform_') && !a.startsWith('dispute_'))

export const summary = (id: string, over: Partial<CaseSummary> = {}): CaseSummary => ({
  id,
  caseNo: `AS2026112300${id.slice(-2)}`,
  status: 'submitted',
  type: 'refund_only',
  reason: 'quality_defect',
  severity: 'P2',
  team: 'quality',
  assigneeId: 'staff-amy',
  orderId: 'DEMO0001',
  title: '明前龙井 250g 礼盒装',
  createdAt: iso(-5 * H),
  updatedAt: iso(-5 * H),
  escalated: false,
  sla: { state: 'on_time', dueAt: iso(3 * H), msLeft: 3 * H, paused: false },
  next: { actor: 'seller', text: '客服将尽快受理您的申请', dueAt: iso(3 * H) },
  source: 'miniprogram',
  platform: null,
  buyerReplied: false,
  ...over,
})

export const counts = (over: Partial<Record<QueueTab, number>> = {}): Record<QueueTab, number> => ({
  mine: 2, team: 5, unassigned: 1, overdue: 1, escalated: 0, all: 9, approvals: 0, reviews: 0, visits: 0, ...over,
})

export const suggestion = (over: Partial<Offer> = {}): Offer => ({
  id: 'sug-1',
  rule: 'minor_defect_partial_refund',
  kind: 'refund',
  refundFen: 3360,
  compensationFen: 0,
  couponFen: 0,
  giftValueFen: 0,
  items: [],
  pickup: false,
  shippingPaidBy: 'seller',
  explanation: '轻微瑕疵，可部分退款20%（¥33.60），商品无需寄回。',
  needsSupervisor: false,
  status: 'suggested',
  createdAt: iso(-5 * H),
  group: null,
  ...over,
})

export function caseDetail(status: CaseStatus, over: Partial<CaseView> = {}): CaseDetail {
  return {
    id: 'case-1',
    caseNo: 'AS202611230001',
    buyerOpenid: 'buyer-zhao',
    order: {
      orderId: 'DEMO0004',
      buyerOpenid: 'buyer-zhao',
      items: [{ skuId: 'SKU-TEA-01', name: '明前龙井 250g 礼盒装', qty: 1, unitPriceFen: 16800, batch: 'B2611A' }],
      paidFen: 16800,
      paidAt: iso(-6 * 24 * H),
      shippedAt: iso(-5 * 24 * H),
      deliveredAt: iso(-2 * 24 * H),
      carrier: '顺丰速运',
      trackingNo: 'SF1000000001',
    },
    claimedItems: [{ skuId: 'SKU-TEA-01', qty: 1 }],
    type: 'refund_only',
    reason: 'quality_defect',
    description: '茶叶受潮结块',
    evidence: [
      { fileId: 'local:img-1', kind: 'image', size: 1000, mime: 'image/jpeg' },
      { fileId: 'local:vid-1', kind: 'video', size: 9000, mime: 'video/mp4' },
    ],
    desiredRemedy: 'refund',
    severity: 'P2',
    team: 'quality',
    assigneeId: 'staff-amy',
    status,
    sla: {
      severity: 'P2',
      firstResponse: { clock: 'business', targetMs: 4 * H, startedAt: iso(-5 * H), dueAt: iso(-H), metAt: null, pausedRemainingMs: null },
      resolution: { clock: 'calendar', targetMs: 72 * H, startedAt: iso(-5 * H), dueAt: iso(67 * H), metAt: null, pausedRemainingMs: null },
      pausedAt: null,
      warnedAt: null,
      breachedAt: null,
      breachedTarget: null,
      stoppedAt: null,
      report: { state: 'breached', dueAt: iso(-H), msLeft: -H, paused: false },
    },
    buyerDeadline: null,
    offers: [suggestion()],
    ...untouchedCase(),
    routingNote: '按原因分到品质组，最空闲的在班客服',
    policyVersion: 2,
    version: 3,
    createdAt: iso(-5 * H),
    updatedAt: iso(-5 * H),
    timeline: [
      { id: 't1', at: iso(-5 * H), actor: { kind: 'buyer', id: 'buyer-zhao' }, type: 'opened', fromStatus: null, toStatus: 'submitted', text: '买家提交了售后申请', internal: false },
      { id: 't2', at: iso(-4 * H), actor: { kind: 'staff', id: 'staff-sup' }, type: 'note', fromStatus: 'submitted', toStatus: 'submitted', text: '买家疑似职业索赔，谨慎处理', internal: true },
    ],
    next: { actor: 'seller', text: '客服将尽快受理您的申请', dueAt: iso(-H) },
    actions: staffActions(status),
    ...over,
    refundableFen: 16800,
    buyerHistory: {
      pastCases: [summary('past-01', { status: 'closed' })],
      refundCount90d: 2,
      dedicatedRepId: null,
      trusted: false,
      trustSource: 'rule',
      trustRule: { trusted: false, completedOrders: 1, riskCases90d: 0, minOrders: 5, orderDays: 180 },
      trustHistory: [],
    },
  }
}

export const policyRecord = (): AdminOutputs['get_policy'] => ({ version: 2, policy: defaultPolicy, updatedBy: 'staff-owner', updatedAt: iso(-24 * H) })

type Handler = (data: Record<string, unknown>) => unknown

/** A fake `admin` function: handlers by action; a thrown {code,message} becomes an error answer. */
export function fakeAdmin(handlers: Record<string, Handler>) {
  const calls: { fn: FunctionName; action: string; data: Record<string, unknown>; key?: string }[] = []
  const transport = async (fn: FunctionName, env: CallEnvelope): Promise<ApiResult<unknown>> => {
    const data = (env.data ?? {}) as Record<string, unknown>
    calls.push({ fn, action: env.action, data, key: env.idempotencyKey })
    const h = handlers[env.action]
    if (!h) return { ok: false, error: { code: 'UNKNOWN_ACTION', message: `no fake for ${env.action}` } }
    try {
      return { ok: true, data: await h(data) }
    } catch (e) {
      const err = e as { code?: string; message?: string }
      return { ok: false, error: { code: (err.code ?? 'INTERNAL') as never, message: err.message ?? '' } }
    }
  }
  return { transport, calls, of: (action: string) => calls.filter((c) => c.action === action) }
}

export const fail = (code: string, message: string) => {
  throw Object.assign(new Error(message), { code })
}
