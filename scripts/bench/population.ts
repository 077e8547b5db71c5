/**
 * Realistic case populations for the benchmarks. Case documents are never hand-written: a few
 * dozen "templates" are filed through the real buyer function (submit) on a scratch store, and the
 * population is made of copies of them for other buyers / orders with every instant shifted, so
 * each stored document has exactly the shape `submit` produces.
 */
import crypto from 'node:crypto'
import { defaultPolicy } from '@contract/policy'
import type { Case, OrderSnapshot, ReasonCode, CaseType, DesiredRemedy } from '@contract/domain'
import { SqliteStore } from '../../cloudfunctions/adapters/sqlite/store'
import { LocalPayments } from '../../cloudfunctions/adapters/local/payments'
import { LocalMedia } from '../../cloudfunctions/adapters/local/media'
import type { Deps } from '../../cloudfunctions/app/deps'
import type { NewOutboxItem } from '../../cloudfunctions/ports/store'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'

/** Monday 11:00 in Shanghai: inside business hours, so business-clock SLAs run. */
export const BENCH_NOW = '2026-11-23T03:00:00.000Z'
export const MINUTE = 60_000
export const DAY = 86_400_000
export const at = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString()

export function benchDeps(store: SqliteStore, now: () => string): Deps {
  return { store, payments: new LocalPayments(store, now), media: new LocalMedia(store), now, newId: () => crypto.randomUUID(), log: () => {} }
}

export async function openStore(file: string): Promise<SqliteStore> {
  const store = new SqliteStore(file)
  await store.init()
  return store
}

/** One claim per reason the demo orders allow (lost_parcel needs an undelivered order). */
export const CLAIMS: { reason: ReasonCode; type: CaseType; desiredRemedy: DesiredRemedy }[] = [
  { reason: 'quality_defect', type: 'refund_only', desiredRemedy: 'refund' },
  { reason: 'not_as_described', type: 'return_refund', desiredRemedy: 'return_refund' },
  { reason: 'safety_allergy', type: 'refund_only', desiredRemedy: 'refund' },
  { reason: 'damaged_in_transit', type: 'resend', desiredRemedy: 'resend' },
  { reason: 'missing_item', type: 'resend', desiredRemedy: 'resend' },
  { reason: 'wrong_item', type: 'exchange', desiredRemedy: 'exchange' },
  { reason: 'late_delivery', type: 'compensation', desiredRemedy: 'compensation' },
  { reason: 'no_reason_7d', type: 'return_refund', desiredRemedy: 'return_refund' },
  { reason: 'taste_usage', type: 'return_refund', desiredRemedy: 'return_refund' },
  { reason: 'size_fit', type: 'exchange', desiredRemedy: 'exchange' },
  { reason: 'other', type: 'refund_only', desiredRemedy: 'contact_me' },
]

export const BENCH_SKU = 'SKU-BENCH-01'

/** A delivered (two days ago, one day late) single-item order every claim above is eligible for. */
export function benchOrder(orderId: string, buyerOpenid: string, nowIso: string): OrderSnapshot {
  return {
    orderId,
    buyerOpenid,
    items: [{ skuId: BENCH_SKU, name: '即食燕窝 6 瓶装 礼盒', qty: 2, unitPriceFen: 19_900, batch: 'B2611A' }],
    paidFen: 39_800,
    paidAt: at(nowIso, -5 * DAY),
    shippedAt: at(nowIso, -4 * DAY),
    carrier: '顺丰速运',
    trackingNo: `SF${orderId}`,
    promisedDeliveryAt: at(nowIso, -3 * DAY),
    deliveredAt: at(nowIso, -2 * DAY),
  }
}

/** The submit body for claim `k` (cycled) on a bench order. */
export function submitData(orderId: string, k: number) {
  const c = CLAIMS[k % CLAIMS.length]
  return {
    orderId,
    claimedItems: [{ skuId: BENCH_SKU, qty: 1 }],
    type: c.type,
    reason: c.reason,
    description: '收到后发现瓶身有裂纹，内容物渗出，外箱完好',
    evidence: [],
    desiredRemedy: c.desiredRemedy,
  }
}

export async function insertOrders(store: SqliteStore, orders: OrderSnapshot[]): Promise<void> {
  for (const order of orders) await store.upsertOrder({ order, createdAt: order.paidAt })
}

export interface Template {
  json: string
  /** the outbox rows its submit wrote (NewOutboxItem[] as JSON) */
  outboxJson: string
  id: string
  caseNo: string
  buyerOpenid: string
  orderId: string
  createdAt: string
}

/**
 * `perClaim` real submitted cases for every claim, filed at `nowIso` on a scratch in-memory store
 * seeded like the gateway's demo shop (so routing spreads them over the real roster).
 */
export async function caseTemplates(nowIso: string, perClaim = 4): Promise<Template[]> {
  const store = await openStore(':memory:')
  await seedDemoShop(store, nowIso)
  const fn = aftersaleFunction(benchDeps(store, () => nowIso))
  const out: Template[] = []
  for (let i = 0; i < perClaim * CLAIMS.length; i++) {
    // unique tokens, so a copy can rename them by plain text replacement
    const buyer = `TPLBUYER${String(i).padStart(4, '0')}X`
    const orderId = `TPLORDER${String(i).padStart(4, '0')}X`
    await store.upsertOrder({ order: benchOrder(orderId, buyer, nowIso), createdAt: nowIso })
    const r = await fn({ action: 'submit', data: submitData(orderId, i), idempotencyKey: `template-${i}` }, { openid: buyer })
    if (!r.ok) throw new Error(`template submit failed: ${JSON.stringify(r.error)}`)
    const id = (r.data as { case: { id: string } }).case.id
    const c = await store.getCase(id)
    if (!c) throw new Error('template case missing')
    const outbox = (await store.listOutbox({ caseId: id }, 100)).map((o) => ({ key: o.key, caseId: o.caseId, kind: o.kind, payload: o.payload }))
    out.push({ json: JSON.stringify(c), outboxJson: JSON.stringify(outbox), id: c.id, caseNo: c.caseNo, buyerOpenid: buyer, orderId, createdAt: c.createdAt })
  }
  await store.close()
  return out
}

const ISO = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g

type Renames = { id: string; caseNo: string; buyerOpenid: string; orderId: string; createdAt: string }

function rename(t: Template, json: string, p: Renames): string {
  const delta = Date.parse(p.createdAt) - Date.parse(t.createdAt)
  return json
    .replace(ISO, (s) => new Date(Date.parse(s) + delta).toISOString())
    .replaceAll(t.id, p.id)
    .replaceAll(t.buyerOpenid, p.buyerOpenid)
    .replaceAll(t.orderId, p.orderId)
    .replaceAll(t.caseNo, p.caseNo)
}

/** A copy of a template as another buyer's case on another order, every instant shifted so it was created at `createdAt`. */
export function cloneCase(t: Template, p: Renames): Case {
  return JSON.parse(rename(t, t.json, p)) as Case
}

/** The outbox rows the template's submit wrote, renamed like `cloneCase` (keys derive from the case id). */
export function cloneOutbox(t: Template, p: Renames): NewOutboxItem[] {
  return JSON.parse(rename(t, t.outboxJson, p)) as NewOutboxItem[]
}

export interface PopulationSpec {
  /** open cases to create */
  cases: number
  /** buyers they belong to (`${prefix}b-N`), round robin */
  buyers: number
  /** creation instants are spread over [now - spreadMs, now) */
  spreadMs: number
  /**
   * Scheduler tranches: the first `tranches × perTranche` cases are P1 cases whose SLA warning
   * falls due in tranche k just before now + k × trancheStepMs (and after the previous tranche's
   * instant), so a scheduler pass at that instant finds exactly `perTranche` cases due.
   */
  tranches?: number
  perTranche?: number
  trancheStepMs?: number
  prefix?: string
}

/** When tranche k's warning falls due: 30 s before now + k × step. */
export const trancheAt = (nowIso: string, spec: PopulationSpec, k: number) => at(nowIso, k * (spec.trancheStepMs ?? MINUTE))

export const buyerOf = (spec: Pick<PopulationSpec, 'buyers' | 'prefix'>, i: number) => `${spec.prefix ?? 'p'}b-${i % spec.buyers}`

/**
 * Runs `fill` inside one transaction of the store's own connection. Setup only: the SQLite
 * adapter's methods do all their work synchronously (see its header), so calls `fill` makes
 * without awaiting land in this transaction; their promises are awaited afterwards so a failure
 * still surfaces.
 */
export async function inOneTransaction(store: SqliteStore, fill: () => Promise<unknown>[]): Promise<void> {
  let pending: Promise<unknown>[] = []
  store['db'].transaction(() => {
    pending = fill()
  })()
  await Promise.all(pending)
}

/**
 * Fills `store` with `spec.cases` open cases through the store port (`createCase`, no outbox), so
 * every index column is derived by the adapter exactly as for a real submit; committed in batches
 * of 2,000 to keep the setup short. Returns cases/s.
 */
export async function loadPopulation(store: SqliteStore, templates: Template[], nowIso: string, spec: PopulationSpec): Promise<number> {
  const prefix = spec.prefix ?? 'p'
  const p1 = templates.filter((t) => (JSON.parse(t.json) as Case).severity === 'P1')
  const fr = defaultPolicy.sla.targets.P1.firstResponse
  // Any clock runs continuously from 45 minutes before BENCH_NOW (11:00 on a Monday, inside
  // business hours) onwards: 24×7 (P1's default since the safety work) as well as business time.
  const dueCases = (spec.tranches ?? 0) * (spec.perTranche ?? 0)
  if (dueCases > 0 && !p1.length) throw new Error('tranches need P1 templates')
  // created this long before its warning
  const warnLead = fr.minutes * MINUTE * defaultPolicy.sla.warnRatio + 30_000
  const one = (i: number) => {
    const due = i < dueCases
    const createdAt = due
      ? at(trancheAt(nowIso, spec, Math.floor(i / (spec.perTranche ?? 1))), -warnLead - (i % 100))
      : at(nowIso, -1000 - Math.floor(((i + 0.5) / spec.cases) * spec.spreadMs))
    const c = cloneCase((due ? p1 : templates)[i % (due ? p1.length : templates.length)], {
      id: `${prefix}c-${String(i).padStart(7, '0')}`,
      caseNo: `${prefix.toUpperCase()}${String(i).padStart(9, '0')}`,
      buyerOpenid: buyerOf(spec, i),
      orderId: `${prefix}o-${i}`,
      createdAt,
    })
    return store.createCase(c, [])
  }
  const t0 = process.hrtime.bigint()
  for (let from = 0; from < spec.cases; from += 2000) {
    await inOneTransaction(store, () => {
      const out: Promise<unknown>[] = []
      for (let i = from; i < Math.min(spec.cases, from + 2000); i++) out.push(one(i))
      return out
    })
  }
  return spec.cases / (Number(process.hrtime.bigint() - t0) / 1e9)
}
