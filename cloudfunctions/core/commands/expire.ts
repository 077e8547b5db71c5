/** expire (system timer): the buyer let a wait run out (BUYER_WAITS in transitions.ts says where the case goes). */
import type { BuyerDeadlineKind } from '@contract/domain'
import { raise } from '../errors'
import { BUYER_WAITS } from '../transitions'
import { toMs } from '../tz'
import { alert, refuse, replacementLeft, type CommandSpec } from './work'

const NO_SUCH_WAIT = '当前没有这个等待期限'

const TEXTS: Record<BuyerDeadlineKind, string> = {
  info: '超时未补充信息，售后单已关闭',
  offer: '方案超时未确认，客服将重新处理',
  return: '超时未寄回商品，售后单已关闭',
  receipt: '已超过确认收货期限，视为已收货',
  appeal: '申诉期已过，售后单已关闭',
  rate: '售后已完成，售后单已关闭',
}

export const expire: CommandSpec<'expire'> = {
  guard(c, { now }) {
    const d = c.buyerDeadline
    if (!d || BUYER_WAITS[d.kind].in !== c.status) return refuse('NOT_ALLOWED_IN_STATUS', NO_SUCH_WAIT)
    if (toMs(now) < toMs(d.dueAt)) return refuse('VALIDATION', '期限未到', { dueAt: d.dueAt })
    return null
  },
  act(w, cmd) {
    const c = w.c
    if (c.buyerDeadline?.kind !== cmd.deadline) raise('NOT_ALLOWED_IN_STATUS', NO_SUCH_WAIT, { deadline: cmd.deadline })
    const wait = BUYER_WAITS[cmd.deadline]
    if (cmd.deadline === 'return' && wait.escalatesTo && replacementLeft(c)) {
      // the replacement is already with the buyer: closing would lose the goods; an agent follows up
      w.to = wait.escalatesTo
      c.flags.escalated = true
      w.text = '超时未寄回原商品（换货商品已先行发出），已转客服跟进'
      alert(w, 'supervisor', 'escalated', `售后单 ${c.caseNo}：换货已先行发出，买家超时未寄回原商品，请跟进`)
      if (c.assigneeId) alert(w, c.assigneeId, 'escalated', `售后单 ${c.caseNo}：买家超时未寄回原商品（换货已发出），请联系买家`)
      return
    }
    w.to = wait.expiresTo
    w.text = TEXTS[cmd.deadline]
    if (cmd.deadline === 'offer') for (const o of c.offers) if (o.status === 'offered') o.status = 'expired'
  },
}
