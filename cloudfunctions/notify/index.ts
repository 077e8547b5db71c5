import cloud from 'wx-server-sdk'
import { cloudDeps } from '../adapters/cloudbase/deps'
import { notifyEntry } from '../adapters/cloudbase/entries'
import { WxCloudSender, type WxCloud } from '../adapters/cloudbase/sender'

cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string })

/** Outbox dispatcher: timer trigger every minute (cloudbaserc.json), or an owner. */
export const main = notifyEntry(cloudDeps, () => {
  const state = (process.env.MINIPROGRAM_STATE as 'developer' | 'trial' | 'formal' | undefined) ?? 'formal'
  return new WxCloudSender(cloud as unknown as WxCloud, state)
})
