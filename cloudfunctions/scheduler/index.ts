import { cloudDeps } from '../adapters/cloudbase/deps'
import { runScheduler } from '../app/usecases/run-scheduler'

/** SLA warnings / breaches, buyer-side expiries, auto-close: timer trigger every minute. */
export async function main() {
  return runScheduler(await cloudDeps(), { limit: 500 })
}
