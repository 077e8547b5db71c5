import { cloudDeps } from '../adapters/cloudbase/deps'
import { schedulerEntry } from '../adapters/cloudbase/entries'

/** SLA warnings / breaches, buyer-side expiries, auto-close: timer trigger every minute (or an owner). */
export const main = schedulerEntry(cloudDeps)
