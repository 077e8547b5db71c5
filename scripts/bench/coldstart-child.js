// Child of coldstart.ts: one cold start of a deployed function, as CloudBase runs it — a fresh Node
// process requires build/functions/<fn>/index.js and serves one call (its SDK talking to the local
// emulator), then exits. Plain CommonJS (a .js file: this package is not "type": "module") run by `node` itself: nothing but the bundle is loaded.
// argv: bundle path, event JSON, context JSON. Prints one JSON line.
const t0 = performance.now()
const [bundle, event, context] = process.argv.slice(2)
const fn = require(bundle)
const t1 = performance.now()
fn.main(JSON.parse(event), JSON.parse(context)).then(
  (answer) => {
    const t2 = performance.now()
    const loaded = Object.keys(require.cache).map((k) => k.slice(k.lastIndexOf('/') + 1))
    const cpu = process.cpuUsage()
    const line = { requireMs: t1 - t0, callMs: t2 - t1, bootMs: t0, cpuMs: (cpu.user + cpu.system) / 1000, answer: JSON.stringify(answer).slice(0, 300), loaded }
    process.stdout.write(JSON.stringify(line) + '\n', () => process.exit(0))
  },
  (e) => {
    console.error(e)
    process.exit(1)
  },
)
