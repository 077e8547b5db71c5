import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'

/**
 * WAL checkpoints on a thread of their own (the gateway's). SQLite's automatic checkpoint runs
 * inside the commit that crosses its threshold: that one request copies the WAL's pages into the
 * database file and syncs it while every other request waits on the event loop (a submit dirties
 * ~38 pages, so every ~26th paid ~10 ms). Here a second connection in a worker thread runs a
 * PASSIVE checkpoint every `everyMs` — it never blocks the writer, which keeps its own automatic
 * checkpoint only as a backstop (SqliteStoreOptions.autocheckpointPages).
 */
export function startCheckpointer(file: string, everyMs = 500): { stop(): Promise<void> } {
  const code = `
    const { workerData, parentPort } = require('node:worker_threads')
    const Database = require(workerData.mod)
    const db = new Database(workerData.file)
    db.pragma('busy_timeout = 0')
    const timer = setInterval(() => {
      try { db.pragma('wal_checkpoint(PASSIVE)') } catch {}
    }, workerData.everyMs)
    parentPort.once('message', () => {
      clearInterval(timer)
      db.close()
      parentPort.postMessage('closed')
    })`
  const worker = new Worker(code, { eval: true, workerData: { file, everyMs, mod: createRequire(__filename).resolve('better-sqlite3') } })
  worker.unref()
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => void worker.terminate().then(() => resolve(), () => resolve())
        worker.once('message', done)
        worker.once('error', done)
        worker.once('exit', () => resolve())
        worker.postMessage('stop')
      }),
  }
}
