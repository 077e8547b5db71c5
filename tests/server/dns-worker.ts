/**
 * Child of sdk-dns.test.ts: records every DNS look-up this process makes while it loads the
 * functions' entry points and runs the SDK inits of a first call, runs the CloudBase adapter against the local
 * emulator and serves a function call through the demo gateway. A look-up of a non-loopback host
 * is recorded and failed at once (ENOTFOUND), so nothing leaves the machine.
 * argv[2] = 'configured' (as the suite runs: tests/server/setup-env.ts first) or 'bare'.
 * Prints one line: JSON of the hosts looked up.
 */
import dns from 'node:dns'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const hosts: string[] = []
const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1)$/i
const realLookup = dns.lookup
const record = ((host: string, ...rest: unknown[]) => {
  hosts.push(host)
  const cb = rest[rest.length - 1] as (err: NodeJS.ErrnoException | null, ...a: unknown[]) => void
  if (LOOPBACK.test(host)) return (realLookup as (...a: unknown[]) => void)(host, ...rest)
  const err: NodeJS.ErrnoException = Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND', hostname: host })
  process.nextTick(() => cb(err))
}) as typeof dns.lookup
dns.lookup = record
dns.promises.lookup = ((host: string) => {
  hosts.push(host)
  return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }))
}) as typeof dns.promises.lookup

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function main() {
  if (process.argv[2] === 'configured') await import('./setup-env')
  // the entry points, and the SDK inits a function runs on its first call: its dependencies
  // (@cloudbase/node-sdk init), and notify's wx-server-sdk on its first send
  await import('../../cloudfunctions/notify/index')
  await import('../../cloudfunctions/aftersale/index')
  await import('../../cloudfunctions/admin/index')
  await import('../../cloudfunctions/channels/index')
  await (await import('../../cloudfunctions/adapters/cloudbase/deps')).cloudDeps()
  const wx = (await import('wx-server-sdk')).default
  wx.init({ env: wx.DYNAMIC_CURRENT_ENV as unknown as string })

  const { CloudBaseEmulator } = await import('./cloudbase-emulator')
  const { CloudBaseStore } = await import('../../cloudfunctions/adapters/cloudbase/store')
  const emulator = new CloudBaseEmulator()
  const url = await emulator.start()
  const store = new CloudBaseStore({ env: 'dns-test', secretId: 'local-id', secretKey: 'local-key', serviceUrl: url, timeout: 10_000 })
  await store.init()
  await store.getCase('nope')
  await emulator.stop()

  // the local gateway of the demo, with its shop stand-in, serving a buyer call
  const { startGateway } = await import('../../cloudfunctions/gateway/server')
  const { connectShop } = await import('../../cloudfunctions/gateway/demo-shop')
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'desk-dns-'))
  const shop = await connectShop({})
  const g = await startGateway({ dataDir, demo: true, port: 0, quiet: true, dispatchEveryMs: 0, scheduleEveryMs: 0, shop: shop.shop, push: shop.push })
  await shop.connect(g.url)
  const res = await fetch(`${g.url}/api/fn/aftersale`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-desk-call': '1', 'x-dev-openid': 'buyer-zhao' },
    body: JSON.stringify({ action: 'list_orders', data: {} }),
  })
  if (!((await res.json()) as { ok: boolean }).ok) throw new Error('gateway call failed')
  await g.tick()
  await g.close()
  await shop.close()
  fs.rmSync(dataDir, { recursive: true, force: true })
  // the SDK's probe runs unawaited after init(): give it time to show up
  await sleep(300)
  console.log(JSON.stringify(hosts))
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
