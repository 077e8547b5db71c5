/**
 * Auto-decision rules (issue #24): a buyer's submit (the function in process, SQLite file with a
 * population of open cases) with no rules, with 20 rules of which none decides, and with 20 rules
 * of which the last decides. Budget: 20 rules that do not decide cost ≤ 1.2× a submit with none.
 * The 20 rules are the costly kind: half miss on a condition of the case, half fit every condition
 * of the case but the amount, so the rule's command is decided (once) and then not taken. The third
 * figure is informational: a decided submit also writes the rule's counter and pays the refund
 * (settled at once, as after a person's approval), so it does more work by design.
 * The modes take turns in rounds so load on the machine falls on all of them alike.
 * Run alone: `tsx scripts/bench/auto-rules.ts`.
 */
import path from 'node:path'
import os from 'node:os'
import fs from 'node:fs'
import type { AutoRule } from '@contract/auto-rules'
import { defaultPolicy, type Policy } from '@contract/policy'
import { aftersaleFunction } from '../../cloudfunctions/app/aftersale'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { size } from './figures'
import { BENCH_NOW, benchDeps, benchOrder, buyerOf, caseTemplates, inOneTransaction, loadPopulation, openStore, submitData, type Template } from './population'
import { populationSpec } from './scale'

export type RulesMode = 'none' | 'miss' | 'fit'
export interface AutoRulesBench {
  population: number
  submits: number
  ms: Record<RulesMode, number>
  decided: Record<RulesMode, number>
}

/** 20 rules: 10 miss on the reason, 10 fit the case but not the amount; `fit` makes the last one take ¥199 refunds. */
export function benchRules(mode: RulesMode): AutoRule[] {
  if (mode === 'none') return []
  const rules: AutoRule[] = []
  for (let i = 0; i < 10; i++) rules.push({ id: `miss-${i}`, name: `原因不符${i}`, enabled: true, dailyCapFen: 1_000_000, when: { reasons: ['lost_parcel'], types: ['refund_only'] }, action: 'approve' })
  for (let i = 0; i < 10; i++) rules.push({ id: `amount-${i}`, name: `金额太小${i}`, enabled: true, dailyCapFen: 1_000_000, when: { shipped: 'tracked', maxAmountFen: 100 + i }, action: 'approve' })
  if (mode === 'fit') rules[19] = { id: 'fit', name: '小额退款', enabled: true, dailyCapFen: 100_000_000, when: { types: ['refund_only', 'return_refund'], maxAmountFen: 20_000 }, action: 'approve' }
  return rules
}

export async function runAutoRulesBench(dir: string, templates: Template[]): Promise<AutoRulesBench> {
  const file = path.join(dir, 'auto-rules.db')
  const store = await openStore(file)
  await seedDemoShop(store, BENCH_NOW)
  const population = size(5_000, 200)
  const spec = { ...populationSpec(population), tranches: 0, perTranche: 0 }
  await loadPopulation(store, templates, BENCH_NOW, spec)
  const deps = benchDeps(store, () => BENCH_NOW)
  const aftersale = aftersaleFunction(deps)
  const modes: RulesMode[] = ['none', 'miss', 'fit']
  const rounds = size(40, 2)
  const perRound = size(10, 5)
  const warm = size(20, 2)
  const total = modes.length * (rounds * perRound + warm)
  const orders = Array.from({ length: total }, (_, i) => benchOrder(`ar-${i}`, buyerOf(spec, i), BENCH_NOW))
  await inOneTransaction(store, () => orders.map((o) => store.upsertOrder({ order: o, createdAt: o.paidAt })))
  let next = 0
  let version = (await store.getPolicy())?.version ?? 0
  const base = (await store.getPolicy())?.policy ?? defaultPolicy
  const switchTo = async (mode: RulesMode) => {
    const p: Policy = { ...base, version: version + 1, autoRules: benchRules(mode) }
    await store.savePolicy(p, version, 'staff-owner', BENCH_NOW)
    version++
  }
  const submit = async () => {
    const i = next++
    const o = orders[i]
    const r = await aftersale({ action: 'submit', data: submitData(o.orderId, i), idempotencyKey: `auto-rules-${i}` }, { openid: o.buyerOpenid })
    if (!r.ok) throw new Error(`submit failed: ${JSON.stringify(r.error)}`)
    return (r.data as { case: { status: string } }).case.status
  }
  const ms: Record<RulesMode, number> = { none: 0, miss: 0, fit: 0 }
  const decided: Record<RulesMode, number> = { none: 0, miss: 0, fit: 0 }
  for (const m of modes) {
    await switchTo(m)
    for (let i = 0; i < warm; i++) await submit()
  }
  for (let r = 0; r < rounds; r++) {
    for (const m of modes) {
      await switchTo(m)
      const t0 = process.hrtime.bigint()
      for (let i = 0; i < perRound; i++) if ((await submit()) !== 'submitted') decided[m]++
      ms[m] += Number(process.hrtime.bigint() - t0) / 1e6
    }
  }
  await store.close()
  const n = rounds * perRound
  return { population, submits: n, ms: { none: ms.none / n, miss: ms.miss / n, fit: ms.fit / n }, decided }
}

export function autoRulesReport(b: AutoRulesBench, f: (n: number, d?: number) => string): void {
  console.log(`Auto-decision rules: submit server time (buyer function in process, ${b.population} open cases, ${b.submits} submits per mode in alternating rounds; ms per submit)`)
  console.log(`  no rules                                      ${f(b.ms.none, 3)} ms`)
  console.log(`  20 rules, none decides                        ${f(b.ms.miss, 3)} ms  → ${f(b.ms.miss / b.ms.none)}× (target ≤ 1.2×)`)
  console.log(`  20 rules, the last decides (${b.decided.fit} of ${b.submits})        ${f(b.ms.fit, 3)} ms  → ${f(b.ms.fit / b.ms.none)}× (pays the refund too; no target)`)
}

if (require.main === module) {
  void (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-auto-rules-'))
    try {
      const b = await runAutoRulesBench(dir, await caseTemplates(BENCH_NOW, size(4, 1)))
      autoRulesReport(b, (n, d = 2) => n.toFixed(d))
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })()
}
