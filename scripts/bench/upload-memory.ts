/**
 * How much a refused oversize upload raises the gateway's memory (issue 14: a refused 200 MB
 * upload must add no more than ~50 MB; before the streaming parser it added ~800 MB). The gateway
 * runs in its own process and reports its peak resident set; the uploads are sent as a browser or
 * curl would: 200 MB chunked (no length), 200 MB with its length declared, and an accepted 40 MB video.
 */
import { fork } from 'node:child_process'
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { size } from './figures'

const MB = 1024 * 1024
const BOUNDARY = 'bench-boundary'
const HEAD = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="v.mp4"\r\nContent-Type: video/mp4\r\n\r\n`)
const MP4 = Buffer.from([0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d])
const TAIL = Buffer.from(`\r\n--${BOUNDARY}--\r\n`)

export interface UploadMemoryResult {
  label: string
  status: number | string
  addedMb: number
  ms: number
}

function body(totalMb: number): Readable {
  let sent = -1
  const chunk = Buffer.alloc(MB, 1)
  return new Readable({
    read() {
      if (sent < 0) this.push(Buffer.concat([HEAD, MP4]))
      else if (sent < totalMb) this.push(chunk)
      else return this.push(sent++ === totalMb ? TAIL : null)
      sent++
    },
  })
}

function send(url: string, totalMb: number, declared: boolean): Promise<number | string> {
  const u = new URL(url)
  const length = HEAD.length + MP4.length + totalMb * MB + TAIL.length
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: u.hostname, port: u.port, method: 'POST', path: '/api/upload',
        headers: { 'x-dev-openid': 'bench-buyer', 'x-desk-call': '1', 'content-type': `multipart/form-data; boundary=${BOUNDARY}`, ...(declared ? { 'content-length': length } : { 'transfer-encoding': 'chunked' }) },
      },
      (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      },
    )
    req.on('error', (e) => resolve(`closed (${(e as NodeJS.ErrnoException).code ?? e.message})`))
    body(totalMb).pipe(req)
  })
}

export async function runUploadMemory(): Promise<UploadMemoryResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aftersale-upload-bench-'))
  const child = fork(path.join(__dirname, 'upload-memory-server.ts'), [dir], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const ask = <T>(m: string) => new Promise<T>((resolve) => { child.once('message', (x) => resolve(x as T)); child.send(m) })
  try {
    const { url } = await new Promise<{ url: string }>((resolve, reject) => {
      child.once('message', (m) => resolve(m as { url: string }))
      child.once('exit', (code) => reject(new Error(`upload-memory-server exited (${code})`)))
    })
    const out: UploadMemoryResult[] = []
    // small mode: just over the 50 MB video limit, and a small accepted file
    const big = size(200, 60)
    const ok = size(40, 2)
    const runs = [[`${big} MB chunked (no length), refused`, big, false], [`${big} MB with Content-Length, refused`, big, true], [`${ok} MB video, accepted`, ok, true]] as const
    for (const [label, mb, declared] of runs) {
      await ask('reset')
      const t = Date.now()
      const status = await send(url, mb, declared)
      const ms = Date.now() - t
      await new Promise((r) => setTimeout(r, 100))
      const { baseline, peak } = await ask<{ baseline: number; peak: number }>('peak')
      out.push({ label, status, addedMb: (peak - baseline) / MB, ms })
    }
    return out
  } finally {
    child.disconnect()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

if (require.main === module) {
  runUploadMemory().then((rows) => {
    for (const r of rows) console.log(`${r.label.padEnd(40)} status ${String(r.status).padEnd(6)} +${r.addedMb.toFixed(1)} MB RSS  ${r.ms} ms`)
  })
}
