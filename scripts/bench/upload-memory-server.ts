/**
 * The real local gateway in its own process for the upload-memory benchmark: samples its own
 * resident set every 10 ms and answers the parent's 'reset' (gc, then baseline = peak = now) and
 * 'peak' ({ baseline, peak } in bytes) over IPC. Usage: upload-memory-server.ts <data dir>.
 */
import { startGateway } from '../../cloudfunctions/gateway/server'

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})
let baseline = 0
let peak = 0
setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10).unref()

startGateway({ host: '127.0.0.1', port: 0, dataDir: process.argv[2], quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0 }).then((gw) => {
  process.on('message', (m) => {
    if (m === 'reset') {
      gc()
      baseline = peak = process.memoryUsage.rss()
      process.send?.({ baseline })
    } else if (m === 'peak') process.send?.({ baseline, peak: Math.max(peak, process.memoryUsage.rss()) })
  })
  process.send?.({ url: gw.url })
  process.on('disconnect', () => void gw.close().finally(() => process.exit(0)))
})
