// `npm run bench`: prints figures (never asserted in tests). One run measures, on this machine:
//  - the store, the queue / buyer-list functions and one scheduler pass (100 due) at 10k and 100k
//    open cases (scale.ts), and a submit's server time against a bare insert of the same document;
//  - over HTTP at concurrency 32: a bare node:http + SQLite floor (floor.ts) and the real gateway
//    under a submit / list / queue mix (gateway.ts), each server in its own process;
//  - outbox dispatcher throughput against the local sender (dispatcher.ts);
//  - shop sync: after-sale orders per second through the Channels adapter against the stand-in
//    (shop-sync.ts);
//  - shop remedy: one 退差价 through the outbox (wall time, store round trips) against a bare fetch
//    (shop-remedy.ts);
//  - the policy what-if over 10k and 100k stored cases (what-if.ts);
//  - the gateway's memory while it refuses a 200 MB upload (upload-memory.ts);
//  - the analytics page and the export over 100k stored cases (analytics.ts);
//  - a submit with 20 auto-decision rules against one with none (auto-rules.ts).
// It ends with one table of every figure against its budget (figures.ts). `--small` (or
// BENCH_SMALL=1) runs every bench on tiny data in seconds (the test suite does: benches.test.ts);
// `--only=roundtrips,scale,…` runs some of them.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runDispatcher } from './dispatcher'
import { runFloor } from './floor'
import { runGateway } from './gateway'
import { runWhatIfBench, whatIfReport } from './what-if'
import type { LoadResult } from './http'
import { BENCH_NOW, caseTemplates } from './population'
import { BUYERS, DUE, PASSES, scaleRun, warmScheduler, type ScaleResult } from './scale'
import { measureRoundTrips, roundTripFigures, roundTripTable, type RoundTrips } from './roundtrips'
import { coldStartFigures, coldStartReport, measureColdStart } from './coldstart'
import { reportShopSync, runShopSync } from './shop-sync'
import { reportShopRemedy, runShopRemedy } from './shop-remedy'
import { runUploadMemory } from './upload-memory'
import { runAnalyticsBench, analyticsFigures, analyticsReport } from './analytics'
import { SMALL, ge, le, size, summaryTable, type Figure } from './figures'
import { autoRulesReport, runAutoRulesBench } from './auto-rules'

const SECONDS = Number(process.env.BENCH_SECONDS ?? size(10, 1))
const ONLY = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',')
const BENCHES = ['roundtrips', 'coldstart', 'scale', 'whatif', 'http', 'dispatcher', 'shopsync', 'shopremedy', 'uploads', 'analytics', 'autorules'] as const
type BenchName = (typeof BENCHES)[number]
const wanted = (b: BenchName) => !ONLY || ONLY.includes(b)
if (ONLY) for (const b of ONLY) if (!(BENCHES as readonly string[]).includes(b)) throw new Error(`--only: no bench ${b} (${BENCHES.join(', ')})`)
const t0 = Date.now()
const progress = (msg: string) => process.stderr.write(`[bench +${((Date.now() - t0) / 1000).toFixed(1)} s] ${msg}\n`)
const f = (n: number, d = 2): string => (Number.isFinite(n) ? n.toFixed(d) : '—')
const pad = (s: string, n: number) => s.padEnd(n)
const lpad = (s: string, n: number) => s.padStart(n)
const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED')

function loadRow(r: LoadResult) {
  const err = r.errors + r.socketErrors
  return `  ${pad(r.label, 40)}${lpad(Math.round(r.rate).toString(), 8)}${lpad(f(r.p50), 9)}${lpad(f(r.p99), 9)}${lpad(String(err), 8)}${lpad(String(Math.round(r.openMs)), 9)}${lpad(String(Math.round(r.firstMaxMs)), 9)}${lpad(f(r.cpuUsPerReq, 0), 9)}`
}

function errorSamples(results: LoadResult[]) {
  for (const r of results) {
    if (r.errors + r.socketErrors === 0) continue
    console.log(`  ! ${r.label}: ${r.errors} bad responses, ${r.socketErrors} socket errors / timeouts; e.g.`)
    for (const s of r.samples) console.log(`      ${s}`)
  }
}

function scaleRow(label: string, a: number, b: number, target?: number) {
  const ratio = b / a
  const t = target === undefined ? '' : `  ≤ ${target}× ${verdict(ratio <= target)}`
  return `  ${pad(label, 48)}${lpad(f(a, 3), 9)}${lpad(f(b, 3), 9)}${lpad(`${f(ratio)}×`, 9)}${t}`
}

const load1 = () => os.loadavg()[0].toFixed(2)

async function main() {
  const started = Date.now()
  const loadAtStart = load1()
  const figures: Figure[] = []
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-bench-'))
  const gatewayDir = path.join(dir, 'gateway')
  fs.mkdirSync(gatewayDir)
  try {
    progress(`working in ${dir}${SMALL ? ' (small mode: tiny data, figures mean nothing)' : ''}`)
    console.log(`Benchmark — ${os.cpus().length} cores, Node ${process.version}, SQLite WAL synchronous=NORMAL on ${os.tmpdir()}${SMALL ? ' — SMALL MODE' : ''}`)
    if (wanted('roundtrips')) {
      progress('round trips on the CloudBase adapter (6 and 30 staff) …')
      const rt6 = await measureRoundTrips(6)
      const rt30 = SMALL ? rt6 : await measureRoundTrips(30)
      reportCloud(rt6, rt30)
      figures.push(...roundTripFigures(rt30))
    }
    if (wanted('coldstart')) {
      progress('function cold start …')
      const cold = await measureColdStart()
      console.log('')
      for (const l of coldStartReport(cold)) console.log(l)
      figures.push(...coldStartFigures(cold))
    }
    const templates = await caseTemplates(BENCH_NOW, size(4, 1))

    let small: ScaleResult | null = null
    if (wanted('scale') || wanted('http')) {
      await warmScheduler(dir, templates)
      progress(`${size(10, 1)}k population …`)
      small = await scaleRun(dir, templates, size(10_000, 1000), { copyTo: path.join(gatewayDir, 'aftersale.db'), submits: size(2000, 20) })
    }
    if (wanted('scale') && small) {
      progress(`${size(100, 2)}k population (${Math.round(small.loadPerSec)} cases/s to load) …`)
      const large = await scaleRun(dir, templates, size(100_000, 2000), { submits: size(500, 20) })
      for (const name of fs.readdirSync(dir)) if (name.startsWith('pop-')) fs.rmSync(path.join(dir, name), { force: true })
      reportScale(small, large)
      figures.push(...scaleFigures(small, large))
    }
    if (wanted('whatif')) {
      progress('policy what-if …')
      const whatIf = await runWhatIfBench(dir, templates)
      console.log('')
      whatIfReport(whatIf)
      for (const r of whatIf) figures.push({ bench: 'what-if', name: r.label, value: r.ms, unit: 'ms' })
    }
    if (wanted('http') && small) {
      progress('floor over HTTP …')
      const floor = await runFloor(dir, templates, size(10_000, 1000), SECONDS)
      progress('gateway over HTTP …')
      const gw = await runGateway(gatewayDir, SECONDS, size(30_000, 3000))
      reportHttp(floor, gw)
      figures.push(
        { bench: 'http', name: 'gateway mix ÷ floor mix, throughput (c = 32)', value: gw.mix.rate / floor.mix.rate, unit: '×', budget: ge(0.35) },
        { bench: 'http', name: 'gateway mix p99 ÷ floor mix p99 (c = 32)', value: gw.mix.p99 / floor.mix.p99, unit: '×', budget: le(2), note: `${f(gw.mix.p99, 1)} / ${f(floor.mix.p99, 1)} ms` },
        { bench: 'http', name: 'gateway mix throughput', value: gw.mix.rate, unit: 'req/s' },
        { bench: 'http', name: 'server CPU per request, gateway mix ÷ floor mix', value: gw.mix.cpuUsPerReq / floor.mix.cpuUsPerReq, unit: '×', note: `${f(gw.mix.cpuUsPerReq, 0)} / ${f(floor.mix.cpuUsPerReq, 0)} µs` },
        { bench: 'http', name: 'gateway mix errors', value: gw.mix.errors + gw.mix.socketErrors, unit: '', budget: le(0) },
      )
    }
    if (wanted('dispatcher')) {
      progress('dispatcher …')
      const disp = await runDispatcher(dir, templates, size(20_000, 200))
      reportDispatcher(disp)
      figures.push({ bench: 'dispatcher', name: `${disp.messages} messages, sender answers in ${disp.sendMs} ms: drained in`, value: disp.ms / 1000, unit: 's', budget: le(120) })
      figures.push({ bench: 'dispatcher', name: `last of ${disp.urgent} urgent rows (staff alerts, P1) done after`, value: disp.urgentMs / 1000, unit: 's' })
    }
    if (wanted('shopsync')) {
      progress('shop sync …')
      const shop = await runShopSync(dir, size(1000, 50))
      console.log('')
      reportShopSync(shop, f)
      for (const r of shop.runs) figures.push({ bench: 'shop sync', name: r.label, value: r.perSec, unit: 'a-s/s' })
    }
    if (wanted('shopremedy')) {
      progress('shop remedy (退差价 through the outbox) …')
      const sr = await runShopRemedy(dir, size(200, 5))
      console.log('')
      reportShopRemedy(sr, f)
      figures.push({ bench: 'shop remedy', name: '退差价 through the outbox, per call', value: sr.outboxMsPerCall, unit: 'ms' })
      figures.push({ bench: 'shop remedy', name: '退差价 store round trips per call', value: sr.storePerCall, unit: 'calls' })
      figures.push({ bench: 'shop remedy', name: 'bare fetch of refundpricediff, per call', value: sr.floorMsPerCall, unit: 'ms' })
    }
    if (wanted('uploads')) {
      progress('upload memory …')
      const uploads = await runUploadMemory()
      console.log('')
      console.log('Upload memory (gateway in its own process, peak resident set above the level before the upload; target: a refused 200 MB upload adds ≤ ~50 MB)')
      for (const u of uploads) console.log(`  ${pad(u.label, 40)} answer ${pad(String(u.status), 8)} +${f(u.addedMb, 1)} MB  (${u.ms} ms)`)
      for (const u of uploads) figures.push({ bench: 'uploads', name: `${u.label}: memory added`, value: u.addedMb, unit: 'MB', ...(u.label.includes('refused') ? { budget: le(50) } : {}) })
    }
    if (wanted('analytics')) {
      progress('analytics and export …')
      const a = await runAnalyticsBench(dir, templates)
      console.log('')
      analyticsReport(a)
      figures.push(...analyticsFigures(a))
    }
    if (wanted('autorules')) {
      progress('auto-decision rules …')
      const ar = await runAutoRulesBench(dir, templates)
      console.log('')
      autoRulesReport(ar, f)
      figures.push(
        { bench: 'auto rules', name: 'submit with 20 rules (none decides) ÷ with none', value: ar.ms.miss / ar.ms.none, unit: '×', budget: le(1.2), note: `${f(ar.ms.miss, 2)} / ${f(ar.ms.none, 2)} ms` },
        { bench: 'auto rules', name: 'submit with 20 rules, the last decides and pays ÷ none', value: ar.ms.fit / ar.ms.none, unit: '×' },
      )
    }
    console.log('')
    console.log(`Summary: every figure against its budget${SMALL ? ' (SMALL MODE: tiny data, verdicts mean nothing)' : ''}`)
    for (const l of summaryTable(figures)) console.log(l)
    console.log('')
    console.log(`Whole run ${Math.round((Date.now() - started) / 1000)} s; 1-minute load average ${loadAtStart} at the start, ${load1()} at the end`)
    console.log('(anything else running on the machine shows up in these figures: compare runs on an idle machine)')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function reportHttp(floor: Awaited<ReturnType<typeof runFloor>>, gw: Awaited<ReturnType<typeof runGateway>>) {
  console.log('')
  console.log(`HTTP, concurrency 32, ${SECONDS} s per run (autocannon in this process, each server in its own process)`)
  console.log('  each run: its 32 connections are opened first; the measured window (req/s, p50, p99) starts once every one has had')
  console.log('  its first answer (open = ms until then, 1st max = the slowest first answer: Node accepts one connection per event-loop turn);')
  console.log('  CPU µs = the server process\'s CPU time (user + system, all its threads) over the window ÷ responses: steadier than req/s on a busy machine')
  console.log(`  ${pad('run', 40)}${lpad('req/s', 8)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('errors', 8)}${lpad('open ms', 9)}${lpad('1st max', 9)}${lpad('CPU µs', 9)}`)
  const loads = [floor.insert, floor.select, floor.mix, floor.hello, gw.mix, gw.submit, gw.list, gw.queue, gw.hello]
  for (const r of loads) console.log(loadRow(r))
  errorSamples(loads)
  console.log('  floor: bare node:http + better-sqlite3, a (id, buyer, created_at, doc) table with the buyer index, 20 docs per buyer')
  console.log(`  gateway: startGateway (hono) in a child process, dispatcher and scheduler timers OFF, on the ${size(10, 1)}k population (${BUYERS} buyers);`)
  console.log(`           each submit files a case on a fresh delivered order (${gw.ordersUsed} of ${gw.ordersAvailable} used);`)
  console.log('           mix per connection: submit, list_cases (buyer), queue (agent, tabs mine / team)')
  console.log(`           one call of each before the load: ${gw.sanity}`)
  const share = gw.mix.rate / floor.mix.rate
  console.log(`  target: mix ≥ 0.35 of the floor's mix rate → ${f(share, 3)} (${Math.round(gw.mix.rate)} / ${Math.round(floor.mix.rate)} req/s) ${verdict(share >= 0.35)};`
    + ` mix p99 ≤ 2× the floor's → ${f(gw.mix.p99, 1)} / ${f(floor.mix.p99, 1)} ms ${verdict(gw.mix.p99 <= 2 * floor.mix.p99)}`)
  console.log(`          (vs floor insert alone ${f(gw.mix.rate / floor.insert.rate, 3)}, vs floor select alone ${f(gw.mix.rate / floor.select.rate, 3)})`)
  // at a fixed concurrency, latency = connections ÷ rate (Little's law): the p99 ratio follows the throughput ratio
  // unless the tails differ, so the tail's shape is printed apart
  console.log(`          p99 ÷ p50 (the tail's shape at the same concurrency): gateway ${f(gw.mix.p99 / gw.mix.p50)}, floor ${f(floor.mix.p99 / floor.mix.p50)};`
    + ` 1 ÷ throughput share ${f(floor.mix.rate / gw.mix.rate)}`)
}

function scaleFigures(small: ScaleResult, large: ScaleResult): Figure[] {
  const k = (r: ScaleResult) => `${r.size / 1000}k`
  const ratio = (name: string, a: number, b: number): Figure => ({ bench: 'scale', name: `${name}, ${k(large)} ÷ ${k(small)}`, value: b / a, unit: '×', budget: le(1.5) })
  return [
    ratio('queue page at the store', small.storeQueueMs, large.storeQueueMs),
    ratio('buyer list at the store', small.storeBuyerMs, large.storeBuyerMs),
    ratio('queue action (page + 6 tab counts)', small.queueActionMs, large.queueActionMs),
    ratio('list_cases action', small.listActionMs, large.listActionMs),
    ratio(`scheduler pass, ${DUE} due`, small.schedulerMs, large.schedulerMs),
    { bench: 'scale', name: `submit ÷ bare insert of the same document, ${k(small)}`, value: small.submitMs / small.bareInsertMs, unit: '×', budget: le(6) },
    { bench: 'scale', name: `submit ÷ bare insert of the same document, ${k(large)}`, value: large.submitMs / large.bareInsertMs, unit: '×', budget: le(6) },
    { bench: 'scale', name: `submit server time, ${k(large)}`, value: large.submitMs, unit: 'ms' },
    { bench: 'scale', name: `store write alone (createCase) ÷ bare insert, ${k(small)}`, value: small.storeWriteMs / small.bareInsertMs, unit: '×' },
    { bench: 'scale', name: `store write alone (createCase) ÷ bare insert, ${k(large)}`, value: large.storeWriteMs / large.bareInsertMs, unit: '×' },
  ]
}

function reportScale(small: ScaleResult, large: ScaleResult) {
  const k = (r: ScaleResult) => `${r.size / 1000}k`
  console.log('')
  console.log(`In process, ${k(small)} vs ${k(large)} open cases (${BUYERS} buyers; ms per call, mean)`)
  console.log(`  ${pad('', 48)}${lpad(k(small), 9)}${lpad(k(large), 9)}${lpad('ratio', 9)}  target`)
  console.log(scaleRow('queue page (store: a team tab, 20 due first)', small.storeQueueMs, large.storeQueueMs, 1.5))
  console.log(scaleRow('buyer list (store: 20 newest of a buyer)', small.storeBuyerMs, large.storeBuyerMs, 1.5))
  console.log(scaleRow('queue action (admin fn: page + 6 tab counts)', small.queueActionMs, large.queueActionMs, 1.5))
  console.log(scaleRow('list_cases action (aftersale fn)', small.listActionMs, large.listActionMs, 1.5))
  console.log(scaleRow('open-case count (store)', small.storeCountMs, large.storeCountMs))
  console.log(scaleRow(`scheduler pass, ${DUE} due (median of ${PASSES})`, small.schedulerMs, large.schedulerMs, 1.5))
  for (const r of [small, large]) {
    const acted = r.scheduler.map((s) => `${s.examined}/${s.acted}`).join(', ')
    console.log(`    ${k(r)}: passes ${r.schedulerPassesMs.map((ms) => f(ms, 1)).join(', ')} ms; due before each ${r.dueBefore.join(', ')}; examined/acted ${acted}`)
  }
  console.log(scaleRow('submit (aftersale fn, server time)', small.submitMs, large.submitMs))
  console.log(scaleRow('store write alone (createCase, same doc + outbox)', small.storeWriteMs, large.storeWriteMs))
  console.log(scaleRow('bare insert of the same document', small.bareInsertMs, large.bareInsertMs))
  const r10 = small.submitMs / small.bareInsertMs
  const r100 = large.submitMs / large.bareInsertMs
  console.log(`  submit server time / bare insert: ${f(r10, 1)}× at ${k(small)}, ${f(r100, 1)}× at ${k(large)} (target ≤ 6×: ${verdict(Math.max(r10, r100) <= 6)})`)
  console.log(`  of which the store's write alone / bare insert: ${f(small.storeWriteMs / small.bareInsertMs, 1)}× at ${k(small)}, ${f(large.storeWriteMs / large.bareInsertMs, 1)}× at ${k(large)}`
    + ' (one IMMEDIATE transaction: the case row and its queue / SLA / analytics indexes, facts, tasks, outbox rows, idempotency key)')
  console.log(`  (populations loaded at ${Math.round(small.loadPerSec)} and ${Math.round(large.loadPerSec)} cases/s through createCase, batched 2,000 per transaction)`)
}

function reportDispatcher(disp: Awaited<ReturnType<typeof runDispatcher>>) {
  const s = disp.stats
  console.log('')
  console.log(`Dispatcher: ${disp.messages} outbox messages in ${disp.passes} passes (gateway timer: ≤ 5,000 rows, 32 cases in flight), each WeChat call answered after ${disp.sendMs} ms:`
    + ` drained in ${f(disp.ms / 1000, 1)} s → ${Math.round(disp.perSec)} messages/s (target 20,000 in ≤ 120 s: ${verdict(disp.ms <= 120_000 || disp.messages < 20_000)})`)
  console.log(`  the last of ${disp.urgent} urgent rows (staff alerts, P1 messages) was done after ${f(disp.urgentMs / 1000, 1)} s`
    + ` (sent ${s.sent}, skipped ${s.skipped}, retried ${s.retried}, failed ${s.failed}; sender received ${disp.delivered})`)
}

function reportCloud(rt6: RoundTrips[], rt30: RoundTrips[]) {
  console.log('')
  console.log('CloudBase adapter: database round trips per action (real @cloudbase/node-sdk → local emulator; one warm instance;')
  console.log('"seq" = longest chain of requests each sent after the previous answer, i.e. latency at one round trip each)')
  for (const l of roundTripTable(rt6, rt30)) console.log(l)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
