/**
 * The declared runtime runs the code (issue 20): the CloudBase runtime of every function in
 * cloudbaserc.json, the esbuild target of the bundles, `engines` in package.json and the Node this
 * suite runs on must name the same major. Before, the functions were declared on Nodejs16.13 with a
 * node16 bundle while the code calls the global fetch (Node 18+) and the suite ran on Node 20.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import { builtinModules } from 'node:module'
import os from 'node:os'
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

describe('function bundles keep only the modules they use', () => {
  /** The build marks the project's own modules side-effect free (scripts/build-functions.mjs): a module imported only for its effects would silently vanish from a bundle. */
  it('no module of the functions or the contract is imported for its side effects alone', () => {
    const files: string[] = []
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
        const rel = path.join(dir, e.name)
        if (e.isDirectory()) walk(rel)
        else if (/\.tsx?$/.test(e.name)) files.push(rel)
      }
    }
    walk('cloudfunctions')
    walk('types')
    expect(files.length).toBeGreaterThan(50)
    const bare = files.flatMap((f) => fs.readFileSync(path.join(root, f), 'utf8').split('\n').filter((l) => /^\s*import\s+['"]/.test(l)).map((l) => `${f}: ${l.trim()}`))
    expect(bare).toEqual([])
  })
})

describe('each function bundle declares what CloudBase must install for it', () => {
  it('every package a bundle requires or imports on first use is a Node built-in, pinned in its package.json, or a vendor file shipped next to it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-build-'))
    try {
      // the real build script, into a scratch folder (the suite's `npm run build` output is not touched)
      execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import('./scripts/build-functions.mjs'); await m.buildFunctions({ quiet: true, outRoot: ${JSON.stringify(dir)} })`], { cwd: root, encoding: 'utf8' })
      const builtins = new Set(builtinModules)
      for (const name of build.functions) {
        const bundle = fs.readFileSync(path.join(dir, name, 'bundle.js'), 'utf8')
        const deps = Object.keys((JSON.parse(fs.readFileSync(path.join(dir, name, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies)
        const required = [...bundle.matchAll(/(?:require|import)\("([^"]+)"\)/g)].map((m) => m[1]).filter((id) => !id.startsWith('node:') && !builtins.has(id))
        // a relative require is a file of the function's folder (the vendored SDK): it must be there, with what it requires in turn
        const local = required.filter((id) => id.startsWith('./'))
        for (const id of local) expect({ name, file: id, shipped: fs.existsSync(path.join(dir, name, id)) }).toEqual({ name, file: id, shipped: true })
        for (const id of local) {
          const inner = [...fs.readFileSync(path.join(dir, name, id), 'utf8').matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((x) => !x.startsWith('node:') && !builtins.has(x))
          for (const f of inner.filter((x) => x.startsWith('./'))) expect({ name, file: f, shipped: fs.existsSync(path.join(dir, name, path.dirname(id), f)) }).toEqual({ name, file: f, shipped: true })
          // a vendor file carries its packages: none is left for CloudBase to install
          expect({ name, file: id, packages: inner.filter((x) => !x.startsWith('./')) }).toEqual({ name, file: id, packages: [] })
        }
        const pkgOf = (id: string) => (id.startsWith('@') ? id.split('/').slice(0, 2).join('/') : id.split('/')[0])
        const packages = [...new Set(required.filter((id) => !id.startsWith('.')).map(pkgOf))]
        expect({ name, missing: packages.filter((p) => !deps.includes(p) && p !== 'better-sqlite3') }).toEqual({ name, missing: [] })
        // the SDK every function uses is the vendored one, and nothing else of it is left to install
        expect({ name, vendored: local.includes('./vendor/cloudbase-node-sdk.js'), installsNodeSdk: packages.includes('@cloudbase/node-sdk') }).toEqual({ name, vendored: true, installsNodeSdk: false })
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }, 120_000)
})
