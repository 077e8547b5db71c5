import { cloudDeps } from '../adapters/cloudbase/deps'
import { runScheduler } from '../app/usecases/run-scheduler'

/** SLA warnings / breaches, buyer-side expiries, auto-close: timer trigger every minute. */
export async function main() {
  // timeout 60 s: at ~30 ms per round trip and ≤ 6 sequential round trips per due case, 250 cases
  // take ~45 s; the budget stops earlier when the database is slower and the next minute resumes
  return runScheduler(await cloudDeps(), { limit: 250, budgetMs: 45_000 })
}
