import { cloudDeps } from '../adapters/cloudbase/deps'
import { CloudBaseStore } from '../adapters/cloudbase/store'
import { TencentCloudIndexes } from '../adapters/cloudbase/indexes'

/**
 * Deployment step, once per deployment (`tcb fn invoke setup` after `tcb fn deploy`): creates the
 * collections and the declared indexes, re-derives case documents indexed by an older version and
 * backfills what an older deployment lacks (order guards, task rows, load counters), within a budget below
 * this function's timeout. Answers `{ done: false }` when time ran out: invoke it again, it resumes
 * from the cursor it stored. No other function does this on its cold start.
 */
export async function main() {
  const { store } = await cloudDeps()
  if (!(store instanceof CloudBaseStore)) throw new Error('setup runs on CloudBase only')
  // the declared indexes, created with the function's role credentials (indexesCreated: null = skipped, no credentials)
  return store.setup({ budgetMs: 45_000, indexes: TencentCloudIndexes.fromEnv() })
}
