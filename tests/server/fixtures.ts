/**
 * Test fixtures for the server tests. `makeCase` builds a Case that passes CaseSchema (parsed
 * here, so schema drift breaks the fixture, not a confusing assertion later).
 */
import { CaseSchema, type Case, type SlaTargetState } from '@contract/domain'
import { untouchedCase } from '../shared/case-parts'

let seq = 0
/** unique, sortable-ish id for a test run */
export function uid(prefix = 'id'): string {
  seq += 1
  return `${prefix}-${Date.now().toString(36)}-${seq.toString().padStart(5, '0')}-${Math.random().toString(36).slice(2, 7)}`
}

export const T0 = '2026-11-23T06:00:00.000Z'
export const HOUR = 3_600_000
export function at(base: string, ms: number): string {
  return new Date(Date.parse(base) + ms).toISOString()
}

/** A calendar-clock SLA target started at `start`, due `ms` later. */
export function target(start: string, ms: number, patch: Partial<SlaTargetState> = {}): SlaTargetState {
  return { clock: 'calendar', targetMs: ms, startedAt: start, dueAt: at(start, ms), metAt: null, pausedRemainingMs: null, ...patch }
}

type CaseOverrides = Partial<Omit<Case, 'order' | 'sla' | 'flags'>> & {
  order?: Partial<Case['order']>
  sla?: Partial<Case['sla']>
  flags?: Partial<Case['flags']>
}

/**
 * A submitted P2 quality case of one order, created at `createdAt` (default T0), with a
 * calendar-clock SLA (first response 4 h, resolution 72 h). Everything can be overridden.
 */
export function makeCase(overrides: CaseOverrides = {}): Case {
  const id = overrides.id ?? uid('case')
  const createdAt = overrides.createdAt ?? T0
  const buyerOpenid = overrides.buyerOpenid ?? 'o-buyer-1'
  const { order, sla, flags, ...rest } = overrides
  const c: Case = {
    id,
    caseNo: `NO-${id}`,
    buyerOpenid,
    order: {
      orderId: `order-${id}`,
      buyerOpenid,
      items: [{ skuId: 'sku-1', name: '即食燕窝 6 瓶装', qty: 2, unitPriceFen: 19_900, batch: 'B2611' }],
      paidFen: 39_800,
      paidAt: at(createdAt, -72 * HOUR),
      shippedAt: at(createdAt, -48 * HOUR),
      ...order,
    },
    claimedItems: [{ skuId: 'sku-1', qty: 1 }],
    type: 'refund_only',
    reason: 'quality_defect',
    description: '瓶盖漏液',
    evidence: [{ fileId: 'cloud://env/evidence/1.jpg', kind: 'image', size: 123_456, mime: 'image/jpeg' }],
    desiredRemedy: 'refund',
    severity: 'P2',
    team: 'quality',
    assigneeId: null,
    status: 'submitted',
    sla: {
      severity: 'P2',
      firstResponse: target(createdAt, 4 * HOUR),
      resolution: target(createdAt, 72 * HOUR),
      pausedAt: null,
      warnedAt: null,
      breachedAt: null,
      breachedTarget: null,
      stoppedAt: null,
      ...sla,
    },
    buyerDeadline: null,
    offers: [],
    ...untouchedCase(),
    flags: { ...untouchedCase().flags, ...flags },
    routingNote: '质量问题 → 品质组',
    policyVersion: 1,
    version: 1,
    createdAt,
    updatedAt: createdAt,
    timeline: [
      {
        id: `${id}-t1`,
        at: createdAt,
        actor: { kind: 'buyer', id: buyerOpenid },
        type: 'opened',
        fromStatus: null,
        toStatus: 'submitted',
        text: '您的售后申请已提交',
        internal: false,
        data: { 'odd.key': 1, $weird: ['x'] },
      },
    ],
    ...rest,
  }
  return CaseSchema.parse(c)
}

/** The same case one transition later (version + 1, a timeline entry, new status). */
export function nextVersion(c: Case, patch: Partial<Case> = {}, now = at(c.updatedAt, 60_000)): Case {
  const status = patch.status ?? c.status
  return CaseSchema.parse({
    ...c,
    ...patch,
    version: c.version + 1,
    updatedAt: now,
    timeline: [
      ...c.timeline,
      {
        id: `${c.id}-t${c.timeline.length + 1}`,
        at: now,
        actor: { kind: 'staff', id: 'agent-1' },
        type: 'respond',
        fromStatus: c.status,
        toStatus: status,
        text: '客服已回复',
        internal: false,
      },
    ],
  })
}
