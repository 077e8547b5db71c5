/**
 * Function cold start (issue #22: require + first call ≤ 120 ms over a bare `node -e 0`): for each
 * bundle of `npm run build:functions`, a fresh `node` process (./coldstart-child.js) requires
 * build/functions/<fn>/index.js (the loader, with the V8 code cache; scripts/function-loader.cjs) exactly as deployed and serves one call as CloudBase passes it
 * (event + context), its SDK talking to the local CloudBase emulator over HTTP; the process's wall
 * time, spawn to exit, minus that of `node -e 0` measured in the same run, interleaved, median of
 * RUNS. The child runs with the variables CloudBase sets on a function (TENCENTCLOUD_RUNENV=SCF, the
 * role's keys, the env id; the service URL through TCB_CONTEXT_CNFG, the platform's own injection).
 * Also: the SDK required alone, as installed in node_modules and as vendored next to the bundles.
 * `--profile`: one more run per function: time per file loaded (compile + top-level code, its own
 * requires excluded) and the first call, with a `node --cpu-prof` profile in build/coldstart-profiles/.
 * Each function's line also gives every run's figure and the SDK requests of each cold start (the
 * emulator's log); `--trace` prints those requests by action and collection, `--only=a,b` measures
 * those functions only.
 */
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { CloudBaseStore } from '../../cloudfunctions/adapters/cloudbase/store'
import { pushSignature } from '../../cloudfunctions/adapters/channels/push'
import { TIMER_TRIGGERS } from '../../cloudfunctions/app/callers'
import { seedDemoShop } from '../../cloudfunctions/gateway/seed'
import { CloudBaseEmulator } from '../../tests/server/cloudbase-emulator'
import { SMALL, le, type Figure } from './figures'

const RUNS = SMALL ? 1 : 5
const PROFILE = process.argv.includes('--profile')
/** `--trace`: print each run's requests (by action and collection) as it ends */
const TRACE = process.argv.includes('--trace')
/** `--only=scheduler,admin`: those functions only */
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
/** `--bundles=<dir>`: measure the bundles in another build folder as they are (e.g. an older commit's build, for a before/after) */
const BUNDLES = process.argv.find((a) => a.startsWith('--bundles='))?.slice('--bundles='.length)
const root = path.resolve(__dirname, '../..')
const ENV_ID = 'bench-cold'
const PUSH_TOKEN = 'bench-cold-push-token'
const NOW = new Date().toISOString()

export interface ColdStart {
  /** median wall time of `node -e 0`, spawn to exit */
  bareMs: number
  /** median CPU time (user + system) of a bare node process */
  bareCpuMs: number
  /** overMs: wall time over bare; cpuOverMs: CPU time over bare (steadier on a loaded machine) */
  functions: { name: string; call: string; overMs: number; runsOverMs: number[]; requests: number[]; cpuOverMs: number; requireMs: number; callMs: number; answer: string; codeCache: string; profile?: string }[]
  /** the SDK alone, required in a fresh process (ms, median) */
  sdk: { name: string; ms: number }[]
}

/** A call context as CloudBase passes it to `main(event, context)`. */
const context = (env: Record<string, string>) => ({ request_id: 'bench', function_name: 'f', namespace: ENV_ID, memory_limit_in_mb: 256, time_limit_in_ms: 10_000, environment: JSON.stringify(env) })
const fromClient = (openid: string) => context({ TRIGGER_SRC: 'tcb', WX_OPENID: openid, WX_APPID: 'wxdesk00000000001', WX_CONTEXT_KEYS: 'WX_OPENID,WX_APPID' })
const fromTimer = context({ TRIGGER_SRC: 'timer' })
const timer = (name: string) => ({ Type: 'Timer', TriggerName: name, Time: NOW, Message: '' })

/** The first call of each function: a typical one, answered from the database. */
export function firstCall(fn: string): { call: string; event: unknown; context: unknown } {
  switch (fn) {
    case 'aftersale':
      return { call: 'list_cases by a buyer', event: { action: 'list_cases', data: {} }, context: fromClient('buyer-zhao') }
    case 'admin':
      return { call: 'queue (mine) by an agent', event: { action: 'queue', data: { tab: 'mine' } }, context: fromClient('staff-amy') }
    case 'scheduler':
      return { call: 'its timer: a pass over the demo shop', event: timer(TIMER_TRIGGERS.scheduler), context: fromTimer }
    case 'notify':
      return { call: 'its timer: the pending outbox, no subscription message', event: timer(TIMER_TRIGGERS.notify), context: fromTimer }
    case 'setup':
      // its real first call is the deployment step (collections, indexes: Tencent Cloud API calls)
      return { call: 'a buyer, refused after the staff read', event: {}, context: fromClient('buyer-zhao') }
    case 'channels': {
      // a signed push of an event the desk does not handle: checks, nonce claimed in the store, acknowledged
      const timestamp = String(Math.floor(Date.now() / 1000))
      const nonce = `n${process.hrtime.bigint()}`
      const event = { httpMethod: 'POST', queryStringParameters: { timestamp, nonce, signature: pushSignature(PUSH_TOKEN, timestamp, nonce) }, body: JSON.stringify({ ToUserName: 'gh_bench', Event: 'bench_unhandled_event', CreateTime: Number(timestamp) }), isBase64Encoded: false }
      return { call: 'a signed push (unhandled event)', event, context: context({}) }
    }
    default:
      throw new Error(`coldstart: no first call for ${fn}`)
  }
}

/** What CloudBase sets on a function (PLATFORM-FACTS), nothing from this shell (no tsx loader, no TENCENTCLOUD=true). */
export function functionEnv(serviceUrl: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    TENCENTCLOUD_RUNENV: 'SCF',
    SCF_NAMESPACE: ENV_ID,
    TCB_ENV: ENV_ID,
    TENCENTCLOUD_REGION: 'ap-shanghai',
    TENCENTCLOUD_SECRETID: 'local-id',
    TENCENTCLOUD_SECRETKEY: 'local-key',
    TENCENTCLOUD_SESSIONTOKEN: 'local-token',
    TCB_CONTEXT_CNFG: JSON.stringify({ URL: serviceUrl }),
    CHANNELS_PUSH_TOKEN: PUSH_TOKEN,
  }
}

/** Wall time of a fresh `node` process, spawn to exit (the parent's event loop stays free: the emulator answers on it). */
function timedNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('exit', (code) => {
      const ms = performance.now() - t0
      if (code !== 0) reject(new Error(`node ${args.slice(0, 2).join(' ')} exited ${code}\n${stderr.slice(-2000)}`))
      else resolve({ ms, stdout })
    })
  })
}

export interface ColdCall {
  requireMs: number
  callMs: number
  cpuMs: number
  /** the answer, JSON, cut at 300 characters */
  answer: string
  /** base names of the files the process loaded (require.cache) */
  loaded: string[]
  /** with COLD_BY_FILE: ms spent loading each file (compile + top-level code, its requires excluded) */
  byFile?: Record<string, number>
  /** the loader's line on the V8 code cache (scripts/function-loader.cjs), e.g. `[code-cache] vendor/cloudbase-node-sdk.js accepted, bundle.js accepted` */
  codeCache: string
}

/** One cold start: a fresh node requires `<fnDir>/index.js` and serves `call` (./coldstart-child.js). */
export async function coldCall(fnDir: string, call: { event: unknown; context: unknown }, env: NodeJS.ProcessEnv, nodeArgs: string[] = []): Promise<{ ms: number; line: ColdCall }> {
  const r = await timedNode([...nodeArgs, path.join(__dirname, 'coldstart-child.js'), path.join(fnDir, 'index.js'), JSON.stringify(call.event), JSON.stringify(call.context)], env)
  const lines = r.stdout.trim().split('\n')
  const codeCache = lines.filter((l) => l.startsWith('[code-cache]')).join('\n')
  return { ms: r.ms, line: { ...(JSON.parse(lines.pop()!) as Omit<ColdCall, 'codeCache'>), codeCache } }
}

/** The demo shop in the emulator's database, as the functions' first calls expect it. */
export async function seedColdStartData(serviceUrl: string): Promise<void> {
  const store = new CloudBaseStore({ env: ENV_ID, secretId: 'local-id', secretKey: 'local-key', serviceUrl, timeout: 30_000 })
  await store.init()
  await seedDemoShop(store, NOW)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

export async function measureColdStart(): Promise<ColdStart> {
  // build/functions is written by the bundler (esbuild), exactly as deployed
  const { buildFunctions, FUNCTIONS } = (await import(path.join(root, 'scripts/build-functions.mjs'))) as { buildFunctions(o: { quiet: boolean }): Promise<void>; FUNCTIONS: string[] }
  // small mode (inside the test suite) reuses the bundles `npm run build` made: rebuilding would
  // replace them under other tests' feet
  const fnDir = BUNDLES ? path.resolve(BUNDLES) : path.join(root, 'build/functions')
  const built = FUNCTIONS.every((n) => fs.existsSync(path.join(fnDir, n, 'index.js')))
  if (!BUNDLES && (!SMALL || !built)) await buildFunctions({ quiet: true })
  const names = SMALL ? FUNCTIONS.slice(0, 1) : ONLY ? FUNCTIONS.filter((n) => ONLY.includes(n)) : FUNCTIONS

  const emulator = new CloudBaseEmulator()
  const url = await emulator.start()
  const prevProbe = process.env.TENCENTCLOUD
  process.env.TENCENTCLOUD = 'true' // this process's own SDK client (the seeding) talks to the emulator only
  try {
    await seedColdStartData(url)

    const env = functionEnv(url)
    const bare: number[] = []
    const bareCpu: number[] = []
    const runs = new Map<string, { ms: number[]; cpuMs: number[]; requireMs: number[]; callMs: number[]; requests: number[]; answer: string; codeCache: string }>()
    for (let i = 0; i < RUNS; i++) {
      bare.push((await timedNode(['-e', '0'], env)).ms)
      bareCpu.push(Number((await timedNode(['-e', 'const c = process.cpuUsage(); process.stdout.write(String((c.user + c.system) / 1000))'], env)).stdout))
      for (const name of names) {
        emulator.trace = []
        const { ms, line } = await coldCall(path.join(fnDir, name), firstCall(name), env)
        const trace = emulator.trace as { action: string; what?: string; start: number; end: number }[]
        emulator.trace = null
        const acc = runs.get(name) ?? { ms: [], cpuMs: [], requireMs: [], callMs: [], requests: [], answer: '', codeCache: '' }
        acc.requests.push(trace.length)
        if (TRACE) {
          const by = new Map<string, number>()
          for (const t of trace) by.set(`${t.action.replace(/^database\./, '')} ${t.what ?? ''}`.trim(), (by.get(`${t.action.replace(/^database\./, '')} ${t.what ?? ''}`.trim()) ?? 0) + 1)
          console.log(`  ${name} run ${i + 1}: ${ms.toFixed(0)} ms wall, ${trace.length} requests: ${[...by].map(([k, n]) => `${k}${n > 1 ? ` ×${n}` : ''}`).join(', ')}`)
        }
        acc.ms.push(ms)
        acc.cpuMs.push(line.cpuMs)
        acc.requireMs.push(line.requireMs)
        acc.callMs.push(line.callMs)
        acc.answer = line.answer
        acc.codeCache = line.codeCache
        runs.set(name, acc)
      }
    }
    const bareMs = median(bare)
    const bareCpuMs = median(bareCpu)
    const functions: ColdStart['functions'] = []
    for (const name of names) {
      const r = runs.get(name)!
      let profile: string | undefined
      if (PROFILE) {
        const dir = path.join(root, 'build/coldstart-profiles', name)
        fs.rmSync(dir, { recursive: true, force: true })
        const { line } = await coldCall(path.join(fnDir, name), firstCall(name), { ...env, COLD_BY_FILE: '1' }, ['--cpu-prof', '--cpu-prof-interval', '200', `--cpu-prof-dir=${dir}`])
        const files = Object.entries(line.byFile ?? {}).filter(([, ms]) => ms >= 1).sort((x, y) => y[1] - x[1])
        profile = `require ${files.map(([f, ms]) => `${f} ${ms.toFixed(0)}`).join(', ')} ms; first call ${line.callMs.toFixed(0)} ms (profiled; --cpu-prof in ${path.relative(root, dir)})`
      }
      functions.push({ name, call: firstCall(name).call, overMs: median(r.ms) - bareMs, runsOverMs: r.ms.map((ms) => ms - bareMs), requests: r.requests, cpuOverMs: median(r.cpuMs) - bareCpuMs, requireMs: median(r.requireMs), callMs: median(r.callMs), answer: r.answer, codeCache: r.codeCache, ...(profile ? { profile } : {}) })
    }

    // the SDK alone, in a fresh process: as installed (what a bundle paid before it was vendored) and vendored
    const requireMs = (target: string) => {
      const code = `const t0 = performance.now(); require(${JSON.stringify(target)}); process.stdout.write(String(performance.now() - t0))`
      return median(Array.from({ length: RUNS }, () => Number(execFileSync(process.execPath, ['-e', code], { cwd: root, env, encoding: 'utf8' }))))
    }
    const vendored = path.join(fnDir, names[0], 'vendor/cloudbase-node-sdk.js')
    const sdk = [
      ...(fs.existsSync(vendored) ? [{ name: '@cloudbase/node-sdk as vendored (build/functions/*/vendor)', ms: requireMs(vendored) }] : []),
      { name: '@cloudbase/node-sdk as installed (node_modules)', ms: requireMs(path.join(root, 'node_modules/@cloudbase/node-sdk')) },
    ]
    const wx = path.join(fnDir, 'notify', 'vendor/wx-server-sdk.js')
    if (!SMALL && fs.existsSync(wx)) sdk.push({ name: 'wx-server-sdk as vendored (notify, on its first send)', ms: requireMs(wx) })
    if (!SMALL) sdk.push({ name: 'wx-server-sdk as installed (node_modules)', ms: requireMs(path.join(root, 'node_modules/wx-server-sdk')) })
    return { bareMs, bareCpuMs, functions, sdk }
  } finally {
    if (prevProbe === undefined) delete process.env.TENCENTCLOUD
    else process.env.TENCENTCLOUD = prevProbe
    await emulator.stop()
  }
}

export function coldStartReport(c: ColdStart): string[] {
  const out = [`Function cold start: a fresh node requires the deployed bundle and serves one call (SDK → local emulator), median of ${RUNS}, over a bare \`node -e 0\` (${c.bareMs.toFixed(0)} ms wall, ${c.bareCpuMs.toFixed(0)} ms CPU in this run)`]
  for (const f of c.functions) {
    out.push(`  ${`function ${f.name}: require + first call`.padEnd(44)}${f.overMs.toFixed(0).padStart(6)} ms  (target ≤ 120 ms: ${f.overMs <= 120 ? 'met' : 'MISSED'}; CPU ${f.cpuOverMs.toFixed(0)} ms over bare; in process: require ${f.requireMs.toFixed(0)} ms, call ${f.callMs.toFixed(0)} ms — ${f.call})`)
    out.push(`      runs (ms over bare): ${f.runsOverMs.map((ms) => ms.toFixed(0)).join(' / ')}; SDK requests per run: ${f.requests.join(' / ')}`)
    out.push(`      ${f.codeCache || '(no code-cache line: a build without the loader)'}`)
    if (f.profile) out.push(`      profile: ${f.profile}`)
  }
  for (const s of c.sdk) out.push(`  ${s.name.padEnd(60)}${s.ms.toFixed(0).padStart(6)} ms  (require alone, in a fresh process)`)
  return out
}

/** Each bundle's require + first call against issue #22's budget (≤ 120 ms over a bare `node -e 0`). */
export function coldStartFigures(c: ColdStart): Figure[] {
  return [
    ...c.functions.map((f) => ({ bench: 'coldstart', name: `function ${f.name}: require + first call`, value: f.overMs, unit: 'ms', budget: le(120), note: `over node -e 0; ${f.call}` })),
    ...c.sdk.map((s) => ({ bench: 'coldstart', name: s.name, value: s.ms, unit: 'ms' })),
  ]
}

if (require.main === module) {
  void measureColdStart().then((c) => {
    for (const l of coldStartReport(c)) console.log(l)
    if (process.env.BENCH_VERBOSE) for (const f of c.functions) console.log(`  ${f.name} answered ${f.answer}`)
  })
}
