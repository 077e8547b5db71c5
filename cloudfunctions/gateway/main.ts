import path from 'node:path'
import { startGateway } from './server'
import { connectShop } from './demo-shop'

// `npm start`: the embedded default. Flags: --port N, --host ADDR, --data DIR, --allow-remote.
const args = process.argv.slice(2)
const flag = (name: string) => {
  const i = args.indexOf(`--${name}`)
  return i >= 0 ? args[i + 1] : undefined
}
const root = path.resolve(__dirname, '..', '..')
async function main() {
  const shop = await connectShop(process.env)
  const g = await startGateway({
    host: flag('host') ?? process.env.HOST ?? '127.0.0.1',
    port: Number(flag('port') ?? process.env.PORT ?? 8787),
    dataDir: path.resolve(flag('data') ?? process.env.DATA_DIR ?? path.join(root, 'data')),
    h5Dir: path.join(root, 'dist/h5'),
    allowRemote: args.includes('--allow-remote'),
    // the demo shop (local stand-in) unless the seller's shop is configured
    shop: shop.shop,
    push: shop.push,
  })
  await shop.connect(g.url)
  console.log(`售后工作台 running at ${g.url}`)
  console.log(`  sign in as a demo buyer or staff member: ${g.url}/dev/login`)
  console.log(`  messages that would have been sent:      ${g.url}/dev/messages`)
  console.log(`  shop after-sales from:                   ${shop.describe}`)
}

main().catch((e) => {
  console.error(String(e instanceof Error ? e.message : e))
  process.exit(1)
})
