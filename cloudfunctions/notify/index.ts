import cloud from 'wx-server-sdk'
import { cloudDeps } from '../adapters/cloudbase/deps'
import { WxCloudSender, type WxCloud } from '../adapters/cloudbase/sender'
import { dispatchOutbox } from '../app/usecases/dispatch-outbox'

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string })

/** Outbox dispatcher: timer trigger every minute (cloudbaserc.json). */
export async function main() {
  const state = (process.env.MINIPROGRAM_STATE as 'developer' | 'trial' | 'formal' | undefined) ?? 'formal'
  return dispatchOutbox(await cloudDeps(), new WxCloudSender(cloud as unknown as WxCloud, state), { limit: 200, budgetMs: 45_000 })
}
