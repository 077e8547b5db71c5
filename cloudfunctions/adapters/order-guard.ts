/**
 * The per-order guard both store adapters keep inside their case writes: which cases an order has
 * (their SKUs, open or not) and the money committed over all of them. The adapters read it and
 * write it in the same transaction as the case, so two instances filing a case for the same item,
 * or paying refunds on two cases of one order, collide in the database instead of both passing a
 * check made before the write.
 */
import { OPEN_STATUSES, type Case } from '@contract/domain'
import { GuardViolation, type OrderCaseEntry, type OrderGuard } from '../ports/store'
import { claimedValueFen, committedFen } from '../core/money'
import { caseLedger } from '../core/money-guard'

const OPEN = new Set<string>(OPEN_STATUSES)

export const emptyGuard = (orderId: string): OrderGuard => ({ orderId, cases: [], committedFen: 0 })

export function guardEntry(c: Case): OrderCaseEntry {
  const ledger = caseLedger(c)
  const incidentCaps: Record<string, number> = {}
  for (const r of c.refunds) if (r.incident && r.incidentCapFen !== undefined && r.status !== 'failed') incidentCaps[r.incident] = Math.max(incidentCaps[r.incident] ?? 0, r.incidentCapFen)
  return {
    caseId: c.id,
    skus: [...new Set(c.claimedItems.map((i) => i.skuId))],
    type: c.type,
    open: OPEN.has(c.status),
    createdAt: c.createdAt,
    committedFen: committedFen(c),
    itemsFen: ledger.itemsFen,
    incidentsFen: ledger.incidentsFen,
    incidentCaps,
  }
}

const same = (a: Record<string, number> | undefined, b: Record<string, number> | undefined) => JSON.stringify(a ?? {}) === JSON.stringify(b ?? {})

const total = (cases: OrderCaseEntry[]) => cases.reduce((s, e) => s + e.committedFen, 0)

/** The guard with a new case entered; with `maxRequestsPerSku` the per-SKU rules are enforced. */
export function admitCase(guard: OrderGuard, c: Case, maxRequestsPerSku?: number): OrderGuard {
  const entry = guardEntry(c)
  if (maxRequestsPerSku !== undefined) {
    for (const sku of entry.skus) {
      const past = guard.cases.filter((e) => e.caseId !== c.id && e.skus.includes(sku))
      if (past.length >= maxRequestsPerSku) throw new GuardViolation('request_cap', { skuId: sku, count: past.length, limit: maxRequestsPerSku })
      const open = past.find((e) => e.open)
      if (open) throw new GuardViolation('open_case', { skuId: sku, otherCaseId: open.caseId })
    }
  }
  return withEntry(guard, entry, c.order)
}

/** The guard after a save of `next`; null when its entry did not change (nothing to write). */
export function updateGuard(guard: OrderGuard, next: Case): OrderGuard | null {
  const entry = guardEntry(next)
  const prev = guard.cases.find((e) => e.caseId === next.id)
  if (prev && prev.open === entry.open && prev.committedFen === entry.committedFen && same(prev.itemsFen, entry.itemsFen) && same(prev.incidentsFen, entry.incidentsFen)) return null
  if (!prev && !entry.open && entry.committedFen === 0) return null
  return withEntry(guard, prev ? { ...entry, createdAt: prev.createdAt } : entry, next.order)
}

const sumBy = (cases: OrderCaseEntry[], field: 'itemsFen' | 'incidentsFen', key: string) => cases.reduce((s, e) => s + (e[field]?.[key] ?? 0), 0)

/**
 * The money guard's caps (core/money-guard.ts) held inside the write: the order's paid amount, each
 * SKU's paid value, each incident's cap. Only a save that raises a total past its cap is refused
 * (never one that lowers it), so a ledger written before a cap existed cannot block the case.
 */
function withEntry(guard: OrderGuard, entry: OrderCaseEntry, order: Case['order']): OrderGuard {
  const paidFen = order.paidFen
  const cases = [...guard.cases.filter((e) => e.caseId !== entry.caseId), entry]
  const committed = total(cases)
  if (committed > paidFen && committed > guard.committedFen) {
    throw new GuardViolation('over_paid', { paidFen, committedFen: guard.committedFen })
  }
  for (const skuId of Object.keys(entry.itemsFen ?? {})) {
    const line = order.items.find((i) => i.skuId === skuId)
    // a SKU the order snapshot does not list has no value of its own to cap (the order's cap still holds)
    if (!line) continue
    const cap = claimedValueFen(order, [{ skuId, qty: line.qty }])
    const now = sumBy(cases, 'itemsFen', skuId)
    if (now > cap && now > sumBy(guard.cases, 'itemsFen', skuId)) throw new GuardViolation('over_items', { skuId, capFen: cap, committedFen: sumBy(guard.cases, 'itemsFen', skuId) })
  }
  for (const incident of Object.keys(entry.incidentsFen ?? {})) {
    const caps = cases.map((e) => e.incidentCaps?.[incident]).filter((x): x is number => x !== undefined)
    // compensation recorded without its cap (written before caps existed): only the order and item caps hold
    if (!caps.length) continue
    const cap = Math.max(...caps)
    const now = sumBy(cases, 'incidentsFen', incident)
    if (now > cap && now > sumBy(guard.cases, 'incidentsFen', incident)) throw new GuardViolation('over_incident', { incident, capFen: cap, committedFen: sumBy(guard.cases, 'incidentsFen', incident) })
  }
  return { orderId: guard.orderId, cases, committedFen: committed }
}

/**
 * Whether a save of `next` may change its order's guard (so the adapter must read it): money, a
 * case leaving the open statuses, or an appeal (escalated) reopening a rejected one.
 */
export const touchesGuard = (next: Case): boolean => next.refunds.length > 0 || !OPEN.has(next.status) || next.flags.escalated
