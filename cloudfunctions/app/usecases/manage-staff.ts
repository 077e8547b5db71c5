import type { z } from 'zod'
import type { BuyerPick, StaffInputSchema, StaffView } from '@contract/actions'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import type { BuyerRecord, StaffRecord } from '../../ports/store'

async function view(deps: Deps, s: StaffRecord): Promise<StaffView> {
  const counts = await deps.store.openCaseCounts([s.id])
  return { ...s, openCases: counts[s.id] ?? 0 }
}

/** Staff with their roles, teams, duty and live load. */
export async function listStaff(deps: Deps): Promise<StaffView[]> {
  const staff = await deps.store.listStaff()
  const counts = await deps.store.openCaseCounts(staff.map((s) => s.id))
  return staff.map((s) => ({ ...s, openCases: counts[s.id] ?? 0 }))
}

/**
 * Adds or edits a staff member. Only owners may create owners or change an owner; nobody may
 * demote or deactivate themselves (a shop must never lock itself out).
 */
export async function upsertStaff(deps: Deps, me: StaffRecord, input: z.output<typeof StaffInputSchema>): Promise<StaffView> {
  const existing = await deps.store.getStaff(input.id)
  if ((input.role === 'owner' || existing?.role === 'owner') && me.role !== 'owner') throw new AppError('FORBIDDEN', '只有店主可以设置店主')
  if (input.id === me.id && (input.role !== me.role || !input.active)) throw new AppError('VALIDATION', '不能修改自己的角色或停用自己')
  // field by field: the last-assignment time (moved by routing meanwhile) is not rewritten
  const { id, ...fields } = input
  if (existing) await deps.store.patchStaff(id, fields)
  else await deps.store.upsertStaff({ ...input, lastAssignedAt: null })
  return view(deps, { ...input, lastAssignedAt: existing?.lastAssignedAt ?? null })
}

/** On-duty toggle: routing uses it from the next case on. Agents may only toggle themselves. */
export async function setDuty(deps: Deps, me: StaffRecord, id: string, onDuty: boolean, takesCases?: boolean): Promise<StaffView> {
  if (me.role === 'agent' && id !== me.id) throw new AppError('FORBIDDEN', '客服只能切换自己的在班状态')
  // only the duty flags are written: a concurrent deactivation or assignment stands
  if (!(await deps.store.patchStaff(id, takesCases === undefined ? { onDuty } : { onDuty, takesCases }))) throw new AppError('NOT_FOUND', '没有这个客服')
  const s = await deps.store.getStaff(id)
  if (!s) throw new AppError('NOT_FOUND', '没有这个客服')
  return view(deps, s)
}

/**
 * Assigns a dedicated rep (专属客服) to a returning buyer; null removes it. Trust is set with
 * set_buyer_trust; a `trusted` sent here by an older page is recorded as a trust decision of the
 * caller (audited like one), never written silently.
 */
export async function setDedicatedRep(deps: Deps, me: StaffRecord, buyerOpenid: string, repId: string | null, trusted?: boolean) {
  if (repId) {
    const rep = await deps.store.getStaff(repId)
    if (!rep || !rep.active) throw new AppError('VALIDATION', '专属客服不存在')
  }
  const cur = await deps.store.getBuyer(buyerOpenid)
  const decided = cur?.trust ? cur.trust.override : cur?.trusted ? true : null
  const repChanged = (cur?.dedicatedRepId ?? null) !== repId
  const trustChanged = trusted !== undefined && trusted !== decided
  // the same choice again writes nothing and says so (the form tells "没有变化")
  if (repChanged || !cur) await deps.store.upsertBuyer({ openid: buyerOpenid, dedicatedRepId: repId, trusted: cur?.trusted ?? false })
  if (trustChanged) {
    await deps.store.setBuyerTrust(buyerOpenid, { at: deps.now(), by: me.id, byName: me.name, trusted, reason: trusted ? '设置专属客服时标记为老客户' : '设置专属客服时取消老客户' })
  }
  return { openid: buyerOpenid, dedicatedRepId: repId, trusted: trusted ?? decided === true, changed: repChanged || trustChanged }
}

const SEARCH_LIMIT = 20
const ASSIGNED_LIMIT = 200

/**
 * Buyers for the dedicated-rep picker: by order number (exact), phone tail (4 digits) or part of
 * the name; plus every buyer who has a dedicated rep, so each assignment can be seen and removed.
 */
export async function searchBuyers(deps: Deps, q: string): Promise<{ matches: BuyerPick[]; assigned: BuyerPick[] }> {
  const staff = await deps.store.listStaff()
  const nameOf = new Map(staff.map((s) => [s.id, s.name]))
  const pick = async (b: BuyerRecord, orderId?: string): Promise<BuyerPick> => ({
    openid: b.openid,
    name: b.name ?? null,
    phoneTail: b.phoneTail ?? null,
    orderId: orderId ?? (await deps.store.listOrdersByBuyer(b.openid, 1))[0]?.order.orderId ?? null,
    dedicatedRepId: b.dedicatedRepId,
    repName: b.dedicatedRepId ? (nameOf.get(b.dedicatedRepId) ?? null) : null,
    trusted: b.trust?.override ?? b.trusted,
  })
  const found = new Map<string, BuyerPick>()
  if (q) {
    const order = /^[A-Za-z0-9_-]{4,64}$/.test(q) ? await deps.store.getOrder(q) : null
    if (order) {
      const openid = order.order.buyerOpenid
      const b = (await deps.store.getBuyer(openid)) ?? { openid, dedicatedRepId: null, trusted: false }
      found.set(openid, await pick(b, order.order.orderId))
    }
    for (const b of await deps.store.searchBuyers(q, SEARCH_LIMIT)) if (!found.has(b.openid)) found.set(b.openid, await pick(b))
  }
  const assigned = await Promise.all((await deps.store.listRepAssignments(ASSIGNED_LIMIT)).map((b) => pick(b)))
  return { matches: [...found.values()], assigned }
}
