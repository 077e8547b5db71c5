/** The buyer's answer to the offers on the table: accept_offer (one of them) or decline_offer (all). */
import type { Case } from '@contract/domain'
import { raise } from '../errors'
import { suggestOffers } from '../offers'
import { executeRemedy, remedyRefusal } from './remedy'
import { alert, offerFromDraft, refuse, type CommandSpec } from './work'

const NOT_ACCEPTABLE = '该方案不可接受（已失效或不存在）'
const offered = (c: Case) => c.offers.filter((o) => o.status === 'offered')

export const accept_offer: CommandSpec<'accept_offer'> = {
  guard: (c, ctx) => (offered(c).some((o) => !remedyRefusal(o, c, ctx)) ? null : refuse('VALIDATION', NOT_ACCEPTABLE)),
  act(w, cmd, ctx) {
    const c = w.c
    const offer = offered(c).find((o) => o.id === cmd.offerId)
    if (!offer) raise('VALIDATION', NOT_ACCEPTABLE, { offerId: cmd.offerId })
    const no = remedyRefusal(offer, c, ctx)
    if (no) raise(no.code, no.message, no.details)
    for (const o of offered(c)) o.status = o.id === offer.id ? 'accepted' : 'withdrawn'
    // a revised offer still waiting for a supervisor is moot once the buyer took one on the table
    if (c.approvals?.some((x) => x.status === 'pending' && x.command.type === 'make_offer')) {
      c.approvals = c.approvals.map((x) => (x.status === 'pending' && x.command.type === 'make_offer' ? { ...x, status: 'withdrawn' as const, decidedAt: ctx.now, decisionNote: '买家已接受原方案' } : x))
    }
    c.acceptedOfferId = offer.id
    executeRemedy(w, offer, ctx, { shipNow: offer.kind === 'exchange' && c.flags.trusted })
    w.text = `买家接受方案：${offer.explanation}`
    w.data = { offerId: offer.id, rule: offer.rule }
  },
}

export const decline_offer: CommandSpec<'decline_offer'> = {
  guard: (c) => (offered(c).length ? null : refuse('VALIDATION', '该方案不可拒绝（已失效或不存在）')),
  act(w, cmd, ctx) {
    const c = w.c
    // declining one of a set of alternatives declines the set
    const declined = offered(c)
    if (cmd.offerId && !declined.some((o) => o.id === cmd.offerId)) raise('VALIDATION', '该方案不可拒绝（已失效或不存在）')
    for (const o of declined) o.status = 'declined'
    w.to = 'in_review'
    w.text = cmd.text ? `买家未接受方案：${cmd.text}` : '买家未接受方案，客服将重新处理'
    alert(w, c.assigneeId ?? 'supervisor', 'offer_declined', `售后单 ${c.caseNo} 买家未接受方案${cmd.text ? `：${cmd.text}` : '（未说明原因）'}`)
    // taste / usage: guidance did not help → suggest return / exchange now (seed 002)
    if (declined.some((o) => o.rule === 'taste_guidance_first')) {
      const s = suggestOffers(
        { order: c.order, claimedItems: c.claimedItems, reason: c.reason, severity: c.severity, guidanceTried: true, now: ctx.now, refunds: c.refunds, ledger: ctx.orderLedger },
        ctx.policy,
        {},
      )
      for (const d of s.offers) c.offers.push(offerFromDraft(d, ctx, 'suggested', null))
    }
  },
}
