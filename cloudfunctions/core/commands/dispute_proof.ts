/** dispute_proof (staff): 举证 — the seller's evidence while the platform waits on it (106 / 108). */
import { DISPUTE_PROOF_STATES } from '../dispute-status'
import { disputeCall, disputeGuard } from './dispute_answer'
import type { CommandSpec } from './work'

export const dispute_proof: CommandSpec<'dispute_proof'> = {
  guard: disputeGuard('complaint_proof', DISPUTE_PROOF_STATES, '「待商家补充凭证」「待双方补充凭证」'),
  act(w, cmd, ctx) {
    disputeCall(w, 'complaint_proof', cmd.text, cmd.photos, ctx.now)
    w.text = `向平台提交纠纷举证${cmd.photos.length ? `（${cmd.photos.length} 张图片）` : ''}：${cmd.text}`
  },
}
