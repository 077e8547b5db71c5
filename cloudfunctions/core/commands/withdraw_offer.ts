/**
 * withdraw_offer (staff): take back the offers the buyer has not answered. The case goes back to
 * the agent (in_review, the SLA runs again); the buyer can no longer accept them and sees why.
 */
import type { Case } from '@contract/domain'
import { refuse, withdrawOffered, type CommandSpec } from './work'

const offered = (c: Case) => c.offers.filter((o) => o.status === 'offered')

export const withdraw_offer: CommandSpec<'withdraw_offer'> = {
  guard: (c) => (offered(c).length ? null : refuse('VALIDATION', '没有等待买家答复的方案')),
  act(w, cmd) {
    const ids = offered(w.c).map((o) => o.id)
    withdrawOffered(w.c)
    w.to = 'in_review'
    w.text = cmd.reason ? `商家已撤回方案（${cmd.reason}），将重新为您处理` : '商家已撤回方案，将重新为您处理'
    w.data = { offerIds: ids }
  },
}
