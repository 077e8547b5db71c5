import { cloudDeps } from '../adapters/cloudbase/deps'
import { adminEntry } from '../adapters/cloudbase/entries'

/** CloudBase entry of the staff function. Roles come from the staff collection, keyed by OPENID. */
export const main = adminEntry(cloudDeps)
