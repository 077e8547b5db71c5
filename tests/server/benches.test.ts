/**
 * Benches never rot (issue #22): `npm run bench --small` runs every bench of scripts/bench end to
 * end on tiny data and must exit 0 having printed every bench's figure lines and the summary
 * table. No figure is asserted (timed targets live in the benches, never in tests).
 */
import { spawnSync } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(__dirname, '../..')

describe('scripts/bench in small mode', () => {
  let run: { status: number | null; stdout: string; stderr: string }

  beforeAll(() => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/index.ts', '--small'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, BENCH_SMALL: '1' },
      timeout: 240_000, // hang guard only
      maxBuffer: 16 * 1024 * 1024,
    })
    run = { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' }
  }, 250_000)

  it('every bench runs to its end and the run exits 0', () => {
    if (run.status !== 0) throw new Error(`bench exited ${run.status}\n${run.stderr.slice(-4000)}`)
    expect(run.stdout).toContain('SMALL MODE')
  })

  it.each([
    ['round trips', /CloudBase adapter: database round trips per action[\s\S]*submit \(buyer\)\s+\d+\/\d+/],
    ['cold start', /Function cold start[\s\S]*function aftersale: require \+ first call\s+-?\d+ ms/],
    ['scale', /In process, 1k vs 2k open cases[\s\S]*submit server time \/ bare insert: [\d.]+×/],
    ['what-if', /Policy what-if[\s\S]*\d+ replayed/],
    ['HTTP floor and gateway', /gateway: submit \+ list_cases \+ queue\s+\d+/],
    ['dispatcher', /Dispatcher: \d+ outbox messages in \d+ passes/],
    ['shop sync', /Shop sync[\s\S]*after-sales\/s/],
    ['shop remedy', /Shop remedy[\s\S]*through the outbox, one at a time: \d+ calls, [\d.]+ ms per call; [\d.]+ store round trips[\s\S]*floor: bare fetch of refundpricediff, sequential: [\d.]+ ms per call/],
    ['upload memory', /Upload memory[\s\S]*refused\s+answer\s+\S+[\s\S]*accepted\s+answer 200/],
    ['analytics and export', /analytics: \d+ ms → \d+ cases[\s\S]*export_cases: \d+ ms → \d+ rows/],
    ['auto-decision rules', /Auto-decision rules: submit server time[\s\S]*20 rules, none decides\s+[\d.]+ ms\s+→ [\d.]+×/],
  ])('%s prints its figures', (_name, pattern) => {
    expect(run.stdout).toMatch(pattern)
  })

  it('ends with the summary of every figure against its budget', () => {
    const summary = run.stdout.slice(run.stdout.indexOf('Summary: every figure against its budget'))
    expect(summary).toMatch(/roundtrips\s+submit \(buyer\): total/)
    expect(summary).toMatch(/analytics\s+analytics page/)
    expect(summary).toMatch(/\d+ figures with a budget: \d+ met, \d+ missed or not measured/)
  })
})

describe('scripts/bench/index-plans.ts', () => {
  it('runs every read of the SQLite store and finds no index on cases / outbox that none of them uses', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/index-plans.ts'], { cwd: root, encoding: 'utf8', timeout: 120_000 })
    if (r.status !== 0) throw new Error(`index-plans exited ${r.status}\n${(r.stderr ?? '').slice(-4000)}`)
    expect(r.stdout).toMatch(/^used {3}cases_team_open/m)
    // an index no query reads only costs every write (a constraint's own index is kept regardless)
    const unused = [...r.stdout.matchAll(/^UNUSED (\S+)/gm)].map((m) => m[1]).filter((n) => !n.startsWith('sqlite_autoindex_'))
    expect(unused).toEqual([])
  }, 130_000)
})
