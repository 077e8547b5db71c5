/**
 * Function cold start: each bundle of `npm run build:functions` required in a fresh Node process
 * (the CloudBase SDKs resolved from node_modules, as CloudBase installs them next to the bundle),
 * median of RUNS; plus @cloudbase/node-sdk and wx-server-sdk alone. The first call's database
 * round trips are in the round-trip table (cold start row).
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { SMALL, le, type Figure } from './figures'

const RUNS = SMALL ? 1 : 5
const root = path.resolve(__dirname, '../..')

function requireMs(target: string): number {
  const code = `const t0 = performance.now(); require(${JSON.stringify(target)}); process.stdout.write(String(performance.now() - t0))`
  const times = Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['-e', code], { cwd: root, encoding: 'utf8' })))
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]
}

export async function measureColdStart(): Promise<{ name: string; ms: number }[]> {
  // build/functions is written by the bundler (esbuild), exactly as deployed
  const { buildFunctions, FUNCTIONS } = (await import(path.join(root, 'scripts/build-functions.mjs'))) as { buildFunctions(o: { quiet: boolean }): Promise<void>; FUNCTIONS: string[] }
  // small mode (inside the test suite) reuses the bundles `npm run build` made: rebuilding would
  // replace them under other tests' feet
  const built = FUNCTIONS.every((n) => fs.existsSync(path.join(root, 'build/functions', n, 'index.js')))
  if (!SMALL || !built) await buildFunctions({ quiet: true })
  // small mode: one bundle and one SDK (each is a fresh Node process)
  const out = (SMALL ? FUNCTIONS.slice(0, 1) : FUNCTIONS).map((name) => ({ name: `function ${name} (bundle + SDKs)`, ms: requireMs(path.join(root, 'build/functions', name, 'index.js')) }))
  out.push({ name: '@cloudbase/node-sdk alone', ms: requireMs(path.join(root, 'node_modules/@cloudbase/node-sdk')) })
  if (!SMALL) out.push({ name: 'wx-server-sdk alone', ms: requireMs(path.join(root, 'node_modules/wx-server-sdk')) })
  return out
}

/** Require of each bundle against issue #22's budget (≤ 120 ms over a bare `node -e 0`, first call included). */
export function coldStartFigures(rows: { name: string; ms: number }[]): Figure[] {
  return rows.map((r) => ({
    bench: 'coldstart',
    name: r.name,
    value: r.ms,
    unit: 'ms',
    ...(r.name.startsWith('function') ? { budget: le(120), note: 'require only, in process; the first call’s round trips are in roundtrips' } : {}),
  }))
}

if (require.main === module) {
  void measureColdStart().then((rows) => {
    for (const r of rows) console.log(`${r.name.padEnd(48)}${r.ms.toFixed(0).padStart(6)} ms`)
  })
}
