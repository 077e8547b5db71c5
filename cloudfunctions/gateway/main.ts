import path from 'node:path'
import { startGateway } from './server'
import { connectShop } from './demo-shop'

// `npm start`: the embedded default with the demo shop. Flags: --port N, --host ADDR, --data DIR,
// --allow-remote (needs GATEWAY_ACCESS_TOKEN), --no-demo (no persona sign-in, messages page or import).
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const root = path.resolve(__dirname, '..', '..')
const demo = !args.includes('--no-demo')
const accessToken = process.env.GATEWAY_ACCESS_TOKEN || undefined
if (accessToken && accessToken.length < 16) {
  console.error('GATEWAY_ACCESS_TOKEN is too short: use at least 16 random characters')
  process.exit(1)
}

async function main() {
  const shop = await connectShop(process.env)
  const g = await startGateway({
    host: flag('host') ?? process.env.HOST ?? '127.0.0.1',
    port: Number(flag('port') ?? process.env.PORT ?? 8787),
    dataDir: path.resolve(flag('data') ?? process.env.DATA_DIR ?? path.join(root, 'data')),
    h5Dir: path.join(root, 'dist/h5'),
    allowRemote: args.includes('--allow-remote'),
    demo,
    seed: demo,
    accessToken,
    // the demo shop (local stand-in) unless the seller's shop is configured
    shop: shop.shop,
    push: shop.push,
  })
  await shop.connect(g.url)
  console.log(`售后工作台 running at ${g.url}`)
  if (args.includes('--allow-remote')) {
    const bar = '!'.repeat(78)
    console.warn(
      [
        bar,
        `!! --allow-remote: listening on ${g.url}, reachable from other machines.`,
        '!! Exposed: both functions (every buyer and staff action), evidence files, uploads' + (demo ? ',' : '.'),
        ...(demo ? ['!! and the DEMO surface: persona sign-in as ANY buyer or staff member, sent messages, order import.'] : []),
        '!! Every request needs the access token (X-Access-Token header, Bearer, or open /?access_token=… once).',
        '!! Plain HTTP: put TLS in front of it before using it beyond a trusted network.',
        bar,
      ].join('\n'),
    )
  }
  if (demo) {
    console.log(`  sign in as a demo buyer or staff member: ${g.url}/dev/login`)
    console.log(`  messages that would have been sent:      ${g.url}/dev/messages`)
  }
  console.log(`  shop after-sales from:                   ${shop.describe}`)
}

main().catch((e) => {
  console.error(String(e instanceof Error ? e.message : e))
  process.exit(1)
})
