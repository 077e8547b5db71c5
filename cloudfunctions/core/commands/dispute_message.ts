/** dispute_message (staff): 留言 — words for the platform's customer service while it handles the dispute (103). */
import { DISPUTE_MESSAGE_STATES } from '../dispute-status'
import { disputeCall, disputeGuard } from './dispute_answer'
import type { CommandSpec } from './work'

export const dispute_message: CommandSpec<'dispute_message'> = {
  guard: disputeGuard('complaint_material', DISPUTE_MESSAGE_STATES, '「客服处理中」'),
  act(w, cmd, ctx) {
    disputeCall(w, 'complaint_material', cmd.text, cmd.photos, ctx.now)
    w.text = `向平台补充纠纷留言${cmd.photos.length ? `（${cmd.photos.length} 张图片）` : ''}：${cmd.text}`
  },
}
