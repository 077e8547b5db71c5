import type { Actor, Case, CaseCommand, OrderSnapshot, StaffMember } from '@contract/domain'
import { defaultPolicy, type Policy } from '@contract/policy'
import { decide, openCase, type CoreContext } from '../../cloudfunctions/core'

export const policy: Policy = defaultPolicy
export const BUYER = 'openid-buyer-1'
export const buyer: Actor = { kind: 'buyer', id: BUYER }
export const agent: Actor = { kind: 'staff', id: 'agent-1', role: 'agent' }
export const supervisor: Actor = { kind: 'staff', id: 'sup-1', role: 'supervisor' }
export const system: Actor = { kind: 'system', id: 'timer' }

/** Monday 2026-11-23 10:00 Asia/Shanghai */
export const MON_10 = '2026-11-23T02:00:00.000Z'

export function idGen(prefix = 'id'): () => string {
  let n = 0
  return () => `${prefix}${++n}`
}

export function ctx(actor: Actor, now: string, extra: Partial<CoreContext> = {}): CoreContext {
  return { now, actor, policy, newId: idGen(`${actor.kind[0]}${now.replace(/\D/g, '').slice(0, 12)}-`), ...extra }
}

export function order(over: Partial<OrderSnapshot> = {}): OrderSnapshot {
  return {
    orderId: 'O-1001',
    buyerOpenid: BUYER,
    items: [
      { skuId: 'NEST-6', name: '高含量瓶装燕窝6瓶装', qty: 6, unitPriceFen: 5000, batch: 'B2611' },
      { skuId: 'CUP', name: '燕窝杯', qty: 1, unitPriceFen: 2000 },
    ],
    paidFen: 32000,
    paidAt: '2026-11-15T02:00:00.000Z',
    shippedAt: '2026-11-16T02:00:00.000Z',
    promisedDeliveryAt: '2026-11-18T10:00:00.000Z',
    deliveredAt: '2026-11-20T04:00:00.000Z',
    carrier: 'SF',
    trackingNo: 'SF1234567890',
    ...over,
  }
}

export const roster: StaffMember[] = [
  { id: 'agent-1', name: '小王', role: 'agent', teams: ['quality', 'general'], onDuty: true, openCases: 3, lastAssignedAt: '2026-11-23T01:00:00.000Z' },
  { id: 'agent-2', name: '小李', role: 'agent', teams: ['logistics', 'warehouse'], onDuty: true, openCases: 1, lastAssignedAt: '2026-11-23T01:30:00.000Z' },
  { id: 'agent-3', name: '小张', role: 'agent', teams: ['logistics'], onDuty: true, openCases: 1, lastAssignedAt: '2026-11-22T09:00:00.000Z' },
  { id: 'sup-1', name: '王杰', role: 'supervisor', teams: ['quality', 'logistics', 'warehouse', 'general'], onDuty: true, openCases: 9, lastAssignedAt: null },
]

export function open(input: Partial<Parameters<typeof openCase>[0] & object> & Record<string, unknown>, now = MON_10, extra: Partial<CoreContext> = {}): Case {
  const r = openCase(
    {
      buyerOpenid: BUYER,
      order: order(),
      claimedItems: [{ skuId: 'NEST-6', qty: 1 }],
      type: 'return_refund',
      reason: 'quality_defect',
      description: '瓶子里有杂质',
      desiredRemedy: 'return_refund',
      ...input,
    },
    ctx(buyer, now, { roster, ...extra }),
  )
  if (!r.ok) throw new Error(`openCase failed: ${r.error.code} ${r.error.message}`)
  return r.value.case
}

/** Apply a command and fail the test loudly if it is refused. */
export function step(c: Case, cmd: CaseCommand, actor: Actor, now: string, extra: Partial<CoreContext> = {}) {
  const r = decide(c, cmd, ctx(actor, now, extra))
  if (!r.ok) throw new Error(`${String((cmd as { type: string }).type)} refused: ${r.error.code} ${r.error.message}`)
  return r.value
}

export function later(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString()
}
