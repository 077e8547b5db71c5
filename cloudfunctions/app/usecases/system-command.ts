import type { Case, CaseCommand, CoreError } from '@contract/domain'
import type { Deps } from '../deps'
import { livePolicy, outboxOf } from '../shared'
import { decide } from '../../core'
import { StoreConflict } from '../../ports/store'

export type SystemOutcome = { applied: true; case: Case } | { applied: false; case: Case; error: CoreError | null }

/**
 * Applies a system command (a platform update, a platform call's outcome …) to a case: decide in
 * the core → compare-and-set save with its outbox. A lost race re-reads the case and decides
 * again, so the command lands on the latest version or is refused by the core (stale, already
 * applied) — never applied twice. `error` is the core's refusal, null when the race kept being lost.
 */
export async function applySystemCommand(deps: Deps, c: Case, command: CaseCommand, actorId: string, attempts = 5): Promise<SystemOutcome> {
  let cur = c
  for (let i = 0; i < attempts; i++) {
    if (i > 0) {
      const fresh = await deps.store.getCase(c.id)
      if (!fresh) return { applied: false, case: cur, error: null }
      cur = fresh
    }
    const { policy } = await livePolicy(deps)
    const res = decide(cur, command, { now: deps.now(), policy, newId: deps.newId, actor: { kind: 'system', id: actorId } })
    if (!res.ok) return { applied: false, case: cur, error: res.error }
    try {
      await deps.store.saveCase(res.value.case, cur.version, outboxOf(res.value.events), { prev: cur })
      return { applied: true, case: res.value.case }
    } catch (e) {
      if (!(e instanceof StoreConflict)) throw e
    }
  }
  return { applied: false, case: cur, error: null }
}
