// Bundles each cloud function (cloudfunctions/<name>/index.ts) into one CommonJS file under
// build/functions/<name>/, with @cloudbase/node-sdk vendored next to it (vendor/, see VENDOR) and a
// package.json pinning what CloudBase installs (INSTALLED), ready for `tcb fn deploy`.
import { build } from 'esbuild'
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import ts from 'typescript'

export const FUNCTIONS = ['aftersale', 'admin', 'notify', 'scheduler', 'setup', 'channels']
/** The runtime's major: cloudbaserc.json deploys every function on Nodejs20.19 (tests/server/runtime.test.ts checks they agree). */
export const NODE_TARGET = 'node20'
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
/**
 * Installed by CloudBase from each function's package.json (pinned) rather than bundled:
 * chinese-days (43 KB of holiday JSON, the largest single input of every bundle).
 */
const INSTALLED = ['chinese-days']
const installedVersion = (d) => JSON.parse(fs.readFileSync(path.join(root, 'node_modules', d, 'package.json'), 'utf8')).version

/**
 * @cloudbase/node-sdk is shipped next to each bundle as two vendor files built here from the
 * installed package (its own code, unchanged but for when modules run): required from
 * node_modules it costs ~300 ms before the first call, because its entry eagerly loads every
 * subsystem (AI, storage's XML parser, JWT, axios, proxy agents, form-data + mime-db) while a
 * function's cold start only needs init(), getCloudbaseContext and the database.
 * - `VENDOR.sdk`: the SDK with the requires below turned lazy — the module runs when a property
 *   of it is first read, not when the SDK loads (a `require` inside a function, as Node allows).
 * - `VENDOR.extra`: the third-party packages only those lazy paths reach, in a second file that
 *   is not even read until one of them is needed.
 * - `VENDOR.wx`: wx-server-sdk (notify's subscription messages, imported on the first send) with
 *   its own copy of @cloudbase/node-sdk treated the same way, sharing `VENDOR.extra`.
 * Nothing is stubbed: every SDK path is still there and runs the SDK's code when called.
 */
export const VENDOR = { dir: 'vendor', sdk: 'cloudbase-node-sdk.js', extra: 'cloudbase-node-sdk-extra.js', wx: 'wx-server-sdk.js' }
/** Per file of @cloudbase/node-sdk/dist: the requires that run on first use. None is reached by init(), database() or getCloudbaseContext(). */
const LAZY_REQUIRES = {
  // app.auth(), functions, cloud run, storage (files), wx open API, analytics, AI, logger, notifications; axios only for
  // `requestClient`; wx-cloud-client-sdk for app.models (built on first read: modelsOnFirstUse) and app.mysql / rdb
  'cloudbase.js': ['axios', '@cloudbase/wx-cloud-client-sdk', './auth', './functions', './cloudrun', './storage', './wx', './analytics', './ai', './logger', './notification'],
  // the metadata probe off the platform (on CloudBase TENCENTCLOUD_RUNENV=SCF skips it)
  'utils/metadata.js': ['axios'],
  // only with a proxy configured / for multipart uploads
  'utils/request-core.js': ['https-proxy-agent', 'http-proxy-agent', 'form-data'],
  // createTicket
  'auth/index.js': ['jsonwebtoken'],
  // the XML answer of an upload
  'storage/index.js': ['xml2js'],
}
/** Packages only the lazy paths above require: bundled into VENDOR.extra. */
const EXTRA_PACKAGES = ['@cloudbase/wx-cloud-client-sdk', 'axios', 'form-data', 'http-proxy-agent', 'https-proxy-agent', 'jsonwebtoken', 'xml2js', '@cloudbase/ai', '@cloudbase/app', 'web-streams-polyfill']
const sdkDir = () => fs.realpathSync(path.join(root, 'node_modules/@cloudbase/node-sdk'))

/** `const x = <expr with require("spec")>;` → the same module object, loaded on first property access. */
const LAZY_HELPER =
  'function __lazyModule(load) { let m; const get = () => (m ??= load()); return new Proxy({}, { get: (_, k) => get()[k], has: (_, k) => k in get(), ownKeys: () => Reflect.ownKeys(get()), getOwnPropertyDescriptor: (_, k) => { const d = Object.getOwnPropertyDescriptor(get(), k); if (d) d.configurable = true; return d }, set: (_, k, v) => ((get()[k] = v), true) }) }\n'
const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * init() builds `app.models` (the data-model client of @cloudbase/wx-cloud-client-sdk, whose load
 * also installs its polyfills and pulls in Node's fetch: ~70 ms) whether or not it is used. Here
 * the same block of the SDK runs on the first read of `app.models` instead; the functions never
 * read it. The only difference: the env id it reads from the context is read then, not at init().
 */
function modelsOnFirstUse(src) {
  const start = src.indexOf('        try {\n            // 初始化数据模型等 SDK 方法')
  const endMark = '            this.models = httpClient;\n        }\n        catch (e) {\n            // ignore\n        }\n'
  const end = src.indexOf(endMark, start)
  if (start < 0 || end < 0) throw new Error('@cloudbase/node-sdk dist/cloudbase.js: the models block of init() changed; revisit modelsOnFirstUse')
  const block = src.slice(start, end) + '            models = httpClient;\n        }\n        catch (e) {\n            // ignore\n        }\n'
  const define = (v) => `Object.defineProperty(this, 'models', { value: ${v}, writable: true, configurable: true, enumerable: true })`
  const lazy =
    `        Object.defineProperty(this, 'models', { configurable: true, enumerable: true, set: (v) => { ${define('v')} }, get: () => {\n` +
    `        let models;\n${block}        ${define('models')};\n        return models;\n        } });\n`
  return src.slice(0, start) + lazy + src.slice(end + endMark.length)
}

/** Applies to every copy of @cloudbase/node-sdk a vendor file bundles (wx-server-sdk carries its own). */
const lazySdkRequires = {
  name: 'lazy-sdk-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]@cloudbase[\\/]node-sdk[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const marker = `${path.sep}dist${path.sep}`
      const pkgDir = args.path.slice(0, args.path.lastIndexOf(marker))
      const rel = args.path.slice(pkgDir.length + marker.length).split(path.sep).join('/')
      let src = await fs.promises.readFile(args.path, 'utf8')
      // reads ../../package.json next to itself at load: not there once bundled
      if (rel === 'utils/version.js') {
        if (!src.includes('loadPackage().version')) throw new Error('@cloudbase/node-sdk utils/version.js changed: revisit scripts/build-functions.mjs')
        src = src.replace('loadPackage().version', JSON.stringify(JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version))
      }
      if (rel === 'cloudbase.js') src = modelsOnFirstUse(src)
      const specs = LAZY_REQUIRES[rel]
      if (specs) {
        for (const spec of specs) {
          const re = new RegExp(`^const (\\w+) = (.*require\\(${escapeRe(JSON.stringify(spec))}\\).*);$`, 'm')
          // an SDK upgrade that moved a require fails the build rather than silently loading it eagerly
          if (!re.test(src)) throw new Error(`@cloudbase/node-sdk dist/${rel}: no top-level require of ${spec}; revisit LAZY_REQUIRES`)
          src = src.replace(re, 'const $1 = __lazyModule(() => $2);')
        }
        src = LAZY_HELPER + src
      }
      return { contents: src, loader: 'js' }
    })
  },
}

/**
 * The request signer (@cloudbase/signature-nodejs, every SDK call) sorts header and query keys
 * with `localeCompare`, whose first use loads ICU's collator: ~14 ms of every function's first
 * call. ICU's root order for `_`, `-`, 0–9 and a–z is `_` < `-` < digits < letters, one primary
 * weight each, so for keys made only of those characters (all the SDK signs: lower-case header
 * and query names) comparing ranks gives localeCompare's order; any other key is compared by
 * localeCompare as before. tests/server/function-bundles.test.ts checks the two agree.
 */
export const KEY_ORDER = '_-0123456789abcdefghijklmnopqrstuvwxyz'
export const KEY_COMPARE_SRC =
  `function __keyCompare(l, r) {\n` +
  `  l = l.toString(); r = String(r);\n` +
  `  const plain = /^[${'_\\-0-9a-z'}]*$/;\n` +
  `  if (!plain.test(l) || !plain.test(r)) return l.localeCompare(r);\n` +
  `  const n = Math.min(l.length, r.length);\n` +
  `  for (let i = 0; i < n; i++) if (l[i] !== r[i]) return ${JSON.stringify(KEY_ORDER)}.indexOf(l[i]) < ${JSON.stringify(KEY_ORDER)}.indexOf(r[i]) ? -1 : 1;\n` +
  `  return l.length === r.length ? 0 : l.length < r.length ? -1 : 1;\n` +
  `}\n`
const SIGNER_SORT = '.sort((l, r) => l.toString().localeCompare(r))'
const signerKeyOrder = {
  name: 'signer-key-order',
  setup(b) {
    b.onLoad({ filter: /[\\/]@cloudbase[\\/]signature-nodejs[\\/]lib[\\/]keyvalue\.js$/ }, async (args) => {
      const src = await fs.promises.readFile(args.path, 'utf8')
      if (src.split(SIGNER_SORT).length !== 2) throw new Error('@cloudbase/signature-nodejs lib/keyvalue.js: its key sort changed; revisit signerKeyOrder in scripts/build-functions.mjs')
      return { contents: KEY_COMPARE_SRC + src.replace(SIGNER_SORT, '.sort(__keyCompare)'), loader: 'js' }
    })
  },
}

/** In VENDOR.sdk, `require("axios")` etc. read the package from VENDOR.extra (loaded then). */
const extraPackagesOutside = {
  name: 'extra-packages-outside',
  setup(b) {
    const re = new RegExp(`^(${EXTRA_PACKAGES.map(escapeRe).join('|')})(/.*)?$`)
    b.onResolve({ filter: re }, (args) => {
      // VENDOR.extra exports the packages by name, not their inner files
      if (!EXTRA_PACKAGES.includes(args.path)) return { errors: [{ text: `${args.path}: only whole packages can live in ${VENDOR.extra} (required by ${args.importer})` }] }
      return { path: args.path, namespace: 'sdk-extra' }
    })
    b.onLoad({ filter: /.*/, namespace: 'sdk-extra' }, (args) => ({ contents: `module.exports = require(${JSON.stringify('./' + VENDOR.extra)})[${JSON.stringify(args.path)}]`, loader: 'js' }))
    b.onResolve({ filter: new RegExp(`^\\./${escapeRe(VENDOR.extra)}$`) }, (args) => ({ path: args.path, external: true }))
  },
}

const vendorOptions = { bundle: true, platform: 'node', target: NODE_TARGET, format: 'cjs', legalComments: 'none' }

/** Builds VENDOR.sdk, VENDOR.extra and VENDOR.wx into `outdir`. */
async function buildVendor(outdir, quiet, minify) {
  const one = (contents, resolveDir, sourcefile, outfile, plugins = []) =>
    build({ ...vendorOptions, minify, stdin: { contents, resolveDir, sourcefile }, outfile: path.join(outdir, outfile), plugins, logLevel: quiet ? 'error' : 'warning' })
  const sdkPlugins = [lazySdkRequires, signerKeyOrder, extraPackagesOutside]
  await one("module.exports = require('@cloudbase/node-sdk')", root, 'cloudbase-node-sdk-entry.js', VENDOR.sdk, sdkPlugins)
  // each package behind a getter: reading one runs it (and what it requires), not the others
  const getters = EXTRA_PACKAGES.map((p) => `get ${JSON.stringify(p)}() { return require(${JSON.stringify(p)}) }`).join(',\n')
  await one(`module.exports = {\n${getters}\n}`, sdkDir(), 'cloudbase-node-sdk-extra-entry.js', VENDOR.extra)
  // its copy of @cloudbase/node-sdk resolves the extra packages from the top-level node_modules, as VENDOR.extra does
  await one("module.exports = require('wx-server-sdk')", root, 'wx-server-sdk-entry.js', VENDOR.wx, sdkPlugins)
}

/** In a function bundle, the SDKs are the vendor files shipped next to it. */
const sdkFromVendor = {
  name: 'sdk-from-vendor',
  setup(b) {
    b.onResolve({ filter: /^@cloudbase\/node-sdk$/ }, () => ({ path: `./${VENDOR.dir}/${VENDOR.sdk}`, external: true }))
    b.onResolve({ filter: /^wx-server-sdk$/ }, () => ({ path: `./${VENDOR.dir}/${VENDOR.wx}`, external: true }))
  },
}

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

/**
 * The contract (types/: zod schemas, shared with the UI) is built at load, every schema of every
 * module a bundle imports, though a function uses a few: each top-level `const` whose value is
 * computed (a call, a `new`) is marked pure here (`/* @__PURE__ *\/ (() => (value))()`), so esbuild
 * drops the ones the bundle never reads, as it drops an unused module (ownModulesArePure). A kept
 * one is computed where and when it was. The premise: a value there is computed for itself, never
 * for an effect of computing it (types/ holds schemas, labels and constants; any other statement,
 * an expression statement say, is left as it is and kept).
 */
const typesDir = path.join(root, 'types') + path.sep
function pureTopLevelValues(src, file) {
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const computed = (e) => {
    let found = false
    const visit = (n) => {
      if (found || ts.isArrowFunction(n) || ts.isFunctionExpression(n)) return
      if (ts.isCallExpression(n) || ts.isNewExpression(n) || ts.isTaggedTemplateExpression(n)) found = true
      else ts.forEachChild(n, visit)
    }
    visit(e)
    return found
  }
  const edits = []
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st) || !(st.declarationList.flags & ts.NodeFlags.Const)) continue
    for (const d of st.declarationList.declarations) {
      if (d.initializer && ts.isIdentifier(d.name) && computed(d.initializer)) edits.push([d.initializer.getStart(sf), d.initializer.end])
    }
  }
  let out = src
  for (const [a, b] of edits.reverse()) out = `${out.slice(0, a)}/* @__PURE__ */ (() => (${out.slice(a, b)}))()${out.slice(b)}`
  return out
}
const typesArePure = {
  name: 'types-are-pure',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(typesDir)) return undefined
      return { contents: pureTopLevelValues(await fs.promises.readFile(args.path, 'utf8'), args.path), loader: 'ts' }
    })
  },
}

/**
 * zod 3's schema constructor binds 24 methods to every instance and gives it a `~standard`
 * object: a bundle builds ~2,300 schemas at load (types/, shared with the UI), ~20 ms of a cold
 * start. In the function bundles the same bound methods are made on first read of each (a getter
 * on ZodType.prototype that stores the bound function on the instance, as the constructor did),
 * so `schema.parse` is still a bound function and `const { parse } = schema` still works.
 * Only when they are made changes; the UI and the tests use zod as installed.
 */
const ZOD_BOUND = ['parse', 'safeParse', 'parseAsync', 'safeParseAsync', 'refine', 'refinement', 'superRefine', 'optional', 'nullable', 'nullish', 'array', 'promise', 'or', 'and', 'transform', 'brand', 'default', 'catch', 'describe', 'pipe', 'readonly', 'isNullable', 'isOptional']
const ZOD_CTOR_BINDS =
  '        /** Alias of safeParseAsync */\n        this.spa = this.safeParseAsync;\n        this._def = def;\n' +
  ZOD_BOUND.flatMap((k) => [`        this.${k} = this.${k}.bind(this);\n`, ...(k === 'safeParseAsync' ? ['        this.spa = this.spa.bind(this);\n'] : [])]).join('') +
  '        this["~standard"] = {\n            version: 1,\n            vendor: "zod",\n            validate: (data) => this["~validate"](data),\n        };\n    }\n'
const ZOD_LAZY_BINDS = `
{
    const own = (o, k, v) => Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    const isInstance = (o) => Object.prototype.hasOwnProperty.call(o, "_def");
    const lazy = (k, make) => Object.defineProperty(ZodType.prototype, k, { configurable: true, get() { if (!isInstance(this)) return make.unbound; const v = make(this); own(this, k, v); return v; }, set(v) { own(this, k, v); } });
    for (const k of ${JSON.stringify(ZOD_BOUND)}) { const m = ZodType.prototype[k]; const make = (s) => m.bind(s); make.unbound = m; lazy(k, make); }
    const spa = (s) => s.safeParseAsync; spa.unbound = undefined; lazy("spa", spa);
    const standard = (s) => ({ version: 1, vendor: "zod", validate: (data) => s["~validate"](data) }); standard.unbound = undefined; lazy("~standard", standard);
}
`
const zodLazyBinds = {
  name: 'zod-lazy-binds',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/]v3[\\/]types\.js$/ }, async (args) => {
      let src = await fs.promises.readFile(args.path, 'utf8')
      const start = src.indexOf('export class ZodType {')
      const ctor = src.indexOf(ZOD_CTOR_BINDS, start)
      const end = src.indexOf('\n}\n', start)
      // a zod upgrade that changed the constructor fails the build rather than shipping a half patch
      if (start < 0 || ctor < 0 || end < ctor) throw new Error('zod/v3/types.js: the ZodType constructor changed; revisit zodLazyBinds in scripts/build-functions.mjs')
      src = src.slice(0, ctor) + '        this._def = def;\n    }\n' + src.slice(ctor + ZOD_CTOR_BINDS.length, end + 3) + ZOD_LAZY_BINDS + src.slice(end + 3)
      return { contents: src, loader: 'js' }
    })
  },
}

/** The function's own code; `index.js` is the loader (scripts/function-loader.cjs) that requires it. */
export const BUNDLE = 'bundle.js'

export async function buildFunctions({ quiet = false, outRoot = path.join(root, 'build/functions'), minify = true, codeCache = true } = {}) {
  const vendorTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-vendor-'))
  try {
    await buildVendor(vendorTmp, quiet, minify)
    const service = codeCache ? startWarmService(await buildWarmService(vendorTmp, quiet)) : null
    try {
      for (const name of FUNCTIONS) await buildFunction(name, outRoot, vendorTmp, quiet, minify, codeCache && { service })
    } finally {
      service?.stop()
    }
  } finally {
    fs.rmSync(vendorTmp, { recursive: true, force: true })
  }
}

async function buildFunction(name, outRoot, vendorDir, quiet, minify, codeCache) {
  const outdir = path.join(outRoot, name)
  fs.rmSync(outdir, { recursive: true, force: true })
  await build({
    entryPoints: [path.join(root, 'cloudfunctions', name, 'index.ts')],
    outfile: path.join(outdir, BUNDLE),
    bundle: true,
    platform: 'node',
    target: NODE_TARGET,
    format: 'cjs',
    minify,
    legalComments: 'none',
    // the Chinese UI text as UTF-8 (3 bytes a character) rather than \uXXXX escapes (6): Node reads a CommonJS file as UTF-8
    charset: 'utf8',
    alias: { '@contract': path.join(root, 'types') },
    // a dynamic import() (notify's wx-server-sdk on first send) becomes a deferred require():
    // whatever loads the handler on the platform, a plain require needs nothing from it
    supported: { 'dynamic-import': false },
    // SQLite is only used by the local gateway; INSTALLED are installed by CloudBase from the
    // function's package.json (installDependency) at the pinned version
    external: ['better-sqlite3', ...INSTALLED],
    plugins: [ownModulesArePure, sdkFromVendor, zodLazyBinds, typesArePure],
    logLevel: quiet ? 'error' : 'warning',
  })
  const bundle = fs.readFileSync(path.join(outdir, BUNDLE), 'utf8')
  // require("x") or a dynamic import("x") (loaded on first use)
  const uses = (d) => ['require', 'import'].some((f) => bundle.includes(`${f}("${d}")`) || bundle.includes(`${f}("${d}/`))
  const dependencies = Object.fromEntries(INSTALLED.filter(uses).map((d) => [d, installedVersion(d)]))
  fs.writeFileSync(
    path.join(outdir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js', private: true, dependencies }, null, 2) + '\n',
  )
  const vendored = [VENDOR.sdk, VENDOR.wx].filter((f) => uses(`./${VENDOR.dir}/${f}`))
  if (vendored.length) {
    fs.mkdirSync(path.join(outdir, VENDOR.dir))
    for (const f of [...vendored, VENDOR.extra]) fs.copyFileSync(path.join(vendorDir, f), path.join(outdir, VENDOR.dir, f))
  }
  const cfg = path.join(root, 'cloudfunctions', name, 'config.json')
  if (fs.existsSync(cfg)) fs.copyFileSync(cfg, path.join(outdir, 'config.json'))
  fs.copyFileSync(path.join(root, 'scripts/function-loader.cjs'), path.join(outdir, 'index.js'))
  if (codeCache) makeCodeCache(outdir, name, { serviceUrl: codeCache.service && (await codeCache.service.freshShop()) })
}

/**
 * What answers the warm-up calls' SDK requests (makeCodeCache): the local CloudBase emulator
 * (tests/server/cloudbase-emulator.ts) holding the demo shop (cloudfunctions/gateway/seed.ts), in a
 * process of its own, in memory, on 127.0.0.1. Bundled here from the TypeScript sources (packages
 * from node_modules); the function's own process loads nothing of it. Each line on its stdin
 * empties the database and seeds the demo shop again (dated now), then it prints its URL.
 */
const WARM_SERVICE = `
import readline from 'node:readline'
import { CloudBaseEmulator } from './tests/server/cloudbase-emulator'
import { CloudBaseStore } from './cloudfunctions/adapters/cloudbase/store'
import { seedDemoShop } from './cloudfunctions/gateway/seed'
const emulator = new CloudBaseEmulator()
const started = emulator.start()
let queue = Promise.resolve()
const lines = readline.createInterface({ input: process.stdin })
lines.on('line', () => {
  queue = queue.then(async () => {
    const url = await started
    emulator.reset()
    const store = new CloudBaseStore({ env: 'build', secretId: 'build', secretKey: 'build', serviceUrl: url, timeout: 30000 })
    await store.init()
    await seedDemoShop(store, new Date().toISOString())
    process.stdout.write(url + '\\n')
  })
})
// the build's end closes stdin (a build that died too): no orphan
lines.on('close', () => process.exit(0))
`
async function buildWarmService(outdir, quiet) {
  const outfile = path.join(outdir, 'warm-service.js')
  await build({
    stdin: { contents: WARM_SERVICE, resolveDir: root, sourcefile: 'warm-service.ts', loader: 'ts' },
    bundle: true, platform: 'node', target: NODE_TARGET, format: 'cjs', outfile, packages: 'external',
    alias: { '@contract': path.join(root, 'types') }, logLevel: quiet ? 'error' : 'warning',
  })
  return outfile
}
/** Starts the demo shop service (WARM_SERVICE): `freshShop()` seeds a fresh demo shop and gives its URL; `stop()`. */
function startWarmService(file) {
  const child = spawn(process.execPath, [file], { cwd: root, env: { PATH: process.env.PATH, NODE_PATH: path.join(root, 'node_modules') }, stdio: ['pipe', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  let waiting = null
  const fail = (why) => waiting?.reject(new Error(`code cache: the demo shop service ${why}\n${err.slice(-2000)}`))
  child.stderr.on('data', (d) => (err += d))
  child.stdout.on('data', (d) => {
    out += d
    const nl = out.indexOf('\n')
    if (nl < 0 || !waiting) return
    const url = out.slice(0, nl)
    out = out.slice(nl + 1)
    clearTimeout(waiting.timer)
    waiting.resolve(url)
    waiting = null
  })
  child.on('exit', (code) => fail(`exited (${code})`))
  return {
    freshShop: () =>
      new Promise((resolve, reject) => {
        waiting = { resolve, reject, timer: setTimeout(() => fail('did not answer in 60 s'), 60_000) }
        child.stdin.write('seed\n')
      }),
    stop: () => child.stdin.end(),
  }
}

/**
 * The V8 code cache of what a cold start compiles (CODE_CACHE.manifest): a fresh `node` with no
 * flags loads the function through its loader, as on the platform, serves one typical first call
 * (WARM_CALLS) — its SDK answered by `serviceUrl`: buildFunctions passes a fresh demo shop in the
 * local emulator (WARM_SERVICE), so the call runs to its end; without one, a local socket that
 * closes every connection (every request fails: only the path up to the first request runs);
 * nothing leaves this machine either way —, and writes each file's `createCachedData()` (every
 * function compiled so far: the load's and the call's, after its answers too) to `<file>.cache`,
 * with the V8 version, the files' hashes and how the warm call ended (`warmCall`) in the
 * manifest. A cache is only taken by the same V8 with
 * the same flags (README "Cold start"): CODE_CACHE_NODE=<path to node> makes it with the runtime's
 * own Node (CloudBase's Nodejs20.19) when the build runs on another one.
 */
export const CODE_CACHE = { manifest: 'code-cache.json', suffix: '.cache' }
const clientCall = (openid) => ({ TRIGGER_SRC: 'tcb', WX_OPENID: openid, WX_APPID: 'wx-build', WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID' })
/** Per function: event, the caller's environment in the context (scripts/bench/coldstart.ts's first calls, in kind). */
const WARM_CALLS = {
  aftersale: [{ action: 'list_cases', data: {} }, clientCall('buyer-zhao')],
  admin: [{ action: 'queue', data: { tab: 'mine' } }, clientCall('staff-amy')],
  notify: ['timer', { TRIGGER_SRC: 'timer' }],
  scheduler: ['timer', { TRIGGER_SRC: 'timer' }],
  setup: [{}, clientCall('buyer-zhao')],
  channels: ['push', {}],
}
export function makeCodeCache(outdir, name = path.basename(outdir), { serviceUrl = null } = {}) {
  const [event, environment] = WARM_CALLS[name] ?? [null, {}]
  const trigger = (() => {
    try {
      return JSON.parse(fs.readFileSync(path.join(outdir, 'config.json'), 'utf8')).triggers?.find((t) => t.type === 'timer')?.name ?? ''
    } catch {
      return ''
    }
  })()
  const producer = `
    const fs = require('node:fs'), path = require('node:path'), crypto = require('node:crypto'), net = require('node:net')
    const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex')
    const produced = new Map()
    globalThis[Symbol.for('desk.codeCache.produce')] = produced
    const closing = net.createServer((s) => s.destroy())
    closing.listen(0, '127.0.0.1', async () => {
      process.env.TCB_CONTEXT_CNFG = JSON.stringify({ URL: ${JSON.stringify(serviceUrl)} || 'http://127.0.0.1:' + closing.address().port })
      const fn = require(${JSON.stringify(path.join(outdir, 'index.js'))})
      let event = ${JSON.stringify(event)}
      const now = Math.floor(Date.now() / 1000)
      if (event === 'timer') event = { Type: 'Timer', TriggerName: ${JSON.stringify(trigger)}, Time: new Date().toISOString(), Message: '' }
      if (event === 'push') {
        const nonce = 'build', signature = crypto.createHash('sha1').update([process.env.CHANNELS_PUSH_TOKEN, String(now), nonce].sort().join('')).digest('hex')
        event = { httpMethod: 'POST', queryStringParameters: { timestamp: String(now), nonce, signature }, body: JSON.stringify({ ToUserName: 'gh_build', Event: 'build_unhandled_event', CreateTime: now }), isBase64Encoded: false }
      }
      const context = { request_id: 'build', function_name: 'f', namespace: 'build', memory_limit_in_mb: 256, time_limit_in_ms: 10000, environment: JSON.stringify(${JSON.stringify(environment)}) }
      let warm = 'none'
      if (event !== null && typeof fn.main === 'function') {
        warm = await Promise.resolve(fn.main(event, context)).then(
          (a) => (a && typeof a === 'object' && 'ok' in a ? (a.ok ? 'answered' : 'refused ' + (a.error && a.error.code)) : 'answered'),
          (e) => 'threw ' + (e && e.message),
        )
      }
      const files = {}
      for (const [rel, { source, script }] of produced) {
        const data = script.createCachedData()
        fs.writeFileSync(path.join(${JSON.stringify(outdir)}, rel + ${JSON.stringify(CODE_CACHE.suffix)}), data)
        files[rel] = { source: sha256(source), cache: sha256(data) }
      }
      fs.writeFileSync(path.join(${JSON.stringify(outdir)}, ${JSON.stringify(CODE_CACHE.manifest)}), JSON.stringify({ v8: process.versions.v8, node: process.version, warmCall: warm, files }, null, 2) + '\\n')
      process.exit(0)
    })
  `
  // nothing from this shell: no NODE_OPTIONS (V8 flags would be baked into the cache's flag hash), no
  // secrets (placeholders where a function reads one); the pinned packages (chinese-days) resolve
  // from this checkout as CloudBase installs them
  const env = {
    PATH: process.env.PATH,
    NODE_PATH: path.join(root, 'node_modules'),
    TENCENTCLOUD_RUNENV: 'SCF',
    SCF_NAMESPACE: 'build',
    TCB_ENV: 'build',
    TENCENTCLOUD_REGION: 'ap-shanghai',
    TENCENTCLOUD_SECRETID: 'build',
    TENCENTCLOUD_SECRETKEY: 'build',
    TENCENTCLOUD_SESSIONTOKEN: 'build',
    CHANNELS_PUSH_TOKEN: 'build',
  }
  try {
    execFileSync(process.env.CODE_CACHE_NODE || process.execPath, ['-e', producer], { env, stdio: 'pipe', timeout: 60_000 })
  } catch (e) {
    // the call's refusals are expected and not shown; a failed cache step is
    throw new Error(`code cache for ${outdir} failed: ${e.message}\n${String(e.stderr ?? '').slice(-2000)}`)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // --no-minify: readable names in a `node --cpu-prof` profile (scripts/bench/coldstart.ts --profile)
  await buildFunctions({ minify: !process.argv.includes('--no-minify'), ...(process.argv.includes('--no-minify') ? { outRoot: path.join(root, 'build/functions-unminified') } : {}) })
  console.log(`bundled ${FUNCTIONS.length} functions into build/functions/`)
}
