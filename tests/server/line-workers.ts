/**
 * Worker processes for the cross-process tests: each runs a script with tsx (its own Node process,
 * its own store on the shared file), prints `ready`, then answers each `run <name> <json>` line on
 * stdin with `result <name> <json>`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import readline from 'node:readline'

const root = path.resolve(__dirname, '../..')

export interface Worker {
  child: ChildProcess
  lines: string[]
  waiters: (() => void)[]
  stderr: string[]
}

export function startWorker(script: string, cfg: unknown): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(cfg)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
  const w: Worker = { child, lines: [], waiters: [], stderr: [] }
  readline.createInterface({ input: child.stdout! }).on('line', (l) => {
    w.lines.push(l)
    for (const f of w.waiters.splice(0)) f()
  })
  child.stderr!.on('data', (d: Buffer) => w.stderr.push(d.toString()))
  child.on('exit', () => {
    for (const f of w.waiters.splice(0)) f()
  })
  return w
}

/** The first line starting with `prefix` (waits for it). */
export function line(w: Worker, prefix: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const i = w.lines.findIndex((l) => l.startsWith(prefix))
      if (i >= 0) resolve(w.lines.splice(i, 1)[0].slice(prefix.length).trim())
      else if (w.child.exitCode !== null) reject(new Error(`worker exited (${w.child.exitCode}): ${w.stderr.join('').slice(0, 2000)}`))
      else w.waiters.push(check)
    }
    check()
  })
}

export function run<T>(w: Worker, name: string, args: unknown = {}): Promise<T> {
  w.child.stdin!.write(`run ${name} ${JSON.stringify(args)}\n`)
  return line(w, `result ${name} `).then((s) => JSON.parse(s) as T)
}
