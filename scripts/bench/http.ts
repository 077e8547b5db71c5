/**
 * HTTP load: autocannon (in this process) against a server in its own child process — the bare
 * floor (floor-server.ts) or the real gateway (gateway-server.ts). Every response is checked: a
 * non-2xx status or an envelope that is not `{"ok":true…` counts as an error and the first few
 * are kept as samples (a benchmark of error responses is worthless). Latency percentiles come
 * from every response's own time (autocannon's histogram rounds to whole milliseconds).
 *
 * Measured window, the same for every server: it opens once each of the `connections` has had
 * its first answer, and lasts `seconds`; rate and percentiles count the responses that arrive in
 * it. Before it, the connections are being opened: Node (libuv 1.46) accepts one new connection
 * per turn of its event loop, so while the connections already accepted keep a server busy, the
 * last of 32 new ones waits up to 31 turns to be accepted — measured ~1 s on the gateway (turns of
 * ~30 ms) and ~0.3–0.8 s on the floor, in its first request's latency. That is the cost of opening
 * connections into a saturated server, not of serving requests; it is reported apart (`openMs`).
 */
import { fork } from 'node:child_process'
import path from 'node:path'
import autocannon from 'autocannon'

const root = path.resolve(__dirname, '..', '..')

export interface Server {
  url: string
  /** the server process's CPU time so far (process.cpuUsage over IPC), µs */
  cpu(): Promise<number>
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
    cpu: () =>
      new Promise<number>((resolve) => {
        const onMessage = (m: { cpu?: { user: number; system: number } }) => {
          if (!m.cpu) return
          child.off('message', onMessage)
          resolve(m.cpu.user + m.cpu.system)
        }
        child.on('message', onMessage)
        child.send('cpu')
      }),
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
  /** ms from the start until every connection had its first answer (the window opens then) */
  openMs: number
  /** the slowest of those first answers, ms */
  firstMaxMs: number
  /** the server process's CPU time (user + system) over the window ÷ responses in it, µs; NaN without a server to ask */
  cpuUsPerReq: number
}

/** The window opens after this long even if a connection never answered (it is then counted as it is). */
const OPEN_WAIT_S = 10

export type Req = Omit<autocannon.Request, 'onResponse'>

const percentile = (sorted: Float64Array, p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN

/**
 * `requests` are cycled per connection (autocannon's request sequence); see the header for the
 * measured window. `server` (a Server or a bare URL): with a Server, its CPU time over the window is
 * read too.
 */
export async function load(label: string, server: string | Server, requests: Req[], seconds: number, connections = 32): Promise<LoadResult> {
  const url = typeof server === 'string' ? server : server.url
  const cpuOf = typeof server === 'string' ? null : () => server.cpu()
  let cpuStart: Promise<number> | null = null
  let cpuEnd: Promise<number> | null = null
  let errors = 0
  const samples: string[] = []
  const onResponse = (status: number, body: string) => {
    if (status >= 200 && status < 300 && body.startsWith('{"ok":true')) return
    errors++
    if (samples.length < 5) samples.push(`${status} ${body.slice(0, 300)}`)
  }
  const times: number[] = []
  const answered = new Set<unknown>()
  let firstMaxMs = 0
  const t0 = performance.now()
  let windowStart: number | null = null
  let windowEnd = Infinity
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const inst = autocannon(
      { url, connections, duration: OPEN_WAIT_S + seconds + 1, requests: requests.map((r) => ({ ...r, onResponse })) },
      (err, res) => (err ? reject(err) : resolve(res)),
    )
    const open = () => {
      if (windowStart !== null) return
      windowStart = performance.now()
      windowEnd = windowStart + seconds * 1000
      cpuStart = cpuOf?.() ?? null
      setTimeout(() => {
        cpuEnd = cpuOf?.() ?? null
        inst.stop()
      }, seconds * 1000)
    }
    const waited = setTimeout(open, OPEN_WAIT_S * 1000)
    inst.on('response', (client, _status, _bytes, ms) => {
      if (windowStart === null) {
        answered.add(client)
        firstMaxMs = Math.max(firstMaxMs, ms)
        if (answered.size === connections) {
          clearTimeout(waited)
          open()
        }
        return
      }
      if (performance.now() <= windowEnd) times.push(ms)
    })
  })
  const sorted = Float64Array.from(times).sort()
  const cpuUs = cpuStart && cpuEnd ? (await cpuEnd) - (await cpuStart) : NaN
  return {
    label,
    connections,
    seconds,
    responses: times.length,
    rate: times.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors,
    socketErrors: result.errors + result.timeouts,
    samples,
    openMs: (windowStart ?? performance.now()) - t0,
    firstMaxMs,
    cpuUsPerReq: cpuUs / times.length,
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
