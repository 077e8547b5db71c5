// Child of coldstart.ts: one cold start of a deployed function, as CloudBase runs it — a fresh Node
// process requires build/functions/<fn>/index.js and serves one call (its SDK talking to the local
// emulator), then exits. Plain CommonJS (a .js file: this package is not "type": "module") run by `node` itself: nothing but the bundle is loaded.
// argv: bundle path, event JSON, context JSON. Prints one JSON line.
const t0 = performance.now()
const [bundle, event, context] = process.argv.slice(2)
/** COLD_BY_FILE=1 (the bench's --profile): time spent loading each file, its own requires excluded, compile included */
const byFile = process.env.COLD_BY_FILE ? new Map() : null
if (byFile) {
  const Module = require('node:module')
  const load = Module._load
  const stack = []
  Module._load = function (request, parent, isMain) {
    const start = performance.now()
    stack.push(0)
    try {
      return load.call(this, request, parent, isMain)
    } finally {
      const took = performance.now() - start
      const inner = stack.pop()
      if (stack.length) stack[stack.length - 1] += took
      const key = Module.isBuiltin(request) ? 'built-ins' : request.slice(request.lastIndexOf('/') + 1)
      byFile.set(key, (byFile.get(key) ?? 0) + took - inner)
    }
  }
}
const fn = require(bundle)
const t1 = performance.now()
fn.main(JSON.parse(event), JSON.parse(context)).then(
  (answer) => {
    const t2 = performance.now()
    const loaded = Object.keys(require.cache).map((k) => k.slice(k.lastIndexOf('/') + 1))
    const cpu = process.cpuUsage()
    const line = { requireMs: t1 - t0, callMs: t2 - t1, bootMs: t0, cpuMs: (cpu.user + cpu.system) / 1000, answer: JSON.stringify(answer).slice(0, 300), loaded, ...(byFile ? { byFile: Object.fromEntries(byFile) } : {}) }
    process.stdout.write(JSON.stringify(line) + '\n', () => process.exit(0))
  },
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
