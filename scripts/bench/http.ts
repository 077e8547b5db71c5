/**
 * HTTP load: autocannon (in this process) against a server in its own child process — the bare
 * floor (floor-server.ts) or the real gateway (gateway-server.ts). Every response is checked: a
 * non-2xx status or an envelope that is not `{"ok":true…` counts as an error and the first few
 * are kept as samples (a benchmark of error responses is worthless). Latency percentiles come
 * from every response's own time (autocannon's histogram rounds to whole milliseconds).
 */
import { fork } from 'node:child_process'
import path from 'node:path'
import autocannon from 'autocannon'

const root = path.resolve(__dirname, '..', '..')

export interface Server {
  url: string
  stop(): Promise<void>
}

/**
 * Starts scripts/bench/<script> under tsx in a child process; it reports `{ url }` over IPC.
 * With BENCH_CPU_PROF=<dir> the child writes a V8 CPU profile there when it stops.
 */
export async function spawnServer(script: string, args: string[]): Promise<Server> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : []
  const child = fork(path.join(__dirname, script), args, { cwd: root, execArgv: ['--import', 'tsx', ...prof], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m: { url: string }) => resolve(m.url))
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before listening`)))
  })
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.disconnect()
      }),
  }
}

export interface LoadResult {
  label: string
  connections: number
  seconds: number
  responses: number
  /** responses per second */
  rate: number
  p50: number
  p99: number
  /** non-2xx or not `ok: true` */
  errors: number
  /** connection errors and timeouts */
  socketErrors: number
  samples: string[]
}

export type Req = Omit<autocannon.Request, 'onResponse'>

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

/** `requests` are cycled per connection (autocannon's request sequence). */
export async function load(label: string, url: string, requests: Req[], seconds: number, connections = 32): Promise<LoadResult> {
  let errors = 0
  const samples: string[] = []
  const onResponse = (status: number, body: string) => {
    if (status >= 200 && status < 300 && body.startsWith('{"ok":true')) return
    errors++
    if (samples.length < 5) samples.push(`${status} ${body.slice(0, 300)}`)
  }
  const times: number[] = []
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon(
      { url, connections, duration: seconds, requests: requests.map((r) => ({ ...r, onResponse })) },
      (err, res) => (err ? reject(err) : resolve(res)),
    )
    inst.on('response', (_client, _status, _bytes, ms) => {
      times.push(ms)
    })
  })
  const sorted = Float64Array.from(times).sort()
  return {
    label,
    connections,
    seconds: result.duration,
    responses: times.length,
    rate: times.length / result.duration,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors,
    socketErrors: result.errors + result.timeouts,
    samples,
  }
}

export const json = (body: unknown) => JSON.stringify(body)

/** A POST of a function call as `openid` (the gateway's X-Dev-Openid header), built per request. */
export function fnCall(fn: 'aftersale' | 'admin', make: () => { openid: string; body: unknown }): Req {
  return {
    method: 'POST',
    path: `/api/fn/${fn}`,
    setupRequest: (req) => {
      const { openid, body } = make()
      return { ...req, headers: { 'content-type': 'application/json', 'x-dev-openid': openid, 'x-desk-call': '1' }, body: json(body) }
    },
  }
}
