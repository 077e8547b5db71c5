/**
 * The real local gateway (startGateway, hono on @hono/node-server, SQLite adapter), run in its own
 * process by the HTTP benchmark so the load generator does not share its event loop.
 * Usage: gateway-server.ts <data dir> <clock start ISO>. The outbox dispatcher and scheduler timers
 * are off (they would run at arbitrary moments of the measurement); the clock starts at the given
 * instant and runs at real speed. Reports its URL to the parent over IPC.
 */
import { startGateway } from '../../cloudfunctions/gateway/server'

const [dataDir, clockStart] = process.argv.slice(2)
const base = Date.parse(clockStart ?? new Date().toISOString())
const t0 = Date.now()

// the HTTP bench asks for the CPU time spent so far at each end of its measured window
process.on('message', (m) => {
  if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() })
})

startGateway({
  host: '127.0.0.1',
  port: 0,
  dataDir,
  quiet: true,
  dispatchEveryMs: 0,
  scheduleEveryMs: 0,
  now: () => new Date(base + (Date.now() - t0)).toISOString(),
}).then((gw) => {
  process.send?.({ url: gw.url })
  process.on('disconnect', () => {
    void gw.close().finally(() => process.exit(0))
  })
})
