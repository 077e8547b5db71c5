import tcb from '@cloudbase/node-sdk'
import { aftersaleFunction } from '../app/aftersale'
import { cloudDeps } from '../adapters/cloudbase/deps'

let handler: ReturnType<typeof aftersaleFunction> | null = null

/** CloudBase entry of the buyer function. Identity = WX_OPENID (and WX_UNIONID) of the calling mini-program user. */
export async function main(event: unknown, context: Record<string, unknown>) {
  handler ??= aftersaleFunction(await cloudDeps())
  // WX_UNIONID is there when the mini-program is bound to the seller's open-platform account (links shop orders)
  const { WX_OPENID, WX_UNIONID } = tcb.getCloudbaseContext(context as never)
  return handler(event, { openid: WX_OPENID || null, unionid: WX_UNIONID || null })
}
