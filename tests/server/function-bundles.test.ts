/**
 * The deployed artifacts serve calls (issue #22 §3): each bundle of the real build script, with the
 * @cloudbase/node-sdk vendored next to it (lazy subsystems, `app.models` built on first read),
 * required by a fresh `node` with the variables CloudBase sets on a function and serving its first
 * call against the local emulator (scripts/bench/coldstart.ts runs the same calls, timed). The
 * other server tests run the TypeScript sources on the installed SDK; only this one runs what
 * `tcb fn deploy` uploads. A cold start reads neither the vendored SDK's second file nor
 * wx-server-sdk; the SDK paths left lazy still work when reached, and notify's vendored
 * wx-server-sdk puts the same subscription message on the wire as the installed package.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { CloudBaseEmulator } from './cloudbase-emulator'
import { coldCall, firstCall, functionEnv, seedColdStartData } from '../../scripts/bench/coldstart'

jest.setTimeout(120_000)
const root = path.resolve(__dirname, '../..')

let dir = ''
let emulator: CloudBaseEmulator
let env: NodeJS.ProcessEnv = {}
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fn-bundles-'))
  // the real build script, into a scratch folder (the suite's `npm run build` output is not touched)
  execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import('./scripts/build-functions.mjs'); await m.buildFunctions({ quiet: true, outRoot: ${JSON.stringify(dir)} })`], { cwd: root, encoding: 'utf8' })
  // what CloudBase installs from each package.json (installDependency): the pinned packages, here from this checkout
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'))
  emulator = new CloudBaseEmulator()
  const url = await emulator.start()
  await seedColdStartData(url)
  env = functionEnv(url)
}, 120_000)
afterAll(async () => {
  await emulator?.stop()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** `at`: the function's folder (default: the build's); `nodeArgs`: flags of the `node` that runs it */
const call = async (fn: string, at = path.join(dir, fn), nodeArgs: string[] = []) => {
  const { line } = await coldCall(at, firstCall(fn), env, nodeArgs)
  return { answer: JSON.parse(line.answer.length < 300 ? line.answer : '{}') as Record<string, unknown>, raw: line.answer, loaded: line.loaded, codeCache: line.codeCache }
}

describe('each deployed bundle serves its first call in a fresh process', () => {
  it.each(['aftersale', 'admin'])('%s: a caller’s action answered from the database', async (fn) => {
    const r = await call(fn)
    expect(r.raw).toMatch(/^\{"ok":true,"data":/)
    expect(r.loaded).not.toContain('cloudbase-node-sdk-extra.js')
  })

  it('admin: the queue’s first call counts its nine badges in one aggregate (CloudBase round trips: 4, was 13)', async () => {
    emulator.trace = []
    expect((await call('admin')).raw).toMatch(/^\{"ok":true,"data":/)
    const trace = emulator.trace
    emulator.trace = null
    expect(trace.filter((t) => t.action === 'database.aggregateDocuments' && t.what === 'cases')).toHaveLength(1)
    expect(trace.filter((t) => t.action === 'database.calculateDocument')).toHaveLength(0)
    // the policy head and roster version with the policy version it names and the caller's record (one aggregate), the page, the badges, 全部
    expect(trace.length).toBeLessThanOrEqual(4)
  })

  it.each([
    ['scheduler', 'examined'],
    ['notify', 'sent'],
  ])('%s: its timer runs a pass (not refused), without loading wx-server-sdk', async (fn, key) => {
    const r = await call(fn)
    expect(r.answer).toHaveProperty(key, expect.any(Number))
    expect(r.loaded).not.toContain('cloudbase-node-sdk-extra.js')
    expect(r.loaded).not.toContain('wx-server-sdk.js')
  })

  it('scheduler: a fresh instance’s pass opens with one aggregate (policy head and version, due cases and tasks, running outreaches, expired nonces); then the unsigned orders, nothing else when nothing is due', async () => {
    await call('scheduler') // the demo shop's first pass (it opens logistics cases): the one measured finds nothing new
    emulator.trace = []
    expect((await call('scheduler')).answer).toMatchObject({ examined: 0, acted: 0 })
    const trace = emulator.trace
    emulator.trace = null
    expect(trace.map((t) => `${t.action} ${t.what}`)).toEqual(['database.aggregateDocuments counters', 'database.getDocument orders'])
  })

  it('setup: a buyer is refused after its staff read (one request: the roster head, the caller’s record joined)', async () => {
    emulator.trace = []
    expect((await call('setup')).answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    const trace = emulator.trace
    emulator.trace = null
    expect(trace.map((t) => `${t.action} ${t.what}`)).toEqual(['database.aggregateDocuments counters'])
  })

  it('channels: a signed push is acknowledged', async () => {
    expect((await call('channels')).answer).toMatchObject({ statusCode: 200, body: 'success' })
  })
})

describe('the vendored SDK’s lazy paths still run the SDK’s code', () => {
  it('app.models (wx-cloud-client-sdk) and requestClient (axios) load from the second vendor file on first use', () => {
    const sdk = path.join(dir, 'aftersale', 'vendor', 'cloudbase-node-sdk.js')
    const code = `
      const tcb = require(${JSON.stringify(sdk)})
      const app = tcb.init({ env: 'x' })
      const before = Object.keys(require.cache).some((k) => k.endsWith('-extra.js'))
      const list = typeof app.models.someModel.list
      const axios = app.requestClient.get
      console.log(JSON.stringify({ before, after: Object.keys(require.cache).some((k) => k.endsWith('-extra.js')), list, axios: typeof axios, create: typeof axios.create, version: tcb.version }))`
    const out = JSON.parse(execFileSync(process.execPath, ['-e', code], { env, encoding: 'utf8' }).trim().split('\n').pop()!) as Record<string, unknown>
    const installed = (JSON.parse(fs.readFileSync(path.join(root, 'node_modules/@cloudbase/node-sdk/package.json'), 'utf8')) as { version: string }).version
    expect(out).toEqual({ before: false, after: true, list: 'function', axios: 'function', create: 'function', version: installed })
  })
})

describe('the vendored SDK signs requests as the installed one does', () => {
  it('the request signer’s key order without ICU’s collator is localeCompare’s order', () => {
    // the comparator's source exactly as the build script puts it into the vendored SDK
    const src = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import('./scripts/build-functions.mjs'); process.stdout.write(m.KEY_COMPARE_SRC)`], { cwd: root, encoding: 'utf8' })
    const compare = new Function(`${src}; return __keyCompare`)() as (l: string, r: string) => number
    // every pair of 1–2 character keys over the fast path's characters and a few that take localeCompare
    const chars = [...'_-0123456789abcdefghijklmnopqrstuvwxyz', 'A', 'Z', '.', ' ', '中']
    const keys = ['', ...chars, ...chars.flatMap((a) => chars.map((b) => a + b))]
    const sign = (n: number) => Math.sign(n)
    const wrong = keys.flatMap((l) => keys.filter((r) => sign(compare(l, r)) !== sign(l.localeCompare(r))).map((r) => [l, r]))
    expect(wrong.slice(0, 5)).toEqual([])
    const sdkKeys = ['collectionname', 'querytype', 'query', 'order', 'limit', 'action', 'envname', 'wxcloudapitoken', 'tcb_sessiontoken', 'sessiontoken', 'content-type', 'x-tcb-source', 'x-client-timestamp', 'x-sdk-version', 'host']
    expect([...sdkKeys].sort(compare)).toEqual([...sdkKeys].sort((l, r) => l.localeCompare(r)))
  })

  it('a database query carries the same signature from the vendored and the installed SDK (clock frozen)', async () => {
    const seen: { auth: string; url: string; body: string }[] = []
    const server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        seen.push({ auth: String(req.headers.authorization), url: String(req.url), body })
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ code: 'STANDIN_REFUSED', message: 'stand-in', requestId: 'r1' }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const standinEnv = functionEnv(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`)
    const code = (target: string) => `
      const T = 1765000000123; const D = Date
      globalThis.Date = class extends D { constructor(...a) { super(...(a.length ? a : [T])) } static now() { return T } }
      Math.random = () => 0.5
      const app = require(${JSON.stringify(target)}).init({ env: 'bench-cold' })
      app.database().collection('cases').where({ buyerOpenid: 'o-1', status: 'open' }).orderBy('updatedAt', 'desc').limit(5).get().catch(() => {}).finally(() => process.exit(0))`
    const run = (target: string) => new Promise<void>((resolve, reject) => spawn(process.execPath, ['-e', code(target)], { env: standinEnv, stdio: 'ignore' }).on('exit', () => resolve()).on('error', reject))
    try {
      await run(path.join(root, 'node_modules/@cloudbase/node-sdk'))
      await run(path.join(dir, 'aftersale', 'vendor', 'cloudbase-node-sdk.js'))
      expect(seen).toHaveLength(2)
      expect(seen[0].auth).toMatch(/^TC3-HMAC-SHA256 .*SignedParams=.*Signature=[0-9a-f]{64}$/)
      expect(seen[1]).toEqual(seen[0])
    } finally {
      server.close()
    }
  })
})

describe('notify’s vendored wx-server-sdk', () => {
  it('sends a subscription message exactly as the installed wx-server-sdk does, and reports the answer the same way', async () => {
    // a stand-in for the CloudBase API: records each request, answers every call with an error
    const seen: { url: string; agent: string; sdk: string; body: string }[] = []
    const server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString('latin1')))
      req.on('end', () => {
        const boundary = /boundary=(\S+)/.exec(String(req.headers['content-type']))?.[1] ?? ''
        seen.push({ url: String(req.url).replace(/seqId=[^&]*/, 'seqId=*'), agent: String(req.headers['user-agent']), sdk: String(req.headers['x-sdk-version']), body: boundary ? body.split(boundary).join('BOUNDARY') : body })
        res.setHeader('content-type', 'application/json')
        res.end(JSON.stringify({ code: 'STANDIN_REFUSED', message: 'stand-in', requestId: 'r1' }))
      })
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const standinEnv = functionEnv(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`)
    // what notify/index.ts does on its first send
    const send = (target: string) => `import(${JSON.stringify(target)}).then(async (m) => {
      const cloud = m.default ?? m
      cloud.init({ env: cloud.DYNAMIC_CURRENT_ENV })
      try { console.log(JSON.stringify(await cloud.openapi.subscribeMessage.send({ touser: 'o-buyer', templateId: 'tpl-1', page: 'pages/case/index?id=c1', data: { thing1: { value: '退款已受理' } }, miniprogramState: 'formal', lang: 'zh_CN' }))) }
      catch (e) { console.log(JSON.stringify({ errCode: e.errCode, errMsg: e.errMsg })) }
      process.exit(0)
    })`
    const run = (target: string) =>
      new Promise<{ answer: unknown; requests: typeof seen }>((resolve, reject) => {
        const from = seen.length
        const child = spawn(process.execPath, ['-e', send(target)], { env: standinEnv })
        let out = ''
        child.stdout.on('data', (d: Buffer) => (out += d))
        child.on('error', reject)
        child.on('exit', () => resolve({ answer: JSON.parse(out.trim().split('\n').pop() ?? 'null'), requests: seen.slice(from) }))
      })
    try {
      const installed = await run(path.join(root, 'node_modules/wx-server-sdk/index.js'))
      const vendored = await run(path.join(dir, 'notify', 'vendor', 'wx-server-sdk.js'))
      expect(installed.requests.length).toBeGreaterThan(0)
      expect(installed.requests[0].body).toContain('subscribeMessage.send')
      expect(vendored).toEqual(installed)
    } finally {
      server.close()
    }
  })
})

describe('the V8 code cache shipped with each function (scripts/function-loader.cjs)', () => {
  const FUNCTIONS = ['aftersale', 'admin', 'notify', 'scheduler', 'setup', 'channels']
  /** the loader's line, per file: `{ 'bundle.js': 'accepted', ... }` */
  const outcomes = (line: string) => Object.fromEntries([...line.matchAll(/(bundle\.js|vendor\/[\w.-]+\.js) (accepted|rejected|corrupt|stale|missing|not loaded)/g)].map((m) => [m[1], m[2]]))
  const bothAccepted = { 'bundle.js': 'accepted', 'vendor/cloudbase-node-sdk.js': 'accepted' }
  /** a copy of aftersale's folder to spoil (inside `dir`: the pinned packages resolve from dir/node_modules) */
  const copy = (tag: string) => {
    const at = path.join(dir, `aftersale-${tag}`)
    fs.cpSync(path.join(dir, 'aftersale'), at, { recursive: true })
    return at
  }
  const servedList = (r: { raw: string }) => expect(r.raw).toMatch(/^\{"ok":true,"data":/)

  it.each(FUNCTIONS)('%s: its first call runs bundle.js and the vendored SDK compiled from the cache (accepted)', async (fn) => {
    const r = await call(fn)
    expect(r.codeCache.split('\n')).toHaveLength(1)
    expect(outcomes(r.codeCache)).toEqual(bothAccepted)
    expect(r.raw).not.toContain('"INTERNAL"')
    expect(fs.readFileSync(path.join(dir, fn, 'code-cache.json'), 'utf8')).toContain(`"v8": "${process.versions.v8}"`)
    // the build's warm-up call was answered by the demo shop, to its end (setup's: a buyer, refused after the staff read)
    expect((JSON.parse(fs.readFileSync(path.join(dir, fn, 'code-cache.json'), 'utf8')) as { warmCall: string }).warmCall).toBe(fn === 'setup' ? 'refused FORBIDDEN' : 'answered')
    // V8's own word, not the loader's: it deserializes each cache file whole (--profile-deserialization is left out of V8's flag check)
    const v8 = spawnSync(process.execPath, ['--profile-deserialization', '-e', `require(${JSON.stringify(path.join(dir, fn, 'index.js'))})`], { encoding: 'utf8', env }).stdout
    for (const f of ['bundle.js.cache', 'vendor/cloudbase-node-sdk.js.cache']) expect(v8).toContain(`[Deserializing from ${fs.statSync(path.join(dir, fn, f)).size} bytes took`)
  })

  it('a corrupted cache file is not handed to V8: that file compiles from source and the first call is served', async () => {
    const at = copy('corrupt')
    const file = path.join(at, 'bundle.js.cache')
    const bytes = fs.readFileSync(file)
    for (let i = 64; i < bytes.length; i += 97) bytes[i] ^= 0x5a
    fs.writeFileSync(file, bytes)
    const r = await call('aftersale', at)
    expect(outcomes(r.codeCache)).toEqual({ 'bundle.js': 'corrupt', 'vendor/cloudbase-node-sdk.js': 'accepted' })
    servedList(r)
  })

  it('a cache made by another V8 tag is skipped without trying; the first call is served', async () => {
    const at = copy('other-v8')
    const manifest = JSON.parse(fs.readFileSync(path.join(at, 'code-cache.json'), 'utf8')) as { v8: string }
    fs.writeFileSync(path.join(at, 'code-cache.json'), JSON.stringify({ ...manifest, v8: '11.3.244.8-node.1' }))
    const r = await call('aftersale', at)
    expect(r.codeCache).toBe(`[code-cache] skipped: made by V8 11.3.244.8-node.1 (Node ${process.version}), this is ${process.versions.v8} (Node ${process.version})`)
    servedList(r)
  })

  it('V8 rejects the cache (other V8 version in its header, or other V8 flags): plain compile, logged with the flags, first call served', async () => {
    // the header's V8 version hash (bytes 4-7) changed and the manifest's hash of the file updated: only V8's own check can refuse it
    const at = copy('v8-header')
    const file = path.join(at, 'vendor', 'cloudbase-node-sdk.js.cache')
    const bytes = fs.readFileSync(file)
    bytes.writeUInt32LE(bytes.readUInt32LE(4) ^ 1, 4)
    fs.writeFileSync(file, bytes)
    const manifest = JSON.parse(fs.readFileSync(path.join(at, 'code-cache.json'), 'utf8')) as { files: Record<string, { cache: string }> }
    manifest.files['vendor/cloudbase-node-sdk.js'].cache = crypto.createHash('sha256').update(bytes).digest('hex')
    fs.writeFileSync(path.join(at, 'code-cache.json'), JSON.stringify(manifest))
    const byHeader = await call('aftersale', at)
    expect(outcomes(byHeader.codeCache)).toEqual({ 'bundle.js': 'accepted', 'vendor/cloudbase-node-sdk.js': 'rejected' })
    servedList(byHeader)
    // what a platform launcher passing a heap limit does: V8's flag hash differs from the build's
    const byFlags = await call('aftersale', path.join(dir, 'aftersale'), ['--max-old-space-size=200'])
    expect(outcomes(byFlags.codeCache)).toEqual({ 'bundle.js': 'rejected', 'vendor/cloudbase-node-sdk.js': 'rejected' })
    expect(byFlags.codeCache).toContain('node flags: --max-old-space-size=200')
    servedList(byFlags)
  })

  it('a bundle.js edited after the build runs as edited (its cache is not used); no or a broken code-cache.json: plain compile', async () => {
    const at = copy('edited')
    // same length, other behaviour: V8 alone would take the cache (it checks the source's length only) and run the old code
    const src = fs.readFileSync(path.join(at, 'bundle.js'), 'utf8')
    expect(src).toContain('"请先登录"')
    fs.writeFileSync(path.join(at, 'bundle.js'), src.replace('"请先登录"', '"请先登陆"'))
    const anon = { ...firstCall('aftersale'), context: { ...(firstCall('aftersale').context as object), environment: JSON.stringify({ TRIGGER_SRC: 'tcb' }) } }
    const { line } = await coldCall(at, anon, env)
    expect(outcomes(line.codeCache)).toEqual({ 'bundle.js': 'stale', 'vendor/cloudbase-node-sdk.js': 'accepted' })
    expect(line.answer).toContain('请先登陆')
    fs.rmSync(path.join(at, 'code-cache.json'))
    const r = await call('aftersale', at)
    expect(r.codeCache).toBe('[code-cache] none (no code-cache.json)')
    servedList(r)
    fs.writeFileSync(path.join(at, 'code-cache.json'), '{"v8": "cut short')
    const cut = await call('aftersale', at)
    expect(cut.codeCache).toBe('[code-cache] none (code-cache.json unreadable)')
    servedList(cut)
  })

  it('module semantics: bundle.js sees its own __filename, __dirname, module, exports and require; stack traces name it at its own lines and columns', () => {
    const at = fs.mkdtempSync(path.join(dir, 'loader-'))
    fs.mkdirSync(path.join(at, 'vendor'))
    fs.writeFileSync(path.join(at, 'vendor', 'dep.js'), "exports.where = __filename\nexports.parent = module.parent && module.parent.id\n")
    fs.writeFileSync(
      path.join(at, 'bundle.js'),
      [
        "const dep = require('./vendor/dep.js')",
        'exports.seen = { filename: __filename, dirname: __dirname, thisIsExports: this === exports, id: module.id, moduleFilename: module.filename, dep: dep.where, depParent: dep.parent, resolved: require.resolve("./vendor/dep.js"), sameCache: require.cache === require("node:module")._cache }',
        'exports.boom = function boom() {',
        "  throw new Error('boom')",
        '}',
      ].join('\n'),
    )
    fs.copyFileSync(path.join(root, 'scripts/function-loader.cjs'), path.join(at, 'index.js'))
    execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import('./scripts/build-functions.mjs'); m.makeCodeCache(${JSON.stringify(at)})`], { cwd: root })
    const probe = `const m = require(${JSON.stringify(path.join(at, 'index.js'))}); let stack = ''; try { m.boom() } catch (e) { stack = e.stack }
      const b = require.cache[${JSON.stringify(path.join(at, 'bundle.js'))}]
      console.log(JSON.stringify({ seen: m.seen, stack, loaded: b.loaded, sameExports: b.exports === m, parent: b.parent.id }))`
    const lines = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8', env: { PATH: process.env.PATH } }).trim().split('\n')
    expect(lines[0]).toBe('[code-cache] vendor/dep.js accepted, bundle.js accepted')
    const r = JSON.parse(lines[1]) as { seen: Record<string, unknown>; stack: string; loaded: boolean; sameExports: boolean; parent: string }
    const bundle = path.join(at, 'bundle.js')
    expect(r.seen).toEqual({ filename: bundle, dirname: at, thisIsExports: true, id: bundle, moduleFilename: bundle, dep: path.join(at, 'vendor', 'dep.js'), depParent: bundle, resolved: path.join(at, 'vendor', 'dep.js'), sameCache: true })
    // line 4, column 9: the `throw`'s `new Error` in the file as written
    expect(r.stack.split('\n')[1].trim()).toBe(`at Object.boom (${bundle}:4:9)`)
    expect(r).toMatchObject({ loaded: true, sameExports: true, parent: path.join(at, 'index.js') })
  })

  it('a real bundle: its stack frames are the ones a plain require of bundle.js gives (file, line, column)', () => {
    const probe = (target: string) => `const m = require(${JSON.stringify(target)})
      // an event whose action cannot be read: the error is thrown inside the bundle's own parsing and logged with its stack
      void m.main({ data: {}, get action() { throw new Error('probe') } }, {}).then(() => process.exit(0))`
    const run = (target: string) => {
      const r = spawnSync(process.execPath, ['-e', probe(target)], { encoding: 'utf8', env })
      return { out: r.stdout, frames: [...r.stderr.matchAll(/\((\/[^()]+\.js:\d+:\d+)\)/g)].map((m) => m[1]) }
    }
    const viaLoader = run(path.join(dir, 'aftersale', 'index.js'))
    const plain = run(path.join(dir, 'aftersale', 'bundle.js'))
    expect(viaLoader.out).toContain('bundle.js accepted')
    expect(viaLoader.frames.filter((f) => f.includes(`${path.sep}bundle.js:`)).length).toBeGreaterThan(2)
    expect(viaLoader.frames).toEqual(plain.frames)
  })
})
