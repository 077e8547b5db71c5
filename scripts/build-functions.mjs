// Bundles each cloud function (cloudfunctions/<name>/index.ts) into a self-contained CommonJS file
// under build/functions/<name>/ with a package.json, ready for `tcb fn deploy`.
import { build } from 'esbuild'
import fs from 'node:fs'
import path from 'node:path'

export const FUNCTIONS = ['aftersale', 'admin', 'notify', 'scheduler', 'setup', 'channels']
/** The runtime's major: cloudbaserc.json deploys every function on Nodejs20.19 (tests/server/runtime.test.ts checks they agree). */
export const NODE_TARGET = 'node20'
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const CLOUD_SDKS = ['@cloudbase/node-sdk', 'wx-server-sdk']
/**
 * Installed by CloudBase from each function's package.json (pinned) rather than bundled: the SDKs
 * (~1 MB minified) and chinese-days (43 KB of holiday JSON, the largest single input of every
 * bundle).
 */
const INSTALLED = [...CLOUD_SDKS, 'chinese-days']
const installedVersion = (d) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', d, 'package.json'), 'utf8')).version

/**
 * The project's own modules (cloudfunctions/, types/) have no import-time effects a bundle needs
 * beyond their exports (no side-effect-only imports: tests/server/runtime.test.ts checks), so a
 * function's bundle keeps only the modules it uses: `notify` does not carry the buyer and staff
 * use cases, their zod schemas and labels. The entry file itself always runs.
 */
const ownModulesArePure = {
  name: 'own-modules-are-pure',
  setup(b) {
    b.onResolve({ filter: /^(\.|@contract\/)/ }, async (args) => {
      if (args.kind !== 'import-statement' || args.pluginData === 'pure') return undefined
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'pure' })
      if (r.errors.length || r.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined
      return { ...r, sideEffects: false }
    })
  },
}

export async function buildFunctions({ quiet = false, outRoot = path.join(root, 'build/functions') } = {}) {
  for (const name of FUNCTIONS) {
    const outdir = path.join(outRoot, name)
    fs.rmSync(outdir, { recursive: true, force: true })
    await build({
      entryPoints: [path.join(root, 'cloudfunctions', name, 'index.ts')],
      outfile: path.join(outdir, 'index.js'),
      bundle: true,
      platform: 'node',
      target: NODE_TARGET,
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      alias: { '@contract': path.join(root, 'types') },
      // SQLite is only used by the local gateway. The CloudBase SDKs (~1 MB minified) are installed
      // by CloudBase from the function's package.json (installDependency) at the pinned version.
      external: ['better-sqlite3', ...INSTALLED],
      plugins: [ownModulesArePure],
      logLevel: quiet ? 'error' : 'warning',
    })
    const bundle = fs.readFileSync(path.join(outdir, 'index.js'), 'utf8')
    const dependencies = Object.fromEntries(INSTALLED.filter((d) => bundle.includes(`require("${d}")`) || bundle.includes(`require("${d}/`)).map((d) => [d, installedVersion(d)]))
    fs.writeFileSync(
      path.join(outdir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', main: 'index.js', private: true, dependencies }, null, 2) + '\n',
    )
    const cfg = path.join(root, 'cloudfunctions', name, 'config.json')
    if (fs.existsSync(cfg)) fs.copyFileSync(cfg, path.join(outdir, 'config.json'))
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildFunctions()
  console.log(`bundled ${FUNCTIONS.length} functions into build/functions/`)
}
