/**
 * The declared runtime runs the code (issue 20): the CloudBase runtime of every function in
 * cloudbaserc.json, the esbuild target of the bundles, `engines` in package.json and the Node this
 * suite runs on must name the same major. Before, the functions were declared on Nodejs16.13 with a
 * node16 bundle while the code calls the global fetch (Node 18+) and the suite ran on Node 20.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(__dirname, '../..')
const json = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8'))

interface FunctionConfig { name: string; runtime?: string }
const rc = json('cloudbaserc.json') as { functions: FunctionConfig[] }
const pkg = json('package.json') as { engines?: { node?: string } }

/** What the build script exports (an ES module with top-level await: read in a child node). */
const build = JSON.parse(
  execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./scripts/build-functions.mjs'); console.log(JSON.stringify({ target: m.NODE_TARGET, functions: m.FUNCTIONS }))"], { cwd: root, encoding: 'utf8' }),
) as { target: string; functions: string[] }

const version = (v: string) => v.replace(/^v/, '').split('.').map(Number)
const cmp = (a: number[], b: number[]) => {
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0)
  return 0
}
/** The comparator forms package.json uses (`>=A.B <C`, space-separated, all must hold). */
function satisfies(v: string, range: string): boolean {
  return range.trim().split(/\s+/).every((part) => {
    const m = /^(>=|<=|>|<|=)?v?(\d+(?:\.\d+){0,2})$/.exec(part)
    if (!m) throw new Error(`engines comparator not understood: ${part}`)
    const d = cmp(version(v), version(m[2]))
    return { '>=': d >= 0, '<=': d <= 0, '>': d > 0, '<': d < 0, '=': d === 0, '': d === 0 }[m[1] ?? '']!
  })
}

describe('declared runtime, bundle target and the Node the suite runs on agree', () => {
  const runtimes = rc.functions.map((f) => f.runtime)

  it('every function the build bundles is declared in cloudbaserc.json, each with a runtime', () => {
    expect(rc.functions.map((f) => f.name).sort()).toEqual([...build.functions].sort())
    for (const f of rc.functions) expect({ name: f.name, runtime: f.runtime }).toEqual({ name: f.name, runtime: expect.stringMatching(/^Nodejs\d+\.\d+$/) })
  })

  it('one CloudBase runtime for all functions, one the platform offers, with a global fetch', () => {
    expect(new Set(runtimes).size).toBe(1)
    // docs.cloudbase.net/cloud-function/runtime-support (PLATFORM-FACTS §7); 16.13 has no fetch
    expect(['Nodejs20.19', 'Nodejs24.11']).toContain(runtimes[0])
  })

  it('the bundles target the runtime major, and the suite runs on it', () => {
    const major = /^Nodejs(\d+)\./.exec(runtimes[0]!)![1]
    expect(build.target).toBe(`node${major}`)
    expect(process.version.split('.')[0]).toBe(`v${major}`)
  })

  it('engines in package.json admits the runtime and the running Node, and no other major', () => {
    const range = pkg.engines?.node
    expect(range).toBeDefined()
    const [, major, minor] = /^Nodejs(\d+)\.(\d+)$/.exec(runtimes[0]!)!.map(Number)
    expect(satisfies(`${major}.${minor}.0`, range!)).toBe(true)
    expect(satisfies(process.version, range!)).toBe(true)
    expect(satisfies(`${major - 1}.99.99`, range!)).toBe(false)
    expect(satisfies(`${major + 1}.0.0`, range!)).toBe(false)
  })
})
