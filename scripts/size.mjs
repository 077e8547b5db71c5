// Prints the weapp main package, each subpackage and each function bundle in KB against budgets.
// A function's folder is counted in two parts: its own code (index.js, package.json, config.json:
// budget `fn`) and the vendored @cloudbase/node-sdk under vendor/ (scripts/build-functions.mjs) —
// the file every cold start reads (`vendor`), the one read only when a lazy SDK path needs it
// (`vendorExtra`) and notify's wx-server-sdk, read on its first subscription message (`vendorWx`).
// The V8 code caches the build writes beside bundle.js and the vendored SDK (`<file>.cache`, read
// at every cold start when the running V8 is the build's; README "Cold start") are rows of their
// own, budget `cache` (proposed 2026-12-08): they grow with what a cold start compiles.
// The vendor budgets are proposals (2026-12-07, README "Size"): before the SDKs were vendored
// CloudBase installed them and they were counted nowhere.
import fs from 'node:fs'
import path from 'node:path'

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const weapp = path.join(root, 'dist/weapp')
const fnDir = path.join(root, 'build/functions')
const BUDGET = { main: 700, sub: 2048, fn: 400, vendor: 320, vendorExtra: 800, vendorWx: 650, cache: 450 }

function dirSize(dir, skip = () => false) {
  let total = 0
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (skip(p)) continue
    total += e.isDirectory() ? dirSize(p, skip) : fs.statSync(p).size
  }
  return total
}
const kb = (b) => (b / 1024).toFixed(1)

if (!fs.existsSync(weapp) || !fs.existsSync(fnDir)) {
  console.error('build first: npm run build (weapp + functions)')
  process.exit(1)
}
const app = JSON.parse(fs.readFileSync(path.join(weapp, 'app.json'), 'utf8'))
const subRoots = (app.subPackages || app.subpackages || []).map((s) => path.join(weapp, s.root))
const rows = []
const mainBytes = dirSize(weapp, (p) => subRoots.some((r) => p === r) || p.endsWith('.LICENSE.txt'))
rows.push(['weapp main package', mainBytes, BUDGET.main])
for (const r of subRoots) rows.push([`weapp subpackage ${path.basename(r)}/`, dirSize(r), BUDGET.sub])
const VENDOR = 'vendor'
for (const f of fs.readdirSync(fnDir)) {
  const dir = path.join(fnDir, f)
  const isCache = (p) => p.endsWith('.cache')
  rows.push([`function ${f}`, dirSize(dir, (p) => p === path.join(dir, VENDOR) || isCache(p)), BUDGET.fn])
  for (const c of fs.readdirSync(dir).filter(isCache)) rows.push([`  ${c}`, fs.statSync(path.join(dir, c)).size, BUDGET.cache])
  const vendor = path.join(dir, VENDOR)
  if (!fs.existsSync(vendor)) continue
  for (const v of fs.readdirSync(vendor)) rows.push([`  ${VENDOR}/${v}`, fs.statSync(path.join(vendor, v)).size, isCache(v) ? BUDGET.cache : v.includes('-extra') ? BUDGET.vendorExtra : v.startsWith('wx-server-sdk') ? BUDGET.vendorWx : BUDGET.vendor])
}

let over = 0
for (const [name, bytes, budget] of rows) {
  const ok = bytes / 1024 <= budget
  if (!ok) over++
  console.log(`${ok ? 'ok  ' : 'OVER'}  ${name.padEnd(40)} ${kb(bytes).padStart(8)} KB  (budget ${budget} KB)`)
}
process.exit(over ? 1 : 0)
