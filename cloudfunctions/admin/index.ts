import tcb from '@cloudbase/node-sdk'
import { adminFunction } from '../app/admin'
import { cloudDeps } from '../adapters/cloudbase/deps'

let handler: ReturnType<typeof adminFunction> | null = null

/** CloudBase entry of the staff function. Roles come from the staff collection, keyed by OPENID. */
export async function main(event: unknown, context: Record<string, unknown>) {
  handler ??= adminFunction(await cloudDeps())
  const { WX_OPENID } = tcb.getCloudbaseContext(context as never)
  return handler(event, { openid: WX_OPENID || null })
}
