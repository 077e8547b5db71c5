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
const installedVersion = (d) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', d, 'package.json'), 'utf8')).version

export async function buildFunctions({ quiet = false } = {}) {
  for (const name of FUNCTIONS) {
    const outdir = path.join(root, 'build/functions', name)
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
      external: ['better-sqlite3', ...CLOUD_SDKS],
      logLevel: quiet ? 'error' : 'warning',
    })
    const bundle = fs.readFileSync(path.join(outdir, 'index.js'), 'utf8')
    const dependencies = Object.fromEntries(CLOUD_SDKS.filter((d) => bundle.includes(`require("${d}")`)).map((d) => [d, installedVersion(d)]))
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
