import type { PastCase, OrderSnapshot } from '@contract/domain'
import type { SubmitInput } from '@contract/actions'
import type { z } from 'zod'
import type { SubmitInputSchema } from '@contract/actions'
import type { Deps } from '../deps'
import { AppError, fromCore } from '../errors'
import { ROUTING_COUNT_CAP, fingerprint, otherCasesLedger, outboxOf, pastCasesOf, roster, rosterOf } from '../shared'
import { buyerView } from '../views'
import { openCase, yuan } from '../../core'
import { localDate, toMs } from '../../core/tz'
import { GuardViolation, idempotentCaseId } from '../../ports/store'
import { buyerProfileFor, fileOnLastPolicy, filedStanding, profileOf } from './buyer-profile'
import { batchRemedyFor, watchCaseBatches } from './batch-watch'
import { createWithRules, settleNow } from './auto-rules'

/** Case types that refund money: on a Channels shop order the buyer files them in WeChat. */
export const SHOP_REFUND_TYPES: ReadonlySet<string> = new Set(['refund_only', 'return_refund'])
export const SHOP_REFUND_GUIDE = '这是视频号小店的订单：退款、退货退款请在微信「订单详情 → 申请售后」中提交，平台处理进度会同步到这里'

/**
 * Files a new after-sales case for one of the buyer's own orders. Idempotent per form: the same
 * key returns the first case, so a double tap never opens two; the same key with a different form
 * is refused (CONFLICT). One open case per item and the per-item request limit are checked by
 * the core for a clear answer and enforced again by the store inside the write (per-order guard),
 * so concurrent submits from any number of instances cannot both pass.
 *
 * Reads: one read of what the filing must know (Store.filingContext: the order, the buyer's
 * record and standing under this openid, the case an earlier request with this key filed, the
 * roster with its loads; CloudBase: one aggregate, carrying the policy head too) at once — on the
 * policy this instance read last, checked against the live one read after it (filedStanding) —
 * beside the write's start and guard read (openCaseWrite); then the batch remedy and, for a buyer
 * whose record links shop ids, their counts (buyerProfileFor). A retry seen in that read is answered at once. The new
 * case's id is derived from the key (idempotentCaseId), so a twin racing past that read is
 * refused by the case's own insert (or the guard finds the item held by the first case) and
 * answered with the first case. The batch watch counts after the write (so that filings at the
 * same moment cross the threshold exactly): one capped count, in sequence.
 *
 * @example submitCase(deps, 'openid-1', { orderId: 'DEMO0001', claimedItems: [{ skuId, qty: 1 }], type: 'refund_only', reason: 'quality_defect', desiredRemedy: 'refund' }, 'k-123')
 */
export async function submitCase(deps: Deps, openid: string, input: z.output<typeof SubmitInputSchema>, idempotencyKey?: string, opts: { linkedFrom?: string; unionid?: string | null } = {}) {
  if (!idempotencyKey) throw new AppError('VALIDATION', '缺少请求标识（idempotencyKey），请重新提交')
  const scope = `submit:${openid}`
  const print = fingerprint(input)
  const now = deps.now()
  // one read for what the filing must know (Store.filingContext): the order, the buyer's record
  // and standing, the case an earlier request with this key filed, the roster with its loads. It
  // goes out at once on the policy this instance read last (checked against the live one below:
  // filedStanding), and the policy read after it (CloudBase: the policy head rode along with it)
  const filing = fileOnLastPolicy(deps, now, { orderId: input.orderId, openid, idem: { scope, key: idempotencyKey }, staffCap: ROUTING_COUNT_CAP })
  const ctxP = filing.ctx
  const live = filing.live()
  const policyP = live.then((l) => l.policy)
  const orderP = ctxP.then((c) => c.order)
  // the owner's remedy for a claimed item's batch, if set (issue 24): the engine suggests it; read
  // as soon as the order names the batches
  const remedyP = Promise.all([orderP, policyP]).then(([r, p]) => (r && r.order.buyerOpenid === openid ? batchRemedyFor(deps, r.order, input.claimedItems, p) : null))
  // the case's write is opened with these reads: its transaction reads the order's guard, once,
  // and the case is built on that read (see Store.openCaseWrite)
  const writeP = deps.store.openCaseWrite(input.orderId)
  const key = idempotencyKey
  try {
    const [{ policy }, ctx, write, buyer, media, batchRemedy] = await Promise.all([
      live,
      ctxP,
      writeP,
      // history across the buyer's mini-program and shop ids: risk flag and derived trust
      buyerProfileFor(deps, openid, now, policyP, { unionid: opts.unionid }, Promise.all([ctxP, filing.used, policyP]).then(([c, used, p]) => filedStanding(deps, c, now, used, p))),
      deps.media.verify(input.evidence, { openid }),
      remedyP,
    ])
    const rec = ctx.order
    if (!rec || rec.order.buyerOpenid !== openid) throw new AppError('NOT_FOUND', '没有找到这个订单')
    // a retry of a filing that went through: its case answers (the same form), or the key was reused
    if (ctx.prior) return replayed(ctx.prior, now, policy, input, print)
    const staff = ctx.staff ? rosterOf(ctx.staff) : await roster(deps)
    const guard = write.guard
    // money on a shop order moves only through the platform: its after-sale page, whose after-sale then reaches the desk
    if (rec.order.source === 'channels' && SHOP_REFUND_TYPES.has(input.type)) throw new AppError('NOT_ALLOWED_IN_STATUS', SHOP_REFUND_GUIDE)
    if (!media.ok) throw new AppError('VALIDATION', media.message)

    const caseNo = await deps.store.nextCaseNo(localDate(toMs(now), policy.calendar.timezone))
    const opened = openCase(
      {
        // the key's own id: the store refuses a second case under it (Store.createCase)
        caseId: idempotentCaseId(scope, key),
        caseNo,
        buyerOpenid: openid,
        order: rec.order,
        claimedItems: input.claimedItems,
        type: input.type,
        reason: input.reason,
        description: input.description,
        evidence: input.evidence,
        desiredRemedy: input.desiredRemedy,
        history: pastCasesOf(guard),
        buyerProfile: profileOf(buyer),
        facts: input.facts,
        ...(batchRemedy ? { batchRemedy } : {}),
      },
      { now, policy, newId: deps.newId, roster: staff, actor: { kind: 'buyer', id: openid }, orderLedger: otherCasesLedger(guard, null) },
    )
    if (!opened.ok) {
      // A concurrent twin of this submit may have won meanwhile: answer with its case.
      const twin = await deps.store.findByIdempotencyKey(scope, key)
      if (twin) return replay(twin, now, policy, input)
      throw fromCore(opened.error)
    }
    if (opts.linkedFrom) opened.value.case.linkedFromCaseId = opts.linkedFrom
    try {
      // the owner's auto-decision rules (issue #24) decide in the same write, or leave the case to a person
      // (not on a linked case: staff open it to give a remedy themselves)
      const rulePolicy = opts.linkedFrom ? { ...policy, autoRules: [] } : policy
      const ruleCtx = { now, policy: rulePolicy, newId: deps.newId, buyerProfile: profileOf(buyer), orderLedger: otherCasesLedger(guard, null) }
      const { result: res, decision } = await createWithRules(opened.value, ruleCtx, (c, events, ruleSpend) =>
        write.create(c, outboxOf(events), { scope, key, fingerprint: print }, { maxRequestsPerSku: policy.limits.maxRequestsPerSku, ...(ruleSpend ? { ruleSpend } : {}) }),
      )
      if (!res.created && res.fingerprint && res.fingerprint !== print) throw keyReused()
      if (res.created) await deps.media.attach(input.evidence.map((e) => e.fileId), now)
      // batch watch (issue 24): an alert once a batch reaches the policy's count; never fails the filing
      if (res.created) await watchCaseBatches(deps, res.case, policy).catch((e) => deps.log('batch watch failed', e))
      const latest = res.created ? ((await settleNow(deps, decision)) ?? res.case) : res.case
      return { case: buyerView(latest, now, policy), created: res.created }
    } catch (e) {
      if (e instanceof GuardViolation) throw guardError(e, rec.order)
      throw e
    }

  } finally {
    // a write not used (a refusal, a replay, an error) ends here; after create it is a no-op
    await writeP.then((w) => w.close(), () => {})
  }
}

function keyReused(): AppError {
  return new AppError('CONFLICT', '这个请求标识已用于另一份申请，请刷新页面后重新提交', { reason: 'idempotency_key_reused' })
}

/** An earlier filing under the key: its fingerprint decides when stored with it, else the form's fields. */
function replayed(prior: { case: Parameters<typeof buyerView>[0]; fingerprint?: string }, now: string, policy: Parameters<typeof buyerView>[2], input: z.output<typeof SubmitInputSchema>, print: string) {
  if (prior.fingerprint !== undefined) {
    if (prior.fingerprint !== print) throw keyReused()
    return { case: buyerView(prior.case, now, policy), created: false }
  }
  return replay(prior.case, now, policy, input)
}

/** A retry answers the first case; the same key with a different form is refused. */
function replay(c: Parameters<typeof buyerView>[0], now: string, policy: Parameters<typeof buyerView>[2], input: z.output<typeof SubmitInputSchema>) {
  const same = c.order.orderId === input.orderId && c.type === input.type && c.reason === input.reason && c.description === input.description
    && fingerprint(c.claimedItems) === fingerprint(input.claimedItems)
  if (!same) throw keyReused()
  return { case: buyerView(c, now, policy), created: false }
}

/** The store's refusal in the buyer's words (same wording as the core's eligibility check). */
export function guardError(e: GuardViolation, order: OrderSnapshot): AppError {
  const name = order.items.find((i) => i.skuId === e.details.skuId)?.name ?? e.details.skuId ?? '商品'
  switch (e.rule) {
    case 'request_cap':
      return new AppError('LIMIT_EXCEEDED', `“${name}”已申请售后 ${e.details.count} 次，已达上限 ${e.details.limit} 次`, e.details)
    case 'open_case':
      return new AppError('VALIDATION', `“${name}”已有进行中的售后单，请在原售后单中继续处理`, e.details)
    case 'over_paid': {
      const left = Math.max(0, (e.details.paidFen ?? order.paidFen) - (e.details.committedFen ?? 0))
      return new AppError('LIMIT_EXCEEDED', `退款和补偿合计不能超过实付金额${yuan(order.paidFen)}（本单还可退${yuan(left)}）`, e.details)
    }
    case 'over_items': {
      const left = Math.max(0, (e.details.capFen ?? 0) - (e.details.committedFen ?? 0))
      return new AppError('LIMIT_EXCEEDED', `“${name}”的退款和补偿不能超过它的实付金额${yuan(e.details.capFen ?? 0)}（本单该商品还可退${yuan(left)}）`, e.details)
    }
    case 'over_incident': {
      const left = Math.max(0, (e.details.capFen ?? 0) - (e.details.committedFen ?? 0))
      return new AppError('LIMIT_EXCEEDED', `同一问题只补偿一次：最多补偿${yuan(e.details.capFen ?? 0)}，本单其他售后单已补偿${yuan(e.details.committedFen ?? 0)}（还可补偿${yuan(left)}）`, e.details)
    }
    case 'rule_cap':
      // the use cases that apply a rule leave the case to a person instead; never shown to a buyer otherwise
      return new AppError('LIMIT_EXCEEDED', `自动处理规则今日额度${yuan(e.details.capFen ?? 0)}已用完，已转人工处理`, e.details)
  }
}

export async function pastCases(deps: Deps, orderId: string): Promise<PastCase[]> {
  return pastCasesOf(await deps.store.getOrderGuard(orderId))
}

export type { SubmitInput }
