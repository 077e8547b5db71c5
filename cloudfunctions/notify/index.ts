import type * as WxServerSdk from 'wx-server-sdk'
import { cloudDeps } from '../adapters/cloudbase/deps'
import { notifyEntry } from '../adapters/cloudbase/entries'
import { WxCloudSender, type WxCloud } from '../adapters/cloudbase/sender'

/**
 * wx-server-sdk (it carries its own copy of @cloudbase/node-sdk: ~450 ms to load as installed,
 * less as vendored by scripts/build-functions.mjs) is loaded and initialised on the first
 * subscription message sent, not on the cold start: most timer runs have none to send.
 */
let wxCloud: Promise<typeof WxServerSdk> | null = null
function loadWxCloud(): Promise<typeof WxServerSdk> {
  wxCloud ??= import('wx-server-sdk').then((m) => {
    const cloud = ((m as { default?: typeof WxServerSdk }).default ?? m) as typeof WxServerSdk
    cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV as unknown as string })
    return cloud
  })
  return wxCloud
}
const lazyCloud: WxCloud = {
  openapi: { subscribeMessage: { send: async (p) => ((await loadWxCloud()) as unknown as WxCloud).openapi.subscribeMessage.send(p) } },
}

/** Outbox dispatcher: timer trigger every minute (cloudbaserc.json), or an owner. */
export const main = notifyEntry(cloudDeps, () => {
  const state = (process.env.MINIPROGRAM_STATE as 'developer' | 'trial' | 'formal' | undefined) ?? 'formal'
  return new WxCloudSender(lazyCloud, state)
})
