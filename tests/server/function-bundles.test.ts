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
import { execFileSync, spawn } from 'node:child_process'
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

const call = async (fn: string) => {
  const { line } = await coldCall(path.join(dir, fn), firstCall(fn), env)
  return { answer: JSON.parse(line.answer.length < 300 ? line.answer : '{}') as Record<string, unknown>, raw: line.answer, loaded: line.loaded }
}

describe('each deployed bundle serves its first call in a fresh process', () => {
  it.each(['aftersale', 'admin'])('%s: a caller’s action answered from the database', async (fn) => {
    const r = await call(fn)
    expect(r.raw).toMatch(/^\{"ok":true,"data":/)
    expect(r.loaded).not.toContain('cloudbase-node-sdk-extra.js')
  })

  it('admin: the queue’s first call counts its nine badges in one aggregate (CloudBase round trips: 6, was 13)', async () => {
    emulator.calls.clear()
    expect((await call('admin')).raw).toMatch(/^\{"ok":true,"data":/)
    const calls = Object.fromEntries(emulator.calls)
    expect(calls['database.aggregateDocuments']).toBe(1)
    expect(calls['database.calculateDocument']).toBeUndefined()
    // the policy head and roster version, the caller, the policy version, the page, the aggregate, 全部
    expect(Object.values(calls).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(6)
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

  it('setup: a buyer is refused after its staff read', async () => {
    expect((await call('setup')).answer).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
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
