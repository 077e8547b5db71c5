import { cloudDeps } from '../adapters/cloudbase/deps'
import { CloudBaseStore } from '../adapters/cloudbase/store'

/**
 * Deployment step, once per deployment (`tcb fn invoke setup` after `tcb fn deploy`): creates the
 * collections and re-derives case documents indexed by an older version, within a budget below
 * this function's timeout. Answers `{ done: false }` when time ran out: invoke it again, it resumes
 * from the cursor it stored. No other function does this on its cold start.
 */
export async function main() {
  const { store } = await cloudDeps()
  if (!(store instanceof CloudBaseStore)) throw new Error('setup runs on CloudBase only')
  return store.setup({ budgetMs: 45_000 })
}
