import crypto from 'node:crypto'
import type { Case, CaseEvent, PastCase, StaffMember } from '@contract/domain'
import { defaultPolicy, PolicySchema, type Policy } from '@contract/policy'
import type { Deps } from './deps'
import type { NewOutboxItem, OrderGuard, StaffRecord } from '../ports/store'
import { AppError } from './errors'
import { withOfficialCalendar } from './official-calendar'
import { sumLedgers, type OrderLedger } from '../core/money-guard'
import type { Caller } from './function'

/** Stored versions are immutable: parse each once per store (fills fields added since it was saved). */
const parsedPolicies = new WeakMap<object, Map<number, Policy>>()

/** The stored policy with the schema's defaults applied; a record that no longer parses is used as stored. */
export function upgradePolicy(store: object, version: number, stored: Policy): Policy {
  let byVersion = parsedPolicies.get(store)
  if (!byVersion) parsedPolicies.set(store, (byVersion = new Map()))
  let p = byVersion.get(version)
  if (!p) {
    const r = PolicySchema.safeParse(stored)
    p = r.success ? r.data : stored
    byVersion.set(version, p)
  }
  return p
}

/**
 * The seller's live policy (the default until one is saved) as the core applies it: with China's
 * official holidays and 调休 days under the seller's own closures and extra working days.
 */
export async function livePolicy(deps: Deps): Promise<{ policy: Policy; version: number }> {
  const rec = await deps.store.getPolicy()
  const own = rec ? upgradePolicy(deps.store, rec.version, rec.policy) : defaultPolicy
  const policy = withOfficialCalendar(own)
  lastLive.set(deps.store, policy)
  return { policy, version: rec ? rec.version : defaultPolicy.version }
}
const lastLive = new WeakMap<object, Policy>()
/**
 * The live policy this instance read last (null before its first read): a guess a read may be
 * sent on before the policy is read again, to be checked against it (see Store.filingContext's
 * callers) — never acted on unchecked.
 */
export function lastLivePolicy(deps: Deps): Policy | null {
  return lastLive.get(deps.store) ?? null
}

/** Routing compares loads up to here: an agent with this many open cases is full, ties go to the idlest. */
export const ROUTING_COUNT_CAP = 200

/** Active roster with open-case loads, as the routing needs it (one read where the store keeps load counters). */
export async function roster(deps: Deps): Promise<StaffMember[]> {
  return rosterOf(await deps.store.listStaffLoads(ROUTING_COUNT_CAP))
}
/** The routing's roster of staff read with their loads (listStaffLoads(ROUTING_COUNT_CAP), or a filing's context). */
export function rosterOf(staff: Array<StaffRecord & { openCases: number }>): StaffMember[] {
  return staff.filter((s) => s.active).map(({ active: _a, ...s }) => s)
}

/** The order's earlier cases as the core's eligibility check takes them, from the per-order guard. */
export function pastCasesOf(guard: OrderGuard): PastCase[] {
  return guard.cases.map((e) => ({
    caseId: e.caseId,
    orderId: guard.orderId,
    claimedItems: e.skus.map((skuId) => ({ skuId, qty: 1 })),
    type: e.type,
    // only open vs. not open matters to the rules
    status: e.open ? 'in_review' : 'closed',
    createdAt: e.createdAt,
  }))
}

/** What the order's OTHER cases committed, in total, per SKU and per incident (CoreContext.orderLedger). */
export function otherCasesLedger(guard: OrderGuard, caseId: string | null): OrderLedger {
  return sumLedgers(guard.cases.filter((e) => e.caseId !== caseId))
}

/** Stable hash of a request's data: the same idempotency key with other data is a different request. */
export function fingerprint(data: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(data) as string).digest('hex').slice(0, 32)
}

/**
 * JSON.stringify of the value with every object's keys sorted, written in one pass (no sorted
 * copy of each object first): the same text fingerprints were always taken of, so keys stored
 * before still match. As JSON.stringify: an object drops keys whose value has no JSON
 * (undefined, a function), an array writes null for them, a Date is an object without keys.
 */
export function canonicalJson(v: unknown): string | undefined {
  if (Array.isArray(v)) {
    let out = '['
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + (canonicalJson(v[i]) ?? 'null')
    return out + ']'
  }
  if (v && typeof v === 'object') {
    let out = '{'
    for (const k of sortedKeys(v)) {
      const s = canonicalJson((v as Record<string, unknown>)[k])
      if (s !== undefined) out += (out.length > 1 ? ',' : '') + JSON.stringify(k) + ':' + s
    }
    return out + '}'
  }
  return JSON.stringify(v)
}

/** An object's keys in the order a key-sorted copy lists them: array-index keys first, ascending, then the others sorted. */
function sortedKeys(v: object): string[] {
  const keys = Object.keys(v).sort()
  const index = keys.filter(isIndexKey)
  if (!index.length) return keys
  return [...index.sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isIndexKey(k))]
}
const isIndexKey = (k: string) => {
  const n = Number(k)
  return n >>> 0 === n && n !== 4294967295 && String(n) === k
}

/** Events that must leave the system reliably go to the outbox, in the same write as the case. */
export function outboxOf(events: CaseEvent[]): NewOutboxItem[] {
  return events.map((e) => ({ key: e.key, caseId: e.caseId, kind: e.kind, payload: e as unknown as Record<string, unknown> }))
}

/** Buyers only ever see their own cases: anybody else's is NOT_FOUND, never FORBIDDEN (no probing). */
export async function loadCaseFor(deps: Deps, caller: Caller, caseId: string): Promise<Case> {
  const c = await deps.store.getCase(caseId)
  if (!c || (caller.kind === 'buyer' && c.buyerOpenid !== caller.openid)) throw new AppError('NOT_FOUND', '没有找到这个售后单')
  return c
}

export function actorOf(caller: Caller) {
  return caller.kind === 'buyer'
    ? { kind: 'buyer' as const, id: caller.openid }
    : { kind: 'staff' as const, id: caller.openid, role: caller.staff.role }
}
