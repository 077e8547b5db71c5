/**
 * What every bench hands back: named figures, each with its budget where issue #22 (or an earlier
 * issue) set one, so `npm run bench` ends with one table of every figure against its budget.
 * Small mode (`--small` or BENCH_SMALL=1): every bench on tiny data, in seconds — the test suite
 * runs it (tests/server/benches.test.ts) to prove the benches still run end to end; its figures
 * mean nothing and are never asserted.
 */

export const SMALL = process.argv.includes('--small') || process.env.BENCH_SMALL === '1'

/** `full` at full size, `small` in small mode. */
export const size = <T>(full: T, small: T): T => (SMALL ? small : full)

export interface Budget {
  cmp: '<=' | '>='
  value: number
}

export interface Figure {
  bench: string
  name: string
  value: number | null
  unit: string
  budget?: Budget
  /** printed after the verdict (what the budget is compared with, a caveat) */
  note?: string
}

export const le = (value: number): Budget => ({ cmp: '<=', value })
export const ge = (value: number): Budget => ({ cmp: '>=', value })

export function verdict(f: Figure): string {
  if (!f.budget) return ''
  if (f.value === null || !Number.isFinite(f.value)) return 'NOT MEASURED'
  const ok = f.budget.cmp === '<=' ? f.value <= f.budget.value : f.value >= f.budget.value
  return ok ? 'met' : 'MISSED'
}

const num = (n: number | null) => {
  if (n === null || !Number.isFinite(n)) return '—'
  if (Number.isInteger(n)) return String(n)
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2)
}

/** The summary: one line per figure, grouped by bench, with its budget and verdict. */
export function summaryTable(figures: Figure[]): string[] {
  const out = [`  ${'bench'.padEnd(12)}${'figure'.padEnd(58)}${'value'.padStart(12)}  ${'budget'.padEnd(14)}verdict`]
  for (const f of figures) {
    const value = `${num(f.value)} ${f.unit}`.trim()
    const budget = f.budget ? `${f.budget.cmp === '<=' ? '≤' : '≥'} ${num(f.budget.value)} ${f.unit}`.trim() : ''
    out.push(`  ${f.bench.padEnd(12)}${f.name.padEnd(58)}${value.padStart(12)}  ${budget.padEnd(14)}${verdict(f)}${f.note ? `  (${f.note})` : ''}`)
  }
  const budgeted = figures.filter((f) => f.budget)
  const missed = budgeted.filter((f) => verdict(f) !== 'met')
  out.push(`  ${budgeted.length} figures with a budget: ${budgeted.length - missed.length} met, ${missed.length} missed or not measured`)
  return out
}
