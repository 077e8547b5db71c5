import { cloudDeps } from '../adapters/cloudbase/deps'
import { aftersaleEntry } from '../adapters/cloudbase/entries'

/** CloudBase entry of the buyer function. Identity = WX_OPENID (and WX_UNIONID) of the calling mini-program user. */
export const main = aftersaleEntry(cloudDeps)
