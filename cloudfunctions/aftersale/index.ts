import tcb from '@cloudbase/node-sdk'
import { aftersaleFunction } from '../app/aftersale'
import { cloudDeps } from '../adapters/cloudbase/deps'

let handler: ReturnType<typeof aftersaleFunction> | null = null

/** CloudBase entry of the buyer function. Identity = WX_OPENID of the calling mini-program user. */
export async function main(event: unknown, context: Record<string, unknown>) {
  handler ??= aftersaleFunction(await cloudDeps())
  const { WX_OPENID } = tcb.getCloudbaseContext(context as never)
  return handler(event, { openid: WX_OPENID || null })
}
