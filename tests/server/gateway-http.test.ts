/** The gateway's HTTP surface as any client sees it: identity, envelopes and limits. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startGateway, type Gateway } from '../../cloudfunctions/gateway/server'

let gw: Gateway
let dir: string
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-http-'))
  gw = await startGateway({ host: '127.0.0.1', port: 0, dataDir: dir, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0 })
})
afterAll(async () => {
  await gw?.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

const call = (body: string, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/api/fn/aftersale`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-desk-call': '1', ...headers }, body }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as { ok: boolean; data?: { openid?: string }; error?: { code: string; message: string } } }),
  )

test('identity comes from the dev header or the sign-in cookie, never from the payload', async () => {
  const asHeader = await call(JSON.stringify({ action: 'whoami', data: {} }), { 'x-dev-openid': 'buyer-zhao' })
  expect(asHeader.body).toMatchObject({ ok: true, data: { openid: 'buyer-zhao' } })
  const asCookie = await call(JSON.stringify({ action: 'whoami', data: {} }), { cookie: 'theme=dark; dev_openid=buyer-lin' })
  expect(asCookie.body).toMatchObject({ ok: true, data: { openid: 'buyer-lin' } })
  const spoofed = await call(JSON.stringify({ action: 'whoami', data: { openid: 'buyer-lin' }, openid: 'buyer-lin' }))
  expect(spoofed.body.ok).toBe(false)
  expect(spoofed.body.error?.code).toBe('UNAUTHENTICATED')
})

test('bad JSON and oversized bodies are typed VALIDATION errors in Chinese, not crashes', async () => {
  const bad = await call('{"action": "whoami",', { 'x-dev-openid': 'buyer-zhao' })
  expect(bad.body).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: '请求体不是合法的 JSON' } })
  const huge = await call(JSON.stringify({ action: 'whoami', data: { pad: 'x'.repeat(2 * 1024 * 1024) } }), { 'x-dev-openid': 'buyer-zhao' })
  expect(huge.body.ok).toBe(false)
  expect(huge.body.error?.message).toContain('请求过大')
  // the gateway still answers afterwards
  const after = await call(JSON.stringify({ action: 'whoami', data: {} }), { 'x-dev-openid': 'buyer-zhao' })
  expect(after.body.ok).toBe(true)
})

test('a port another process holds fails the start instead of handing out a URL someone else answers', async () => {
  const other = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-http-taken-'))
  try {
    const port = Number(new URL(gw.url).port)
    const start = startGateway({ host: '127.0.0.1', port, dataDir: other, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0 })
    let timer: NodeJS.Timeout | undefined
    const waiting = new Promise((r) => (timer = setTimeout(() => r('still waiting'), 10_000)))
    await expect(Promise.race([start, waiting]).finally(() => clearTimeout(timer))).rejects.toThrow(/EADDRINUSE/)
  } finally {
    fs.rmSync(other, { recursive: true, force: true })
  }
})
