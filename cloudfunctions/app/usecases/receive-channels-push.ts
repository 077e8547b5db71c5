import { AFTER_SALE_EVENT, PushError, TICKET_TIMEOUT_EVENT, checkPushQuery, eventName, openPushBody, parseAfterSaleEvent, parseComplaintEvent, parseTicketEvent, pushNonce, type PushConfig, type PushQuery } from '../../adapters/channels/push'
import type { Deps } from '../deps'
import { importAfterSale, type ImportResult } from './import-aftersale'
import { importComplaint, importTicket, type SyncResult } from './import-dispute'

export interface PushReceipt {
  /** the event name ('' when the body named none) */
  event: string
  /** the after-sale the event was about, when it was an after-sale event */
  afterSaleOrderId: string | null
  imported: ImportResult | null
  /** a dispute (channels_ec_complaint_update) or platform ticket event: what it changed, null when not read now */
  synced?: SyncResult | null
}

/**
 * One message push from WeChat (issue 12 §3, issue 20 §2), checked before anything is parsed:
 * the URL's signature and timestamp window, then the nonce — claimed in the store, so a replay
 * to any instance within the window is refused (PushError REPLAYED) before a shop call — then the
 * body (safe mode only when a key is configured, `msg_signature`, decryption) in linear time.
 * For `channels_ec_aftersale_update` it reads the after-sale from the shop and creates or updates
 * its case, exactly as the polling pass does (the event's own status is only a hint: the order is
 * read, so duplicate and out-of-order events all end at the platform's latest state). Other
 * events are acknowledged and ignored. The caller answers WeChat `success`; when the import fails
 * (shop unreachable) the error is logged and the next polling pass finds the after-sale.
 *
 * @example await receiveChannelsPush(deps, { token }, { signature, timestamp, nonce }, body)
 */
export async function receiveChannelsPush(deps: Deps, cfg: PushConfig, query: PushQuery, rawBody: string): Promise<PushReceipt> {
  const now = deps.now()
  const q = checkPushQuery(cfg, query, Date.parse(now))
  const nonce = pushNonce(cfg, q)
  if (!(await deps.store.claimPushNonce(nonce.key, nonce.expiresAt, now))) throw new PushError('REPLAYED', 'this push was already received')
  return handlePushMessage(deps, openPushBody(cfg, query, rawBody))
}

/** A push message already trusted (signature, window and nonce checked, body opened). */
async function handlePushMessage(deps: Deps, body: string): Promise<PushReceipt> {
  // disputes and platform tickets: read from the shop like after-sales (the event is only a hint)
  const complaint = parseComplaintEvent(body)
  const ticket = complaint ? null : parseTicketEvent(body)
  if (complaint || ticket) {
    const name = complaint?.event ?? ticket!.event
    try {
      const synced = complaint ? await importComplaint(deps, complaint.complaintId) : await importTicket(deps, ticket!.ticketId, ticket!.event === TICKET_TIMEOUT_EVENT)
      return { event: name, afterSaleOrderId: complaint?.afterSaleOrderId || null, imported: null, synced }
    } catch (e) {
      deps.log(`push: ${name} ${complaint?.complaintId ?? ticket!.ticketId} not read now, the poll will`, e)
      return { event: name, afterSaleOrderId: complaint?.afterSaleOrderId || null, imported: null, synced: null }
    }
  }
  const ev = parseAfterSaleEvent(body)
  if (!ev) return { event: eventName(body), afterSaleOrderId: null, imported: null }
  try {
    return { event: AFTER_SALE_EVENT, afterSaleOrderId: ev.afterSaleOrderId, imported: await importAfterSale(deps, ev.afterSaleOrderId) }
  } catch (e) {
    deps.log(`push: after-sale ${ev.afterSaleOrderId} not imported now, the poll will`, e)
    return { event: AFTER_SALE_EVENT, afterSaleOrderId: ev.afterSaleOrderId, imported: null }
  }
}
