import { cloudDeps } from '../adapters/cloudbase/deps'
import { channelsEntry, pushConfigFromEnv } from '../adapters/cloudbase/entries'

/**
 * The shop's message push (channels_ec_aftersale_update) through HTTP access (push URL = this
 * function's path): signed requests only, checked before they are read (see channelsEntry).
 */
export const main = channelsEntry(cloudDeps, () => pushConfigFromEnv(process.env))
