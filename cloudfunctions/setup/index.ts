import { cloudDeps } from '../adapters/cloudbase/deps'
import { setupEntry } from '../adapters/cloudbase/entries'

/**
 * Deployment step, once per deployment (`tcb fn invoke setup` after `tcb fn deploy`): creates the
 * collections and the declared indexes, re-derives case documents indexed by an older version and
 * backfills what an older deployment lacks (order guards, task rows, load counters), within a budget below
 * this function's timeout. Answers `{ done: false }` when time ran out: invoke it again, it resumes
 * from the cursor it stored. No other function does this on its cold start. Refuses any caller
 * but a deployment invoke or an owner.
 */
export const main = setupEntry(cloudDeps)
