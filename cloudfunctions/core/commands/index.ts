/**
 * Every command, by name: its guard (may it run now, Chinese reason) and its act (the change).
 * Adding a command: see ../README.md "How to add a command".
 */
import type { CommandType } from '@contract/domain'
import { appeal } from './appeal'
import { approve } from './approve'
import { ask_info } from './ask_info'
import { cancel } from './cancel'
import { confirm_receipt } from './confirm_receipt'
import { escalate } from './escalate'
import { expire } from './expire'
import { followup_remind } from './followup_remind'
import { inspect } from './inspect'
import { record_manual_refund } from './record_manual_refund'
import { issue_refund } from './issue_refund'
import { make_offer } from './make_offer'
import { withdraw_offer } from './withdraw_offer'
import { note } from './note'
import { accept_offer, decline_offer } from './offer_reply'
import { platform_accept, platform_call_result, platform_certificate, platform_reject, platform_reship, platform_sync } from './platform'
import { provide_info } from './provide_info'
import { rate } from './rate'
import { reassign } from './reassign'
import { refund_confirmed, refund_failed } from './refund_result'
import { reject } from './reject'
import { respond } from './respond'
import { receive_return, ship_return } from './return_leg'
import { ship_replacement } from './ship_replacement'
import { shop_call_result } from './shop_call'
import { sla_breach, sla_warn } from './sla_timers'
import { approval_escalate, decide_approval, submit_for_approval } from './approvals'
import { record_visit } from './record_visit'
import { review_remind, review_step } from './review'
import { dispute_call_result } from './dispute_call_result'
import { dispute_message } from './dispute_message'
import { dispute_proof } from './dispute_proof'
import { dispute_sync } from './dispute_sync'
import { shop_deadline_warn } from './shop_deadline_warn'
import { ticket_sync } from './ticket_sync'
import type { CommandSpec } from './work'

export type { CommandSpec, Guard, GuardContext, Refusal, Work } from './work'

export const COMMANDS: { [K in CommandType]: CommandSpec<K> } = {
  respond,
  ask_info,
  make_offer,
  withdraw_offer,
  approve,
  reject,
  receive_return,
  inspect,
  record_manual_refund,
  issue_refund,
  ship_replacement,
  note,
  reassign,
  escalate,
  provide_info,
  accept_offer,
  decline_offer,
  cancel,
  ship_return,
  confirm_receipt,
  rate,
  appeal,
  refund_confirmed,
  refund_failed,
  expire,
  sla_warn,
  sla_breach,
  followup_remind,
  submit_for_approval,
  decide_approval,
  approval_escalate,
  review_step,
  review_remind,
  record_visit,
  platform_accept,
  platform_reject,
  platform_certificate,
  platform_reship,
  platform_sync,
  platform_call_result,
  shop_call_result,
  dispute_proof,
  dispute_message,
  dispute_sync,
  dispute_call_result,
  ticket_sync,
  shop_deadline_warn,
}
