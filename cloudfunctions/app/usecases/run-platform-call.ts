import type { Case, PlatformCallEvent } from '@contract/domain'
import type { Deps } from '../deps'
import type { OutboxItem } from '../../ports/store'
import { isShopError, ShopError, type ShopPort } from '../../ports/shop'
import { PLATFORM_CALL_LABELS, platformStatusText, sellerCalls } from '../../core/platform-status'
import { snapshotFromShop } from './channels-map'
import { importAfterSale } from './import-aftersale'
import { importComplaint } from './import-dispute'
import { applySystemCommand } from './system-command'

/** What the dispatcher does with the outbox row after one attempt. */
export type CallOutcome =
  | { kind: 'sent' }
  /** the platform refused: recorded on the case, the row is done (failed, with the platform's words) */
  | { kind: 'refused'; error: string }
  /** try again later (system busy, network, token) — at `retryAt` when the adapter said when */
  | { kind: 'transient'; error: string; retryAt?: string }
  /** the platform's one-call-per-minute rule: again at `at`, without using up a retry */
  | { kind: 'deferred'; at: string; error: string | null }

/** The outbox row's note that the reject needs the negotiation step first (10021068). */
const NEGOTIATE_FIRST = 'needs_negotiation'

/**
 * Runs one seller decision on a platform after-sale (an outbox `platform_call`) and records the
 * platform's answer on the case (`platform_call_result`), exactly once per call key:
 *
 * - a call the case no longer waits for (answer already recorded, another call since) is not sent;
 * - a retry after an interrupted attempt first reads the after-sale: when the platform already
 *   moved past the call, the earlier attempt went through and the call is not repeated;
 * - system busy / network / token trouble → retried with backoff; the platform's one-call-per-minute
 *   rule → retried at the time the adapter names;
 * - a refusal (buyer cancelled meanwhile, dispute open, refund failed, insufficient balance …) →
 *   the case goes back to the agent with the platform's reason in Chinese;
 * - a reject the platform only takes after a negotiation (10021068) → the negotiation
 *   (merchantupdateaftersale) is sent on the next attempt, a minute later.
 * Afterwards the after-sale is read again so the case shows the platform's new status at once.
 */
export async function runPlatformCall(deps: Deps, ev: PlatformCallEvent, item: Pick<OutboxItem, 'attempts' | 'lastError'>): Promise<CallOutcome> {
  const shop = deps.shop
  if (!shop) return { kind: 'transient', error: '尚未连接视频号小店' }
  if (ev.call === 'complaint_proof' || ev.call === 'complaint_material') return runDisputeCall(deps, shop, ev, item)
  const c = await deps.store.getCase(ev.caseId)
  const last = c?.platform?.lastCall
  if (!c || !last || last.key !== ev.callKey || last.outcome !== 'pending') return { kind: 'sent' }
  try {
    if (item.attempts > 0) {
      const now = snapshotFromShop(await shop.getAfterSaleOrder(ev.afterSaleOrderId), deps.now())
      if (!sellerCalls(now.status, now.type).includes(ev.call)) {
        await record(deps, c, ev, { outcome: 'done', message: `平台状态已是「${platformStatusText(now.status)}」` })
        return { kind: 'sent' }
      }
    }
    const message = await execute(shop, c, ev, item.lastError?.startsWith(NEGOTIATE_FIRST) ?? false)
    await record(deps, c, ev, { outcome: 'done', ...(message ? { message } : {}) })
    return { kind: 'sent' }
  } catch (e) {
    if (!isShopError(e)) return { kind: 'transient', error: `网络错误：${e instanceof Error ? e.message : String(e)}` }
    const inAMinute = new Date(Date.parse(deps.now()) + 61_000).toISOString()
    if (e.kind === 'needs_negotiation') return { kind: 'deferred', at: e.retryAt ?? inAMinute, error: `${NEGOTIATE_FIRST}：${e.messageZh}` }
    if (e.kind === 'rate_limited') return { kind: 'deferred', at: e.retryAt ?? inAMinute, error: e.messageZh }
    if (e.kind === 'transient' || e.kind === 'token') return { kind: 'transient', error: e.messageZh, ...(e.retryAt ? { retryAt: e.retryAt } : {}) }
    await record(deps, c, ev, { outcome: 'refused', errcode: e.errcode, message: e.messageZh })
    return { kind: 'refused', error: `${e.errcode} ${e.messageZh}` }
  }
}

async function execute(shop: ShopPort, c: Case, ev: PlatformCallEvent, negotiateNow: boolean): Promise<string | null> {
  const id = ev.afterSaleOrderId
  switch (ev.call) {
    case 'accept_refund':
    case 'confirm_receipt_refund':
      await shop.acceptApply(id, { acceptType: 2 })
      return null
    case 'accept_return':
      await shop.acceptApply(id, { acceptType: 1, addressId: ev.addressId ?? (await returnAddressId(shop)) })
      return null
    case 'reject':
    case 'negotiate':
      if (!negotiateNow && ev.call === 'reject') {
        await shop.rejectApply(id, { rejectReasonType: ev.rejectReasonType ?? 1, ...(ev.rejectReason ? { rejectReason: ev.rejectReason } : {}) })
        return null
      }
      // the platform asks the seller to negotiate first: ask the buyer to verify / add evidence
      await shop.merchantUpdateAfterSale(id, {
        type: c.platform?.type === 'REFUND' ? 1 : 2,
        amountFen: c.platform?.refundFen ?? 0,
        desc: ev.rejectReason ?? '请补充凭证',
        updateReasonType: ev.rejectReasonType ?? 1,
        merchantUpdateType: 2,
      })
      return '平台要求先与买家协商，已向买家发起协商，等待买家处理'
    case 'refund_certificate':
      await shop.uploadRefundCertificate(id, { certificates: ev.certificates ?? [], ...(ev.desc ? { desc: ev.desc } : {}) })
      return null
    case 'exchange_reship':
      await shop.acceptExchangeReship(id, { waybillId: ev.waybillId ?? '', deliveryId: ev.deliveryId ?? '' })
      return null
    case 'complaint_proof':
    case 'complaint_material':
      throw new Error('dispute calls run in runDisputeCall')
  }
}

/**
 * A 举证 / 留言 on a dispute (纠纷单), once by its call key: the desk's images are uploaded to the
 * platform (media ids), then addcomplaintproof / addcomplaintmaterial. A retry after an interrupted
 * attempt first reads the dispute: when its history already holds an entry with these words, the
 * earlier attempt went through and nothing is sent again. Afterwards the dispute is read again so
 * the case shows the platform's new status at once.
 */
async function runDisputeCall(deps: Deps, shop: ShopPort, ev: PlatformCallEvent, item: Pick<OutboxItem, 'attempts'>): Promise<CallOutcome> {
  const c = await deps.store.getCase(ev.caseId)
  const last = c?.dispute?.lastCall
  const complaintId = ev.complaintId ?? ''
  if (!c || !last || last.key !== ev.callKey || last.outcome !== 'pending') return { kind: 'sent' }
  const content = ev.content ?? ''
  try {
    if (item.attempts > 0) {
      const now = await shop.getComplaintOrder(complaintId)
      if (now.history.some((h) => h.content === content && h.time * 1000 >= Date.parse(last.at) - 60_000)) {
        await recordDispute(deps, c, ev, { outcome: 'done' })
        return { kind: 'sent' }
      }
    }
    const mediaIds: string[] = []
    for (const fileId of ev.photos ?? []) {
      const url = await deps.media.shareUrl?.(fileId)
      if (!url) throw new ShopError('rejected', 0, `no url for ${fileId}`, '图片无法提供给平台（文件不存在或存储未配置外链），请重新上传后再提交', null, 'media')
      mediaIds.push(await shop.uploadImageUrl(url))
    }
    const input = { content, mediaIds }
    if (ev.call === 'complaint_proof') await shop.addComplaintProof(complaintId, input)
    else await shop.addComplaintMaterial(complaintId, input)
    await recordDispute(deps, c, ev, { outcome: 'done' })
    return { kind: 'sent' }
  } catch (e) {
    if (!isShopError(e)) return { kind: 'transient', error: `网络错误：${e instanceof Error ? e.message : String(e)}` }
    if (e.kind === 'rate_limited') return { kind: 'deferred', at: e.retryAt ?? new Date(Date.parse(deps.now()) + 61_000).toISOString(), error: e.messageZh }
    if (e.kind === 'transient' || e.kind === 'token') return { kind: 'transient', error: e.messageZh, ...(e.retryAt ? { retryAt: e.retryAt } : {}) }
    await recordDispute(deps, c, ev, { outcome: 'refused', errcode: e.errcode, message: e.messageZh })
    return { kind: 'refused', error: `${e.errcode} ${e.messageZh}` }
  }
}

async function recordDispute(deps: Deps, c: Case, ev: PlatformCallEvent, r: { outcome: 'done' | 'refused'; message?: string; errcode?: number }): Promise<void> {
  const out = await applySystemCommand(deps, c, { type: 'dispute_call_result', callKey: ev.callKey, ...r }, 'channels')
  if (!out.applied && out.error?.code !== 'CONFLICT') deps.log(`dispute call ${ev.callKey} answered ${r.outcome} but not recorded: ${out.error?.message ?? 'lost races'}`)
  if (ev.complaintId) await importComplaint(deps, ev.complaintId).catch((e) => deps.log(`re-reading dispute ${ev.complaintId} failed`, e))
}

/** The shop's default return address (a receiving address; the default one first). */
async function returnAddressId(shop: ShopPort): Promise<string | undefined> {
  const all = (await shop.listAddresses()).filter((a) => a.recv_addr !== 0)
  return (all.find((a) => a.default_recv === 1) ?? all[0])?.address_id
}

async function record(deps: Deps, c: Case, ev: PlatformCallEvent, r: { outcome: 'done' | 'refused'; message?: string; errcode?: number }): Promise<void> {
  const out = await applySystemCommand(deps, c, { type: 'platform_call_result', callKey: ev.callKey, ...r }, 'channels')
  if (!out.applied && out.error?.code !== 'CONFLICT') deps.log(`platform call ${ev.callKey} (${PLATFORM_CALL_LABELS[ev.call]}) answered ${r.outcome} but not recorded: ${out.error?.message ?? 'lost races'}`)
  // show the platform's new status right away (the push may come later, or never)
  await importAfterSale(deps, ev.afterSaleOrderId).catch((e) => deps.log(`re-reading after-sale ${ev.afterSaleOrderId} failed`, e))
}
